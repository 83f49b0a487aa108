//! Shared helpers: start the app in-process on 127.0.0.1:0.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod gw;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};
use verification_sandbox as sandbox;

/// The fixed sandbox time every test starts from.
pub const T0: &str = "2026-03-01T12:00:00Z";

/// A running server.
#[derive(Clone)]
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
}

/// Starts the sandbox alone (at `/sandbox`), clock fixed at [`T0`] and
/// scenarios reseeded relative to it: the registrars the gateways of the
/// tests read.
pub async fn start() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sandbox = std::sync::Arc::new(sandbox::Sandbox::new());
    let app = axum::Router::new().nest("/sandbox", sandbox::router(sandbox));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let server = Server { base, client: reqwest::Client::new() };
    server.set_clock(T0).await;
    server.reset().await;
    server
}

/// The demo in process (`verification-www demo`), its gateway started,
/// the sandbox's clock fixed at [`T0`] and reseeded.
pub async fn start_demo(widget_dir: PathBuf) -> (Server, std::sync::Arc<verification_www::Demo>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let data_dir = std::env::temp_dir().join(format!(
        "demo-test-{}-{}",
        std::process::id(),
        listener.local_addr().unwrap().port()
    ));
    let options = verification_www::Options {
        base: base.clone(),
        widget_dir,
        data_dir,
        static_dir: None,
        allowed_origins: Vec::new(),
    };
    let (app, demo) = verification_www::app(options).unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap()
    });
    demo.start_gateway().await.unwrap();
    let server = Server { base, client: reqwest::Client::new() };
    server.set_clock(T0).await;
    server.reset().await;
    (server, demo)
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get_json(&self, path: &str) -> Value {
        self.client.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    pub async fn set_clock(&self, now: &str) {
        let res = self
            .client
            .post(self.url("/sandbox/control/clock"))
            .json(&json!({ "now": now }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    pub async fn reset(&self) {
        let res = self.client.post(self.url("/sandbox/control/reset")).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }

    /// Total verification emails the sandbox sent.
    pub async fn emails(&self) -> u64 {
        self.get_json("/sandbox/control/emails").await["total"].as_u64().unwrap()
    }

    /// Emails sent to one address.
    pub async fn emails_to(&self, email: &str) -> u64 {
        self.get_json("/sandbox/control/emails").await["byContact"][email].as_u64().unwrap_or(0)
    }

    /// Requests the registrar endpoints received.
    pub async fn upstream_requests(&self) -> u64 {
        self.get_json("/sandbox/control/requests").await["total"].as_u64().unwrap()
    }

    /// Opens the demo panel and returns the `Cookie` header value of the
    /// new session.
    pub async fn session(&self) -> String {
        let res = self.client.get(self.url("/")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        set_cookie.split(';').next().unwrap().to_owned()
    }

    /// The demo panel's token for the session `cookie` (`/demo/token`).
    pub async fn panel_token(&self, cookie: &str, path: &str) -> String {
        let res = self.client.get(self.url(path)).header("cookie", cookie).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let v: Value = res.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// name.com sandbox credentials.
    pub fn namecom_auth(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        let basic =
            base64_encode(&format!("{}:{}", sandbox::NAMECOM_USERNAME, sandbox::NAMECOM_TOKEN));
        h.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Basic {basic}")).unwrap());
        h
    }

    /// A name.com resend straight at the sandbox.
    pub async fn namecom_resend(&self, id: i64, key: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(&format!("/sandbox/namecom/core/v1/contacts/verify/{id}:resend")))
            .headers(self.namecom_auth())
            .header(CONTENT_TYPE, "application/json")
            .body("{}");
        if let Some(k) = key {
            req = req.header("X-Idempotency-Key", k);
        }
        req.send().await.unwrap()
    }

    pub fn op_auth(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {}", sandbox::OPENPROVIDER_TOKEN)).unwrap(),
        );
        h
    }

    /// An Openprovider list call straight at the sandbox.
    pub async fn op_list(&self, query: &str) -> (u16, Value) {
        let res = self
            .client
            .get(self.url(&format!(
                "/sandbox/openprovider/v1beta/customers/verifications/emails/domains{query}"
            )))
            .headers(self.op_auth())
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// An Openprovider POST (`start` or `restart`) straight at the sandbox.
    pub async fn op_post(&self, op: &str, body: Value) -> (u16, Value) {
        let res =
            self.client
                .post(self.url(&format!(
                    "/sandbox/openprovider/v1beta/customers/verifications/emails/{op}"
                )))
                .headers(self.op_auth())
                .json(&body)
                .send()
                .await
                .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// A DNA call with the sandbox credentials added to `body`.
    pub async fn dna(&self, method: &str, mut body: Value) -> (u16, Value) {
        body["UserName"] = json!(sandbox::DNA_USERNAME);
        body["Password"] = json!(sandbox::DNA_PASSWORD);
        let res = self
            .client
            .post(self.url(&format!("/sandbox/dna/ContactApi.svc/{method}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }
}

/// The `X-NAMECOM-SIGNATURE` name.com would send for `body` posted to
/// `url` at unix time `ts`.
pub fn namecom_signature(url: &str, body: &str, ts: i64) -> String {
    let sig = verification_core::webhook::sign(url, body, sandbox::NAMECOM_TOKEN).unwrap();
    format!("sha256={sig},{ts},nonce-{ts}")
}

/// A name.com `contact.verification.status_change` body.
pub fn namecom_webhook(id: i64, status: &str) -> String {
    json!({
        "eventName": "contact.verification.status_change",
        "verificationId": id,
        "domains": ["namecom-pending-shop.com"],
        "verification": {"status": status, "verifyBy": "2026-03-11T12:00:00Z"},
    })
    .to_string()
}

/// A server binary on a free port, its output collected.
pub struct Binary {
    pub child: std::process::Child,
    pub base: String,
    output: std::sync::Arc<std::sync::Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Binary {
    /// Starts `target/debug/verification-www demo --port 0` with `env`
    /// added, its store in a directory of its own.
    pub fn start(env: &[(&str, &str)]) -> Binary {
        use std::io::{BufRead, BufReader, Read};
        use std::process::{Command, Stdio};
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_verification-www"));
        let data =
            std::env::temp_dir().join(format!("demo-bin-{}-{}", std::process::id(), rand_suffix()));
        cmd.args(["demo", "--port", "0", "--widget-dir", "/nonexistent", "--data-dir"]).arg(&data);
        cmd.envs(env.iter().copied());
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("Demo running at ")
            .unwrap_or_else(|| panic!("startup line: {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        let output = std::sync::Arc::new(std::sync::Mutex::new(line));
        let mut readers = Vec::new();
        let stderr = child.stderr.take().unwrap();
        for mut src in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
            let out = output.clone();
            readers.push(std::thread::spawn(move || {
                let mut buf = String::new();
                let _ = src.read_to_string(&mut buf);
                out.lock().unwrap().push_str(&buf);
            }));
        }
        Binary { child, base, output, readers }
    }

    pub fn server(&self) -> Server {
        Server { base: self.base.clone(), client: reqwest::Client::new() }
    }

    /// SIGKILLs the server and returns everything it printed.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        self.output.lock().unwrap().clone()
    }
}

pub fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
