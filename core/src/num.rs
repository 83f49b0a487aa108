//! Decimal text to and from `f64` without the standard library's float
//! formatting and parsing (`flt2dec`, `dec2flt` and their tables, about
//! 10 KB of the registrant's wasm, 5.7 KB gzip; issue 15).
//!
//! - [`display`] writes what `f64`'s `Display` writes, from the shortest
//!   digits zmij finds (the core already prints floats with zmij, as
//!   serde_json does).
//! - [`parse_decimal`] reads `[+-]digits[.digits]` (a timestamp's epoch
//!   text), correctly rounded as `str::parse::<f64>` rounds it.

/// `f.to_string()`: the shortest digits that read back as `f`, never in
/// exponent form (`1e20` is `100000000000000000000`, `1e-7` is
/// `0.0000001`), no `.0` on whole numbers, `NaN`, `inf`, `-inf`.
pub fn display(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if f.is_infinite() {
        out.push_str("inf");
        return out;
    }
    let mut buf = zmij::Buffer::new();
    let text = buf.format_finite(f.abs());
    // zmij writes `d.ddd`, `ddd.d` or `d.ddde±x`: gather the digits and
    // where the decimal point falls among them.
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut point = int.len() as i32 + exp;
    // Leading zeros move the point; trailing ones are not printed.
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..lead);
    point -= lead as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        out.push('0');
        return out;
    }
    // Where the exact value lies halfway between two shortest candidates,
    // zmij takes the even one and `Display` the upper one. (The digits
    // are ASCII, and b'0' is even, so a byte's parity is its digit's.)
    if digits.last().is_some_and(|d| d % 2 == 0) && is_halfway_above(f.abs(), &digits, point) {
        if let Some(last) = digits.last_mut() {
            *last += 1;
        }
    }
    let digits = String::from_utf8(digits).unwrap_or_default();
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        let (a, b) = digits.split_at(point as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    out
}

/// Whether `f` is exactly `0.D5 × 10^point` (`D` the digits, ASCII): the
/// digits with a 5 after them. Exact integer arithmetic; a value too wide
/// for `u128` cannot be such a tie (its exact expansion is longer).
fn is_halfway_above(f: f64, digits: &[u8], point: i32) -> bool {
    let mut n: u128 = 0;
    for d in digits {
        n = n * 10 + u128::from(d - b'0');
    }
    n = n * 10 + 5;
    // f = m * 2^e with m odd.
    let bits = f.to_bits();
    let (mut m, mut e) = match (bits >> 52) as i32 & 0x7ff {
        0 => (bits & ((1 << 52) - 1), -1074),
        x => ((bits & ((1 << 52) - 1)) | (1 << 52), x - 1075),
    };
    if m == 0 {
        return false;
    }
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e += zeros as i32;
    let m = u128::from(m);
    // The tie is n * 10^q.
    let q = point - digits.len() as i32 - 1;
    let shifted = |v: u128, by: i32| {
        u32::try_from(by).ok().filter(|&b| b < 128).and_then(|b| v.checked_mul(1 << b))
    };
    if q >= 0 {
        // n * 10^q == m * 2^e, both integers.
        let lhs = 10u128.checked_pow(q as u32).and_then(|p| n.checked_mul(p));
        lhs.is_some() && lhs == shifted(m, e)
    } else {
        // n == m * 5^k * 2^(e + k), k = -q.
        let k = q.unsigned_abs();
        let rhs = 5u128
            .checked_pow(k)
            .and_then(|p| m.checked_mul(p))
            .and_then(|v| shifted(v, e + k as i32));
        rhs == Some(n)
    }
}

/// Significant digits [`parse_decimal`] reads exactly. Longer texts are
/// refused (no registrar writes a timestamp with 39 significant digits).
const MAX_DIGITS: usize = 38;

/// `s.parse::<f64>()` for decimal text: `[+-]`, digits with at most one
/// `.` and at least one digit (`12`, `-12.5`, `.5`, `5.`), then optionally
/// an exponent (`1.7e9`, `5E-3`). Correctly rounded (ties to even) as the
/// standard library rounds. `None` for any other text (`inf`, `NaN`,
/// spaces), past 38 significant digits, and for values whose
/// exact digits do not fit 128 bits (beyond about 10^38 or below 10^-38;
/// a timestamp is neither).
pub fn parse_decimal(s: &str) -> Option<f64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exp) = match body.split_once(['e', 'E']) {
        Some((m, e)) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Past i32 the value is zero or infinite: not a timestamp.
            (m, e.parse::<i32>().ok()?)
        }
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    // The value is n * 10^p, n the significant digits.
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).skip_while(|&b| b == b'0').collect();
    let kept = digits.len() - digits.iter().rev().take_while(|&&b| b == b'0').count();
    if kept > MAX_DIGITS {
        return None;
    }
    let n = digits[..kept].iter().fold(0u128, |n, d| n * 10 + u128::from(d - b'0'));
    let p = i64::from(exp) - frac.len() as i64 + (digits.len() - kept) as i64;
    let v = if n == 0 {
        0.0
    } else if p >= 0 {
        let whole = u32::try_from(p)
            .ok()
            .and_then(|p| 10u128.checked_pow(p))
            .and_then(|t| n.checked_mul(t))?;
        quotient(whole, 1)
    } else {
        let scale = u32::try_from(-p).ok().filter(|&k| k <= MAX_DIGITS as u32)?;
        quotient(n, 10u128.pow(scale))
    };
    Some(if negative { -v } else { v })
}

