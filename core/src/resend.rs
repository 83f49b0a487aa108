//! Resend policy: whether the registrant may ask for the email again, which
//! registrar operation that is, what the registrar's answer means, and how
//! many resends an account may send when.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use verification_core::resend::{LastResend, ResendPolicy, resend_state};
//! use verification_core::Status;
//!
//! let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
//! let last = LastResend::sent(now - TimeDelta::minutes(5), None);
//! let state = resend_state(Status::Pending, None, None, Some(&last), now,
//!                          &ResendPolicy::default());
//! assert!(!state.allowed);
//! assert_eq!(state.next_eligible_at, Some(now + TimeDelta::minutes(10)));
//! ```

pub use crate::context::{LastResend, ResendPolicy, DEFAULT_COOLDOWN};
use crate::record::{FailureReason, Provider, Record, ResendReason, ResendState, Status};
use crate::time::later;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// name.com: at most 1 resend per verification id per 15 minutes.
pub const NAMECOM_PER_VERIFICATION: RateLimit =
    RateLimit { max: 1, window: TimeDelta::minutes(15) };

/// name.com: at most 200 resends per reseller account per rolling hour.
pub const NAMECOM_PER_ACCOUNT: RateLimit = RateLimit { max: 200, window: TimeDelta::hours(1) };

/// How long a resend made while suspended keeps a record suspended where
/// the registrar does not say (see [`LastResend::suspended`]): Domain Name
/// API's link is valid 60 days, after which its status says `Expired`
/// (suspended) by itself; a memory older than that is not trusted.
pub const SUSPENSION_CARRY: TimeDelta = TimeDelta::days(60);

/// Whether a resend is allowed now, for a contact in this state.
///
/// - `verified`: never (nothing to send).
/// - `failed` because the email bounced: never; the address must be
///   corrected first (the widget links to `edit-contact-url`).
/// - otherwise, not before the latest of: the registrar's `nextEligibleAt`
///   (or the last send plus the policy's cooldown when the registrar gave
///   none), and the registrar's last notification plus the cooldown.
pub fn resend_state(
    status: Status,
    failure_reason: Option<FailureReason>,
    last_notification_at: Option<DateTime<Utc>>,
    last: Option<&LastResend>,
    now: DateTime<Utc>,
    policy: &ResendPolicy,
) -> ResendState {
    match (status, failure_reason) {
        (Status::Verified, _) => return ResendState::blocked(ResendReason::Verified, None),
        (Status::Failed, Some(FailureReason::Bounced)) => {
            return ResendState::blocked(ResendReason::Bounced, None)
        }
        _ => {}
    }
    let ours =
        last.map(|l| (l.next_eligible_at.unwrap_or(later(l.at, policy.cooldown)), l.throttled));
    let theirs = last_notification_at.map(|t| (later(t, policy.cooldown), false));
    match [ours, theirs].into_iter().flatten().max_by_key(|(t, _)| *t) {
        Some((until, throttled)) if until > now => {
            let reason = if throttled { ResendReason::Throttled } else { ResendReason::Cooldown };
            ResendState::blocked(reason, Some(until))
        }
        _ => ResendState::allowed(),
    }
}

/// The registrar operation a resend is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResendOperation {
    /// Domain Name API `ResendContactVerificationNotice`.
    #[serde(rename = "ResendContactVerificationNotice")]
    DnaResendNotice,
    /// name.com `POST /core/v1/contacts/verify/{verificationId}:resend`.
    #[serde(rename = "resend")]
    NamecomResend,
    /// Openprovider `POST .../emails/start`, for a verification never started.
    #[serde(rename = "start")]
    OpenproviderStart,
    /// Openprovider `POST .../emails/restart`, for one started before.
    #[serde(rename = "restart")]
    OpenproviderRestart,
}

