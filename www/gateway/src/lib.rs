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
//! crate does not depend on `verification-sandbox` or `verification-www`.
//!
//! Errors of the gateway itself are JSON `{"error","message"}` (and, for
//! a 429, name.com's `details: "Next eligible at: …"` that the core reads):
//! 401 `unauthenticated`, 403 `forbidden`, 404 `not_found`, 400
//! `missing_contact` / `bad_operation`, 409 `in_progress` /
//! `idempotency_key_reused` / `no_verification`, 429 `rate_limited`, 502
//! `upstream_unavailable`, 503 `not_ready` / `store_unavailable`. A token
//! never appears in a URL, a log line or an error body.

// Handlers return early with a ready `Response` as the error value; boxing
// every one of them would only add noise.
#![allow(clippy::result_large_err)]

pub mod bodies;
mod card;
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

mod auth;
mod errors;
mod namecom_webhook;
mod ops;
mod registrant;
mod resend;
mod staff;

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

pub use self::errors::api_error;
pub use self::ops::ops_router;
pub use self::resend::NAMECOM_BUDGET;
pub(crate) use self::resend::{contact_slot, normal_email, rate_bucket};
use self::{auth::*, errors::*, namecom_webhook::*, ops::*, registrant::*, resend::*, staff::*};
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
    /// The clock own verification's deadlines and name.com's propagation
    /// window are read by (the real one but in tests and the demo, whose
    /// clock is the sandbox's).
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

/// The gateway, shared by its routes and background tasks.
pub type Shared = Arc<Gateway>;

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
        // The card's envelope is some 8 KB, a third of it the stylesheets
        // (gzip: under 3 KB), on the registrant's first paint: compressed.
        // Neither carries a secret (no token, no CSRF value) for a
        // compression side channel to find.
        .route("/{provider}/status", get(status).layer(card::compression()))
        .route("/{provider}/card", get(card_element).layer(card::compression()))
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
