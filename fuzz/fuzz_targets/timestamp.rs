//! `time::parse_timestamp`, `time::find_timestamp` and `time::from_epoch`.
//!
//! Input: `[zone selector] text`. Bit 7 of the selector set: the text's
//! first 8 bytes are also read as an f64 for `from_epoch`.
#![no_main]

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use fuzz_support::near_range_end;
use libfuzzer_sys::fuzz_target;
use verification_core::time::{find_timestamp, from_epoch, parse_timestamp};

/// Zones for zone-less text: UTC, the far ends (±14 h), odd minutes.
const ZONES: [i32; 8] =
    [0, 3 * 3600, -5 * 3600, 14 * 3600, -14 * 3600, 5 * 3600 + 1800, 3600, -(9 * 3600 + 30 * 60)];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    if sel & 0x80 != 0 && rest.len() >= 8 {
        let n = f64::from_le_bytes(rest[..8].try_into().unwrap());
        match from_epoch(n) {
            Ok(None) => assert!(n == 0.0, "from_epoch({n}) absent"),
            Ok(Some(t)) => assert!(n.is_finite() && n != 0.0, "from_epoch({n}) = {t}"),
            Err(_) => {}
        }
    }
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let utc = FixedOffset::east_opt(0).unwrap();
    let zone = FixedOffset::east_opt(ZONES[usize::from(sel & 7)]).unwrap();

    let in_utc = parse_timestamp(text, utc);
    let in_zone = parse_timestamp(text, zone);
    // Errors name the (trimmed) input.
    for r in [&in_utc, &in_zone] {
        if let Err(e) = r {
            assert_eq!(e.input(), text.trim(), "TimeError names another input");
            assert!(!e.to_string().is_empty());
        }
    }
    match (&in_utc, &in_zone) {
        // Absent is absent in every zone.
        (Ok(None), other) | (other, Ok(None)) => {
            assert_eq!(other, &Ok(None), "absent in one zone only: {text:?}")
        }
        // The zone only shifts zone-less text, by exactly its offset.
        (Ok(Some(a)), Ok(Some(b))) => {
            let shift = (*a - *b).num_seconds();
            assert!(
                shift == 0 || shift == i64::from(zone.local_minus_utc()),
                "{text:?}: {a} in UTC, {b} in {zone}"
            );
        }
        (Ok(Some(t)), Err(_)) | (Err(_), Ok(Some(t))) => {
            assert!(near_range_end(*t), "{text:?} readable in one zone only ({t})");
        }
        (Err(_), Err(_)) => {}
    }
    if let Ok(Some(t)) = in_utc {
        round_trip(t);
    }
    // find_timestamp: whatever it finds is a timestamp parse_timestamp reads
    // from some date-like piece of the text.
    if let Some(t) = find_timestamp(text) {
        serde_json::to_string(&t).unwrap();
        assert!(text.contains('-'), "{text:?} has no date but gave {t}");
    }
});

/// An instant parse_timestamp returned reads back from its RFC 3339, naive
/// and epoch forms, and is found in prose.
fn round_trip(t: DateTime<Utc>) {
    let utc = FixedOffset::east_opt(0).unwrap();
    if !(1..=9999).contains(&t.year()) {
        return;
    }
    let rfc = t.to_rfc3339();
    assert_eq!(parse_timestamp(&rfc, utc), Ok(Some(t)), "{rfc} does not read back");
    let naive = t.format("%Y-%m-%d %H:%M:%S%.f").to_string();
    assert_eq!(parse_timestamp(&naive, utc), Ok(Some(t)), "{naive} does not read back");
    let prose = format!("Next eligible at: {rfc}.");
    assert_eq!(find_timestamp(&prose), Some(t), "{prose:?} not found");
    if t.timestamp_subsec_nanos() == 0
        && t.timestamp() != 0
        && t.timestamp().abs() < 100_000_000_000
    {
        let epoch = t.timestamp().to_string();
        assert_eq!(parse_timestamp(&epoch, utc), Ok(Some(t)), "epoch {epoch} does not read back");
    }
}