impl ResendOperation {
    /// The name the widget sends to the pass-through as `{"operation": ...}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResendOperation::DnaResendNotice => "ResendContactVerificationNotice",
            ResendOperation::NamecomResend => "resend",
            ResendOperation::OpenproviderStart => "start",
            ResendOperation::OpenproviderRestart => "restart",
        }
    }

    /// The operation named `name` for `provider`, if that provider has it.
    pub fn parse(provider: Provider, name: &str) -> Option<Self> {
        let op = match name {
            "ResendContactVerificationNotice" => ResendOperation::DnaResendNotice,
            "resend" => ResendOperation::NamecomResend,
            "start" => ResendOperation::OpenproviderStart,
            "restart" => ResendOperation::OpenproviderRestart,
            _ => return None,
        };
        (op.provider() == provider).then_some(op)
    }

    /// The registrar this operation belongs to.
    pub fn provider(self) -> Provider {
        match self {
            ResendOperation::DnaResendNotice => Provider::Dna,
            ResendOperation::NamecomResend => Provider::Namecom,
            ResendOperation::OpenproviderStart | ResendOperation::OpenproviderRestart => {
                Provider::Openprovider
            }
        }
    }
}

/// Whom a resend addresses, in the registrar's terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "by", content = "value")]
pub enum ResendTarget {
    /// By email address (DNA `ContactEmail`, Openprovider `email`).
    Email(String),
    /// By contact handle / external id (DNA `ExternalId`, e.g. `DNA-111`).
    ExternalId(String),
    /// By name.com verification id, range-checked to the int32 the resend
    /// path takes.
    VerificationId(i32),
}

/// A resend to make: the operation and whom it addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResendPlan {
    /// The registrar operation.
    pub operation: ResendOperation,
    /// Whom it addresses.
    pub target: ResendTarget,
}

impl ResendPlan {
    /// The plan for a record, or why there is none.
    ///
    /// Openprovider: `start` for a verification never started, `restart`
    /// otherwise. name.com: `:resend` by verification id (which must fit in
    /// an int32). DNA: by email, else by external id.
    ///
    /// # Errors
    /// [`ResendReason::Verified`] / [`ResendReason::Bounced`] where a resend
    /// cannot help, [`ResendReason::AwaitingRegistrar`] for a name.com
    /// contact not listed yet, [`ResendReason::MissingContact`] when the
    /// identifier the registrar needs is absent or out of range.
    pub fn for_record(record: &Record) -> Result<ResendPlan, ResendReason> {
        let (operation, target) = resolve(record)?;
        let target = match target {
            TargetRef::Email(e) => ResendTarget::Email(e.to_owned()),
            TargetRef::ExternalId(h) => ResendTarget::ExternalId(h.to_owned()),
            TargetRef::VerificationId(id) => ResendTarget::VerificationId(id),
        };
        Ok(ResendPlan { operation, target })
    }

    /// The operation alone, without copying the target: what
    /// [`ResendPlan::for_record`] would choose.
    ///
    /// # Errors
    /// As [`ResendPlan::for_record`].
    pub fn operation_for(record: &Record) -> Result<ResendOperation, ResendReason> {
        resolve(record).map(|(operation, _)| operation)
    }
}

