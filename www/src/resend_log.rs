//! The demo pass-through's durable resend log: one row per resend it
//! forwards, written (and synced) **before** the request goes upstream, then
//! completed with the registrar's answer. The rows live in the gateway's
//! store ([`crate::gateway::store`], table `resends`): the demo and `serve`
//! keep one log format, and `log export` reads either.
//!
//! The database (path from `RESEND_LOG`) is opened on the first resend; if
//! it cannot be written, the resend is refused (503
//! `resend_log_unavailable`) rather than sent unrecorded. Registrar
//! credentials are never written: they are not part of a row, and any
//! occurrence of one in a registrar's body is replaced by `***`.

use std::path::Path;

use chrono::Utc;
use tokio::sync::OnceCell;

use crate::gateway::store::{LogEntry, Store};

/// The `RESEND_LOG` value that keeps the log in memory (no durability).
pub const IN_MEMORY: &str = ":memory:";

/// The log (its store opened on first use).
#[derive(Debug)]
pub struct ResendLog {
    url: String,
    secrets: Vec<String>,
    store: OnceCell<Store>,
}

impl ResendLog {
    /// The log at `path` (`:memory:` for none on disk); `secrets` are
    /// redacted from stored bodies.
    ///
    /// # Errors
    /// The file's folder cannot be created.
    pub fn open(path: &Path, secrets: Vec<String>) -> Result<Self, String> {
        let url = if path.as_os_str() == IN_MEMORY {
            "sqlite::memory:".to_owned()
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            format!("sqlite://{}", path.display())
        };
        Ok(ResendLog { url, secrets, store: OnceCell::new() })
    }

    async fn store(&self) -> Result<&Store, String> {
        self.store.get_or_try_init(|| Store::open(&self.url, self.secrets.clone())).await
    }

    /// Writes the row for a resend about to go upstream (`session`: the
    /// demo session's id, stored hashed); returns its id once committed.
    ///
    /// # Errors
    /// The database error, as text.
    pub async fn begin(&self, entry: &LogEntry<'_>) -> Result<i64, String> {
        self.store().await?.log_begin(entry, Utc::now()).await
    }

    /// Completes row `id` with the registrar's answer, or with why there
    /// was none.
    pub async fn finish(&self, id: i64, answer: Result<(u16, &[u8]), &str>) {
        match self.store().await {
            Ok(store) => store.log_finish(id, answer, Utc::now()).await,
            Err(e) => {
                tracing::error!(row = id, error = %e, "resend log: could not record the answer")
            }
        }
    }
}
