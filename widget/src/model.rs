//! What the registrant sees, decided from the record and the request state.
//!
//! Everything here is plain Rust (no DOM, no clock): the view calls these
//! functions with the current time and a date formatter, and native unit
//! tests cover them. The verification rules themselves (status mapping,
//! deadlines, urgency, resend policy) stay in `verification-core`; this
//! module only chooses words and which control to show.

use crate::i18n::{Messages, Msg};
use chrono::{DateTime, TimeDelta, Utc};
use verification_core::{
    deadline::CRITICAL_SECONDS,
    resend::{ResendKind, ResendOutcome, ResendPlan},
    time::parse_timestamp,
    DeadlineKind, Error, Evaluation, FailureReason, Provider, Record, ResendReason, Status,
    Urgency,
};

/// The `cooldown` attribute's default: 15 minutes, as `DESIGN.md` asks.
pub const DEFAULT_COOLDOWN_SECS: i64 = 900;
/// The `refresh` attribute's default: re-check every 5 minutes.
pub const DEFAULT_REFRESH_SECS: i64 = 300;
/// The shortest `refresh` honoured, so a typo cannot hammer the backend.
pub const MIN_REFRESH_SECS: i64 = 15;
/// How long a request may take before the widget gives up on it.
pub const REQUEST_TIMEOUT_SECS: u32 = 15;
/// The first automatic re-check after a failed status check waits this
/// long; each further failure doubles the wait (see [`retry_delay`]).
pub const RETRY_BASE_SECS: i64 = 5;
/// The longest any timer of the widget waits. Browsers fire a `setTimeout`
/// of more than 2^31 - 1 ms (24.8 days) at once, which would turn a long
/// wait into a request loop.
pub const MAX_TIMER_SECS: i64 = 24 * 86_400;
/// While the `events-url` stream is open, the refresh timer re-checks at
/// most this often: the stream says when something changes, the timer is
/// only a safety net for a stream that stalls without an error.
pub const STREAM_REFRESH_SECS: i64 = 1800;

/// The element's configuration, read from its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `provider`: which registrar shape the backend passes through.
    pub provider: Result<Provider, String>,
    /// `status-url`.
    pub status_url: Option<String>,
    /// `resend-url`.
    pub resend_url: Option<String>,
    /// `events-url`: a server-sent event stream of this contact's changes
    /// (relative or http(s), like `edit-contact-url`; otherwise ignored).
    pub events_url: Option<String>,
    /// `locale`, when set; otherwise the page's language applies.
    pub locale: Option<String>,
    /// `strings`: the reseller's wording overrides, as JSON (see
    /// [`crate::i18n::Overrides`]); parsed by the view when it changes.
    pub strings: Option<String>,
    /// `edit-contact-url`, linked from the bounced state.
    pub edit_contact_url: Option<String>,
    /// `cooldown`: the local resend cooldown where the registrar gives none.
    pub cooldown: TimeDelta,
    /// `refresh`: time between re-checks while action is pending.
    pub refresh: TimeDelta,
    /// `changed-at`: when the contact last changed (name.com propagation).
    pub changed_at: Option<DateTime<Utc>>,
    /// `domains`: the contact's domains as the panel knows them (space- or
    /// comma-separated), shown when the registrar names none (Domain Name
    /// API's `GetDetails` carries none).
    pub domains: Vec<String>,
}

impl Config {
    /// Reads the configuration through `attr`, which returns an attribute's
    /// value by name. Invalid numbers and dates fall back to the defaults.
    pub fn from_attributes(attr: impl Fn(&str) -> Option<String>) -> Config {
        let text = |name: &str| attr(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secs = |name: &str, default: i64, min: i64| {
            let n = text(name).and_then(|v| verification_core::num::parse_decimal(&v));
            TimeDelta::seconds(n.map_or(default, |n| (n.round() as i64).clamp(min, 86_400 * 30)))
        };
        let provider = match text("provider") {
            None => Err("the `provider` attribute is missing".to_owned()),
            Some(p) => p.parse::<Provider>().map_err(|e| e.to_string()),
        };
        Config {
            provider,
            status_url: text("status-url"),
            resend_url: text("resend-url"),
            events_url: text("events-url").and_then(|u| safe_link_url(&u)),
            locale: text("locale"),
            strings: text("strings"),
            edit_contact_url: text("edit-contact-url").and_then(|u| safe_link_url(&u)),
            cooldown: secs("cooldown", DEFAULT_COOLDOWN_SECS, 0),
            refresh: secs("refresh", DEFAULT_REFRESH_SECS, MIN_REFRESH_SECS),
            changed_at: text("changed-at").and_then(|v| {
                parse_timestamp(&v, chrono::FixedOffset::east_opt(0)?).ok().flatten()
            }),
            domains: text("domains").map_or_else(Vec::new, |v| {
                let mut list: Vec<String> = Vec::new();
                for d in v.split(|c: char| c == ',' || c.is_whitespace()).filter(|d| !d.is_empty())
                {
                    if !list.iter().any(|x| x.eq_ignore_ascii_case(d)) {
                        list.push(d.to_owned());
                    }
                }
                list
            }),
        }
    }

    /// `record` with the `domains` attribute's names when the registrar
    /// named none; a registrar's own list always wins.
    pub fn fill_domains(&self, mut record: Record) -> Record {
        if record.domains.is_empty() {
            record.domains.clone_from(&self.domains);
        }
        record
    }

    /// The provider and status URL, or why the widget cannot load.
    pub fn status_target(&self) -> Result<(Provider, &str), Problem> {
        let provider = self.provider.clone().map_err(Problem::Config)?;
        let url = self
            .status_url
            .as_deref()
            .ok_or_else(|| Problem::Config("the `status-url` attribute is missing".into()))?;
        Ok((provider, url))
    }
}

/// The localStorage key of the last resend of this widget's contact.
pub fn last_resend_key(provider: Provider, status_url: &str) -> String {
    format!("registrant-verification:last-resend:{provider}:{status_url}")
}

/// `url` when it is safe as a link target: a relative URL, or an absolute
/// `http:` / `https:` one. Anything with another scheme (`javascript:`,
/// `data:`, `vbscript:`, ...) is refused, however it is disguised: the
/// check reads the scheme the way a browser's URL parser does (leading and
/// trailing spaces and control characters trimmed, tabs and line breaks
/// inside removed, any letter case). Returns the URL to use (trimmed).
pub fn safe_link_url(url: &str) -> Option<String> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    let parsed: String = trimmed.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if parsed.is_empty() {
        return None;
    }
    // A scheme is an ASCII letter, then letters, digits, `+`, `-` or `.`,
    // then `:`, before any `/`, `?` or `#`.
    let scheme_end = parsed.find(':').filter(|&i| {
        let head = &parsed[..i];
        head.starts_with(|c: char| c.is_ascii_alphabetic())
            && head.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme_end.map(|i| parsed[..i].to_ascii_lowercase()) {
        None => Some(trimmed.to_owned()),
        Some(scheme) if scheme == "http" || scheme == "https" => Some(trimmed.to_owned()),
        Some(_) => None,
    }
}

/// How long to wait before re-checking the status after `failures`
/// consecutive failed checks (1 for the first): 5 s, 10 s, 20 s, ...
/// doubling, capped at the `refresh` interval; never sooner than the
/// server's `retry_at` (a 429's `Retry-After`, `x-ratelimit-reset` or
/// name.com's "Next eligible at"), and never longer than
/// [`MAX_TIMER_SECS`].
pub fn retry_delay(
    failures: u32,
    refresh: TimeDelta,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> TimeDelta {
    let base = TimeDelta::seconds(RETRY_BASE_SECS);
    let doublings = failures.saturating_sub(1).min(30);
    let backoff = TimeDelta::seconds(RETRY_BASE_SECS.saturating_mul(1 << doublings));
    let backoff = backoff.min(refresh.max(base));
    let asked = retry_at.map_or(TimeDelta::zero(), |t| t - now);
    backoff.max(asked).min(TimeDelta::seconds(MAX_TIMER_SECS))
}

/// The sentence under a failed status check that says when the widget
/// tries again by itself: in seconds under a minute, else at a time of
/// day; it says when the wait is the server's own request (HTTP 429).
pub fn retry_line(
    problem: &Problem,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
    fmt: &impl DateFormat,
    msgs: &Messages,
) -> String {
    // Whole seconds, rounded up: "in 1 second" until the very moment.
    let secs = ((retry_at - now).num_milliseconds() + 999).div_euclid(1000);
    let when = match secs {
        s if s <= 0 => msgs.text(Msg::RetryNow),
        s if s < 60 => msgs.count(Msg::RetryInSeconds, s, &[]),
        _ => msgs.fill(Msg::RetryAt, &[("time", &fmt.time(retry_at, now))]),
    };
    if problem.retry_at().is_some() {
        msgs.fill(Msg::ServerAskedToWait, &[("retry", &when)])
    } else {
        when
    }
}

/// The localStorage key of the idempotency key of an unanswered resend.
pub fn intent_key(provider: Provider, status_url: &str) -> String {
    format!("registrant-verification:resend-intent:{provider}:{status_url}")
}

/// Why the status (or a resend) could not be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The element is misconfigured (a missing or invalid attribute).
    Config(String),
    /// The request never got an answer (DNS, refused, reset) while the
    /// browser was online: the server is unreachable.
    Network,
    /// The request never got an answer and the browser is offline
    /// (`navigator.onLine` false).
    Offline,
    /// The browser blocked the answer from `server`'s origin (CORS) to
    /// this page's origin `page`: the server answered a probe, but not in
    /// a way this page may read.
    Blocked {
        /// The origin of the URL asked.
        server: String,
        /// The page's own origin (what `allowed_origins` must list).
        page: String,
    },
    /// The request took longer than [`REQUEST_TIMEOUT_SECS`].
    Timeout,
    /// The answer arrived and `verification-core` rejected it.
    Core(Error),
    /// The answer is fine but lists no verification for this contact.
    NoRecord,
    /// The answer is a list whose every row is unreadable (the first row's
    /// error, for the detail).
    BadRows(String),
}

impl Problem {
    /// The `kind` in `verification-error` events: `config`, `network`,
    /// `timeout`, `notFound`, or the core error's kind (`http`,
    /// `registrar`, `invalidJson`, `unexpectedShape`).
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Config(_) => "config",
            Problem::Network | Problem::Offline => "network",
            Problem::Blocked { .. } => "blocked",
            Problem::Timeout => "timeout",
            Problem::NoRecord => "notFound",
            Problem::BadRows(_) => "unexpectedShape",
            Problem::Core(Error::Http { .. }) => "http",
            Problem::Core(Error::Registrar { .. }) => "registrar",
            Problem::Core(Error::InvalidJson { .. }) => "invalidJson",
            Problem::Core(Error::UnexpectedShape { .. }) => "unexpectedShape",
            Problem::Core(_) => "other",
        }
    }

