//! The gateway's configuration: one TOML file, secrets from the
//! environment.
//!
//! Any string value written `env:NAME` is read from the environment
//! variable `NAME` (a missing or empty variable stops the start, naming the
//! setting and the variable). Unknown keys are refused, so a typo never
//! silently turns a setting off. A registrar section left out means that
//! registrar is not served; nothing ever falls back to sandbox credentials.
//!
//! ```toml
//! listen = "127.0.0.1:8443"
//! allowed_origins = ["https://panel.example"]
//! database = "sqlite://gateway.db"
//!
//! [tokens]
//! audience = "registrant-verification"
//! hs256_secret = "env:GATEWAY_TOKEN_SECRET"      # 32 bytes or more
//! # public_keys = "keys.jwks.json"               # EdDSA / RS256 / ES256
//!
//! [namecom]
//! base_url = "https://api.name.com"
//! username = "..."
//! token = "env:NAMECOM_TOKEN"
//! webhook_url = "https://gateway.example/webhooks/namecom"
//!
//! [openprovider]
//! base_url = "https://api.openprovider.eu"
//! username = "..."
//! password = "env:OPENPROVIDER_PASSWORD"
//! # timezone = "Europe/Amsterdam"   # offset-less timestamps; default UTC
//!
//! [dna]
//! base_url = "https://..."
//! username = "..."
//! password = "env:DNA_PASSWORD"
//! # timezone = "Europe/Istanbul"
//! # The contract comes from {base_url}/{service_path}?singleWsdl; these
//! # override it: service_path, action_prefix, method_namespace,
//! # credentials_namespace, fields_namespace.
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::secret::Secret;

mod file;
mod registrars;

pub use registrars::{
    DnaConfig, NamecomConfig, OpenproviderConfig, OwnVerificationConfig, DNA_CREDENTIALS_NS,
    DNA_FIELDS_NS,
};

/// A configuration that cannot be used, naming the setting at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

/// Everything `serve` needs.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Origins allowed to call the API from a browser (CORS and `Origin`
    /// checks); exact `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
    /// `sqlite://PATH` (created if missing), `sqlite::memory:`, or
    /// `postgres://…` for several instances on one database.
    pub database: String,
    /// Pool size and statement timeout of the store.
    pub store: super::store::StoreOptions,
    /// The widget's built files, served at `/widget/` when set.
    pub widget_dir: Option<PathBuf>,
    /// How many days resend-log rows are kept (default 760: two years and a
    /// month).
    pub retention_days: u32,
    /// Per-contact cooldown where the registrar gives none (default 15
    /// minutes).
    pub cooldown: Duration,
    /// Timeout of every upstream call (default 20 s).
    pub upstream_timeout: Duration,
    /// How often each registrar is probed for `/readyz` (default 30 s).
    pub probe_interval: Duration,
    /// How long an Openprovider or DNA status answer is reused for the
    /// same contact (default 60 s; 0: reads are only coalesced).
    pub status_reuse: Duration,
    /// Status reads a minute per token, per instance (default 60; 0: none).
    pub status_reads_per_minute: u32,
    /// API requests a minute per client address, per instance (default
    /// 600; 0: none).
    pub requests_per_minute_per_ip: u32,
    /// The listener's bounds (see [`super::server`]): time for a request's
    /// headers (default 10 s), for its answer (default 60 s), and
    /// connections at once (default 10,000).
    pub header_read_timeout: Duration,
    /// See `header_read_timeout`.
    pub request_timeout: Duration,
    /// See `header_read_timeout`.
    pub max_connections: u32,
    /// Where `/healthz`, `/readyz` and `/metrics` are served instead of
    /// `listen`, when set.
    pub ops_listen: Option<SocketAddr>,
    /// The bearer `/readyz` and `/metrics` require, when set.
    pub ops_token: Option<Secret>,
    /// Open event streams per token (default 5; a new one closes the
    /// oldest) and per instance (default 10,000).
    pub event_streams_per_token: u32,
    /// See `event_streams_per_token`.
    pub event_streams_max: u32,
    /// Failed probes in a row before a registrar is not ready (default 3).
    pub probe_failures: u32,
    /// Who may ask.
    pub tokens: TokensConfig,
    /// name.com, if served.
    pub namecom: Option<NamecomConfig>,
    /// Openprovider, if served.
    pub openprovider: Option<OpenproviderConfig>,
    /// Domain Name API, if served.
    pub dna: Option<DnaConfig>,
}

