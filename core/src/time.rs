//! Lenient timestamp reading.
//!
//! Registrars write dates every which way: RFC 3339 with `Z` or `+00:00`,
//! `YYYY-MM-DD HH:MM:SS` with no zone, WCF's `/Date(ms)/`, epoch seconds as
//! numbers or strings, the zero date `0000-00-00 00:00:00`, or an empty
//! string. [`parse_timestamp`] reads them all; "absent" forms give
//! `Ok(None)`, never an error. A timestamp without an offset is read in the
//! zone given (UTC unless configured), because no registrar documents its
//! zone.
//!
//! ```
//! use chrono::{FixedOffset, TimeZone, Utc};
//! use verification_core::time::parse_timestamp;
//!
//! let utc = FixedOffset::east_opt(0).unwrap();
//! let want = Utc.with_ymd_and_hms(2026, 4, 5, 10, 0, 0).unwrap();
//! assert_eq!(parse_timestamp("2026-04-05T10:00:00", utc)?, Some(want));
//! assert_eq!(parse_timestamp("2026-04-05 12:00:00+02:00", utc)?, Some(want));
//! assert_eq!(parse_timestamp("0000-00-00 00:00:00", utc)?, None);
//! assert_eq!(parse_timestamp("", utc)?, None);
//! # Ok::<(), verification_core::time::TimeError>(())
//! ```

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::fmt;

/// A timestamp that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeError {
    input: String,
}

impl TimeError {
    fn new(input: impl Into<String>) -> Self {
        TimeError { input: input.into() }
    }

    /// The text that was not understood.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unrecognised timestamp `{}` (expected RFC 3339, `YYYY-MM-DD HH:MM:SS` or epoch seconds)",
            self.input
        )
    }
}

impl std::error::Error for TimeError {}

/// Epoch values above this are taken as milliseconds (year 5138 in seconds).
const MILLIS_THRESHOLD: f64 = 1e11;

/// Reads a timestamp in any of the forms registrars send.
///
/// `zone` applies to values without an offset. Empty strings, the zero date
/// (`0000-00-00...`) and epoch `0` are `Ok(None)`.
///
/// # Errors
/// Returns [`TimeError`] when the text is none of the accepted forms or names
/// an impossible date.
pub fn parse_timestamp(input: &str, zone: FixedOffset) -> Result<Option<DateTime<Utc>>, TimeError> {
    let s = input.trim();
    if s.is_empty() || s.starts_with("0000-00-00") || s.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    if let Some(ms) = wcf_date(s) {
        return epoch_millis(ms).map_err(|_| TimeError::new(s));
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') && !s[1..].contains('-') {
        let n = crate::num::parse_decimal(s).ok_or_else(|| TimeError::new(s))?;
        return from_epoch(n).map_err(|_| TimeError::new(s));
    }
    match iso(s.as_bytes(), zone) {
        Some(Some(t)) => Ok(Some(t)),
        _ => Err(TimeError::new(s)),
    }
}

/// ISO 8601 / RFC 3339 date-times as registrars write them, read by hand
/// (chrono's format machinery would add tens of kilobytes to the widget,
/// and a list page has thousands of dates): `YYYY-MM-DD`, then optionally
/// `[Tt ]HH:MM[:SS[.fraction]]`, then optionally an offset `Z`, `±HH:MM`,
/// `±HHMM` or `±HH` (a space before it is tolerated). Without an offset,
/// `zone` applies.
///
/// `None` when the text has another shape; `Some(None)` when it has this
/// shape but names an impossible instant (February 30th, hour 25).
fn iso(b: &[u8], zone: FixedOffset) -> Option<Option<DateTime<Utc>>> {
    Some(iso_parts(b)?.and_then(|(naive, offset)| at_offset(naive, offset.unwrap_or(zone))))
}