    /// The HTTP status the problem came with, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Problem::Core(e) => e.http_status(),
            _ => None,
        }
    }

    /// What failed, in words a registrant understands, in English (the
    /// technical `detail`; the views use [`Problem::message_in`]).
    pub fn message(&self) -> String {
        self.message_in(&Messages::english())
    }

    /// What failed, in words a registrant understands, in `msgs`' language.
    pub fn message_in(&self, msgs: &Messages) -> String {
        let http = |m: Msg, status: &u16| msgs.fill(m, &[("status", &status.to_string())]);
        match self {
            // The registrant cannot fix the page: neutral words; the
            // detail goes to the console and the event.
            Problem::Config(_) | Problem::Blocked { .. } => msgs.text(Msg::ErrorConfig),
            Problem::Network => msgs.text(Msg::ErrorNetwork),
            Problem::Offline => msgs.text(Msg::ErrorOffline),
            // The gateway reached, the registrar not: say whose fault it is.
            Problem::Core(Error::Http { status: status @ 500..=599, excerpt, .. })
                if gateway_code(excerpt) == Some("upstream_unavailable") =>
            {
                let detail = format!("HTTP {status}, upstream_unavailable");
                msgs.fill(Msg::ErrorRegistrarUnreachable, &[("detail", &detail)])
            }
            // The same answer, read as the registrar's own error (its
            // `message`), or the registrar's own 502 to 504.
            Problem::Core(Error::Registrar {
                status: Some(status @ 502..=504),
                code: None,
                ..
            }) => {
                let detail = format!("HTTP {status}");
                msgs.fill(Msg::ErrorRegistrarUnreachable, &[("detail", &detail)])
            }
            Problem::Timeout => {
                msgs.fill(Msg::ErrorTimeout, &[("seconds", &REQUEST_TIMEOUT_SECS.to_string())])
            }
            Problem::NoRecord => msgs.text(Msg::ErrorNotFound),
            Problem::Core(Error::Http { status: 401, .. }) => msgs.text(Msg::ErrorHttp401),
            Problem::Core(Error::Http { status: 403, .. }) => msgs.text(Msg::ErrorHttp403),
            Problem::Core(Error::Http { status: 404, .. }) => msgs.text(Msg::ErrorHttp404),
            Problem::Core(Error::Http { status: 429, .. }) => msgs.text(Msg::ErrorHttp429),
            Problem::Core(Error::Http { status: 500, .. }) => msgs.text(Msg::ErrorHttp500),
            Problem::Core(Error::Http { status: status @ 501..=599, .. }) => {
                http(Msg::ErrorHttp5xx, status)
            }
            Problem::Core(Error::Http { status, .. }) => http(Msg::ErrorHttp, status),
            Problem::Core(Error::Registrar { message, status, .. }) => {
                let signed_out = matches!(status, Some(401 | 403));
                let m = if signed_out { Msg::ErrorRegistrarSession } else { Msg::ErrorRegistrar };
                msgs.fill(m, &[("message", &isolate(message))])
            }
            Problem::Core(Error::InvalidJson { .. }) => msgs.text(Msg::ErrorInvalidJson),
            Problem::Core(Error::UnexpectedShape { .. }) | Problem::BadRows(_) => {
                msgs.text(Msg::ErrorUnexpectedShape)
            }
            Problem::Core(_) => msgs.text(Msg::ErrorUnreadable),
        }
    }

    /// `true` for "not ready yet, ask again then": a 503 with a time to
    /// retry (the gateway still reading name.com's list). The registrant
    /// sees "checking", not an error; the retry is already planned.
    pub fn not_ready(&self) -> bool {
        self.status() == Some(503) && self.retry_at().is_some()
    }

    /// When the server asked to be asked again, if it did (a 429's
    /// `Retry-After`, `x-ratelimit-reset`, name.com's "Next eligible at").
    pub fn retry_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Problem::Core(e) => e.retry_at(),
            _ => None,
        }
    }

    /// `true` when checking again later may help, so the widget re-checks
    /// by itself (with backoff). A misconfigured element waits for its
    /// attributes to change.
    pub fn retries_by_itself(&self) -> bool {
        !matches!(self, Problem::Config(_))
    }

    /// `false` when pressing "Retry" cannot help the registrant: the page
    /// is set up wrong, or the browser blocks the server's answers (the
    /// widget still re-checks by itself, since a proxy's error page
    /// without CORS headers looks the same and passes).
    pub fn registrant_can_retry(&self) -> bool {
        !matches!(self, Problem::Config(_) | Problem::Blocked { .. })
    }

    /// The technical detail for the `verification-error` event (the core
    /// error's own message, which names the provider and the input).
    pub fn detail(&self) -> String {
        match self {
            Problem::Core(e) => e.to_string(),
            Problem::BadRows(row) => format!("no readable row: {row}"),
            Problem::Config(what) => format!("this page is not set up correctly: {what}"),
            Problem::Blocked { server, page } => format!(
                "the browser blocked the answer from {server} to this page ({page}) (CORS). If \
                 {server} is the gateway (`verification-www serve`), add \"{page}\" to \
                 `allowed_origins` in its configuration and give the element a token \
                 (`token-url` or the `token` property); otherwise serve the status URL from \
                 {page} itself, with the session cookie"
            ),
            other => other.message(),
        }
    }

    /// `true` when the page's developer must act (set up wrong, blocked):
    /// the detail goes to the console too.
    pub fn for_developer(&self) -> bool {
        matches!(self, Problem::Config(_) | Problem::Blocked { .. })
    }

    /// `true` when the server gave a definite answer to a resend, so its
    /// idempotency key may be forgotten. Without an answer (network error,
    /// timeout, a gateway's 5xx page, an unreadable 2xx) the registrar may
    /// have sent the email: a retry must reuse the key.
    pub fn settles_intent(&self) -> bool {
        match self {
            Problem::Config(_) | Problem::NoRecord => true,
            Problem::Network
            | Problem::Offline
            | Problem::Blocked { .. }
            | Problem::Timeout
            | Problem::BadRows(_) => false,
            Problem::Core(Error::Registrar { .. }) => true,
            Problem::Core(Error::Http { status, .. }) => *status < 500,
            Problem::Core(_) => false,
        }
    }
}

