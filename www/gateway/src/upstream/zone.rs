//! Timestamps without an offset, in the registrar's zone.
//!
//! DNA (`2026-04-05T10:00:00`) and Openprovider (`2026-04-05 10:00:00`)
//! send local times with no zone. Each registrar section's `timezone` says
//! which zone they mean; the gateway rewrites those values in the answer,
//! before anything reads it, to the instant they name in UTC
//! (`2026-04-05T07:00:00Z` for `Europe/Istanbul`). So the widget's core in
//! the browser, the gateway's own rules and the staff list all read the
//! same instant. With `UTC` (the default) nothing is rewritten: the core
//! reads an offset-less time as UTC already.
//!
//! A local time a DST change skips (02:30 on the last Sunday of March in
//! Amsterdam) is read with the offset in force before the change (so it
//! names 01:30 UTC, the same instant as 03:30 CEST); a time it repeats
//! (02:30 on the last Sunday of October) is the earlier of the two, so a
//! deadline is never shown later than the registrar meant.

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::Answer;

/// The offset-less layouts registrars send.
const LAYOUTS: [&str; 4] =
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];

/// The instant `text` names in `zone`, when it is a date and time without
/// an offset; `None` otherwise (an offset, a date alone, the zero date,
/// not a time at all).
pub fn instant(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let naive = LAYOUTS.iter().find_map(|l| NaiveDateTime::parse_from_str(text, l).ok())?;
    Some(at(naive, zone))
}

/// `naive` as a local time in `zone`.
pub fn at(naive: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, second) => {
            first.with_timezone(&Utc).min(second.with_timezone(&Utc))
        }
        chrono::LocalResult::None => {
            // In a gap: the offset before it (a day earlier is before any
            // gap's start).
            let before = zone.offset_from_utc_datetime(&(naive - TimeDelta::days(1))).fix();
            Utc.from_utc_datetime(
                &(naive - TimeDelta::seconds(i64::from(before.local_minus_utc()))),
            )
        }
    }
}

/// Rewrites, anywhere in `value`, the strings under a key in `fields` that
/// are offset-less date-times, to the UTC instant they name in `zone`
/// (RFC 3339 with `Z`). The count of values rewritten.
pub fn localize_value(value: &mut Value, zone: Tz, fields: &[&str]) -> usize {
    match value {
        Value::Object(map) => {
            let mut n = 0;
            for (k, v) in map.iter_mut() {
                if let (true, Value::String(s)) = (fields.contains(&k.as_str()), &*v) {
                    if let Some(t) = instant(s, zone) {
                        *v = Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                        n += 1;
                        continue;
                    }
                }
                n += localize_value(v, zone, fields);
            }
            n
        }
        Value::Array(items) => items.iter_mut().map(|v| localize_value(v, zone, fields)).sum(),
        _ => 0,
    }
}

/// [`localize_value`] on a JSON answer; any other answer, or `UTC`, is
/// unchanged.
pub fn localize(answer: Answer, zone: Tz, fields: &[&str]) -> Answer {
    if zone == Tz::UTC {
        return answer;
    }
    let Some(mut body) = answer.body_json() else { return answer };
    if localize_value(&mut body, zone, fields) == 0 {
        return answer;
    }
    Answer { headers: answer.headers, ..Answer::json(answer.status, &body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::{Amsterdam, Istanbul};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn istanbul_is_three_hours_ahead_all_year() {
        assert_eq!(instant("2026-04-05T10:00:00", Istanbul), Some(utc("2026-04-05T07:00:00Z")));
        assert_eq!(instant("2026-12-05 10:00:00", Istanbul), Some(utc("2026-12-05T07:00:00Z")));
    }

    #[test]
    fn amsterdam_across_both_changes() {
        // Winter (CET, +1) and summer (CEST, +2), each side of 29 March.
        assert_eq!(instant("2026-03-28 12:00:00", Amsterdam), Some(utc("2026-03-28T11:00:00Z")));
        assert_eq!(instant("2026-03-29 12:00:00", Amsterdam), Some(utc("2026-03-29T10:00:00Z")));
        // 02:30 on 29 March does not exist: read with the winter offset.
        assert_eq!(instant("2026-03-29T02:30:00", Amsterdam), Some(utc("2026-03-29T01:30:00Z")));
        // 02:30 on 25 October happens twice: the earlier.
        assert_eq!(instant("2026-10-25T02:30:00", Amsterdam), Some(utc("2026-10-25T00:30:00Z")));
        assert_eq!(instant("2026-10-25T12:00:00", Amsterdam), Some(utc("2026-10-25T11:00:00Z")));
    }

    #[test]
    fn only_offset_less_date_times_are_rewritten() {
        for s in [
            "2026-04-05T10:00:00Z",
            "2026-04-05T10:00:00+03:00",
            "2026-04-05",
            "0000-00-00 00:00:00",
            "",
            "soon",
        ] {
            assert_eq!(instant(s, Istanbul), None, "{s}");
        }
        let mut v = serde_json::json!({
            "data": {"results": [
                {"expiration_date": "2026-04-05 10:00:00", "domain": "2026-04-05 10:00:00"},
                {"expiration_date": "0000-00-00 00:00:00"},
            ]},
        });
        assert_eq!(localize_value(&mut v, Istanbul, &["expiration_date"]), 1);
        assert_eq!(v["data"]["results"][0]["expiration_date"], "2026-04-05T07:00:00Z");
        assert_eq!(v["data"]["results"][0]["domain"], "2026-04-05 10:00:00", "other keys kept");
        assert_eq!(v["data"]["results"][1]["expiration_date"], "0000-00-00 00:00:00");
    }

    #[test]
    fn the_core_reads_the_instant_the_registrar_meant() {
        // What reaches the widget's core: DNA's local Istanbul time, as the
        // gateway rewrites it, read by the core's DNA adapter.
        let answer = Answer::json(
            200,
            &serde_json::json!({
                "VerificationStatus": "Pending",
                "ExpirationDate": "2026-04-05T10:00:00",
                "LastNotificationDate": "2026-03-22T10:00:00",
                "ContactEmail": "ayse@example.com.tr",
            }),
        );
        let a = localize(answer, Istanbul, &["ExpirationDate", "LastNotificationDate"]);
        let body = std::str::from_utf8(&a.body).unwrap();
        let now = utc("2026-03-25T00:00:00Z");
        let ctx = verification_core::Context::new(now);
        let e = verification_core::evaluate(verification_core::Provider::Dna, body, &ctx).unwrap();
        assert_eq!(e.records[0].deadline, Some(utc("2026-04-05T07:00:00Z")));
    }
}
