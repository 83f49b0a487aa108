//! The staff resend queue (`/api/{provider}/support/queue`): a bulk resend
//! from the staff list lives here, not in the browser tab. It is planned
//! when staff ask, by the same limits every resend obeys (each contact's
//! cooldown; name.com's 200 per hour for the account, counting the sends
//! already made and the slots already planned), kept in the store, sent
//! one by one by whichever instance takes the next due row, through the
//! one resend path (`guarded_resend`: intent, limits, log, call), and seen
//! by every staff browser. Closing the tab or restarting the gateway loses
//! nothing.
//!
//! - `GET`: the queue: `{"items": [{"contact", "operation", "at", "state",
//!   "detail"}]}` (every row not finished, and those finished in the last
//!   hour; `state` is `waiting`, `sending`, `sent`, `failed` or `done`).
//! - `POST {"items": [{"contact", "operation"}]}`: plans and adds them
//!   (contacts already queued are not queued twice); answers the queue.
//! - `DELETE`: drops what has not gone yet; answers the queue.

use super::{
    api_error, guarded_resend, staff_target, store::NewQueued, store_unreachable, Gateway, Shared,
    Staff, StaffWriting,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use verification_core::resend::{ResendKind, ResendOperation, NAMECOM_PER_ACCOUNT};
use verification_core::{interpret_resend, Context, Provider};

/// Most contacts one request may queue.
const MAX_ITEMS: usize = 20_000;
/// A throttled resend waits for the registrar's time when it is within
/// this; otherwise it fails with the registrar's words.
const MAX_WAIT: TimeDelta = TimeDelta::hours(2);

/// A request to queue resends.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    /// The contacts, each resent once when its cooldown and the account's
    /// budget allow (at most 20,000).
    items: Vec<AddItem>,
}

/// One contact to resend to.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    /// name.com's verification id, or Openprovider's email.
    contact: String,
    /// `resend` (name.com), `start` or `restart` (Openprovider).
    operation: String,
}

/// The queue as staff see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Queue {
    /// Rows planned, sent or failed in the last hour.
    items: Vec<QueueItem>,
}

/// One queued resend.
#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    contact: String,
    operation: String,
    /// When it is (or was) due.
    at: String,
    /// `planned`, `sending`, `sent`, `failed`.
    state: String,
    /// The registrar's words when it failed.
    detail: Option<String>,
}

/// The queue of `p` as JSON.
async fn answer(gw: &Gateway, p: Provider) -> Response {
    let now = Utc::now();
    match gw.store.queue_list(p.as_str(), now - TimeDelta::hours(1)).await {
        Ok(rows) => {
            let items = rows
                .iter()
                .map(|r| QueueItem {
                    contact: r.contact.clone(),
                    operation: r.operation.clone(),
                    at: r.due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    state: r.state.clone(),
                    detail: r.detail.clone(),
                })
                .collect();
            Json(Queue { items }).into_response()
        }
        Err(e) => store_unreachable(&e, ""),
    }
}

#[utoipa::path(
    get,
    path = "/api/{provider}/support/queue",
    tag = "staff",
    params(("provider" = String, Path, description = "`namecom` or `openprovider`")),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The queue", body = Queue),
        (status = 400, description = "Not a queue request", body = super::bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = super::bodies::ErrorBody),
        (status = 403, description = "Not a staff token, or an `Origin` not in `allowed_origins`", body = super::bodies::ErrorBody),
        (status = 404, description = "No account-wide list for this registrar", body = super::bodies::ErrorBody),
        (status = 503, description = "The store is unreachable", body = super::bodies::ErrorBody),
    )
)]
pub(super) async fn list(State(gw): State<Shared>, Staff { provider, .. }: Staff) -> Response {
    answer(&gw, provider).await
}

#[utoipa::path(
    delete,
    path = "/api/{provider}/support/queue",
    tag = "staff",
    params(("provider" = String, Path, description = "`namecom` or `openprovider`")),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "Every planned row cancelled; the queue after", body = Queue),
        (status = 400, description = "Not a queue request", body = super::bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = super::bodies::ErrorBody),
        (status = 403, description = "Not a staff token, or an `Origin` not in `allowed_origins`", body = super::bodies::ErrorBody),
        (status = 404, description = "No account-wide list for this registrar", body = super::bodies::ErrorBody),
        (status = 503, description = "The store is unreachable", body = super::bodies::ErrorBody),
    )
)]
pub(super) async fn cancel(
    State(gw): State<Shared>,
    StaffWriting(Staff { provider: p, claims }): StaffWriting,
) -> Response {
    match gw.store.queue_cancel(p.as_str()).await {
        Ok(n) => {
            tracing::info!(registrar = p.as_str(), staff = %claims.sub, rows = n, "resend queue cancelled");
            answer(&gw, p).await
        }
        Err(e) => store_unreachable(&e, ""),
    }
}

