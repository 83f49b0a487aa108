//! The gateway (`serve`) in process, in front of the sandbox as its
//! registrars, with tokens minted here as a panel would.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use verification_core::{evaluate_response, Context, Provider, Response as CoreResponse};
use verification_gateway::{self as gateway, config::GatewayConfig};
use verification_sandbox::{self as sandbox, scenarios};

use super::Server;

pub const SECRET: &str = "gateway-test-secret-of-at-least-32-bytes";
pub const ORIGIN: &str = "https://panel.example";

pub struct Gw {
    pub base: String,
    pub client: reqwest::Client,
    /// Shared, so a second gateway (a restart) can stand in front of it.
    pub sandbox: Arc<Server>,
    pub gw: Arc<gateway::Gateway>,
    /// Stops the gateway's background work and its server.
    pub stop: tokio::sync::watch::Sender<bool>,
}

pub fn config_text(sandbox: &str, gateway: &str, database: &str) -> String {
    let registrars =
        sandbox::gateway_registrars(sandbox, &format!("{gateway}/webhooks/namecom"), 600);
    format!(
        r#"
listen = "127.0.0.1:0"
allowed_origins = ["{ORIGIN}"]
database = "{database}"
cooldown_seconds = 900

[tokens]
audience = "registrant-verification"
hs256_secret = "env:GATEWAY_TEST_SECRET"
{registrars}"#
    )
}

pub fn env(name: &str) -> Option<String> {
    (name == "GATEWAY_TEST_SECRET").then(|| SECRET.to_owned())
}

/// The sandbox, and a gateway in front of it (its configuration edited by
/// `edit`), on a store in memory.
pub async fn start_with(edit: impl FnOnce(String) -> String) -> Gw {
    serve(Arc::new(super::start().await), "sqlite::memory:", edit).await
}

/// A gateway on `database` in front of `sandbox`.
pub async fn serve(
    sandbox: Arc<Server>,
    database: &str,
    edit: impl FnOnce(String) -> String,
) -> Gw {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let text = edit(config_text(&sandbox.base, &base, database));
    let config = GatewayConfig::parse(&text, std::path::Path::new("."), env).unwrap();
    let (stop, rx) = tokio::sync::watch::channel(false);
    let gw = gateway::Gateway::new(config, rx).await.unwrap();
    gw.start();
    let app = gateway::router(gw.clone());
    let mut done = stop.subscribe();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = done.changed().await;
            })
            .await
            .unwrap()
    });
    Gw { base, client: reqwest::Client::new(), sandbox, gw, stop }
}

pub async fn start() -> Gw {
    start_with(|t| t).await
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A token for the demo registrant's contacts named by `keys`.
pub fn token_for(keys: &[&str]) -> String {
    let contacts: Vec<Value> = keys
        .iter()
        .map(|k| {
            let c = scenarios::contact(k).unwrap();
            json!({
                "id": c.key, "provider": c.provider.as_str(), "email": c.email,
                "handle": c.handle, "verificationId": c.verification_id, "domains": c.domains,
            })
        })
        .collect();
    sign(json!({"aud": "registrant-verification", "sub": "client-42", "role": "registrant",
                "iat": now(), "exp": now() + 600, "contacts": contacts}))
}

pub fn staff_token() -> String {
    sign(json!({"aud": "registrant-verification", "sub": "agent-7", "role": "staff",
                "iat": now(), "exp": now() + 600}))
}

pub fn sign(claims: Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

impl Gw {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: Value,
        key: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("origin", ORIGIN)
            .json(&body);
        if let Some(k) = key {
            req = req.header("x-idempotency-key", k);
        }
        req.send().await.unwrap()
    }

    /// Waits until the name.com mirror answers (the first scan is done).
    pub async fn mirror_ready(&self, token: &str, contact: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let res =
                self.get(&format!("/api/namecom/status?contact={contact}"), Some(token)).await;
            if res.status() != 503 {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "the first scan never completed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Openprovider logins, the readiness probe's among them (one account,
    /// one login budget).
    pub async fn logins(&self) -> u64 {
        let counted = self.sandbox.get_json("/sandbox/control/requests").await;
        [&counted["byPath"], &counted["probes"]["byPath"]]
            .iter()
            .map(|by| by[OP_LOGIN].as_u64().unwrap_or(0))
            .sum()
    }

    pub async fn requests(&self, path: &str) -> u64 {
        self.sandbox.get_json("/sandbox/control/requests").await["byPath"][path]
            .as_u64()
            .unwrap_or(0)
    }
}

/// The record the core reads from a gateway answer, as the widget would.
pub async fn record(provider: Provider, res: reqwest::Response) -> verification_core::Record {
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    let ctx = Context::new(chrono::DateTime::parse_from_rfc3339(super::T0).unwrap().into())
        .single_contact();
    let e = evaluate_response(provider, &CoreResponse::new(status, &body), &ctx)
        .unwrap_or_else(|e| panic!("{provider} {status} {body}: {e}"));
    e.records.into_iter().next().unwrap()
}

pub const OP_LOGIN: &str = "/sandbox/openprovider/v1beta/auth/login";
pub const DNA_SOAP: &str = "/sandbox/dna/ContactApi.svc/GetDetails";
