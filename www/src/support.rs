//! The reseller support view: the demo page `/support` with
//! `<registrant-verification-list>`, and the staff pass-through it calls.
//!
//! - `GET /support[?provider=namecom|openprovider][&rate-limit=N/SECONDS][&theme=light|dark]`:
//!   the page. Each visit tops the sandbox up to [`SUPPORT_NAMECOM`]
//!   name.com contacts and [`SUPPORT_OPENPROVIDER`] Openprovider rows (a
//!   sandbox reset drops them; the next visit adds them again). The
//!   registrant demo `/` is unchanged.
//! - `GET /api/{provider}/list?page=&perPage=` (name.com) or
//!   `?limit=&offset=` (Openprovider): one page of the registrar's
//!   account-wide list, with the server's credentials; body and status
//!   unchanged.
//! - `POST /api/{provider}/support/resend?contact=<verificationId or email>`
//!   with `{"operation": "<op>"}`, header `X-Requested-With:
//!   registrant-verification` (CSRF) and `X-Idempotency-Key` (forwarded to
//!   name.com; answered from a one-hour cache for Openprovider).
//!
//! Errors of the pass-through itself are JSON `{"error","message"}`: 401
//! `unauthenticated`, 404 `unknown_provider` (and `dna`: Domain Name API
//! has no account-wide list), 400 `bad_query`, 403 `csrf`, 400
//! `missing_contact` / `bad_contact` / `bad_operation`, 409
//! `idempotency_key_reused`, 502 `upstream_unavailable`.
//!
//! **Authorization.** In this demo every session is also the reseller's
//! support staff. A real reseller checks a staff role here (and logs who
//! resent what), because these endpoints read and act on every contact of
//! the account, not one registrant's.

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

use crate::demo::{self, html_response, Chrome};
use serde_json::{json, Value};
use verification_core::resend::ResendOperation;

use crate::config::Config;
use crate::sandbox::Sandbox;
use crate::scenarios::{parse_provider, Provider, DEMO_REGISTRANT};
use crate::session::{self, Sessions};

/// name.com contacts the support demo keeps in the sandbox.
pub const SUPPORT_NAMECOM: usize = 3000;
/// Openprovider rows (one per email and domain) the support demo keeps.
pub const SUPPORT_OPENPROVIDER: usize = 1500;
/// How long an Openprovider resend is remembered under its idempotency key.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(3600);

const CSRF_HEADER: &str = "x-requested-with";
const CSRF_VALUE: &str = "registrant-verification";
const FORWARDED: [&str; 3] = ["x-ratelimit-reset", "x-idempotent-replay", "retry-after"];

