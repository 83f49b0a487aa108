//! `verification-www check --config FILE [--email ADDRESS]`: what a
//! reseller runs before going live, and again after changing credentials.
//!
//! Read-only: it never resends, never sends an email, never confirms a
//! verification, never migrates the store. Each registrar's host (DNS, TCP,
//! TLS and HTTP, and this machine's clock against the registrar's `Date`),
//! credentials and contract; the store; own verification's relay and
//! templates; the secrets. One [`Line`] per check, each failure saying what
//! to change; the command exits 0 only when every line passes.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::config::GatewayConfig;
use super::store::{Store, StoreOptions};
use super::upstream::{self, dna, openprovider, Answer};

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

// ------------------------------------------------------------------ hosts

/// DNS, TCP, then one `HEAD` of the base URL (TLS and HTTP), and the clock
/// against the answer's `Date`.
async fn host(area: &'static str, base_url: &str, client: &reqwest::Client) -> Line {
    let key = format!("`{area}.base_url`");
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return fail(area, "host", format!("`{base_url}` is not a URL"), format!("fix {key}"));
    };
    let (Some(name), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return fail(area, "host", format!("`{base_url}` names no host"), format!("fix {key}"));
    };
    let t = Instant::now();
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((name, port)))
            .await
        {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => {
                return fail(area, "host", format!("DNS: {name}: {e}"), format!("check {key}"))
            }
            Err(_) => {
                return fail(
                    area,
                    "host",
                    format!("DNS: {name}: no answer in 5 s"),
                    "check this machine's DNS resolver",
                )
            }
        };
    let dns = t.elapsed();
    let Some(first) = addrs.first() else {
        return fail(area, "host", format!("DNS: {name} has no address"), format!("check {key}"));
    };
    let t = Instant::now();
    match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(first)).await
    {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return fail(
                area,
                "host",
                format!("TCP {first}: {e}"),
                format!("check {key} and this machine's outgoing firewall"),
            )
        }
        Err(_) => {
            return fail(
                area,
                "host",
                format!("TCP {first}: no answer in 5 s"),
                "check this machine's outgoing firewall",
            )
        }
    }
    let tcp = t.elapsed();
    let t = Instant::now();
    let res = match client.head(url.as_str()).send().await {
        Ok(r) => r,
        Err(e) => {
            let what = if url.scheme() == "https" { "TLS or HTTP" } else { "HTTP" };
            return fail(
                area,
                "host",
                format!("{what}: {}", upstream::Failure::from(e).describe()),
                format!("check {key} (scheme, port) and the host's certificate"),
            );
        }
    };
    let http = t.elapsed();
    let ms = |d: Duration| d.as_millis();
    let reached = format!(
        "{name}:{port} reached: DNS {} ms ({} address{}), TCP {} ms, {} {} ms",
        ms(dns),
        addrs.len(),
        if addrs.len() == 1 { "" } else { "es" },
        ms(tcp),
        url.scheme().to_uppercase(),
        ms(http)
    );
    let date = res
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .map(|t| t.with_timezone(&Utc));
    match date {
        Some(theirs) => {
            let skew = (Utc::now() - theirs).num_seconds();
            if skew.unsigned_abs() > MAX_CLOCK_SKEW.as_secs() + ms(http) as u64 / 1000 + 1 {
                fail(
                    area,
                    "host",
                    format!("{reached}; this machine's clock is {skew} s off the registrar's"),
                    "set this machine's clock (NTP): tokens and webhook signatures depend on it",
                )
            } else {
                ok(
                    area,
                    "host",
                    format!("{reached}; clock within {} s of the registrar's", skew.abs()),
                )
            }
        }
        None => ok(area, "host", format!("{reached}; the answer had no Date to compare clocks")),
    }
}

// ----------------------------------------------------------------- name.com

