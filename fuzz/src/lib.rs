//! Shared plumbing for the fuzz targets: how the input bytes are split into
//! a context, an HTTP answer and a body, and the invariants every result of
//! `verification-core` must satisfy (checked with `assert!`, so a violation
//! is a crash libFuzzer records and minimises, like a panic in the core).
//!
//! Input layout of the adapter targets (see README.md):
//!
//! ```text
//! evaluate:                 [selector] body...
//! evaluate_response,
//! interpret_resend:         [selector] [status lo] [status hi] headers "\n\n" body...
//! ```
//!
//! The selector byte: bits 0-1 provider (0 dna, 1 namecom, 2 openprovider,
//! 3 all three), bits 2-3 subject mode, bits 4-6 the clock (`NOW`), bit 7
//! the zone for zone-less timestamps (UTC or +03:00).

use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use std::sync::OnceLock;
use verification_core::{
    json::{self, Kind, Value},
    resend::{LastResend, ResendPlan, ResendTarget},
    Context, DeadlineKind, Error, Evaluation, FailureReason, Provider, Record, ResendReason,
    Response, Status, Subject, Urgency,
};

/// `true` when the contract check `id` is switched off by the environment
/// (`FUZZ_ALLOW=id1,id2`, `all` for every one): for fuzzing past a
/// reported, not yet fixed contract violation. Panics of the core itself
/// cannot be switched off. The ids are listed in README.md.
pub fn allowed(id: &str) -> bool {
    allowed_list().iter().any(|a| a == id || a == "all")
}

fn allowed_list() -> &'static [String] {
    static ALLOW: OnceLock<Vec<String>> = OnceLock::new();
    ALLOW.get_or_init(|| {
        std::env::var("FUZZ_ALLOW")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// Asserts a documented contract of the core, unless `FUZZ_ALLOW` names
/// its id. The panic message starts with `[id]`.
#[macro_export]
macro_rules! contract {
    ($id:literal, $cond:expr, $($msg:tt)+) => {
        if !$crate::allowed($id) && !$cond {
            panic!("[contract {}] {}", $id, format!($($msg)+));
        }
    };
}

/// Runs a call into the core. A panic at a location `FUZZ_ALLOW` names as
/// `panic@FILE:LINE` (e.g. `panic@core/src/resend.rs:96`) gives `None`,
/// so fuzzing goes on past a reported, not yet fixed panic; any other panic
/// aborts as usual (libFuzzer records it).
pub fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: OnceLock<()> = OnceLock::new();
    thread_local! {
        static SWALLOWED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let at = info.location().map(|l| format!("panic@{}:{}", l.file(), l.line()));
            let ok = at.as_deref().is_some_and(|at| {
                allowed_list().iter().any(|a| a.starts_with("panic@") && at.ends_with(&a[6..]))
            });
            if ok {
                SWALLOWED.with(|s| s.set(true));
            } else {
                previous(info);
            }
        }));
    });
    if !allowed_list().iter().any(|a| a.starts_with("panic@")) {
        return Some(f());
    }
    SWALLOWED.with(|s| s.set(false));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(e) if SWALLOWED.with(|s| s.get()) => {
            drop(e);
            None
        }
        Err(e) => std::panic::resume_unwind(e),
    }
}

/// The clocks the selector picks from: the fixtures' "now", the resend doc's,
/// a fixture deadline exactly, one second before another, and the ends of
/// what a caller's clock can say (the clock is the caller's, not the
/// registrar's: years past 9999 are not fuzzed here).
pub const NOW: [(i32, u32, u32, u32, u32, u32); 8] = [
    (2026, 3, 1, 12, 0, 0),
    (2026, 1, 20, 21, 40, 0),
    (2026, 4, 5, 10, 0, 0),
    (2026, 3, 3, 9, 59, 59),
    (2000, 1, 1, 0, 0, 0),
    (1970, 1, 1, 0, 0, 0),
    (2100, 1, 1, 0, 0, 0),
    (2038, 1, 19, 3, 14, 8),
];

