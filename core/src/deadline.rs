//! Deadline math: seconds and days left, and the urgency thresholds.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use verification_core::deadline::Countdown;
//!
//! let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
//! let deadline = Utc.with_ymd_and_hms(2026, 3, 3, 12, 0, 1).unwrap();
//! let c = Countdown::between(now, deadline);
//! assert_eq!(c.seconds_left, 2 * 86_400 + 1);
//! assert_eq!(c.days_left, 3); // a started day counts as a day
//! ```

use crate::record::{FailureReason, Status, Urgency};
use chrono::{DateTime, TimeDelta, Utc};

/// Seconds in a day, the unit of `daysLeft`.
pub const DAY_SECONDS: i64 = 86_400;

/// `warning` applies from this many seconds left (7 days) or fewer.
pub const WARNING_SECONDS: i64 = 7 * DAY_SECONDS;

/// `critical` applies below this many seconds left (48 hours).
pub const CRITICAL_SECONDS: i64 = 2 * DAY_SECONDS;

/// ICANN's window for the registrant to verify (2013 RAA, Whois Accuracy
/// Program Specification): 15 days.
pub const ICANN_WINDOW: TimeDelta = TimeDelta::days(15);

/// Time left until a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Countdown {
    /// `deadline - now` in whole seconds (truncated toward zero); negative
    /// once the deadline has passed.
    pub seconds_left: i64,
    /// `ceil(seconds_left / 86400)`, never below 0: a started day counts.
    pub days_left: i64,
}

impl Countdown {
    /// The countdown from `now` to `deadline`.
    pub fn between(now: DateTime<Utc>, deadline: DateTime<Utc>) -> Self {
        let seconds_left = (deadline - now).num_seconds();
        Countdown { seconds_left, days_left: days_left(seconds_left) }
    }

    /// `true` once the deadline is reached (no time left).
    pub fn is_past(self) -> bool {
        self.seconds_left <= 0
    }
}

/// `ceil(seconds_left / 86400)`, clamped at 0.
pub fn days_left(seconds_left: i64) -> i64 {
    if seconds_left <= 0 {
        0
    } else {
        // No overflow: seconds_left > 0, so adding DAY_SECONDS - 1 cannot
        // wrap unless seconds_left is within a day of i64::MAX.
        seconds_left.saturating_add(DAY_SECONDS - 1) / DAY_SECONDS
    }
}

/// The urgency for a countdown alone: `overdue` at or past the deadline,
/// `critical` under 48 hours, `warning` at 7 days or less, else `info`.
pub fn urgency_for(countdown: Countdown) -> Urgency {
    match countdown.seconds_left {
        s if s <= 0 => Urgency::Overdue,
        s if s < CRITICAL_SECONDS => Urgency::Critical,
        s if s <= WARNING_SECONDS => Urgency::Warning,
        _ => Urgency::Info,
    }
}

/// The urgency of a verification.
///
/// - `verified`: `none`.
/// - `failed`: never below `critical` (the registrant must act), and
///   `overdue` when the reason is `expired`, the domains are suspended, or
///   the deadline has passed.
/// - otherwise: by the countdown when there is a deadline, `info` when there
///   is none, and `overdue` when the domains are reported suspended.
pub fn urgency(
    status: Status,
    failure_reason: Option<FailureReason>,
    suspended: bool,
    countdown: Option<Countdown>,
) -> Urgency {
    if status == Status::Verified {
        return Urgency::None;
    }
    let by_clock = countdown.map_or(Urgency::Info, urgency_for);
    let urgency = if suspended { Urgency::Overdue } else { by_clock };
    if status == Status::Failed {
        if failure_reason == Some(FailureReason::Expired) {
            return Urgency::Overdue;
        }
        return urgency.max(Urgency::Critical);
    }
    urgency
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_rounds_up_and_clamps() {
        assert_eq!(days_left(-5), 0);
        assert_eq!(days_left(0), 0);
        assert_eq!(days_left(1), 1);
        assert_eq!(days_left(DAY_SECONDS), 1);
        assert_eq!(days_left(DAY_SECONDS + 1), 2);
        assert_eq!(days_left(i64::MAX), i64::MAX / DAY_SECONDS);
    }

    #[test]
    fn thresholds() {
        let at = |s| urgency_for(Countdown { seconds_left: s, days_left: days_left(s) });
        assert_eq!(at(-1), Urgency::Overdue);
        assert_eq!(at(0), Urgency::Overdue);
        assert_eq!(at(1), Urgency::Critical);
        assert_eq!(at(CRITICAL_SECONDS - 1), Urgency::Critical);
        assert_eq!(at(CRITICAL_SECONDS), Urgency::Warning);
        assert_eq!(at(WARNING_SECONDS), Urgency::Warning);
        assert_eq!(at(WARNING_SECONDS + 1), Urgency::Info);
    }

    #[test]
    fn failed_is_at_least_critical() {
        let far = Some(Countdown { seconds_left: 30 * DAY_SECONDS, days_left: 30 });
        assert_eq!(
            urgency(Status::Failed, Some(FailureReason::Bounced), false, far),
            Urgency::Critical
        );
        assert_eq!(
            urgency(Status::Failed, Some(FailureReason::Expired), false, far),
            Urgency::Overdue
        );
        assert_eq!(urgency(Status::Verified, None, true, far), Urgency::None);
        assert_eq!(urgency(Status::Pending, None, true, far), Urgency::Overdue);
    }
}
