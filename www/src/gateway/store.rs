//! The gateway's state, behind one interface: the resend log, resend
//! intents (idempotency), rate-limit events and cooldowns, Openprovider's
//! token and the name.com mirror. SQLite (one machine) or PostgreSQL
//! (several instances) through sqlx's `Any` driver, chosen by the URL; one
//! set of queries (`$n` placeholders, which both read), the schema applied at
//! start by sqlx's migrator (`www/migrations/{sqlite,postgres}`: the same
//! tables in each one's types).
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a row committed before a
//! resend goes upstream survives a crash of the process or the machine.
//! PostgreSQL sessions get a statement timeout, so an unreachable or stuck
//! database answers with an error instead of hanging a request. What cannot
//! be written is refused, never sent unrecorded.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor as _, Row};

/// A store error, as text (what failed; never a value it was given).
pub type StoreError = String;

pub(crate) fn db(e: sqlx::Error) -> StoreError {
    e.to_string()
}

/// Creates the SQLite file at `path` (and its directory, when missing)
/// readable by its owner only: it holds registrants' addresses and the
/// resend log. SQLite gives its `-wal` and `-shm` files the same mode. An
/// existing file that others may read is logged.
fn owner_only(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir);
        }
        match std::fs::metadata(path) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => tracing::warn!(
                path = %path.display(),
                "the database file is readable by others: chmod 600 it"
            ),
            Ok(_) => {}
            Err(_) => {
                let _ =
                    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
            }
        }
    }
    #[cfg(not(unix))]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
}

/// RFC 3339 with milliseconds, UTC: sorts as text.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// Which database a store is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH` or `sqlite::memory:`: one machine.
    Sqlite,
    /// `postgres://…`: several instances share it.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// How a store is opened.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Connections in the pool (default 4 for SQLite, 10 for PostgreSQL).
    pub pool_size: Option<u32>,
    /// The longest one statement may run on PostgreSQL (default 5 s).
    pub statement_timeout: Duration,
    /// How long a request waits for a connection (default 5 s).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            pool_size: None,
            statement_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The open store.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    secrets: Arc<Vec<String>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// What is known about a resend before it goes upstream.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// The demo's session id (stored hashed); `None` in the gateway.
    pub session: Option<&'a str>,
    /// Who asked: the demo's registrant, or the token's `sub`.
    pub registrant: &'a str,
    /// `dna`, `namecom` or `openprovider`.
    pub provider: &'a str,
    /// The contact id.
    pub contact: &'a str,
    /// The address the email goes to.
    pub email: &'a str,
    /// The domains that depend on the verification.
    pub domains: &'a [String],
    /// The registrar operation.
    pub operation: &'a str,
    /// The intent's idempotency key, if one was sent.
    pub idempotency_key: Option<&'a str>,
}

/// One row of the resend log, as `log export` prints it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogRow {
    /// Row id.
    pub id: i64,
    /// When the row was written, before the upstream call.
    pub created_at: String,
    /// Who asked.
    pub registrant: String,
    /// The registrar.
    pub provider: String,
    /// The contact id.
    pub contact: String,
    /// The address.
    pub email: String,
    /// The domains, as a JSON array.
    pub domains: String,
    /// The registrar operation.
    pub operation: String,
    /// The intent's key.
    pub idempotency_key: Option<String>,
    /// The registrar's HTTP status.
    pub upstream_status: Option<i64>,
    /// The registrar's body, credentials redacted.
    pub upstream_body: Option<String>,
    /// Why no answer came.
    pub error: Option<String>,
    /// When the answer came.
    pub answered_at: Option<String>,
}

/// A stored upstream answer (for an intent's retries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: Option<String>,
    /// Forwarded headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// What claiming an intent found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The intent is new and now ours: go upstream.
    New,
    /// Another request with this key is running, or died without an
    /// answer: since when.
    InProgress(DateTime<Utc>),
    /// Already answered: the first answer.
    Done(StoredAnswer),
    /// The key was used for another request.
    Mismatch,
}

/// One contact of the name.com mirror.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirrorContact {
    /// name.com's verification id.
    pub verification_id: i64,
    /// The address, unless only a webhook told of it.
    pub email: Option<String>,
    /// `createDate`, as name.com wrote it.
    pub create_date: Option<String>,
    /// `verifyBy`, as name.com wrote it.
    pub verify_by: Option<String>,
    /// The domains.
    pub domains: Vec<String>,
}