async fn namecom(
    n: &super::config::NamecomConfig,
    client: &reqwest::Client,
    store: Option<&super::store::Inspection>,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let url = format!("{}/core/v1/contacts/unverified", n.base_url);
    let res = client
        .get(url)
        .query(&[("page", "1"), ("perPage", "1")])
        .basic_auth(n.username.expose(), Some(n.token.expose()))
        .send()
        .await;
    lines.push(match res {
        Err(e) => fail(
            "namecom",
            "credentials",
            format!("the unverified list: {}", upstream::Failure::from(e).describe()),
            "check `namecom.base_url`",
        ),
        Ok(res) => {
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            let message = body.get("message").and_then(Value::as_str).unwrap_or("");
            match status {
                200 => match body.get("totalCount").and_then(Value::as_u64) {
                    Some(total) => ok(
                        "namecom",
                        "credentials",
                        format!("accepted; the unverified list has {total} contact(s)"),
                    ),
                    None => fail(
                        "namecom",
                        "credentials",
                        "accepted, but the unverified list has no `totalCount`",
                        "check `namecom.base_url` (it should end before /core/v1)",
                    ),
                },
                401 | 403 => fail(
                    "namecom",
                    "credentials",
                    format!("refused (HTTP {status}: {message})"),
                    "check `namecom.username` (on name.com's test host it ends in -test) and `namecom.token`",
                ),
                _ => fail(
                    "namecom",
                    "credentials",
                    format!("the unverified list answered HTTP {status} {message}"),
                    "check `namecom.base_url`; try again later if name.com is down",
                ),
            }
        }
    });
    lines.push(match store.and_then(|s| s.budget_in_use) {
        Some((used, total)) => ok(
            "namecom",
            "hour budget",
            format!("{} of {total} resends left this hour", total - used),
        ),
        None => ok(
            "namecom",
            "hour budget",
            format!(
                "{} resends an hour, none used yet",
                verification_core::resend::NAMECOM_PER_ACCOUNT.max
            ),
        ),
    });
    lines.push(webhook_url(&n.webhook_url));
    lines.push(zone_line("namecom", n.timezone));
    lines
}

fn webhook_url(text: &str) -> Line {
    let Ok(url) = reqwest::Url::parse(text) else {
        return fail(
            "namecom",
            "webhook url",
            format!("`{text}` is not a URL"),
            "fix `namecom.webhook_url`",
        );
    };
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "https" && !loopback {
        return fail(
            "namecom",
            "webhook url",
            format!("`{text}` is not https: name.com posts verification changes to it"),
            "serve the gateway behind TLS and set `namecom.webhook_url` to its https URL",
        );
    }
    if !url.path().ends_with("/webhooks/namecom") {
        return fail(
            "namecom",
            "webhook url",
            format!("`{text}`'s path is `{}`; the gateway receives name.com's webhooks at /webhooks/namecom", url.path()),
            "set `namecom.webhook_url` to https://YOUR-GATEWAY/webhooks/namecom (as subscribed at name.com: the signature covers the exact URL)",
        );
    }
    ok(
        "namecom",
        "webhook url",
        if loopback { format!("{text} (loopback: for a trial only)") } else { text.to_owned() },
    )
}

fn zone_line(area: &'static str, zone: chrono_tz::Tz) -> Line {
    let default = if zone == chrono_tz::Tz::UTC {
        " (the default; set `timezone` if the registrar means its own zone)"
    } else {
        ""
    };
    ok(
        area,
        "timezone",
        format!("timestamps without an offset are read in {}{default}", zone.name()),
    )
}

// ------------------------------------------------------------- Openprovider

async fn openprovider(
    o: &super::config::OpenproviderConfig,
    client: &reqwest::Client,
    email: Option<&str>,
) -> Vec<Line> {
    // Its own store in memory: the check's token is never kept.
    let store =
        match Store::open_with("sqlite::memory:", Vec::new(), &StoreOptions::default()).await {
            Ok(s) => s,
            Err(e) => return vec![fail("openprovider", "login", e.to_string(), "report this")],
        };
    let op = openprovider::Openprovider::new(o.clone(), client.clone(), store, "check".into());
    let mut lines = Vec::new();
    match op.check(email).await {
        Err(upstream::Failure::Login(why)) | Err(upstream::Failure::Paused { why, .. }) => {
            lines.push(fail(
                "openprovider",
                "login",
                why,
                "check `openprovider.username` and `openprovider.password` (each refused login counts toward Openprovider's 100 an hour)",
            ));
        }
        Err(f) => lines.push(fail(
            "openprovider",
            "login",
            f.describe(),
            "check `openprovider.base_url` (no /v1beta at its end)",
        )),
        Ok(a) => {
            lines.push(ok("openprovider", "login", "accepted (one login)"));
            lines.push(list_line(&a, email));
        }
    }
    lines.push(zone_line("openprovider", o.timezone));
    lines
}

fn list_line(a: &Answer, email: Option<&str>) -> Line {
    let body = a.body_json().unwrap_or(Value::Null);
    let code = body.get("code").and_then(Value::as_i64).unwrap_or(-1);
    if a.status != 200 || code != 0 {
        let desc = body.get("desc").and_then(Value::as_str).unwrap_or("");
        // An address with no rows is Openprovider's 404 code 1203.
        if let (Some(e), 404) = (email, a.status) {
            return ok("openprovider", "list", format!("no verification rows for {e} ({desc})"));
        }
        return fail(
            "openprovider",
            "list",
            format!("the verification list answered HTTP {}, code {code}: {desc}", a.status),
            "check that the account may read email verifications",
        );
    }
    let total = body.pointer("/data/total").and_then(Value::as_u64).unwrap_or(0);
    match email {
        Some(e) => ok("openprovider", "list", format!("{total} verification row(s) for {e}")),
        None => ok(
            "openprovider",
            "list",
            format!("the verification list answered; {total} row(s) in the account"),
        ),
    }
}

