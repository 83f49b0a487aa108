//! The staff resend queue's table.

use super::*;

impl Store {
    // ------------------------------------------------------------ the resend queue

    /// The times of `bucket`'s events since `since` (an account's sends, to
    /// plan the next ones by its limit).
    ///
    /// # Errors
    /// The database error.
    pub async fn events_since(
        &self,
        bucket: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT at FROM rate_events WHERE bucket = $1 AND at >= $2")
                .bind(bucket)
                .bind(stamp(since))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(rows.iter().filter_map(|t| parse_stamp(t)).collect())
    }

    /// Adds planned resends to the queue, skipping contacts of `provider`
    /// already waiting or being sent. Returns how many were added.
    ///
    /// # Errors
    /// The database error.
    pub async fn queue_add(
        &self,
        provider: &str,
        items: &[NewQueued],
        staff: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut added = 0;
        for it in items {
            let r = sqlx::query(
                "INSERT INTO resend_queue
                   (provider, contact, operation, idempotency_key, due_at, state, staff, created_at, updated_at)
                 SELECT $1, $2, $3, $4, $5, 'waiting', $6, $7, $7
                 WHERE NOT EXISTS (SELECT 1 FROM resend_queue WHERE provider = $1 AND contact = $2
                                   AND state IN ('waiting', 'sending'))",
            )
            .bind(provider)
            .bind(&it.contact)
            .bind(&it.operation)
            .bind(&it.key)
            .bind(stamp(it.due_at))
            .bind(staff)
            .bind(stamp(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            added += r.rows_affected() as usize;
        }
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    /// `provider`'s queue as staff see it: every row not finished, and
    /// those finished within `recent`, in due order.
    ///
    /// # Errors
    /// The database error.
    pub async fn queue_list(
        &self,
        provider: &str,
        recent: DateTime<Utc>,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, provider, contact, operation, idempotency_key, due_at, state, detail
             FROM resend_queue WHERE provider = $1
               AND (state IN ('waiting', 'sending') OR updated_at >= $2)
             ORDER BY due_at, id",
        )
        .bind(provider)
        .bind(stamp(recent))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(queue_row).collect()
    }

    /// Drops `provider`'s resends that have not gone yet; how many.
    ///
    /// # Errors
    /// The database error.
    pub async fn queue_cancel(&self, provider: &str) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM resend_queue WHERE provider = $1 AND state = 'waiting'")
            .bind(provider)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    /// Takes the earliest due waiting resend for sending (one instance
    /// wins it: the update re-checks its state). Rows left `sending` by a
    /// process that died before `stale` wait again first: their retry
    /// reuses the idempotency key, so nothing goes twice.
    ///
    /// # Errors
    /// The database error.
    pub async fn queue_take(
        &self,
        now: DateTime<Utc>,
        stale: DateTime<Utc>,
    ) -> Result<Option<QueueRow>, StoreError> {
        sqlx::query(
            "UPDATE resend_queue SET state = 'waiting', updated_at = $1
             WHERE state = 'sending' AND updated_at < $2",
        )
        .bind(stamp(now))
        .bind(stamp(stale))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        let row = sqlx::query(
            "UPDATE resend_queue SET state = 'sending', updated_at = $1
             WHERE id = (SELECT id FROM resend_queue WHERE state = 'waiting' AND due_at <= $1
                         ORDER BY due_at, id LIMIT 1)
               AND state = 'waiting'
             RETURNING id, provider, contact, operation, idempotency_key, due_at, state, detail",
        )
        .bind(stamp(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(queue_row).transpose()
    }

    /// When the next waiting resend is due, if any.
    ///
    /// # Errors
    /// The database error.
    pub async fn queue_next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let t: Option<String> =
            sqlx::query_scalar("SELECT MIN(due_at) FROM resend_queue WHERE state = 'waiting'")
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        Ok(t.as_deref().and_then(parse_stamp))
    }

    /// Records how a taken resend ended: `sent`, `failed` or `done` (with
    /// why), or `waiting` again until `due_at` (the registrar said when).
    pub async fn queue_finish(
        &self,
        id: i64,
        state: &str,
        detail: Option<&str>,
        due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) {
        let r = sqlx::query(
            "UPDATE resend_queue SET state = $1, detail = $2, due_at = COALESCE($3, due_at),
                 updated_at = $4 WHERE id = $5",
        )
        .bind(state)
        .bind(detail)
        .bind(due_at.map(stamp))
        .bind(stamp(now))
        .bind(id)
        .execute(&self.pool)
        .await;
        if let Err(e) = r {
            tracing::error!(error = %e, id, "resend queue: the outcome could not be stored");
        }
    }

    /// Deletes finished queue rows last changed before `before`.
    ///
    /// # Errors
    /// The database error.
    pub async fn purge_queue(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = sqlx::query(
            "DELETE FROM resend_queue WHERE state NOT IN ('waiting', 'sending') AND updated_at < $1",
        )
        .bind(stamp(before))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }
}

/// A resend to add to the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQueued {
    /// The contact (the staff endpoints' id).
    pub contact: String,
    /// The registrar operation.
    pub operation: String,
    /// The intent's idempotency key.
    pub key: String,
    /// When it may go.
    pub due_at: DateTime<Utc>,
}

/// A row of the resend queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    /// Its id.
    pub id: i64,
    /// The registrar.
    pub provider: String,
    /// The contact (the staff endpoints' id).
    pub contact: String,
    /// The registrar operation.
    pub operation: String,
    /// The intent's idempotency key.
    pub key: String,
    /// When it may go (or went).
    pub due_at: DateTime<Utc>,
    /// `waiting`, `sending`, `sent`, `failed` or `done`.
    pub state: String,
    /// Why it did not go, when it did not.
    pub detail: Option<String>,
}

fn queue_row(r: &AnyRow) -> Result<QueueRow, StoreError> {
    let due: String = r.try_get(5).map_err(db)?;
    Ok(QueueRow {
        id: r.try_get(0).map_err(db)?,
        provider: r.try_get(1).map_err(db)?,
        contact: r.try_get(2).map_err(db)?,
        operation: r.try_get(3).map_err(db)?,
        key: r.try_get(4).map_err(db)?,
        due_at: parse_stamp(&due).ok_or_else(|| format!("bad due_at {due:?}"))?,
        state: r.try_get(6).map_err(db)?,
        detail: r.try_get(7).map_err(db)?,
    })
}