#[utoipa::path(
    post,
    path = "/api/{provider}/support/queue",
    tag = "staff",
    params(("provider" = String, Path, description = "`namecom` or `openprovider`")),
    request_body = AddBody,
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "Queued; the queue after", body = Queue),
        (status = 400, description = "Not a queue request", body = super::bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = super::bodies::ErrorBody),
        (status = 403, description = "Not a staff token, or an `Origin` not in `allowed_origins`", body = super::bodies::ErrorBody),
        (status = 404, description = "No account-wide list for this registrar", body = super::bodies::ErrorBody),
        (status = 503, description = "The store is unreachable", body = super::bodies::ErrorBody),
    )
)]
pub(super) async fn add(
    State(gw): State<Shared>,
    StaffWriting(Staff { provider: p, claims }): StaffWriting,
    body: Bytes,
) -> Response {
    if p == Provider::Dna {
        return api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Domain Name API has no account-wide list",
        );
    }
    let bad = |m: &str| api_error(StatusCode::BAD_REQUEST, "bad_queue", m);
    let Ok(body) = serde_json::from_slice::<AddBody>(&body) else {
        return bad("Body must be {\"items\": [{\"contact\": ..., \"operation\": ...}]}");
    };
    if body.items.is_empty() || body.items.len() > MAX_ITEMS {
        return bad(&format!("Between 1 and {MAX_ITEMS} items"));
    }
    let mut items = Vec::with_capacity(body.items.len());
    for it in body.items {
        let contact = it.contact.trim().to_owned();
        if contact.is_empty() || contact.len() > 320 {
            return bad("Each item names a contact");
        }
        let Some(op) = ResendOperation::parse(p, &it.operation) else {
            return bad("An item names an operation this registrar does not have");
        };
        items.push((contact, op));
    }
    items.dedup_by(|a, b| a.0 == b.0);
    let now = Utc::now();
    let planned = match plan(&gw, p, &items, now).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "store unreachable");
            return super::unavailable(
                5,
                "store_unavailable",
                "The gateway's store is unreachable",
            );
        }
    };
    match gw.store.queue_add(p.as_str(), &planned, &claims.sub, now).await {
        Ok(n) => {
            tracing::info!(registrar = p.as_str(), staff = %claims.sub, rows = n, "resends queued");
            gw.queue_wake.notify_waiters();
            answer(&gw, p).await
        }
        Err(e) => store_unreachable(&e, ""),
    }
}

/// When each resend may go: not before its contact's cooldown, and for
/// name.com within the account's 200 per hour, counting the sends of the
/// last hour and the slots already planned. Contacts free now go first.
async fn plan(
    gw: &Gateway,
    p: Provider,
    items: &[(String, ResendOperation)],
    now: DateTime<Utc>,
) -> Result<Vec<NewQueued>, String> {
    let prefix = format!("contact:{}:", p.as_str());
    let cooling = gw.store.cooldowns_after(&prefix, now).await?;
    let mut todo = Vec::with_capacity(items.len());
    for (contact, op) in items {
        // Staff name a name.com contact by its verification id, an
        // Openprovider one by its address: the registrar's identity.
        let id = contact.trim().parse::<i64>().ok();
        let bucket = super::rate_bucket(p, id, contact, None);
        let earliest = cooling.get(&bucket).copied().unwrap_or(now);
        todo.push((earliest, contact, op));
    }
    todo.sort_by_key(|(t, _, _)| *t);
    let mut slots: Vec<DateTime<Utc>> = todo.iter().map(|(t, _, _)| *t).collect();
    if p == Provider::Namecom {
        let limit = NAMECOM_PER_ACCOUNT;
        let mut times = gw.store.events_since("account:namecom", now - limit.window).await?;
        let planned = gw.store.queue_list(p.as_str(), now).await?;
        times.extend(planned.iter().filter(|r| r.state == "waiting").map(|r| r.due_at));
        for (i, (earliest, _, _)) in todo.iter().enumerate() {
            let at = limit.schedule(&times, 1, *earliest).first().copied().unwrap_or(*earliest);
            times.push(at);
            slots[i] = at;
        }
    }
    Ok(todo
        .into_iter()
        .zip(slots)
        .map(|((_, contact, op), at)| NewQueued {
            contact: contact.clone(),
            operation: op.as_str().to_owned(),
            key: format!("queue-{:016x}{:016x}", super::rand_u64(), super::rand_u64()),
            due_at: at,
        })
        .collect())
}

