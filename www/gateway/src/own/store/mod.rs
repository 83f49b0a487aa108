//! The own-verification tables (`migrations/*/0004_own_verification.sql`,
//! `0006_own_domains.sql`).

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::store::{db, parse_stamp, stamp, Store, StoreError};

mod domains;
mod log;

pub use domains::{DomainRow, LoggedTable};
pub use log::{EmailLogRow, VerificationLogRow};

/// An email about to be recorded.
#[derive(Debug)]
pub struct NewEmail<'a> {
    /// name.com's verification id.
    pub verification_id: i64,
    /// `initial`, `reminder-7`, `suspension`, `resend-<key>`.
    pub stage: &'a str,
    /// `<language>/<template>`.
    pub template: &'a str,
    /// The registrant's address.
    pub recipient: &'a str,
    /// The domains at stake.
    pub domains: &'a [String],
    /// Until when its link verifies.
    pub link_expires_at: DateTime<Utc>,
}

/// A recorded email.
#[derive(Clone, Debug)]
pub struct EmailRow {
    /// Its id (also in its link).
    pub id: i64,
    /// name.com's verification id.
    pub verification_id: i64,
    /// Its stage.
    pub stage: String,
    /// `<language>/<template>`.
    pub template: String,
    /// The registrant's address.
    pub recipient: String,
    /// The domains at stake.
    pub domains: Vec<String>,
    /// Until when its link verifies.
    pub link_expires_at: DateTime<Utc>,
    /// `sending`, `accepted`, `retry`, `failed`.
    pub state: String,
    /// Hand-overs tried.
    pub attempts: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// A verification confirmed (or being confirmed) through a link.
#[derive(Clone, Debug)]
pub struct VerificationRow {
    /// name.com's verification id.
    pub verification_id: i64,
    /// The email whose link was confirmed.
    pub email_id: i64,
    /// The address verified.
    pub address: String,
    /// The domains at stake.
    pub domains: Vec<String>,
    /// The `X-Idempotency-Key` of Verify Contact.
    pub idempotency_key: String,
    /// `confirming`, `verified`, `failed`.
    pub state: String,
    /// Calls made.
    pub attempts: i64,
    /// Why it failed, or the last transient error.
    pub detail: Option<String>,
}

/// The outcome of claiming a verification.
#[derive(Debug)]
pub enum VerifyClaim {
    /// This request confirms it.
    New,
    /// Another request did or is doing it.
    Existing(VerificationRow),
}

fn domains_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn time(r: &AnyRow, i: usize) -> Result<DateTime<Utc>, sqlx::Error> {
    let t: String = r.try_get(i)?;
    parse_stamp(&t).ok_or_else(|| sqlx::Error::Decode(format!("bad time `{t}`").into()))
}

const EMAIL_COLUMNS: &str = "id, verification_id, stage, template, recipient, domains, \
                             link_expires_at, state, attempts, created_at";

fn email_row(r: &AnyRow) -> Result<EmailRow, sqlx::Error> {
    Ok(EmailRow {
        id: r.try_get(0)?,
        verification_id: r.try_get(1)?,
        stage: r.try_get(2)?,
        template: r.try_get(3)?,
        recipient: r.try_get(4)?,
        domains: domains_of(&r.try_get::<String, _>(5)?),
        link_expires_at: time(r, 6)?,
        state: r.try_get(7)?,
        attempts: r.try_get(8)?,
        created_at: time(r, 9)?,
    })
}

const VERIFICATION_COLUMNS: &str =
    "verification_id, email_id, address, domains, idempotency_key, state, attempts, detail";

fn verification_row(r: &AnyRow) -> Result<VerificationRow, sqlx::Error> {
    Ok(VerificationRow {
        verification_id: r.try_get(0)?,
        email_id: r.try_get(1)?,
        address: r.try_get(2)?,
        domains: domains_of(&r.try_get::<String, _>(3)?),
        idempotency_key: r.try_get(4)?,
        state: r.try_get(5)?,
        attempts: r.try_get(6)?,
        detail: r.try_get(7)?,
    })
}

impl Store {
    /// Records an email before it is sent: its id, or `None` when this
    /// contact's stage was already recorded (by this or another instance).
    ///
    /// # Errors
    /// The database error.
    ///
    /// `at` is the stage's time on the deadlines' clock; the row's
    /// `updated_at` (what finds a send that died) is the real time.
    pub async fn own_email_begin(
        &self,
        e: &NewEmail<'_>,
        variables: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO own_emails (verification_id, stage, template, recipient, domains,
                 link_expires_at, state, attempts, created_at, updated_at, variables)
             VALUES ($1, $2, $3, $4, $5, $6, 'sending', 1, $7, $8, $9)
             ON CONFLICT (verification_id, stage) DO NOTHING RETURNING id",
        )
        .bind(e.verification_id)
        .bind(e.stage)
        .bind(e.template)
        .bind(e.recipient)
        .bind(serde_json::to_string(e.domains).unwrap_or_else(|_| "[]".into()))
        .bind(stamp(e.link_expires_at))
        .bind(stamp(at))
        .bind(stamp(Utc::now()))
        .bind(variables)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    /// Whether an email of `stage` was recorded for verification
    /// `verification_id` (a resend asked again with the same key).
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email_exists(
        &self,
        verification_id: i64,
        stage: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM own_emails WHERE verification_id = $1 AND stage = $2",
        )
        .bind(verification_id)
        .bind(stage)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(n > 0)
    }

