//! Which screen a state gets and its words: the status line, the deadline,
//! the countdown, the address, the last check.

use super::*;

/// Where a resend stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ResendPhase {
    /// No resend in this page view.
    #[default]
    Idle,
    /// The request is in flight.
    Sending,
    /// The registrar answered; see [`ResendOutcome`].
    Done(ResendOutcome),
    /// The request failed; pressing the button again retries the same
    /// intent (same idempotency key) unless the answer was definite.
    Failed(Problem),
}

/// The state the card is in, one per thing a registrant must understand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The first request has not answered yet.
    Loading,
    /// The status could not be loaded.
    Problem,
    /// No verification started yet.
    NotStarted,
    /// A verification email is out, no deadline close.
    Pending,
    /// A verification email is out and the deadline is close.
    DueSoon,
    /// The deadline passed, or the domains are suspended.
    Overdue,
    /// Verified: nothing to do.
    Verified,
    /// The verification expired (or failed for no stated reason).
    Expired,
    /// The verification email bounced: correct the address.
    Bounced,
    /// The registrar does not say yet (name.com propagation).
    Unknown,
}

impl Screen {
    /// The screen for a record (the status rules are the core's; this only
    /// groups them by what the registrant must do).
    pub fn for_record(r: &Record) -> Screen {
        match (r.status, r.failure_reason) {
            (Status::Verified, _) => Screen::Verified,
            (Status::Failed, Some(FailureReason::Bounced)) => Screen::Bounced,
            (Status::Failed, _) => Screen::Expired,
            (Status::Unknown, _) => Screen::Unknown,
            _ if r.urgency == Urgency::Overdue || r.suspended => Screen::Overdue,
            (Status::NotStarted, _) => Screen::NotStarted,
            _ if r.urgency >= Urgency::Warning => Screen::DueSoon,
            _ => Screen::Pending,
        }
    }

    /// The screen for the widget's state: a problem wins over a stale
    /// record, and without either the first request is still loading.
    pub fn choose(record: Option<&Record>, problem: Option<&Problem>) -> Screen {
        match (problem, record) {
            (Some(p), _) if p.not_ready() => Screen::Unknown,
            (Some(_), _) => Screen::Problem,
            (None, Some(r)) => Screen::for_record(r),
            (None, None) => Screen::Loading,
        }
    }

    /// The `data-status` value reflected on the host element: the record's
    /// status, or `loading` / `error`.
    pub fn data_status(self, record: Option<&Record>) -> &'static str {
        match (self, record) {
            (Screen::Loading, _) => "loading",
            (Screen::Problem, _) => "error",
            (Screen::Unknown, _) => "unknown",
            (_, Some(r)) => r.status.as_str(),
            (_, None) => "loading",
        }
    }
}

/// The visual and spoken tone of the card. Never conveyed by colour alone:
/// each tone has an icon and a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Waiting for an answer.
    Neutral,
    /// Verified.
    Ok,
    /// Action needed, no hurry.
    Info,
    /// Seven days or less.
    Warning,
    /// Under 48 hours, failed, or overdue.
    Critical,
    /// The status could not be loaded.
    Error,
}

impl Tone {
    /// The tone of a screen, by the record's urgency.
    pub fn of(screen: Screen, record: Option<&Record>) -> Tone {
        match screen {
            Screen::Loading => Tone::Neutral,
            Screen::Problem => Tone::Error,
            Screen::Verified => Tone::Ok,
            Screen::Unknown => Tone::Neutral,
            _ => match record.map_or(Urgency::Info, |r| r.urgency) {
                Urgency::None => Tone::Ok,
                Urgency::Info => Tone::Info,
                Urgency::Warning => Tone::Warning,
                Urgency::Critical | Urgency::Overdue => Tone::Critical,
            },
        }
    }

    /// The CSS hook (`data-tone`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Ok => "ok",
            Tone::Info => "info",
            Tone::Warning => "warning",
            Tone::Critical => "critical",
            Tone::Error => "error",
        }
    }
}

