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
//! - `GET /api/namecom/events?contact=<key>`: server-sent events of name.com
//!   webhooks for the contact (see [`crate::webhooks`]).
//!
//! The pass-through's own errors are JSON `{"error":"<code>","message":"..."}`:
//! 401 `unauthenticated` (no or unknown `demo_session` cookie), 404
//! `unknown_provider`, 400 `missing_contact`, 403 `forbidden` (contact not on
//! the session's account, or unknown, or `contact` given more than once, or a
//! resend body with any field besides `operation`: nothing is sent
//! upstream), 400 `provider_mismatch`, 403 `csrf` (POST without the header,
//! with an `Origin` other than this server's, or with `Sec-Fetch-Site:
//! cross-site`), 400 `bad_operation`, 409 `idempotency_key_reused`, 429
//! `rate_limited` (see [`crate::ratelimit`]), 502 `upstream_unavailable`,
//! 503 `resend_log_unavailable` (the resend could not be logged, so it was
//! not sent).
//!
//! Every resend that goes upstream is first written to the
//! [`crate::resend_log`].

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
use crate::gateway::config::DnaConfig;
use crate::gateway::store::LogEntry;
use crate::gateway::upstream::{dna, Failure};
use crate::ratelimit::{self, Limiter, RateLimits};
use crate::resend_log::ResendLog;
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
    /// Domain Name API, over SOAP (the gateway's client).
    dna: dna::Dna,
    config: Config,
    idempotency: Mutex<HashMap<(String, String), Slot>>,
    limits: RateLimits,
    limiter: Limiter,
    /// Resend intents already counted against the limits: `(session, key,
    /// request)` → when. A retry of the same intent is not a new one.
    admitted: Mutex<HashMap<String, Instant>>,
    log: ResendLog,
}

impl Proxy {
    /// A pass-through using `config`'s upstreams, logging resends to
    /// `config.resend_log`.
    ///
    /// # Errors
    /// When the resend log cannot be opened.
    pub fn new(config: Config) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("the HTTP client builds");
        let secrets = vec![
            config.dna.username.expose().to_owned(),
            config.dna.password.expose().to_owned(),
            config.namecom.username.expose().to_owned(),
            config.namecom.token.expose().to_owned(),
            config.openprovider.token.expose().to_owned(),
        ];
        let log = ResendLog::open(&config.resend_log, secrets)?;
        let dna = dna::Dna::new(
            DnaConfig::with_defaults(
                config.dna.base_url.clone(),
                config.dna.username.clone(),
                config.dna.password.clone(),
            ),
            client.clone(),
        );
        Ok(Proxy {
            dna,
            client,
            limits: config.limits,
            config,
            idempotency: Mutex::default(),
            limiter: Limiter::default(),
            admitted: Mutex::default(),
            log,
        })
    }

    /// Counts a status read (or event-stream connect) of `session`; 429
    /// when over [`RateLimits::status_per_session`].
    pub(crate) fn limit_status(&self, session: &Session) -> Result<(), Response> {
        let now = chrono::Utc::now();
        let key = format!("status|{}", session.id);
        self.limiter
            .check(&[(&key, self.limits.status_per_session)], now)
            .map_err(|next| ratelimit::too_many_requests(next, now))
    }

    /// Counts a new resend intent against the per-contact and per-session
    /// limits; a retry of an intent already counted (same session, key and
    /// request) passes without counting.
    fn limit_resend(
        &self,
        session: &Session,
        contact: &Contact,
        key: Option<&str>,
        fingerprint: &str,
    ) -> Result<(), Response> {
        let now = chrono::Utc::now();
        let intent = key.map(|k| format!("{}\n{k}\n{fingerprint}", session.id));
        let mut admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        if admitted.len() > 10_000 {
            admitted.retain(|_, at| at.elapsed() < IDEMPOTENCY_TTL);
        }
        if let Some(intent) = &intent {
            if admitted.get(intent).is_some_and(|at| at.elapsed() < IDEMPOTENCY_TTL) {
                return Ok(());
            }
        }
        let by_contact = format!("resend|{}", contact.key);
        let by_session = format!("resend-session|{}", session.id);
        self.limiter
            .check(
                &[
                    (&by_contact, self.limits.resend_per_contact),
                    (&by_session, self.limits.resend_per_session),
                ],
                now,
            )
            .map_err(|next| ratelimit::too_many_requests(next, now))?;
        if let Some(intent) = intent {
            admitted.insert(intent, Instant::now());
        }
        Ok(())
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
    Router::new()
        .route("/{provider}/status", get(status))
        .route("/{provider}/resend", post(resend))
        .route("/namecom/events", get(crate::webhooks::events))
}