fn at_offset(naive: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    offset.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

/// The fields of [`iso`]'s shape: the local date-time and its offset, if
/// written.
type Parts = (NaiveDateTime, Option<FixedOffset>);

fn iso_parts(b: &[u8]) -> Option<Option<Parts>> {
    fn num(b: &[u8]) -> Option<u32> {
        if b.is_empty() {
            return None;
        }
        b.iter()
            .try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    }
    // ISO 8601 expanded years (`+10000-01-01`, as written for dates past
    // 9999) read back what `rfc3339::format` writes.
    let (sign, b) = match b.first() {
        Some(b'+') => (1, &b[1..]),
        Some(b'-') => (-1, &b[1..]),
        _ => (1, b),
    };
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(4..=6).contains(&digits) || b.len() < digits + 6 {
        return None;
    }
    let (date, b) = b.split_at(digits + 6);
    if date[digits] != b'-' || date[digits + 3] != b'-' {
        return None;
    }
    let year = sign * num(&date[..digits])? as i32;
    let (month, day) = (num(&date[digits + 1..digits + 3])?, num(&date[digits + 4..])?);
    let mut rest = b;
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0);
    if let [b'T' | b't' | b' ', h1, h2, b':', m1, m2, tail @ ..] = rest {
        (hour, minute) = (num(&[*h1, *h2])?, num(&[*m1, *m2])?);
        rest = tail;
        if let [b':', s1, s2, tail @ ..] = rest {
            second = num(&[*s1, *s2])?;
            rest = tail;
            if let [b'.', frac @ ..] = rest {
                let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
                let kept = &frac[..digits.min(9)];
                nanos = num(kept)? * 10u32.pow(9 - kept.len() as u32);
                rest = &frac[digits..];
            }
        }
    }
    if let [b' ', b'+' | b'-' | b'Z' | b'z', ..] = rest {
        rest = &rest[1..];
    }
    let offset = match rest {
        [] => None,
        [b'Z' | b'z'] => FixedOffset::east_opt(0),
        [sign @ (b'+' | b'-'), h1, h2, tail @ ..] => {
            let minutes = match tail {
                [] => 0,
                [b':', m1, m2] | [m1, m2] => num(&[*m1, *m2])?,
                _ => return None,
            };
            let secs = (num(&[*h1, *h2])? * 3600 + minutes * 60) as i32;
            Some(FixedOffset::east_opt(if *sign == b'-' { -secs } else { secs })?)
        }
        _ => return None,
    };
    let naive = NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_nano_opt(hour, minute, second, nanos));
    Some(naive.map(|n| (n, offset)))
}

/// Reads epoch seconds (or milliseconds, for values above `1e11`). `0` is
/// the "absent" sentinel and gives `Ok(None)`.
///
/// # Errors
/// Returns [`TimeError`] for NaN, infinities and values out of range.
pub fn from_epoch(n: f64) -> Result<Option<DateTime<Utc>>, TimeError> {
    if n == 0.0 {
        return Ok(None);
    }
    if !n.is_finite() {
        return Err(TimeError::new(crate::num::display(n)));
    }
    if n.abs() > MILLIS_THRESHOLD {
        return epoch_millis(n);
    }
    let secs = n.floor();
    let nanos = ((n - secs) * 1e9).round().min(999_999_999.0) as u32;
    DateTime::from_timestamp(secs as i64, nanos)
        .map(Some)
        .ok_or_else(|| TimeError::new(crate::num::display(n)))
}

fn epoch_millis(ms: f64) -> Result<Option<DateTime<Utc>>, TimeError> {
    if ms == 0.0 {
        return Ok(None);
    }
    if !ms.is_finite() || ms.abs() > 1e17 {
        return Err(TimeError::new(crate::num::display(ms)));
    }
    DateTime::from_timestamp_millis(ms.round() as i64)
        .map(Some)
        .ok_or_else(|| TimeError::new(crate::num::display(ms)))
}

