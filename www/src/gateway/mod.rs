//! The gateway a reseller deploys next to their panel (`verification-www
//! serve --config FILE`).
//!
//! Registrants are named by a short-lived token the panel signs
//! ([`token`]); the gateway talks to the registrars with its own
//! credentials ([`upstream`]) and keeps what must survive a restart in its
//! store ([`store`]). It mounts only:
//!
//! - `GET /api/{provider}/status?contact=ID`, `POST /api/{provider}/resend?contact=ID`
//!   (`{"operation": ...}`, `X-Idempotency-Key`), `GET /api/namecom/events?contact=ID`:
//!   a registrant token naming the contact `ID` of that provider;
//! - `GET /api/{provider}/list`, `POST /api/{provider}/support/resend?contact=…`:
//!   a staff token;
//! - `POST /webhooks/namecom`: name.com's signed webhook;
//! - `GET /healthz`, `GET /readyz`, `GET /metrics`;
//! - `/widget/…`, the widget's files, when `widget_dir` is set.
//!
//! Nothing of the demo (sandbox, scenarios, sessions, pages) is here: this
//! module never imports it.
//!
//! Errors of the gateway itself are JSON `{"error","message"}` (and, for
//! a 429, name.com's `details: "Next eligible at: …"` that the core reads):
//! 401 `unauthenticated`, 403 `forbidden`, 404 `not_found`, 400
//! `missing_contact` / `bad_operation`, 409 `in_progress` /
//! `idempotency_key_reused` / `no_verification`, 429 `rate_limited`, 502
//! `upstream_unavailable`, 503 `not_ready` / `store_unavailable`. A token
//! never appears in a URL, a log line or an error body.

pub mod check;
pub mod config;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod own;
mod queue;
pub mod reads;
pub mod ready;
pub mod secret;
pub mod server;
pub mod store;
pub mod streams;
#[doc(hidden)]
pub mod testing;
pub mod token;
pub mod upstream;
pub mod webhook;
pub mod widget;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};
use tower_http::cors::{AllowOrigin, CorsLayer};
use verification_core::resend::{ResendOperation, NAMECOM_PER_ACCOUNT};
use verification_core::{Context, Provider, Status};

use config::GatewayConfig;
use metrics::Metrics;
use store::{Claim, LogEntry, Store};
use token::{Claims, ContactClaim, Role, Verifier};
use upstream::{Answer, Failure};

/// The largest webhook body accepted (413 above).
pub const WEBHOOK_BODY_LIMIT: usize = 64 * 1024;

/// The highest page of the staff list's name.com mirror that may be asked
/// for.
const MAX_PAGE: i64 = 1_000_000;

/// How many undelivered webhook events a slow stream may fall behind by.
pub const CHANNEL_CAPACITY: usize = 256;

/// One accepted name.com webhook.
#[derive(Clone, Debug)]
pub struct WebhookEvent {
    /// name.com's `verificationId`.
    pub verification_id: i64,
    /// The webhook body, compact JSON.
    pub json: Arc<str>,
}

/// Everything the routes share.
pub struct Gateway {
    /// The configuration.
    pub config: GatewayConfig,
    /// The store.
    pub store: Store,
    verifier: Verifier,
    /// name.com, if served.
    pub namecom: Option<Arc<upstream::namecom::Namecom>>,
    /// Openprovider, if served.
    pub openprovider: Option<upstream::openprovider::Openprovider>,
    /// Domain Name API, if served.
    pub dna: Option<upstream::dna::Dna>,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    events: broadcast::Sender<WebhookEvent>,
    shutdown: watch::Receiver<bool>,
    /// This process, among the instances on one store (a random id).
    pub instance: String,
    /// Wakes the resend queue's worker (a bulk resend was queued here).
    queue_wake: tokio::sync::Notify,
    /// name.com's own verification, when configured.
    pub own: Option<own::Own>,
    /// The clock own verification's deadlines are read by (the real one
    /// but in tests).
    pub clock: own::Clock,
    /// Origins lately logged as not allowed.
    refusals: Refusals,
    /// Each registrar's readiness, from the background probes.
    pub readiness: ready::Readiness,
    /// Registrar status reads per contact: coalesced and reused.
    pub reads: reads::Reads,
    /// Status reads per token.
    token_reads: limits::Buckets,
    /// API requests per client address.
    ip_requests: limits::Buckets,
    /// Open event streams.
    pub streams: Arc<streams::Streams>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("config", &self.config)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

pub(crate) type Shared = Arc<Gateway>;

impl Gateway {
    /// Opens the store and builds the registrar clients. `shutdown` ends
    /// open event streams and the scanner when it turns `true`.
    ///
    /// # Errors
    /// The store or the token keys cannot be opened.
    pub async fn new(
        config: GatewayConfig,
        shutdown: watch::Receiver<bool>,
    ) -> anyhow::Result<Shared> {
        Self::with_clock(config, shutdown, Arc::new(Utc::now)).await
    }

    /// [`Gateway::new`] with own verification's deadlines read by `clock`
    /// (a test moves it through the days of a verification).
    ///
    /// # Errors
    /// As [`Gateway::new`]; also an own-verification template that lacks a
    /// required element, or a relay URL that cannot be used.
    pub async fn with_clock(
        config: GatewayConfig,
        shutdown: watch::Receiver<bool>,
        clock: own::Clock,
    ) -> anyhow::Result<Shared> {
        let own = config
            .namecom
            .as_ref()
            .and_then(|n| n.own_verification.clone())
            .map(own::Own::new)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let store = Store::open_with(&config.database, config.secrets(), &config.store)
            .await
            .map_err(|e| anyhow::anyhow!("`database`: cannot open the store: {e}"))?;
        if config.namecom.is_some() {
            let slots = u32::try_from(NAMECOM_PER_ACCOUNT.max).unwrap_or(u32::MAX);
            store
                .seed_budget(NAMECOM_BUDGET, slots)
                .await
                .map_err(|e| anyhow::anyhow!("`database`: cannot prepare the store: {e}"))?;
        }
        let verifier = Verifier::new(&config.tokens).map_err(anyhow::Error::msg)?;
        let client = reqwest::Client::builder()
            .timeout(config.upstream_timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        let namecom = config
            .namecom
            .clone()
            .map(|c| Arc::new(upstream::namecom::Namecom::new(c, client.clone(), store.clone())));
        let instance = format!("{:016x}", rand_u64());
        let openprovider = config.openprovider.clone().map(|c| {
            upstream::openprovider::Openprovider::new(
                c,
                client.clone(),
                store.clone(),
                instance.clone(),
            )
        });
        let dna = config.dna.clone().map(|c| upstream::dna::Dna::new(c, client.clone()));
        let (events, _) = broadcast::channel(CHANNEL_CAPACITY);
        let config_status_reuse = config.status_reuse;
        let (config_token_reads, config_ip_requests) =
            (config.status_reads_per_minute, config.requests_per_minute_per_ip);
        let config_streams = streams::Streams::new(
            config.event_streams_per_token as usize,
            config.event_streams_max as usize,
        );
        Ok(Arc::new(Gateway {
            config,
            store,
            verifier,
            namecom,
            openprovider,
            dna,
            metrics: Metrics::default(),
            events,
            shutdown,
            instance,
            queue_wake: tokio::sync::Notify::new(),
            own,
            clock,
            refusals: Refusals::default(),
            readiness: ready::Readiness::default(),
            reads: reads::Reads::new(config_status_reuse),
            token_reads: limits::Buckets::new(config_token_reads),
            ip_requests: limits::Buckets::new(config_ip_requests),
            streams: config_streams,
        }))
    }

    /// Starts the background work: the name.com scanner, the purge of rows
    /// older than `retention_days` (own verification's by name.com's rule:
    /// the registration and two years), own verification's daily scan of
    /// the account's domains.
    pub fn start(self: &Arc<Self>) {
        if let Some(n) = &self.namecom {
            n.clone().spawn_scanner(self.instance.clone(), self.shutdown.clone());
        }
        ready::spawn(self, &self.shutdown);
        // Old rows go every 6 hours, deleted by one instance at a time.
        let gw = self.clone();
        let mut stop = self.shutdown.clone();
        tokio::spawn(async move {
            loop {
                let now = Utc::now();
                let due =
                    gw.store.take_due("purge", &gw.instance, now + TimeDelta::hours(6), now).await;
                if due.unwrap_or(false) {
                    let keep = TimeDelta::days(i64::from(gw.config.retention_days));
                    match gw.store.log_purge(now - keep).await {
                        Ok(n) if n > 0 => tracing::info!(rows = n, "resend log: old rows deleted"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "resend log purge failed"),
                    }
                    let _ = gw.store.purge_intents(now - TimeDelta::days(1)).await;
                    let _ = gw.store.purge_queue(now - TimeDelta::days(1)).await;
                    let _ = gw.store.purge_events(now - TimeDelta::days(1)).await;
                    let _ = gw.store.purge_reservations(now - TimeDelta::days(1)).await;
                    let _ = gw.store.purge_webhook_deliveries(now - TimeDelta::days(7)).await;
                    if let Some(own) = &gw.own {
                        // name.com's rule: the registration, then two years.
                        let keep = TimeDelta::days(i64::from(own.config.retention_days));
                        let grace = TimeDelta::from_std(own.config.expiry_grace)
                            .unwrap_or(TimeDelta::days(45));
                        match own::retention::purge(&gw.store, grace, keep, (gw.clock)()).await {
                            Ok(n) if n > 0 => {
                                tracing::info!(rows = n, "own verification logs: old rows deleted")
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::info!(why = %e, "own verification logs: none deleted")
                            }
                        }
                    }
                }
                // The account's domains once a day, by one instance, and
                // soon after a new domain is logged; tried again at the
                // next turn after a failure.
                if gw.own.is_some() {
                    let now = (gw.clock)();
                    let turn = gw
                        .store
                        .take_due(
                            "own-domain-scan",
                            &gw.instance,
                            now + own::retention::SCAN_SOON,
                            now,
                        )
                        .await;
                    if turn.unwrap_or(false) && own::retention::scan_due(&gw.store, now).await {
                        match own::retention::scan(&gw, now).await {
                            Ok(n) => {
                                tracing::info!(domains = n, "own verification: domains scanned")
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "own verification: the domain scan failed")
                            }
                        }
                    }
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(600)) => {}
                    _ = stop.changed() => return,
                }
            }
        });
        if self.store.backend() == store::Backend::Postgres {
            self.listen_for_webhooks();
        }
        queue::spawn_worker(self.clone());
        own::spawn_worker(self.clone());
    }

