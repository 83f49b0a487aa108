//! The configuration file as written (`File`: every key, `deny_unknown_fields`)
//! and [`GatewayConfig::parse`], which checks each value and fills in the
//! defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;

use super::registrars::{DnaConfig, NamecomConfig, OpenproviderConfig, OwnVerificationConfig};
use super::*;

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

        let listen = address(file.listen.as_deref().unwrap_or("127.0.0.1:8443"), "listen")?;
        let allowed_origins = origins(file.allowed_origins)?;
        let database =
            database_url(file.database.unwrap_or_else(|| "sqlite://gateway.db".into()), &path)?;
        let tokens = tokens(file.tokens, &path)?;
        let namecom = file.namecom.map(|n| namecom(n, &path)).transpose()?;
        let openprovider = file.openprovider.map(openprovider).transpose()?;
        let dna = file.dna.map(dna).transpose()?;
        let widget_dir = file.widget_dir.map(path);
        if let Some(dir) = &widget_dir {
            serves_no_secret(dir, &database, base)?;
        }
        if let (Some(n), Some(t)) = (&namecom, &tokens.hs256_secret) {
            if n.own_verification.as_ref().is_some_and(|o| o.link_secret.expose() == t.expose()) {
                return err("`namecom.own_verification.link_secret` must differ from \
                     `tokens.hs256_secret`: whoever holds the panel's secret could forge \
                     verification links");
            }
        }
        let ops_listen =
            file.ops_listen.as_deref().map(|a| address(a, "ops_listen")).transpose()?;
        let ops_token = file.ops_token.filter(|t| !t.trim().is_empty()).map(Secret::new);
        if ops_token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            return err("`ops_token` must be 16 bytes or more");
        }
        let pool_size = file
            .pool_size
            .map(|n| within(Some(u64::from(n)), 0, 1..=500, "pool_size", "connections"))
            .transpose()?
            .map(|n| n as u32);
        let per_minute = |v: Option<u32>, d: u64, name: &str| {
            within(v.map(u64::from), d, 0..=1_000_000, name, "requests").map(|n| n as u32)
        };
        let count = |v: Option<u32>, d: u64, range, name: &str, unit: &str| {
            within(v.map(u64::from), d, range, name, unit).map(|n| n as u32)
        };
        Ok(GatewayConfig {
            listen,
            allowed_origins,
            database,
            store: crate::store::StoreOptions {
                pool_size,
                statement_timeout: seconds(
                    file.statement_timeout_seconds,
                    5,
                    1..=300,
                    "statement_timeout_seconds",
                )?,
                ..Default::default()
            },
            widget_dir,
            retention_days: count(file.retention_days, 760, 30..=36_500, "retention_days", "days")?,
            cooldown: seconds(file.cooldown_seconds, 900, 0..=86_400, "cooldown_seconds")?,
            upstream_timeout: seconds(
                file.upstream_timeout_seconds,
                20,
                1..=300,
                "upstream_timeout_seconds",
            )?,
            probe_interval: seconds(
                file.probe_interval_seconds,
                30,
                1..=3600,
                "probe_interval_seconds",
            )?,
            status_reuse: seconds(file.status_reuse_seconds, 60, 0..=3600, "status_reuse_seconds")?,
            status_reads_per_minute: per_minute(
                file.status_reads_per_minute,
                60,
                "status_reads_per_minute",
            )?,
            requests_per_minute_per_ip: per_minute(
                file.requests_per_minute_per_ip,
                600,
                "requests_per_minute_per_ip",
            )?,
            event_streams_per_token: count(
                file.event_streams_per_token,
                5,
                1..=100,
                "event_streams_per_token",
                "streams",
            )?,
            event_streams_max: count(
                file.event_streams_max,
                10_000,
                1..=1_000_000,
                "event_streams_max",
                "streams",
            )?,
            ops_listen,
            ops_token,
            header_read_timeout: seconds(
                file.header_read_timeout_seconds,
                10,
                1..=300,
                "header_read_timeout_seconds",
            )?,
            request_timeout: seconds(
                file.request_timeout_seconds,
                60,
                1..=3600,
                "request_timeout_seconds",
            )?,
            max_connections: count(
                file.max_connections,
                10_000,
                1..=1_000_000,
                "max_connections",
                "connections",
            )?,
            probe_failures: count(file.probe_failures, 3, 1..=100, "probe_failures", "probes")?,
            tokens,
            namecom,
            openprovider,
            dna,
        })
    }
}