/// The pass-through's own JSON error.
pub(crate) fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut res = (status, Json(json!({ "error": code, "message": message }))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn unavailable(provider: Provider, err: &Failure) -> Response {
    // Never log the URL or request: only what failed.
    eprintln!("upstream {provider} request failed: {}", err.describe());
    api_error(StatusCode::BAD_GATEWAY, "upstream_unavailable", "Could not reach the registrar API")
}

/// Session and provider checks shared by every endpoint.
pub(crate) fn authorize_session(
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

pub(crate) type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// Who may read a contact's status (and its live events): a session whose
/// registrant owns the contact the query names, within the status rate
/// limit.
pub(crate) fn authorize_status_read(
    state: &AppState,
    headers: &HeaderMap,
    provider: &str,
    query: RawQuery,
) -> Result<(Provider, &'static Contact), Response> {
    let (session, provider) = authorize_session(state, headers, provider)?;
    let contact = owned_contact(&session, provider, query)?;
    state.proxy.limit_status(&session)?;
    Ok((provider, contact))
}

/// The one contact the query names, if the session's registrant owns it.
pub(crate) fn owned_contact(
    session: &Session,
    provider: Provider,
    query: RawQuery,
) -> Result<&'static Contact, Response> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let mut keys = query.iter().filter(|(k, _)| k == "contact").map(|(_, v)| v.as_str());
    let (key, more) = (keys.next(), keys.next());
    if more.is_some() {
        // `?contact=mine&contact=yours`: frameworks disagree on which wins.
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Query parameter `contact` must be given once",
        ));
    }
    let key = key.filter(|k| !k.is_empty()).ok_or_else(|| {
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

async fn read(res: reqwest::Response) -> Result<Upstream, Failure> {
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
    let body = res.bytes().await.map_err(Failure::from)?;
    Ok(Upstream { status, content_type, headers, body })
}

async fn status(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    query: RawQuery,
    headers: HeaderMap,
) -> Response {
    let (provider, contact) = match authorize_status_read(&state, &headers, &provider, query) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let proxy = &state.proxy;
    let result = match provider {
        Provider::Dna => dna_call(proxy.dna.details(&contact.email)).await,
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

async fn send(req: reqwest::RequestBuilder) -> Result<Upstream, Failure> {
    read(req.send().await.map_err(Failure::from)?).await
}

/// Domain Name API over SOAP, with the gateway's client: `call`'s answer
/// is the seed's JSON (or DNA's error envelope), as the widget reads it.
async fn dna_call(
    call: impl std::future::Future<Output = Result<crate::gateway::upstream::Answer, Failure>>,
) -> Result<Upstream, Failure> {
    let answer = call.await?;
    let header = |name: &str, value: &str| {
        Some((HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_str(value).ok()?))
    };
    Ok(Upstream {
        status: StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY),
        content_type: answer.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()),
        headers: answer.headers.iter().filter_map(|(n, v)| header(n, v)).collect(),
        body: answer.body,
    })
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
///
/// The answer says the list is whole (`nextPage: null`) only when the last
/// page was read. Past [`NAMECOM_MAX_PAGES`] it names the next page unread,
/// so the core reads an absent contact as `unknown`, never as verified.
async fn namecom_status(proxy: &Proxy, contact: &Contact) -> Result<Upstream, Failure> {
    let mut found: Vec<Value> = Vec::new();
    let mut page = 1u32;
    let mut last: Option<Upstream> = None;
    let mut unread: Option<u32> = None;
    for read in 1..=NAMECOM_MAX_PAGES {
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
        if read == NAMECOM_MAX_PAGES {
            eprintln!("name.com list longer than {read} pages: answered as not whole");
            unread = Some(page);
        }
    }
    let n = found.len();
    let body = json!({
        "unverifiedContacts": found,
        "from": if n == 0 { 0 } else { 1 },
        "to": n,
        "lastPage": 1,
        "nextPage": unread,
        // With pages unread the count is unknown: `to < totalCount` says so.
        "totalCount": if unread.is_some() { n + 1 } else { n },
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

/// CSRF: the custom header, and no cross-site `Origin` or
/// `Sec-Fetch-Site`.
fn check_csrf(headers: &HeaderMap) -> Result<(), Response> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let refuse = |message: &str| Err(api_error(StatusCode::FORBIDDEN, "csrf", message));
    if text(CSRF_HEADER) != Some(CSRF_VALUE) {
        return refuse("Missing header X-Requested-With: registrant-verification");
    }
    if text("sec-fetch-site").is_some_and(|v| v.eq_ignore_ascii_case("cross-site")) {
        return refuse("Cross-site request refused");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = text("host").unwrap_or("");
        let origin_host = origin
            .to_str()
            .ok()
            .map(str::trim)
            .and_then(|o| o.strip_prefix("http://").or_else(|| o.strip_prefix("https://")))
            .filter(|h| !h.contains('/'));
        if host.is_empty() || origin_host.is_none_or(|h| !h.eq_ignore_ascii_case(host)) {
            return refuse("Cross-site request refused");
        }
    }
    Ok(())
}

async fn resend(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    query: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, provider) = match authorize_session(&state, &headers, &provider) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf(&headers) {
        return r;
    }
    let contact = match owned_contact(&session, provider, query) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let body = serde_json::from_slice::<Value>(&body).ok();
    if let Some(fields) = body.as_ref().and_then(Value::as_object) {
        // The contact comes from the URL only: a body naming an email, id
        // or handle is refused, not silently ignored.
        if fields.keys().any(|k| k != "operation") {
            return api_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The body may only hold `operation`: the contact is named by the URL",
            );
        }
    }
    let op = body.as_ref().and_then(|v| v.get("operation")).and_then(Value::as_str);
    let Some(op) = op.and_then(|op| ResendOperation::parse(provider, op)) else {
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
    let fingerprint = format!("{}|{}", contact.key, op.as_str());
    if let Err(r) = proxy.limit_resend(&session, contact, key, &fingerprint) {
        return r;
    }

    // name.com keeps its own idempotency cache: forward the key. Without a
    // key every request goes upstream.
    let Some(key) = key.filter(|_| provider != Provider::Namecom) else {
        return match logged_resend(proxy, &session, contact, op, key).await {
            Ok(up) => up.into_response(false),
            Err(r) => r,
        };
    };
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
    match logged_resend(proxy, &session, contact, op, Some(key)).await {
        Ok(up) => {
            // Keep answers that are final; a 429 or 5xx may be retried.
            if up.status != StatusCode::TOO_MANY_REQUESTS && !up.status.is_server_error() {
                *cached = Some(Cached { fingerprint, at: Instant::now(), upstream: up.clone() });
            }
            up.into_response(false)
        }
        Err(r) => r,
    }
}

/// Writes the resend to the log, sends it, and records the answer.
async fn logged_resend(
    proxy: &Proxy,
    session: &Session,
    contact: &Contact,
    op: ResendOperation,
    key: Option<&str>,
) -> Result<Upstream, Response> {
    let entry = LogEntry {
        session: Some(&session.id),
        registrant: &session.registrant,
        provider: contact.provider.as_str(),
        contact: &contact.key,
        email: &contact.email,
        domains: &contact.domains,
        operation: op.as_str(),
        idempotency_key: key,
    };
    let id = match proxy.log.begin(&entry).await {
        Ok(id) => id,
        Err(e) => {
            eprintln!("resend log write failed, resend refused: {e}");
            return Err(api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "resend_log_unavailable",
                "The resend could not be recorded, so it was not sent. Try again later.",
            ));
        }
    };
    match upstream_resend(proxy, contact, op, key).await {
        Ok(up) => {
            proxy.log.finish(id, Ok((up.status.as_u16(), &up.body))).await;
            Ok(up)
        }
        Err(e) => {
            proxy.log.finish(id, Err(&e.describe())).await;
            Err(unavailable(contact.provider, &e))
        }
    }
}

async fn upstream_resend(
    proxy: &Proxy,
    contact: &Contact,
    op: ResendOperation,
    key: Option<&str>,
) -> Result<Upstream, Failure> {
    match contact.provider {
        Provider::Dna => {
            let target = match &contact.handle {
                Some(id) => dna::Target::ExternalId(id),
                None => dna::Target::Email(&contact.email),
            };
            dna_call(proxy.dna.resend(target)).await
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
        Provider::Namecom => {
            let id = contact.verification_id.unwrap_or_default();
            let c = &proxy.config.namecom;
            let mut req = proxy
                .client
                .post(format!("{}/core/v1/contacts/verify/{id}:resend", c.base_url))
                .basic_auth(c.username.expose(), Some(c.token.expose()))
                .json(&json!({}));
            if let Some(key) = key {
                req = req.header("x-idempotency-key", key);
            }
            send(req).await
        }
    }
}