/// WCF's JSON date: `/Date(1712311200000)/` or `/Date(1712311200000+0300)/`.
/// The milliseconds are UTC; the offset only says how it was displayed.
fn wcf_date(s: &str) -> Option<f64> {
    let inner = s.strip_prefix("/Date(").or_else(|| s.strip_prefix("\\/Date("))?;
    let inner = inner.strip_suffix(")/").or_else(|| inner.strip_suffix(")\\/"))?;
    let end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map_or(inner.len(), |(i, _)| i);
    crate::num::parse_decimal(&inner[..end])
}

/// `t + d`, or the latest representable instant when that overflows (a
/// registrar date at the edge of the calendar must not panic the rules).
pub(crate) fn later(t: DateTime<Utc>, d: chrono::TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Finds the first timestamp inside prose such as `"Next eligible at:
/// 2026-01-20T21:49:58+00:00"` (name.com's 429 `details`).
pub fn find_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let utc = FixedOffset::east_opt(0).expect("0 is a valid offset");
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 10 <= bytes.len() {
        let looks_like_date = bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && bytes[i + 4] == b'-'
            && (i == 0 || !bytes[i - 1].is_ascii_digit());
        if looks_like_date {
            let end = text[i..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | ')' | ']')
                })
                .map_or(text.len(), |e| i + e);
            let candidate = text[i..end].trim_end_matches('.');
            if let Ok(Some(t)) = parse_timestamp(candidate, utc) {
                return Some(t);
            }
        }
        i += 1;
    }
    None
}

/// Serde for `DateTime<Utc>` as RFC 3339 in UTC with a `Z`
/// (`2026-04-05T10:00:00Z`, fractions only when present), the record's
/// contract. Written by hand, like the parser, to keep chrono's format
/// machinery out of the widget.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use verification_core::time::rfc3339;
///
/// let t = Utc.with_ymd_and_hms(2026, 4, 5, 10, 0, 0).unwrap();
/// assert_eq!(rfc3339::format(&t), "2026-04-05T10:00:00Z");
/// ```
pub mod rfc3339 {
    use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
    use serde::{de, Deserialize, Deserializer, Serializer};

    /// `t` as RFC 3339 with `Z`; milli-, micro- or nanoseconds only when
    /// non-zero (as chrono's `SecondsFormat::AutoSi`).
    pub fn format(t: &DateTime<Utc>) -> String {
        let frac = match t.nanosecond() % 1_000_000_000 {
            0 => String::new(),
            n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
            n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
            n => format!(".{n:09}"),
        };
        with_fraction(t, &frac)
    }

    /// `t` as RFC 3339 in whole seconds with `Z` (as chrono's
    /// `to_rfc3339_opts(SecondsFormat::Secs, true)`).
    pub fn format_seconds(t: &DateTime<Utc>) -> String {
        with_fraction(t, "")
    }

    fn with_fraction(t: &DateTime<Utc>, frac: &str) -> String {
        let year = t.year();
        let year =
            if (0..=9999).contains(&year) { format!("{year:04}") } else { format!("{year:+05}") };
        format!(
            "{year}-{:02}-{:02}T{:02}:{:02}:{:02}{frac}Z",
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// Any timestamp [`super::parse_timestamp`] reads, UTC where it names
    /// no offset; `None` for one it does not read or that says "no date".
    pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
        let utc = FixedOffset::east_opt(0).expect("0 is a valid offset");
        super::parse_timestamp(s, utc).ok().flatten()
    }

    fn parse<E: de::Error>(s: &str) -> Result<DateTime<Utc>, E> {
        parse_utc(s)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &"an RFC 3339 timestamp"))
    }

    /// Serializes as [`format()`].
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    /// Deserializes any timestamp [`super::parse_timestamp`] reads (UTC
    /// when no offset is written).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        parse(&String::deserialize(d)?)
    }

    /// The same for `Option<DateTime<Utc>>` (`null` for `None`).
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serializes `Some` as [`super::format()`], `None` as `null`.
        pub fn serialize<S: Serializer>(
            t: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::format(t)),
                None => s.serialize_none(),
            }
        }

        /// Deserializes a timestamp or `null`.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            Option::<String>::deserialize(d)?.map(|s| super::parse(&s)).transpose()
        }
    }
}