/// The urgency's JSON spelling (`none`, `info`, ...), as core serializes it.
pub fn urgency_str(u: Urgency) -> &'static str {
    match u {
        Urgency::None => "none",
        Urgency::Info => "info",
        Urgency::Warning => "warning",
        Urgency::Critical => "critical",
        Urgency::Overdue => "overdue",
    }
}

/// Formats instants for the registrant (the browser's `Intl`, or a fixed
/// format in tests).
pub trait DateFormat {
    /// A full date and time with the time zone's short name, e.g. "Tuesday,
    /// 3 March 2026 at 12:00 CET".
    fn date_time(&self, t: DateTime<Utc>) -> String;
    /// A time of day, with the date when it is not today.
    fn time(&self, t: DateTime<Utc>, now: DateTime<Utc>) -> String;
}

/// The words of a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Words {
    /// A short label that says the tone in words ("Urgent").
    pub label: String,
    /// The headline.
    pub headline: String,
    /// One or two sentences: what is going on, what to do.
    pub lead: String,
    /// The heading of the domain list, when there is one.
    pub domains_heading: Option<String>,
}

/// The record's email for a sentence (isolated), or "your email address".
pub(super) fn email_or(r: Option<&Record>, msgs: &Messages) -> String {
    r.and_then(|r| r.email.as_deref()).map_or_else(|| msgs.text(Msg::YourEmail), isolate)
}

/// `text` with its first letter capitalized (a sentence that starts with
/// "your email address" or "your domains"), unless it starts with the
/// registrant's own address `email`, which is written as it is.
pub(super) fn sentence(text: String, email: Option<&str>) -> String {
    if email.is_some_and(|e| !e.is_empty() && text.starts_with(e)) {
        return text;
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_lowercase() => c.to_uppercase().chain(chars).collect(),
        _ => text,
    }
}

/// `text` for use inside a sentence: unchanged, unless it carries Unicode
/// direction controls (an RTL override in an address could reverse the rest
/// of the sentence); then it is wrapped in a first-strong isolate
/// (U+2068 ... U+2069), which confines them to the text itself. The wrapper
/// is balanced against the text's own isolates: an isolate the text leaves
/// open gets its closing U+2069 (else it would swallow ours), and a U+2069
/// the text closes too many gets an extra U+2068 in front (else it would
/// close ours early).
pub fn isolate(text: &str) -> String {
    let bidi = |c: char| matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(bidi) {
        return text.to_owned();
    }
    let (mut open, mut unmatched) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '\u{2066}'..='\u{2068}' => open += 1,
            '\u{2069}' if open > 0 => open -= 1,
            '\u{2069}' => unmatched += 1,
            _ => {}
        }
    }
    let mut out = "\u{2068}".repeat(1 + unmatched);
    out.push_str(text);
    out.push_str(&"\u{2069}".repeat(1 + open));
    out
}

/// Address pieces longer than this may break anywhere (see
/// [`address_parts`]).
pub const LONG_ADDRESS_PART: usize = 28;

/// An email address cut where it may wrap: before its `@` and before each
/// dot ("not-started", "@openprovider", ".example"). Views set each piece
/// `nowrap` with a `<wbr>` between, so an address never breaks inside a
/// word or after a hyphen; a piece longer than [`LONG_ADDRESS_PART`]
/// characters may break anywhere (it could not fit a phone's line).
pub fn address_parts(email: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in email.char_indices().skip(1) {
        if c == '@' || c == '.' {
            parts.push(&email[start..i]);
            start = i;
        }
    }
    parts.push(&email[start..]);
    parts
}

