//! The rows `log export` prints of own verification (`--kind emails`,
//! `--kind verifications`), read from its tables.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::domains_of;
use crate::store::{db, stamp, Store, StoreError};

/// One row of `log export --kind emails`: one hand-over to the relay.
#[derive(Debug, Serialize)]
pub struct EmailLogRow {
    /// The send event's time (RFC 3339 UTC).
    pub timestamp: String,
    /// The domains, space-separated.
    pub domains: String,
    /// name.com's verification id.
    pub verification_id: i64,
    /// `accepted`, `refused` or `failed`.
    pub event: String,
    /// The relay's reply, or why it was not accepted.
    pub detail: String,
    /// The recipient.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The stage (`initial`, `reminder-7`, …).
    pub stage: String,
    /// `<language>/<template>`.
    pub template: String,
    /// The rendered variables, JSON (the link's secret left out).
    pub variables: String,
    /// Each domain's `expireDate` at the last domain scan
    /// (`domain=instant`, space-separated; `unknown` when never seen).
    #[serde(rename = "registrationEndsAt")]
    pub registration_ends_at: String,
    /// Each domain whose registration ended: when (expiry plus grace, or
    /// the first scan that missed it); `unknown` when not known.
    #[serde(rename = "registrationEndedAt")]
    pub registration_ended_at: String,
}

/// One row of `log export --kind verifications`.
#[derive(Debug, Serialize)]
pub struct VerificationLogRow {
    /// When name.com accepted Verify Contact (RFC 3339 UTC).
    pub timestamp: String,
    /// The domains, space-separated.
    pub domains: String,
    /// name.com's verification id.
    pub verification_id: i64,
    /// `email`.
    pub method: String,
    /// The address that confirmed.
    pub address: String,
    /// As [`EmailLogRow::registration_ends_at`].
    #[serde(rename = "registrationEndsAt")]
    pub registration_ends_at: String,
    /// As [`EmailLogRow::registration_ended_at`].
    #[serde(rename = "registrationEndedAt")]
    pub registration_ended_at: String,
}

impl Store {
    /// The email log from `since` on, oldest first.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email_log(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<EmailLogRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.at, e.domains, e.verification_id, v.event, v.detail, e.recipient,
                    e.subject, e.stage, e.template, e.variables
             FROM own_email_events v JOIN own_emails e ON e.id = v.email_id
             WHERE v.at >= $1 ORDER BY v.at, v.id",
        )
        .bind(stamp(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(EmailLogRow {
                    timestamp: r.try_get(0)?,
                    domains: domains_of(&r.try_get::<String, _>(1)?).join(" "),
                    verification_id: r.try_get(2)?,
                    event: r.try_get(3)?,
                    detail: r.try_get(4)?,
                    recipient: r.try_get(5)?,
                    subject: r.try_get(6)?,
                    // The stage as a registrar reads it: `initial`, not the
                    // store's `initial~3f2a…` (one per address; the address
                    // is `recipient`).
                    stage: r
                        .try_get::<String, _>(7)?
                        .split('~')
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    template: r.try_get(8)?,
                    variables: r.try_get(9)?,
                    registration_ends_at: String::new(),
                    registration_ended_at: String::new(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    /// The verification log from `since` on, oldest first.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_verification_log(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<VerificationLogRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT verified_at, domains, verification_id, method, address FROM own_verifications
             WHERE state = 'verified' AND verified_at >= $1 ORDER BY verified_at",
        )
        .bind(stamp(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(VerificationLogRow {
                    timestamp: r.try_get(0)?,
                    domains: domains_of(&r.try_get::<String, _>(1)?).join(" "),
                    verification_id: r.try_get(2)?,
                    method: r.try_get(3)?,
                    address: r.try_get(4)?,
                    registration_ends_at: String::new(),
                    registration_ended_at: String::new(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }
}