/// A resend target borrowed from a record.
enum TargetRef<'a> {
    Email(&'a str),
    ExternalId(&'a str),
    VerificationId(i32),
}

fn resolve(record: &Record) -> Result<(ResendOperation, TargetRef<'_>), ResendReason> {
    match (record.status, record.failure_reason) {
        (Status::Verified, _) => return Err(ResendReason::Verified),
        (Status::Failed, Some(FailureReason::Bounced)) => return Err(ResendReason::Bounced),
        _ => {}
    }
    let email = record.email.as_deref().map(TargetRef::Email);
    match record.provider {
        Provider::Dna => {
            let target = email.or_else(|| record.handle.as_deref().map(TargetRef::ExternalId));
            Ok((ResendOperation::DnaResendNotice, target.ok_or(ResendReason::MissingContact)?))
        }
        Provider::Namecom => {
            let Some(id) = &record.verification_id else {
                return Err(if record.status == Status::Unknown {
                    ResendReason::AwaitingRegistrar
                } else {
                    ResendReason::MissingContact
                });
            };
            // int64 in the list, int32 in the resend path: range-check.
            match id.parse::<i32>() {
                Ok(id) if id > 0 => {
                    Ok((ResendOperation::NamecomResend, TargetRef::VerificationId(id)))
                }
                _ => Err(ResendReason::MissingContact),
            }
        }
        Provider::Openprovider => {
            let operation = if record.status == Status::NotStarted {
                ResendOperation::OpenproviderStart
            } else {
                ResendOperation::OpenproviderRestart
            };
            Ok((operation, email.ok_or(ResendReason::MissingContact)?))
        }
    }
}

/// What a resend achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResendKind {
    /// An email went out.
    Sent,
    /// The registrar refused: too soon. See `next_eligible_at`.
    Throttled,
    /// Nothing to send: the address is verified already.
    AlreadyVerified,
    /// The registrar accepted the call but sent nothing (name.com
    /// `sent: false` with no throttle in force, Openprovider
    /// `success: false`).
    NotSent,
}

impl ResendKind {
    /// Its name in JSON: `sent`, `throttled`, `already_verified`,
    /// `not_sent`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResendKind::Sent => "sent",
            ResendKind::Throttled => "throttled",
            ResendKind::AlreadyVerified => "already_verified",
            ResendKind::NotSent => "not_sent",
        }
    }
}

/// The registrar's answer to a resend, normalized.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResendOutcome {
    /// What happened.
    pub outcome: ResendKind,
    /// When the next resend is allowed, as the registrar says or the policy
    /// implies.
    #[serde(with = "crate::time::rfc3339::option")]
    pub next_eligible_at: Option<DateTime<Utc>>,
    /// The registrar's own words, when it gave some.
    pub message: Option<String>,
}

impl ResendOutcome {
    /// What to remember about this resend for [`resend_state`], made at
    /// `now`. `None` when nothing limits the next one.
    pub fn to_last_resend(&self, now: DateTime<Utc>) -> Option<LastResend> {
        match self.outcome {
            ResendKind::Sent => Some(LastResend::sent(now, self.next_eligible_at)),
            ResendKind::Throttled => Some(LastResend {
                at: now,
                next_eligible_at: self.next_eligible_at,
                throttled: true,
                suspended: false,
            }),
            ResendKind::AlreadyVerified | ResendKind::NotSent => None,
        }
    }
}

/// A resend answer read by the registrar's adapter, with the policy's
/// cooldown where the registrar named no next time (see
/// [`crate::interpret_resend`], which reads the answer).
pub fn with_cooldown(mut outcome: ResendOutcome, ctx: &crate::context::Context) -> ResendOutcome {
    if outcome.next_eligible_at.is_none()
        && matches!(outcome.outcome, ResendKind::Sent | ResendKind::Throttled)
    {
        outcome.next_eligible_at = Some(later(ctx.now, ctx.policy.cooldown));
    }
    outcome
}

/// A limit of `max` events per rolling `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Events allowed per window.
    pub max: usize,
    /// The rolling window.
    pub window: TimeDelta,
}