    /// Hears the webhooks any instance received (PostgreSQL `LISTEN`) and
    /// hands them to this instance's open streams; reconnects after an
    /// outage.
    fn listen_for_webhooks(self: &Arc<Self>) {
        let gw = self.clone();
        let mut stop = self.shutdown.clone();
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(500);
            loop {
                let listener = async {
                    let mut l = sqlx::postgres::PgListener::connect(&gw.config.database).await?;
                    l.listen(Store::EVENTS_CHANNEL).await?;
                    Ok::<_, sqlx::Error>(l)
                };
                match listener.await {
                    Ok(mut l) => {
                        wait = Duration::from_millis(500);
                        loop {
                            tokio::select! {
                                got = l.recv() => match got {
                                    Ok(n) => gw.deliver(n.payload()),
                                    Err(e) => {
                                        tracing::warn!(error = %e, "webhook fan-out interrupted");
                                        break;
                                    }
                                },
                                _ = stop.changed() => return,
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "webhook fan-out cannot listen yet"),
                }
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                wait = (wait * 2).min(Duration::from_secs(10));
            }
        });
    }

    /// A published webhook, to this instance's streams.
    fn deliver(&self, payload: &str) {
        let Ok(v) = serde_json::from_str::<Value>(payload) else { return };
        let (Some(id), Some(json)) = (v["verificationId"].as_i64(), v["json"].as_str()) else {
            return;
        };
        let _ = self.events.send(WebhookEvent { verification_id: id, json: json.into() });
    }

    fn served(&self, p: Provider) -> bool {
        match p {
            Provider::Dna => self.dna.is_some(),
            Provider::Namecom => self.namecom.is_some(),
            Provider::Openprovider => self.openprovider.is_some(),
        }
    }
}

/// The gateway's router.
pub fn router(gw: Shared) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            gw.config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-idempotency-key"),
            header::HeaderName::from_static("x-requested-with"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-ratelimit-reset"),
            header::HeaderName::from_static("x-idempotent-replay"),
        ])
        .max_age(Duration::from_secs(600));
    let api = Router::new()
        .route("/{provider}/status", get(status))
        .route("/{provider}/resend", post(resend))
        .route("/namecom/events", get(events))
        .route("/{provider}/list", get(list))
        .route("/{provider}/support/resend", post(support_resend))
        .route("/{provider}/support/queue", get(queue::list).post(queue::add).delete(queue::cancel))
        .layer(axum::middleware::from_fn_with_state(gw.clone(), per_address))
        .layer(cors);
    let mut app = Router::new()
        .nest("/api", api)
        // name.com's deliveries are a few hundred bytes: 64 KB is plenty,
        // and the route is reached before any signature is checked.
        .route(
            "/webhooks/namecom",
            post(webhook).layer(axum::extract::DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT)),
        )
        .route("/verify/{vid}/{token}", get(own::link::show).post(own::link::confirm))
        .route("/verify/{vid}/{token}/new", post(own::link::new_email))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(if gw.config.ops_listen.is_none() { ops_routes() } else { Router::new() })
        .fallback(not_found)
        .with_state(gw.clone());
    if let Some(dir) = &gw.config.widget_dir {
        app = app.nest_service("/widget", widget::service(dir, &gw.config.allowed_origins));
    }
    app.layer(axum::middleware::from_fn_with_state(gw.clone(), refused_origin))
        // A panic in one request is a 500 for it and a log line; the
        // process and every other request go on (the binary unwinds).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        // Every answer starts within `request_timeout_seconds` (an event
        // stream's headers come at once; the stream runs on).
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            gw.config.request_timeout,
        ))
        .layer(axum::middleware::from_fn(request_log))
}

/// One structured log line per request: a request id, the method, the path
/// (never the query: it names contacts, not tokens, but stays out anyway),
/// the status and the time taken.
async fn request_log(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let id = format!("{:016x}", rand_u64());
    let (method, path) = (req.method().clone(), loggable_path(req.uri().path()));
    let started = std::time::Instant::now();
    let span = tracing::info_span!("request", request_id = %id, %method, path = %path);
    let mut res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "answered"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Logs, at warn, a browser request from an origin `allowed_origins` does
/// not list (the browser then hides the answer from the page, and the
/// widget stays blank): once per origin per minute, naming the origin and
/// the setting. The request itself goes on (CORS decides what the page may
/// read; a POST from it is refused by the handler).
async fn refused_origin(
    State(gw): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // An origin is short; a longer header is no page's, and is not kept.
    let origin =
        req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).filter(|o| o.len() <= 256);
    let path = req.uri().path();
    let watched = path.starts_with("/api/") || path.starts_with("/widget/");
    if let Some(origin) = origin.filter(|_| watched) {
        if !gw.config.allowed_origins.iter().any(|o| o == origin) && gw.refusals.first(origin) {
            tracing::warn!(
                origin = %origin,
                "a page on {origin} asked the gateway, and `allowed_origins` does not list it: \
                 the browser hides the answer from that page. If it is your panel, add \
                 \"{origin}\" to `allowed_origins`"
            );
        }
    }
    next.run(req).await
}

/// The origins refused lately, so each is logged once a minute at most.
#[derive(Debug, Default)]
pub struct Refusals(std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>);

impl Refusals {
    /// Most origins remembered at once (a flood of made-up origins is
    /// logged once a minute per slot, and never grows the map past this).
    const MAX: usize = 256;

