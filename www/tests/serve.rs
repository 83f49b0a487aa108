//! The `serve` and `log export` commands as a reseller runs them: the
//! binary, a config file, secrets in the environment.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use verification_sandbox as sandbox;

const SECRET: &str = "serve-test-secret-of-at-least-32-bytes!!";
const OP_RESTART: &str = "/sandbox/openprovider/v1beta/customers/verifications/emails/restart";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_config(dir: &Path, sandbox: &str, port: u16) -> PathBuf {
    write_config_with(dir, sandbox, port, "")
}

fn write_config_with(dir: &Path, sandbox: &str, port: u16, extra: &str) -> PathBuf {
    let text = format!(
        r#"
listen = "127.0.0.1:{port}"
database = "sqlite://{db}"

[tokens]
audience = "registrant-verification"
hs256_secret = "env:GATEWAY_TOKEN_SECRET"

[openprovider]
base_url = "{sandbox}/sandbox/openprovider"
username = "{u}"
password = "env:OPENPROVIDER_PASSWORD"
{extra}
"#,
        db = dir.join("gateway.db").display(),
        u = sandbox::OPENPROVIDER_USERNAME,
    );
    let path = dir.join("gateway.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_verification-www"));
    cmd.args(args)
        .env("GATEWAY_TOKEN_SECRET", SECRET)
        .env("OPENPROVIDER_PASSWORD", sandbox::OPENPROVIDER_PASSWORD)
        .env("RUST_LOG", "warn");
    cmd
}

/// Starts `serve`; its base URL once it listens.
fn serve(config: &Path) -> (Child, String) {
    let mut child = command(&["serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("Gateway listening on ").expect(&line).to_owned();
    (child, base)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn token() -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"aud": "registrant-verification", "sub": "client-9", "role": "registrant",
        "iat": now, "exp": now + 600,
        "contacts": [{"id": "c-1", "provider": "openprovider", "email": "pending@openprovider.example"}]});
    encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

#[tokio::test]
async fn a_missing_secret_stops_the_start_naming_it() {
    let dir = temp_dir("missing");
    let config = write_config(&dir, "http://127.0.0.1:9", free_port());
    let out = command(&["serve", "--config", config.to_str().unwrap()])
        .env_remove("OPENPROVIDER_PASSWORD")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("openprovider.password") && stderr.contains("OPENPROVIDER_PASSWORD"),
        "{stderr}"
    );
    let out =
        command(&["serve", "--config", dir.join("nope.toml").to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sigkill_mid_resend_keeps_the_log_row_and_a_retry_sends_nothing_twice() {
    let s = common::start().await;
    let dir = temp_dir("sigkill");
    let config = write_config(&dir, &s.base, free_port());
    let (mut child, base) = serve(&config);
    let client = reqwest::Client::new();
    // The registrar hangs on restart: kill the gateway while it waits.
    let res = client
        .post(s.url("/sandbox/control/faults"))
        .json(&json!({"hang": ["openprovider.restart"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let emails = s.emails().await;
    let url = format!("{base}/api/openprovider/resend?contact=c-1");
    let send = |client: reqwest::Client, url: String| async move {
        client
            .post(url)
            .bearer_auth(token())
            .header("x-idempotency-key", "intent-42")
            .json(&json!({"operation": "restart"}))
            .send()
            .await
    };
    let in_flight = tokio::spawn(send(client.clone(), url.clone()));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while s.get_json("/sandbox/control/requests").await["byPath"][OP_RESTART].as_u64() != Some(1) {
        assert!(tokio::time::Instant::now() < deadline, "the resend never reached the registrar");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(in_flight.await.unwrap().is_err(), "the request died with the gateway");

    // After a restart: the row is there, outcome unknown; the same intent
    // is not sent again.
    client.post(s.url("/sandbox/control/faults")).json(&json!({})).send().await.unwrap();
    let (mut child, base) = serve(&config);
    let retry =
        send(client.clone(), format!("{base}/api/openprovider/resend?contact=c-1")).await.unwrap();
    assert_eq!(retry.status(), 409, "{}", retry.text().await.unwrap());
    assert_eq!(
        s.get_json("/sandbox/control/requests").await["byPath"][OP_RESTART],
        1,
        "no second upstream call"
    );
    assert_eq!(s.emails().await, emails);
    let _ = child.kill();
    let _ = child.wait();

    let out =
        command(&["log", "export", "--config", config.to_str().unwrap(), "--format", "jsonl"])
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["contact"], "c-1");
    assert_eq!(rows[0]["email"], "pending@openprovider.example");
    assert_eq!(rows[0]["idempotency_key"], "intent-42");
    assert_eq!(rows[0]["registrant"], "client-9");
    assert!(
        rows[0]["upstream_status"].is_null() && rows[0]["error"].is_null(),
        "outcome unknown: {}",
        rows[0]
    );
    let csv = command(&[
        "log",
        "export",
        "--config",
        config.to_str().unwrap(),
        "--since",
        "2000-01-01",
        "--format",
        "csv",
    ])
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("id,created_at,registrant,provider,contact,email"), "{text}");
    assert_eq!(text.lines().count(), 2);
    let later =
        command(&["log", "export", "--config", config.to_str().unwrap(), "--since", "2999-01-01"])
            .output()
            .unwrap();
    assert_eq!(String::from_utf8_lossy(&later.stdout).lines().count(), 1, "only the header");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sigterm_ends_open_streams_and_exits() {
    let s = common::start().await;
    let dir = temp_dir("sigterm");
    let port = free_port();
    let namecom = format!(
        "[namecom]\nbase_url = \"{}/sandbox/namecom\"\nusername = \"{}\"\ntoken = \"{}\"\nwebhook_url = \"http://127.0.0.1:{port}/webhooks/namecom\"\n",
        s.base,
        sandbox::NAMECOM_USERNAME,
        sandbox::NAMECOM_TOKEN
    );
    let config = write_config_with(&dir, &s.base, port, &namecom);
    let (mut child, base) = serve(&config);
    assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"aud": "registrant-verification", "sub": "client-9", "role": "registrant",
        "iat": now, "exp": now + 600,
        "contacts": [{"id": "n-1", "provider": "namecom", "email": "pending@namecom.example"}]});
    let t =
        encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap();
    let mut stream = reqwest::Client::new()
        .get(format!("{base}/api/namecom/events?contact=n-1"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let pid = child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(code) = child.try_wait().unwrap() {
            assert!(code.success(), "exits cleanly on SIGTERM: {code}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still running 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The open stream was ended, not cut mid-event.
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the stream ended");
    let _ = std::fs::remove_dir_all(dir);
}
