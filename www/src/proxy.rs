//! The reference backend pass-through a reseller runs, mounted at `/api`.
//!
//! The browser sends a contact key; the pass-through checks that the
//! session's registrant owns it, builds the registrar request from its own
//! registry and credentials, and returns the registrar's body and status
//! unchanged.
//!
//! - `GET /api/{provider}/status?contact=<key>`
//! - `POST /api/{provider}/resend?contact=<key>` with body
//!   `{"operation":"<op>"}`, header `X-Requested-With: registrant-verification`
//!   and optionally `X-Idempotency-Key`.
//!
//! The pass-through's own errors are JSON `{"error":"<code>","message":"..."}`:
//! 401 `unauthenticated` (no or unknown `demo_session` cookie), 404
//! `unknown_provider`, 400 `missing_contact`, 403 `forbidden` (contact not on
//! the session's account, or unknown: nothing is sent upstream), 400
//! `provider_mismatch`, 403 `csrf` (POST without the header), 400
//! `bad_operation`, 409 `idempotency_key_reused`, 502 `upstream_unavailable`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::config::Config;
use crate::scenarios::{self, Contact, Provider};
use crate::session::Session;
use crate::AppState;
use verification_core::resend::ResendOperation;

/// Header every state-changing request must carry (CSRF defence: a
/// cross-site form cannot set it, and a cross-site `fetch` that sets it
/// needs a CORS preflight this server never grants).
pub const CSRF_HEADER: &str = "x-requested-with";
/// Required value of [`CSRF_HEADER`].
pub const CSRF_VALUE: &str = "registrant-verification";
/// How long the pass-through remembers a resend for an idempotency key, for
/// registrars without idempotency support (DNA, Openprovider).
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(60 * 60);
/// Page size the pass-through asks name.com for.
pub const NAMECOM_PAGE_SIZE: u32 = 1000;
/// Most name.com pages read for one status request.
pub const NAMECOM_MAX_PAGES: u32 = 200;

/// Upstream response headers passed back to the browser.
const FORWARDED_HEADERS: [&str; 3] = ["x-ratelimit-reset", "x-idempotent-replay", "retry-after"];

/// An upstream answer, kept as bytes.
#[derive(Clone, Debug)]
struct Upstream {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Upstream {
    fn into_response(self, replay: bool) -> Response {
        let mut res = (self.status, Body::from(self.body)).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            self.content_type.unwrap_or_else(|| HeaderValue::from_static("application/json")),
        );
        for (name, value) in self.headers {
            h.insert(name, value);
        }
        if replay {
            h.insert("x-idempotent-replay", HeaderValue::from_static("1"));
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

#[derive(Debug)]
struct Cached {
    fingerprint: String,
    at: Instant,
    upstream: Upstream,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// The pass-through: HTTP client, upstream configuration and the
/// idempotency cache for registrars without one.
#[derive(Debug)]
pub struct Proxy {
    client: reqwest::Client,
    config: Config,
    idempotency: Mutex<HashMap<(String, String), Slot>>,
}

impl Proxy {
    /// A pass-through using `config`'s upstreams.
    pub fn new(config: Config) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("the HTTP client builds");
        Proxy { client, config, idempotency: Mutex::default() }
    }

    /// The slot for `(session, key)`, creating it if needed. Slots are
    /// async mutexes so that a double click waits for the first request
    /// instead of sending a second one.
    fn slot(&self, session: &str, key: &str) -> Slot {
        let mut map = self.idempotency.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, slot| match slot.try_lock() {
            Ok(g) => g.as_ref().is_some_and(|c| c.at.elapsed() < IDEMPOTENCY_TTL),
            Err(_) => true, // in flight
        });
        map.entry((session.to_owned(), key.to_owned())).or_default().clone()
    }
}

/// Builds the `/api` router.
pub fn router() -> Router<AppState> {
    Router::new().route("/{provider}/status", get(status)).route("/{provider}/resend", post(resend))
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut res = (status, Json(json!({ "error": code, "message": message }))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn unavailable(provider: Provider, err: &reqwest::Error) -> Response {
    // Never log the URL or request: only what failed.
    eprintln!("upstream {provider} request failed: {}", describe(err));
    api_error(StatusCode::BAD_GATEWAY, "upstream_unavailable", "Could not reach the registrar API")
}

/// What went wrong, without the URL or anything else from the request.
fn describe(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "bad response body"
    } else {
        "request error"
    }
}

/// Session, provider and contact checks shared by both endpoints.
fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    provider: &str,
) -> Result<(Session, Provider), Response> {
    let session = state.sessions.from_headers(headers).ok_or_else(|| {
        api_error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "No demo session: open the demo page first",
        )
    })?;
    let provider = scenarios::parse_provider(provider)
        .ok_or_else(|| api_error(StatusCode::NOT_FOUND, "unknown_provider", "Unknown provider"))?;
    Ok((session, provider))
}

fn owned_contact(
    session: &Session,
    provider: Provider,
    query: &HashMap<String, String>,
) -> Result<&'static Contact, Response> {
    let key = query.get("contact").filter(|k| !k.is_empty()).ok_or_else(|| {
        api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            "Query parameter `contact` is required",
        )
    })?;
    // Unknown and foreign contacts get the same answer: existence is not
    // disclosed.
    let contact =
        scenarios::contact(key).filter(|c| c.owner == session.registrant).ok_or_else(|| {
            api_error(StatusCode::FORBIDDEN, "forbidden", "This contact is not on your account")
        })?;
    if contact.provider != provider {
        return Err(api_error(
            StatusCode::BAD_REQUEST,
            "provider_mismatch",
            "This contact belongs to another registrar",
        ));
    }
    Ok(contact)
}

