//! The normalized record: one shape for every registrar.
//!
//! Field names, enum spellings and the camelCase JSON form are a stable
//! contract (see `DESIGN.md`, "The normalized record"): it is what
//! `evaluate()` returns in JavaScript, what the `evaluate` example prints and
//! what the widget's events carry in `detail`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A registrar whose verification API this crate understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Domain Name API (`ContactApi.svc`: `GetDetails`,
    /// `ResendContactVerificationNotice`).
    Dna,
    /// name.com Core API v1 (`/core/v1/contacts/unverified`, `:resend`, the
    /// `contact.verification.status_change` webhook).
    Namecom,
    /// Openprovider REST API v1beta
    /// (`/customers/verifications/emails/...`).
    Openprovider,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 3] = [Provider::Dna, Provider::Namecom, Provider::Openprovider];

    /// The identifier used in JSON, attributes and URLs: `dna`, `namecom`,
    /// `openprovider`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Dna => "dna",
            Provider::Namecom => "namecom",
            Provider::Openprovider => "openprovider",
        }
    }

    /// `true` when the registrar's status answer says whether the domains
    /// are suspended (Openprovider's `is_suspended`). The others leave it
    /// to be inferred from the deadline and the status, and a new email
    /// after an expired verification looks like a fresh start there
    /// although the domains stay suspended until the registrant verifies.
    pub fn reports_suspension(self) -> bool {
        matches!(self, Provider::Openprovider)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no known provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProvider(pub String);

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown provider `{}` (expected `dna`, `namecom` or `openprovider`)", self.0)
    }
}

impl std::error::Error for UnknownProvider {}

impl FromStr for Provider {
    type Err = UnknownProvider;

    /// Parses a provider name, ignoring case, dots, dashes and spaces, so
    /// `name.com`, `NameCom` and `domain-name-api` are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        match key.as_str() {
            "dna" | "domainnameapi" => Ok(Provider::Dna),
            "namecom" => Ok(Provider::Namecom),
            "openprovider" | "op" => Ok(Provider::Openprovider),
            _ => Err(UnknownProvider(s.to_owned())),
        }
    }
}

/// Where the registrant's email verification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The registrar has not started a verification (no email sent yet).
    NotStarted,
    /// A verification email went out and the registrant has not confirmed.
    Pending,
    /// The email address is verified; nothing to do.
    Verified,
    /// The verification failed; see [`FailureReason`].
    Failed,
    /// The registrar's answer does not say (a value outside its documented
    /// set, or name.com's propagation window).
    Unknown,
}

impl Status {
    /// The JSON spelling (`not_started`, `pending`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
        }
    }
}

/// Why a verification failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureReason {
    /// The verification window or key lapsed without a confirmation.
    Expired,
    /// The verification email could not be delivered: the address must be
    /// corrected before a resend can help.
    Bounced,
}

/// How urgently the registrant must act, from least to most urgent.
///
/// The thresholds are in [`crate::deadline`]: `warning` at 7 days or less,
/// `critical` under 48 hours, `overdue` once the deadline has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Verified, or nothing the registrant can or must do.
    None,
    /// Action needed, no deadline close.
    Info,
    /// 7 days or less left.
    Warning,
    /// Less than 48 hours left.
    Critical,
    /// The deadline has passed and the email is not verified.
    Overdue,
}

/// What a record's `deadline` is: the registrars' dates mean different
/// things, and a registrant must never be told a date is a suspension date
/// when the registrar did not say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeadlineKind {
    /// The registrar's date after which the domains are suspended or locked
    /// if the email is not verified (name.com `verifyBy`, Openprovider
    /// `expiration_date`).
    Suspension,
    /// When the verification link stops working (Domain Name API's 60-day
    /// key). ICANN's 15 days from the email may end sooner: the domains can
    /// be suspended before this date.
    LinkExpiry,
    /// Derived by a documented rule where a registrar gives only a start
    /// (e.g. a registration date plus ICANN's 15 days); none of the three
    /// registrars read today needs it.
    Estimated,
}

impl DeadlineKind {
    /// What a provider's own deadline field is: DNA's `ExpirationDate` is
    /// the 60-day key's validity (seed 000); name.com's `verifyBy` and
    /// Openprovider's `expiration_date` are when the domains get suspended
    /// or locked.
    pub fn of(provider: Provider) -> DeadlineKind {
        match provider {
            Provider::Dna => DeadlineKind::LinkExpiry,
            Provider::Namecom | Provider::Openprovider => DeadlineKind::Suspension,
        }
    }