/// How the panel's tokens are checked.
#[derive(Clone, Debug)]
pub struct TokensConfig {
    /// The `aud` every token must carry.
    pub audience: String,
    /// The HS256 key shared with the panel (32 bytes or more).
    pub hs256_secret: Option<Secret>,
    /// A JWKS file of public keys (EdDSA, RS256, ES256), instead of or
    /// beside the shared secret.
    pub public_keys: Option<PathBuf>,
    /// The longest a token may live, `exp - iat` (default 1 hour).
    pub max_lifetime: Duration,
    /// Clock skew allowed on `exp` and `nbf` (default 30 s).
    pub leeway: Duration,
    /// The `iss` every token must carry, when set.
    pub issuer: Option<String>,
}

impl GatewayConfig {
    /// Reads and checks the file at `path`, taking `env:` values from the
    /// process environment.
    ///
    /// # Errors
    /// A message naming the file, the setting and what is wrong with it.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with(path, |name| std::env::var(name).ok())
    }

    /// [`GatewayConfig::load`] taking `env:` values from `env`.
    ///
    /// # Errors
    /// As [`GatewayConfig::load`].
    pub fn load_with(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        // Absolute: `sqlite://` + a relative path would read its first
        // directory as a host (`--config www/examples/…` opened `/target/…`).
        let base = config_dir(path)?;
        Self::parse(&text, &base, env).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
    }

    /// Parses `text`; relative paths are relative to `base`; `env` looks up
    /// environment variables.
    ///
    /// # Errors
    /// Every registrar credential, for redaction.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(n) = &self.namecom {
            out.extend([n.username.expose().to_owned(), n.token.expose().to_owned()]);
            if let Some(o) = &n.own_verification {
                out.push(o.link_secret.expose().to_owned());
                out.extend(smtp_password(o.smtp_url.expose()));
            }
        }
        if let Some(o) = &self.openprovider {
            out.extend([o.username.expose().to_owned(), o.password.expose().to_owned()]);
        }
        if let Some(d) = &self.dna {
            out.extend([d.username.expose().to_owned(), d.password.expose().to_owned()]);
        }
        if let Some(s) = &self.tokens.hs256_secret {
            out.push(s.expose().to_owned());
        }
        if let Some(s) = &self.ops_token {
            out.push(s.expose().to_owned());
        }
        out.retain(|s| s.len() >= 4);
        out
    }
}
/// The parsed table as `T`, a wrong type or an unknown key named by its
/// full path (`namecom.per_page`, `tokens`).
fn typed<T: serde::de::DeserializeOwned>(table: toml::Table) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message();
        if at == "." || at.is_empty() {
            ConfigError(message.to_owned())
        } else if let Some(rest) = message.strip_prefix("unknown field") {
            // The path names the unknown key itself: say its section.
            let what = format!("unknown key{rest}");
            match at.rsplit_once('.') {
                Some((section, _)) => ConfigError(format!("`[{section}]`: {what}")),
                None => ConfigError(format!("top level: {what}")),
            }
        } else {
            ConfigError(format!("`{at}`: {message}"))
        }
    })
}

/// `value` (or `default`) when inside `range`, else an error naming `name`
/// and the allowed range in `unit`.
fn within(
    value: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    name: &str,
    unit: &str,
) -> Result<u64, ConfigError> {
    let v = value.unwrap_or(default);
    if range.contains(&v) {
        Ok(v)
    } else {
        err(format!("`{name}` must be {} to {} {unit}; it is {v}", range.start(), range.end()))
    }
}

/// Reads only `database` from the file at `path` (for `log export`, which
/// needs no registrar or token secret), relative to the file.
///
/// # Errors
/// The file cannot be read, or `database` is not usable.
pub fn load_database(path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    let base = config_dir(path)?;
    let at = |e: ConfigError| ConfigError(format!("{}: {e}", path.display()));
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| at(ConfigError(format!("not valid TOML: {e}"))))?;
    let mut only = toml::Table::new();
    if let Some(v) = table.get("database") {
        only.insert("database".into(), v.clone());
    }
    resolve_env(&mut only, "", &|name: &str| std::env::var(name).ok()).map_err(at)?;
    let database = match only.get("database") {
        None => "sqlite://gateway.db".to_owned(),
        Some(toml::Value::String(s)) => s.clone(),
        Some(_) => return Err(at(ConfigError("`database`: expected a string".into()))),
    };
    database_url(database, &|p: PathBuf| if p.is_absolute() { p } else { base.join(p) }).map_err(at)
}