/// The email subject mode 3 asks about (it is in the name.com fixtures).
pub const SUBJECT_EMAIL: &str = "jane@example.com";

/// What the selector byte chose.
#[derive(Clone, Debug)]
pub struct Selection {
    /// The providers to run the body through.
    pub providers: Vec<Provider>,
    /// The context.
    pub ctx: Context,
    /// 0 list, 1 single contact, 2 single contact changed 5 min ago with a
    /// resend 5 min ago, 3 subject `SUBJECT_EMAIL` changed 2 h ago.
    pub subject_mode: u8,
}

/// Decodes the selector byte.
pub fn select(sel: u8) -> Selection {
    let providers = match sel & 3 {
        0 => vec![Provider::Dna],
        1 => vec![Provider::Namecom],
        2 => vec![Provider::Openprovider],
        _ => Provider::ALL.to_vec(),
    };
    let (y, mo, d, h, mi, s) = NOW[usize::from((sel >> 4) & 7)];
    let now = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
    let zone = if sel & 0x80 == 0 {
        FixedOffset::east_opt(0).unwrap()
    } else {
        FixedOffset::east_opt(3 * 3600).unwrap()
    };
    let subject_mode = (sel >> 2) & 3;
    let mut ctx = Context::new(now).zone(zone);
    match subject_mode {
        0 => {}
        1 => ctx = ctx.single_contact(),
        2 => {
            ctx = ctx
                .single_contact()
                .changed_at(Some(now - TimeDelta::minutes(5)))
                .last_resend(Some(LastResend::sent(now - TimeDelta::minutes(5), None)));
        }
        _ => {
            ctx.subject = Some(Subject { email: Some(SUBJECT_EMAIL.into()), ..Subject::default() });
            ctx = ctx.changed_at(Some(now - TimeDelta::hours(2)));
        }
    }
    Selection { providers, ctx, subject_mode }
}

/// An HTTP answer decoded from fuzz input: status, headers, body.
#[derive(Clone, Debug)]
pub struct Http<'a> {
    /// The status code (any u16).
    pub status: u16,
    /// `name: value` lines before the first blank line.
    pub headers: Vec<(&'a str, &'a str)>,
    /// The rest.
    pub body: &'a str,
}

/// Splits `[status lo] [status hi] headers "\n\n" body` (no blank line: no
/// headers, all body). `None` when too short.
pub fn http(data: &[u8]) -> Option<(Http<'_>, &str)> {
    if data.len() < 2 {
        return None;
    }
    let status = u16::from_le_bytes([data[0], data[1]]);
    let rest = std::str::from_utf8(&data[2..]).ok()?;
    let (head, body) = match rest.split_once("\n\n") {
        Some((h, b)) => (h, b),
        None => ("", rest),
    };
    let headers = head
        .split('\n')
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k, v.strip_prefix(' ').unwrap_or(v)))
        .take(16)
        .collect();
    Some((Http { status, headers, body }, rest))
}

/// `ceil(s / 86400)` clamped at 0, computed without the core's helper.
pub fn expected_days_left(seconds_left: i64) -> i64 {
    if seconds_left <= 0 {
        0
    } else {
        ((i128::from(seconds_left) + 86_399) / 86_400) as i64
    }
}

/// The urgency thresholds of DESIGN.md, computed independently.
fn clock_urgency(seconds_left: i64) -> Urgency {
    if seconds_left <= 0 {
        Urgency::Overdue
    } else if seconds_left < 2 * 86_400 {
        Urgency::Critical
    } else if seconds_left <= 7 * 86_400 {
        Urgency::Warning
    } else {
        Urgency::Info
    }
}

fn trimmed_nonempty(what: &str, s: &str) {
    assert!(!s.is_empty() && s.trim() == s, "{what} not trimmed/non-empty: {s:?}");
}