    /// `true` when `origin` was not logged in the last minute (and records
    /// it now).
    fn first(&self, origin: &str) -> bool {
        let now = std::time::Instant::now();
        let minute = Duration::from_secs(60);
        let Ok(mut seen) = self.0.lock() else { return false };
        if seen.get(origin).is_some_and(|t| now.duration_since(*t) < minute) {
            return false;
        }
        if seen.len() >= Self::MAX {
            seen.retain(|_, t| now.duration_since(*t) < minute);
            if seen.len() >= Self::MAX {
                return false;
            }
        }
        seen.insert(origin.to_owned(), now);
        true
    }
}

/// The answer to a request whose handler panicked.
fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = cause
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| cause.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    tracing::error!(panic = %what, "a request failed inside the gateway");
    api_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "The gateway failed on this request")
}

/// The path as logged: a verification link's secret left out.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/verify/") {
        Some(rest) => {
            let id = rest.split('/').next().unwrap_or("");
            let tail = if rest.ends_with("/new") { "/new" } else { "" };
            format!("/verify/{id}/(secret){tail}")
        }
        None => path.to_owned(),
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// The gateway's own JSON error.
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = openapi::ErrorBody { error: code.to_owned(), message: message.to_owned() };
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// 429, before anything goes upstream, in the shape every adapter of the
/// core reads as "throttled until": `Retry-After`, `x-ratelimit-reset`,
/// name.com's `details`, Openprovider's `desc`.
fn too_many(until: DateTime<Utc>, now: DateTime<Utc>, message: &str) -> Response {
    let secs = (until - now).num_seconds().max(1);
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "error": "rate_limited",
            "message": message,
            "details": format!("Next eligible at: {}", until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "desc": message,
        })),
    )
        .into_response();
    let h = res.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(secs as u64));
    h.insert("x-ratelimit-reset", HeaderValue::from(until.timestamp().max(0) as u64));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// 429 `rate_limited` with `Retry-After` (a client over its limit).
fn slow_down(wait: Duration, message: &str) -> Response {
    let mut res = api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
    res
}

/// Limits API requests per client address (the socket's peer; a reverse
/// proxy's address when one is in front).
async fn per_address(
    State(gw): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = peer {
        if let Err(wait) = gw.ip_requests.take(&ip.to_string(), std::time::Instant::now()) {
            return slow_down(wait, "Too many requests from this address: slow down");
        }
    }
    next.run(req).await
}

fn unavailable(retry_after: u64, code: &str, message: &str) -> Response {
    let mut res = api_error(StatusCode::SERVICE_UNAVAILABLE, code, message);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// 503 `store_unavailable` for a store that did not answer (`e`, to the
/// log only), saying `what` happens now ("try again shortly").
fn store_unreachable(e: &str, what: &str) -> Response {
    tracing::error!(error = %e, "store unreachable");
    unavailable(5, "store_unavailable", &format!("The gateway's store is unreachable{what}"))
}

async fn not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, "not_found", "Not found")
}

fn upstream_failed(gw: &Gateway, provider: Provider, f: &Failure) -> Response {
    gw.metrics.upstream(provider, "failed");
    tracing::warn!(registrar = provider.as_str(), failure = %f.describe(), "registrar call failed");
    if let Failure::Paused { retry_after, .. } = f {
        // Nothing went to the registrar: it is paused (a refused login's
        // backoff, or the registrar blocked this address).
        return unavailable(
            *retry_after,
            "upstream_paused",
            "The gateway is not calling the registrar for a while; try again later",
        );
    }
    api_error(StatusCode::BAD_GATEWAY, "upstream_unavailable", "Could not reach the registrar API")
}

// ------------------------------------------------------------ who is asking

/// The checked token of a request: `Authorization: Bearer <token>` only
/// (never a query parameter or a cookie).
fn bearer(gw: &Gateway, headers: &HeaderMap) -> Result<Claims, Response> {
    let refuse = |why: &str| {
        tracing::info!(reason = why, "token refused");
        let mut res = api_error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            &format!("Token refused: {why}"),
        );
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        res
    };
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(refuse("no bearer token"));
    };
    gw.verifier.verify(token.trim(), Utc::now()).map_err(|e| refuse(e.0))
}

/// A POST from a browser must come from an allowed origin (a request
/// without `Origin` is not a browser's cross-origin request).
fn check_origin(gw: &Gateway, headers: &HeaderMap) -> Result<(), Response> {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(o) if !gw.config.allowed_origins.iter().any(|a| a.eq_ignore_ascii_case(o)) => Err(
            api_error(StatusCode::FORBIDDEN, "forbidden", "This origin may not call the gateway"),
        ),
        _ => Ok(()),
    }
}

fn served_provider(gw: &Gateway, provider: &str) -> Result<Provider, Response> {
    let p = match provider {
        "dna" => Provider::Dna,
        "namecom" => Provider::Namecom,
        "openprovider" => Provider::Openprovider,
        _ => return Err(api_error(StatusCode::NOT_FOUND, "not_found", "Unknown provider")),
    };
    if !gw.served(p) {
        return Err(api_error(StatusCode::NOT_FOUND, "not_found", "This registrar is not served"));
    }
    Ok(p)
}

fn one_query(query: &[(String, String)], name: &str) -> Result<String, Response> {
    let mut values = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    match (values.next(), values.next()) {
        (Some(v), None) if !v.is_empty() => Ok(v.clone()),
        (Some(_), Some(_)) => Err(api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("Query parameter `{name}` must be given once"),
        )),
        _ => Err(api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            &format!("Query parameter `{name}` is required"),
        )),
    }
}

/// A registrant's contact: the token names it, for this provider.
fn registrant_contact(
    gw: &Gateway,
    headers: &HeaderMap,
    provider: &str,
    query: &[(String, String)],
) -> Result<(Provider, Claims, ContactClaim), Response> {
    let p = served_provider(gw, provider)?;
    let claims = bearer(gw, headers)?;
    let id = one_query(query, "contact")?;
    if claims.role != Role::Registrant {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "A registrant token is required",
        ));
    }
    // Unknown and other providers' contacts get the same answer.
    let contact = claims.contact(&id, p).cloned().ok_or_else(|| {
        api_error(StatusCode::FORBIDDEN, "forbidden", "This contact is not in your token")
    })?;
    Ok((p, claims, contact))
}

fn staff(
    gw: &Gateway,
    headers: &HeaderMap,
    provider: &str,
) -> Result<(Provider, Claims), Response> {
    let p = served_provider(gw, provider)?;
    let claims = bearer(gw, headers)?;
    if claims.role != Role::Staff {
        return Err(api_error(StatusCode::FORBIDDEN, "forbidden", "A staff token is required"));
    }
    Ok((p, claims))
}

/// [`staff`], for a request that changes something: from an allowed
/// origin too.
fn staff_writing(
    gw: &Gateway,
    headers: &HeaderMap,
    provider: &str,
) -> Result<(Provider, Claims), Response> {
    let v = staff(gw, headers, provider)?;
    check_origin(gw, headers)?;
    Ok(v)
}

// ------------------------------------------------------------ status

