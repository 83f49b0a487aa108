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

use chrono_tz::Tz;
use serde::Deserialize;

use super::secret::Secret;

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

/// name.com.
#[derive(Clone, Debug)]
pub struct NamecomConfig {
    /// `https://api.name.com` (no trailing `/core/v1`).
    pub base_url: String,
    /// API user name.
    pub username: Secret,
    /// API token (also the webhook signature's key).
    pub token: Secret,
    /// The exact URL name.com posts webhooks to (the signature covers it).
    pub webhook_url: String,
    /// How often the unverified list is scanned (default 10 minutes).
    pub scan_interval: Duration,
    /// Rows per page of a scan (1..=1000, default 1000).
    pub per_page: u32,
    /// The reseller sends the ICANN emails itself and calls Verify Contact
    /// (`[namecom.own_verification] enabled = true`).
    pub own_verification: Option<OwnVerificationConfig>,
    /// The zone of name.com's timestamps that carry no offset (`timezone`,
    /// an IANA name; default UTC).
    pub timezone: Tz,
}

/// `[namecom.own_verification]`: the reseller's own ICANN verification
/// emails, link page and Verify Contact (docs/own-verification.md: "Sending the
/// verification emails yourself").
///
/// ```toml
/// [namecom.own_verification]
/// enabled = true
/// smtp_url = "env:SMTP_URL"          # smtps://user:pass@mail.example:465, or smtp://…:587?tls=required
/// from = "Acme Domains <verify@acme.example>"
/// public_url = "https://gateway.acme.example"   # the links: {public_url}/verify/…
/// link_secret = "env:LINK_SECRET"    # 32 bytes or more
/// # template_dir = "templates"       # {dir}/{language}/{template}.{subject,txt,html}
/// # language = "en"                  # when the panel's token names none
/// # reminder_days = [7, 2]
/// # grace_days = 30                  # links stay valid this long after verifyBy
/// # retention_days = 760             # logs, after the domains' registration ends
/// # expiry_grace_days = 45           # a registration ends this long after expireDate
/// # smtp_timeout_seconds = 30
/// # smtp_retry_seconds = 30          # first retry of a refused email, doubling to 1 h
/// # pass_interval_seconds = 60       # due emails are looked for this often
/// ```
#[derive(Clone, Debug)]
pub struct OwnVerificationConfig {
    /// The relay: `smtps://` (TLS from the start, 465) or `smtp://` with
    /// `?tls=required` (STARTTLS, 587); user and password in the URL.
    pub smtp_url: Secret,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Where the gateway is reached from the registrant's mail client, no
    /// trailing `/`.
    pub public_url: String,
    /// The key of the links' signatures.
    pub link_secret: Secret,
    /// Overrides of the built-in templates, per language.
    pub template_dir: Option<PathBuf>,
    /// The language of a contact whose token named none.
    pub language: String,
    /// Reminders, in days before `verifyBy`.
    pub reminder_days: Vec<u32>,
    /// How long after `verifyBy` a link still verifies.
    pub grace: Duration,
    /// Days the email and verification logs are kept after the
    /// registration of every domain they name ended (730 or more: name.com
    /// asks for the registration and two years after).
    pub retention_days: u32,
    /// How long after its `expireDate` a domain not renewed still counts as
    /// registered (the registry's auto-renew grace; default 45 days).
    pub expiry_grace: Duration,
    /// The longest one SMTP exchange may take.
    pub smtp_timeout: Duration,
    /// The first wait before an email the relay did not take is tried
    /// again (doubling up to an hour; default 30 s).
    pub smtp_retry: Duration,
    /// How often the mirror is checked for due emails, besides after each
    /// scan (default 60 s).
    pub pass_interval: Duration,
}

/// Openprovider.
#[derive(Clone, Debug)]
pub struct OpenproviderConfig {
    /// `https://api.openprovider.eu` (no trailing `/v1beta`).
    pub base_url: String,
    /// Login user name.
    pub username: Secret,
    /// Login password.
    pub password: Secret,
    /// The zone of Openprovider's offset-less `expiration_date`
    /// (`timezone`, an IANA name; default UTC).
    pub timezone: Tz,
}