/// A timestamp as a payload carries it, before it is read in a zone.
///
/// Deserializes from a string, a number or `null`; anything else is an
/// error for that row.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RawTime {
    /// Missing or `null`.
    #[default]
    Absent,
    /// A string, read later by [`parse_timestamp`].
    Text(String),
    /// A number, read later as epoch seconds by [`from_epoch`].
    Epoch(f64),
    /// An ISO date-time already split into fields while deserializing (the
    /// common case: no copy of the text); the zone applies if it has no
    /// offset.
    Iso(NaiveDateTime, Option<FixedOffset>),
}

impl RawTime {
    /// Reads the value in `zone`.
    ///
    /// # Errors
    /// As [`parse_timestamp`] and [`from_epoch`].
    pub fn resolve(&self, zone: FixedOffset) -> Result<Option<DateTime<Utc>>, TimeError> {
        match self {
            RawTime::Absent => Ok(None),
            RawTime::Text(s) => parse_timestamp(s, zone),
            RawTime::Epoch(n) => from_epoch(*n),
            RawTime::Iso(naive, offset) => at_offset(*naive, offset.unwrap_or(zone))
                .map(Some)
                .ok_or_else(|| TimeError::new(naive.to_string())),
        }
    }
}

impl RawTime {
    /// Reads a timestamp as a payload carries it: a string, epoch seconds,
    /// `null` or `false` (PHP's "no date"); anything else fails with
    /// serde's words, as the `Deserialize` it replaces did.
    pub(crate) fn read(v: &crate::json::Value<'_>) -> Result<RawTime, String> {
        use crate::json::{invalid_type, invalid_value, Kind};
        const EXPECTED: &str = "a timestamp string, epoch seconds or null";
        Ok(match &v.kind {
            Kind::Str(s) => match iso_parts(s.trim().as_bytes()) {
                Some(Some((naive, offset))) => RawTime::Iso(naive, offset),
                _ => RawTime::Text(s.to_string()),
            },
            Kind::U64(n) => RawTime::Epoch(*n as f64),
            Kind::I64(n) => RawTime::Epoch(*n as f64),
            Kind::F64(f) => RawTime::Epoch(*f),
            Kind::Bool(false) | Kind::Null => RawTime::Absent,
            Kind::Bool(true) => return Err(invalid_value(v, EXPECTED)),
            _ => return Err(invalid_type(v, EXPECTED)),
        })
    }
}

