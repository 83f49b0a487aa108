//! name.com webhooks in, server-sent events out.
//!
//! - `POST /webhooks/namecom`: a `contact.verification.status_change`
//!   delivery. `X-NAMECOM-SIGNATURE` is checked with
//!   [`verification_core::webhook::verify_signature`] against the exact
//!   public URL ([`crate::Config::namecom_webhook_url`], `NAMECOM_WEBHOOK_URL`)
//!   and the name.com API token, at most 300 s old (the gateway's
//!   [`crate::gateway::webhook::read`]).
//!   Missing, wrong or stale signature → **401**
//!   `{"error":"bad_signature","message":..}` and nothing is stored; a
//!   signed body the core cannot read as a webhook → **400**
//!   `{"error":"bad_webhook",..}`; otherwise **204**: the sandbox marks the
//!   verification verified or not, as the payload says (so the next status
//!   shows it), and the event is broadcast.
//! - `GET /api/namecom/events?contact=<key>`: `text/event-stream` of the
//!   accepted webhooks for that contact's verification: event
//!   `verification`, data the webhook JSON (compact), a `: keep-alive`
//!   comment every 15 s. Session, ownership and the status rate limit are
//!   checked as for `status` (401, 400, 403, 429): a registrant only ever
//!   hears about their own contacts. `<registrant-verification
//!   events-url=...>` reads it: a verified event shows at once, any other
//!   makes the widget check its status once.
//! - `GET /webhooks/namecom/subscribers`: `{"subscribers": N}`, the event
//!   streams open right now (no contact, no session: for tests and
//!   monitoring).

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use tokio::sync::broadcast;
use verification_core::Status;

use crate::config::Secret;
use crate::gateway::webhook;
use crate::proxy::{api_error, authorize_status_read};
use crate::AppState;

pub use crate::gateway::{WebhookEvent, CHANNEL_CAPACITY};

/// The webhook receiver's configuration and the event channel.
#[derive(Debug)]
pub struct Webhooks {
    url: String,
    token: Secret,
    keep_alive: Duration,
    tx: broadcast::Sender<WebhookEvent>,
}

impl Webhooks {
    /// A receiver for deliveries to `url`, signed with `token`.
    pub fn new(url: String, token: Secret, keep_alive: Duration) -> Self {
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Webhooks { url, token, keep_alive, tx }
    }

    /// A new subscription to accepted events.
    pub fn subscribe(&self) -> broadcast::Receiver<WebhookEvent> {
        self.tx.subscribe()
    }

    /// How many subscriptions are open (an event stream holds one until
    /// its client goes away).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// `/webhooks/namecom`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/namecom", post(namecom))
        .route("/webhooks/namecom/subscribers", get(subscribers))
}

/// `GET /webhooks/namecom/subscribers`.
async fn subscribers(State(state): State<AppState>) -> Response {
    let mut res = axum::Json(serde_json::json!({ "subscribers": state.webhooks.subscribers() }))
        .into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

async fn namecom(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let hooks = &state.webhooks;
    // The core reads the webhook the way the widget would (the gateway's
    // reading of deliveries).
    let hook = match webhook::read(&headers, &body, &hooks.url, hooks.token.expose(), Utc::now()) {
        Ok(hook) => hook,
        Err(why) => {
            if let webhook::Rejection::Signature(reason) = why {
                eprintln!("namecom webhook rejected: {reason}");
            }
            return why.response();
        }
    };
    let id = hook.verification_id;
    state.sandbox.namecom_set_verified(id, hook.record.status == Status::Verified);
    let _ = hooks.tx.send(WebhookEvent { verification_id: id, json: hook.json.into() });
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /api/namecom/events?contact=<key>`.
pub(crate) async fn events(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    // The same rule as reading the status.
    let (_, contact) = match authorize_status_read(&state, &headers, "namecom", query) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(id) = contact.verification_id else {
        return api_error(StatusCode::NOT_FOUND, "unknown_provider", "No events for this contact");
    };
    let rx = state.webhooks.subscribe();
    let stream = futures_util::stream::unfold(rx, move |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(ev) if ev.verification_id == id => {
                    let event = Event::default().event("verification").data(&*ev.json);
                    return Some((Ok::<_, Infallible>(event), rx));
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let keep_alive = KeepAlive::new().interval(state.webhooks.keep_alive).text("keep-alive");
    let mut res = Sse::new(stream).keep_alive(keep_alive).into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}