/// Domain Name API over SOAP 1.1. `ContactApi.svc`'s contract is read from
/// its WSDL at start ([`crate::gateway::upstream::dna`]); a name set here
/// overrides the WSDL, and without the WSDL the defaults follow DNA's
/// public `DomainApi.svc` conventions.
#[derive(Clone, Debug)]
pub struct DnaConfig {
    /// The host, up to the service (e.g. `https://whmcs.domainnameapi.com`).
    pub base_url: String,
    /// `UserName`.
    pub username: Secret,
    /// `Password`.
    pub password: Secret,
    /// The service path (default `ContactApi.svc`); its WSDL is at
    /// `{base_url}/{service_path}?singleWsdl`.
    pub service_path: String,
    /// `SOAPAction` is this prefix and the method name (WSDL, else
    /// `http://tempuri.org/IContactApi/`).
    pub action_prefix: Option<String>,
    /// The namespace of the method element and its `request` (WSDL, else
    /// `http://tempuri.org/`).
    pub method_namespace: Option<String>,
    /// The namespace of `UserName`/`Password` (WSDL, else
    /// [`DNA_CREDENTIALS_NS`]).
    pub credentials_namespace: Option<String>,
    /// The namespace of the method's own fields, `ContactEmail` and
    /// `ExternalId` (WSDL, else [`DNA_FIELDS_NS`]).
    pub fields_namespace: Option<String>,
    /// The zone of DNA's timestamps that carry no offset (`timezone`, an
    /// IANA name; default UTC).
    pub timezone: Tz,
}

impl DnaConfig {
    /// DNA at `base_url`, its contract from the WSDL (or the conventions).
    pub fn with_defaults(base_url: String, username: Secret, password: Secret) -> Self {
        DnaConfig {
            base_url,
            username,
            password,
            service_path: "ContactApi.svc".into(),
            action_prefix: None,
            method_namespace: None,
            credentials_namespace: None,
            fields_namespace: None,
            timezone: Tz::UTC,
        }
    }
}

