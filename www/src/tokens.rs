//! The panel's server side: it knows who is signed in and which contacts
//! are theirs, and signs the gateway's tokens for them, as a reseller's
//! panel does (the WHMCS hook, `www/examples/tokens/`).
//!
//! - `GET /demo/token`: the signed-in registrant's token, naming each of
//!   their contacts (`id` = the scenario's key, the registrar's handle or
//!   verification id, the address, the domains; `changedAt` where the
//!   contact changed within name.com's ten minutes). 401 without a session.
//! - `GET /demo/staff-token`: a support staff token (`role: staff`). In
//!   this demo every signed-in visitor is also the reseller's support
//!   staff; a real panel checks a staff role here.
//!
//! Both answer `{"token": …}` with `Cache-Control: no-store`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::Demo;
use verification_sandbox::scenarios::{registry, Contact, Provider};

/// The tokens' audience (the gateway's default `tokens.audience`).
pub const AUDIENCE: &str = "registrant-verification";

/// How long a token lives: the widget asks for a new one shortly before.
pub const LIFETIME_SECONDS: i64 = 900;

/// `/demo/token`, `/demo/staff-token`.
pub fn router(demo: Arc<Demo>) -> Router {
    Router::new()
        .route("/demo/token", get(registrant_token))
        .route("/demo/staff-token", get(staff_token))
        .with_state(demo)
}

/// What the token says of one contact: how the gateway finds it at its
/// registrar, and which rows are its own.
pub fn contact_claim(demo: &Demo, c: &Contact) -> Value {
    let mut claim = json!({
        "id": c.key, "provider": c.provider.as_str(), "email": c.email, "domains": c.domains,
    });
    match c.provider {
        Provider::Namecom => {
            claim["verificationId"] = json!(c.verification_id);
            if c.key == "namecom-unknown" {
                // Changed three minutes ago: not in name.com's list yet.
                claim["changedAt"] = json!(demo.sandbox.namecom_unknown_changed_at().to_rfc3339());
            }
        }
        Provider::Dna | Provider::Openprovider => claim["handle"] = json!(c.handle),
    }
    claim
}

/// Signs `claims` (with `aud`, `iat`, `exp` added) with the demo's key.
pub fn sign(demo: &Demo, claims: Value) -> Option<String> {
    sign_with(&demo.secret, claims, LIFETIME_SECONDS)
}

/// Signs `claims` with HS256 and `secret`, valid `lifetime` seconds from
/// now (with `aud`, `iat`, `exp` added): the panel's token for a gateway
/// whose `tokens.hs256_secret` is `secret`.
pub(crate) fn sign_with(secret: &str, mut claims: Value, lifetime: i64) -> Option<String> {
    let now = chrono::Utc::now().timestamp();
    claims["aud"] = json!(AUDIENCE);
    claims["iat"] = json!(now);
    claims["exp"] = json!(now + lifetime);
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).ok()
}

/// `{"token": …}`, not cached; 500 when it could not be signed.
pub(crate) fn answer(token: Option<String>) -> Response {
    let Some(token) = token else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let mut res = Json(json!({ "token": token })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn signed_out() -> Response {
    let mut res = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "unauthenticated", "message": "Sign in to the demo panel first: open /" })),
    )
        .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn registrant_token(State(demo): State<Arc<Demo>>, headers: HeaderMap) -> Response {
    let Some(session) = demo.sessions.from_headers(&headers) else { return signed_out() };
    let contacts: Vec<Value> = registry()
        .iter()
        .filter(|c| c.owner == session.registrant)
        .map(|c| contact_claim(&demo, c))
        .collect();
    answer(sign(
        &demo,
        json!({ "sub": session.registrant, "role": "registrant", "contacts": contacts }),
    ))
}

async fn staff_token(State(demo): State<Arc<Demo>>, headers: HeaderMap) -> Response {
    if demo.sessions.from_headers(&headers).is_none() {
        return signed_out();
    }
    answer(sign(&demo, json!({ "sub": "sam-support", "role": "staff" })))
}