/// `[namecom.own_verification]`'s `retention_days` and `expiry_grace_days`
/// (defaults 760 and 45) and nothing else: `log export` and `log
/// retention` need no secret.
///
/// # Errors
/// The file cannot be read, or a value is not a whole number of days.
pub fn load_own_retention(path: &Path) -> Result<(u32, u32), ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| ConfigError(format!("{}: not valid TOML: {e}", path.display())))?;
    let own = table
        .get("namecom")
        .and_then(|n| n.get("own_verification"))
        .and_then(toml::Value::as_table);
    let days = |key: &str, default: u32| -> Result<u32, ConfigError> {
        match own.and_then(|o| o.get(key)) {
            None => Ok(default),
            Some(v) => v.as_integer().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                ConfigError(format!("`namecom.own_verification.{key}`: expected days"))
            }),
        }
    };
    Ok((days("retention_days", 760)?, days("expiry_grace_days", 45)?))
}

/// The absolute directory of the configuration file at `path`, which
/// relative paths in it are relative to. A bare `gateway.toml` has the
/// parent `""`: the current directory.
fn config_dir(path: &Path) -> Result<PathBuf, ConfigError> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::path::absolute(parent)
        .map_err(|e| ConfigError(format!("cannot resolve {}: {e}", path.display())))
}

/// `database` checked, with a relative SQLite path made absolute by `path`.
fn database_url(
    database: String,
    path: &impl Fn(PathBuf) -> PathBuf,
) -> Result<String, ConfigError> {
    if super::store::Backend::of(&database).is_none() {
        return err(format!(
            "`database`: `{}` is not supported (use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB)",
            redact_url(&database)
        ));
    }
    Ok(match database.strip_prefix("sqlite://") {
        Some(p) if !p.starts_with('/') && !p.is_empty() => {
            format!("sqlite://{}", path(PathBuf::from(p)).display())
        }
        _ => database,
    })
}

fn required(value: Option<String>, name: &str) -> Result<String, ConfigError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => err(format!("`{name}` is required")),
    }
}

fn url(value: Option<String>, name: &str) -> Result<String, ConfigError> {
    let v = required(value, name)?;
    let v = v.trim().trim_end_matches('/').to_owned();
    if !(v.starts_with("https://") || v.starts_with("http://")) {
        return err(format!("`{name}`: `{v}` is not an http(s) URL"));
    }
    Ok(v)
}

/// The password in an SMTP URL (`smtps://user:password@host`), for
/// redaction.
fn smtp_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1.to_owned()).filter(|p| !p.is_empty())
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

/// Replaces every string `env:NAME` with the variable's value.
fn resolve_env(
    table: &mut toml::Table,
    prefix: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for (key, value) in table.iter_mut() {
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        resolve_value(value, &name, env)?;
    }
    Ok(())
}