#[utoipa::path(
    get,
    path = "/api/{provider}/status",
    tag = "registrant",
    params(
        ("provider" = String, Path, description = "`dna`, `namecom` or `openprovider`"),
        ("contact" = String, Query, description = "The `id` of one of the token's `contacts`"),
    ),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The registrar's answer for this contact only (name.com's list page from the mirror, Openprovider's envelope, DNA's result as JSON), which the widget's core reads", body = Object),
        (status = 400, description = "No `contact`", body = openapi::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = openapi::ErrorBody),
        (status = 403, description = "Not a registrant token, or not one of its contacts", body = openapi::ErrorBody),
        (status = 404, description = "The registrar is not served", body = openapi::ErrorBody),
        (status = 429, description = "Too many reads for this token or address; `Retry-After`", body = openapi::ErrorBody),
        (status = 502, description = "The registrar could not be reached, or answered in an unexpected shape", body = openapi::ErrorBody),
        (status = 503, description = "Not ready (name.com's mirror), the store is unreachable, or the registrar is paused; `Retry-After`", body = openapi::ErrorBody),
    )
)]
async fn status(
    State(gw): State<Shared>,
    Path(provider): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let (p, _claims, contact) = match registrant_contact(&gw, &headers, &provider, &query) {
        Ok(v) => v,
        Err(r) => return r,
    };
    // One token's reads, before anything is read for it.
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Err(wait) = gw.token_reads.take(&limits::token_key(token), std::time::Instant::now()) {
        return slow_down(wait, "Too many status reads with this token: slow down");
    }
    gw.metrics.status_read(p);
    tracing::debug!(registrar = p.as_str(), contact = %contact.id, "status read");
    if p == Provider::Namecom {
        return namecom_status(&gw, &contact).await;
    }
    // The store holds Openprovider's token and every limit: without it the
    // gateway answers "not now" rather than logging in on every read.
    if !gw.store.ping().await {
        tracing::error!("store unreachable");
        return unavailable(
            5,
            "store_unavailable",
            "The gateway's store is unreachable; try again shortly",
        );
    }
    let Some(email) = contact.email.as_deref() else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            "The token's contact has no email",
        );
    };
    // One call in flight per contact, its answer reused a short while
    // (`status_reuse_seconds`); each token then sees its own rows of it.
    let key = read_key(p, email);
    let (gw2, address) = (gw.clone(), email.to_owned());
    let answer = match p {
        Provider::Openprovider => {
            gw.reads
                .get(&key, async move {
                    gw2.openprovider.as_ref().expect("served").status(&address).await
                })
                .await
                .map(|a| own_openprovider_rows(a, &contact))
        }
        _ => gw
            .reads
            .get(&key, async move { gw2.dna.as_ref().expect("served").details(&address).await })
            .await
            .map(|a| with_domains(a, &contact.domains)),
    };
    answered(&gw, p, answer)
}

/// The key of a contact's registrar status read (see [`reads`]).
fn read_key(p: Provider, email: &str) -> String {
    format!("{}:{}", p.as_str(), normal_email(email))
}

/// Domain Name API's `GetDetails` names no domains: the gateway adds the
/// token's `domains` for the contact (as `Domains`, which the core reads),
/// so the registrant sees which domains are at risk. An answer that names
/// some, an error envelope or a non-JSON answer is passed on unchanged.
fn with_domains(a: Answer, domains: &[String]) -> Answer {
    if domains.is_empty() || !(200..300).contains(&a.status) {
        return a;
    }
    let Ok(Value::Object(mut fields)) = serde_json::from_slice(&a.body) else {
        return a;
    };
    let named = ["Domains", "domains"]
        .iter()
        .any(|k| fields.get(*k).and_then(Value::as_array).is_some_and(|d| !d.is_empty()));
    if named || fields.get("OperationResult").and_then(Value::as_str) == Some("ERROR") {
        return a;
    }
    fields.insert("Domains".into(), domains.into());
    Answer { headers: a.headers, ..Answer::json(a.status, &Value::Object(fields)) }
}

fn answered(gw: &Gateway, p: Provider, a: Result<Answer, Failure>) -> Response {
    match a {
        Ok(a) => {
            gw.metrics.upstream(p, &a.status.to_string());
            a.into_response(false)
        }
        Err(f) => upstream_failed(gw, p, &f),
    }
}

/// The mirror is fresh enough to prove absence: 503 otherwise.
async fn fresh_mirror(gw: &Gateway) -> Result<(), Response> {
    let nc = gw.namecom.as_ref().expect("served");
    let completed = gw
        .store
        .mirror_completed_at()
        .await
        .map_err(|e| store_unreachable(&e, "; try again shortly"))?;
    let max = TimeDelta::from_std(nc.max_age()).unwrap_or(TimeDelta::MAX);
    match completed {
        Some(at) if Utc::now() - at <= max => Ok(()),
        _ => Err(unavailable(
            30,
            "not_ready",
            "The gateway is reading name.com's list; the status follows shortly",
        )),
    }
}

/// The mirror's rows that are the token's contact, never another's: the
/// row of the token's `verificationId`, and rows of its address whose
/// domains are among the token's `domains` (a verification that replaced
/// the named one, for the same domains). `None` when the token names
/// neither a verification id nor domains: an address alone, which a
/// registrant can set to anyone's, proves nothing.
fn own_rows(
    contact: &ContactClaim,
    rows: Vec<store::MirrorContact>,
) -> Option<Vec<store::MirrorContact>> {
    let id = contact.verification_id.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    if id.is_none() && contact.domains.is_empty() {
        return None;
    }
    let email = contact.email.as_deref().map(normal_email);
    let mine = |d: &String| contact.domains.iter().any(|t| t.eq_ignore_ascii_case(d));
    Some(
        rows.into_iter()
            .filter(|r| {
                Some(r.verification_id) == id
                    || (r.email.as_deref().map(normal_email) == email
                        && email.is_some()
                        && r.domains.iter().any(mine))
            })
            .collect(),
    )
}

/// Openprovider's answer with only the token's contact's rows: those of
/// its `handle` and, when it names `domains`, of those domains (its list is
/// read by address, which a registrant can set to anyone's). With neither
/// named, no row. The registrar's JSON shape is kept (`data.results`,
/// `data.total`); an answer without rows (an error) passes unchanged.
fn own_openprovider_rows(a: Answer, contact: &ContactClaim) -> Answer {
    let Ok(mut v) = serde_json::from_slice::<Value>(&a.body) else { return a };
    let Some(results) = v.pointer_mut("/data/results").and_then(Value::as_array_mut) else {
        return a;
    };
    let handle = contact.handle.as_deref().map(str::trim).filter(|h| !h.is_empty());
    let scoped = handle.is_some() || !contact.domains.is_empty();
    results.retain(|row| {
        let field = |k: &str| row.get(k).and_then(Value::as_str).map(str::trim);
        let by_handle =
            handle.is_none_or(|h| field("handle").is_some_and(|r| r.eq_ignore_ascii_case(h)));
        let by_domain = contact.domains.is_empty()
            || field("domain")
                .is_some_and(|d| contact.domains.iter().any(|t| t.eq_ignore_ascii_case(d)));
        scoped && by_handle && by_domain
    });
    let kept = results.len();
    if let Some(total) = v.pointer_mut("/data/total") {
        *total = json!(kept);
    }
    Answer { headers: a.headers, ..Answer::json(a.status, &v) }
}

async fn namecom_status(gw: &Gateway, contact: &ContactClaim) -> Response {
    if let Err(r) = fresh_mirror(gw).await {
        return r;
    }
    // Own verification writes this contact's emails in the token's language.
    if let (Some(_), Some(email), Some(language)) =
        (&gw.own, contact.email.as_deref(), contact.language.as_deref())
    {
        if own::valid_language(language) {
            let _ = gw.store.own_set_language(email, language, Utc::now()).await;
        }
    }
    let id = contact.verification_id.as_deref().and_then(|v| v.parse().ok());
    match gw.store.mirror_find(id, contact.email.as_deref()).await {
        Ok(rows) => {
            let rows = own_rows(contact, rows);
            let unscoped = rows.is_none();
            let rows = rows.unwrap_or_default();
            let mut page = upstream::namecom::page_of(&rows);
            // name.com's list shows a change ~10 minutes late: within that
            // window absence proves nothing, and the page says it is not
            // the list's last, so the widget reads "checking". So does a
            // token that names the contact by its address alone: absence
            // of rows the gateway will not show proves nothing either.
            let recent = contact
                .changed_at
                .and_then(|at| at.checked_add_signed(verification_core::PROPAGATION_WINDOW))
                .is_some_and(|end| Utc::now() < end);
            if unscoped {
                tracing::warn!(
                    contact = %contact.id,
                    "a name.com contact named by its address alone: add `verificationId` or \
                     `domains` to the token's contact"
                );
            }
            if rows.is_empty() && (recent || unscoped) {
                page["nextPage"] = json!(2);
                page["totalCount"] = json!(1);
            }
            Answer::json(200, &page).into_response(false)
        }
        Err(e) => {
            tracing::error!(error = %e, "store unreachable");
            unavailable(
                5,
                "store_unavailable",
                "The gateway's store is unreachable; try again shortly",
            )
        }
    }
}

