//! Which control a card shows and when it acts: the primary action, the
//! resend note and wait, the next check, what a live event does.

use super::*;

/// What the primary button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// Send (or re-send) the verification email.
    Resend,
    /// Load the status again after a failure.
    Retry,
    /// Ask again (name.com propagation window).
    Recheck,
}

impl ActionKind {
    /// Its name on the button (`data-action`): `resend`, `retry`, `recheck`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Resend => "resend",
            ActionKind::Retry => "retry",
            ActionKind::Recheck => "recheck",
        }
    }
}

/// The primary button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// What pressing it does.
    pub kind: ActionKind,
    /// Its label.
    pub label: String,
    /// A request is in flight: the button is inert and says so.
    pub busy: bool,
    /// A cooldown runs until then: the button is disabled.
    pub wait_until: Option<DateTime<Utc>>,
}

/// When the next resend becomes possible, if it is not possible now: the
/// later of the core's verdict (cooldown or throttle, computed at the last
/// check) and the answer to a resend made since.
pub fn resend_wait(
    record: &Record,
    phase: &ResendPhase,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let from_record = match (&record.resend.allowed, record.resend.reason) {
        (false, Some(ResendReason::Cooldown | ResendReason::Throttled)) => {
            record.resend.next_eligible_at
        }
        _ => None,
    };
    let from_phase = match phase {
        ResendPhase::Done(o) if matches!(o.outcome, ResendKind::Sent | ResendKind::Throttled) => {
            o.next_eligible_at
        }
        _ => None,
    };
    from_record.into_iter().chain(from_phase).max().filter(|t| *t > now)
}

/// The primary button for the state, or `None` when there is nothing to
/// press (verified, bounced, loading, a problem retrying cannot fix).
pub fn primary_action(
    screen: Screen,
    problem: Option<&Problem>,
    record: Option<&Record>,
    checking: bool,
    phase: &ResendPhase,
    now: DateTime<Utc>,
    msgs: &Messages,
) -> Option<Action> {
    let simple = |kind, label, busy_label| Action {
        kind,
        label: msgs.text(if checking { busy_label } else { label }),
        busy: checking,
        wait_until: None,
    };
    match screen {
        Screen::Loading | Screen::Verified | Screen::Bounced => None,
        Screen::Problem if problem.is_some_and(|p| !p.registrant_can_retry()) => None,
        Screen::Problem => Some(simple(ActionKind::Retry, Msg::Retry, Msg::Retrying)),
        Screen::Unknown => Some(simple(ActionKind::Recheck, Msg::CheckAgain, Msg::CheckingNow)),
        _ => {
            let record = record?;
            ResendPlan::for_record(record).ok()?;
            let sending = *phase == ResendPhase::Sending;
            let label = match (sending, phase, screen) {
                (true, _, _) => Msg::Sending,
                (_, ResendPhase::Failed(_), _) => Msg::TryAgain,
                (_, _, Screen::NotStarted) => Msg::SendEmail,
                (_, _, Screen::Expired) => Msg::SendNewEmail,
                _ => Msg::ResendEmail,
            };
            Some(Action {
                kind: ActionKind::Resend,
                label: msgs.text(label),
                busy: sending,
                wait_until: resend_wait(record, phase, now),
            })
        }
    }
}

/// The sentence under the button about the last resend, and whether a live
/// countdown follows it.
pub fn resend_note(
    record: Option<&Record>,
    phase: &ResendPhase,
    now: DateTime<Utc>,
    fmt: &impl DateFormat,
    msgs: &Messages,
) -> Option<String> {
    let email = email_or(record, msgs);
    let own = record.and_then(|r| r.email.as_ref()).map(|_| email.as_str());
    let throttled = |at: Option<DateTime<Utc>>| match at.filter(|t| *t > now) {
        Some(at) => msgs.fill(Msg::ResendAllowedAt, &[("time", &fmt.time(at, now))]),
        None => msgs.text(Msg::ResendThrottled),
    };
    match phase {
        ResendPhase::Sending => Some(msgs.text(Msg::Sending)),
        ResendPhase::Done(o) => Some(match o.outcome {
            ResendKind::Sent => sentence(msgs.fill(Msg::ResendSent, &[("email", &email)]), own),
            ResendKind::Throttled => throttled(o.next_eligible_at),
            ResendKind::AlreadyVerified => msgs.text(Msg::ResendAlreadyVerified),
            ResendKind::NotSent => match &o.message {
                Some(m) => msgs.fill(Msg::ResendNotSentBecause, &[("message", &isolate(m))]),
                None => msgs.text(Msg::ResendNotSent),
            },
        }),
        ResendPhase::Failed(p) => {
            Some(msgs.fill(Msg::ResendFailed, &[("problem", &p.message_in(msgs))]))
        }
        ResendPhase::Idle => {
            let r = record?;
            match (r.resend.allowed, r.resend.reason) {
                (false, Some(ResendReason::Throttled)) => {
                    Some(throttled(r.resend.next_eligible_at))
                }
                (false, Some(ResendReason::Cooldown))
                    if r.resend.next_eligible_at.is_some_and(|t| t > now) =>
                {
                    Some(msgs.text(Msg::ResendRecent))
                }
                _ => None,
            }
        }
    }
}