/// Every invariant of one record (see `Record`'s doc and lib.rs "Rules every
/// adapter follows").
pub fn check_record(provider: Provider, r: &Record, sel: &Selection) {
    let ctx = &sel.ctx;
    assert_eq!(r.provider, provider, "record of another provider");
    // seconds_left, days_left are Some exactly when deadline is.
    assert_eq!(r.seconds_left.is_some(), r.deadline.is_some(), "seconds_left vs deadline");
    assert_eq!(r.days_left.is_some(), r.deadline.is_some(), "days_left vs deadline");
    if let Some(deadline) = r.deadline {
        let s = r.seconds_left.unwrap();
        assert_eq!(s, (deadline - ctx.now).num_seconds(), "seconds_left != deadline - now");
        let days = r.days_left.unwrap();
        assert!(days >= 0, "days_left < 0: {days}");
        assert_eq!(days, expected_days_left(s), "days_left != ceil(seconds_left / 86400)");
    }
    // deadline_kind is Some exactly when deadline is, and names what the
    // provider's date is: DNA's is the link's validity, never a suspension.
    let kind = match provider {
        Provider::Dna => DeadlineKind::LinkExpiry,
        Provider::Namecom | Provider::Openprovider => DeadlineKind::Suspension,
    };
    assert_eq!(r.deadline_kind, r.deadline.map(|_| kind), "deadline_kind vs deadline");
    // urgency none exactly when verified.
    assert_eq!(
        r.urgency == Urgency::None,
        r.status == Status::Verified,
        "urgency none iff verified"
    );
    if r.status == Status::Verified {
        assert!(r.deadline.is_none(), "verified with a deadline");
        assert!(r.failure_reason.is_none());
        assert_eq!(
            r.resend.reason,
            Some(ResendReason::Verified),
            "verified but resend {:?}",
            r.resend
        );
    } else {
        // Past the deadline and not verified: overdue and suspended.
        if r.seconds_left.is_some_and(|s| s <= 0) {
            assert!(r.suspended, "deadline passed unverified but not suspended");
            assert_eq!(r.urgency, Urgency::Overdue, "deadline passed unverified but not overdue");
        }
        if r.suspended {
            assert_eq!(r.urgency, Urgency::Overdue, "suspended but not overdue");
        }
        let by_clock = r.seconds_left.map_or(Urgency::Info, clock_urgency);
        let want = match (r.status, r.failure_reason, r.suspended) {
            (_, _, true) => Urgency::Overdue,
            (Status::Failed, Some(FailureReason::Expired), _) => Urgency::Overdue,
            (Status::Failed, _, _) => by_clock.max(Urgency::Critical),
            _ => by_clock,
        };
        assert_eq!(r.urgency, want, "urgency does not follow the thresholds");
    }
    if r.failure_reason.is_some() {
        assert_eq!(r.status, Status::Failed, "failure reason without failed status");
    }
    if r.status == Status::Failed && r.failure_reason == Some(FailureReason::Expired) {
        assert!(r.suspended, "expired verification not suspended");
    }
    // Resend state.
    let rs = &r.resend;
    if rs.allowed {
        assert!(rs.reason.is_none() && rs.next_eligible_at.is_none(), "allowed with {rs:?}");
    } else {
        let reason = rs.reason.expect("blocked without a reason");
        match reason {
            ResendReason::Cooldown | ResendReason::Throttled => {
                let until = rs.next_eligible_at.expect("cooldown without a time");
                assert!(until > ctx.now, "cooldown ends in the past: {until} <= {}", ctx.now);
            }
            _ => assert!(rs.next_eligible_at.is_none(), "{reason:?} with a time"),
        }
        if reason == ResendReason::Throttled {
            assert!(
                ctx.last_resend.as_ref().is_some_and(|l| l.throttled),
                "throttled from nowhere"
            );
        }
    }
    if r.status == Status::Failed && r.failure_reason == Some(FailureReason::Bounced) {
        assert_eq!(rs.reason, Some(ResendReason::Bounced));
    }
    match ResendPlan::for_record(r) {
        Err(reason) => {
            assert!(!rs.allowed, "no resend plan ({reason:?}) but resend allowed");
            assert_eq!(rs.reason, Some(reason), "plan refusal differs from resend reason");
        }
        Ok(plan) => {
            assert_eq!(plan.operation.provider(), provider, "plan for another registrar");
            assert_eq!(ResendPlan::operation_for(r), Ok(plan.operation));
            match &plan.target {
                ResendTarget::Email(e) => assert_eq!(Some(e), r.email.as_ref()),
                ResendTarget::ExternalId(h) => {
                    assert!(r.email.is_none());
                    assert_eq!(Some(h), r.handle.as_ref());
                }
                ResendTarget::VerificationId(id) => {
                    assert!(*id > 0);
                    assert_eq!(
                        r.verification_id.as_deref().and_then(|v| v.parse().ok()),
                        Some(*id)
                    );
                }
            }
        }
    }
    // recheck_at: only name.com's unproven absence, on an unknown record.
    if let Some(at) = r.recheck_at {
        assert_eq!(r.status, Status::Unknown, "recheck_at on a known status");
        assert_eq!(provider, Provider::Namecom);
        assert!(at > ctx.now, "recheck_at in the past");
    }
    // Identifiers and domains are trimmed and non-empty.
    for (what, v) in
        [("email", &r.email), ("handle", &r.handle), ("verification_id", &r.verification_id)]
    {
        if let Some(v) = v {
            trimmed_nonempty(what, v);
        }
    }
    for d in &r.domains {
        trimmed_nonempty("domain", d);
    }
    // The subject filter.
    if let Some(subject) = &ctx.subject {
        assert!(
            subject.matches(r.email.as_deref(), r.verification_id.as_deref(), r.handle.as_deref()),
            "record of another contact kept: {r:?}"
        );
    }
    // The JSON form round-trips (Record is Deserialize for the JS side).
    let json = serde_json::to_string(r).expect("record serialises");
    match serde_json::from_str::<Record>(&json) {
        Ok(back) => assert_eq!(&back, r, "record JSON round trip changed it"),
        Err(e) => {
            contract!("json-round-trip", false, "record JSON does not read back ({e}): {json}")
        }
    }
}