// ------------------------------------------------------------ resend

/// What a resend addresses, resolved by the gateway (never taken from the
/// browser beyond the operation's name).
struct Resend<'a> {
    provider: Provider,
    contact_id: &'a str,
    email: String,
    domains: Vec<String>,
    op: ResendOperation,
    handle: Option<String>,
    namecom_id: Option<i32>,
}

/// The budget of name.com's resends per account and hour: one reserved
/// slot per resend ([`store::Store::reserve_budget`]).
pub const NAMECOM_BUDGET: &str = "resend:account:namecom";

/// An address as registrars compare them: trimmed, lower case.
pub(crate) fn normal_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The contact as the registrar knows it, which its cooldown is keyed by,
/// never the caller's string: name.com's `verificationId`; Openprovider's
/// address (its `restart` names the address alone); Domain Name API's
/// handle, else its address. So the registrant, the staff list, the queue,
/// own verification and the link page share one cooldown per contact, and
/// `OWNER@x` is `owner@x`.
pub(crate) fn contact_identity(
    p: Provider,
    namecom_id: Option<i64>,
    email: &str,
    handle: Option<&str>,
) -> String {
    match (p, handle.map(str::trim).filter(|h| !h.is_empty())) {
        (Provider::Namecom, _) => {
            namecom_id.map_or_else(|| normal_email(email), |id| id.to_string())
        }
        (Provider::Openprovider, _) => normal_email(email),
        (Provider::Dna, Some(h)) => format!("handle:{h}"),
        (Provider::Dna, None) => format!("email:{}", normal_email(email)),
    }
}

/// The contact's row in the history of sends (what the staff queue plans
/// by): `contact:{provider}:{identity}`.
pub(crate) fn rate_bucket(
    p: Provider,
    namecom_id: Option<i64>,
    email: &str,
    handle: Option<&str>,
) -> String {
    format!("contact:{}:{}", p.as_str(), contact_identity(p, namecom_id, email, handle))
}

/// The contact's cooldown reservation ([`store::Store::reserve`]): its
/// history bucket, under `resend:`.
pub(crate) fn contact_slot(
    p: Provider,
    namecom_id: Option<i64>,
    email: &str,
    handle: Option<&str>,
) -> String {
    format!("resend:{}", rate_bucket(p, namecom_id, email, handle))
}

fn operation(p: Provider, body: &Bytes) -> Result<ResendOperation, Response> {
    let v = serde_json::from_slice::<Value>(body).ok();
    if let Some(fields) = v.as_ref().and_then(Value::as_object) {
        if fields.keys().any(|k| k != "operation") {
            return Err(api_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The body may only hold `operation`: the contact is named by the URL",
            ));
        }
    }
    v.as_ref()
        .and_then(|v| v.get("operation"))
        .and_then(Value::as_str)
        .and_then(|op| ResendOperation::parse(p, op))
        .ok_or_else(|| {
            api_error(
                StatusCode::BAD_REQUEST,
                "bad_operation",
                "Body must be {\"operation\": ...} naming this registrar's resend",
            )
        })
}

/// name.com's current verification id for a contact, from the mirror,
/// range-checked for the int32 path parameter.
async fn namecom_target(
    gw: &Gateway,
    id: Option<i64>,
    email: Option<&str>,
    scope: Option<&ContactClaim>,
) -> Result<(i32, Vec<String>, String), Response> {
    let rows = gw
        .store
        .mirror_find(id, email)
        .await
        .map_err(|e| store_unreachable(&e, "; nothing was sent"))?;
    // A registrant resends only their own verification.
    let rows = match scope {
        Some(contact) => own_rows(contact, rows).unwrap_or_default(),
        None => rows,
    };
    let Some(row) = rows.into_iter().max_by_key(|r| r.verification_id) else {
        return Err(api_error(
            StatusCode::CONFLICT,
            "no_verification",
            "name.com lists no verification to resend for this contact",
        ));
    };
    let n = i32::try_from(row.verification_id).ok().filter(|n| *n > 0).ok_or_else(|| {
        api_error(
            StatusCode::CONFLICT,
            "no_verification",
            "name.com's verification id is out of range for a resend",
        )
    })?;
    Ok((n, row.domains, row.email.unwrap_or_default()))
}

#[utoipa::path(
    post,
    path = "/api/{provider}/resend",
    tag = "registrant",
    params(
        ("provider" = String, Path, description = "`dna`, `namecom` or `openprovider`"),
        ("contact" = String, Query, description = "The `id` of one of the token's `contacts`"),
        ("X-Idempotency-Key" = Option<String>, Header, description = "One key per press: a retry with it is answered with the first answer (`X-Idempotent-Replay: 1`)"),
    ),
    request_body = openapi::ResendRequest,
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The registrar's answer (sent, or not sent with when it allows another)", body = Object),
        (status = 400, description = "No `contact`, or a body that is not a resend", body = openapi::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = openapi::ErrorBody),
        (status = 403, description = "Not a registrant token, not one of its contacts, or an `Origin` not in `allowed_origins`", body = openapi::ErrorBody),
        (status = 404, description = "The registrar is not served", body = openapi::ErrorBody),
        (status = 409, description = "A resend with this key is in flight, or the key was used for another request", body = openapi::ErrorBody),
        (status = 429, description = "The contact's cooldown or the account's budget: `Retry-After`, `x-ratelimit-reset`, and `details` saying when", body = Object),
        (status = 502, description = "The registrar could not be reached", body = openapi::ErrorBody),
        (status = 503, description = "The store is unreachable, or the registrar is paused", body = openapi::ErrorBody),
    )
)]
async fn resend(
    State(gw): State<Shared>,
    Path(provider): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (p, claims, contact) = match registrant_contact(&gw, &headers, &provider, &query) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Err(r) = check_origin(&gw, &headers) {
        return r;
    }
    let op = match operation(p, &body) {
        Ok(op) => op,
        Err(r) => return r,
    };
    let mut r = Resend {
        provider: p,
        contact_id: &contact.id,
        email: contact.email.clone().unwrap_or_default(),
        domains: contact.domains.clone(),
        op,
        handle: contact.handle.clone(),
        namecom_id: None,
    };
    if p == Provider::Namecom {
        if let Err(res) = fresh_mirror(&gw).await {
            return res;
        }
        let id = contact.verification_id.as_deref().and_then(|v| v.parse().ok());
        match namecom_target(&gw, id, contact.email.as_deref(), Some(&contact)).await {
            Ok((n, _, _)) if gw.own.is_some() => {
                let own = gw.own.as_ref().expect("checked");
                let key = idempotency_key(&headers);
                return own::resend(&gw, own, i64::from(n), key).await;
            }
            Ok((n, domains, email)) => {
                r.namecom_id = Some(n);
                if r.domains.is_empty() {
                    r.domains = domains;
                }
                if r.email.is_empty() {
                    r.email = email;
                }
            }
            Err(res) => return res,
        }
    } else if r.email.is_empty() && !(p == Provider::Dna && r.handle.is_some()) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            "The token's contact has no email",
        );
    }
    guarded_resend(&gw, &claims.sub, r, idempotency_key(&headers)).await
}

/// The request's `X-Idempotency-Key`, when it is usable (1 to 200 bytes).
fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
}

