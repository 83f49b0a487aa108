//! The gateway's state, behind one interface: the resend log, resend
//! intents (idempotency), rate-limit events and cooldowns, Openprovider's
//! token and the name.com mirror. SQLite (one machine) or PostgreSQL
//! (several instances) through sqlx's `Any` driver, chosen by the URL; one
//! set of queries (`$n` placeholders, which both read), the schema applied at
//! start by sqlx's migrator (`www/gateway/migrations/{sqlite,postgres}`: the same
//! tables in each one's types).
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a row committed before a
//! resend goes upstream survives a crash of the process or the machine.
//! PostgreSQL sessions get a statement timeout, so an unreachable or stuck
//! database answers with an error instead of hanging a request. What cannot
//! be written is refused, never sent unrecorded.

mod limits;
mod log;
mod mirror;
mod queue;
mod shared;

pub use queue::{NewQueued, QueueRow};

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
}

/// The first 64 bits of SHA-256 of a demo session id, hex: enough to group
/// a session's resends, useless as a cookie.
pub fn session_hash(id: &str) -> String {
    Sha256::digest(id.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::testing::Postgres;

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

        // Two scans at once (a lease that ran out while one was slow): the
        // older's late write never takes a row back from the newer, whose
        // end would then delete it.
        let older = s.scan_begin(now).await.unwrap();
        let newer = s.scan_begin(now).await.unwrap();
        s.scan_page(newer, &[c(1, "a@x.example"), c(4, "d@x.example")]).await.unwrap();
        s.scan_page(older, &[c(1, "a@x.example")]).await.unwrap();
        s.scan_end(newer, Ok(()), now).await.unwrap();
        s.scan_end(older, Ok(()), now).await.unwrap();
        assert_eq!(s.mirror_find(Some(1), None).await.unwrap().len(), 1, "still listed");
        assert_eq!(s.mirror_find(Some(4), None).await.unwrap().len(), 1);
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