/// Sends what is due, one row at a time, then sleeps until the next row is
/// due (at most 5 seconds: another instance may have queued some), or until
/// a bulk resend is queued here, or the gateway stops.
pub(super) fn spawn_worker(gw: Shared) {
    let mut stop = gw.shutdown.clone();
    tokio::spawn(async move {
        loop {
            loop {
                let now = Utc::now();
                let stale = now
                    - TimeDelta::from_std(gw.config.upstream_timeout * 2)
                        .unwrap_or(TimeDelta::minutes(1));
                match gw.store.queue_take(now, stale).await {
                    Ok(Some(row)) => send(&gw, row).await,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "resend queue: store unreachable");
                        break;
                    }
                }
                if *stop.borrow() {
                    return;
                }
            }
            let next = gw.store.queue_next_due().await.ok().flatten();
            let wait = next
                .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(Duration::from_secs(5))
                .clamp(Duration::from_millis(50), Duration::from_secs(5));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = gw.queue_wake.notified() => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// Sends one taken row through the one resend path and records how it
/// ended, as the core reads the answer.
async fn send(gw: &Arc<Gateway>, row: super::store::QueueRow) {
    let now = Utc::now();
    let finish = |state: &'static str, detail: Option<String>, due: Option<DateTime<Utc>>| async move {
        gw.store.queue_finish(row.id, state, detail.as_deref(), due, Utc::now()).await;
    };
    let Some(p) = Provider::ALL.into_iter().find(|p| p.as_str() == row.provider) else {
        return finish("failed", Some("unknown registrar".into()), None).await;
    };
    let Some(op) = ResendOperation::parse(p, &row.operation) else {
        return finish("failed", Some("unknown operation".into()), None).await;
    };
    let res = match staff_target(gw, p, &row.contact, op).await {
        Ok(r) => guarded_resend(gw, "staff:queue", r, Some(&row.key)).await,
        Err(res) => res,
    };
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get(axum::http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|s| now + TimeDelta::seconds(s.clamp(1, 86_400)));
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap_or_default();
    let text = std::str::from_utf8(&body).unwrap_or("");
    let code = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned));
    // The gateway's own answers first: still in progress elsewhere, not
    // ready, or lost (it may have gone: never sent again).
    match (status, code.as_deref()) {
        (409, Some("in_progress")) => {
            return finish("waiting", None, Some(now + TimeDelta::seconds(5))).await
        }
        (409, Some("intent_unknown")) => {
            let why = "the first attempt lost its answer and may have gone out";
            return finish("failed", Some(why.into()), None).await;
        }
        (503, _) | (502, _) | (504, _) | (500, _) => {
            let at = retry_after.unwrap_or(now + TimeDelta::minutes(1));
            return finish("waiting", None, Some(at)).await;
        }
        _ => {}
    }
    let mut ctx = Context::new(Utc::now());
    ctx.policy.cooldown = TimeDelta::from_std(gw.config.cooldown).unwrap_or(TimeDelta::minutes(15));
    let headers: Vec<(&str, String)> = retry_after
        .map(|t| vec![("retry-after", (t - now).num_seconds().to_string())])
        .unwrap_or_default();
    let header_refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let resp = verification_core::Response { status, body: text, headers: &header_refs };
    match interpret_resend(p, &resp, &ctx) {
        Ok(o) => match o.outcome {
            ResendKind::Sent => finish("sent", None, None).await,
            // A time not in the future (a registrar clock behind ours)
            // waits a minute: never a loop of refused sends.
            ResendKind::Throttled => match o.next_eligible_at.or(retry_after) {
                Some(t) if t - now <= MAX_WAIT => {
                    let at = if t > now { t } else { now + TimeDelta::minutes(1) };
                    finish("waiting", None, Some(at)).await
                }
                _ => {
                    finish("failed", o.message.or(Some("throttled by the registrar".into())), None)
                        .await
                }
            },
            ResendKind::AlreadyVerified => {
                finish("done", Some("already verified".into()), None).await
            }
            ResendKind::NotSent => {
                finish("failed", o.message.or(Some("not sent".into())), None).await
            }
        },
        Err(e) => match retry_after.filter(|_| status == 429) {
            Some(t) if t - now <= MAX_WAIT => finish("waiting", None, Some(t)).await,
            _ => finish("failed", Some(e.to_string()), None).await,
        },
    }
}