// ------------------------------------------------------------- the file

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    database: Option<String>,
    pool_size: Option<u32>,
    statement_timeout_seconds: Option<u64>,
    widget_dir: Option<PathBuf>,
    retention_days: Option<u32>,
    cooldown_seconds: Option<u64>,
    upstream_timeout_seconds: Option<u64>,
    probe_interval_seconds: Option<u64>,
    probe_failures: Option<u32>,
    status_reuse_seconds: Option<u64>,
    status_reads_per_minute: Option<u32>,
    requests_per_minute_per_ip: Option<u32>,
    event_streams_per_token: Option<u32>,
    event_streams_max: Option<u32>,
    ops_listen: Option<String>,
    ops_token: Option<String>,
    header_read_timeout_seconds: Option<u64>,
    request_timeout_seconds: Option<u64>,
    max_connections: Option<u32>,
    tokens: Option<TokensFile>,
    namecom: Option<NamecomFile>,
    openprovider: Option<OpenproviderFile>,
    dna: Option<DnaFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    audience: Option<String>,
    hs256_secret: Option<String>,
    public_keys: Option<PathBuf>,
    max_lifetime_seconds: Option<u64>,
    leeway_seconds: Option<u64>,
    issuer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamecomFile {
    base_url: Option<String>,
    username: Option<String>,
    token: Option<String>,
    webhook_url: Option<String>,
    scan_interval_seconds: Option<u64>,
    per_page: Option<u32>,
    timezone: Option<String>,
    own_verification: Option<OwnVerificationFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnVerificationFile {
    enabled: Option<bool>,
    smtp_url: Option<String>,
    from: Option<String>,
    public_url: Option<String>,
    link_secret: Option<String>,
    template_dir: Option<PathBuf>,
    language: Option<String>,
    reminder_days: Option<Vec<u32>>,
    grace_days: Option<u32>,
    retention_days: Option<u32>,
    expiry_grace_days: Option<u32>,
    smtp_timeout_seconds: Option<u64>,
    smtp_retry_seconds: Option<u64>,
    pass_interval_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenproviderFile {
    base_url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    timezone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DnaFile {
    base_url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    service_path: Option<String>,
    action_prefix: Option<String>,
    method_namespace: Option<String>,
    credentials_namespace: Option<String>,
    fields_namespace: Option<String>,
    timezone: Option<String>,
}

/// DNA's credentials namespace in the public `DomainApi.svc` contract.
pub const DNA_CREDENTIALS_NS: &str =
    "http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts";

/// The default namespace of `ContactApi.svc`'s own fields: the contract's
/// own DataContracts namespace, as `DomainApi.svc` puts `DomainName` in
/// `…Olipso.ExternalApi.Core.DataContracts.DomainApiContracts`.
pub const DNA_FIELDS_NS: &str =
    "http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts";

/// A registrar section's `timezone`: an IANA name, UTC when left out.
fn timezone(value: Option<String>, key: &str) -> Result<Tz, ConfigError> {
    match value {
        None => Ok(Tz::UTC),
        Some(v) => v.trim().parse::<Tz>().map_err(|_| {
            ConfigError(format!(
                "`{key}`: `{v}` is not an IANA time zone name (e.g. `Europe/Istanbul`, `UTC`)"
            ))
        }),
    }
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
    /// As [`GatewayConfig::load`].
    pub fn parse(
        text: &str,
        base: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut value: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError(format!("not valid TOML: {e}")))?;
        resolve_env(&mut value, "", &env)?;
        let file: File = typed(value)?;
        let path = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };

        let listen = file.listen.as_deref().unwrap_or("127.0.0.1:8443");
        let listen = listen.parse().or_else(|_| {
            err(format!("`listen`: `{listen}` is not an address and port (e.g. 127.0.0.1:8443)"))
        })?;
        for o in &file.allowed_origins {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.trim_end_matches('/').split("://").nth(1).unwrap_or("").contains('/');
            if !ok || o == "*" {
                return err(format!(
                    "`allowed_origins`: `{o}` is not an origin (scheme://host[:port], no path)"
                ));
            }
        }
        let database =
            database_url(file.database.unwrap_or_else(|| "sqlite://gateway.db".into()), &path)?;

        let t = file.tokens.ok_or_else(|| {
            ConfigError("`[tokens]` is required: how the panel's tokens are checked".into())
        })?;
        let hs256_secret = t.hs256_secret.map(Secret::new);
        if let Some(s) = &hs256_secret {
            if s.expose().len() < 32 {
                return err("`tokens.hs256_secret` must be 32 bytes or more");
            }
        }
        let public_keys = t.public_keys.map(path);
        if hs256_secret.is_none() && public_keys.is_none() {
            return err("`tokens.hs256_secret` or `tokens.public_keys` is required");
        }
        let tokens = TokensConfig {
            audience: required(t.audience, "tokens.audience")?,
            hs256_secret,
            public_keys,
            max_lifetime: Duration::from_secs(within(
                t.max_lifetime_seconds,
                3600,
                60..=86_400,
                "tokens.max_lifetime_seconds",
                "s",
            )?),
            leeway: Duration::from_secs(within(
                t.leeway_seconds,
                30,
                0..=300,
                "tokens.leeway_seconds",
                "s",
            )?),
            issuer: t.issuer.filter(|i| !i.trim().is_empty()),
        };

        let namecom =
            file.namecom
                .map(|n| {
                    let per_page = n.per_page.unwrap_or(1000);
                    if !(1..=1000).contains(&per_page) {
                        return err("`namecom.per_page` must be 1 to 1000");
                    }
                    let scan = within(
                        n.scan_interval_seconds,
                        600,
                        1..=86_400,
                        "namecom.scan_interval_seconds",
                        "s",
                    )?;
                    Ok(NamecomConfig {
                        base_url: url(n.base_url, "namecom.base_url")?,
                        username: Secret::new(required(n.username, "namecom.username")?),
                        token: Secret::new(required(n.token, "namecom.token")?),
                        webhook_url: url(n.webhook_url, "namecom.webhook_url")?,
                        scan_interval: Duration::from_secs(scan),
                        per_page,
                        timezone: timezone(n.timezone, "namecom.timezone")?,
                        own_verification: match n.own_verification {
                            Some(o) if o.enabled == Some(true) => Some(own_verification(o, &path)?),
                            Some(o) if o.enabled.is_none() => return err(
                                "`namecom.own_verification.enabled` is required (true or false)",
                            ),
                            _ => None,
                        },
                    })
                })
                .transpose()?;
        let openprovider = file
            .openprovider
            .map(|o| {
                Ok(OpenproviderConfig {
                    base_url: url(o.base_url, "openprovider.base_url")?,
                    username: Secret::new(required(o.username, "openprovider.username")?),
                    password: Secret::new(required(o.password, "openprovider.password")?),
                    timezone: timezone(o.timezone, "openprovider.timezone")?,
                })
            })
            .transpose()?;
        let dna = file
            .dna
            .map(|d| {
                let mut c = DnaConfig::with_defaults(
                    url(d.base_url, "dna.base_url")?,
                    Secret::new(required(d.username, "dna.username")?),
                    Secret::new(required(d.password, "dna.password")?),
                );
                if let Some(p) = d.service_path {
                    c.service_path = p.trim_matches('/').to_owned();
                }
                c.action_prefix = d.action_prefix;
                c.method_namespace = d.method_namespace;
                c.credentials_namespace = d.credentials_namespace;
                c.fields_namespace = d.fields_namespace;
                c.timezone = timezone(d.timezone, "dna.timezone")?;
                Ok(c)
            })
            .transpose()?;

        let pool_size = file
            .pool_size
            .map(|n| within(Some(u64::from(n)), 0, 1..=500, "pool_size", "connections"))
            .transpose()?
            .map(|n| n as u32);
        let statement_timeout =
            within(file.statement_timeout_seconds, 5, 1..=300, "statement_timeout_seconds", "s")?;
        let retention_days =
            within(file.retention_days.map(u64::from), 760, 30..=36_500, "retention_days", "days")?
                as u32;
        let cooldown = within(file.cooldown_seconds, 900, 0..=86_400, "cooldown_seconds", "s")?;
        let upstream_timeout =
            within(file.upstream_timeout_seconds, 20, 1..=300, "upstream_timeout_seconds", "s")?;
        let widget_dir = file.widget_dir.map(path);
        // Everything under `widget_dir` is served to anyone: never the
        // database or this file.
        if let Some(dir) = &widget_dir {
            let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
            let db_file = database
                .strip_prefix("sqlite://")
                .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)));
            let inside = |f: &Path| std::path::absolute(f).is_ok_and(|f| f.starts_with(&dir));
            if db_file.as_deref().is_some_and(inside) {
                return err(format!(
                    "`widget_dir`: {} holds the database; point it at the built widget package alone",
                    dir.display()
                ));
            }
            let here = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
            if here.starts_with(&dir) {
                return err(format!(
                    "`widget_dir`: {} holds this configuration file; point it at the built widget package alone",
                    dir.display()
                ));
            }
        }
        let probe_interval =
            within(file.probe_interval_seconds, 30, 1..=3600, "probe_interval_seconds", "s")?;
        let status_reuse =
            within(file.status_reuse_seconds, 60, 0..=3600, "status_reuse_seconds", "s")?;
        let per_minute = |v: Option<u32>, d: u64, name: &str| {
            within(v.map(u64::from), d, 0..=1_000_000, name, "requests").map(|n| n as u32)
        };
        let status_reads_per_minute =
            per_minute(file.status_reads_per_minute, 60, "status_reads_per_minute")?;
        let requests_per_minute_per_ip =
            per_minute(file.requests_per_minute_per_ip, 600, "requests_per_minute_per_ip")?;
        let ops_listen = file
            .ops_listen
            .as_deref()
            .map(|a| {
                a.parse::<SocketAddr>().or_else(|_| {
                    err(format!(
                        "`ops_listen`: `{a}` is not an address and port (e.g. 127.0.0.1:9090)"
                    ))
                })
            })
            .transpose()?;
        let header_read_timeout = within(
            file.header_read_timeout_seconds,
            10,
            1..=300,
            "header_read_timeout_seconds",
            "s",
        )?;
        let request_timeout =
            within(file.request_timeout_seconds, 60, 1..=3600, "request_timeout_seconds", "s")?;
        let max_connections = within(
            file.max_connections.map(u64::from),
            10_000,
            1..=1_000_000,
            "max_connections",
            "connections",
        )? as u32;
        let ops_token = file.ops_token.filter(|t| !t.trim().is_empty()).map(Secret::new);
        if ops_token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            return err("`ops_token` must be 16 bytes or more");
        }
        let event_streams_per_token = within(
            file.event_streams_per_token.map(u64::from),
            5,
            1..=100,
            "event_streams_per_token",
            "streams",
        )? as u32;
        let event_streams_max = within(
            file.event_streams_max.map(u64::from),
            10_000,
            1..=1_000_000,
            "event_streams_max",
            "streams",
        )? as u32;
        let probe_failures =
            within(file.probe_failures.map(u64::from), 3, 1..=100, "probe_failures", "probes")?
                as u32;

        if let (Some(n), Some(t)) = (&namecom, &tokens.hs256_secret) {
            if let Some(o) = &n.own_verification {
                if o.link_secret.expose() == t.expose() {
                    return err("`namecom.own_verification.link_secret` must differ from \
                         `tokens.hs256_secret`: whoever holds the panel's secret could forge \
                         verification links");
                }
            }
        }

        Ok(GatewayConfig {
            listen,
            allowed_origins: file
                .allowed_origins
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_owned())
                .collect(),
            database,
            store: super::store::StoreOptions {
                pool_size,
                statement_timeout: Duration::from_secs(statement_timeout),
                ..Default::default()
            },
            widget_dir,
            retention_days,
            cooldown: Duration::from_secs(cooldown),
            upstream_timeout: Duration::from_secs(upstream_timeout),
            probe_interval: Duration::from_secs(probe_interval),
            status_reuse: Duration::from_secs(status_reuse),
            status_reads_per_minute,
            requests_per_minute_per_ip,
            event_streams_per_token,
            event_streams_max,
            ops_listen,
            ops_token,
            header_read_timeout: Duration::from_secs(header_read_timeout),
            request_timeout: Duration::from_secs(request_timeout),
            max_connections,
            probe_failures,
            tokens,
            namecom,
            openprovider,
            dna,
        })
    }

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

