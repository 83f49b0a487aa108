//! The demo panel, static files, the widget directory and the binary.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use std::path::PathBuf;

use common::start_demo;
use serde_json::{json, Value};

async fn start() -> common::Server {
    start_demo(PathBuf::from("/nonexistent/widget/pkg")).await.0
}

async fn start_with_widget_dir(dir: PathBuf) -> common::Server {
    start_demo(dir).await.0
}

#[tokio::test]
async fn panel_lists_every_scenario_and_sets_the_session_cookie() {
    let s = start().await;
    let res = s.client.get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'"));
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("demo_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Acme Domains — Control panel"));
    assert!(html.contains(r#"<link rel="stylesheet" href="/static/panel.css">"#));
    assert!(html.contains(r#"<script type="module" src="/widget/define.js"></script>"#));

    let owned: Vec<_> = verification_sandbox::scenarios::registry()
        .iter()
        .filter(|c| c.owner == verification_sandbox::scenarios::DEMO_REGISTRANT)
        .collect();
    assert_eq!(owned.len(), 18);
    // One card per scenario, and own verification's newcomer.
    assert_eq!(html.matches("<registrant-verification ").count(), owned.len() + 1);
    for c in owned {
        let p = c.provider.as_str();
        let k = &c.key;
        // The panel knows the domains and hands them to the widget (DNA's
        // answer names none).
        let names = c.domains.join(" ");
        let tag = format!(
            r#"<registrant-verification provider="{p}" status-url="/api/{p}/status?contact={k}" resend-url="/api/{p}/resend?contact={k}" token-url="/demo/token" data-scenario="{k}" domains="{names}" edit-contact-url="/account/contact?contact={k}""#
        );
        assert!(html.contains(&tag), "missing widget for {k}");
    }
    assert!(html.contains(r#"data-scenario="namecom-unknown" domains="namecom-unknown-shop.com" edit-contact-url="/account/contact?contact=namecom-unknown" changed-at="2026-03-01T11:57:00Z">"#));
    assert!(!html.contains("neighbour"), "another registrant's contacts are not shown");

    // CSP-ready: no inline script, inline style or event handler attributes.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"module\" src=").count()
    );
    assert!(!html.contains("<style"));
    assert!(!html.contains(" style="));
    let lower = html.to_ascii_lowercase();
    for attr in [" onclick=", " onload=", " onerror=", " onsubmit=", " onchange="] {
        assert!(!lower.contains(attr), "{attr}");
    }

    // A visitor who already has a session keeps it.
    let again = s
        .client
        .get(s.url("/"))
        .header("cookie", cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert!(again.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn static_and_contact_pages() {
    let s = start().await;
    let css = s.client.get(s.url("/static/panel.css")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(css.text().await.unwrap().contains(".card"));
    let page = s.client.get(s.url("/account/contact")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<h1>Edit contact</h1>"));
    // "Correct your email address" on a card opens that contact's form.
    for c in verification_sandbox::scenarios::registry()
        .iter()
        .filter(|c| c.owner == verification_sandbox::scenarios::DEMO_REGISTRANT)
    {
        let url = s.url(&format!("/account/contact?contact={}", c.key));
        let html = s.client.get(url).send().await.unwrap().text().await.unwrap();
        let field = format!(r#"type="email" autocomplete="email" value="{}">"#, c.email);
        assert!(html.contains(&field), "{}: {html}", c.key);
    }
    // Another registrant's contact is not shown.
    let other = verification_sandbox::scenarios::registry()
        .iter()
        .find(|c| c.owner != verification_sandbox::scenarios::DEMO_REGISTRANT)
        .unwrap();
    let url = s.url(&format!("/account/contact?contact={}", other.key));
    let html = s.client.get(url).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains(&other.email), "{html}");
    // The panel renders even though the widget bundle is missing.
    let missing = s.client.get(s.url("/widget/define.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn widget_directory_is_served_with_module_and_wasm_types() {
    let dir = std::env::temp_dir().join(format!("www-widget-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("define.js"), "export {};\n").unwrap();
    std::fs::write(dir.join("widget_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let s = start_with_widget_dir(dir.clone()).await;
    let js = s.client.get(s.url("/widget/define.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(js.text().await.unwrap(), "export {};\n");
    let wasm = s.client.get(s.url("/widget/widget_bg.wasm")).send().await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    // Fixed names: always revalidated, and unchanged files answer 304.
    assert_eq!(wasm.headers()["cache-control"], "no-cache");
    let modified = wasm.headers()["last-modified"].clone();
    assert_eq!(&wasm.bytes().await.unwrap()[..4], b"\0asm");
    let again = s
        .client
        .get(s.url("/widget/widget_bg.wasm"))
        .header("if-modified-since", modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["cache-control"], "no-cache");
    // Compressed for browsers that accept gzip (the wasm is most of what a
    // registrant waits for on a slow connection).
    let big: Vec<u8> =
        b"\0asm\x01\0\0\0".iter().copied().chain((0..20_000).map(|i| (i % 7) as u8)).collect();
    std::fs::write(dir.join("big_bg.wasm"), &big).unwrap();
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let gz = raw
        .get(s.url("/widget/big_bg.wasm"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["content-type"], "application/wasm");
    assert!(gz.bytes().await.unwrap().len() < big.len() / 4);
    let plain = raw.get(s.url("/widget/big_bg.wasm")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().len(), big.len());
    std::fs::remove_dir_all(dir).unwrap();
}

/// `export const answer = "precompressed";\n` as brotli (what the build's
/// `widget/precompress.mjs` writes, here a stored meta-block).
const BROTLI: [u8; 43] = [
    11, 19, 128, 101, 120, 112, 111, 114, 116, 32, 99, 111, 110, 115, 116, 32, 97, 110, 115, 119,
    101, 114, 32, 61, 32, 34, 112, 114, 101, 99, 111, 109, 112, 114, 101, 115, 115, 101, 100, 34,
    59, 10, 3,
];
const SOURCE: &str = "export const answer = \"precompressed\";\n";

#[tokio::test]
async fn precompressed_widget_files_are_sent_as_they_are_when_they_match() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("www-widget-br-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("define.js"), SOURCE).unwrap();
    std::fs::write(dir.join("define.js.br"), BROTLI).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(SOURCE.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dir.join("define.js.gz"), &gz).unwrap();
    let raw = reqwest::Client::builder().no_gzip().no_brotli().build().unwrap();
    let get = |s: &common::Server, accept: &'static str| {
        raw.get(s.url("/widget/define.js")).header("accept-encoding", accept).send()
    };

    let s = start_with_widget_dir(dir.clone()).await;
    let br = get(&s, "gzip, deflate, br").await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["vary"], "accept-encoding");
    assert!(br.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert_eq!(br.bytes().await.unwrap()[..], BROTLI[..], "the build's copy, as it is");
    let only_gzip = get(&s, "gzip").await.unwrap();
    assert_eq!(only_gzip.headers()["content-encoding"], "gzip");
    assert_eq!(only_gzip.bytes().await.unwrap(), gz);
    let plain = get(&s, "identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), SOURCE);

    // A copy left from an earlier version (the source changed, the .br
    // did not): no copy is trusted, the source is compressed on the fly.
    std::fs::write(
        dir.join("define.js"),
        "export const answer = \"a newer version of the module\";\n",
    )
    .unwrap();
    let s = start_with_widget_dir(dir.clone()).await;
    let fresh = get(&s, "gzip, br").await.unwrap();
    assert_eq!(fresh.headers()["content-encoding"], "gzip", "on the fly, not the stale .br");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&fresh.bytes().await.unwrap()[..]),
        &mut text,
    )
    .unwrap();
    assert_eq!(text, "export const answer = \"a newer version of the module\";\n");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn binary_listens_on_port_zero_and_prints_its_address() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_verification-www"))
        .args(["demo", "--port", "0", "--widget-dir", "/nonexistent", "--data-dir"])
        .arg(std::env::temp_dir().join(format!("demo-port-zero-{}", std::process::id())))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("Demo running at ").expect("startup line").to_owned();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'));
    assert!(!url.ends_with(":0/"), "prints the real port");
    let res = reqwest::get(&url).await;
    let _ = child.kill();
    let _ = child.wait();
    let res = res.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("registrant-verification"));
}

/// The panel's token names the signed-in registrant's contacts, each as
/// the gateway finds it at its registrar; every card reads through the
/// gateway with it; another registrant's contact is refused.
#[tokio::test]
async fn every_card_reads_the_gateway_with_the_panels_token() {
    let s = start().await;
    let signed_out = s.client.get(s.url("/demo/token")).send().await.unwrap();
    assert_eq!(signed_out.status(), 401);
    assert_eq!(s.client.get(s.url("/demo/staff-token")).send().await.unwrap().status(), 401);
    let cookie = s.session().await;
    let token = s.panel_token(&cookie, "/demo/token").await;
    let claims: Value = {
        use base64::Engine as _;
        let part = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["role"], "registrant");
    assert_eq!(claims["aud"], "registrant-verification");
    let owned: Vec<_> = verification_sandbox::scenarios::registry()
        .iter()
        .filter(|c| c.owner == verification_sandbox::scenarios::DEMO_REGISTRANT)
        .collect();
    assert_eq!(claims["contacts"].as_array().unwrap().len(), owned.len());
    let unknown =
        claims["contacts"].as_array().unwrap().iter().find(|c| c["id"] == "namecom-unknown");
    assert_eq!(unknown.unwrap()["changedAt"], "2026-03-01T11:57:00+00:00");
    for c in owned {
        let p = c.provider.as_str();
        let res = s
            .client
            .get(s.url(&format!("/api/{p}/status?contact={}", c.key)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", c.key);
        let body = res.text().await.unwrap();
        let record = verification_core::evaluate_response(
            c.provider,
            &verification_core::Response::new(200, &body),
            &verification_core::Context::new("2026-03-01T12:00:00Z".parse().unwrap()),
        );
        assert!(record.is_ok(), "{}: the core reads the gateway's answer", c.key);
    }
    // No cookie reaches the gateway as a credential: the token is needed.
    let res = s
        .client
        .get(s.url("/api/dna/status?contact=dna-pending"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = s
        .client
        .get(s.url("/api/dna/status?contact=dna-neighbour"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let staff = s.panel_token(&cookie, "/demo/staff-token").await;
    let list = s.client.get(s.url("/api/namecom/list")).bearer_auth(&staff).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let list = s.client.get(s.url("/api/namecom/list")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(list.status(), 403, "a registrant's token is not staff's");
}

/// A sandbox reset is a fresh world: the gateway's cooldown of a resend
/// before it does not hold after it.
#[tokio::test]
async fn a_reset_starts_a_fresh_gateway() {
    let s = start().await;
    let cookie = s.session().await;
    let token = s.panel_token(&cookie, "/demo/token").await;
    let resend = |key: &'static str| {
        s.client
            .post(s.url("/api/openprovider/resend?contact=openprovider-pending"))
            .bearer_auth(&token)
            .header("x-idempotency-key", key)
            .json(&json!({"operation": "restart"}))
            .send()
    };
    assert_eq!(resend("first").await.unwrap().status(), 200);
    assert_eq!(resend("second").await.unwrap().status(), 429, "the gateway's cooldown");
    assert_eq!(s.emails_to("pending@openprovider.example").await, 1);
    s.reset().await;
    let restarts = |v: Value| {
        v["byPath"]["/sandbox/openprovider/v1beta/customers/verifications/emails/restart"]
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(restarts(s.get_json("/sandbox/control/requests").await), 0, "counted anew");
    assert_eq!(s.emails_to("pending@openprovider.example").await, 0);
    assert_eq!(resend("third").await.unwrap().status(), 200, "a new gateway, no cooldown");
    assert_eq!(s.emails_to("pending@openprovider.example").await, 1);
}