/// Idempotency, limits, the log, the call: every resend goes through here.
async fn guarded_resend(gw: &Gateway, who: &str, r: Resend<'_>, key: Option<&str>) -> Response {
    let now = Utc::now();
    let p = r.provider;
    let store_down = |e: &str| {
        tracing::error!(error = %e, "store unreachable, resend refused");
        unavailable(
            5,
            "store_unavailable",
            "The resend could not be recorded, so it was not sent. Try again shortly.",
        )
    };
    // 1. The intent: one upstream call per (contact, key).
    if let Some(key) = key {
        match gw.store.claim(p.as_str(), r.contact_id, key, r.op.as_str(), now).await {
            Ok(Claim::New) => {}
            Ok(Claim::Done(stored)) => {
                gw.metrics.resend("deduplicated");
                return Answer::from_stored(stored).into_response(true);
            }
            Ok(Claim::InProgress(since)) => {
                gw.metrics.resend("deduplicated");
                // Longer than any upstream call may take: the process that
                // sent it died before the answer. It may have gone out, so
                // it is not sent again.
                let stale =
                    TimeDelta::from_std(gw.config.upstream_timeout * 2).unwrap_or(TimeDelta::MAX);
                if now - since > stale {
                    return api_error(
                        StatusCode::CONFLICT,
                        "intent_unknown",
                        "The first attempt of this resend lost its answer and may have gone out, \
                         so it is not sent again. Check the inbox, or ask again later.",
                    );
                }
                let mut res = api_error(
                    StatusCode::CONFLICT,
                    "in_progress",
                    "This resend is still in progress; retry with the same key",
                );
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return res;
            }
            Ok(Claim::Mismatch) => {
                return api_error(
                    StatusCode::CONFLICT,
                    "idempotency_key_reused",
                    "Idempotency key has been reused for a different request.",
                )
            }
            Err(e) => return store_down(&e),
        }
    }
    let release = || async {
        if let Some(key) = key {
            gw.store.release(p.as_str(), r.contact_id, key).await;
        }
    };
    // 2. Limits, reserved before the call: the contact's cooldown slot and
    //    name.com's account budget, each taken in one statement that only
    //    one caller of any number at once can win.
    let slot = contact_slot(p, r.namecom_id.map(i64::from), &r.email, r.handle.as_deref());
    let holder = format!("{}-{:016x}", gw.instance, rand_u64());
    let cooldown = TimeDelta::from_std(gw.config.cooldown).unwrap_or(TimeDelta::minutes(15));
    // Held at least as long as the call may take, whatever the cooldown.
    let in_flight = TimeDelta::from_std(gw.config.upstream_timeout * 2).unwrap_or(TimeDelta::MAX);
    match gw.store.reserve(&slot, &holder, now + cooldown.max(in_flight), now).await {
        Ok(None) => {}
        Ok(Some(until)) => {
            release().await;
            gw.metrics.resend("throttled");
            return too_many(until, now, "Resend throttled");
        }
        Err(e) => {
            release().await;
            return store_down(&e);
        }
    }
    let budget = if p == Provider::Namecom {
        let window = NAMECOM_PER_ACCOUNT.window;
        match gw.store.reserve_budget(NAMECOM_BUDGET, &holder, now + window, now).await {
            Ok(Ok(b)) => Some(b),
            Ok(Err(until)) => {
                gw.store.settle(&slot, &holder, now).await;
                release().await;
                gw.metrics.resend("throttled");
                return too_many(until, now, "The account's resend budget is used up");
            }
            Err(e) => {
                gw.store.settle(&slot, &holder, now).await;
                release().await;
                return store_down(&e);
            }
        }
    } else {
        None
    };
    // Gives back what the call did not use: the contact's slot from `at`
    // on, and the budget's slot when nothing was sent.
    let give_back = |contact_until: DateTime<Utc>, sent: bool| {
        let (slot, holder, budget) = (&slot, &holder, &budget);
        async move {
            gw.store.settle(slot, holder, contact_until).await;
            if let (Some(b), false) = (budget, sent) {
                gw.store.settle(b, holder, Utc::now()).await;
            }
        }
    };
    // 3. The log row, before anything goes upstream.
    let entry = LogEntry {
        session: None,
        registrant: who,
        provider: p.as_str(),
        contact: r.contact_id,
        email: &r.email,
        domains: &r.domains,
        operation: r.op.as_str(),
        idempotency_key: key,
    };
    let row = match gw.store.log_begin(&entry, now).await {
        Ok(id) => id,
        Err(e) => {
            give_back(Utc::now(), false).await;
            release().await;
            return store_down(&e);
        }
    };
    // 4. The call.
    let answer = match p {
        Provider::Namecom => {
            let id = r.namecom_id.expect("resolved before");
            gw.namecom.as_ref().expect("served").resend(id, key).await
        }
        Provider::Openprovider => {
            gw.openprovider
                .as_ref()
                .expect("served")
                .resend(r.op, &r.email, r.handle.as_deref())
                .await
        }
        Provider::Dna => {
            let target = match &r.handle {
                Some(h) => upstream::dna::Target::ExternalId(h),
                None => upstream::dna::Target::Email(&r.email),
            };
            gw.dna.as_ref().expect("served").resend(target).await
        }
    };
    let answer = match answer {
        Ok(a) => a,
        Err(f) => {
            gw.store.log_finish(row, Err(&f.describe()), Utc::now()).await;
            // No answer: it may have gone out. The account's slot stays
            // spent; the contact may try again in a minute, not at once.
            let settle = (Utc::now() + TimeDelta::minutes(1)).min(now + cooldown);
            gw.store.settle(&slot, &holder, settle).await;
            release().await;
            return upstream_failed(gw, p, &f);
        }
    };
    gw.store.log_finish(row, Ok((answer.status, &answer.body)), Utc::now()).await;
    gw.metrics.upstream(p, &answer.status.to_string());
    // What the registrar says of the contact may have changed.
    if !r.email.is_empty() {
        gw.reads.forget(&read_key(p, &r.email));
    }
    // The contact's id (the panel's), never its email or the token.
    tracing::info!(
        registrar = p.as_str(),
        contact = r.contact_id,
        operation = r.op.as_str(),
        upstream_status = answer.status,
        log_row = row,
        "resend sent upstream"
    );
    // 5. What the registrar said: the core reads it, as the widget will.
    // Where the registrar gives no time, the core applies the cooldown.
    let mut ctx = Context::new(Utc::now());
    ctx.policy.cooldown = cooldown;
    let resp = verification_core::Response::new(
        answer.status,
        std::str::from_utf8(&answer.body).unwrap_or(""),
    );
    let outcome = verification_core::resend::interpret_resend(p, &resp, &ctx).ok();
    use verification_core::resend::ResendKind;
    let bucket = rate_bucket(p, r.namecom_id.map(i64::from), &r.email, r.handle.as_deref());
    match &outcome {
        Some(o) if o.outcome == ResendKind::Sent => {
            gw.metrics.resend("sent");
            let until = o.next_eligible_at.unwrap_or(now + cooldown);
            give_back(until, true).await;
            let _ = gw.store.record(&bucket, now, Some(until)).await;
            if p == Provider::Namecom {
                let _ = gw.store.record("account:namecom", now, None).await;
            }
        }
        Some(o) if o.outcome == ResendKind::Throttled => {
            gw.metrics.resend("throttled");
            let until = o.next_eligible_at.unwrap_or(now);
            give_back(until, false).await;
            if o.next_eligible_at.is_some() {
                let _ = gw.store.record(&bucket, now, Some(until)).await;
            }
        }
        // Read, and nothing was sent (already verified, refused, …).
        Some(_) => give_back(Utc::now(), false).await,
        // An answer the core cannot read: a 5xx page or the like. Sent or
        // not is unknown: as for no answer.
        None if answer.retryable() => {
            give_back((Utc::now() + TimeDelta::minutes(1)).min(now + cooldown), true).await;
        }
        None => give_back(Utc::now(), false).await,
    }
    if let Some(key) = key {
        if answer.retryable() {
            gw.store.release(p.as_str(), r.contact_id, key).await;
        } else {
            gw.store.complete(p.as_str(), r.contact_id, key, &answer.stored()).await;
        }
    }
    answer.into_response(false)
}

// ------------------------------------------------------------ staff