/// The gateway's own error code (`{"error": "upstream_unavailable", …}`)
/// at the start of an answer's body, if it has one.
pub fn gateway_code(excerpt: &str) -> Option<&str> {
    let rest = excerpt.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest.strip_prefix("\"error\"")?.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let code = &rest[..rest.find('"')?];
    code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_').then_some(code)
}

/// A re-check that failed while the card shows an earlier answer: the card
/// keeps that answer (status, deadline, domains, Resend) and says this in
/// a quiet line ([`stale_line`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    /// Why the re-check failed.
    pub problem: Problem,
    /// When it failed.
    pub failed_at: DateTime<Utc>,
}

/// The quiet line under a card kept through a failed re-check: when the
/// check failed, what the card shows is from when, why (in words that name
/// the party at fault: the registrar, the server, the network, the
/// session), and when the widget tries again (`retry_at`).
pub fn stale_line(
    stale: &Stale,
    known_at: Option<DateTime<Utc>>,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    fmt: &impl DateFormat,
    msgs: &Messages,
) -> String {
    let failed = fmt.time(stale.failed_at, now);
    let first = match known_at {
        Some(at) => {
            msgs.fill(Msg::StaleSince, &[("failed", &failed), ("known", &fmt.time(at, now))])
        }
        None => msgs.fill(Msg::StaleAt, &[("failed", &failed)]),
    };
    let why = match &stale.problem {
        Problem::Core(
            Error::Http { status: 401 | 403, .. }
            | Error::Registrar { status: Some(401 | 403), .. },
        ) => msgs.text(Msg::StaleSession),
        p => p.message_in(msgs),
    };
    let mut line = format!("{first} {why}");
    if let Some(at) = retry_at {
        line.push(' ');
        line.push_str(&retry_line(&stale.problem, at, now, fmt, msgs));
    }
    line
}

/// The contact's record from an evaluated status answer: its first
/// record; when there is none, [`Problem::BadRows`] if rows were dropped
/// as unreadable (a list of the wrong shape), else [`Problem::NoRecord`].
pub fn single_record(evaluation: Evaluation) -> Result<Record, Problem> {
    let Evaluation { records, row_errors, .. } = evaluation;
    match (records.into_iter().next(), row_errors.first()) {
        (Some(r), _) => Ok(r),
        (None, Some(e)) => Err(Problem::BadRows(e.to_string())),
        (None, None) => Err(Problem::NoRecord),
    }
}

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
fn email_or(r: Option<&Record>, msgs: &Messages) -> String {
    r.and_then(|r| r.email.as_deref()).map_or_else(|| msgs.text(Msg::YourEmail), isolate)
}

