//! Operations: `/healthz`, `/readyz` (the store and each registrar's probe),
//! `/metrics` (Prometheus), on the main address or on `ops_listen`.

use super::*;

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process answers")))]
pub(super) async fn healthz() -> Response {
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
        (status = 200, description = "Ready", body = bodies::ReadyzBody),
        (status = 401, description = "`ops_token` is set and the bearer is not it", body = bodies::ErrorBody),
        (status = 503, description = "Not ready: the store or a registrar; `Retry-After`", body = bodies::ReadyzBody),
    )
)]
pub(super) async fn readyz(State(gw): State<Shared>, headers: HeaderMap) -> Response {
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
        (status = 401, description = "`ops_token` is set and the bearer is not it", body = bodies::ErrorBody),
    )
)]
pub(super) async fn metrics_text(State(gw): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = ops_allowed(&gw, &headers) {
        return r;
    }
    let mut text = gw.metrics.render();
    text.push_str("# HELP gateway_event_streams_open Live-update streams open on this instance.\n");
    text.push_str("# TYPE gateway_event_streams_open gauge\n");
    text.push_str(&format!("gateway_event_streams_open {}\n", gw.streams.total()));
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
pub(super) fn ops_allowed(gw: &Gateway, headers: &HeaderMap) -> Result<(), Response> {
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

pub(super) fn ops_routes() -> Router<Shared> {
    Router::new().route("/readyz", get(readyz)).route("/metrics", get(metrics_text))
}