/// A number as the core reads one leniently: an integer, an integral
/// float, or either in a string.
fn number(v: &Value<'_>) -> Option<f64> {
    match &v.kind {
        Kind::U64(n) => Some(*n as f64),
        Kind::I64(n) => Some(*n as f64),
        Kind::F64(n) => Some(*n),
        Kind::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `true` when the body says "verified" somewhere, in any spelling the
/// adapters match (case, spaces, underscores and JSON escapes aside):
/// `verified`, `validated`, or the customer-level `ACT`.
fn says_verified(body: &str) -> bool {
    fn key(s: &str) -> String {
        s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
    }
    // Read as the core reads it (it lets through values serde_json's
    // `Value` refuses: a number beyond f64, a lone surrogate), each key
    // once as a map holds it.
    fn walk(v: &Value<'_>, found: &mut bool) {
        match &v.kind {
            Kind::Str(s) => {
                let k = key(s);
                *found |= k.contains("verified") || k.contains("validated") || k == "act";
            }
            Kind::Array(a) => a.iter().for_each(|v| walk(v, found)),
            Kind::Object(m) => json::sorted(m).into_iter().for_each(|(_, v)| walk(v, found)),
            _ => {}
        }
    }
    let mut found = false;
    match json::parse(body) {
        Ok(v) => walk(&v, &mut found),
        Err(_) => found = key(body).contains("verified") || key(body).contains("validated"),
    }
    found
}

/// `true` unless the body clearly is not name.com's whole list: a bare
/// array, no `unverifiedContacts` list, or a page with more to come
/// (`nextPage` > 0 or `to < totalCount`, and not `to >= totalCount`).
fn may_be_whole_namecom_list(body: &str) -> bool {
    let Ok(page) = json::parse(body) else {
        return false;
    };
    if page.get("unverifiedContacts").and_then(Value::items).is_none() {
        return false;
    }
    let to = page.get("to").and_then(number);
    let total = page.get("totalCount").and_then(number);
    if matches!((to, total), (Some(to), Some(total)) if to >= total) {
        return true;
    }
    let more_counted = matches!((to, total), (Some(to), Some(total)) if to < total);
    let next = page.get("nextPage").and_then(number).is_some_and(|n| n >= 1.0);
    !(more_counted || next)
}

/// Every invariant of an evaluation of `body`.
pub fn check_evaluation(provider: Provider, e: &Evaluation, sel: &Selection, body: &str) {
    for r in &e.records {
        check_record(provider, r, sel);
        // No record is verified unless the input said so, or name.com's
        // documented absence rule applies: one contact asked about, absent
        // from the list's last page, outside the propagation window.
        if r.status == Status::Verified && !says_verified(body) {
            let ctx = &sel.ctx;
            let settled = ctx.changed_at.is_none_or(|c| ctx.now >= c + TimeDelta::minutes(10));
            contract!(
                "verified-unsaid",
                provider == Provider::Namecom
                    && ctx.subject.is_some()
                    && settled
                    && may_be_whole_namecom_list(body),
                "{provider}: verified, but the input says nothing of it: {r:?}"
            );
        }
    }
    // Rows, and none readable: that is an error, never an empty list. (With
    // a subject, the readable rows may all be other contacts'.)
    contract!(
        "nothing-readable",
        sel.ctx.subject.is_some() || !(e.records.is_empty() && !e.row_errors.is_empty()),
        "{provider}: only unreadable rows read as an evaluation: {:?}",
        e.row_errors
    );
    serde_json::to_string(e).expect("evaluation serialises");
    // Row errors come in row order, each once, with a message.
    for w in e.row_errors.windows(2) {
        assert!(w[0].index < w[1].index, "row errors out of order: {:?}", e.row_errors);
    }
    for re in &e.row_errors {
        assert!(!re.message.is_empty(), "row error without a message");
    }
    // Openprovider groups rows by email (ignoring case).
    if provider == Provider::Openprovider {
        let mut emails: Vec<String> =
            e.records.iter().filter_map(|r| r.email.as_ref()).map(|m| m.to_lowercase()).collect();
        let n = emails.len();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), n, "Openprovider rows of one email not grouped");
    }
    if let Some(page) = &e.page {
        if let Some(verification_core::NextPage::Page(n)) = page.next {
            assert!(n > 0, "next page 0");
        }
    }
    // Single-contact mode: at most what the subject could be.
    if sel.subject_mode != 0 && provider != Provider::Openprovider {
        // name.com / DNA give one record per contact; a list may still hold
        // several rows that match an empty subject, so only check non-empty.
        let _ = e.records.len();
    }
    let mut sorted = e.records.clone();
    sorted.sort_by(verification_core::by_urgency);
}

