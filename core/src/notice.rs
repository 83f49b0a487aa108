//! Which ICANN verification email is due, for a reseller who sends them
//! itself (name.com's "handling your own verification").
//!
//! Three kinds of email, from name.com's table of required content:
//! - the **initial** email, when a contact appears in the unverified list;
//! - a **reminder** some days before the deadline (by default 7 and 2),
//!   saying how many days remain;
//! - the **suspension** notice once the deadline has passed unverified.
//!
//! [`due`] decides from the deadline, the clock and what was already sent;
//! the caller records each stage once. Rules:
//! - one email per pass: the most advanced stage that is due;
//! - the initial email always goes first while the deadline is ahead (it
//!   carries the full statement); a contact first seen after its deadline
//!   gets the suspension notice only;
//! - a reminder is due from `days` before the deadline until the deadline,
//!   and only if the last email went out before that moment: a contact
//!   first emailed two days before its deadline is not reminded "7 days
//!   left" an instant later;
//! - nothing is due for a stage already sent.

use chrono::{DateTime, TimeDelta, Utc};

use crate::deadline::days_left;

/// One stage of the sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// When the contact appears in the unverified list.
    Initial,
    /// `days` before the deadline.
    Reminder {
        /// Days before the deadline.
        days: u32,
    },
    /// Once the deadline has passed unverified.
    Suspension,
}

impl Stage {
    /// The stage's stable name: `initial`, `reminder-7`, `suspension`.
    pub fn name(self) -> String {
        match self {
            Stage::Initial => "initial".into(),
            Stage::Reminder { days } => format!("reminder-{days}"),
            Stage::Suspension => "suspension".into(),
        }
    }

    /// The template a stage is written with: `initial`, `reminder`,
    /// `suspension`.
    pub fn template(self) -> &'static str {
        match self {
            Stage::Initial => "initial",
            Stage::Reminder { .. } => "reminder",
            Stage::Suspension => "suspension",
        }
    }

    /// Reads [`Stage::name`] back.
    pub fn parse(name: &str) -> Option<Stage> {
        match name {
            "initial" => Some(Stage::Initial),
            "suspension" => Some(Stage::Suspension),
            _ => name.strip_prefix("reminder-")?.parse().ok().map(|days| Stage::Reminder { days }),
        }
    }
}

/// The stage due now, if any. `sent` holds the stages already sent (or
/// being sent) with when; `reminder_days` the reminders' days before the
/// deadline, in any order.
pub fn due(
    now: DateTime<Utc>,
    verify_by: DateTime<Utc>,
    sent: &[(Stage, DateTime<Utc>)],
    reminder_days: &[u32],
) -> Option<Stage> {
    let was_sent = |s: Stage| sent.iter().any(|(t, _)| *t == s);
    if now >= verify_by {
        return (!was_sent(Stage::Suspension)).then_some(Stage::Suspension);
    }
    if !was_sent(Stage::Initial) {
        return Some(Stage::Initial);
    }
    let last = sent.iter().map(|(_, at)| *at).max()?;
    // The nearest reminder whose moment has come.
    let mut days: Vec<u32> = reminder_days.to_vec();
    days.sort_unstable();
    days.into_iter()
        .map(|d| (d, verify_by - TimeDelta::days(i64::from(d))))
        .find(|(_, from)| now >= *from)
        .filter(|(d, from)| last < *from && !was_sent(Stage::Reminder { days: *d }))
        .map(|(days, _)| Stage::Reminder { days })
}

/// Whole days left until `verify_by`, a started day counting (as the
/// widget shows it).
pub fn days_remaining(now: DateTime<Utc>, verify_by: DateTime<Utc>) -> i64 {
    days_left((verify_by - now).num_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: f64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + (day * 86_400.0) as i64, 0).unwrap()
    }

    #[test]
    fn days_0_8_13_16_give_initial_two_reminders_and_the_notice_each_once() {
        let deadline = at(15.0);
        let mut sent = Vec::new();
        let mut seen = Vec::new();
        for day in [0.0, 0.5, 8.0, 8.1, 13.0, 14.9, 16.0, 20.0] {
            if let Some(s) = due(at(day), deadline, &sent, &[7, 2]) {
                sent.push((s, at(day)));
                seen.push((day, s, days_remaining(at(day), deadline)));
            }
        }
        assert_eq!(
            seen,
            [
                (0.0, Stage::Initial, 15),
                (8.0, Stage::Reminder { days: 7 }, 7),
                (13.0, Stage::Reminder { days: 2 }, 2),
                (16.0, Stage::Suspension, 0),
            ]
        );
    }

    #[test]
    fn a_late_first_sight_sends_the_initial_email_and_skips_passed_reminders() {
        let deadline = at(15.0);
        let first = due(at(13.5), deadline, &[], &[2, 7]);
        assert_eq!(first, Some(Stage::Initial));
        let sent = [(Stage::Initial, at(13.5))];
        assert_eq!(due(at(13.6), deadline, &sent, &[2, 7]), None, "no reminder right after");
        assert_eq!(due(at(16.0), deadline, &[], &[7, 2]), Some(Stage::Suspension));
        let done = [(Stage::Suspension, at(16.0))];
        assert_eq!(due(at(30.0), deadline, &done, &[7, 2]), None);
    }

    #[test]
    fn names_read_back() {
        for s in [Stage::Initial, Stage::Reminder { days: 7 }, Stage::Suspension] {
            assert_eq!(Stage::parse(&s.name()), Some(s));
        }
        assert_eq!(Stage::parse("reminder-x"), None);
        assert_eq!(Stage::parse("resend"), None);
    }
}