fn resolve_value(
    value: &mut toml::Value,
    name: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    match value {
        toml::Value::String(s) => {
            if let Some(var) = s.strip_prefix("env:") {
                let var = var.trim();
                match env(var).filter(|v| !v.trim().is_empty()) {
                    Some(v) => *s = v,
                    None => {
                        return err(format!(
                            "`{name}` is read from the environment variable {var}, which is not set"
                        ))
                    }
                }
            }
        }
        toml::Value::Table(t) => resolve_env(t, name, env)?,
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                resolve_value(item, &format!("{name}[{i}]"), env)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    const FULL: &str = r#"
listen = "127.0.0.1:9443"
allowed_origins = ["https://panel.example", "http://127.0.0.1:8080/"]
database = "sqlite://data/gw.db"

[tokens]
audience = "registrant-verification"
hs256_secret = "env:GATEWAY_TOKEN_SECRET"

[namecom]
base_url = "https://api.dev.name.com/"
username = "reseller-test"
token = "env:NAMECOM_TOKEN"
webhook_url = "https://gw.example/webhooks/namecom"

[openprovider]
base_url = "https://api.openprovider.eu"
username = "reseller"
password = "env:OPENPROVIDER_PASSWORD"
"#;

    fn env(name: &str) -> Option<String> {
        match name {
            "GATEWAY_TOKEN_SECRET" => Some("x".repeat(40)),
            "NAMECOM_TOKEN" => Some("nc-token-123".into()),
            "OPENPROVIDER_PASSWORD" => Some("op-pass-456".into()),
            _ => None,
        }
    }

    #[test]
    fn reads_env_values_defaults_and_leaves_out_unconfigured_registrars() {
        let c = GatewayConfig::parse(FULL, Path::new("/etc/gw"), env).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9443");
        assert_eq!(c.allowed_origins, ["https://panel.example", "http://127.0.0.1:8080"]);
        assert_eq!(c.database, "sqlite:///etc/gw/data/gw.db");
        let nc = c.namecom.as_ref().unwrap();
        assert_eq!(nc.token.expose(), "nc-token-123");
        assert_eq!(nc.base_url, "https://api.dev.name.com");
        assert_eq!(nc.scan_interval, Duration::from_secs(600));
        assert_eq!(c.openprovider.as_ref().unwrap().password.expose(), "op-pass-456");
        assert!(c.dna.is_none(), "a section left out is not served");
        assert_eq!(c.retention_days, 760);
        assert_eq!(c.tokens.max_lifetime, Duration::from_secs(3600));
        let debug = format!("{c:?}");
        assert!(!debug.contains("nc-token-123") && !debug.contains("op-pass-456"), "{debug}");
    }

    #[test]
    fn a_missing_or_bad_setting_is_named() {
        let no_secret = |n: &str| if n == "GATEWAY_TOKEN_SECRET" { None } else { env(n) };
        let e = GatewayConfig::parse(FULL, Path::new("."), no_secret).unwrap_err();
        assert!(e.0.contains("tokens.hs256_secret") && e.0.contains("GATEWAY_TOKEN_SECRET"), "{e}");
        let short =
            |n: &str| if n == "GATEWAY_TOKEN_SECRET" { Some("short".into()) } else { env(n) };
        let e = GatewayConfig::parse(FULL, Path::new("."), short).unwrap_err();
        assert!(e.0.contains("32 bytes"), "{e}");
        let typo = FULL.replace("webhook_url", "webhok_url");
        let e = GatewayConfig::parse(&typo, Path::new("."), env).unwrap_err();
        assert!(e.0.contains("webhok_url"), "{e}");
        let no_token = FULL.replace("token = \"env:NAMECOM_TOKEN\"", "");
        let e = GatewayConfig::parse(&no_token, Path::new("."), env).unwrap_err();
        assert_eq!(e.0, "`namecom.token` is required");
        let no_tokens = FULL.replace("[tokens]", "[tokenz]");
        assert!(GatewayConfig::parse(&no_tokens, Path::new("."), env).is_err());
        let bad_origin = FULL.replace("https://panel.example\"", "https://panel.example/app\"");
        let e = GatewayConfig::parse(&bad_origin, Path::new("."), env).unwrap_err();
        assert!(e.0.contains("allowed_origins"), "{e}");
        let mysql = FULL.replace("sqlite://data/gw.db", "mysql://u:hunter2@db/x");
        let e = GatewayConfig::parse(&mysql, Path::new("."), env).unwrap_err();
        assert!(e.0.contains("database") && !e.0.contains("hunter2"), "{e}");
        let pg = FULL.replace("sqlite://data/gw.db", "env:DATABASE_URL");
        let with_url = |n: &str| match n {
            "DATABASE_URL" => Some("postgres://gw:pw@db.internal/gateway".into()),
            _ => env(n),
        };
        let c = GatewayConfig::parse(&pg, Path::new("."), with_url).unwrap();
        assert_eq!(c.database, "postgres://gw:pw@db.internal/gateway");
    }

    #[test]
    fn own_verification_is_read_checked_and_its_secrets_redacted() {
        let own = format!(
            "{FULL}\n[namecom.own_verification]\nenabled = true\n\
             smtp_url = \"smtps://mailer:smtp-pass-789@mail.example:465\"\n\
             from = \"Acme <verify@acme.example>\"\npublic_url = \"https://gw.example/\"\n\
             link_secret = \"{}\"\nreminder_days = [2, 7, 7]\n",
            "k".repeat(32)
        );
        let c = GatewayConfig::parse(&own, Path::new("."), env).unwrap();
        let o = c.namecom.as_ref().unwrap().own_verification.as_ref().unwrap();
        assert_eq!(o.reminder_days, [7, 2]);
        assert_eq!(o.public_url, "https://gw.example");
        assert_eq!((o.language.as_str(), o.retention_days), ("en", 760));
        assert_eq!(o.grace, Duration::from_secs(30 * 86_400));
        assert!(c.secrets().contains(&"smtp-pass-789".to_owned()));
        assert!(!format!("{c:?}").contains("smtp-pass-789"));
        let e = GatewayConfig::parse(&own.replace("smtps://", "http://"), Path::new("."), env)
            .unwrap_err();
        assert!(e.0.contains("smtp_url") && !e.0.contains("smtp-pass-789"), "{e}");
        let e = GatewayConfig::parse(&own.replace("enabled = true", ""), Path::new("."), env)
            .unwrap_err();
        assert!(e.0.contains("own_verification.enabled"), "{e}");
        let off = own.replace("enabled = true", "enabled = false");
        let c = GatewayConfig::parse(&off, Path::new("."), env).unwrap();
        assert!(c.namecom.unwrap().own_verification.is_none());
        let e = GatewayConfig::parse(&own.replace("[2, 7, 7]", "[20]"), Path::new("."), env)
            .unwrap_err();
        assert!(e.0.contains("reminder_days"), "{e}");
        let e = GatewayConfig::parse(&own.replace("kkkk", "k"), Path::new("."), env).unwrap_err();
        assert!(e.0.contains("link_secret"), "{e}");
    }

    #[test]
    fn type_errors_and_typos_name_the_section_and_key() {
        let e = GatewayConfig::parse(
            &FULL.replace("listen =", "cooldown_seconds = \"900\"\nlisten ="),
            Path::new("."),
            env,
        )
        .unwrap_err();
        assert!(e.0.starts_with("`cooldown_seconds`: invalid type: string \"900\""), "{e}");
        let e =
            GatewayConfig::parse(&FULL.replace("audience =", "audiance ="), Path::new("."), env)
                .unwrap_err();
        assert!(
            e.0.starts_with("`[tokens]`: unknown key `audiance`, expected one of `audience`"),
            "{e}"
        );
        let e = GatewayConfig::parse(
            &FULL.replace("username = \"reseller\"", "username = \"reseller\"\nper_page = \"x\""),
            Path::new("."),
            env,
        )
        .unwrap_err();
        assert!(e.0.contains("[openprovider]") && e.0.contains("per_page"), "{e}");
        let e = GatewayConfig::parse(
            &format!("{FULL}scan_interval_seconds = \"ten\"\n").replace(
                "[openprovider]\nbase_url = \"https://api.openprovider.eu\"\nusername = \"reseller\"\npassword = \"env:OPENPROVIDER_PASSWORD\"\n",
                "",
            ),
            Path::new("."),
            env,
        )
        .unwrap_err();
        assert!(e.0.starts_with("`namecom.scan_interval_seconds`: invalid type"), "{e}");
    }

    #[test]
    fn zero_or_absurd_timeouts_and_limits_are_refused_with_the_range() {
        for (setting, bad) in [
            ("upstream_timeout_seconds", "0"),
            ("upstream_timeout_seconds", "100000"),
            ("statement_timeout_seconds", "0"),
            ("pool_size", "0"),
            ("retention_days", "1"),
            ("cooldown_seconds", "999999"),
        ] {
            let text = FULL.replace("listen =", &format!("{setting} = {bad}\nlisten ="));
            let e = GatewayConfig::parse(&text, Path::new("."), env).unwrap_err();
            assert!(
                e.0.starts_with(&format!("`{setting}` must be "))
                    && e.0.ends_with(&format!("it is {bad}")),
                "{e}"
            );
        }
        let text = FULL.replace("audience =", "max_lifetime_seconds = 0\naudience =");
        let e = GatewayConfig::parse(&text, Path::new("."), env).unwrap_err();
        assert!(e.0.contains("`tokens.max_lifetime_seconds` must be 60 to 86400 s"), "{e}");
        let ok = FULL.replace("listen =", "upstream_timeout_seconds = 1\nlisten =");
        let c = GatewayConfig::parse(&ok, Path::new("."), env).unwrap();
        assert_eq!(c.upstream_timeout, Duration::from_secs(1));
    }

    #[test]
    fn the_link_secret_is_not_the_token_secret_and_widget_dir_holds_no_secret() {
        let own = format!(
            "{FULL}\n[namecom.own_verification]\nenabled = true\n\
             smtp_url = \"smtps://mailer:pw@mail.example:465\"\n\
             from = \"Acme <verify@acme.example>\"\npublic_url = \"https://gw.example/\"\n\
             link_secret = \"env:GATEWAY_TOKEN_SECRET\"\n"
        );
        let e = GatewayConfig::parse(&own, Path::new("/etc/gw"), env).unwrap_err();
        assert!(e.0.starts_with("`namecom.own_verification.link_secret` must differ"), "{e}");
        // widget_dir may not hold the database or the configuration.
        for dir in [".", "/etc", "data"] {
            let text = FULL.replace("database =", &format!("widget_dir = \"{dir}\"\ndatabase ="));
            let e = GatewayConfig::parse(&text, Path::new("/etc/gw"), env).unwrap_err();
            assert!(e.0.starts_with("`widget_dir`:"), "{dir}: {e}");
        }
        let text = FULL.replace("database =", "widget_dir = \"/srv/widget\"\ndatabase =");
        assert!(GatewayConfig::parse(&text, Path::new("/etc/gw"), env).is_ok());
    }

    #[test]
    fn a_bare_file_name_is_relative_to_the_current_directory() {
        let here = std::env::current_dir().unwrap();
        assert_eq!(config_dir(Path::new("gateway.toml")).unwrap(), here);
        assert_eq!(config_dir(Path::new("./gateway.toml")).unwrap(), here.join("."));
    }

    #[test]
    fn log_export_reads_the_database_alone() {
        let dir = std::env::temp_dir().join(format!("gw-db-only-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // No secret is set in this process's environment for FULL's `env:`s.
        std::fs::write(dir.join("gateway.toml"), FULL).unwrap();
        let database = load_database(&dir.join("gateway.toml")).unwrap();
        assert_eq!(database, format!("sqlite://{}", dir.join("data/gw.db").display()));
        std::fs::write(dir.join("bad.toml"), "database = \"mysql://u:hunter2@h/x\"").unwrap();
        let e = load_database(&dir.join("bad.toml")).unwrap_err();
        assert!(e.0.contains("`database`") && !e.0.contains("hunter2"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_relative_configuration_path_gives_an_absolute_database_path() {
        // `serve --config www/examples/gateway-sandbox.toml`, as the README
        // says, relative to this crate's directory here.
        let secret = |n: &str| (n == "GATEWAY_TOKEN_SECRET").then(|| "s".repeat(40));
        let c = GatewayConfig::load_with(Path::new("../examples/gateway-sandbox.toml"), secret)
            .unwrap();
        let db = c.database.strip_prefix("sqlite://").unwrap();
        assert!(db.starts_with('/') && db.ends_with("target/gateway-sandbox.db"), "{db}");
    }

    #[test]
    fn timezone_is_an_iana_name_per_registrar_utc_when_left_out() {
        let dna =
            "\n[dna]\nbase_url = \"https://dna.example\"\nusername = \"u\"\npassword = \"p\"\n";
        let c = GatewayConfig::parse(&format!("{FULL}{dna}"), Path::new("/etc/gw"), env).unwrap();
        assert_eq!(c.dna.as_ref().unwrap().timezone, Tz::UTC);
        assert_eq!(c.openprovider.as_ref().unwrap().timezone, Tz::UTC);
        let text = format!("{FULL}{dna}timezone = \"Europe/Istanbul\"\n");
        let c = GatewayConfig::parse(&text, Path::new("/etc/gw"), env).unwrap();
        assert_eq!(c.dna.unwrap().timezone, chrono_tz::Europe::Istanbul);
        let text = format!("{FULL}{dna}timezone = \"Turkey/Ankara\"\n");
        let e = GatewayConfig::parse(&text, Path::new("/etc/gw"), env).unwrap_err();
        assert!(e.0.starts_with("`dna.timezone`: `Turkey/Ankara` is not an IANA"), "{e}");
        let text = format!("{FULL}timezone = \"Europe/Amsterdam\"\n");
        let c = GatewayConfig::parse(&text, Path::new("/etc/gw"), env).unwrap();
        assert_eq!(c.openprovider.unwrap().timezone, chrono_tz::Europe::Amsterdam);
    }
}