/// Every invariant of an error from an adapter.
pub fn check_error(provider: Provider, err: &Error, resp: &Response<'_>) {
    assert_eq!(err.provider(), provider, "error of another provider");
    assert!(!err.to_string().is_empty());
    serde_json::to_string(err).expect("error serialises");
    match err {
        // lib.rs: Error::Http is "an error status with a body that is not
        // the registrar's JSON"; a success status gets InvalidJson.
        Error::Http { status, .. } => {
            assert_eq!(*status, resp.status, "Http error with another status");
            contract!(
                "http-on-success",
                !resp.is_success(),
                "Error::Http for a success status {} (lib.rs: a success status with a body \
                 that is not JSON is Error::InvalidJson)",
                resp.status
            );
        }
        Error::Registrar { status, message, .. } => {
            assert_eq!(*status, Some(resp.status), "Registrar error with another status");
            assert!(!message.is_empty(), "registrar error without a message");
        }
        Error::InvalidJson { line, column, .. } => {
            assert!(*line >= 1 && *column <= resp.body.len() + 1, "bad position {line}:{column}");
        }
        _ => {}
    }
}

/// An instant within a day of chrono's range ends (where a zone shift may
/// legitimately leave the range).
pub fn near_range_end(t: DateTime<Utc>) -> bool {
    t < DateTime::<Utc>::MIN_UTC + TimeDelta::days(2)
        || t > DateTime::<Utc>::MAX_UTC - TimeDelta::days(2)
}
