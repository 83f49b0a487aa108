//! Rate events and cooldowns, and the leases: work one instance does at a
//! time (the scans, the login, the purge) and the resend reservations (a
//! row per contact's cooldown, the name.com budget's slots).

use super::*;

impl Store {
    // ------------------------------------------------------------ rate events

    /// Events of `bucket` at or after `since`.
    ///
    /// # Errors
    /// The database error.
    pub async fn count_since(&self, bucket: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM rate_events WHERE bucket = $1 AND at >= $2")
            .bind(bucket)
            .bind(stamp(since))
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    /// The `n`-th newest event of `bucket` (1 = the newest), if there are
    /// that many.
    ///
    /// # Errors
    /// The database error.
    pub async fn nth_newest(
        &self,
        bucket: &str,
        n: i64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = sqlx::query_scalar(
            "SELECT at FROM rate_events WHERE bucket = $1 ORDER BY at DESC LIMIT 1 OFFSET $2",
        )
        .bind(bucket)
        .bind(n - 1)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(at.as_deref().and_then(parse_stamp))
    }

    /// The latest cooldown end recorded for `bucket`.
    ///
    /// # Errors
    /// The database error.
    pub async fn cooldown_until(&self, bucket: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let until: Option<Option<String>> =
            sqlx::query_scalar("SELECT MAX(until) FROM rate_events WHERE bucket = $1")
                .bind(bucket)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(until.flatten().as_deref().and_then(parse_stamp))
    }

    /// Every cooldown of the buckets starting with `prefix` that ends after
    /// `now`, by bucket: one query for a bulk resend's thousands of
    /// contacts.
    ///
    /// # Errors
    /// The database error.
    pub async fn cooldowns_after(
        &self,
        prefix: &str,
        now: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<String, DateTime<Utc>>, StoreError> {
        let rows = sqlx::query(
            "SELECT bucket, MAX(until) FROM rate_events
             WHERE substr(bucket, 1, length($1)) = $1 AND until > $2 GROUP BY bucket",
        )
        .bind(prefix)
        .bind(stamp(now))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut out = std::collections::HashMap::new();
        for r in &rows {
            let bucket: String = r.try_get(0).map_err(db)?;
            let until: Option<String> = r.try_get(1).map_err(db)?;
            if let Some(t) = until.as_deref().and_then(parse_stamp) {
                out.insert(bucket, t);
            }
        }
        Ok(out)
    }

    /// Records an event of `bucket` at `at`, with a cooldown end.
    ///
    /// # Errors
    /// The database error.
    pub async fn record(
        &self,
        bucket: &str,
        at: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO rate_events (bucket, at, until) VALUES ($1, $2, $3)")
            .bind(bucket)
            .bind(stamp(at))
            .bind(until.map(stamp))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Forgets events older than `before` whose cooldown is over.
    ///
    /// # Errors
    /// The database error.
    pub async fn purge_events(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let b = stamp(before);
        let r =
            sqlx::query("DELETE FROM rate_events WHERE at < $1 AND (until IS NULL OR until < $2)")
                .bind(&b)
                .bind(&b)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        Ok(r.rows_affected())
    }

    // ------------------------------------------------------------ leases

    /// Takes (or keeps) the lease `name` for `holder` until `now + ttl`,
    /// if it is free, lapsed, or already `holder`'s; `true` when `holder`
    /// has it now.
    ///
    /// # Errors
    /// The database error.
    pub async fn lease(
        &self,
        name: &str,
        holder: &str,
        ttl: chrono::TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.upsert_lease(name, holder, now + ttl, now, true).await
    }

    /// Takes the lease `name` for `holder` until `until` only if it is free
    /// or lapsed (also for its last holder): work due once per period, done
    /// by whichever instance asks first.
    ///
    /// # Errors
    /// The database error.
    pub async fn take_due(
        &self,
        name: &str,
        holder: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.upsert_lease(name, holder, until, now, false).await
    }

    /// The lease `name` for `holder` until `until`, where it lapsed before
    /// `now` (or, `renew`ing, where `holder` has it).
    pub(super) async fn upsert_lease(
        &self,
        name: &str,
        holder: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
        renew: bool,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
             WHERE leases.until < $4 OR ($5 AND leases.holder = $2)",
        )
        .bind(name)
        .bind(holder)
        .bind(stamp(until))
        .bind(stamp(now))
        .bind(renew)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    /// Reserves `name` for `holder` until `until`, when nobody holds it at
    /// `now`: one conditional statement (an insert, or an update of a
    /// lapsed row), so of any number of callers at once, on any number of
    /// instances, exactly one wins. `Ok(None)`: reserved; `Ok(Some(t))`:
    /// held until `t`.
    ///
    /// # Errors
    /// The database error.
    pub async fn reserve(
        &self,
        name: &str,
        holder: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        if self.take_due(name, holder, until, now).await? {
            return Ok(None);
        }
        let held: Option<String> = sqlx::query_scalar("SELECT until FROM leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(Some(held.as_deref().and_then(parse_stamp).unwrap_or(until)))
    }

    /// Moves the end of `holder`'s reservation of `name` to `until`
    /// (sooner: a call that did not send; later: the registrar's time).
    /// Nothing when another holder has it meanwhile.
    pub async fn settle(&self, name: &str, holder: &str, until: DateTime<Utc>) {
        let r = sqlx::query("UPDATE leases SET until = $3 WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .bind(stamp(until))
            .execute(&self.pool)
            .await;
        if let Err(e) = r {
            tracing::warn!(error = %self.redact(&e.to_string()), "a reservation was not settled");
        }
    }

    /// Makes the `slots` rows of the budget `prefix` (`prefix:000` …), free;
    /// rows already there are kept.
    ///
    /// # Errors
    /// The database error.
    pub async fn seed_budget(&self, prefix: &str, slots: u32) -> Result<(), StoreError> {
        let free = stamp(DateTime::<Utc>::UNIX_EPOCH);
        for i in 0..slots {
            sqlx::query(
                "INSERT INTO leases (name, holder, until) VALUES ($1, '', $2)
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(format!("{prefix}:{i:04}"))
            .bind(&free)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// Reserves one free slot of the budget `prefix` (see
    /// [`Store::seed_budget`]) for `holder` until `until`, in one statement
    /// (PostgreSQL skips the slots other transactions are taking):
    /// `Ok(Ok(slot))`, or `Ok(Err(t))` when every slot is held, the first
    /// until `t`. A budget of N slots held an hour each is "N per rolling
    /// hour", kept across instances.
    ///
    /// # Errors
    /// The database error.
    pub async fn reserve_budget(
        &self,
        prefix: &str,
        holder: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<String, DateTime<Utc>>, StoreError> {
        // The names `prefix:0000` … sort between `prefix:` and `prefix;`.
        let (from, to) = (format!("{prefix}:"), format!("{prefix};"));
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE leases SET holder = $1, until = $2
             WHERE name = (SELECT name FROM leases WHERE name > $3 AND name < $4 AND until < $5
                           ORDER BY until LIMIT 1{lock})
               AND until < $5
             RETURNING name"
        );
        let taken: Option<String> = sqlx::query_scalar(&sql)
            .bind(holder)
            .bind(stamp(until))
            .bind(&from)
            .bind(&to)
            .bind(stamp(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        if let Some(slot) = taken {
            return Ok(Ok(slot));
        }
        let first: Option<Option<String>> =
            sqlx::query_scalar("SELECT MIN(until) FROM leases WHERE name > $1 AND name < $2")
                .bind(&from)
                .bind(&to)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(Err(first.flatten().as_deref().and_then(parse_stamp).unwrap_or(until)))
    }

    /// Forgets contacts' reservations that ended before `before` (the
    /// account budget's slots stay).
    ///
    /// # Errors
    /// The database error.
    pub async fn purge_reservations(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = sqlx::query(
            "DELETE FROM leases WHERE name > 'resend:contact:' AND name < 'resend:contact;'
             AND until < $1",
        )
        .bind(stamp(before))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }

    /// Records webhook delivery `digest`: `true` the first time, `false`
    /// when it was recorded before (a replay, or a redelivery).
    ///
    /// # Errors
    /// The database error.
    pub async fn webhook_first(
        &self,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO webhook_deliveries (digest, received_at) VALUES ($1, $2)
             ON CONFLICT (digest) DO NOTHING",
        )
        .bind(digest)
        .bind(stamp(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    /// Forgets delivery `digest` (it could not be applied: name.com's
    /// retry must be).
    pub async fn webhook_forget(&self, digest: &str) {
        let _ = sqlx::query("DELETE FROM webhook_deliveries WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await;
    }

    /// Forgets deliveries received before `before`.
    ///
    /// # Errors
    /// The database error.
    pub async fn purge_webhook_deliveries(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
            .bind(stamp(before))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(r.rows_affected())
    }

    /// Gives the lease `name` up, if `holder` has it.
    pub async fn release_lease(&self, name: &str, holder: &str) {
        let _ = sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await;
    }
}
