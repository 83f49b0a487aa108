//! Shared helpers: start the app in-process on 127.0.0.1:0.
#![allow(dead_code)]

use std::path::PathBuf;

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};
use verification_www::sandbox;

/// The fixed sandbox time every test starts from.
pub const T0: &str = "2026-03-01T12:00:00Z";

/// A running server.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
}

/// Starts the app with the sandbox upstreams, clock fixed at [`T0`] and
/// scenarios reseeded relative to it.
pub async fn start() -> Server {
    start_with_widget_dir(PathBuf::from("/nonexistent/widget/pkg")).await
}

/// [`start`] serving `widget_dir` at `/widget/`.
pub async fn start_with_widget_dir(widget_dir: PathBuf) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = verification_www::app(verification_www::Config::sandbox(&base, widget_dir));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let server = Server { base, client: reqwest::Client::new() };
    server.set_clock(T0).await;
    server.reset().await;
    server
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

    /// Opens the demo page and returns the `Cookie` header value of the new
    /// session.
    pub async fn session(&self) -> String {
        let res = self.client.get(self.url("/")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        set_cookie.split(';').next().unwrap().to_owned()
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

pub fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}