#[utoipa::path(
    get,
    path = "/api/{provider}/list",
    tag = "staff",
    params(("provider" = String, Path, description = "`namecom` or `openprovider` (Domain Name API has no account-wide list)")),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "A page of the account's unverified contacts: name.com's list shape from the mirror (`page`, `perPage`), or Openprovider's (`limit`, `offset`, `status`, `email`, `domain`)", body = Object),
        (status = 401, description = "No token, or not a valid one", body = openapi::ErrorBody),
        (status = 403, description = "Not a staff token", body = openapi::ErrorBody),
        (status = 404, description = "No list for this registrar", body = openapi::ErrorBody),
        (status = 503, description = "Not ready", body = openapi::ErrorBody),
    )
)]
async fn list(
    State(gw): State<Shared>,
    Path(provider): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let (p, _) = match staff(&gw, &headers, &provider) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match p {
        Provider::Namecom => {
            if let Err(r) = fresh_mirror(&gw).await {
                return r;
            }
            let num = |k: &str, d: i64| {
                query
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.parse::<i64>().ok())
                    .unwrap_or(d)
            };
            let page = num("page", 1).max(1);
            let per = num("perPage", 100).clamp(1, 1000);
            // A mirror of a billion contacts has a million pages at most.
            if page > MAX_PAGE {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    "bad_page",
                    &format!("`page` must be 1 to {MAX_PAGE}"),
                );
            }
            match gw.store.mirror_page(page, per).await {
                Ok((rows, total)) => {
                    let mut body = upstream::namecom::page_of(&rows);
                    let from = (page - 1) * per;
                    let to = from + rows.len() as i64;
                    body["from"] = json!(if rows.is_empty() { 0 } else { from + 1 });
                    body["to"] = json!(to);
                    body["totalCount"] = json!(total);
                    body["lastPage"] = json!((total + per - 1) / per);
                    body["nextPage"] = if to < total { json!(page + 1) } else { Value::Null };
                    Answer::json(200, &body).into_response(false)
                }
                Err(e) => store_unreachable(&e, ""),
            }
        }
        Provider::Openprovider => {
            let allowed = [
                "limit",
                "offset",
                "status",
                "email",
                "domain",
                "handle",
                "description",
                "is_suspended",
            ];
            let q: Vec<(String, String)> =
                query.into_iter().filter(|(k, _)| allowed.contains(&k.as_str())).collect();
            answered(&gw, p, gw.openprovider.as_ref().expect("served").list(&q).await)
        }
        Provider::Dna => api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Domain Name API has no account-wide list",
        ),
    }
}

#[utoipa::path(
    post,
    path = "/api/{provider}/support/resend",
    tag = "staff",
    params(
        ("provider" = String, Path, description = "`namecom` or `openprovider`"),
        ("contact" = String, Query, description = "name.com's verification id, or Openprovider's email"),
        ("X-Idempotency-Key" = Option<String>, Header, description = "As for the registrant's resend"),
    ),
    request_body = openapi::ResendRequest,
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The registrar's answer", body = Object),
        (status = 400, description = "No `contact`, or a body that is not a resend", body = openapi::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = openapi::ErrorBody),
        (status = 403, description = "Not a staff token, or an `Origin` not in `allowed_origins`", body = openapi::ErrorBody),
        (status = 404, description = "No such contact in the account: the registrar's own answer", body = Object),
        (status = 409, description = "A resend with this key is in flight, or the key was used for another request", body = openapi::ErrorBody),
        (status = 429, description = "The contact's cooldown or the account's budget", body = Object),
        (status = 502, description = "The registrar could not be reached", body = openapi::ErrorBody),
        (status = 503, description = "The store is unreachable, or the registrar is paused", body = openapi::ErrorBody),
    )
)]
async fn support_resend(
    State(gw): State<Shared>,
    Path(provider): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (p, claims) = match staff_writing(&gw, &headers, &provider) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let target = match one_query(&query, "contact") {
        Ok(t) => t,
        Err(r) => return r,
    };
    let op = match operation(p, &body) {
        Ok(op) => op,
        Err(r) => return r,
    };
    let r = match staff_target(&gw, p, &target, op).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let who = format!("staff:{}", claims.sub);
    guarded_resend(&gw, &who, r, idempotency_key(&headers)).await
}

/// The resend of a contact staff name by the staff endpoints' id (name.com's
/// verification id or email, from the mirror; Openprovider's email).
async fn staff_target<'a>(
    gw: &Gateway,
    p: Provider,
    target: &'a str,
    op: ResendOperation,
) -> Result<Resend<'a>, Response> {
    let mut r = Resend {
        provider: p,
        contact_id: target,
        email: String::new(),
        domains: Vec::new(),
        op,
        handle: None,
        namecom_id: None,
    };
    match p {
        Provider::Namecom => {
            fresh_mirror(gw).await?;
            let (id, email) = match target.parse::<i64>() {
                Ok(id) => (Some(id), None),
                Err(_) => (None, Some(target)),
            };
            let (n, domains, email) = namecom_target(gw, id, email, None).await?;
            r.namecom_id = Some(n);
            r.domains = domains;
            r.email = email;
        }
        Provider::Openprovider => r.email = target.to_owned(),
        Provider::Dna => {
            return Err(api_error(
                StatusCode::NOT_FOUND,
                "not_found",
                "Domain Name API has no account-wide list",
            ))
        }
    }
    Ok(r)
}

// ------------------------------------------------------------ live updates

