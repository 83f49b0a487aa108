//! What an adapter read from a payload, before the rules turn it into a
//! [`Record`]. Keeping the two apart means every adapter gets the same
//! deadline math, suspension rule and resend policy.

use crate::{
    context::Context,
    deadline::{self, Countdown},
    record::{FailureReason, Provider, Record, ResendState, Status},
    resend::{resend_state, ResendPlan},
};
use chrono::{DateTime, Utc};

/// A contact's verification as one payload describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Observation {
    pub provider: Provider,
    pub email: Option<String>,
    pub handle: Option<String>,
    pub verification_id: Option<String>,
    pub domains: Vec<String>,
    pub status: Status,
    pub failure_reason: Option<FailureReason>,
    /// What the payload itself says about suspension.
    pub reported_suspended: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub last_notification_at: Option<DateTime<Utc>>,
    pub recheck_at: Option<DateTime<Utc>>,
}

impl Observation {
    pub fn new(provider: Provider, status: Status) -> Self {
        Observation {
            provider,
            email: None,
            handle: None,
            verification_id: None,
            domains: Vec::new(),
            status,
            failure_reason: None,
            reported_suspended: false,
            deadline: None,
            last_notification_at: None,
            recheck_at: None,
        }
    }

    /// Applies the rules: countdown, suspension, urgency, resend.
    ///
    /// Suspension: every supported registrar suspends or locks the domains
    /// once the deadline passes unverified (ICANN's 15-day rule as each
    /// applies it; name.com's verification lock; Openprovider marks the
    /// email failed and suspends), and an expired verification means that
    /// window has closed.
    pub fn into_record(self, ctx: &Context, use_last_resend: bool) -> Record {
        let countdown = self.deadline.map(|d| Countdown::between(ctx.now, d));
        let unverified = self.status != Status::Verified;
        let lapsed = countdown.is_some_and(Countdown::is_past);
        let expired =
            self.status == Status::Failed && self.failure_reason == Some(FailureReason::Expired);
        let suspended = self.reported_suspended || (unverified && (lapsed || expired));
        let urgency = deadline::urgency(self.status, self.failure_reason, suspended, countdown);
        let mut record = Record {
            provider: self.provider,
            email: self.email,
            handle: self.handle,
            verification_id: self.verification_id,
            domains: self.domains,
            status: self.status,
            failure_reason: self.failure_reason,
            suspended,
            deadline: self.deadline,
            seconds_left: countdown.map(|c| c.seconds_left),
            days_left: countdown.map(|c| c.days_left),
            urgency,
            last_notification_at: self.last_notification_at,
            resend: ResendState::allowed(),
            recheck_at: self.recheck_at,
        };
        record.resend = match ResendPlan::operation_for(&record) {
            Err(reason) => ResendState::blocked(reason, None),
            Ok(_) => resend_state(
                record.status,
                record.failure_reason,
                record.last_notification_at,
                ctx.last_resend.as_ref().filter(|_| use_last_resend),
                ctx.now,
                &ctx.policy,
            ),
        };
        record
    }
}

/// How severe a status is when rows of one contact disagree: the most
/// severe wins, so a registrant is never told "fine" while one domain is not.
pub(crate) fn severity(status: Status) -> u8 {
    match status {
        Status::Verified => 0,
        Status::Unknown => 1,
        Status::Pending => 2,
        Status::NotStarted => 3,
        Status::Failed => 4,
    }
}
