//! `verification-www check --config FILE [--email ADDRESS]`: what a
//! reseller runs before going live, and again after changing credentials.
//!
//! Read-only: it never resends, never sends an email, never confirms a
//! verification, never migrates the store. Each registrar's host (DNS, TCP,
//! TLS and HTTP, and this machine's clock against the registrar's `Date`),
//! credentials and contract; the store; own verification's relay and
//! templates; the secrets. One [`Line`] per check, each failure saying what
//! to change; the command exits 0 only when every line passes.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::config::GatewayConfig;
use super::store::Store;

mod registrars;

use registrars::{dna, host, namecom, openprovider};

/// The most this machine's clock may be off a registrar's before `check`
/// fails: tokens and webhook signatures allow a few minutes.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `namecom`, `openprovider`, `dna`, `store`, `own_verification`,
    /// `secrets`.
    pub area: &'static str,
    /// What was checked (`host`, `credentials`, `wsdl`…).
    pub check: &'static str,
    /// Passed.
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// What to change, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

fn ok(area: &'static str, check: &'static str, detail: impl Into<String>) -> Line {
    Line { area, check, ok: true, detail: detail.into(), fix: None }
}

fn fail(
    area: &'static str,
    check: &'static str,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Line {
    Line { area, check, ok: false, detail: detail.into(), fix: Some(fix.into()) }
}

/// Every check for `config`; `email` is looked up at Openprovider and DNA.
pub async fn run(config: &GatewayConfig, email: Option<&str>) -> Vec<Line> {
    let client = match reqwest::Client::builder()
        .timeout(config.upstream_timeout)
        .connect_timeout(Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => return vec![fail("gateway", "http", e.to_string(), "report this")],
    };
    let mut lines = secrets(config);
    let inspection = Store::inspect(&config.database, super::NAMECOM_BUDGET).await;
    lines.extend(store_lines(config, &inspection));
    if let Some(n) = &config.namecom {
        lines.push(host("namecom", &n.base_url, &client).await);
        lines.extend(namecom(n, &client, inspection.as_ref().ok()).await);
        if let Some(o) = &n.own_verification {
            lines.extend(own(o).await);
        }
    }
    if let Some(o) = &config.openprovider {
        lines.push(host("openprovider", &o.base_url, &client).await);
        lines.extend(openprovider(o, &client, email).await);
    }
    if let Some(d) = &config.dna {
        lines.push(host("dna", &d.base_url, &client).await);
        lines.extend(dna(d, &client, email).await);
    }
    lines
}

// ------------------------------------------------------- store and secrets

fn store_lines(
    config: &GatewayConfig,
    inspection: &Result<super::store::Inspection, super::store::StoreError>,
) -> Vec<Line> {
    let backend = if config.database.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" };
    let i = match inspection {
        Err(e) => {
            return vec![fail(
                "store",
                "reachable",
                format!("{backend}: {e}"),
                "check `database` (and that the database server is running and reachable)",
            )]
        }
        Ok(i) => i,
    };
    let mut lines = Vec::new();
    if i.created {
        lines.push(ok("store", "reachable", format!("{backend} answered")));
    } else {
        lines.push(ok(
            "store",
            "reachable",
            format!("{backend}: the file does not exist yet; `serve` creates it"),
        ));
    }
    lines.push(if !i.unknown.is_empty() {
        fail(
            "store",
            "migrations",
            format!("{} migration(s) applied that this version does not know ({:?}): a newer gateway ran on this database", i.unknown.len(), i.unknown),
            "run the newest gateway release",
        )
    } else if i.pending > 0 {
        ok("store", "migrations", format!("{} applied, {} to apply: `serve` applies them at start", i.applied, i.pending))
    } else {
        ok("store", "migrations", format!("current ({} applied)", i.applied))
    });
    lines.push(match &i.writable {
        Ok(()) => ok("store", "writable", "a write in a transaction went through (rolled back)"),
        Err(e) => fail(
            "store",
            "writable",
            e.clone(),
            "give the gateway's database user (or file) write access",
        ),
    });
    lines
}

