//! The resend log (every resend sent upstream, written before it goes)
//! and the resend intents (an idempotency key's claim and stored answer).

use super::*;

impl Store {
    // ------------------------------------------------------------ resend log

    /// Writes the row for a resend about to go upstream; its id once
    /// committed.
    ///
    /// # Errors
    /// The row could not be written: the resend must not be sent.
    pub async fn log_begin(&self, e: &LogEntry<'_>, now: DateTime<Utc>) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO resends (created_at, session, registrant, provider, contact, email,
             domains, operation, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             RETURNING id",
        )
        .bind(stamp(now))
        .bind(e.session.map_or_else(|| "token".to_owned(), session_hash))
        .bind(e.registrant)
        .bind(e.provider)
        .bind(e.contact)
        .bind(e.email)
        .bind(serde_json::to_string(e.domains).unwrap_or_else(|_| "[]".into()))
        .bind(e.operation)
        .bind(e.idempotency_key)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    /// Completes row `id` with the registrar's answer, or why there was
    /// none.
    pub async fn log_finish(
        &self,
        id: i64,
        answer: Result<(u16, &[u8]), &str>,
        now: DateTime<Utc>,
    ) {
        let (status, body, error) = match answer {
            Ok((status, body)) => {
                (Some(i64::from(status)), Some(self.redact(&String::from_utf8_lossy(body))), None)
            }
            Err(e) => (None, None, Some(e.to_owned())),
        };
        let done = sqlx::query(
            "UPDATE resends SET upstream_status = $1, upstream_body = $2, error = $3,
             answered_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(body)
        .bind(error)
        .bind(stamp(now))
        .bind(id)
        .execute(&self.pool)
        .await;
        if !matches!(done, Ok(r) if r.rows_affected() == 1) {
            tracing::error!(row = id, "resend log: could not record the answer");
        }
    }

    /// Rows written at or after `since`, oldest first.
    ///
    /// # Errors
    /// The database error.
    pub async fn log_since(&self, since: DateTime<Utc>) -> Result<Vec<LogRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_at, registrant, provider, contact, email, domains, operation,
             idempotency_key, upstream_status, upstream_body, error, answered_at
             FROM resends WHERE created_at >= $1 ORDER BY id",
        )
        .bind(stamp(since))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(LogRow {
                    id: r.try_get(0)?,
                    created_at: r.try_get(1)?,
                    registrant: r.try_get(2)?,
                    provider: r.try_get(3)?,
                    contact: r.try_get(4)?,
                    email: r.try_get(5)?,
                    domains: r.try_get(6)?,
                    operation: r.try_get(7)?,
                    idempotency_key: r.try_get(8)?,
                    upstream_status: r.try_get(9)?,
                    upstream_body: r.try_get(10)?,
                    error: r.try_get(11)?,
                    answered_at: r.try_get(12)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    /// Deletes log rows written before `before`; how many.
    ///
    /// # Errors
    /// The database error.
    pub async fn log_purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM resends WHERE created_at < $1")
            .bind(stamp(before))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    // ------------------------------------------------------------ intents

    /// Claims the intent `(provider, contact, key)` for `fingerprint`.
    ///
    /// # Errors
    /// The database error: nothing may go upstream then.
    pub async fn claim(
        &self,
        provider: &str,
        contact: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO intents (provider, contact, idempotency_key, fingerprint, state, created_at)
             VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT DO NOTHING",
        )
        .bind(provider)
        .bind(contact)
        .bind(key)
        .bind(fingerprint)
        .bind(stamp(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::New);
        }
        let row = sqlx::query(
            "SELECT fingerprint, state, status, content_type, body, headers, created_at FROM intents
             WHERE provider = $1 AND contact = $2 AND idempotency_key = $3",
        )
        .bind(provider)
        .bind(contact)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            // Released between the insert and the read: try once more.
            return Box::pin(self.claim(provider, contact, key, fingerprint, now)).await;
        };
        let stored: String = row.try_get(0).map_err(db)?;
        if stored != fingerprint {
            return Ok(Claim::Mismatch);
        }
        let state: String = row.try_get(1).map_err(db)?;
        if state != "done" {
            let since: String = row.try_get(6).map_err(db)?;
            return Ok(Claim::InProgress(parse_stamp(&since).unwrap_or(now)));
        }
        let headers: Option<String> = row.try_get(5).map_err(db)?;
        Ok(Claim::Done(StoredAnswer {
            status: u16::try_from(row.try_get::<i64, _>(2).map_err(db)?).unwrap_or(502),
            content_type: row.try_get(3).map_err(db)?,
            headers: headers.and_then(|h| serde_json::from_str(&h).ok()).unwrap_or_default(),
            body: row.try_get(4).map_err(db)?,
        }))
    }

    /// Stores the final answer of a claimed intent.
    pub async fn complete(&self, provider: &str, contact: &str, key: &str, answer: &StoredAnswer) {
        let done = sqlx::query(
            "UPDATE intents SET state = 'done', status = $1, content_type = $2, body = $3, headers = $4
             WHERE provider = $5 AND contact = $6 AND idempotency_key = $7",
        )
        .bind(i64::from(answer.status))
        .bind(&answer.content_type)
        .bind(&answer.body)
        .bind(serde_json::to_string(&answer.headers).ok())
        .bind(provider)
        .bind(contact)
        .bind(key)
        .execute(&self.pool)
        .await;
        if done.is_err() {
            tracing::error!("intent store: could not record an answer");
        }
    }

    /// Gives a claimed intent up (its answer may be retried: a 429, a 5xx,
    /// no answer): the next request with the key goes upstream again.
    pub async fn release(&self, provider: &str, contact: &str, key: &str) {
        let _ = sqlx::query(
            "DELETE FROM intents WHERE provider = $1 AND contact = $2 AND idempotency_key = $3
             AND state = 'pending'",
        )
        .bind(provider)
        .bind(contact)
        .bind(key)
        .execute(&self.pool)
        .await;
    }

    /// Forgets intents older than `before`.
    ///
    /// # Errors
    /// The database error.
    pub async fn purge_intents(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM intents WHERE created_at < $1")
            .bind(stamp(before))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }
}