/// The mirror's freshness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MirrorState {
    /// When the last complete scan finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// Contacts in the mirror.
    pub contacts: i64,
}

/// What [`Store::inspect`] found.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The database exists (`false`: a SQLite file `serve` will create).
    pub created: bool,
    /// Migrations applied.
    pub applied: usize,
    /// Migrations this binary has that are not applied (`serve` applies
    /// them at start).
    pub pending: usize,
    /// Migrations applied that this binary does not know (a newer one ran
    /// here).
    pub unknown: Vec<i64>,
    /// A write in a transaction (rolled back) went through.
    pub writable: Result<(), String>,
    /// name.com's hour budget: slots held now, of all.
    pub budget_in_use: Option<(i64, i64)>,
}

impl Store {
    /// Opens (creating) the database at `url` (`sqlite://PATH`,
    /// `sqlite::memory:` or `postgres://…`) and applies the migrations.
    /// `secrets` are redacted from stored registrar bodies.
    ///
    /// # Errors
    /// The database cannot be opened or migrated.
    pub async fn open(url: &str, secrets: Vec<String>) -> Result<Self, StoreError> {
        Self::open_with(url, secrets, &StoreOptions::default()).await
    }

    /// [`Store::open`] with pool and timeout settings.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub async fn open_with(
        url: &str,
        secrets: Vec<String>,
        options: &StoreOptions,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::of(url).ok_or_else(|| "not a sqlite: or postgres:// URL".to_owned())?;
        let memory = url.contains(":memory:");
        let mut url = url.to_owned();
        if backend == Backend::Sqlite && !memory {
            if let Some(path) = url.strip_prefix("sqlite://") {
                let path = path.split('?').next().unwrap_or(path);
                owner_only(std::path::Path::new(path));
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
            }
        }
        let statement_timeout = options.statement_timeout.as_millis();
        let size = options.pool_size.unwrap_or(match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 10,
        });
        // An in-memory SQLite database lives in its one connection.
        let pool = AnyPoolOptions::new()
            .max_connections(if memory { 1 } else { size })
            .min_connections(u32::from(memory))
            .idle_timeout(if memory { None } else { Some(Duration::from_secs(600)) })
            .max_lifetime(if memory { None } else { Some(Duration::from_secs(1800)) })
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            if !memory {
                                conn.execute("PRAGMA journal_mode = WAL").await?;
                            }
                            conn.execute("PRAGMA synchronous = FULL").await?;
                        }
                        Backend::Postgres => {
                            let set = format!("SET statement_timeout = {statement_timeout}");
                            conn.execute(set.as_str()).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(db)?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await,
        }
        .map_err(|e| e.to_string())?;
        let secrets = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        Ok(Store { pool, backend, secrets: Arc::new(secrets) })
    }

    /// What `check` reports about the database at `url`, without
    /// migrating it or writing anything that stays: reachable, migrations
    /// applied and pending, writable (a table created and rolled back), and
    /// the name.com hour budget in use. A SQLite file that does not exist
    /// yet is not created (its folder must be writable).
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn inspect(url: &str, budget: &str) -> Result<Inspection, StoreError> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::of(url).ok_or_else(|| "not a sqlite: or postgres:// URL".to_owned())?;
        let known: Vec<i64> = match backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite").iter().map(|m| m.version).collect()
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres").iter().map(|m| m.version).collect()
            }
        };
        let mut url = url.to_owned();
        if backend == Backend::Sqlite && !url.contains(":memory:") {
            let path = url.strip_prefix("sqlite://").unwrap_or(&url);
            let path = std::path::PathBuf::from(path.split('?').next().unwrap_or(path));
            if !path.exists() {
                let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
                let dir =
                    dir.map_or_else(|| std::path::PathBuf::from("."), std::path::Path::to_path_buf);
                let probe = dir.join(format!(".verification-check-{}", std::process::id()));
                let writable = std::fs::write(&probe, b"")
                    .and_then(|()| std::fs::remove_file(&probe))
                    .map_err(|e| format!("cannot create files in {}: {e}", dir.display()));
                return Ok(Inspection {
                    created: false,
                    applied: 0,
                    pending: known.len(),
                    unknown: Vec::new(),
                    writable,
                    budget_in_use: None,
                });
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') { "&mode=rw" } else { "?mode=rw" });
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(db)?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        let unknown: Vec<i64> = applied.iter().filter(|v| !known.contains(v)).copied().collect();
        let pending = known.iter().filter(|v| !applied.contains(v)).count();
        let writable = async {
            let mut tx = pool.begin().await?;
            tx.execute("CREATE TABLE verification_check_write (x INTEGER)").await?;
            tx.execute("INSERT INTO verification_check_write (x) VALUES (1)").await?;
            tx.rollback().await
        }
        .await
        .map_err(|e| db(e).to_string());
        let (from, to) = (format!("{budget}:"), format!("{budget};"));
        let budget_in_use: Option<(i64, i64)> = sqlx::query(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN until > $3 THEN 1 ELSE 0 END), 0)
             FROM leases WHERE name > $1 AND name < $2",
        )
        .bind(&from)
        .bind(&to)
        .bind(stamp(Utc::now()))
        .fetch_one(&pool)
        .await
        .ok()
        .and_then(|row: AnyRow| {
            Some((row.try_get::<i64, _>(1).ok()?, row.try_get::<i64, _>(0).ok()?))
        })
        .filter(|(_, total)| *total > 0);
        pool.close().await;
        Ok(Inspection {
            created: true,
            applied: applied.len(),
            pending,
            unknown,
            writable,
            budget_in_use,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `true` when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for s in self.secrets.iter() {
            if text.contains(s.as_str()) {
                text = text.replace(s.as_str(), "***");
            }
        }
        text
    }

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
    async fn upsert_lease(
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

    // ------------------------------------------------------------ name.com mirror

    /// Starts a scan; its id.
    ///
    /// # Errors
    /// The database error.
    pub async fn scan_begin(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO namecom_scans (started_at) VALUES ($1) RETURNING id")
            .bind(stamp(now))
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    /// Writes one page of scan `scan`.
    ///
    /// # Errors
    /// The database error.
    pub async fn scan_page(&self, scan: i64, rows: &[MirrorContact]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        for c in rows {
            sqlx::query(
                // A contact the gateway verified itself stays out, though
                // name.com's list shows it for ~10 more minutes.
                "INSERT INTO namecom_contacts (verification_id, email, email_lc, create_date,
                 verify_by, domains, scan) SELECT $1, $2, $3, $4, $5, $6, $7
                 WHERE NOT EXISTS (SELECT 1 FROM own_verifications
                                   WHERE verification_id = $1 AND state = 'verified')
                 ON CONFLICT (verification_id) DO UPDATE SET email = excluded.email,
                 email_lc = excluded.email_lc, create_date = excluded.create_date,
                 verify_by = excluded.verify_by, domains = excluded.domains, scan = excluded.scan",
            )
            .bind(c.verification_id)
            .bind(&c.email)
            .bind(c.email.as_ref().map(|e| e.to_lowercase()))
            .bind(&c.create_date)
            .bind(&c.verify_by)
            .bind(serde_json::to_string(&c.domains).unwrap_or_else(|_| "[]".into()))
            .bind(scan)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        sqlx::query(
            "UPDATE namecom_scans SET pages = pages + 1, contacts = contacts + $1 WHERE id = $2",
        )
        .bind(rows.len() as i64)
        .bind(scan)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Ends scan `scan`: complete (contacts it did not see are verified and
    /// leave the mirror, except what a webhook told after it started), or
    /// failed with `error`.
    ///
    /// # Errors
    /// The database error.
    pub async fn scan_end(
        &self,
        scan: i64,
        result: Result<(), &str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        match result {
            Ok(()) => {
                sqlx::query("DELETE FROM namecom_contacts WHERE scan < $1")
                    .bind(scan)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                sqlx::query("UPDATE namecom_scans SET completed_at = $1 WHERE id = $2")
                    .bind(stamp(now))
                    .bind(scan)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            Err(e) => {
                sqlx::query("UPDATE namecom_scans SET error = $1 WHERE id = $2")
                    .bind(e)
                    .bind(scan)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)
    }

    /// The mirror's freshness.
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_state(&self) -> Result<MirrorState, StoreError> {
        let completed_at = self.mirror_completed_at().await?;
        let contacts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM namecom_contacts")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(MirrorState { completed_at, contacts })
    }

    /// When the last complete scan ended (what status reads and own
    /// verification's passes ask, without counting the mirror).
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_completed_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let completed: Option<Option<String>> =
            sqlx::query_scalar("SELECT MAX(completed_at) FROM namecom_scans")
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(completed.flatten().as_deref().and_then(parse_stamp))
    }

    /// The mirror's entries for a contact: by verification id, else by
    /// email (ignoring case).
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_find(
        &self,
        verification_id: Option<i64>,
        email: Option<&str>,
    ) -> Result<Vec<MirrorContact>, StoreError> {
        let rows = sqlx::query(
            "SELECT verification_id, email, create_date, verify_by, domains FROM namecom_contacts
             WHERE verification_id = $1 OR ($2 IS NOT NULL AND email_lc = $3) ORDER BY verification_id",
        )
        .bind(verification_id.unwrap_or(-1))
        .bind(email.map(str::to_lowercase))
        .bind(email.map(str::to_lowercase))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(mirror_row).collect::<Result<_, sqlx::Error>>().map_err(db)
    }

    /// One page of the mirror, by verification id, and the total.
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_page(
        &self,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<MirrorContact>, i64), StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM namecom_contacts")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        let rows = sqlx::query(
            "SELECT verification_id, email, create_date, verify_by, domains FROM namecom_contacts
             ORDER BY verification_id LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let rows =
            rows.iter().map(mirror_row).collect::<Result<Vec<_>, sqlx::Error>>().map_err(db)?;
        Ok((rows, total))
    }

    /// Applies a `contact.verification.status_change` webhook at once:
    /// verified leaves the mirror; unverified is added or updated with its
    /// `verifyBy`, marked with the next scan's id: a scan that starts after
    /// the webhook and does not see the contact removes it.
    ///
    /// # Errors
    /// The database error.
    pub async fn mirror_webhook(
        &self,
        verification_id: i64,
        verified: bool,
        verify_by: Option<&str>,
        domains: &[String],
    ) -> Result<(), StoreError> {
        if verified {
            sqlx::query("DELETE FROM namecom_contacts WHERE verification_id = $1")
                .bind(verification_id)
                .execute(&self.pool)
                .await
                .map_err(db)?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO namecom_contacts (verification_id, verify_by, domains, scan)
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(id), 0) + 1 FROM namecom_scans))
             ON CONFLICT (verification_id) DO UPDATE SET verify_by = excluded.verify_by,
             scan = excluded.scan,
             domains = CASE WHEN excluded.domains = '[]' THEN namecom_contacts.domains
                       ELSE excluded.domains END",
        )
        .bind(verification_id)
        .bind(verify_by)
        .bind(serde_json::to_string(domains).unwrap_or_else(|_| "[]".into()))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}

fn mirror_row(r: &AnyRow) -> Result<MirrorContact, sqlx::Error> {
    let domains: String = r.try_get(4)?;
    Ok(MirrorContact {
        verification_id: r.try_get(0)?,
        email: r.try_get(1)?,
        create_date: r.try_get(2)?,
        verify_by: r.try_get(3)?,
        domains: serde_json::from_str(&domains).unwrap_or_default(),
    })
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

/// The first 64 bits of SHA-256 of a demo session id, hex: enough to group
/// a session's resends, useless as a cookie.
pub fn session_hash(id: &str) -> String {
    Sha256::digest(id.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::gateway::testing::Postgres;

    /// Runs `check` on an SQLite store and on a PostgreSQL one: every test
    /// of the store holds on both backends.
    pub(crate) async fn both<F, Fut>(check: F)
    where
        F: Fn(Store) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let sqlite = Store::open("sqlite::memory:", vec!["sekrit-token".into()]).await.unwrap();
        assert_eq!(sqlite.backend(), Backend::Sqlite);
        check(sqlite).await;
        let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&pg.url(), vec!["sekrit-token".into()]).await.unwrap();
        assert_eq!(store.backend(), Backend::Postgres);
        check(store).await;
    }

    #[tokio::test]
    async fn the_log_is_written_before_and_completed_after() {
        both(log_is_written_before_and_completed_after).await;
    }

    async fn log_is_written_before_and_completed_after(s: Store) {
        let now = Utc::now();
        let domains = vec!["a.com".to_owned()];
        let e = LogEntry {
            session: Some("0123456789abcdef"),
            registrant: "r1",
            provider: "dna",
            contact: "dna-pending",
            email: "p@dna.example",
            domains: &domains,
            operation: "ResendContactVerificationNotice",
            idempotency_key: Some("k1"),
        };
        let id = s.log_begin(&e, now).await.unwrap();
        let rows = s.log_since(now - chrono::TimeDelta::seconds(1)).await.unwrap();
        assert_eq!((rows.len(), rows[0].upstream_status), (1, None), "written before upstream");
        s.log_finish(id, Ok((200, b"{\"echo\":\"sekrit-token\"}")), now).await;
        let rows = s.log_since(now).await.unwrap();
        assert_eq!(rows[0].upstream_status, Some(200));
        assert_eq!(rows[0].upstream_body.as_deref(), Some("{\"echo\":\"***\"}"));
        assert_eq!(rows[0].domains, "[\"a.com\"]");
        assert_eq!(s.log_purge(now + chrono::TimeDelta::seconds(1)).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn an_intent_is_claimed_once() {
        both(intent_is_claimed_once).await;
    }

    async fn intent_is_claimed_once(s: Store) {
        let now = Utc::now();
        assert_eq!(s.claim("namecom", "c-1", "k", "resend", now).await.unwrap(), Claim::New);
        assert!(matches!(
            s.claim("namecom", "c-1", "k", "resend", now).await.unwrap(),
            Claim::InProgress(_)
        ));
        assert_eq!(s.claim("namecom", "c-1", "k", "other", now).await.unwrap(), Claim::Mismatch);
        assert_eq!(s.claim("namecom", "c-2", "k", "resend", now).await.unwrap(), Claim::New);
        let answer = StoredAnswer {
            status: 200,
            content_type: Some("application/json".into()),
            headers: vec![("retry-after".into(), "5".into())],
            body: b"{}".to_vec(),
        };
        s.complete("namecom", "c-1", "k", &answer).await;
        assert_eq!(
            s.claim("namecom", "c-1", "k", "resend", now).await.unwrap(),
            Claim::Done(answer)
        );
        s.release("namecom", "c-2", "k").await;
        assert_eq!(s.claim("namecom", "c-2", "k", "resend", now).await.unwrap(), Claim::New);
    }

    #[tokio::test]
    async fn the_mirror_keeps_what_the_last_complete_scan_saw_and_webhooks() {
        both(mirror_keeps_what_the_last_complete_scan_saw_and_webhooks).await;
    }

    async fn mirror_keeps_what_the_last_complete_scan_saw_and_webhooks(s: Store) {
        let now = Utc::now();
        let c = |id: i64, email: &str| MirrorContact {
            verification_id: id,
            email: Some(email.into()),
            create_date: None,
            verify_by: Some("2026-03-09T00:00:00Z".into()),
            domains: vec![format!("d{id}.example")],
        };
        assert_eq!(s.mirror_state().await.unwrap().completed_at, None);
        let scan = s.scan_begin(now).await.unwrap();
        s.scan_page(scan, &[c(1, "A@x.example"), c(2, "b@x.example")]).await.unwrap();
        s.scan_end(scan, Ok(()), now).await.unwrap();
        use chrono::SubsecRound as _;
        assert_eq!(
            s.mirror_state().await.unwrap(),
            MirrorState { completed_at: Some(now.trunc_subsecs(3)), contacts: 2 }
        );
        assert_eq!(s.mirror_find(None, Some("a@X.example")).await.unwrap()[0].verification_id, 1);
        s.mirror_webhook(3, false, Some("2026-03-10T00:00:00Z"), &["w.example".into()])
            .await
            .unwrap();
        s.mirror_webhook(2, true, None, &[]).await.unwrap();
        let scan = s.scan_begin(now).await.unwrap();
        s.scan_page(scan, &[c(1, "a@x.example")]).await.unwrap();
        s.scan_end(scan, Ok(()), now).await.unwrap();
        let ids: Vec<i64> = s
            .mirror_find(Some(3), Some("a@x.example"))
            .await
            .unwrap()
            .iter()
            .map(|c| c.verification_id)
            .collect();
        assert_eq!(ids, [1, 3], "the webhook's entry stays until a scan says otherwise");
        assert!(s.mirror_find(Some(2), None).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn limits_cooldowns_shared_values_and_purges() {
        both(limits_cooldowns_shared_values_and_purges_on).await;
    }

    async fn limits_cooldowns_shared_values_and_purges_on(s: Store) {
        use chrono::TimeDelta;
        let now = Utc::now();
        let b = "account:namecom";
        for i in 0..5 {
            s.record(b, now - TimeDelta::minutes(10 * i), None).await.unwrap();
        }
        assert_eq!(s.count_since(b, now - TimeDelta::minutes(25)).await.unwrap(), 3);
        let third = s.nth_newest(b, 3).await.unwrap().unwrap();
        assert_eq!(third.timestamp(), (now - TimeDelta::minutes(20)).timestamp());
        assert_eq!(s.nth_newest(b, 9).await.unwrap(), None);
        let c = "contact:openprovider:c-1";
        assert_eq!(s.cooldown_until(c).await.unwrap(), None);
        s.record(c, now, Some(now + TimeDelta::minutes(15))).await.unwrap();
        s.record(c, now - TimeDelta::hours(2), Some(now - TimeDelta::hours(1))).await.unwrap();
        let until = s.cooldown_until(c).await.unwrap().unwrap();
        assert_eq!(until.timestamp(), (now + TimeDelta::minutes(15)).timestamp());
        // The account event 40 minutes old, and the contact event whose
        // cooldown is over; the one 30 minutes old is not older.
        assert_eq!(s.purge_events(now - TimeDelta::minutes(30)).await.unwrap(), 2);
        assert_eq!(s.count_since(b, now - TimeDelta::days(1)).await.unwrap(), 4);

        assert_eq!(s.kv_get("openprovider.token").await.unwrap(), None);
        s.kv_put("openprovider.token", "t1", now).await.unwrap();
        s.kv_put("openprovider.token", "t2", now).await.unwrap();
        assert_eq!(s.kv_get("openprovider.token").await.unwrap().unwrap().0, "t2");
        s.kv_delete("openprovider.token").await.unwrap();
        assert_eq!(s.kv_get("openprovider.token").await.unwrap(), None);

        let scan = s.scan_begin(now).await.unwrap();
        let rows: Vec<MirrorContact> = (1..=5)
            .map(|i| MirrorContact {
                verification_id: i,
                email: Some(format!("c{i}@x.example")),
                create_date: None,
                verify_by: None,
                domains: vec![],
            })
            .collect();
        s.scan_page(scan, &rows).await.unwrap();
        s.scan_end(scan, Err("name.com answered HTTP 500"), now).await.unwrap();
        assert_eq!(
            s.mirror_state().await.unwrap().completed_at,
            None,
            "a failed scan completes nothing"
        );
        let (page, total) = s.mirror_page(2, 2).await.unwrap();
        assert_eq!(
            (page.iter().map(|c| c.verification_id).collect::<Vec<_>>(), total),
            (vec![3, 4], 5)
        );
        assert!(s.ping().await);
    }

    #[tokio::test]
    async fn a_lease_is_held_by_one_holder_until_it_lapses() {
        both(a_lease_is_held_by_one_holder_until_it_lapses_on).await;
    }

    async fn a_lease_is_held_by_one_holder_until_it_lapses_on(s: Store) {
        use chrono::TimeDelta;
        let now = Utc::now();
        let ttl = TimeDelta::seconds(60);
        assert!(s.lease("scan", "a", ttl, now).await.unwrap());
        assert!(!s.lease("scan", "b", ttl, now).await.unwrap(), "held by a");
        assert!(s.lease("scan", "a", ttl, now + TimeDelta::seconds(30)).await.unwrap(), "a renews");
        assert!(!s.lease("scan", "b", ttl, now + TimeDelta::seconds(60)).await.unwrap());
        assert!(
            s.lease("scan", "b", ttl, now + TimeDelta::seconds(91)).await.unwrap(),
            "lapsed: b takes it"
        );
        s.release_lease("scan", "a").await;
        assert!(
            !s.lease("scan", "a", ttl, now + TimeDelta::seconds(92)).await.unwrap(),
            "a cannot release b's"
        );
        s.release_lease("scan", "b").await;
        assert!(s.lease("scan", "a", ttl, now + TimeDelta::seconds(92)).await.unwrap());
    }
}