async fn read(res: reqwest::Response) -> reqwest::Result<Upstream> {
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
    let headers = FORWARDED_HEADERS
        .iter()
        .filter_map(|name| {
            let v = res.headers().get(*name)?;
            Some((HeaderName::from_static(name), HeaderValue::from_bytes(v.as_bytes()).ok()?))
        })
        .collect();
    let body = res.bytes().await?;
    Ok(Upstream { status, content_type, headers, body })
}

async fn status(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let (session, provider) = match authorize(&state, &headers, &provider) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let contact = match owned_contact(&session, provider, &query) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let proxy = &state.proxy;
    let result = match provider {
        Provider::Dna => {
            dna_call(proxy, "GetDetails", json!({ "ContactEmail": contact.email })).await
        }
        Provider::Openprovider => {
            let c = &proxy.config.openprovider;
            let req = proxy
                .client
                .get(format!("{}/v1beta/customers/verifications/emails/domains", c.base_url))
                .query(&[("email", contact.email.as_str()), ("limit", "1000")])
                .bearer_auth(c.token.expose());
            send(req).await
        }
        Provider::Namecom => namecom_status(proxy, contact).await,
    };
    match result {
        Ok(up) => up.into_response(false),
        Err(e) => unavailable(provider, &e),
    }
}

async fn send(req: reqwest::RequestBuilder) -> reqwest::Result<Upstream> {
    read(req.send().await?).await
}

async fn dna_call(proxy: &Proxy, method: &str, mut body: Value) -> reqwest::Result<Upstream> {
    let c = &proxy.config.dna;
    body["UserName"] = json!(c.username.expose());
    body["Password"] = json!(c.password.expose());
    send(proxy.client.post(format!("{}/ContactApi.svc/{method}", c.base_url)).json(&body)).await
}

fn namecom_get(proxy: &Proxy, page: u32) -> reqwest::RequestBuilder {
    let c = &proxy.config.namecom;
    proxy
        .client
        .get(format!("{}/core/v1/contacts/unverified", c.base_url))
        .query(&[("page", page), ("perPage", NAMECOM_PAGE_SIZE)])
        .basic_auth(c.username.expose(), Some(c.token.expose()))
}

/// name.com lists unverified contacts account-wide: read every page and keep
/// only this contact's entries, in name.com's own list shape.
async fn namecom_status(proxy: &Proxy, contact: &Contact) -> reqwest::Result<Upstream> {
    let mut found: Vec<Value> = Vec::new();
    let mut page = 1u32;
    let mut last: Option<Upstream> = None;
    for _ in 0..NAMECOM_MAX_PAGES {
        let up = send(namecom_get(proxy, page)).await?;
        if !up.status.is_success() {
            return Ok(up); // registrar error: unchanged
        }
        let Ok(v) = serde_json::from_slice::<Value>(&up.body) else {
            return Ok(up); // not JSON: let the widget report it
        };
        let rows =
            v.get("unverifiedContacts").and_then(Value::as_array).cloned().unwrap_or_default();
        let empty = rows.is_empty();
        found.extend(rows.into_iter().filter(|row| namecom_matches(row, contact)));
        last = Some(up);
        let next = v.get("nextPage").and_then(Value::as_u64);
        let to = v.get("to").and_then(Value::as_u64);
        let total = v.get("totalCount").and_then(Value::as_u64);
        let done = empty
            || next.is_none_or(|n| n <= u64::from(page))
            || matches!((to, total), (Some(to), Some(total)) if to >= total);
        if done {
            break;
        }
        page = u32::try_from(next.unwrap_or(0)).unwrap_or(u32::MAX);
    }
    let n = found.len();
    let body = json!({
        "unverifiedContacts": found,
        "from": if n == 0 { 0 } else { 1 },
        "to": n,
        "lastPage": 1,
        "nextPage": null,
        "totalCount": n,
    });
    let mut up = last.expect("the loop runs at least once");
    up.body = Bytes::from(serde_json::to_vec(&body).expect("JSON serialises"));
    up.content_type = Some(HeaderValue::from_static("application/json"));
    Ok(up)
}