impl RateLimit {
    /// When each of `count` further events may happen, earliest first, given
    /// the times of `recent` events, so that no rolling window holds more
    /// than `max`. Used to queue a bulk resend under name.com's 200 per hour.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use verification_core::resend::RateLimit;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let limit = RateLimit { max: 2, window: TimeDelta::hours(1) };
    /// let slots = limit.schedule(&[now - TimeDelta::minutes(30)], 3, now);
    /// assert_eq!(slots, vec![now, now + TimeDelta::minutes(30), now + TimeDelta::hours(1)]);
    /// ```
    pub fn schedule(
        &self,
        recent: &[DateTime<Utc>],
        count: usize,
        now: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let mut times: Vec<DateTime<Utc>> =
            recent.iter().copied().filter(|t| *t > now - self.window).collect();
        times.sort_unstable();
        let mut out = Vec::with_capacity(count);
        if self.max == 0 {
            return out;
        }
        let mut at = now;
        for _ in 0..count {
            if times.len() >= self.max {
                at = at.max(later(times[times.len() - self.max], self.window));
            }
            times.push(at);
            out.push(at);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resend_kinds_are_named_as_serialized() {
        use super::ResendKind::*;
        for k in [Sent, Throttled, AlreadyVerified, NotSent] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn last_resend_reads_back_what_it_writes() {
        use super::LastResend;
        use chrono::{TimeZone, Utc};
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        for last in [
            LastResend::sent(at, None),
            LastResend::sent(at, Some(at + chrono::TimeDelta::minutes(10))).while_suspended(true),
            LastResend { throttled: true, ..LastResend::sent(at, None) },
        ] {
            let text = serde_json::to_string(&last).unwrap();
            assert_eq!(LastResend::from_json(&text), Some(last.clone()), "{text}");
            assert_eq!(serde_json::from_str::<LastResend>(&text).ok(), Some(last));
        }
        for bad in
            ["", "[]", "{}", r#"{"at":1}"#, r#"{"at":"2026-03-01T12:00:00Z","throttled":"x"}"#]
        {
            assert_eq!(LastResend::from_json(bad), None, "{bad}");
        }
        let old = r#"{"at":"2026-03-01T12:00:00Z","nextEligibleAt":null}"#;
        assert_eq!(LastResend::from_json(old), Some(LastResend::sent(at, None)));
    }

    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn state(
        status: Status,
        reason: Option<FailureReason>,
        notified: Option<DateTime<Utc>>,
        last: Option<LastResend>,
    ) -> ResendState {
        resend_state(status, reason, notified, last.as_ref(), now(), &ResendPolicy::default())
    }

    #[test]
    fn verified_and_bounced_are_never_resent() {
        assert_eq!(state(Status::Verified, None, None, None).reason, Some(ResendReason::Verified));
        let bounced = state(Status::Failed, Some(FailureReason::Bounced), None, None);
        assert_eq!((bounced.allowed, bounced.reason), (false, Some(ResendReason::Bounced)));
        assert!(state(Status::Failed, Some(FailureReason::Expired), None, None).allowed);
    }

    #[test]
    fn registrar_time_wins_over_local_cooldown() {
        let reg = now() + TimeDelta::minutes(40);
        let s = state(Status::Pending, None, None, Some(LastResend::sent(now(), Some(reg))));
        assert_eq!(s.next_eligible_at, Some(reg));
        let throttled = LastResend { throttled: true, ..LastResend::sent(now(), Some(reg)) };
        assert_eq!(
            state(Status::Pending, None, None, Some(throttled)).reason,
            Some(ResendReason::Throttled)
        );
    }

    #[test]
    fn registrar_notification_counts_as_a_send() {
        let s = state(Status::Pending, None, Some(now() - TimeDelta::minutes(1)), None);
        assert_eq!(s.next_eligible_at, Some(now() + TimeDelta::minutes(14)));
        assert!(state(Status::Pending, None, Some(now() - TimeDelta::minutes(15)), None).allowed);
    }

    #[test]
    fn schedule_respects_window() {
        let limit = NAMECOM_PER_ACCOUNT;
        let recent: Vec<_> = (0..200).map(|i| now() - TimeDelta::seconds(3599 - i)).collect();
        let slots = limit.schedule(&recent, 2, now());
        assert_eq!(slots[0], recent[0] + TimeDelta::hours(1));
        assert_eq!(slots[1], recent[1] + TimeDelta::hours(1));
        assert!(RateLimit { max: 0, window: TimeDelta::hours(1) }
            .schedule(&[], 3, now())
            .is_empty());
    }
}
