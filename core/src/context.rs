//! What an evaluation needs besides the payload: the clock, the zone for
//! zone-less timestamps, whom the caller asked about, and the last resend.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// name.com fills its unverified list by a job that runs about every 10
/// minutes: a contact missing from the list within this long of a change may
/// simply not be there yet.
pub const PROPAGATION_WINDOW: TimeDelta = TimeDelta::minutes(10);

/// The inputs of an evaluation other than the payload.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use verification_core::Context;
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let ctx = Context::new(now).single_contact();
/// assert!(ctx.subject.is_some());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// The current time; every countdown is measured from it.
    pub now: DateTime<Utc>,
    /// The zone of timestamps that carry no offset. UTC by default: no
    /// registrar documents one.
    pub zone: FixedOffset,
    /// When the registrant's contact last changed (registration, transfer,
    /// email/name/organisation change), if the caller knows.
    pub changed_at: Option<DateTime<Utc>>,
    /// The one contact the caller asks about; `None` to evaluate every row
    /// of a list (reseller view).
    pub subject: Option<Subject>,
    /// The last resend of this contact, as the caller remembers it.
    pub last_resend: Option<LastResend>,
    /// Cooldowns applied where the registrar gives none.
    pub policy: ResendPolicy,
}

impl Context {
    /// A context at `now`, in UTC, for a whole list, with the default
    /// resend policy.
    pub fn new(now: DateTime<Utc>) -> Self {
        Context {
            now,
            zone: FixedOffset::east_opt(0).expect("0 is a valid offset"),
            changed_at: None,
            subject: None,
            last_resend: None,
            policy: ResendPolicy::default(),
        }
    }

    /// Asks about the one contact the backend scoped the payload to (the
    /// widget's case). An empty name.com list then means "verified", or
    /// "unknown" inside the propagation window after `changed_at`.
    pub fn single_contact(mut self) -> Self {
        self.subject = Some(Subject::default());
        self
    }

    /// Sets the contact's last change time.
    pub fn changed_at(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.changed_at = at;
        self
    }

    /// Sets the zone for zone-less timestamps.
    pub fn zone(mut self, zone: FixedOffset) -> Self {
        self.zone = zone;
        self
    }

    /// Sets the last resend.
    pub fn last_resend(mut self, last: Option<LastResend>) -> Self {
        self.last_resend = last;
        self
    }
}

/// The contact a caller asks about. Empty fields match anything, so
/// `Subject::default()` means "whatever contact the backend returned".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// The contact's email (compared ignoring case).
    pub email: Option<String>,
    /// The registrar's verification id (name.com).
    pub verification_id: Option<String>,
    /// The contact handle / external id.
    pub handle: Option<String>,
}

impl Subject {
    /// `true` when a record with these identifiers is this subject.
    pub fn matches(
        &self,
        email: Option<&str>,
        verification_id: Option<&str>,
        handle: Option<&str>,
    ) -> bool {
        let same = |want: &Option<String>, got: Option<&str>, fold: bool| match (want, got) {
            (None, _) => true,
            (Some(w), Some(g)) => {
                if fold {
                    w.trim().eq_ignore_ascii_case(g.trim())
                } else {
                    w.trim() == g.trim()
                }
            }
            (Some(_), None) => false,
        };
        same(&self.email, email, true)
            && same(&self.verification_id, verification_id, false)
            && same(&self.handle, handle, true)
    }
}

/// An HTTP answer as the caller received it: the pass-through returns the
/// registrar's status and body unchanged, so both matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as text.
    pub body: &'a str,
    /// The headers the adapters read: `x-ratelimit-reset`, `retry-after`.
    /// Names are compared ignoring case.
    pub headers: &'a [(&'a str, &'a str)],
}

impl<'a> Response<'a> {
    /// A `200 OK` with this body and no headers.
    pub fn ok(body: &'a str) -> Self {
        Response { status: 200, body, headers: &[] }
    }

    /// An answer with this status and body and no headers.
    pub fn new(status: u16, body: &'a str) -> Self {
        Response { status, body, headers: &[] }
    }

    /// The same answer with these headers.
    pub fn with_headers(self, headers: &'a [(&'a str, &'a str)]) -> Self {
        Response { headers, ..self }
    }

    /// The first header named `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    /// `true` for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// When to retry, from `x-ratelimit-reset` (epoch seconds, possibly a
    /// float) or `Retry-After` (seconds or an HTTP date... seconds only here).
    pub fn retry_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let Some(reset) =
            self.header("x-ratelimit-reset").and_then(|v| crate::num::parse_decimal(v.trim()))
        {
            if let Ok(Some(t)) = crate::time::from_epoch(reset) {
                return Some(t);
            }
        }
        let secs = self.header("retry-after")?.trim().parse::<i64>().ok()?;
        now.checked_add_signed(TimeDelta::try_seconds(secs.clamp(0, 86_400 * 365))?)
    }
}

/// The cooldown applied when the registrar gives no `nextEligibleAt`.
pub const DEFAULT_COOLDOWN: TimeDelta = TimeDelta::minutes(15);

/// How the widget limits resends where the registrar does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResendPolicy {
    /// Time after a send before the next one is allowed, unless the
    /// registrar said otherwise.
    pub cooldown: TimeDelta,
}

impl Default for ResendPolicy {
    fn default() -> Self {
        ResendPolicy { cooldown: DEFAULT_COOLDOWN }
    }
}

/// The last resend the caller made (or tried), as it remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastResend {
    /// When it was made.
    #[serde(with = "crate::time::rfc3339")]
    pub at: DateTime<Utc>,
    /// When the registrar said the next is allowed, if it did.
    #[serde(with = "crate::time::rfc3339::option")]
    pub next_eligible_at: Option<DateTime<Utc>>,
    /// `true` when the registrar refused it as too frequent.
    #[serde(default)]
    pub throttled: bool,
    /// `true` when the contact's domains were suspended when it was made.
    /// A new email does not lift a suspension (only verifying does), so a
    /// registrar that does not say whether domains are suspended (Domain
    /// Name API's fresh 60-day link after an expired one) is read as
    /// still suspended until it says verified; see
    /// [`crate::Provider::reports_suspension`].
    #[serde(default)]
    pub suspended: bool,
}

impl LastResend {
    /// A resend that went out at `at`.
    pub fn sent(at: DateTime<Utc>, next_eligible_at: Option<DateTime<Utc>>) -> Self {
        LastResend { at, next_eligible_at, throttled: false, suspended: false }
    }

    /// The same resend, made while the domains were (or were not)
    /// suspended.
    pub fn while_suspended(self, suspended: bool) -> Self {
        LastResend { suspended, ..self }
    }

    /// Reads the JSON its `Serialize` writes (as the widget keeps it in
    /// `localStorage`) with the core's JSON reader; `None` for anything
    /// else.
    pub fn from_json(text: &str) -> Option<LastResend> {
        use crate::json::{parse, Kind, Value};
        let time = |v: &Value<'_>| crate::time::rfc3339::parse_utc(v.str()?);
        let value = parse(text).ok()?;
        value.entries()?;
        let flag = |key| match value.get(key).map(|v| &v.kind) {
            None | Some(Kind::Null) => Some(false),
            Some(Kind::Bool(b)) => Some(*b),
            Some(_) => None,
        };
        let next_eligible_at = match value.get("nextEligibleAt") {
            None => None,
            Some(v) if v.is_null() => None,
            Some(v) => Some(time(v)?),
        };
        Some(LastResend {
            at: time(value.get("at")?)?,
            next_eligible_at,
            throttled: flag("throttled")?,
            suspended: flag("suspended")?,
        })
    }
}
