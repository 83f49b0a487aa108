//! Values instances share (Openprovider's sealed token, scan outcomes)
//! and the webhook fan-out (`NOTIFY`).

use super::*;

impl Store {
    // ------------------------------------------------------------ kv

    /// A shared value and when it was written.
    ///
    /// # Errors
    /// The database error.
    pub async fn kv_get(&self, key: &str) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT value, updated_at FROM kv WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(row.and_then(|(v, at)| Some((v, parse_stamp(&at)?))))
    }

    /// Writes a shared value.
    ///
    /// # Errors
    /// The database error.
    pub async fn kv_put(
        &self,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(stamp(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// Deletes a shared value.
    ///
    /// # Errors
    /// The database error.
    pub async fn kv_delete(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM kv WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    // ------------------------------------------------------------ fan-out

    /// The PostgreSQL channel every instance listens on for webhooks.
    pub const EVENTS_CHANNEL: &'static str = "gateway_events";

    /// Publishes `payload` to every instance on this PostgreSQL store
    /// (`NOTIFY`); `false` on SQLite, where the caller delivers in process.
    ///
    /// # Errors
    /// The database error.
    pub async fn notify(&self, payload: &str) -> Result<bool, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(false);
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(Self::EVENTS_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(true)
    }
}