/// A setting in whole seconds, within `range`.
fn seconds(
    value: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    name: &str,
) -> Result<Duration, ConfigError> {
    within(value, default, range, name, "s").map(Duration::from_secs)
}

/// `listen`, `ops_listen`: an address and port.
fn address(text: &str, name: &str) -> Result<SocketAddr, ConfigError> {
    text.parse().or_else(|_| {
        err(format!("`{name}`: `{text}` is not an address and port (e.g. 127.0.0.1:8443)"))
    })
}

/// `allowed_origins`: each an origin (scheme://host[:port], no path), kept
/// without a trailing `/`.
fn origins(list: Vec<String>) -> Result<Vec<String>, ConfigError> {
    for o in &list {
        let ok = (o.starts_with("https://") || o.starts_with("http://"))
            && !o.trim_end_matches('/').split("://").nth(1).unwrap_or("").contains('/');
        if !ok || o == "*" {
            return err(format!(
                "`allowed_origins`: `{o}` is not an origin (scheme://host[:port], no path)"
            ));
        }
    }
    Ok(list.into_iter().map(|o| o.trim_end_matches('/').to_owned()).collect())
}

/// Everything under `widget_dir` is served to anyone: never the database
/// or the configuration file (in `base`).
fn serves_no_secret(dir: &Path, database: &str, base: &Path) -> Result<(), ConfigError> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let db_file =
        database.strip_prefix("sqlite://").map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)));
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
    Ok(())
}

/// `[tokens]` (required).
fn tokens(
    t: Option<TokensFile>,
    path: &impl Fn(PathBuf) -> PathBuf,
) -> Result<TokensConfig, ConfigError> {
    let t = t.ok_or_else(|| {
        ConfigError("`[tokens]` is required: how the panel's tokens are checked".into())
    })?;
    let hs256_secret = t.hs256_secret.map(Secret::new);
    if hs256_secret.as_ref().is_some_and(|s| s.expose().len() < 32) {
        return err("`tokens.hs256_secret` must be 32 bytes or more");
    }
    let public_keys = t.public_keys.map(path);
    if hs256_secret.is_none() && public_keys.is_none() {
        return err("`tokens.hs256_secret` or `tokens.public_keys` is required");
    }
    Ok(TokensConfig {
        audience: required(t.audience, "tokens.audience")?,
        hs256_secret,
        public_keys,
        max_lifetime: seconds(
            t.max_lifetime_seconds,
            3600,
            60..=86_400,
            "tokens.max_lifetime_seconds",
        )?,
        leeway: seconds(t.leeway_seconds, 30, 0..=300, "tokens.leeway_seconds")?,
        issuer: t.issuer.filter(|i| !i.trim().is_empty()),
    })
}

/// `[namecom]`, with `[namecom.own_verification]`.
fn namecom(
    n: NamecomFile,
    path: &impl Fn(PathBuf) -> PathBuf,
) -> Result<NamecomConfig, ConfigError> {
    let per_page = n.per_page.unwrap_or(1000);
    if !(1..=1000).contains(&per_page) {
        return err("`namecom.per_page` must be 1 to 1000");
    }
    Ok(NamecomConfig {
        base_url: url(n.base_url, "namecom.base_url")?,
        username: Secret::new(required(n.username, "namecom.username")?),
        token: Secret::new(required(n.token, "namecom.token")?),
        webhook_url: url(n.webhook_url, "namecom.webhook_url")?,
        scan_interval: seconds(
            n.scan_interval_seconds,
            600,
            1..=86_400,
            "namecom.scan_interval_seconds",
        )?,
        per_page,
        timezone: timezone(n.timezone, "namecom.timezone")?,
        own_verification: match n.own_verification {
            Some(o) if o.enabled == Some(true) => Some(own_verification(o, path)?),
            Some(o) if o.enabled.is_none() => {
                return err("`namecom.own_verification.enabled` is required (true or false)")
            }
            _ => None,
        },
    })
}

/// `[openprovider]`.
fn openprovider(o: OpenproviderFile) -> Result<OpenproviderConfig, ConfigError> {
    Ok(OpenproviderConfig {
        base_url: url(o.base_url, "openprovider.base_url")?,
        username: Secret::new(required(o.username, "openprovider.username")?),
        password: Secret::new(required(o.password, "openprovider.password")?),
        timezone: timezone(o.timezone, "openprovider.timezone")?,
    })
}

/// `[dna]`: the contract's settings left out follow DomainApi.svc.
fn dna(d: DnaFile) -> Result<DnaConfig, ConfigError> {
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
    if !crate::own::templates::valid_language(&language) {
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