fn secrets(config: &GatewayConfig) -> Vec<Line> {
    let mut named: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = &config.tokens.hs256_secret {
        named.push(("`tokens.hs256_secret`", s.expose()));
    }
    if let Some(o) = config.namecom.as_ref().and_then(|n| n.own_verification.as_ref()) {
        named.push(("`namecom.own_verification.link_secret`", o.link_secret.expose()));
    }
    if let Some(s) = &config.ops_token {
        named.push(("`ops_token`", s.expose()));
    }
    let credentials: Vec<(&str, &str)> = [
        config.namecom.as_ref().map(|n| ("`namecom.token`", n.token.expose())),
        config.openprovider.as_ref().map(|o| ("`openprovider.password`", o.password.expose())),
        config.dna.as_ref().map(|d| ("`dna.password`", d.password.expose())),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut lines = Vec::new();
    if config.tokens.hs256_secret.is_none() && config.tokens.public_keys.is_none() {
        lines.push(fail(
            "secrets",
            "tokens",
            "no key checks the panel's tokens",
            "set `tokens.hs256_secret` or `tokens.public_keys`",
        ));
    }
    let mut same = Vec::new();
    for (i, (a, x)) in named.iter().enumerate() {
        for (b, y) in named.iter().skip(i + 1).chain(credentials.iter()) {
            if super::secret::same(x.as_bytes(), y.as_bytes()) {
                same.push(format!("{a} is {b}"));
            }
        }
    }
    if same.is_empty() {
        let sizes: Vec<String> =
            named.iter().map(|(n, s)| format!("{n} {} bytes", s.len())).collect();
        lines.push(ok(
            "secrets",
            "distinct",
            format!("{}; each long enough, all distinct", sizes.join(", ")),
        ));
    } else {
        lines.push(fail(
            "secrets",
            "distinct",
            same.join("; "),
            "give each secret its own random value (e.g. `openssl rand -hex 32`)",
        ));
    }
    lines
}

// ------------------------------------------------------- own verification

async fn own(o: &super::config::OwnVerificationConfig) -> Vec<Line> {
    let own = match super::own::Own::new(o.clone()) {
        Ok(own) => own,
        Err(e) => {
            return vec![fail(
                "own_verification",
                "templates",
                e,
                "fix the templates in `namecom.own_verification.template_dir`, or the relay's URL",
            )]
        }
    };
    let mut lines = vec![ok(
        "own_verification",
        "templates",
        format!("every template present in {}", own.languages().join(", ")),
    )];
    lines.push(match own.test_relay().await {
        Ok(()) => ok(
            "own_verification",
            "relay",
            "connected, EHLO, TLS and AUTH as `smtp_url` says, NOOP; nothing sent",
        ),
        Err(e) => fail(
            "own_verification",
            "relay",
            e,
            "check `namecom.own_verification.smtp_url` (host, port, TLS, user and password)",
        ),
    });
    lines
}

// ---------------------------------------------------------------- output

/// The lines as text: one a line, `ok` or `FAIL`, then what to change.
pub fn text(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        let mark = if l.ok { "ok  " } else { "FAIL" };
        out.push_str(&format!("{mark}  {:<16} {:<12} {}\n", l.area, l.check, l.detail));
        if let Some(fix) = &l.fix {
            out.push_str(&format!("      {:<16} {:<12} -> {fix}\n", "", ""));
        }
    }
    let failed = lines.iter().filter(|l| !l.ok).count();
    if failed == 0 {
        out.push_str(&format!("all {} checks passed\n", lines.len()));
    } else {
        out.push_str(&format!("{failed} of {} checks failed\n", lines.len()));
    }
    out
}

/// The lines as one JSON object: `{"ok", "checks": [...]}`.
pub fn json(lines: &[Line]) -> Value {
    serde_json::json!({ "ok": lines.iter().all(|l| l.ok), "checks": lines })
}

#[cfg(test)]
mod tests {
    use super::registrars::*;
    use super::*;

    #[test]
    fn the_webhook_url_is_https_at_the_gateways_path() {
        assert!(webhook_url("https://gw.example/webhooks/namecom").ok);
        assert!(webhook_url("http://127.0.0.1:8443/webhooks/namecom").ok);
        let l = webhook_url("http://gw.example/webhooks/namecom");
        assert!(!l.ok && l.detail.contains("not https"), "{l:?}");
        let l = webhook_url("https://gw.example/hooks");
        assert!(!l.ok && l.fix.unwrap().contains("/webhooks/namecom"));
    }

    #[test]
    fn text_says_what_failed_and_what_to_change() {
        let lines = vec![
            ok("store", "reachable", "SQLite answered"),
            fail("dna", "wsdl", "HTTP 404", "check `dna.service_path`"),
        ];
        let t = text(&lines);
        assert!(t.contains("ok    store"), "{t}");
        assert!(t.contains("FAIL  dna"), "{t}");
        assert!(t.contains("-> check `dna.service_path`"), "{t}");
        assert!(t.ends_with("1 of 2 checks failed\n"), "{t}");
        assert_eq!(json(&lines)["ok"], false);
    }
}
