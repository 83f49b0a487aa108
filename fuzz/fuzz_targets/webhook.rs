//! name.com webhook signatures: `webhook::verify_signature`,
//! `webhook::SignatureHeader::parse` and `webhook::sign`.
//!
//! Input: `[mode] header "\n" url "\n" token "\n" body`. Mode bit 0: check
//! the age (300 s); bits 1-2: 0 the header as given, 1-3 a header made with
//! `sign` (so the HMAC matches) in one of the accepted spellings, with the
//! header text used as nonce; bits 3-7: the signed timestamp's distance
//! from now (-400..=400 s in 25 s steps).
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use verification_core::webhook::{
    sign, verify_signature, SignatureError, SignatureHeader, DEFAULT_MAX_AGE,
};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut parts = text.splitn(4, '\n');
    let header = parts.next().unwrap_or("");
    let url = parts.next().unwrap_or("");
    let token = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let max_age = (mode & 1 == 1).then_some(DEFAULT_MAX_AGE);
    let is_json = serde_json::from_str::<serde_json::Value>(body).is_ok();

    // The header as given.
    let parsed = SignatureHeader::parse(header);
    if let Ok(h) = &parsed {
        assert!(!h.signature.is_empty());
        assert_eq!(h.algorithm, h.algorithm.to_ascii_lowercase());
        if let Some(n) = &h.nonce {
            assert!(!n.is_empty() && n.trim() == n);
        }
    }
    let result = verify_signature(header, url, body, token, now, max_age);
    if result.is_ok() {
        // Ok implies the header parsed, is sha256 with a full-length MAC,
        // is fresh when asked, and the body is JSON.
        let h = parsed.as_ref().expect("verified a header that does not parse");
        assert_eq!(h.algorithm, "sha256");
        assert_eq!(h.signature.len(), 32, "verified a truncated MAC");
        if max_age.is_some() {
            let ts = h.timestamp.expect("fresh without a timestamp");
            assert!((now.timestamp() - ts).abs() <= 300);
        }
        assert!(is_json);
    }
    if let Err(e) = &result {
        assert!(!e.to_string().is_empty());
        if parsed.is_err() {
            assert!(matches!(e, SignatureError::MalformedHeader(_)), "{e:?}");
        }
    }

    // sign() succeeds exactly for JSON bodies.
    let signed = sign(url, body, token);
    assert_eq!(signed.is_ok(), is_json, "sign() vs serde_json disagree on {body:?}");
    let Ok(sig) = signed else { return };
    assert_eq!(sig.len(), 64);
    let variant = (mode >> 1) & 3;
    if variant == 0 {
        return;
    }
    let age = i64::from(mode >> 3) * 25 - 400;
    let ts = now.timestamp() - age;
    let nonce: String = header.chars().filter(|c| *c != ',').collect();
    let good = match variant {
        1 => format!("sha256={sig},{ts},{nonce}"),
        2 => format!(" SHA256={} , {ts} ", sig.to_uppercase()),
        _ => format!("{sig},{ts},{nonce},extra"),
    };
    let want = match max_age {
        Some(max) if age.abs() > max.num_seconds() => {
            Err(SignatureError::Stale { age_seconds: age })
        }
        _ => Ok(()),
    };
    assert_eq!(verify_signature(&good, url, body, token, now, max_age), want, "header {good:?}");
    // Anything else signed must not verify.
    let other_token = format!("{token}x");
    assert_eq!(
        verify_signature(&good, url, body, &other_token, now, None),
        Err(SignatureError::Mismatch)
    );
    let other_url = format!("{url}/");
    assert_eq!(
        verify_signature(&good, &other_url, body, token, now, None),
        Err(SignatureError::Mismatch)
    );
});
