//! What an adapter read from a payload, before the rules turn it into a
//! [`Record`]. Keeping the two apart means every adapter gets the same
//! deadline math, suspension rule and resend policy.

use crate::{
    context::Context,
    deadline::{self, Countdown},
    record::{DeadlineKind, FailureReason, Provider, Record, ResendState, Status},
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
    /// What `deadline` means; the provider's kind unless an adapter says
    /// otherwise.
    pub deadline_kind: DeadlineKind,
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
            deadline_kind: DeadlineKind::of(provider),
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
    /// window has closed. A new email sent while suspended does not lift
    /// it: where the registrar does not report suspension, the record stays
    /// suspended until verified.
    pub fn into_record(self, ctx: &Context, use_last_resend: bool) -> Record {
        let countdown = self.deadline.map(|d| Countdown::between(ctx.now, d));
        let unverified = self.status != Status::Verified;
        let lapsed = countdown.is_some_and(Countdown::is_past);
        let expired =
            self.status == Status::Failed && self.failure_reason == Some(FailureReason::Expired);
        let resent_while_suspended = use_last_resend
            && !self.provider.reports_suspension()
            && ctx
                .last_resend
                .as_ref()
                .is_some_and(|l| l.suspended && l.at > ctx.now - crate::resend::SUSPENSION_CARRY);
        let suspended = self.reported_suspended
            || (unverified && (lapsed || expired || resent_while_suspended));
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
            deadline_kind: self.deadline.map(|_| self.deadline_kind),
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
/// A running verification (`pending`) ranks above one never started: its
/// email is out, its link is the one to click, and resending it is a
/// `restart`.
pub(crate) fn severity(status: Status) -> u8 {
    match status {
        Status::Verified => 0,
        Status::Unknown => 1,
        Status::NotStarted => 2,
        Status::Pending => 3,
        Status::Failed => 4,
    }
}

impl Observation {
    /// `true` when this observation alone implies suspended domains
    /// without a clock: reported so, or the verification expired.
    fn implies_suspension(&self) -> bool {
        self.reported_suspended
            || (self.status == Status::Failed
                && self.failure_reason == Some(FailureReason::Expired))
    }

    /// Folds `other`, another row of the same contact (a registrar with one
    /// row per domain), into this observation, keeping every fact that
    /// matters to the registrant:
    ///
    /// - every domain;
    /// - the most severe status ([`severity`]);
    /// - the earliest deadline of any row not yet verified, whatever that
    ///   row's status (a verified row carries none), with its kind;
    /// - suspended if any row is, or implies it (an expired verification);
    /// - the failure reason if any row failed, a bounce first (the address
    ///   must be corrected before anything else helps);
    /// - the latest notification.
    ///
    /// So merging never yields a later deadline, or a lower urgency, than
    /// the most urgent row alone would (property-tested).
    pub(crate) fn merge(&mut self, other: Observation) {
        self.reported_suspended = self.implies_suspension() || other.implies_suspension();
        for d in other.domains {
            if !self.domains.contains(&d) {
                self.domains.push(d);
            }
        }
        self.handle = self.handle.take().or(other.handle);
        self.email = self.email.take().or(other.email);
        self.verification_id = self.verification_id.take().or(other.verification_id);
        if let Some(d) = other.deadline {
            if self.deadline.is_none_or(|mine| d < mine) {
                self.deadline = Some(d);
                self.deadline_kind = other.deadline_kind;
            }
        }
        self.failure_reason = match (self.failure_reason, other.failure_reason) {
            (Some(FailureReason::Bounced), _) | (_, Some(FailureReason::Bounced)) => {
                Some(FailureReason::Bounced)
            }
            (a, b) => a.or(b),
        };
        self.last_notification_at = self.last_notification_at.max(other.last_notification_at);
        if severity(other.status) > severity(self.status) {
            self.status = other.status;
        }
    }
}