    /// The JSON spelling (`suspension`, `linkExpiry`, `estimated`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::Suspension => "suspension",
            DeadlineKind::LinkExpiry => "linkExpiry",
            DeadlineKind::Estimated => "estimated",
        }
    }
}

/// Why a resend is not possible right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResendReason {
    /// The address is verified: there is nothing to send.
    Verified,
    /// The last email bounced: the registrant must correct the address first.
    Bounced,
    /// A verification email went out recently; wait for the cooldown.
    Cooldown,
    /// The registrar refused the last resend as too frequent.
    Throttled,
    /// The registrar does not list this contact yet (name.com's propagation
    /// window); check again first.
    AwaitingRegistrar,
    /// The payload lacks what the registrar needs to address a resend (an
    /// email, a handle, or a verification id in range).
    MissingContact,
}

impl ResendReason {
    /// The JSON spelling (`cooldown`, `bounced`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ResendReason::Verified => "verified",
            ResendReason::Bounced => "bounced",
            ResendReason::Cooldown => "cooldown",
            ResendReason::Throttled => "throttled",
            ResendReason::AwaitingRegistrar => "awaiting_registrar",
            ResendReason::MissingContact => "missing_contact",
        }
    }
}

/// Whether the registrant may ask for the verification email again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResendState {
    /// `true` when pressing "resend" now can help.
    pub allowed: bool,
    /// When a resend becomes possible again, if a cooldown or throttle
    /// applies.
    #[serde(with = "crate::time::rfc3339::option")]
    pub next_eligible_at: Option<DateTime<Utc>>,
    /// Why a resend is not allowed (or, rarely, why it is delayed).
    pub reason: Option<ResendReason>,
}

impl ResendState {
    /// A resend is allowed now.
    pub fn allowed() -> Self {
        ResendState { allowed: true, next_eligible_at: None, reason: None }
    }

    /// A resend is not allowed, for `reason`, possibly until `until`.
    pub fn blocked(reason: ResendReason, until: Option<DateTime<Utc>>) -> Self {
        ResendState { allowed: false, next_eligible_at: until, reason: Some(reason) }
    }
}

/// One contact's verification, normalized.
///
/// Invariants every constructor in this crate upholds:
/// - `seconds_left`, `days_left` are `Some` exactly when `deadline` is;
///   `days_left = ceil(seconds_left / 86400)` and never below 0;
/// - `deadline_kind` is `Some` exactly when `deadline` is;
/// - `urgency` is `none` exactly when `status` is `verified`;
/// - `suspended` is `true` when the deadline passed unverified (every
///   supported registrar suspends or locks then), even if the payload said
///   nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// Which registrar's payload this came from.
    pub provider: Provider,
    /// The address being verified.
    pub email: Option<String>,
    /// The registrar's contact handle or external id (`DNA-111`,
    /// `XX123456-XX`).
    pub handle: Option<String>,
    /// The registrar's verification record id (name.com), as a string.
    pub verification_id: Option<String>,
    /// Domains that depend on this verification (may be empty).
    pub domains: Vec<String>,
    /// Where the verification stands.
    pub status: Status,
    /// Why it failed, when `status` is `failed` and the registrar says.
    pub failure_reason: Option<FailureReason>,
    /// The domains are suspended or locked (reported, or implied by the
    /// registrar's documented rule once the deadline passed).
    pub suspended: bool,
    /// The registrar's date; what it means is [`Record::deadline_kind`].
    #[serde(with = "crate::time::rfc3339::option")]
    pub deadline: Option<DateTime<Utc>>,
    /// What `deadline` is: the suspension date, the link's expiry, or an
    /// estimate; `None` without a deadline.
    pub deadline_kind: Option<DeadlineKind>,
    /// `deadline - now` in whole seconds; negative once past.
    pub seconds_left: Option<i64>,
    /// `ceil(seconds_left / 86400)`, never below 0.
    pub days_left: Option<i64>,
    /// How urgently the registrant must act.
    pub urgency: Urgency,
    /// When the last verification email went out, if known.
    #[serde(with = "crate::time::rfc3339::option")]
    pub last_notification_at: Option<DateTime<Utc>>,
    /// Whether a resend is possible now.
    pub resend: ResendState,
    /// For `unknown` records in name.com's propagation window: when to ask
    /// the registrar again. An addition to the DESIGN.md table; `null`
    /// otherwise.
    #[serde(with = "crate::time::rfc3339::option")]
    pub recheck_at: Option<DateTime<Utc>>,
}