/// `text` with its first letter capitalized (a sentence that starts with
/// "your email address" or "your domains"), unless it starts with the
/// registrant's own address `email`, which is written as it is.
fn sentence(text: String, email: Option<&str>) -> String {
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
fn same_contact(a: &Record, b: &Record) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use verification_core::{evaluate, Context, ResendState};

    fn en() -> Messages {
        Messages::english()
    }

    struct Utc24;
    impl DateFormat for Utc24 {
        fn date_time(&self, t: DateTime<Utc>) -> String {
            t.format("%Y-%m-%d %H:%M UTC").to_string()
        }
        fn time(&self, t: DateTime<Utc>, _now: DateTime<Utc>) -> String {
            t.format("%H:%M").to_string()
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn namecom(verify_by: &str) -> Record {
        let body = format!(
            r#"{{"unverifiedContacts":[{{"verificationId":42,"verifyBy":"{verify_by}",
            "email":"ann@example.com","domains":["ann.com","ann.net"]}}],"totalCount":1}}"#
        );
        let ctx = Context::new(now()).single_contact();
        evaluate(Provider::Namecom, &body, &ctx).unwrap().records.remove(0)
    }

    #[test]
    fn urgency_str_is_the_json_spelling() {
        for u in
            [Urgency::None, Urgency::Info, Urgency::Warning, Urgency::Critical, Urgency::Overdue]
        {
            assert_eq!(serde_json::to_value(u).unwrap(), urgency_str(u));
        }
    }

    #[test]
    fn screens_follow_the_record() {
        assert_eq!(Screen::for_record(&namecom("2026-03-12T12:00:00Z")), Screen::Pending);
        assert_eq!(Screen::for_record(&namecom("2026-03-05T12:00:00Z")), Screen::DueSoon);
        assert_eq!(Screen::for_record(&namecom("2026-02-20T12:00:00Z")), Screen::Overdue);
        let mut r = namecom("2026-03-12T12:00:00Z");
        r.status = Status::Failed;
        r.failure_reason = Some(FailureReason::Bounced);
        assert_eq!(Screen::for_record(&r), Screen::Bounced);
        r.failure_reason = Some(FailureReason::Expired);
        assert_eq!(Screen::for_record(&r), Screen::Expired);
        assert_eq!(Screen::choose(Some(&r), Some(&Problem::Network)), Screen::Problem);
        assert_eq!(Screen::choose(None, None), Screen::Loading);
        assert_eq!(Screen::Loading.data_status(None), "loading");
        assert_eq!(Screen::Pending.data_status(Some(&namecom("2026-03-12T12:00:00Z"))), "pending");
    }

    #[test]
    fn empty_namecom_list_is_verified_then_no_button() {
        let ctx = Context::new(now()).single_contact();
        let r = evaluate(Provider::Namecom, r#"{"unverifiedContacts":[]}"#, &ctx)
            .unwrap()
            .records
            .remove(0);
        let screen = Screen::for_record(&r);
        assert_eq!(screen, Screen::Verified);
        assert_eq!(
            primary_action(screen, None, Some(&r), false, &ResendPhase::Idle, now(), &en()),
            None
        );
        assert_eq!(next_check(Some(&r), TimeDelta::seconds(300), now()), None);
    }

    #[test]
    fn time_left_counts_hours_under_48() {
        assert_eq!(time_left(10 * 86_400, 10, &en()).as_deref(), Some("10 days left"));
        assert_eq!(time_left(CRITICAL_SECONDS, 2, &en()).as_deref(), Some("2 days left"));
        assert_eq!(time_left(CRITICAL_SECONDS - 1, 2, &en()).as_deref(), Some("48 hours left"));
        assert_eq!(time_left(3_600, 1, &en()).as_deref(), Some("1 hour left"));
        assert_eq!(time_left(61, 1, &en()).as_deref(), Some("2 minutes left"));
        assert_eq!(time_left(0, 0, &en()), None);
    }

    #[test]
    fn words_in_the_registrants_language() {
        let none = crate::i18n::Overrides::none();
        let de = Messages::new("de-AT", &none);
        let r = namecom("2026-03-05T12:00:00Z");
        let screen = Screen::for_record(&r);
        let w = words(screen, Some(&r), None, &de);
        assert_eq!(w.label, "Bald fällig");
        assert_eq!(w.headline, "Bestätigen Sie Ihre E-Mail-Adresse bald");
        assert!(w.lead.starts_with(
            "Klicken Sie auf den Link in der Bestätigungs-E-Mail an ann@example.com."
        ));
        assert!(w.lead.contains("werden die unten aufgeführten Domains gesperrt"), "{}", w.lead);
        let (left, when) = deadline_line(screen, &r, &Utc24, &de).unwrap();
        assert_eq!(left.as_deref(), Some("Noch 4 Tage"));
        assert_eq!(when, "Bestätigen Sie bis 2026-03-05 12:00 UTC");
        assert_eq!(time_left(3_600, 1, &de).as_deref(), Some("Noch 1 Stunde"));
        assert_eq!(time_left(30, 1, &de).as_deref(), Some("Noch 1 Minute"));
        let es = Messages::new("es", &none);
        let a =
            primary_action(screen, None, Some(&r), false, &ResendPhase::Idle, now(), &es).unwrap();
        assert_eq!(a.label, "Reenviar correo de verificación");
        let fr = Messages::new("fr", &none);
        assert_eq!(
            Problem::Offline.message_in(&fr),
            "Vous êtes hors ligne. Vérifiez votre connexion Internet."
        );
        assert_eq!(
            retry_line(&Problem::Network, now() + TimeDelta::seconds(1), now(), &Utc24, &fr),
            "Nouvelle tentative automatique dans 1 seconde."
        );
        // Without an address, a sentence that starts with "your email
        // address" starts with a capital; an address is written as it is.
        let mut anon = namecom("2026-03-12T12:00:00Z");
        anon.email = None;
        let tr = Messages::new("tr", &none);
        let w = words(Screen::Verified, Some(&anon), None, &tr);
        assert!(w.lead.starts_with("E-posta adresi onaylandı."), "{}", w.lead);
        let w = words(Screen::Verified, Some(&anon), None, &en());
        assert!(w.lead.starts_with("Your email address is confirmed."), "{}", w.lead);
        let mut lower = namecom("2026-03-12T12:00:00Z");
        lower.email = Some("ann@example.com".into());
        let w = words(Screen::Verified, Some(&lower), None, &en());
        assert!(w.lead.starts_with("ann@example.com is confirmed."), "{}", w.lead);
    }

    /// A Domain Name API record: the date is the 60-day key's validity.
    fn dna(status: &str, expiration: &str) -> Record {
        let body = format!(
            r#"{{"VerificationStatus":"{status}","ExpirationDate":"{expiration}",
            "ContactEmail":"ayse@example.com.tr"}}"#
        );
        let ctx = Context::new(now()).single_contact();
        evaluate(Provider::Dna, &body, &ctx).unwrap().records.remove(0)
    }

    #[test]
    fn a_links_validity_is_never_worded_as_the_suspension_date() {
        // See: issue 14. In every language, every DNA state with a date.
        let none = crate::i18n::Overrides::none();
        let records = [
            dna("Pending", "2026-04-20T12:00:00"),
            dna("Pending", "2026-03-04T12:00:00"),
            dna("Pending", "2026-03-02T06:00:00"),
            dna("NotValidated", "2026-04-05T10:00:00"),
            dna("Expired", "2026-02-20T12:00:00"),
        ];
        let mut not_started = 0;
        for lang in crate::i18n::Lang::ALL {
            let msgs = Messages::new(lang.code(), &none);
            for r in &records {
                assert_eq!(r.deadline_kind, Some(DeadlineKind::LinkExpiry));
                let screen = Screen::for_record(r);
                if screen == Screen::NotStarted {
                    not_started += 1;
                    // No email was sent: no link, no date of one.
                    assert_eq!(deadline_line(screen, r, &Utc24, &msgs), None, "{lang:?}");
                    let w = words(screen, Some(r), None, &msgs);
                    let sooner = msgs.fill(Msg::LinkSoonerLead, &[("domains", "")]);
                    let first = sooner.split(',').next().unwrap();
                    assert!(!w.lead.contains(first), "{lang:?}: {}", w.lead);
                    continue;
                }
                let (left, when) = deadline_line(screen, r, &Utc24, &msgs).unwrap();
                let date = [("date", "2026")];
                let shape = |m: Msg| msgs.fill(m, &date).split("2026").next().unwrap().to_owned();
                assert_eq!(left, None, "{lang:?} {screen:?}: no countdown to suspension");
                for said in [Msg::VerifyBy, Msg::SuspendedAfter, Msg::DeadlineWas] {
                    assert!(!when.starts_with(&shape(said)), "{lang:?} {screen:?}: {when}");
                }
                let link = if r.seconds_left.unwrap() > 0 {
                    Msg::LinkValidUntil
                } else {
                    Msg::LinkExpiredOn
                };
                assert!(when.starts_with(&shape(link)), "{lang:?} {screen:?}: {when}");
                let w = words(screen, Some(r), None, &msgs);
                let due_soon = msgs.fill(Msg::DueSoonLead, &[("email", ""), ("domains", "")]);
                let due_soon_start = due_soon.split(". ").nth(1).unwrap_or(&due_soon);
                assert!(!w.lead.contains(due_soon_start), "{lang:?}: {}", w.lead);
                if matches!(screen, Screen::Pending | Screen::DueSoon) {
                    let sooner = msgs.fill(Msg::LinkSoonerLead, &[("domains", "")]);
                    let first = sooner.split("  ").next().unwrap().trim_end();
                    assert!(
                        w.lead.contains(first.split(',').next().unwrap()),
                        "{lang:?}: {}",
                        w.lead
                    );
                }
            }
        }
        assert_eq!(not_started, crate::i18n::Lang::ALL.len(), "NotValidated is not started");
        let en = en();
        let r = &records[1];
        let (_, when) = deadline_line(Screen::for_record(r), r, &Utc24, &en).unwrap();
        assert_eq!(when, "The link in the email is valid until 2026-03-04 12:00 UTC");
        let w = words(Screen::for_record(r), Some(r), None, &en);
        assert!(
            w.lead.ends_with(
                "ICANN requires verification within 15 days of the email, so your domains \
                 may be suspended before the link expires."
            ),
            "{}",
            w.lead
        );
        let (_, when) =
            deadline_line(Screen::for_record(&records[4]), &records[4], &Utc24, &en).unwrap();
        assert_eq!(when, "The link in the email expired on 2026-02-20 12:00 UTC");
    }

    #[test]
    fn suspension_and_estimated_deadlines_keep_their_words() {
        let r = namecom("2026-03-05T12:00:00Z");
        assert_eq!(r.deadline_kind, Some(DeadlineKind::Suspension));
        let screen = Screen::for_record(&r);
        let (left, when) = deadline_line(screen, &r, &Utc24, &en()).unwrap();
        assert_eq!(
            (left.as_deref(), when.as_str()),
            (Some("4 days left"), "Verify by 2026-03-05 12:00 UTC")
        );
        let mut estimated = r.clone();
        estimated.deadline_kind = Some(DeadlineKind::Estimated);
        let (left, when) = deadline_line(screen, &estimated, &Utc24, &en()).unwrap();
        assert_eq!(left.as_deref(), Some("4 days left"));
        assert_eq!(when, "Verify by 2026-03-05 12:00 UTC (estimated)");
        let late = namecom("2026-02-20T12:00:00Z");
        let mut late_estimate = late.clone();
        late_estimate.deadline_kind = Some(DeadlineKind::Estimated);
        let (_, when) =
            deadline_line(Screen::for_record(&late), &late_estimate, &Utc24, &en()).unwrap();
        assert_eq!(when, "The estimated deadline was 2026-02-20 12:00 UTC");
    }

    #[test]
    fn a_503_with_a_retry_time_reads_checking_not_an_error() {
        // The gateway before its first name.com scan: 503, Retry-After.
        let p = http(
            503,
            r#"{"error":"not_ready","message":"reading the list"}"#,
            &[("Retry-After", "30")],
        );
        assert!(p.not_ready(), "{p:?}");
        let screen = Screen::choose(None, Some(&p));
        assert_eq!(screen, Screen::Unknown);
        assert_eq!(screen.data_status(None), "unknown");
        assert_eq!(Tone::of(screen, None), Tone::Neutral);
        let w = words(screen, None, Some(&p), &en());
        assert_eq!(w.label, "Checking");
        let line = checked_line(screen, None, Some(&p), None, now(), &Utc24, &en());
        assert_eq!(line.as_deref(), Some("Next check at 12:00."));
        let a =
            primary_action(screen, None, None, false, &ResendPhase::Idle, now(), &en()).unwrap();
        assert_eq!(a.kind, ActionKind::Recheck);
        // Without a time, or another status, it stays an error.
        let plain = http(503, "<html>down</html>", &[]);
        assert_eq!(Screen::choose(None, Some(&plain)), Screen::Problem);
        let other = http(500, "{}", &[("Retry-After", "30")]);
        assert_eq!(Screen::choose(None, Some(&other)), Screen::Problem);
    }

    #[test]
    fn countdown_format() {
        assert_eq!(format_countdown(14 * 60 + 32), "14:32");
        assert_eq!(format_countdown(5), "0:05");
        assert_eq!(format_countdown(3_723), "1:02:03");
        assert_eq!(format_countdown(-3), "0:00");
    }

    #[test]
    fn words_name_the_deadline_and_domains() {
        let r = namecom("2026-03-02T18:00:00Z");
        let screen = Screen::for_record(&r);
        let w = words(screen, Some(&r), None, &en());
        assert_eq!(w.label, "Urgent");
        assert_eq!(w.headline, "Verify your email address now");
        assert!(w.lead.contains("ann@example.com"));
        let (left, when) = deadline_line(screen, &r, &Utc24, &en()).unwrap();
        assert_eq!(left.as_deref(), Some("30 hours left"));
        assert_eq!(when, "Verify by 2026-03-02 18:00 UTC");

        let overdue = namecom("2026-02-20T12:00:00Z");
        let w = words(Screen::Overdue, Some(&overdue), None, &en());
        assert_eq!(w.headline, "Your domains are suspended");
        assert!(w.lead.contains("stop resolving"));
    }

    #[test]
    fn resend_cooldown_disables_the_button_until_then() {
        let mut r = namecom("2026-03-12T12:00:00Z");
        let until = now() + TimeDelta::minutes(14);
        r.resend = ResendState::blocked(ResendReason::Cooldown, Some(until));
        let a = primary_action(
            Screen::Pending,
            None,
            Some(&r),
            false,
            &ResendPhase::Idle,
            now(),
            &en(),
        )
        .unwrap();
        assert_eq!((a.kind, a.wait_until), (ActionKind::Resend, Some(until)));
        let later = primary_action(
            Screen::Pending,
            None,
            Some(&r),
            false,
            &ResendPhase::Idle,
            until,
            &en(),
        );
        assert_eq!(later.unwrap().wait_until, None);

        let sent = ResendPhase::Done(ResendOutcome {
            outcome: ResendKind::Sent,
            next_eligible_at: Some(now() + TimeDelta::minutes(15)),
            message: None,
        });
        let note = resend_note(Some(&r), &sent, now(), &Utc24, &en()).unwrap();
        assert_eq!(note, "We sent a new verification email to ann@example.com.");
        assert_eq!(resend_wait(&r, &sent, now()), Some(now() + TimeDelta::minutes(15)));

        let throttled = ResendPhase::Done(ResendOutcome {
            outcome: ResendKind::Throttled,
            next_eligible_at: Some(Utc.with_ymd_and_hms(2026, 3, 1, 21, 49, 58).unwrap()),
            message: None,
        });
        let note = resend_note(Some(&r), &throttled, now(), &Utc24, &en()).unwrap();
        assert_eq!(note, "The registrar allows another email at 21:49.");
    }

    #[test]
    fn a_throttled_resend_answered_200_sent_false_shows_the_same_cooldown_as_a_429() {
        // name.com answers a throttled resend either way (public clients
        // see both): the registrant reads the same line and waits as long.
        use verification_core::interpret_resend;
        use verification_core::Response;
        let r = namecom("2026-03-12T12:00:00Z");
        let ctx = Context::new(now());
        let as_429 = interpret_resend(
            Provider::Namecom,
            &Response::new(
                429,
                r#"{"message":"Resend throttled","details":"Next eligible at: 2026-03-01T21:49:58Z"}"#,
            ),
            &ctx,
        )
        .unwrap();
        let as_200 = interpret_resend(
            Provider::Namecom,
            &Response::new(
                200,
                r#"{"sent":false,"verificationId":1001,"nextEligibleAt":"2026-03-01T21:49:58Z"}"#,
            ),
            &ctx,
        )
        .unwrap();
        assert_eq!(as_200.outcome, ResendKind::Throttled);
        let (a, b) = (ResendPhase::Done(as_429), ResendPhase::Done(as_200));
        let note = resend_note(Some(&r), &a, now(), &Utc24, &en()).unwrap();
        assert_eq!(note, "The registrar allows another email at 21:49.");
        assert_eq!(resend_note(Some(&r), &b, now(), &Utc24, &en()).unwrap(), note);
        assert_eq!(resend_wait(&r, &b, now()), resend_wait(&r, &a, now()));
        assert_eq!(
            resend_wait(&r, &b, now()),
            Some(Utc.with_ymd_and_hms(2026, 3, 1, 21, 49, 58).unwrap())
        );
    }

    #[test]
    fn sending_is_busy_and_failed_retries() {
        let r = namecom("2026-03-12T12:00:00Z");
        let a = primary_action(
            Screen::Pending,
            None,
            Some(&r),
            false,
            &ResendPhase::Sending,
            now(),
            &en(),
        );
        assert_eq!(a.map(|a| (a.busy, a.label)), Some((true, "Sending…".to_owned())));
        let failed = ResendPhase::Failed(Problem::Network);
        let a =
            primary_action(Screen::Pending, None, Some(&r), false, &failed, now(), &en()).unwrap();
        assert_eq!((a.busy, a.label.as_str()), (false, "Try again"));
    }

    #[test]
    fn problems_in_plain_words() {
        let e = verification_core::evaluate_response(
            Provider::Namecom,
            &verification_core::Response::new(502, "<html>Bad gateway</html>"),
            &Context::new(now()),
        )
        .unwrap_err();
        let p = Problem::Core(e);
        assert_eq!(p.message(), "Could not reach the server (HTTP 502). It may be down or busy.");
        assert_eq!((p.kind(), p.status()), ("http", Some(502)));
        assert!(!p.settles_intent());
        assert!(!Problem::Network.settles_intent());
        let a =
            primary_action(Screen::Problem, None, None, false, &ResendPhase::Idle, now(), &en())
                .unwrap();
        assert_eq!((a.kind, a.label.as_str()), (ActionKind::Retry, "Retry"));
    }

    fn http(status: u16, body: &str, headers: &[(&str, &str)]) -> Problem {
        let response = verification_core::Response::new(status, body).with_headers(headers);
        let ctx = Context::new(now()).single_contact();
        Problem::Core(
            verification_core::evaluate_response(Provider::Namecom, &response, &ctx).unwrap_err(),
        )
    }

    #[test]
    fn the_gateways_upstream_failure_blames_the_registrar() {
        let body =
            r#"{"error":"upstream_unavailable","message":"The registrar could not be reached"}"#;
        for provider in [Provider::Namecom, Provider::Openprovider, Provider::Dna] {
            let response = verification_core::Response::new(502, body);
            let ctx = Context::new(now()).single_contact();
            let p = Problem::Core(
                verification_core::evaluate_response(provider, &response, &ctx).unwrap_err(),
            );
            let m = p.message();
            assert!(
                m.starts_with("The registrar did not answer (HTTP 502")
                    && m.ends_with("We will try again."),
                "{provider:?}: {p:?}: {m}"
            );
        }
        assert_eq!(
            gateway_code(r#" { "error" : "store_unavailable", "m": 1}"#),
            Some("store_unavailable")
        );
        assert_eq!(gateway_code("<html>502</html>"), None);
        assert_eq!(gateway_code(r#"{"error":"Bad \"x"}"#), None);
        // Offline is the registrant's connection; Network is the server.
        assert_eq!(Problem::Offline.message(), "You are offline. Check your internet connection.");
        assert_eq!(Problem::Offline.kind(), "network");
        assert!(!Problem::Offline.settles_intent());
    }

    #[test]
    fn a_failed_recheck_says_when_what_was_known_and_why() {
        let known = now() - TimeDelta::minutes(5);
        let retry = Some(now() + TimeDelta::seconds(30));
        let line = |problem: Problem| {
            stale_line(
                &Stale { problem, failed_at: now() },
                Some(known),
                retry,
                now(),
                &Utc24,
                &en(),
            )
        };
        assert_eq!(
            line(Problem::Network),
            "Could not check again at 12:00; showing what we knew at 11:55. Could not reach the \
             server. It may be down; we will try again. Trying again automatically in 30 seconds."
        );
        assert!(line(Problem::Offline).contains("You are offline."));
        let upstream = http(504, r#"{"error":"upstream_unavailable","message":"x"}"#, &[]);
        assert!(line(upstream).contains("The registrar did not answer (HTTP 504"));
        let session = line(http(401, r#"{"error":"unauthenticated","message":"x"}"#, &[]));
        assert!(
            session.contains("Your session has ended: sign in again to see the latest status."),
            "{session}"
        );
        let none = stale_line(
            &Stale { problem: Problem::Timeout, failed_at: now() },
            None,
            None,
            now(),
            &Utc24,
            &en(),
        );
        assert!(none.starts_with("Could not check again at 12:00; showing what we knew before. The server did not answer"), "{none}");
    }

    #[test]
    fn error_wording_by_kind_and_status() {
        let html = "<html><body><h1>Bad gateway</h1></body></html>";
        let cases: Vec<(Problem, &str, Option<u16>, &str)> = vec![
            (Problem::Network, "network", None, "Could not reach the server. It may be down; we will try again."),
            (Problem::Timeout, "timeout", None, "The server did not answer within 15 seconds, so we stopped waiting."),
            (http(500, html, &[]), "http", Some(500), "The server had a problem (HTTP 500)."),
            (http(503, "", &[]), "http", Some(503), "Could not reach the server (HTTP 503). It may be down or busy."),
            (http(401, html, &[]), "http", Some(401), "Your session may have expired (HTTP 401): sign in again, then retry."),
            (http(403, html, &[]), "http", Some(403), "You may have been signed out, or this account may not see this contact (HTTP 403): sign in again, then retry."),
            (http(429, "", &[]), "http", Some(429), "Too many requests (HTTP 429): the server asked us to slow down."),
            (http(418, html, &[]), "http", Some(418), "The server answered with an error (HTTP 418)."),
            (http(200, "{\"unverifiedContacts\":[", &[]), "invalidJson", None, "The server sent an answer this page cannot read (it is not valid JSON)."),
            (http(200, r#"{"foo":"bar"}"#, &[]), "unexpectedShape", None, "The server sent an answer this page cannot read (not the registrar's format)."),
            (http(403, r#"{"message":"Permission Denied"}"#, &[]), "registrar", Some(403), "The registrar answered with an error: Permission Denied Your session may have expired: sign in again, then retry."),
            (http(400, r#"{"message":"Bad Request","details":"no such contact"}"#, &[]), "registrar", Some(400), "The registrar answered with an error: Bad Request (no such contact)"),
            (Problem::NoRecord, "notFound", None, "The registrar has no verification for this contact."),
        ];
        for (p, kind, status, message) in cases {
            assert_eq!(
                (p.kind(), p.status(), p.message().as_str()),
                (kind, status, message),
                "{p:?}"
            );
            assert!(p.retries_by_itself(), "{p:?}");
        }
        let config = Problem::Config("the `provider` attribute is missing".into());
        assert!(!config.retries_by_itself());
        // Setup problems: neutral words and no Retry for the registrant,
        // the detail for the developer.
        let blocked = Problem::Blocked {
            server: "https://gateway.example".into(),
            page: "https://panel.example".into(),
        };
        assert!(
            blocked.detail().contains("add \"https://panel.example\" to `allowed_origins`"),
            "{}",
            blocked.detail()
        );
        for p in [&config, &blocked] {
            assert_eq!(
                p.message(),
                "We can't show your verification status right now. Please contact support."
            );
            assert!(!p.message().contains('`'), "{p:?}");
            assert!(p.for_developer());
            let action = primary_action(
                Screen::Problem,
                Some(p),
                None,
                false,
                &ResendPhase::Idle,
                now(),
                &en(),
            );
            assert_eq!(action, None, "{p:?}");
        }
        assert!(config.detail().contains("`provider` attribute is missing"), "{}", config.detail());
        assert!(blocked.detail().contains("https://gateway.example"), "{}", blocked.detail());
        assert!(blocked.detail().contains("allowed_origins"), "{}", blocked.detail());
        assert_eq!(blocked.kind(), "blocked");
        // A network failure keeps its Retry.
        let action = primary_action(
            Screen::Problem,
            Some(&Problem::Network),
            None,
            false,
            &ResendPhase::Idle,
            now(),
            &en(),
        );
        assert_eq!(action.map(|a| a.kind), Some(ActionKind::Retry));
        // A registrar message is isolated when it carries direction controls.
        let rtl = http(400, r#"{"message":"evil\u202egnp.exe"}"#, &[]);
        assert!(
            rtl.message().ends_with("error: \u{2068}evil\u{202e}gnp.exe\u{2069}"),
            "{:?}",
            rtl.message()
        );
    }

    #[test]
    fn a_list_of_unreadable_rows_is_a_shape_problem() {
        let ctx = Context::new(now()).single_contact();
        // Nothing readable at all is the core's shape error (issue 14)...
        let p = Problem::Core(evaluate(Provider::Namecom, "[1,2]", &ctx).unwrap_err());
        assert_eq!((p.kind(), p.status()), ("unexpectedShape", None));
        assert!(p.message().contains("cannot read"), "{}", p.message());
        assert!(p.detail().contains("row 0"), "{}", p.detail());
        // ...and a bad row that might be the subject, beside another
        // contact's good one, is a problem too, never "verified".
        let mut jane = ctx.clone();
        jane.subject = Some(verification_core::Subject {
            email: Some("jane@example.com".into()),
            ..Default::default()
        });
        let body = r#"{"unverifiedContacts":[1,{"verificationId":1,"verifyBy":"2026-03-12T12:00:00Z","email":"a@b.c"}]}"#;
        let p = single_record(evaluate(Provider::Namecom, body, &jane).unwrap()).unwrap_err();
        assert_eq!((p.kind(), p.status()), ("unexpectedShape", None));
        assert!(p.detail().contains("row 0"), "{}", p.detail());
        let list = Context::new(now());
        let empty = evaluate(Provider::Openprovider, r#"{"code":0,"data":{}}"#, &list).unwrap();
        assert_eq!(single_record(empty), Err(Problem::NoRecord));
        let body = r#"{"unverifiedContacts":[{"verificationId":1,"verifyBy":"2026-03-12T12:00:00Z","email":"a@b.c"}]}"#;
        let ok = evaluate(Provider::Namecom, body, &ctx).unwrap();
        assert_eq!(single_record(ok).unwrap().email.as_deref(), Some("a@b.c"));
    }

    #[test]
    fn a_429_says_when_the_server_allows_another_try() {
        let at = now() + TimeDelta::seconds(90);
        let retry_after = http(429, "", &[("Retry-After", "90")]);
        assert_eq!(retry_after.retry_at(), Some(at));
        let reset = at.timestamp().to_string();
        let epoch = http(429, "", &[("x-ratelimit-reset", reset.as_str())]);
        assert_eq!(epoch.retry_at(), Some(at));
        let prose = http(
            429,
            r#"{"message":"Too Many Requests","details":"Next eligible at: 2026-03-01T12:01:30+00:00"}"#,
            &[],
        );
        assert_eq!(prose.retry_at(), Some(at));
        assert_eq!(http(429, "", &[]).retry_at(), None);
        assert_eq!(Problem::Network.retry_at(), None);

        let line = retry_line(&retry_after, at, now(), &Utc24, &en());
        assert_eq!(line, "The server asked us to wait. Trying again automatically at 12:01.");
        let soon = now() + TimeDelta::milliseconds(19_500);
        assert_eq!(
            retry_line(&Problem::Network, soon, now(), &Utc24, &en()),
            "Trying again automatically in 20 seconds."
        );
        assert_eq!(
            retry_line(&Problem::Network, now() + TimeDelta::seconds(1), now(), &Utc24, &en()),
            "Trying again automatically in 1 second."
        );
        assert_eq!(retry_line(&Problem::Network, now(), now(), &Utc24, &en()), "Trying again now…");
    }

    #[test]
    fn backoff_doubles_from_5_seconds_up_to_the_refresh_interval() {
        let refresh = TimeDelta::seconds(300);
        let schedule: Vec<i64> =
            (1..=9).map(|n| retry_delay(n, refresh, None, now()).num_seconds()).collect();
        assert_eq!(schedule, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        // A shorter refresh caps it sooner; huge failure counts do not overflow.
        let short = TimeDelta::seconds(15);
        let capped: Vec<i64> =
            (1..=4).map(|n| retry_delay(n, short, None, now()).num_seconds()).collect();
        assert_eq!(capped, [5, 10, 15, 15]);
        assert_eq!(retry_delay(u32::MAX, refresh, None, now()), refresh);
        assert_eq!(retry_delay(0, refresh, None, now()), TimeDelta::seconds(5));
        // The server's retry time wins when it is later, never when sooner.
        let later = now() + TimeDelta::seconds(90);
        assert_eq!(retry_delay(1, refresh, Some(later), now()), TimeDelta::seconds(90));
        assert_eq!(retry_delay(7, refresh, Some(later), now()), refresh);
        let past = now() - TimeDelta::seconds(90);
        assert_eq!(retry_delay(2, refresh, Some(past), now()), TimeDelta::seconds(10));
        // Even above the refresh interval (an hour's rate limit)...
        let hour = now() + TimeDelta::hours(1);
        assert_eq!(retry_delay(1, refresh, Some(hour), now()), TimeDelta::hours(1));
        // ...but never past what a browser timer can hold.
        let year = now() + TimeDelta::days(365);
        assert_eq!(retry_delay(1, refresh, Some(year), now()), TimeDelta::seconds(MAX_TIMER_SECS));
        assert!(MAX_TIMER_SECS * 1000 < i64::from(i32::MAX));
    }

    #[test]
    fn edit_link_accepts_only_http_and_relative_urls() {
        for ok in [
            "/account/contact",
            "account/contact?x=1#y",
            "../contact",
            "?edit=1",
            "#contact",
            "https://panel.example/contact",
            "HTTP://panel.example/contact",
            "//panel.example/contact",
            "/path:with:colons",
            "contact?next=javascript:alert(1)",
        ] {
            assert!(safe_link_url(ok).is_some(), "{ok} is safe");
        }
        assert_eq!(safe_link_url("  /account/contact \n").as_deref(), Some("/account/contact"));
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "javascript\r:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "mailto:x@example.com",
            "",
            " \t ",
        ] {
            assert_eq!(safe_link_url(bad), None, "{bad:?} is refused");
        }
        let attrs = |name: &str| match name {
            "edit-contact-url" => Some("javascript:alert(1)".to_owned()),
            _ => None,
        };
        assert_eq!(Config::from_attributes(attrs).edit_contact_url, None);
    }

    #[test]
    fn direction_controls_are_isolated() {
        assert_eq!(isolate("ann@example.com"), "ann@example.com");
        assert_eq!(isolate("a\u{202e}moc.elpmaxe@b"), "\u{2068}a\u{202e}moc.elpmaxe@b\u{2069}");
        // The text's own isolates cannot unbalance the wrapper.
        assert_eq!(isolate("a\u{2066}b"), "\u{2068}a\u{2066}b\u{2069}\u{2069}");
        assert_eq!(isolate("a\u{2069}b"), "\u{2068}\u{2068}a\u{2069}b\u{2069}");
        assert_eq!(isolate("\u{2067}x\u{2069}"), "\u{2068}\u{2067}x\u{2069}\u{2069}");
        let mut r = namecom("2026-03-12T12:00:00Z");
        r.email = Some("x\u{202e}evil".into());
        let w = words(Screen::Pending, Some(&r), None, &en());
        assert!(w.lead.contains("\u{2068}x\u{202e}evil\u{2069}. Click"), "{:?}", w.lead);
    }

    #[test]
    fn addresses_are_cut_before_the_at_and_dots() {
        assert_eq!(
            address_parts("not-started@openprovider.example"),
            ["not-started", "@openprovider", ".example"]
        );
        assert_eq!(address_parts("a"), ["a"]);
        assert_eq!(address_parts(".x@y"), [".x", "@y"]);
        assert_eq!(address_parts("jörg@bücher.de").concat(), "jörg@bücher.de");
    }

    #[test]
    fn config_reads_attributes_with_defaults() {
        let attrs = |name: &str| match name {
            "provider" => Some("name.com".to_owned()),
            "status-url" => Some(" /api/status ".to_owned()),
            "cooldown" => Some("oops".to_owned()),
            "refresh" => Some("1".to_owned()),
            "changed-at" => Some("2026-03-01T11:55:00Z".to_owned()),
            _ => None,
        };
        let c = Config::from_attributes(attrs);
        assert_eq!(c.provider, Ok(Provider::Namecom));
        assert_eq!(c.status_target().unwrap(), (Provider::Namecom, "/api/status"));
        assert_eq!(c.cooldown, TimeDelta::seconds(DEFAULT_COOLDOWN_SECS));
        assert_eq!(c.refresh, TimeDelta::seconds(MIN_REFRESH_SECS));
        assert_eq!(c.changed_at, Some(Utc.with_ymd_and_hms(2026, 3, 1, 11, 55, 0).unwrap()));
        let none = Config::from_attributes(|_| None);
        assert_eq!(none.status_target().unwrap_err().kind(), "config");
    }

    #[test]
    fn unknown_rechecks_at_recheck_at() {
        let ctx =
            Context::new(now()).single_contact().changed_at(Some(now() - TimeDelta::minutes(4)));
        let r = evaluate(Provider::Namecom, r#"{"unverifiedContacts":[]}"#, &ctx)
            .unwrap()
            .records
            .remove(0);
        assert_eq!(Screen::for_record(&r), Screen::Unknown);
        let wait = next_check(Some(&r), TimeDelta::seconds(300), now()).unwrap();
        assert_eq!(Some(now() + wait), r.recheck_at);
        let w = words(Screen::Unknown, Some(&r), None, &en());
        assert!(w.lead.contains("Check again shortly"), "{}", w.lead);
        // Before any answer: when it checks next; after one (a press of
        // "Check again" included): when it last checked, too.
        let line =
            |checked| checked_line(Screen::Unknown, Some(&r), None, checked, now(), &Utc24, &en());
        let next = r.recheck_at.unwrap().format("%H:%M").to_string();
        assert_eq!(line(None).unwrap(), format!("Next check at {next}."));
        assert_eq!(
            line(Some(now())).unwrap(),
            format!("Still not confirmed at 12:00. Next check at {next}.")
        );
        let pending = namecom("2026-03-12T12:00:00Z");
        assert_eq!(
            checked_line(Screen::Pending, Some(&pending), None, Some(now()), now(), &Utc24, &en()),
            None
        );
    }

    #[test]
    fn change_ignores_countdown_fields() {
        let a = namecom("2026-03-12T12:00:00Z");
        let mut b = a.clone();
        b.seconds_left = Some(1);
        assert!(!record_changed(Some(&a), &b));
        b.status = Status::Verified;
        assert!(record_changed(Some(&a), &b));
    }

    fn webhook_event(id: i64, status: &str) -> Result<Evaluation, Error> {
        let body = format!(
            r#"{{"eventName":"contact.verification.status_change","verificationId":{id},
            "domains":["ann.com"],"verification":{{"status":"{status}","verifyBy":"2026-03-11T12:00:00Z"}}}}"#
        );
        evaluate(Provider::Namecom, &body, &Context::new(now()).single_contact())
    }

    #[test]
    fn a_verified_webhook_for_this_contact_applies_at_once() {
        let prev = namecom("2026-03-12T12:00:00Z");
        let EventAction::Apply(r) = event_action(Some(&prev), webhook_event(42, "verified")) else {
            panic!("a verified event applies");
        };
        assert_eq!(r.status, Status::Verified);
        assert_eq!(Screen::for_record(&r), Screen::Verified);
        // What the webhook does not say is kept from the record shown.
        assert_eq!(r.email.as_deref(), Some("ann@example.com"));
        assert_eq!(r.verification_id.as_deref(), Some("42"));
        assert_eq!(r.domains, ["ann.com"], "the event's own domains win");
        assert!(record_changed(Some(&prev), &r));
        // Before the first answer the contact cannot be told: check instead.
        assert_eq!(event_action(None, webhook_event(43, "verified")), EventAction::Refetch);
        let empty = Evaluation { records: Vec::new(), row_errors: Vec::new(), page: None };
        assert!(matches!(event_action(None, Ok(empty)), EventAction::Ignore(_)));
    }

    #[test]
    fn other_readable_events_refetch_and_the_rest_is_ignored() {
        let prev = namecom("2026-03-12T12:00:00Z");
        assert_eq!(
            event_action(Some(&prev), webhook_event(42, "unverified")),
            EventAction::Refetch
        );
        assert_eq!(event_action(Some(&prev), webhook_event(42, "weird")), EventAction::Refetch);
        // Another verification id: not this widget's contact.
        let other = event_action(Some(&prev), webhook_event(43, "verified"));
        assert!(matches!(&other, EventAction::Ignore(why) if why.contains("43")), "{other:?}");
        // A status body for the same contact (email match) is readable too.
        let body = r#"{"unverifiedContacts":[{"verificationId":42,"verifyBy":"2026-03-12T12:00:00Z","email":"ANN@example.com","domains":["ann.com"]}]}"#;
        let ctx = Context::new(now()).single_contact();
        assert_eq!(
            event_action(Some(&prev), evaluate(Provider::Namecom, body, &ctx)),
            EventAction::Refetch
        );
        // Unreadable data never breaks anything.
        for junk in ["", "not json", "{}", "[1,2", r#"{"eventName":"domain.renewed"}"#, "null"] {
            let got = event_action(Some(&prev), evaluate(Provider::Namecom, junk, &ctx));
            assert!(matches!(got, EventAction::Ignore(_)), "{junk:?}: {got:?}");
        }
    }

    #[test]
    fn contacts_match_by_id_then_email_then_handle() {
        let a = namecom("2026-03-12T12:00:00Z");
        let mut b = a.clone();
        b.verification_id = None;
        b.email = Some(" Ann@Example.com ".into());
        assert!(same_contact(&a, &b));
        b.email = Some("bob@example.com".into());
        assert!(!same_contact(&a, &b));
        b.email = None;
        assert!(same_contact(&a, &b), "nothing to compare: the stream is the contact's own");
        b.verification_id = Some("7".into());
        assert!(!same_contact(&a, &b));
    }

    #[test]
    fn events_url_is_read_like_a_link_and_slows_the_refresh_timer() {
        let attrs = |url: &'static str| {
            move |name: &str| match name {
                "events-url" => Some(url.to_owned()),
                _ => None,
            }
        };
        let c = Config::from_attributes(attrs(" /api/namecom/events?contact=1 "));
        assert_eq!(c.events_url.as_deref(), Some("/api/namecom/events?contact=1"));
        let c = Config::from_attributes(attrs("https://panel.example/events"));
        assert_eq!(c.events_url.as_deref(), Some("https://panel.example/events"));
        for bad in ["javascript:alert(1)", "data:text/event-stream,x", "  "] {
            assert_eq!(Config::from_attributes(attrs(bad)).events_url, None, "{bad:?}");
        }
        assert_eq!(Config::from_attributes(|_| None).events_url, None);

        let refresh = TimeDelta::seconds(300);
        assert_eq!(poll_interval(refresh, false), refresh);
        assert_eq!(poll_interval(refresh, true), TimeDelta::seconds(STREAM_REFRESH_SECS));
        assert_eq!(poll_interval(TimeDelta::days(1), true), TimeDelta::days(1));
        let r = namecom("2026-03-12T12:00:00Z");
        assert_eq!(
            next_check(Some(&r), poll_interval(refresh, true), now()),
            Some(TimeDelta::seconds(STREAM_REFRESH_SECS))
        );
    }
}