fn own_verification(
    o: OwnVerificationFile,
    path: &impl Fn(PathBuf) -> PathBuf,
) -> Result<OwnVerificationConfig, ConfigError> {
    const AT: &str = "namecom.own_verification";
    let smtp_url = required(o.smtp_url, &format!("{AT}.smtp_url"))?;
    if !(smtp_url.starts_with("smtp://") || smtp_url.starts_with("smtps://")) {
        return err(format!(
            "`{AT}.smtp_url`: `{}` is not an smtp:// or smtps:// URL",
            redact_url(&smtp_url)
        ));
    }
    let from = required(o.from, &format!("{AT}.from"))?;
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return err(format!("`{AT}.from`: `{from}` is not an address (Name <user@host>)"));
    }
    let link_secret = required(o.link_secret, &format!("{AT}.link_secret"))?;
    if link_secret.len() < 32 {
        return err(format!("`{AT}.link_secret` must be 32 bytes or more"));
    }
    let language = o.language.unwrap_or_else(|| "en".into());
    if !super::own::valid_language(&language) {
        return err(format!(
            "`{AT}.language`: `{language}` is not a language code (en, de, pt-BR)"
        ));
    }
    let mut reminder_days = o.reminder_days.unwrap_or_else(|| vec![7, 2]);
    reminder_days.sort_unstable_by(|a, b| b.cmp(a));
    reminder_days.dedup();
    if reminder_days.iter().any(|d| !(1..=14).contains(d)) {
        return err(format!("`{AT}.reminder_days`: each must be 1 to 14 days before verifyBy"));
    }
    Ok(OwnVerificationConfig {
        smtp_url: Secret::new(smtp_url),
        from,
        public_url: url(o.public_url, &format!("{AT}.public_url"))?,
        link_secret: Secret::new(link_secret),
        template_dir: o.template_dir.map(path),
        language,
        reminder_days,
        grace: Duration::from_secs(
            within(o.grace_days.map(u64::from), 30, 0..=365, &format!("{AT}.grace_days"), "days")?
                * 86_400,
        ),
        retention_days: within(
            o.retention_days.map(u64::from),
            760,
            730..=36_500,
            &format!("{AT}.retention_days"),
            "days",
        )? as u32,
        expiry_grace: Duration::from_secs(
            within(
                o.expiry_grace_days.map(u64::from),
                45,
                0..=365,
                &format!("{AT}.expiry_grace_days"),
                "days",
            )? * 86_400,
        ),
        smtp_timeout: Duration::from_secs(within(
            o.smtp_timeout_seconds,
            30,
            1..=600,
            &format!("{AT}.smtp_timeout_seconds"),
            "s",
        )?),
        smtp_retry: Duration::from_secs(within(
            o.smtp_retry_seconds,
            30,
            1..=3600,
            &format!("{AT}.smtp_retry_seconds"),
            "s",
        )?),
        pass_interval: Duration::from_secs(within(
            o.pass_interval_seconds,
            60,
            1..=3600,
            &format!("{AT}.pass_interval_seconds"),
            "s",
        )?),
    })
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
        // says, from the crate's directory here.
        let secret = |n: &str| (n == "GATEWAY_TOKEN_SECRET").then(|| "s".repeat(40));
        let c =
            GatewayConfig::load_with(Path::new("examples/gateway-sandbox.toml"), secret).unwrap();
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