/// The `Deserialize` [`RawTime::read`] replaces: the tests' oracle.
#[cfg(test)]
impl<'de> serde::Deserialize<'de> for RawTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, Visitor};
        use std::fmt;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp string, epoch seconds or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTime, E> {
                Ok(match iso_parts(v.trim().as_bytes()) {
                    Some(Some((naive, offset))) => RawTime::Iso(naive, offset),
                    _ => RawTime::Text(v.to_owned()),
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTime, E> {
                Ok(RawTime::Epoch(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTime, E> {
                Ok(RawTime::Epoch(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawTime, E> {
                Ok(RawTime::Epoch(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawTime, E> {
                // PHP-backed APIs write `false` for "no date".
                if v {
                    Err(E::invalid_value(de::Unexpected::Bool(v), &self))
                } else {
                    Ok(RawTime::Absent)
                }
            }
            fn visit_none<E: de::Error>(self) -> Result<RawTime, E> {
                Ok(RawTime::Absent)
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawTime, E> {
                Ok(RawTime::Absent)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap())
    }

    #[test]
    fn forms() {
        let want = at(2026, 1, 20, 21, 49, 58);
        for s in [
            "2026-01-20T21:49:58Z",
            "2026-01-20T21:49:58+00:00",
            "2026-01-20t21:49:58z",
            "2026-01-20 21:49:58",
            "2026-01-20T21:49:58",
            "2026-01-20T23:49:58+0200",
            "2026-01-20T21:49:58.000Z",
            "1768945798",
            "/Date(1768945798000)/",
            "/Date(1768945798000+0300)/",
            "  2026-01-20 21:49:58  ",
        ] {
            assert_eq!(parse_timestamp(s, utc()), Ok(want), "{s}");
        }
        assert_eq!(parse_timestamp("2026-01-20", utc()), Ok(at(2026, 1, 20, 0, 0, 0)));
        assert_eq!(parse_timestamp("2026-01-20T21:49", utc()), Ok(at(2026, 1, 20, 21, 49, 0)));
        assert_eq!(parse_timestamp("2026-01-20 21:49:58 +00:00", utc()), Ok(want));
        assert_eq!(parse_timestamp("2026-01-20T22:49:58+01", utc()), Ok(want));
        assert_eq!(
            parse_timestamp("2026-01-20T21:49:58.5Z", utc())
                .unwrap()
                .map(|t| t.timestamp_subsec_millis()),
            Some(500)
        );
    }

    #[test]
    fn absent_forms() {
        for s in ["", "   ", "0000-00-00 00:00:00", "0000-00-00", "0", "null"] {
            assert_eq!(parse_timestamp(s, utc()), Ok(None), "{s}");
        }
        assert_eq!(from_epoch(0.0), Ok(None));
    }

    #[test]
    fn zone_applies_only_without_offset() {
        let ams = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(parse_timestamp("2026-01-20 22:49:58", ams), Ok(at(2026, 1, 20, 21, 49, 58)));
        assert_eq!(parse_timestamp("2026-01-20T21:49:58Z", ams), Ok(at(2026, 1, 20, 21, 49, 58)));
    }

    #[test]
    fn garbage_is_an_error_naming_the_input() {
        for s in ["tomorrow", "2026-13-01 00:00:00", "2026-02-30", "12-01-2026", "-", "1e400"] {
            let err = parse_timestamp(s, utc()).unwrap_err();
            assert_eq!(err.input(), s.trim());
        }
    }

    #[test]
    fn epochs() {
        assert_eq!(from_epoch(1_768_945_798.0), Ok(at(2026, 1, 20, 21, 49, 58)));
        assert_eq!(from_epoch(1_768_945_798_000.0), Ok(at(2026, 1, 20, 21, 49, 58)));
        assert!(from_epoch(f64::NAN).is_err());
        assert!(from_epoch(1e300).is_err());
    }

    #[test]
    fn rfc3339_round_trip() {
        use chrono::TimeDelta;
        let t = at(2026, 1, 20, 21, 49, 58).unwrap();
        assert_eq!(rfc3339::format(&t), "2026-01-20T21:49:58Z");
        let ms = t + TimeDelta::milliseconds(250);
        assert_eq!(rfc3339::format(&ms), "2026-01-20T21:49:58.250Z");
        assert_eq!(
            rfc3339::format(&(t + TimeDelta::nanoseconds(7))),
            "2026-01-20T21:49:58.000000007Z"
        );
        for x in [t, ms, t + TimeDelta::microseconds(3)] {
            assert_eq!(parse_timestamp(&rfc3339::format(&x), utc()), Ok(Some(x)));
        }
        let far = DateTime::from_timestamp(300_000_000_000, 0).unwrap();
        assert!(rfc3339::format(&far).starts_with('+'));
        for x in [far, DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
            assert_eq!(parse_timestamp(&rfc3339::format(&x), utc()), Ok(Some(x)), "{x:?}");
        }
    }

    #[test]
    fn prose() {
        assert_eq!(
            find_timestamp("Next eligible at: 2026-01-20T21:49:58+00:00"),
            at(2026, 1, 20, 21, 49, 58)
        );
        assert_eq!(
            find_timestamp("retry after 2026-01-20T21:49:58Z."),
            at(2026, 1, 20, 21, 49, 58)
        );
        assert_eq!(find_timestamp("no time here 1234-"), None);
        assert_eq!(find_timestamp(""), None);
    }
}
