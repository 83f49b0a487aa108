//! `/sandbox/control/…`: what tests and the demo change the sandbox with
//! (no credentials): the clock, a reset, the counters, synthetic contacts,
//! name.com registrations and domains, the fault switches, Openprovider's
//! tokens. The list is in [`super`]'s documentation.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::*;

/// The control routes.
pub(super) fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/clock", get(get_clock).post(set_clock))
        .route("/reset", post(reset))
        .route("/emails", get(emails))
        .route("/requests", get(requests))
        .route("/seed", post(seed))
        .route("/namecom/register", post(namecom_register))
        .route("/namecom/email", post(namecom_email))
        .route("/namecom/domain", post(namecom_domain))
        .route("/faults", get(get_faults).post(set_faults))
        .route("/openprovider/tokens", get(op_tokens).post(op_tokens))
}

pub(super) async fn op_tokens(State(sb): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    let body = serde_json::from_slice::<Value>(&body).ok();
    match openprovider::tokens_control(&sb, body.as_ref()) {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, &e),
    }
}

pub(super) async fn get_faults(State(sb): State<Arc<Sandbox>>) -> Response {
    Json(&sb.lock().faults).into_response()
}

pub(super) async fn set_faults(
    State(sb): State<Arc<Sandbox>>,
    body: axum::body::Bytes,
) -> Response {
    let faults = match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => f,
        Err(e) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "expected {{\"status\"|\"html\": {{endpoint: code}}, \"hang\"|\"invalid_json\": [endpoint], \"delay_ms\": {{endpoint: ms}}}}: {e}"
                ),
            )
        }
    };
    if let Some(bad) = faults.names().find(|n| !FAULT_ENDPOINTS.contains(&n.as_str())) {
        return control_error(
            StatusCode::BAD_REQUEST,
            &format!("unknown endpoint `{bad}`; known: {}", FAULT_ENDPOINTS.join(", ")),
        );
    }
    let mut st = sb.lock();
    st.faults = faults;
    Json(&st.faults).into_response()
}

pub(super) fn clock_json(st: &SandboxState) -> Value {
    json!({ "now": st.now().to_rfc3339(), "fixed": st.fixed_now.is_some() })
}

pub(super) async fn get_clock(State(sb): State<Arc<Sandbox>>) -> Response {
    Json(clock_json(&sb.lock())).into_response()
}

#[derive(Deserialize)]
struct ClockBody {
    now: Option<String>,
}

pub(super) async fn set_clock(State(sb): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<ClockBody>(&body) else {
        return control_error(StatusCode::BAD_REQUEST, "expected {\"now\": \"<RFC 3339>\" | null}");
    };
    let fixed = match body.now.as_deref() {
        None => None,
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                return control_error(StatusCode::BAD_REQUEST, "`now` is not an RFC 3339 date-time")
            }
        },
    };
    let mut st = sb.lock();
    st.fixed_now = fixed;
    Json(clock_json(&st)).into_response()
}

pub(super) async fn reset(State(sb): State<Arc<Sandbox>>) -> Response {
    let mut st = sb.lock();
    st.reset();
    Json(json!({
        "reset": true,
        "now": st.now().to_rfc3339(),
        // The own-verification account's newcomer, registered anew.
        "ownNewcomer": st.namecom.own_newcomer(),
    }))
    .into_response()
}

pub(super) async fn emails(State(sb): State<Arc<Sandbox>>) -> Response {
    Json(sb.lock().emails.to_json("byContact")).into_response()
}

pub(super) async fn requests(State(sb): State<Arc<Sandbox>>) -> Response {
    let st = sb.lock();
    let mut out = st.requests.to_json("byPath");
    out["probes"] = st.probes.to_json("byPath");
    Json(out).into_response()
}

#[derive(Deserialize)]
struct SeedBody {
    provider: String,
    count: usize,
}

pub(super) async fn seed(State(sb): State<Arc<Sandbox>>, body: axum::body::Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<SeedBody>(&body) else {
        return control_error(
            StatusCode::BAD_REQUEST,
            "expected {\"provider\": \"dna|namecom|openprovider\", \"count\": N}",
        );
    };
    let Some(provider) = crate::scenarios::parse_provider(&body.provider) else {
        return control_error(StatusCode::BAD_REQUEST, "unknown provider");
    };
    if body.count > MAX_SEED {
        return control_error(StatusCode::BAD_REQUEST, "count is above 20000");
    }
    let mut st = sb.lock();
    let now = st.now();
    let total = match provider {
        Provider::Dna => st.dna.add_synthetic(now, body.count),
        Provider::Namecom => st.namecom.add_synthetic(now, body.count),
        Provider::Openprovider => st.openprovider.add_synthetic(now, body.count),
    };
    Json(json!({ "provider": provider.as_str(), "added": body.count, "total": total }))
        .into_response()
}

#[derive(Deserialize)]
struct RegisterBody {
    email: String,
    domains: Vec<String>,
    /// `own` for the own-verification account.
    #[serde(default)]
    account: Option<String>,
    /// Years the domains are registered for (default 1).
    #[serde(default)]
    years: Option<u32>,
}

pub(super) async fn namecom_register(
    State(sb): State<Arc<Sandbox>>,
    body: axum::body::Bytes,
) -> Response {
    let body = match serde_json::from_slice::<RegisterBody>(&body) {
        Ok(b) if !b.domains.is_empty() && b.email.contains('@') => b,
        _ => {
            return control_error(
                StatusCode::BAD_REQUEST,
                "expected {\"email\": \"…@…\", \"domains\": [\"…\"]}",
            )
        }
    };
    let account = match body.account.as_deref() {
        Some("own") => namecom::Account::Own,
        _ => namecom::Account::Main,
    };
    let id = {
        let mut st = sb.lock();
        let now = st.now();
        let years = body.years.unwrap_or(1).clamp(1, 10);
        st.namecom.register_for(account, now, &body.email, &body.domains, years)
    };
    Json(json!({ "verificationId": id })).into_response()
}

/// `POST /sandbox/control/namecom/domain`: renew, expire or transfer out a
/// name.com domain (see [`namecom::NamecomState::domain_control`]).
pub(super) async fn namecom_domain(
    State(sb): State<Arc<Sandbox>>,
    body: axum::body::Bytes,
) -> Response {
    let v = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let mut st = sb.lock();
    let now = st.now();
    match st.namecom.domain_control(&v, now) {
        Ok(v) => Json(v).into_response(),
        Err(e) => control_error(StatusCode::BAD_REQUEST, &e),
    }
}

/// `POST /sandbox/control/namecom/email {"verificationId", "email"}`: the
/// registrant's address changes and name.com keeps the verification (its
/// list shows the new address under the same id).
pub(super) async fn namecom_email(
    State(sb): State<Arc<Sandbox>>,
    body: axum::body::Bytes,
) -> Response {
    let v = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let (Some(id), Some(email)) = (v["verificationId"].as_i64(), v["email"].as_str()) else {
        return control_error(
            StatusCode::BAD_REQUEST,
            "expected {\"verificationId\": N, \"email\": \"…@…\"}",
        );
    };
    if sb.lock().namecom.change_email(id, email) {
        Json(json!({ "verificationId": id, "email": email })).into_response()
    } else {
        control_error(StatusCode::NOT_FOUND, "no such verification")
    }
}