/// The words for a screen, in `msgs`' language.
pub fn words(
    screen: Screen,
    record: Option<&Record>,
    problem: Option<&Problem>,
    msgs: &Messages,
) -> Words {
    let email = email_or(record, msgs);
    let own = record.and_then(|r| r.email.as_ref()).map(|_| email.as_str());
    // Domain Name API's answer names no domains: say "your domains" then,
    // not "the domains below" over an empty space.
    let listed = record.is_some_and(|r| !r.domains.is_empty());
    let these = msgs.text(if listed { Msg::DomainsBelow } else { Msg::YourDomains });
    let say = |m: Msg| msgs.fill(m, &[("email", &email), ("domains", &these)]);
    let suspended = record.is_some_and(|r| r.suspended);
    let urgency = record.map_or(Urgency::Info, |r| r.urgency);
    let at_risk = Some(Msg::AtRiskHeading);
    // A link's validity is not the suspension date: say that ICANN's 15
    // days from the email may end sooner.
    let link_expiry = record.is_some_and(|r| r.deadline_kind == Some(DeadlineKind::LinkExpiry));
    let link_sooner = |mut lead: String| {
        if link_expiry {
            lead.push(' ');
            lead.push_str(&say(Msg::LinkSoonerLead));
        }
        lead
    };
    let affected = Some(if suspended { Msg::SuspendedHeading } else { Msg::AffectedHeading });
    let (label, headline, lead, domains_heading) = match screen {
        Screen::Loading => (Msg::Checking, say(Msg::LoadingHeadline), String::new(), None),
        Screen::Problem => (
            Msg::Problem,
            say(Msg::ProblemHeadline),
            problem.map(|p| p.message_in(msgs)).unwrap_or_default(),
            None,
        ),
        // No email yet: no link to speak of (Domain Name API's date is a
        // link's, [`deadline_line`] leaves it out here too).
        Screen::NotStarted => (
            urgency_label(urgency),
            say(Msg::NotStartedHeadline),
            say(Msg::NotStartedLead),
            at_risk,
        ),
        Screen::Pending => (
            urgency_label(urgency),
            say(Msg::PendingHeadline),
            link_sooner(say(Msg::PendingLead)),
            at_risk,
        ),
        Screen::DueSoon => (
            urgency_label(urgency),
            say(if urgency >= Urgency::Critical {
                Msg::DueNowHeadline
            } else {
                Msg::DueSoonHeadline
            }),
            // "Suspended if you do not verify before the deadline" is
            // true of a suspension date only.
            if link_expiry { link_sooner(say(Msg::PendingLead)) } else { say(Msg::DueSoonLead) },
            at_risk,
        ),
        Screen::Overdue => (
            if suspended { Msg::Suspended } else { Msg::Overdue },
            say(if suspended { Msg::SuspendedHeadline } else { Msg::OverdueHeadline }),
            say(Msg::OverdueLead),
            affected,
        ),
        Screen::Verified => {
            (Msg::Verified, say(Msg::VerifiedHeadline), say(Msg::VerifiedLead), None)
        }
        Screen::Expired => {
            let expired = record.and_then(|r| r.failure_reason) == Some(FailureReason::Expired);
            let mut lead = say(if expired { Msg::ExpiredLead } else { Msg::FailedLead });
            if suspended {
                lead.push(' ');
                lead.push_str(&say(Msg::StillSuspended));
            }
            (
                if suspended { Msg::Suspended } else { Msg::ActionNeeded },
                say(if expired { Msg::ExpiredHeadline } else { Msg::FailedHeadline }),
                lead,
                affected,
            )
        }
        Screen::Bounced => (
            Msg::ActionNeeded,
            say(Msg::BouncedHeadline),
            say(Msg::BouncedLead),
            Some(Msg::AffectedHeading),
        ),
        // When it checks next is its own line ([`checked_line`]).
        Screen::Unknown => (Msg::Checking, say(Msg::UnknownHeadline), say(Msg::UnknownLead), None),
    };
    Words {
        label: msgs.text(label),
        headline: sentence(headline, own),
        lead: sentence(lead, own),
        domains_heading: domains_heading.map(|m| msgs.text(m)),
    }
}

