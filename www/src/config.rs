//! Server configuration: where the widget bundle lives and which registrar
//! each provider's pass-through talks to.

use std::path::PathBuf;
use std::time::Duration;

use crate::ratelimit::RateLimits;
use crate::sandbox;

pub use crate::gateway::secret::Secret;

/// Domain Name API upstream: base URL (up to, without, `/ContactApi.svc`)
/// and credentials sent in the JSON body.
#[derive(Clone, Debug)]
pub struct DnaUpstream {
    /// Base URL, e.g. `http://127.0.0.1:8080/sandbox/dna`.
    pub base_url: String,
    /// `UserName`.
    pub username: Secret,
    /// `Password`.
    pub password: Secret,
}

/// name.com upstream: base URL (up to, without, `/core/v1`) and HTTP Basic
/// credentials.
#[derive(Clone, Debug)]
pub struct NamecomUpstream {
    /// Base URL, e.g. `https://api.dev.name.com`.
    pub base_url: String,
    /// API user name.
    pub username: Secret,
    /// API token.
    pub token: Secret,
}

/// Openprovider upstream: base URL (up to, without, `/v1beta`) and bearer
/// token.
#[derive(Clone, Debug)]
pub struct OpenproviderUpstream {
    /// Base URL, e.g. `https://api.openprovider.eu`.
    pub base_url: String,
    /// Bearer token.
    pub token: Secret,
}

/// Everything [`crate::app`] needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Directory served at `/widget/` (the built widget package).
    pub widget_dir: PathBuf,
    /// `--static-dir`: the developer's own pages, served at `/site/` on
    /// the demo's origin (beside the pass-through, with the demo session).
    pub static_dir: Option<PathBuf>,
    /// Domain Name API upstream.
    pub dna: DnaUpstream,
    /// name.com upstream.
    pub namecom: NamecomUpstream,
    /// Openprovider upstream.
    pub openprovider: OpenproviderUpstream,
    /// The exact public URL name.com posts webhooks to (the HMAC covers
    /// it): `NAMECOM_WEBHOOK_URL`, default `<self_url>/webhooks/namecom`.
    pub namecom_webhook_url: String,
    /// The SQLite resend log: `RESEND_LOG`, default
    /// `target/www-resend-log.sqlite3`; `:memory:` keeps it in memory
    /// (what [`Config::sandbox`] does, for in-process tests).
    pub resend_log: PathBuf,
    /// The pass-through's own rate limits.
    pub limits: RateLimits,
    /// How often an idle event stream gets a keep-alive comment (15 s).
    pub sse_keep_alive: Duration,
    /// The demo's own verification (a gateway in process at `/gateway`, a
    /// mail catcher at `/mailbox`), reached at this URL: set by
    /// [`Config::from_env`] (`OWN_VERIFICATION_DEMO=off` leaves it out),
    /// not by [`Config::sandbox`].
    pub own_verification_demo: Option<String>,
}

impl Config {
    /// Every provider pointed at this server's own sandbox, reachable at
    /// `self_url` (e.g. `http://127.0.0.1:8080`), with the built-in sandbox
    /// credentials. Ignores the environment.
    pub fn sandbox(self_url: &str, widget_dir: impl Into<PathBuf>) -> Self {
        let base = self_url.trim_end_matches('/');
        Config {
            widget_dir: widget_dir.into(),
            static_dir: None,
            dna: DnaUpstream {
                base_url: format!("{base}/sandbox/dna"),
                username: Secret::new(sandbox::DNA_USERNAME),
                password: Secret::new(sandbox::DNA_PASSWORD),
            },
            namecom: NamecomUpstream {
                base_url: format!("{base}/sandbox/namecom"),
                username: Secret::new(sandbox::NAMECOM_USERNAME),
                token: Secret::new(sandbox::NAMECOM_TOKEN),
            },
            openprovider: OpenproviderUpstream {
                base_url: format!("{base}/sandbox/openprovider"),
                token: Secret::new(sandbox::OPENPROVIDER_TOKEN),
            },
            namecom_webhook_url: format!("{base}/webhooks/namecom"),
            resend_log: PathBuf::from(crate::resend_log::IN_MEMORY),
            limits: RateLimits::default(),
            sse_keep_alive: Duration::from_secs(15),
            own_verification_demo: None,
        }
    }

    /// [`Config::sandbox`], with each value overridden by its environment
    /// variable when set and not empty: `DNA_BASE_URL`, `DNA_USERNAME`,
    /// `DNA_PASSWORD`, `NAMECOM_BASE_URL`, `NAMECOM_USERNAME`,
    /// `NAMECOM_TOKEN`, `OPENPROVIDER_BASE_URL`, `OPENPROVIDER_TOKEN`,
    /// `NAMECOM_WEBHOOK_URL`, `RESEND_LOG` (default
    /// `target/www-resend-log.sqlite3`).
    pub fn from_env(self_url: &str, widget_dir: impl Into<PathBuf>) -> Self {
        Self::from_lookup(self_url, widget_dir, |name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] reading variables through `lookup`.
    pub fn from_lookup(
        self_url: &str,
        widget_dir: impl Into<PathBuf>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut c = Self::sandbox(self_url, widget_dir);
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if get("OWN_VERIFICATION_DEMO").as_deref() != Some("off") {
            c.own_verification_demo = Some(self_url.trim_end_matches('/').to_owned());
        }
        let url = |name: &str, into: &mut String| {
            if let Some(v) = get(name) {
                *into = v.trim().trim_end_matches('/').to_owned();
            }
        };
        let secret = |name: &str, into: &mut Secret| {
            if let Some(v) = get(name) {
                *into = Secret::new(v);
            }
        };
        url("DNA_BASE_URL", &mut c.dna.base_url);
        secret("DNA_USERNAME", &mut c.dna.username);
        secret("DNA_PASSWORD", &mut c.dna.password);
        url("NAMECOM_BASE_URL", &mut c.namecom.base_url);
        secret("NAMECOM_USERNAME", &mut c.namecom.username);
        secret("NAMECOM_TOKEN", &mut c.namecom.token);
        url("OPENPROVIDER_BASE_URL", &mut c.openprovider.base_url);
        secret("OPENPROVIDER_TOKEN", &mut c.openprovider.token);
        if let Some(v) = get("NAMECOM_WEBHOOK_URL") {
            c.namecom_webhook_url = v.trim().to_owned();
        }
        c.resend_log = get("RESEND_LOG")
            .map_or_else(|| PathBuf::from("target/www-resend-log.sqlite3"), PathBuf::from);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_and_debug_hides_secrets() {
        let c = Config::from_lookup("http://127.0.0.1:9/", "pkg", |n| match n {
            "NAMECOM_BASE_URL" => Some("https://api.dev.name.com/".into()),
            "NAMECOM_TOKEN" => Some("tok-XYZ".into()),
            "DNA_USERNAME" => Some("  ".into()),
            _ => None,
        });
        assert_eq!(c.namecom.base_url, "https://api.dev.name.com");
        assert_eq!(c.namecom.token.expose(), "tok-XYZ");
        assert_eq!(c.dna.base_url, "http://127.0.0.1:9/sandbox/dna");
        assert_eq!(c.dna.username.expose(), sandbox::DNA_USERNAME);
        assert_eq!(c.namecom_webhook_url, "http://127.0.0.1:9/webhooks/namecom");
        assert_eq!(c.resend_log, PathBuf::from("target/www-resend-log.sqlite3"));
        let debug = format!("{c:?}");
        assert!(!debug.contains("tok-XYZ"));
        assert!(!debug.contains(sandbox::DNA_PASSWORD));
    }
}