/// The support page's stylesheet (on top of the panel's).
pub const SUPPORT_CSS: &str = r#"/* Acme Domains demo: the support page. */
.tabs { display: flex; gap: 0.5rem; margin: 0 0 1rem; padding: 0; list-style: none; flex-wrap: wrap; }
.tabs a { display: inline-block; padding: 0.375rem 0.875rem; border: 1px solid var(--panel-border); border-radius: 999px; text-decoration: none; background: var(--panel-card); }
.tabs a[aria-current="page"] { background: var(--panel-accent); border-color: var(--panel-accent); color: #fff; }
registrant-verification-list { display: block; }
registrant-verification-list .fallback { margin: 0; color: var(--panel-muted); }
.staff-note { font-size: 0.875rem; color: var(--panel-muted); max-width: 48rem; }
"#;

type Cached = (String, Instant, StatusCode, Option<HeaderValue>, Bytes);

/// The staff pass-through: upstream credentials, the sandbox to seed, the
/// sessions, and the Openprovider idempotency cache.
#[derive(Debug)]
pub struct Support {
    client: reqwest::Client,
    config: Config,
    sandbox: Arc<Sandbox>,
    sessions: Arc<Sessions>,
    idempotency: Mutex<HashMap<(String, String), Cached>>,
}

impl Support {
    /// A support view over `config`'s upstreams.
    pub fn new(config: Config, sandbox: Arc<Sandbox>, sessions: Arc<Sessions>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("the HTTP client builds");
        Support { client, config, sandbox, sessions, idempotency: Mutex::default() }
    }

    /// Adds synthetic contacts until the sandbox holds the demo's numbers.
    pub fn seed(&self) {
        let mut st = self.sandbox.lock();
        let now = st.now();
        let nc = st.namecom.add_synthetic(now, 0);
        if nc < SUPPORT_NAMECOM {
            st.namecom.add_synthetic(now, SUPPORT_NAMECOM - nc);
        }
        let op = st.openprovider.add_synthetic(now, 0);
        if op < SUPPORT_OPENPROVIDER {
            st.openprovider.add_synthetic(now, SUPPORT_OPENPROVIDER - op);
        }
    }
}

/// Builds the support routes (a router with its own state).
pub fn router(support: Arc<Support>) -> Router {
    Router::new()
        .route("/support", get(page))
        .route("/static/support.css", get(css))
        .route("/api/{provider}/list", get(list))
        .route("/api/{provider}/support/resend", post(resend))
        .with_state(support)
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut res = (status, Json(json!({ "error": code, "message": message }))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `N/SECONDS` with small positive numbers, or `None`.
fn rate_limit_param(v: &str) -> Option<String> {
    let (n, s) = v.split_once('/')?;
    let n: u32 = n.parse().ok().filter(|n| (1..=10_000).contains(n))?;
    let s: u32 = s.parse().ok().filter(|s| (1..=604_800).contains(s))?;
    Some(format!("{n}/{s}"))
}

async fn page(
    State(sp): State<Arc<Support>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    sp.seed();
    // Demo: any visitor becomes a session; here it acts as support staff.
    let new_session = match sp.sessions.from_headers(&headers) {
        Some(_) => None,
        None => Some(sp.sessions.create(DEMO_REGISTRANT)),
    };
    let provider = match q.get("provider").map(String::as_str) {
        Some("openprovider") => Provider::Openprovider,
        _ => Provider::Namecom,
    };
    let p = provider.as_str();
    let mut extra = String::new();
    if let Some(rl) = q.get("rate-limit").and_then(|v| rate_limit_param(v)) {
        extra.push_str(&format!(" rate-limit=\"{rl}\""));
    }
    if let Some(t) = q.get("theme").filter(|t| *t == "light" || *t == "dark") {
        extra.push_str(&format!(" theme=\"{t}\""));
    }
    let tab = |id: Provider, label: &str| {
        let current = if id == provider { " aria-current=\"page\"" } else { "" };
        format!("<li><a href=\"/support?provider={}\"{current}>{label}</a></li>", id.as_str())
    };
    let main = format!(
        "<h1>Email verification of every contact</h1>\n\
         <p class=\"lead\">Contacts that must verify their email address, most urgent first. A \
         contact that misses its deadline gets its domains suspended. Select contacts and resend \
         their verification email; resends are paced to the registrar's limits.</p>\n\
         <ul class=\"tabs\" aria-label=\"Registrar\">{}{}</ul>\n\
         <registrant-verification-list provider=\"{p}\" list-url=\"/api/{p}/list\" \
         resend-url=\"/api/{p}/support/resend\"{extra}>\
         <p class=\"fallback\">Loading the contact list…</p>\
         </registrant-verification-list>\n\
         <p class=\"staff-note\">Only the reseller's support staff may open this page: it lists \
         every contact of the account.</p>\n",
        tab(Provider::Namecom, "name.com"),
        tab(Provider::Openprovider, "Openprovider"),
    );
    let mut res = html_response(demo::page(
        &Chrome {
            user: "Sam Support (staff)",
            stylesheet: Some("/static/support.css"),
            current: "/support",
            script: "/widget/define-list.js",
        },
        "Support: contact verification",
        &main,
    ));
    if let Some(id) = new_session {
        if let Ok(v) = HeaderValue::from_str(&session::set_cookie_value(&id)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn css() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        SUPPORT_CSS,
    )
        .into_response()
}

/// The session (every demo session is staff) and the provider.
fn authorize(
    sp: &Support,
    headers: &HeaderMap,
    provider: &str,
) -> Result<(String, Provider), Response> {
    // A real reseller checks here that the session's user has a staff role.
    let session = sp.sessions.from_headers(headers).ok_or_else(|| {
        api_error(StatusCode::UNAUTHORIZED, "unauthenticated", "No session: open /support first")
    })?;
    match parse_provider(provider) {
        Some(p @ (Provider::Namecom | Provider::Openprovider)) => Ok((session.id, p)),
        Some(Provider::Dna) => Err(api_error(
            StatusCode::NOT_FOUND,
            "unknown_provider",
            "Domain Name API has no account-wide verification list",
        )),
        None => Err(api_error(StatusCode::NOT_FOUND, "unknown_provider", "Unknown provider")),
    }
}

fn number(q: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, Response> {
    match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            api_error(StatusCode::BAD_REQUEST, "bad_query", &format!("`{name}` must be a number"))
        }),
    }
}

async fn forward(req: reqwest::RequestBuilder) -> Result<Response, Response> {
    let res = req.send().await.map_err(|e| {
        eprintln!(
            "support upstream request failed: {}",
            if e.is_timeout() { "timeout" } else { "error" }
        );
        api_error(
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            "Could not reach the registrar API",
        )
    })?;
    let status = StatusCode::from_u16(res.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = res.headers().get(header::CONTENT_TYPE).cloned();
    let forwarded: Vec<(HeaderName, HeaderValue)> = FORWARDED
        .iter()
        .filter_map(|n| Some((HeaderName::from_static(n), res.headers().get(*n)?.clone())))
        .collect();
    let body = res.bytes().await.map_err(|_| {
        api_error(
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            "The registrar's answer broke off",
        )
    })?;
    let mut out = (status, Body::from(body)).into_response();
    let h = out.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        content_type.unwrap_or_else(|| HeaderValue::from_static("application/json")),
    );
    for (n, v) in forwarded {
        h.insert(n, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(out)
}

async fn list(
    State(sp): State<Arc<Support>>,
    Path(provider): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let provider = match authorize(&sp, &headers, &provider) {
        Ok((_, p)) => p,
        Err(r) => return r,
    };
    let req = match provider {
        Provider::Namecom => {
            let (page, per_page) = match (number(&q, "page", 1), number(&q, "perPage", 1000)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(r), _) | (_, Err(r)) => return r,
            };
            let c = &sp.config.namecom;
            sp.client
                .get(format!("{}/core/v1/contacts/unverified", c.base_url))
                .query(&[("page", page), ("perPage", per_page)])
                .basic_auth(c.username.expose(), Some(c.token.expose()))
        }
        _ => {
            let (limit, offset) = match (number(&q, "limit", 1000), number(&q, "offset", 0)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(r), _) | (_, Err(r)) => return r,
            };
            let c = &sp.config.openprovider;
            sp.client
                .get(format!("{}/v1beta/customers/verifications/emails/domains", c.base_url))
                .query(&[("limit", limit), ("offset", offset)])
                .bearer_auth(c.token.expose())
        }
    };
    forward(req).await.unwrap_or_else(|r| r)
}

async fn resend(
    State(sp): State<Arc<Support>>,
    Path(provider): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let (session, provider) = match authorize(&sp, &headers, &provider) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let csrf = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::trim);
    if csrf != Some(CSRF_VALUE) {
        return api_error(
            StatusCode::FORBIDDEN,
            "csrf",
            "Missing header X-Requested-With: registrant-verification",
        );
    }
    let Some(contact) = q.get("contact").map(|c| c.trim()).filter(|c| !c.is_empty()) else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            "Query parameter `contact` is required",
        );
    };
    let op = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("operation").and_then(Value::as_str).map(str::to_owned))
        .and_then(|op| ResendOperation::parse(provider, &op));
    let Some(op) = op else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "bad_operation",
            "Body must be {\"operation\": ...} for this registrar",
        );
    };
    let key = headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .map(str::to_owned);

    if provider == Provider::Namecom {
        let Some(id) = contact.parse::<i32>().ok().filter(|id| *id > 0) else {
            return api_error(
                StatusCode::BAD_REQUEST,
                "bad_contact",
                "`contact` must be a name.com verificationId",
            );
        };
        let c = &sp.config.namecom;
        let mut req = sp
            .client
            .post(format!("{}/core/v1/contacts/verify/{id}:resend", c.base_url))
            .basic_auth(c.username.expose(), Some(c.token.expose()))
            .json(&json!({}));
        if let Some(key) = &key {
            req = req.header("x-idempotency-key", key);
        }
        return forward(req).await.unwrap_or_else(|r| r);
    }

    if !contact.contains('@') || contact.len() > 254 {
        return api_error(
            StatusCode::BAD_REQUEST,
            "bad_contact",
            "`contact` must be the contact's email",
        );
    }
    let fingerprint = format!("{contact}|{}", op.as_str());
    if let Some(key) = &key {
        let mut cache = sp.idempotency.lock().unwrap_or_else(|e| e.into_inner());
        cache.retain(|_, (_, at, ..)| at.elapsed() < IDEMPOTENCY_TTL);
        if let Some((fp, _, status, ct, body)) = cache.get(&(session.clone(), key.clone())) {
            if *fp != fingerprint {
                return api_error(
                    StatusCode::CONFLICT,
                    "idempotency_key_reused",
                    "Idempotency key has been reused for a different request.",
                );
            }
            let mut res = (*status, Body::from(body.clone())).into_response();
            let h = res.headers_mut();
            if let Some(ct) = ct {
                h.insert(header::CONTENT_TYPE, ct.clone());
            }
            h.insert("x-idempotent-replay", HeaderValue::from_static("1"));
            return res;
        }
    }
    let c = &sp.config.openprovider;
    let req = sp
        .client
        .post(format!("{}/v1beta/customers/verifications/emails/{}", c.base_url, op.as_str()))
        .bearer_auth(c.token.expose())
        .json(&json!({ "email": contact }));
    let res = match forward(req).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let status = res.status();
    if key.is_none() || status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return res;
    }
    // Remember the final answer under its key.
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 4 << 20).await else {
        return api_error(
            StatusCode::BAD_GATEWAY,
            "upstream_unavailable",
            "The registrar's answer broke off",
        );
    };
    if let Some(key) = key {
        let ct = parts.headers.get(header::CONTENT_TYPE).cloned();
        let mut cache = sp.idempotency.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert((session, key), (fingerprint, Instant::now(), status, ct, bytes.clone()));
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_param_is_validated() {
        assert_eq!(rate_limit_param("5/3600").as_deref(), Some("5/3600"));
        assert_eq!(rate_limit_param("5/3600\"><script>"), None);
        assert_eq!(rate_limit_param("0/10"), None);
        assert_eq!(rate_limit_param("x"), None);
    }

    #[test]
    fn seeding_tops_up_once() {
        let sp = Support::new(
            Config::sandbox("http://127.0.0.1:1", "widget/pkg"),
            Arc::new(Sandbox::new()),
            Arc::default(),
        );
        sp.seed();
        sp.seed();
        let mut st = sp.sandbox.lock();
        let now = st.now();
        assert_eq!(st.namecom.add_synthetic(now, 0), SUPPORT_NAMECOM);
        assert_eq!(st.openprovider.add_synthetic(now, 0), SUPPORT_OPENPROVIDER);
    }
}
