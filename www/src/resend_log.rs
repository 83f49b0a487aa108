//! The durable resend log: one SQLite row per resend the pass-through
//! forwards, written (and synced) **before** the request goes upstream,
//! then completed with the registrar's answer.
//!
//! The database (path from `RESEND_LOG`) is in WAL mode with
//! `synchronous=FULL`, so a committed row survives a crash of the server
//! or the machine. A row whose `upstream_status` and `error` are both NULL
//! is a resend whose outcome is unknown: the server died (or is still
//! waiting) after asking the registrar. If the row cannot be written, the
//! resend is refused (503 `resend_log_unavailable`) rather than sent
//! unrecorded.
//!
//! ```sql
//! CREATE TABLE resends (
//!   id INTEGER PRIMARY KEY AUTOINCREMENT,
//!   created_at TEXT NOT NULL,      -- RFC 3339 UTC, before the upstream call
//!   session TEXT NOT NULL,         -- SHA-256 of the session id, 16 hex digits
//!   registrant TEXT NOT NULL,
//!   provider TEXT NOT NULL,        -- dna | namecom | openprovider
//!   contact TEXT NOT NULL,         -- registry key
//!   email TEXT NOT NULL,
//!   domains TEXT NOT NULL,         -- JSON array
//!   operation TEXT NOT NULL,       -- restart, start, resend, ResendContactVerificationNotice
//!   idempotency_key TEXT,
//!   upstream_status INTEGER,       -- the registrar's HTTP status
//!   upstream_body TEXT,            -- the registrar's body
//!   error TEXT,                    -- why no answer came (timeout, connection failed, ...)
//!   answered_at TEXT
//! );
//! ```
//!
//! Registrar credentials are never written: they are not part of a row,
//! and any occurrence of one in a registrar's body is replaced by `***`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{SecondsFormat, Utc};
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

/// The `RESEND_LOG` value that keeps the log in memory (no durability).
pub const IN_MEMORY: &str = ":memory:";

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS resends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    session TEXT NOT NULL,
    registrant TEXT NOT NULL,
    provider TEXT NOT NULL,
    contact TEXT NOT NULL,
    email TEXT NOT NULL,
    domains TEXT NOT NULL,
    operation TEXT NOT NULL,
    idempotency_key TEXT,
    upstream_status INTEGER,
    upstream_body TEXT,
    error TEXT,
    answered_at TEXT
)";

/// What is known about a resend before it goes upstream.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// The session id (stored hashed).
    pub session: &'a str,
    /// The registrant.
    pub registrant: &'a str,
    /// `dna`, `namecom` or `openprovider`.
    pub provider: &'a str,
    /// The registry key of the contact.
    pub contact: &'a str,
    /// The address the email goes to.
    pub email: &'a str,
    /// The domains that depend on the verification.
    pub domains: &'a [String],
    /// The registrar operation.
    pub operation: &'a str,
    /// The intent's idempotency key, if the browser sent one.
    pub idempotency_key: Option<&'a str>,
}

/// The open log.
#[derive(Clone)]
pub struct ResendLog {
    conn: Arc<Mutex<Connection>>,
    secrets: Arc<Vec<String>>,
}

impl std::fmt::Debug for ResendLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResendLog").finish_non_exhaustive()
    }
}

impl ResendLog {
    /// Opens (creating) the log at `path`; `secrets` are redacted from
    /// stored bodies.
    ///
    /// # Errors
    /// When the file cannot be opened or the schema created.
    pub fn open(path: &Path, secrets: Vec<String>) -> rusqlite::Result<Self> {
        let conn = if path.as_os_str() == IN_MEMORY {
            Connection::open_in_memory()?
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                let _ = std::fs::create_dir_all(dir);
            }
            Connection::open(path)?
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        let secrets = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        Ok(ResendLog { conn: Arc::new(Mutex::new(conn)), secrets: Arc::new(secrets) })
    }

    /// Writes the row for a resend about to go upstream; returns its id
    /// once it is committed.
    ///
    /// # Errors
    /// The SQLite error, as text.
    pub async fn begin(&self, e: Entry<'_>) -> Result<i64, String> {
        let row = (
            Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            session_hash(e.session),
            e.registrant.to_owned(),
            e.provider.to_owned(),
            e.contact.to_owned(),
            e.email.to_owned(),
            serde_json::to_string(e.domains).unwrap_or_else(|_| "[]".into()),
            e.operation.to_owned(),
            e.idempotency_key.map(str::to_owned),
        );
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let c = conn.lock().unwrap_or_else(|e| e.into_inner());
            c.execute(
                "INSERT INTO resends (created_at, session, registrant, provider, contact, email,
                 domains, operation, idempotency_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8],
            )?;
            Ok::<_, rusqlite::Error>(c.last_insert_rowid())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
    }

    /// Completes row `id` with the registrar's answer, or with why there
    /// was none.
    pub async fn finish(&self, id: i64, answer: Result<(u16, &[u8]), &str>) {
        let (status, body, error) = match answer {
            Ok((status, body)) => {
                let mut text = String::from_utf8_lossy(body).into_owned();
                for s in self.secrets.iter() {
                    if text.contains(s.as_str()) {
                        text = text.replace(s.as_str(), "***");
                    }
                }
                (Some(status), Some(text), None)
            }
            Err(e) => (None, None, Some(e.to_owned())),
        };
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let conn = self.conn.clone();
        let done = tokio::task::spawn_blocking(move || {
            let c = conn.lock().unwrap_or_else(|e| e.into_inner());
            c.execute(
                "UPDATE resends SET upstream_status = ?1, upstream_body = ?2, error = ?3,
                 answered_at = ?4 WHERE id = ?5",
                params![status, body, error, at, id],
            )
        })
        .await;
        if !matches!(done, Ok(Ok(1))) {
            eprintln!("resend log: could not record the answer of resend {id}");
        }
    }
}

/// The first 64 bits of SHA-256 of the session id, hex: enough to group a
/// session's resends, useless as a cookie.
fn session_hash(id: &str) -> String {
    Sha256::digest(id.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_then_completes_and_redacts() {
        let path = std::env::temp_dir().join(format!("rl-unit-{}.sqlite3", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let log = ResendLog::open(&path, vec!["sekrit-token".into()]).unwrap();
        let domains = vec!["a.com".to_owned()];
        let id = log
            .begin(Entry {
                session: "0123456789abcdef",
                registrant: "r1",
                provider: "dna",
                contact: "dna-pending",
                email: "p@dna.example",
                domains: &domains,
                operation: "ResendContactVerificationNotice",
                idempotency_key: Some("k1"),
            })
            .await
            .unwrap();
        log.finish(id, Ok((200, b"{\"echo\":\"sekrit-token\"}"))).await;
        let c = Connection::open(&path).unwrap();
        let (session, domains, status, body): (String, String, i64, String) = c
            .query_row(
                "SELECT session, domains, upstream_status, upstream_body FROM resends WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(session.len(), 16);
        assert_ne!(session, "0123456789abcdef");
        assert_eq!(domains, "[\"a.com\"]");
        assert_eq!(status, 200);
        assert_eq!(body, "{\"echo\":\"***\"}");
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        drop(c);
        let _ = std::fs::remove_file(&path);
    }
}
