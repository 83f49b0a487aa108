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

mod actions;
mod screen;
pub use actions::*;
pub use screen::*;

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
