//! The pass-through's own rate limits, in front of the registrar's.
//!
//! Sliding-window counters keyed by session or contact. A limited request
//! is answered **429** before anything goes upstream, with
//!
//! ```text
//! Retry-After: <seconds>
//! x-ratelimit-reset: <epoch seconds>
//! {"error":"rate_limited","message":"Too many requests",
//!  "details":"Next eligible at: <RFC 3339>","desc":"Too many requests"}
//! ```
//!
//! The core reads `x-ratelimit-reset` / `Retry-After` for every provider
//! and name.com's prose `details`; `desc` is what it shows as the message of
//! an Openprovider-shaped error. name.com's resend then reads as
//! `Throttled` with the time; DNA and Openprovider resends and every status
//! read as an error carrying `retry_at`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

/// `max` events per rolling `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Events allowed in one window.
    pub max: usize,
    /// The window.
    pub window: TimeDelta,
}

/// The limits the pass-through applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Status reads (and event-stream connects) per session: 60 per minute.
    pub status_per_session: Limit,
    /// Resend intents per contact, across sessions: 5 per 15 minutes.
    pub resend_per_contact: Limit,
    /// Resend intents per session, across contacts: 30 per 15 minutes.
    pub resend_per_session: Limit,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            status_per_session: Limit { max: 60, window: TimeDelta::minutes(1) },
            resend_per_contact: Limit { max: 5, window: TimeDelta::minutes(15) },
            resend_per_session: Limit { max: 30, window: TimeDelta::minutes(15) },
        }
    }
}

/// Sliding-window event logs by key.
#[derive(Debug, Default)]
pub struct Limiter {
    map: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Limiter {
    /// Records an event for every `(key, limit)` at `now` if none of them
    /// is exhausted; otherwise records nothing and returns when the
    /// earliest of them all allows one again.
    pub fn check(&self, keys: &[(&str, Limit)], now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            let longest = keys.iter().map(|(_, l)| l.window).max().unwrap_or_default();
            map.retain(|_, q| {
                q.back().is_some_and(|t| now - *t < longest.max(TimeDelta::hours(1)))
            });
        }
        let mut blocked: Option<DateTime<Utc>> = None;
        for (key, limit) in keys {
            let q = map.entry((*key).to_owned()).or_default();
            while q.front().is_some_and(|t| now - *t >= limit.window) {
                q.pop_front();
            }
            if q.len() >= limit.max {
                // The oldest event that must expire before one more fits.
                let at = q[q.len() - limit.max] + limit.window;
                blocked = Some(blocked.map_or(at, |b| b.max(at)));
            }
        }
        if let Some(at) = blocked {
            return Err(at);
        }
        for (key, _) in keys {
            map.entry((*key).to_owned()).or_default().push_back(now);
        }
        Ok(())
    }
}

/// Rounds up to a whole second.
fn ceil_second(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        t
    } else {
        t + TimeDelta::nanoseconds(i64::from(1_000_000_000 - nanos))
    }
}

/// The 429 answer for a request allowed again at `next`.
pub fn too_many_requests(next: DateTime<Utc>, now: DateTime<Utc>) -> Response {
    let next = ceil_second(next);
    let retry_after = (next - now).num_seconds().max(1);
    let details = format!("Next eligible at: {}", next.format("%Y-%m-%dT%H:%M:%S+00:00"));
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "error": "rate_limited",
            "message": "Too many requests",
            "details": details,
            "desc": "Too many requests",
        })),
    )
        .into_response();
    let h = res.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    h.insert("x-ratelimit-reset", HeaderValue::from(next.timestamp()));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn sliding_window() {
        let l = Limiter::default();
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let lim = Limit { max: 2, window: TimeDelta::minutes(1) };
        let other = Limit { max: 10, window: TimeDelta::minutes(1) };
        assert!(l.check(&[("a", lim), ("s", other)], t0).is_ok());
        assert!(l.check(&[("a", lim), ("s", other)], t0 + TimeDelta::seconds(10)).is_ok());
        assert_eq!(
            l.check(&[("a", lim), ("s", other)], t0 + TimeDelta::seconds(20)),
            Err(t0 + TimeDelta::minutes(1))
        );
        // A refused event is not recorded anywhere.
        assert!(l.check(&[("s", Limit { max: 3, ..other })], t0).is_ok());
        assert!(l.check(&[("a", lim)], t0 + TimeDelta::seconds(60)).is_ok());
        assert!(l.check(&[("b", lim)], t0).is_ok());
    }
}
