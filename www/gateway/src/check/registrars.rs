//! `check` of each registrar: its host (DNS, TCP, TLS and HTTP, the clock
//! against its `Date`), its credentials and its contract.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{fail, ok, Line, MAX_CLOCK_SKEW};
use crate::config::{DnaConfig, NamecomConfig, OpenproviderConfig};
use crate::store::{Inspection, Store, StoreOptions};
use crate::upstream::{self, Answer};

// ------------------------------------------------------------------ hosts

/// DNS, TCP, then one `HEAD` of the base URL (TLS and HTTP), and the clock
/// against the answer's `Date`.
pub(super) async fn host(area: &'static str, base_url: &str, client: &reqwest::Client) -> Line {
    match reach(area, base_url, client).await {
        Ok((reached, res, http)) => clock_line(area, &reached, &res, http),
        Err(line) => line,
    }
}

/// The host of `base_url` reached: a line of what it took, the answer to
/// the `HEAD`, and how long that took; or the failed step's line.
async fn reach(
    area: &'static str,
    base_url: &str,
    client: &reqwest::Client,
) -> Result<(String, reqwest::Response, Duration), Line> {
    let key = format!("`{area}.base_url`");
    let fix = |detail: String, fix: String| Err(fail(area, "host", detail, fix));
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return fix(format!("`{base_url}` is not a URL"), format!("fix {key}"));
    };
    let (Some(name), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return fix(format!("`{base_url}` names no host"), format!("fix {key}"));
    };
    let t = Instant::now();
    let lookup = tokio::net::lookup_host((name, port));
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::time::timeout(Duration::from_secs(5), lookup).await {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => return fix(format!("DNS: {name}: {e}"), format!("check {key}")),
            Err(_) => {
                let resolver = "check this machine's DNS resolver".to_owned();
                return fix(format!("DNS: {name}: no answer in 5 s"), resolver);
            }
        };
    let dns = t.elapsed();
    let Some(first) = addrs.first() else {
        return fix(format!("DNS: {name} has no address"), format!("check {key}"));
    };
    let t = Instant::now();
    let connect = tokio::net::TcpStream::connect(first);
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            let firewall = format!("check {key} and this machine's outgoing firewall");
            return fix(format!("TCP {first}: {e}"), firewall);
        }
        Err(_) => {
            let firewall = "check this machine's outgoing firewall".to_owned();
            return fix(format!("TCP {first}: no answer in 5 s"), firewall);
        }
    }
    let tcp = t.elapsed();
    let t = Instant::now();
    let res = match client.head(url.as_str()).send().await {
        Ok(r) => r,
        Err(e) => {
            let what = if url.scheme() == "https" { "TLS or HTTP" } else { "HTTP" };
            return fix(
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
    Ok((reached, res, http))
}

/// This machine's clock against the answer's `Date` (the `HEAD` took
/// `http`, which the allowed skew takes in).
fn clock_line(area: &'static str, reached: &str, res: &reqwest::Response, http: Duration) -> Line {
    let date = res
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .map(|t| t.with_timezone(&Utc));
    let Some(theirs) = date else {
        return ok(area, "host", format!("{reached}; the answer had no Date to compare clocks"));
    };
    let skew = (Utc::now() - theirs).num_seconds();
    if skew.unsigned_abs() > MAX_CLOCK_SKEW.as_secs() + http.as_secs() + 1 {
        fail(
            area,
            "host",
            format!("{reached}; this machine's clock is {skew} s off the registrar's"),
            "set this machine's clock (NTP): tokens and webhook signatures depend on it",
        )
    } else {
        ok(area, "host", format!("{reached}; clock within {} s of the registrar's", skew.abs()))
    }
}

// ----------------------------------------------------------------- name.com

pub(super) async fn namecom(
    n: &NamecomConfig,
    client: &reqwest::Client,
    store: Option<&Inspection>,
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

pub(super) fn webhook_url(text: &str) -> Line {
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

pub(super) fn zone_line(area: &'static str, zone: chrono_tz::Tz) -> Line {
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

pub(super) async fn openprovider(
    o: &OpenproviderConfig,
    client: &reqwest::Client,
    email: Option<&str>,
) -> Vec<Line> {
    // Its own store in memory: the check's token is never kept.
    let store =
        match Store::open_with("sqlite::memory:", Vec::new(), &StoreOptions::default()).await {
            Ok(s) => s,
            Err(e) => return vec![fail("openprovider", "login", e.to_string(), "report this")],
        };
    let op =
        upstream::openprovider::Openprovider::new(o.clone(), client.clone(), store, "check".into());
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

pub(super) fn list_line(a: &Answer, email: Option<&str>) -> Line {
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

pub(super) async fn dna(d: &DnaConfig, client: &reqwest::Client, email: Option<&str>) -> Vec<Line> {
    let client = upstream::dna::Dna::new(d.clone(), client.clone());
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
            ok("dna", "operations", format!("{} found", upstream::dna::OPERATIONS.join(" and ")))
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
    let address = email.unwrap_or(crate::ready::DNA_PROBE_EMAIL);
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

pub(super) fn details_line(a: &Answer, email: Option<&str>) -> Line {
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