/// In the checking state, when the widget last asked and when it asks
/// next: "Still not confirmed at 4:52 AM. Next check at 4:53 AM." The
/// first half follows every answer (a press of "Check again" included), so
/// a registrant sees that the check happened.
pub fn checked_line(
    screen: Screen,
    record: Option<&Record>,
    problem: Option<&Problem>,
    checked_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    fmt: &impl DateFormat,
    msgs: &Messages,
) -> Option<String> {
    if screen != Screen::Unknown {
        return None;
    }
    let next = problem.and_then(Problem::retry_at).or(record.and_then(|r| r.recheck_at));
    let next = next.map(|at| msgs.fill(Msg::NextCheckAt, &[("time", &fmt.time(at, now))]));
    let checked =
        checked_at.map(|at| msgs.fill(Msg::StillUnconfirmedAt, &[("time", &fmt.time(at, now))]));
    match (checked, next) {
        (Some(c), Some(n)) => Some(format!("{c} {n}")),
        (c, n) => c.or(n),
    }
}

fn urgency_label(u: Urgency) -> Msg {
    match u {
        Urgency::None => Msg::Verified,
        Urgency::Info => Msg::ActionNeeded,
        Urgency::Warning => Msg::DueSoon,
        Urgency::Critical => Msg::Urgent,
        Urgency::Overdue => Msg::Overdue,
    }
}

/// "5 days left", "23 hours left", "12 minutes left", or `None` once past.
/// Under 48 hours (core's `critical` threshold) it counts hours.
pub fn time_left(seconds_left: i64, days_left: i64, msgs: &Messages) -> Option<String> {
    match seconds_left {
        s if s <= 0 => None,
        s if s < 3_600 => Some(msgs.count(Msg::MinutesLeft, (s + 59) / 60, &[])),
        s if s < CRITICAL_SECONDS => Some(msgs.count(Msg::HoursLeft, (s + 3_599) / 3_600, &[])),
        _ => Some(msgs.count(Msg::DaysLeft, days_left, &[])),
    }
}

/// The deadline line of a record, when it has a deadline worth showing:
/// `(emphasis, sentence)`, e.g. `("5 days left", "Verify by …")`.
///
/// Worded by the deadline's kind: a suspension date is "verify by"; a
/// link's validity (Domain Name API) says only how long the link works,
/// with no countdown, since ICANN's 15 days may end sooner; an estimate
/// says it is one.
pub fn deadline_line(
    screen: Screen,
    record: &Record,
    fmt: &impl DateFormat,
    msgs: &Messages,
) -> Option<(Option<String>, String)> {
    if matches!(screen, Screen::Verified | Screen::Loading | Screen::Problem | Screen::Unknown) {
        return None;
    }
    let deadline = record.deadline?;
    let left = time_left(record.seconds_left?, record.days_left.unwrap_or(0), msgs);
    let when = fmt.date_time(deadline);
    let date = [("date", when.as_str())];
    let kind = record.deadline_kind.unwrap_or(DeadlineKind::Suspension);
    // Before any email there is no link whose validity a date could be.
    if kind == DeadlineKind::LinkExpiry && screen == Screen::NotStarted {
        return None;
    }
    Some(match (kind, left, screen) {
        (DeadlineKind::LinkExpiry, Some(_), _) => (None, msgs.fill(Msg::LinkValidUntil, &date)),
        (DeadlineKind::LinkExpiry, None, _) => (None, msgs.fill(Msg::LinkExpiredOn, &date)),
        (DeadlineKind::Estimated, Some(left), _) => {
            (Some(left), msgs.fill(Msg::VerifyByEstimated, &date))
        }
        (DeadlineKind::Estimated, None, _) => (None, msgs.fill(Msg::EstimatedDeadlineWas, &date)),
        (DeadlineKind::Suspension, Some(left), Screen::Expired | Screen::Bounced) => {
            (Some(left), msgs.fill(Msg::SuspendedAfter, &date))
        }
        (DeadlineKind::Suspension, Some(left), _) => (Some(left), msgs.fill(Msg::VerifyBy, &date)),
        (DeadlineKind::Suspension, None, _) => (None, msgs.fill(Msg::DeadlineWas, &date)),
    })
}

/// `14:32`, or `1:02:03` from an hour up; `0:00` once reached.
pub fn format_countdown(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3_600, (s % 3_600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