// --------------------------------------------------------------------- DNA

async fn dna(
    d: &super::config::DnaConfig,
    client: &reqwest::Client,
    email: Option<&str>,
) -> Vec<Line> {
    let client = dna::Dna::new(d.clone(), client.clone());
    let mut lines = Vec::new();
    let contract = client.load_contract().await;
    lines.push(match &contract.confirmed {
        Ok(()) => ok("dna", "wsdl", format!("read from {}", client.wsdl_url())),
        Err(why) => fail(
            "dna",
            "wsdl",
            format!("{} ({why}); the gateway would call by DomainApi.svc's conventions, unconfirmed", client.wsdl_url()),
            "check `dna.base_url` and `dna.service_path` (the WSDL is at {base_url}/{service_path}?singleWsdl)",
        ),
    });
    let missing: Vec<&String> = contract.problems.iter().filter(|p| p.contains("has no")).collect();
    if contract.confirmed.is_ok() {
        lines.push(if missing.is_empty() {
            ok("dna", "operations", format!("{} found", dna::OPERATIONS.join(" and ")))
        } else {
            let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            fail(
                "dna",
                "operations",
                list.join("; "),
                "check `dna.service_path`: it should name the service with these operations",
            )
        });
    }
    let call = &contract.calls["GetDetails"];
    let fields: Vec<String> = call
        .fields
        .iter()
        .map(|(name, ns)| format!("{name} in {} ({})", ns.value, ns.origin.as_str()))
        .collect();
    lines.push(ok(
        "dna",
        "namespaces",
        format!(
            "method in {} ({}); {}",
            call.method_ns.value,
            call.method_ns.origin.as_str(),
            fields.join("; ")
        ),
    ));
    for p in contract.problems.iter().filter(|p| !p.contains("has no")) {
        let (detail, fix) = p
            .split_once(": remove")
            .map_or((p.clone(), "remove the setting from `[dna]`".to_owned()), |(d, f)| {
                (d.to_owned(), format!("remove{f}"))
            });
        lines.push(fail("dna", "contract", detail, fix));
    }
    let address = email.unwrap_or(super::ready::DNA_PROBE_EMAIL);
    lines.push(match client.details(address).await {
        Err(f) => fail(
            "dna",
            "credentials",
            format!("GetDetails: {}", f.describe()),
            "check `dna.base_url`",
        ),
        Ok(a) => details_line(&a, email),
    });
    lines.push(zone_line("dna", d.timezone));
    lines
}

fn details_line(a: &Answer, email: Option<&str>) -> Line {
    let body = a.body_json().unwrap_or(Value::Null);
    let text = |k: &str| match body.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let (result, code, message) =
        (text("OperationResult"), text("ErrorCode"), text("OperationMessage"));
    if a.status == 401 || message.to_ascii_lowercase().contains("authentication") {
        return fail(
            "dna",
            "credentials",
            format!("refused: {message}"),
            "check `dna.username` and `dna.password` (the SOAP \"legacy\" credentials, not the REST API key)",
        );
    }
    if code == "2003" {
        return fail(
            "dna",
            "credentials",
            format!("accepted, but DNA saw no contact in GetDetails ({message})"),
            "the contact field's namespace is wrong: remove `fields_namespace` from `[dna]` to use the WSDL's",
        );
    }
    if body.get("error").is_some() || a.status >= 500 || result.is_empty() && a.status != 200 {
        return fail(
            "dna",
            "credentials",
            format!(
                "GetDetails answered HTTP {}: {}",
                a.status,
                String::from_utf8_lossy(&a.body).chars().take(200).collect::<String>()
            ),
            "check `dna.base_url` and `dna.service_path`",
        );
    }
    match (email, result.as_str()) {
        (Some(e), "SUCCESS") => {
            ok("dna", "credentials", format!("accepted; {e} is {}", text("VerificationStatus")))
        }
        (Some(e), _) => ok(
            "dna",
            "credentials",
            format!("accepted; DNA has no contact {e} ({code}: {message})"),
        ),
        (None, _) => ok(
            "dna",
            "credentials",
            format!(
                "accepted (GetDetails for a test address answered `{}`)",
                if message.is_empty() { result } else { message }
            ),
        ),
    }
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
