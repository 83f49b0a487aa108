//! The card's dates. In the wasm: the browser's `Intl`, in the locale of
//! the words and the reader's time zone. Natively (the gateway renders the
//! card before the wasm arrives): a marker for each instant, which
//! [`resolve_markers`] turns into a `<span data-rv-date>` holding a
//! readable UTC fallback, and which `define.js` replaces with the text the
//! same `Intl` calls give (`browser::Intl`), so both read alike in every
//! language and zone, and no second calendar library (with its own CLDR
//! version) decides how a deadline reads.

use crate::i18n::Messages;

/// The card's date formatter.
#[cfg(target_arch = "wasm32")]
pub(super) fn dates(msgs: &Messages) -> crate::browser::Intl {
    crate::browser::Intl { locale: msgs.locale().to_owned() }
}

/// The card's date formatter.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn dates(_msgs: &Messages) -> Marked {
    Marked
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::*;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use crate::model::DateFormat;
    use chrono::{DateTime, TimeZone, Utc};

    const OPEN: char = '\u{E000}';
    const CLOSE: char = '\u{E001}';

    /// Writes each instant as a marker (see the module's documentation).
    #[derive(Clone, Copy, Debug)]
    pub struct Marked;

    impl DateFormat for Marked {
        fn date_time(&self, t: DateTime<Utc>) -> String {
            format!("{OPEN}date-time {}{CLOSE}", t.timestamp_millis())
        }

        fn time(&self, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
            format!("{OPEN}time {} {}{CLOSE}", t.timestamp_millis(), now.timestamp_millis())
        }
    }

    /// `html` with each date marker written as
    /// `<span data-rv-date="date-time|time" data-t="ms" [data-now="ms"]>`
    /// around a fallback in UTC ("2026-03-10 12:00 UTC"), for a reader
    /// without JavaScript; `define.js` replaces each span with the
    /// browser's own words for the instant. Markers stand only in text (the
    /// card puts no formatted date in an attribute).
    pub fn resolve_markers(html: &str) -> String {
        let mut out = String::with_capacity(html.len() + 64);
        let mut rest = html;
        while let Some(start) = rest.find(OPEN) {
            out.push_str(&rest[..start]);
            let after = &rest[start + OPEN.len_utf8()..];
            let Some(end) = after.find(CLOSE) else {
                rest = after;
                continue;
            };
            out.push_str(&span(&after[..end]));
            rest = &after[end + CLOSE.len_utf8()..];
        }
        out.push_str(rest);
        out
    }

    fn span(marker: &str) -> String {
        let mut words = marker.split(' ');
        let kind = words.next().unwrap_or_default();
        let ms = |w: Option<&str>| w.and_then(|w| w.parse::<i64>().ok());
        let (t, now) = (ms(words.next()), ms(words.next()));
        let Some(at) = t.and_then(|t| Utc.timestamp_millis_opt(t).single()) else {
            return String::new();
        };
        let same_day = now
            .and_then(|n| Utc.timestamp_millis_opt(n).single())
            .is_some_and(|n| n.date_naive() == at.date_naive());
        let fallback = if kind == "time" && same_day {
            at.format("%H:%M UTC").to_string()
        } else {
            at.format("%Y-%m-%d %H:%M UTC").to_string()
        };
        let kind = if kind == "time" { "time" } else { "date-time" };
        let now = now.map(|n| format!(r#" data-now="{n}""#)).unwrap_or_default();
        format!(
            r#"<span data-rv-date="{kind}" data-t="{}"{now}>{fallback}</span>"#,
            t.unwrap_or_default()
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn markers_become_spans_with_a_utc_fallback() {
            let t = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
            let now = Utc.with_ymd_and_hms(2026, 3, 10, 9, 30, 0).unwrap();
            let html =
                format!("<p>By {} (checked {})</p>", Marked.date_time(t), Marked.time(now, now));
            let out = resolve_markers(&html);
            assert_eq!(
                out,
                format!(
                    r#"<p>By <span data-rv-date="date-time" data-t="{0}">2026-03-10 12:00 UTC</span> (checked <span data-rv-date="time" data-t="{1}" data-now="{1}">09:30 UTC</span>)</p>"#,
                    t.timestamp_millis(),
                    now.timestamp_millis()
                )
            );
            let yesterday = now - chrono::TimeDelta::days(1);
            assert!(
                resolve_markers(&Marked.time(yesterday, now)).contains(">2026-03-09 09:30 UTC<")
            );
            // Text without markers, and a broken marker, are left readable.
            assert_eq!(resolve_markers("plain"), "plain");
            assert_eq!(resolve_markers("a\u{E000}time 1"), "atime 1");
        }
    }
}