/// `n / d` rounded to the nearest `f64`, ties to even. `d` is a power of
/// ten up to 10^38, `n` below 2^128; binary long division gives 54 significant bits and
/// whether anything is left over.
fn quotient(n: u128, d: u128) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let mut q = n / d;
    let mut r = n % d;
    // Binary exponent of q's lowest bit.
    let mut exp: i32 = 0;
    // Widen q to at least 55 bits (53 kept, one to round on, and room).
    while q < 1 << 54 {
        // r < d <= 10^38 < 2^127: doubling r does not overflow.
        r <<= 1;
        q <<= 1;
        if r >= d {
            r -= d;
            q |= 1;
        }
        exp -= 1;
    }
    // Narrow to 54 bits, folding what is dropped into the sticky bit.
    let mut sticky = r != 0;
    while q >= 1 << 54 {
        sticky |= q & 1 == 1;
        q >>= 1;
        exp += 1;
    }
    // q has 54 bits: 53 to keep and the rounding bit.
    let round = q & 1 == 1;
    let mut m = q >> 1;
    exp += 1;
    if round && (sticky || m & 1 == 1) {
        m += 1;
        if m == 1 << 53 {
            m >>= 1;
            exp += 1;
        }
    }
    // m < 2^53 is exact in f64, and so is 2^exp, built from its bits: the
    // values here lie between 10^-38 and 2^128 (exp within ±200), far from
    // subnormals and overflow, so the product is exact too.
    let power = f64::from_bits(((1023 + i64::from(exp)) as u64) << 52);
    m as f64 * power
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Written exactly: 9013032370984.0625 lies halfway between the
    // shortest candidates .062 and .063 (zmij takes .062, `Display` .063).
    #[allow(clippy::excessive_precision)]
    #[test]
    fn display_is_f64_display() {
        let cases = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1.5,
            123.0,
            1e15,
            1e16,
            1e20,
            1.5e21,
            1e22,
            1e23,
            1e-5,
            1e-7,
            1.5e-7,
            123.456,
            1712311200.123,
            1712311200123.0,
            9_013_032_370_984.062_5,
            1_125_790_963_301_109.25,
            0.5,
            2.5,
            0.125,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for f in cases {
            assert_eq!(display(f), f.to_string(), "{f:e}");
        }
    }

    #[test]
    fn parse_decimal_reads_as_std() {
        for s in [
            "0",
            "-0",
            "00",
            "12",
            "+12",
            "-12.5",
            ".5",
            "5.",
            "-.5",
            "0.1",
            "0.3",
            "1712311200",
            "1712311200.123",
            "1712311200123",
            "1712311200.1234567",
            "1712311200.123456789",
            "9007199254740993",
            "9007199254740995",
            "123456789012345678901234567890.5",
            "0.00000000000000000000000000000000000001",
            "99999999999999999999999999999999999999",
            "1000000000000000000000000000000000000",
            "0.000000000000000000000000000000000000000000000",
            "1e3",
            "1.7e9",
            "1712311200123e-3",
            "5E-3",
            "-2e+2",
            "0e999999",
            "1.5e20",
            "12345678901234567890123456789012345678e0",
        ] {
            assert_eq!(parse_decimal(s), Some(s.parse::<f64>().unwrap()), "{s}");
        }
        for s in [
            "", "-", "+", ".", "-.", "1.2.3", "e3", "1e", "1e+", "1e1.5", "inf", "NaN", " 1", "1 ",
            "--1", "0x1",
        ] {
            assert_eq!(parse_decimal(s), None, "{s:?}");
        }
        // Past 38 significant digits: refused, not misread.
        assert_eq!(parse_decimal("123456789012345678901234567890123456789"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn display_matches_std_for_any_bits(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assert_eq!(display(f), f.to_string());
        }

        #[test]
        fn display_matches_std_for_epochs(secs in 0.0..1e13f64) {
            prop_assert_eq!(display(secs), secs.to_string());
        }

        #[test]
        fn parse_decimal_matches_std(
            negative in any::<bool>(),
            int in "[0-9]{0,18}",
            frac in proptest::option::of("[0-9]{0,18}"),
            exp in proptest::option::of(-20i32..20),
        ) {
            let s = format!("{}{int}{}{}", if negative { "-" } else { "" },
                frac.as_ref().map(|f| format!(".{f}")).unwrap_or_default(),
                exp.map(|e| format!("e{e}")).unwrap_or_default());
            prop_assert_eq!(parse_decimal(&s), s.parse::<f64>().ok(), "{}", s);
        }

        #[test]
        fn parse_decimal_reads_back_any_display(m in 1u64..1 << 53, e in -120i32..70, negative in any::<bool>()) {
            let f = (m as f64) * 2f64.powi(e) * if negative { -1.0 } else { 1.0 };
            let text = f.to_string();
            let (int, frac) = text.trim_start_matches('-').split_once('.').unwrap_or((&text, ""));
            let significant = format!("{int}{frac}").trim_start_matches(['-', '0']).len();
            let scale = frac.len();
            prop_assume!(f.is_finite() && significant <= MAX_DIGITS && scale <= MAX_DIGITS);
            prop_assert_eq!(parse_decimal(&text).map(f64::to_bits), Some(f.to_bits()), "{}", text);
        }
    }
}