fn namecom_matches(row: &Value, contact: &Contact) -> bool {
    let id =
        row.get("verificationId").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    let email = row.get("email").and_then(Value::as_str);
    (id.is_some() && id == contact.verification_id)
        || email.is_some_and(|e| e.eq_ignore_ascii_case(&contact.email))
}

/// The operations a provider's resend accepts, for the error message.
fn operations(provider: Provider) -> String {
    [
        ResendOperation::DnaResendNotice,
        ResendOperation::NamecomResend,
        ResendOperation::OpenproviderStart,
        ResendOperation::OpenproviderRestart,
    ]
    .into_iter()
    .filter(|op| op.provider() == provider)
    .map(ResendOperation::as_str)
    .collect::<Vec<_>>()
    .join(", ")
}

async fn resend(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let (session, provider) = match authorize(&state, &headers, &provider) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let csrf_ok = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == CSRF_VALUE);
    if !csrf_ok {
        return api_error(
            StatusCode::FORBIDDEN,
            "csrf",
            "Missing header X-Requested-With: registrant-verification",
        );
    }
    let contact = match owned_contact(&session, provider, &query) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let op = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("operation").and_then(Value::as_str).map(str::to_owned));
    let Some(op) = op.and_then(|op| ResendOperation::parse(provider, &op)) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "bad_operation",
            &format!("Body must be {{\"operation\": ...}} with one of: {}", operations(provider)),
        );
    };
    let key = headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let proxy = &state.proxy;

    if provider == Provider::Namecom {
        // name.com keeps its own idempotency cache: forward the key.
        let id = contact.verification_id.expect("name.com contacts have a verificationId");
        let c = &proxy.config.namecom;
        let mut req = proxy
            .client
            .post(format!("{}/core/v1/contacts/verify/{id}:resend", c.base_url))
            .basic_auth(c.username.expose(), Some(c.token.expose()))
            .json(&json!({}));
        if let Some(key) = key {
            req = req.header("x-idempotency-key", key);
        }
        return match send(req).await {
            Ok(up) => up.into_response(false),
            Err(e) => unavailable(provider, &e),
        };
    }

    let Some(key) = key else {
        return match upstream_resend(proxy, provider, contact, op).await {
            Ok(up) => up.into_response(false),
            Err(e) => unavailable(provider, &e),
        };
    };
    let fingerprint = format!("{}|{}", contact.key, op.as_str());
    let slot = proxy.slot(&session.id, key);
    let mut cached = slot.lock().await;
    if let Some(c) = cached.as_ref().filter(|c| c.at.elapsed() < IDEMPOTENCY_TTL) {
        if c.fingerprint != fingerprint {
            return api_error(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "Idempotency key has been reused for a different request.",
            );
        }
        return c.upstream.clone().into_response(true);
    }
    match upstream_resend(proxy, provider, contact, op).await {
        Ok(up) => {
            // Keep answers that are final; a 429 or 5xx may be retried.
            if up.status != StatusCode::TOO_MANY_REQUESTS && !up.status.is_server_error() {
                *cached = Some(Cached { fingerprint, at: Instant::now(), upstream: up.clone() });
            }
            up.into_response(false)
        }
        Err(e) => unavailable(provider, &e),
    }
}

async fn upstream_resend(
    proxy: &Proxy,
    provider: Provider,
    contact: &Contact,
    op: ResendOperation,
) -> reqwest::Result<Upstream> {
    match provider {
        Provider::Dna => {
            let target = match &contact.handle {
                Some(id) => json!({ "ExternalId": id }),
                None => json!({ "ContactEmail": contact.email }),
            };
            dna_call(proxy, "ResendContactVerificationNotice", target).await
        }
        Provider::Openprovider => {
            let c = &proxy.config.openprovider;
            let body = if op == ResendOperation::OpenproviderStart {
                json!({ "email": contact.email, "handle": contact.handle })
            } else {
                json!({ "email": contact.email })
            };
            let url =
                format!("{}/v1beta/customers/verifications/emails/{}", c.base_url, op.as_str());
            send(proxy.client.post(url).bearer_auth(c.token.expose()).json(&body)).await
        }
        Provider::Namecom => unreachable!("name.com resends are forwarded above"),
    }
}