#[utoipa::path(
    get,
    path = "/api/namecom/events",
    tag = "registrant",
    params(("contact" = String, Query, description = "The `id` of one of the token's name.com contacts")),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "Server-sent events: `verification` when name.com's webhook says the contact's verification changed; ends at the token's `exp`", content_type = "text/event-stream"),
        (status = 401, description = "No token, or not a valid one", body = openapi::ErrorBody),
        (status = 403, description = "Not a registrant token, or not one of its contacts", body = openapi::ErrorBody),
        (status = 404, description = "name.com is not served", body = openapi::ErrorBody),
        (status = 503, description = "Too many open streams on this instance", body = openapi::ErrorBody),
    )
)]
async fn events(
    State(gw): State<Shared>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let (_, claims, contact) = match registrant_contact(&gw, &headers, "namecom", &query) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(ticket) = gw.streams.open(&limits::token_key(token)) else {
        return unavailable(
            30,
            "too_many_streams",
            "The gateway has as many live-update streams open as it allows; try again shortly",
        );
    };
    // The stream ends when its token does: the widget reconnects with a
    // new one.
    let left = claims.exp.saturating_sub(Utc::now().timestamp()).clamp(0, 86_400 * 30);
    let expiry = tokio::time::Instant::now() + Duration::from_secs(left.unsigned_abs());
    // The contact's current verification ids: the token's, and the
    // mirror's for its email.
    let mut ids: Vec<i64> =
        contact.verification_id.as_deref().and_then(|v| v.parse().ok()).into_iter().collect();
    if let Ok(rows) = gw.store.mirror_find(None, contact.email.as_deref()).await {
        // Only the contact's own verifications (see `own_rows`).
        ids.extend(own_rows(&contact, rows).unwrap_or_default().iter().map(|r| r.verification_id));
    }
    let rx = gw.events.subscribe();
    let stop = gw.shutdown.clone();
    let state = (rx, stop, ticket);
    let stream = futures_util::stream::unfold(state, move |(mut rx, mut stop, mut ticket)| {
        let ids = ids.clone();
        async move {
            loop {
                tokio::select! {
                    got = rx.recv() => match got {
                        Ok(ev) if ids.contains(&ev.verification_id) => {
                            let event = Event::default().event("verification").data(&*ev.json);
                            return Some((Ok::<_, Infallible>(event), (rx, stop, ticket)));
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    // SIGTERM: the stream ends, the widget reconnects elsewhere.
                    _ = stop.changed() => return None,
                    // The token opened a newer stream (a reloaded page).
                    _ = ticket.closed.changed() => return None,
                    () = tokio::time::sleep_until(expiry) => return None,
                }
            }
        }
    });
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive"))
        .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[utoipa::path(
    post,
    path = "/webhooks/namecom",
    tag = "registrars",
    params(("X-NAMECOM-SIGNATURE" = String, Header, description = "`sha256=<hex>,<timestamp>,<uuid>`: HMAC-SHA256 of the subscription URL and the sorted JSON, keyed with the account's API token")),
    request_body(content = Object, description = "`contact.verification.status_change` (at most 64 KB)"),
    responses(
        (status = 200, description = "Applied (or a repeat, answered without effect)"),
        (status = 401, description = "A signature that does not verify, or too old", body = openapi::ErrorBody),
        (status = 404, description = "name.com is not served", body = openapi::ErrorBody),
    )
)]
async fn webhook(State(gw): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(nc) = gw.namecom.as_ref() else {
        return api_error(StatusCode::NOT_FOUND, "not_found", "name.com is not served");
    };
    let hook = match webhook::read(
        &headers,
        &body,
        &nc.config.webhook_url,
        nc.config.token.expose(),
        Utc::now(),
    ) {
        Ok(hook) => hook,
        Err(why) => {
            tracing::warn!(?why, "name.com webhook rejected");
            return why.response();
        }
    };
    let (id, r, compact) = (hook.verification_id, hook.record, hook.json);
    // name.com signs the body, not its timestamp or nonce: the same signed
    // body again is a replay (or a redelivery), answered without effect.
    let digest = secret::sha256_hex(compact.as_bytes());
    match gw.store.webhook_first(&digest, Utc::now()).await {
        Ok(true) => {}
        Ok(false) => {
            gw.metrics.webhook_replayed();
            tracing::info!(verification_id = id, "name.com webhook seen before: no effect");
            return StatusCode::NO_CONTENT.into_response();
        }
        Err(e) => return store_unreachable(&e, "; name.com may deliver it again"),
    }
    let verify_by = r.deadline.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    if r.status != Status::Unknown {
        if let Err(e) = gw
            .store
            .mirror_webhook(id, r.status == Status::Verified, verify_by.as_deref(), &r.domains)
            .await
        {
            tracing::error!(error = %e, "webhook not stored");
            gw.store.webhook_forget(&digest).await;
            return unavailable(
                5,
                "store_unavailable",
                "The webhook could not be stored; name.com may deliver it again",
            );
        }
    }
    if let Err(e) = publish(&gw, id, &compact).await {
        tracing::error!(error = %e, "webhook not published");
        gw.store.webhook_forget(&digest).await;
        return unavailable(
            5,
            "store_unavailable",
            "The webhook could not be published; name.com may deliver it again",
        );
    }
    gw.metrics.webhook();
    StatusCode::NO_CONTENT.into_response()
}

/// Tells every instance's open event streams that verification `id`
/// changed (`json`: a name.com webhook body): through PostgreSQL when
/// instances share one, else in this process.
async fn publish(gw: &Gateway, id: i64, json: &str) -> Result<(), String> {
    let payload = json!({"verificationId": id, "json": json}).to_string();
    if !gw.store.notify(&payload).await? {
        let _ = gw.events.send(WebhookEvent { verification_id: id, json: json.into() });
    }
    Ok(())
}

// ------------------------------------------------------------ operations

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process answers")))]
async fn healthz() -> Response {
    (StatusCode::OK, Json(json!({"status": "ok"}))).into_response()
}

/// Ready when the store answers and every served registrar's probe says
/// so ([`ready`]): `{"ready", "checks": {"store": bool, "<registrar>":
/// {"ready", "reason", "failures", "checkedAt"}}}`, 503 with `Retry-After`
/// when not. The registrars' states come from memory: a scrape makes no
/// registrar call.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = openapi::ReadyzBody),
        (status = 401, description = "`ops_token` is set and the bearer is not it", body = openapi::ErrorBody),
        (status = 503, description = "Not ready: the store or a registrar; `Retry-After`", body = openapi::ReadyzBody),
    )
)]
async fn readyz(State(gw): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = ops_allowed(&gw, &headers) {
        return r;
    }
    let mut checks = serde_json::Map::new();
    let store = gw.store.ping().await;
    checks.insert("store".into(), json!(store));
    let mut ready = store;
    for p in Provider::ALL {
        if gw.served(p) {
            let state = gw.readiness.get(p);
            ready &= state.ready;
            let mut check = json!(state);
            // DNA's contract: from the WSDL, or unconfirmed and why.
            if let (Provider::Dna, Some(dna)) = (p, &gw.dna) {
                let c = dna.contract();
                check["contract"] = json!({
                    "confirmed": c.confirmed.is_ok(),
                    "detail": c.describe(),
                });
            }
            checks.insert(p.as_str().into(), check);
        }
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let mut res = (status, Json(json!({"ready": ready, "checks": checks}))).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !ready {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    res
}

/// Prometheus counters. Cheap to scrape: counters kept in memory and one
/// `MAX` over the scans table, never a count of the mirror.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text", content_type = "text/plain"),
        (status = 401, description = "`ops_token` is set and the bearer is not it", body = openapi::ErrorBody),
    )
)]
async fn metrics_text(State(gw): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = ops_allowed(&gw, &headers) {
        return r;
    }
    let mut text = gw.metrics.render();
    if let Some(nc) = &gw.namecom {
        if let Ok(completed) = gw.store.mirror_completed_at().await {
            let age =
                completed.map_or(-1.0, |at| (Utc::now() - at).num_milliseconds() as f64 / 1000.0);
            text.push_str("# HELP gateway_namecom_mirror_age_seconds Seconds since the last complete scan (-1: none yet).\n");
            text.push_str("# TYPE gateway_namecom_mirror_age_seconds gauge\n");
            text.push_str(&format!("gateway_namecom_mirror_age_seconds {age}\n"));
        }
        text.push_str("# HELP gateway_namecom_mirror_contacts Contacts this instance's last complete scan listed.\n");
        text.push_str("# TYPE gateway_namecom_mirror_contacts gauge\n");
        text.push_str(&format!(
            "gateway_namecom_mirror_contacts {}\n",
            nc.listed.load(std::sync::atomic::Ordering::Relaxed)
        ));
        text.push_str("# HELP gateway_namecom_scans_total Complete scans of name.com's list.\n");
        text.push_str("# TYPE gateway_namecom_scans_total counter\n");
        text.push_str(&format!(
            "gateway_namecom_scans_total {}\n",
            nc.scans.load(std::sync::atomic::Ordering::Relaxed)
        ));
    }
    if let Some(op) = &gw.openprovider {
        text.push_str("# HELP gateway_openprovider_logins_total Logins to Openprovider.\n");
        text.push_str("# TYPE gateway_openprovider_logins_total counter\n");
        text.push_str(&format!(
            "gateway_openprovider_logins_total {}\n",
            op.logins.load(std::sync::atomic::Ordering::Relaxed)
        ));
    }
    text.push_str("# HELP gateway_event_streams Live-update streams open on this instance.\n");
    text.push_str("# TYPE gateway_event_streams gauge\n");
    text.push_str(&format!("gateway_event_streams {}\n", gw.streams.total()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// `/metrics` and `/readyz` with `ops_token` set: its bearer only
/// (compared in constant time); 401 otherwise.
fn ops_allowed(gw: &Gateway, headers: &HeaderMap) -> Result<(), Response> {
    let Some(expected) = &gw.config.ops_token else { return Ok(()) };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    use sha2::Digest as _;
    let (a, b) = (
        sha2::Sha256::digest(given.as_bytes()),
        sha2::Sha256::digest(expected.expose().as_bytes()),
    );
    let same = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        let mut res = api_error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "The operations token is required",
        );
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        Err(res)
    }
}

/// `/healthz`, `/readyz` and `/metrics`, for `ops_listen` (when set, the
/// main address no longer serves `/readyz` and `/metrics`).
pub fn ops_router(gw: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(ops_routes())
        .fallback(not_found)
        .with_state(gw)
}

fn ops_routes() -> Router<Shared> {
    Router::new().route("/readyz", get(readyz)).route("/metrics", get(metrics_text))
}

#[cfg(test)]
mod tests {
    /// The gateway's code never imports the demo's: every path into the
    /// crate from `gateway/` stays inside `gateway`.
    #[test]
    fn the_gateway_imports_nothing_of_the_demo() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gateway"), &mut files);
        assert!(files.len() >= 8, "{files:?}");
        let needle = ["crate", "::"].concat();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for (at, _) in line.match_indices(&needle) {
                    let after = &line[at + needle.len()..];
                    assert!(after.starts_with("gateway"), "{}:{}: {line}", f.display(), i + 1);
                }
            }
        }
    }
}