    /// The variables email `id` was recorded with.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email_variables(&self, id: i64) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT variables FROM own_emails WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    /// Stores what email `id` says (before it goes to the relay).
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email_rendered(
        &self,
        id: i64,
        subject: &str,
        variables: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE own_emails SET subject = $1, variables = $2 WHERE id = $3")
            .bind(subject)
            .bind(variables)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Logs one hand-over of email `id`: `accepted` with the relay's reply,
    /// else `refused`/`failed` with why; the email then waits until
    /// `retry_at`, or has failed for good when that is `None`.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email_result(
        &self,
        id: i64,
        event: &str,
        detail: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let state = match (event, retry_at) {
            ("accepted", _) => "accepted",
            (_, Some(_)) => "retry",
            (_, None) => "failed",
        };
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO own_email_events (email_id, at, event, detail) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(stamp(now))
        .bind(event)
        .bind(detail)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "UPDATE own_emails SET state = $1, next_attempt_at = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(state)
        .bind(retry_at.map(stamp))
        .bind(stamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Takes the next email due for another try (one instance wins it).
    /// Emails left `sending` before `stale` (the process died during the
    /// exchange) are tried again: the relay may have accepted one, and a
    /// second copy is better than none.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email_take(
        &self,
        now: DateTime<Utc>,
        stale: DateTime<Utc>,
    ) -> Result<Option<EmailRow>, StoreError> {
        sqlx::query(
            "UPDATE own_emails SET state = 'retry', next_attempt_at = $1
             WHERE state = 'sending' AND updated_at < $2",
        )
        .bind(stamp(now))
        .bind(stamp(stale))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        let row = sqlx::query(&format!(
            "UPDATE own_emails SET state = 'sending', attempts = attempts + 1, updated_at = $1
             WHERE id = (SELECT id FROM own_emails WHERE state = 'retry' AND next_attempt_at <= $1
                         ORDER BY next_attempt_at, id LIMIT 1)
               AND state = 'retry'
             RETURNING {EMAIL_COLUMNS}"
        ))
        .bind(stamp(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(email_row).transpose().map_err(db)
    }

    /// Email `id`.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_email(&self, id: i64) -> Result<Option<EmailRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {EMAIL_COLUMNS} FROM own_emails WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(email_row).transpose().map_err(db)
    }

    /// The stages recorded for every contact still in the mirror:
    /// `(verification id, stage, recorded at)`.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_stages(&self) -> Result<Vec<(i64, String, DateTime<Utc>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.verification_id, e.stage, e.created_at FROM own_emails e
             JOIN namecom_contacts c ON c.verification_id = e.verification_id
                                    AND lower(e.recipient) = c.email_lc",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, time(r, 2)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    /// Claims the confirmation of `verification_id` through email
    /// `email_id`'s link: [`VerifyClaim::New`] for the first request, the
    /// existing row for any other.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_verify_claim(
        &self,
        v: &VerificationRow,
        now: DateTime<Utc>,
    ) -> Result<VerifyClaim, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO own_verifications (verification_id, email_id, method, address, domains,
                 idempotency_key, state, attempts, next_attempt_at, requested_at, updated_at)
             VALUES ($1, $2, 'email', $3, $4, $5, 'confirming', 0, $7, $6, $6)
             ON CONFLICT (verification_id) DO NOTHING",
        )
        .bind(v.verification_id)
        .bind(v.email_id)
        .bind(&v.address)
        .bind(serde_json::to_string(&v.domains).unwrap_or_else(|_| "[]".into()))
        .bind(&v.idempotency_key)
        .bind(stamp(now))
        // Should this request die before the answer, the worker calls again.
        .bind(stamp(now + chrono::TimeDelta::seconds(30)))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if inserted.rows_affected() == 1 {
            return Ok(VerifyClaim::New);
        }
        match self.own_verification(v.verification_id).await? {
            Some(row) => Ok(VerifyClaim::Existing(row)),
            None => Err("the verification vanished while being claimed".into()),
        }
    }

    /// The confirmation of `verification_id`, if any.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_verification(
        &self,
        verification_id: i64,
    ) -> Result<Option<VerificationRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {VERIFICATION_COLUMNS} FROM own_verifications WHERE verification_id = $1"
        ))
        .bind(verification_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(verification_row).transpose().map_err(db)
    }

    /// Records one Verify Contact call: `verified`, `failed` (with why),
    /// or still `confirming` until `retry_at`. A verified contact leaves
    /// the mirror at once.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_verify_result(
        &self,
        verification_id: i64,
        state: &str,
        upstream_status: Option<u16>,
        detail: Option<&str>,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "UPDATE own_verifications SET state = $1, upstream_status = $2, detail = $3,
                 next_attempt_at = $4, attempts = attempts + 1, updated_at = $5,
                 verified_at = CASE WHEN $1 = 'verified' THEN $5 ELSE verified_at END
             WHERE verification_id = $6",
        )
        .bind(state)
        .bind(upstream_status.map(i64::from))
        .bind(detail)
        .bind(retry_at.map(stamp))
        .bind(stamp(now))
        .bind(verification_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if state == "verified" {
            sqlx::query("DELETE FROM namecom_contacts WHERE verification_id = $1")
                .bind(verification_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    /// Takes the next confirmation due for another call (one instance wins
    /// it, by pushing its next attempt `lease` ahead).
    ///
    /// # Errors
    /// The database error.
    pub async fn own_verify_take(
        &self,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
    ) -> Result<Option<VerificationRow>, StoreError> {
        let row = sqlx::query(&format!(
            "UPDATE own_verifications SET next_attempt_at = $2
             WHERE verification_id = (SELECT verification_id FROM own_verifications
                     WHERE state = 'confirming' AND next_attempt_at <= $1
                     ORDER BY next_attempt_at LIMIT 1)
               AND state = 'confirming' AND next_attempt_at <= $1
             RETURNING {VERIFICATION_COLUMNS}"
        ))
        .bind(stamp(now))
        .bind(stamp(lease))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(verification_row).transpose().map_err(db)
    }

    /// The language of `email`'s emails, when a token named one.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_language(&self, email: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT language FROM own_languages WHERE email_lc = $1")
            .bind(email.to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    /// Remembers the language of `email`'s emails.
    ///
    /// # Errors
    /// The database error.
    pub async fn own_set_language(
        &self,
        email: &str,
        language: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO own_languages (email_lc, language, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (email_lc) DO UPDATE SET language = excluded.language,
             updated_at = excluded.updated_at",
        )
        .bind(email.to_lowercase())
        .bind(language)
        .bind(stamp(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::both;
    use crate::store::MirrorContact;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[tokio::test]
    async fn emails_verifications_and_their_logs_on_both_backends() {
        both(|s: Store| async move {
            let t = at("2026-03-01T12:00:00Z");
            let scan = s.scan_begin(t).await.unwrap();
            let contact = MirrorContact {
                verification_id: 7,
                email: Some("a@example.com".into()),
                create_date: Some("2026-03-01T12:00:00Z".into()),
                verify_by: Some("2026-03-16T12:00:00Z".into()),
                domains: vec!["a.example".into()],
            };
            s.scan_page(scan, std::slice::from_ref(&contact)).await.unwrap();
            s.scan_end(scan, Ok(()), t).await.unwrap();
            let domains = vec!["a.example".to_owned()];
            let new = NewEmail {
                verification_id: 7,
                stage: "initial",
                template: "en/initial",
                recipient: "a@example.com",
                domains: &domains,
                link_expires_at: at("2026-04-15T12:00:00Z"),
            };
            // Once per contact and stage.
            let vars = "{\"days_remaining\":15}";
            let id = s.own_email_begin(&new, vars, t).await.unwrap().expect("recorded");
            assert_eq!(s.own_email_begin(&new, vars, t).await.unwrap(), None);
            assert_eq!(s.own_email_variables(id).await.unwrap().as_deref(), Some(vars));
            s.own_email_rendered(id, "Subject", "{\"days_remaining\":15}").await.unwrap();
            // Refused: waits; taken once when due.
            let soon = Utc::now() + chrono::TimeDelta::seconds(1);
            s.own_email_result(id, "refused", "451 busy", Some(soon), Utc::now()).await.unwrap();
            assert!(s.own_email_take(Utc::now(), Utc::now()).await.unwrap().is_none());
            let later = soon + chrono::TimeDelta::seconds(1);
            let taken = s.own_email_take(later, later - chrono::TimeDelta::hours(1)).await;
            let taken = taken.unwrap().expect("due");
            assert_eq!((taken.id, taken.attempts, taken.state.as_str()), (id, 2, "sending"));
            assert!(s
                .own_email_take(later, later - chrono::TimeDelta::hours(1))
                .await
                .unwrap()
                .is_none());
            s.own_email_result(id, "accepted", "250 OK", None, later).await.unwrap();
            let stages = s.own_stages().await.unwrap();
            assert_eq!(stages, vec![(7, "initial".to_owned(), t)]);
            let log = s.own_email_log(DateTime::<Utc>::MIN_UTC).await.unwrap();
            let events: Vec<&str> = log.iter().map(|r| r.event.as_str()).collect();
            assert_eq!(events, ["refused", "accepted"]);
            assert_eq!(log[1].subject, "Subject");

            // One claim; the verified contact leaves the mirror and stays
            // out of later scans.
            let v = VerificationRow {
                verification_id: 7,
                email_id: id,
                address: "a@example.com".into(),
                domains: domains.clone(),
                idempotency_key: "k".into(),
                state: "confirming".into(),
                attempts: 0,
                detail: None,
            };
            assert!(matches!(s.own_verify_claim(&v, t).await.unwrap(), VerifyClaim::New));
            assert!(matches!(s.own_verify_claim(&v, t).await.unwrap(), VerifyClaim::Existing(_)));
            s.own_verify_result(7, "verified", Some(204), None, None, later).await.unwrap();
            assert!(s.mirror_find(Some(7), None).await.unwrap().is_empty());
            let scan = s.scan_begin(later).await.unwrap();
            s.scan_page(scan, &[contact]).await.unwrap();
            s.scan_end(scan, Ok(()), later).await.unwrap();
            assert!(s.mirror_find(Some(7), None).await.unwrap().is_empty(), "stays verified");
            let log = s.own_verification_log(DateTime::<Utc>::MIN_UTC).await.unwrap();
            assert_eq!(log.len(), 1);
            assert_eq!((log[0].verification_id, log[0].address.as_str()), (7, "a@example.com"));

            // The contact verified and left the list: its logs stay (how
            // long is `retention`'s, by the domains' registration).
            let logged = s.own_logged().await.unwrap();
            assert_eq!(logged.len(), 2, "{logged:?}");
            assert!(logged.iter().all(|(_, _, d)| d == &["a.example".to_owned()]));
            assert_eq!(s.own_delete(&[(LoggedTable::Email, id)]).await.unwrap(), 1);
            assert!(s.own_email_log(DateTime::<Utc>::MIN_UTC).await.unwrap().is_empty());

            s.own_set_language("A@Example.com", "de", t).await.unwrap();
            assert_eq!(s.own_language("a@example.com").await.unwrap().as_deref(), Some("de"));
        })
        .await;
    }
}