/// When to check the status again, if at all: while the registrant still
/// has to act (not started, pending) every `refresh`; for `unknown`, at the
/// core's `recheckAt` (not before 5 s), else every `refresh`. Verified and
/// failed records wait for the registrant.
pub fn next_check(
    record: Option<&Record>,
    refresh: TimeDelta,
    now: DateTime<Utc>,
) -> Option<TimeDelta> {
    let r = record?;
    match r.status {
        Status::NotStarted | Status::Pending => Some(refresh),
        Status::Unknown => {
            Some(r.recheck_at.map_or(refresh, |at| (at - now).max(TimeDelta::seconds(5))))
        }
        Status::Verified | Status::Failed => None,
    }
}

/// `true` when `next` says something `prev` did not (the countdown fields,
/// which change on every check, do not count).
pub fn record_changed(prev: Option<&Record>, next: &Record) -> bool {
    let Some(prev) = prev else { return true };
    let strip = |r: &Record| Record { seconds_left: None, days_left: None, ..r.clone() };
    strip(prev) != strip(next)
}

/// The re-check interval in force: `refresh`, or at least
/// [`STREAM_REFRESH_SECS`] while the `events-url` stream is open
/// (`streaming`).
pub fn poll_interval(refresh: TimeDelta, streaming: bool) -> TimeDelta {
    if streaming {
        refresh.max(TimeDelta::seconds(STREAM_REFRESH_SECS))
    } else {
        refresh
    }
}

/// What a server-sent event from `events-url` does to the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventAction {
    /// Show this record at once: the event says the contact is verified.
    Apply(Record),
    /// Something changed for this contact: check the status once.
    Refetch,
    /// The event is unreadable, or about another contact: ignore it (why,
    /// for the console).
    Ignore(String),
}

/// What to do with an event, given the core's reading of its data
/// (`event`: a name.com `contact.verification.status_change` webhook, or
/// any body the status URL may answer) and the record shown (`prev`).
///
/// A verified record for this contact is applied at once, keeping what
/// the event does not say (a webhook has no email) from `prev`; any other
/// readable record for this contact asks for one status check (the status
/// answer has the whole picture); an unreadable event, or one naming
/// another contact (by verification id, else email, else handle), is
/// ignored. Before the first status answer (`prev` is `None`) there is
/// nothing to tell the contact by, so any readable event asks for a check.
pub fn event_action(prev: Option<&Record>, event: Result<Evaluation, Error>) -> EventAction {
    let next = match event.map_err(Problem::Core).and_then(single_record) {
        Ok(r) => r,
        Err(p) => return EventAction::Ignore(p.detail()),
    };
    let Some(prev) = prev else {
        return EventAction::Refetch;
    };
    if !same_contact(prev, &next) {
        let id = |r: &Record| {
            r.verification_id.clone().or_else(|| r.email.clone()).or_else(|| r.handle.clone())
        };
        return EventAction::Ignore(format!(
            // (Backticks, not `{:?}`: Debug's escaping brings Unicode
            // tables into the wasm for one developer message.)
            "the event is about `{}`, this widget shows `{}`",
            id(&next).unwrap_or_default(),
            id(prev).unwrap_or_default()
        ));
    }
    if next.status != Status::Verified {
        return EventAction::Refetch;
    }
    let mut next = next;
    next.email = next.email.or_else(|| prev.email.clone());
    next.handle = next.handle.or_else(|| prev.handle.clone());
    next.verification_id = next.verification_id.or_else(|| prev.verification_id.clone());
    if next.domains.is_empty() {
        next.domains = prev.domains.clone();
    }
    next.last_notification_at = next.last_notification_at.or(prev.last_notification_at);
    EventAction::Apply(next)
}

/// `false` when the two records name different contacts: by verification
/// id when both have one, else by email, else by handle; records without
/// a common identifier are taken to be the same contact (the stream is
/// the contact's own).
pub(super) fn same_contact(a: &Record, b: &Record) -> bool {
    let both = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) if !x.trim().is_empty() && !y.trim().is_empty() => {
            Some(x.trim().eq_ignore_ascii_case(y.trim()))
        }
        _ => None,
    };
    both(&a.verification_id, &b.verification_id)
        .or_else(|| both(&a.email, &b.email))
        .or_else(|| both(&a.handle, &b.handle))
        .unwrap_or(true)
}
