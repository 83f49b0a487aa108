//! The gateway's own error answers: `{error, message}` with the status
//! and headers each case needs (`Retry-After`, name.com's and
//! Openprovider's throttle words for a 429).

use super::*;

/// The gateway's own JSON error.
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = bodies::ErrorBody { error: code.to_owned(), message: message.to_owned() };
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// 429, before anything goes upstream, in the shape every adapter of the
/// core reads as "throttled until": `Retry-After`, `x-ratelimit-reset`,
/// name.com's `details`, Openprovider's `desc`.
pub(super) fn too_many(until: DateTime<Utc>, now: DateTime<Utc>, message: &str) -> Response {
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
pub(super) fn slow_down(wait: Duration, message: &str) -> Response {
    let mut res = api_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
    res
}

pub(super) fn unavailable(retry_after: u64, code: &str, message: &str) -> Response {
    let mut res = api_error(StatusCode::SERVICE_UNAVAILABLE, code, message);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// 503 `store_unavailable` for a store that did not answer (`e`, to the
/// log only), saying `what` happens now ("try again shortly").
pub(super) fn store_unreachable(e: &str, what: &str) -> Response {
    tracing::error!(error = %e, "store unreachable");
    unavailable(5, "store_unavailable", &format!("The gateway's store is unreachable{what}"))
}

pub(super) async fn not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, "not_found", "Not found")
}

pub(super) fn upstream_failed(gw: &Gateway, provider: Provider, f: &Failure) -> Response {
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

/// What every handler's error is: the gateway's answer, ready to send
/// (usually [`api_error`]'s `{error, message}` with its headers). Handlers
/// return [`ApiResult`] and use `?`.
#[derive(Debug)]
pub struct ApiError(Box<Response>);

/// A handler's result.
pub type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    /// The gateway's own error with this status and code.
    pub fn new(status: StatusCode, code: &str, message: &str) -> Self {
        ApiError(Box::new(api_error(status, code, message)))
    }
}

impl From<Response> for ApiError {
    fn from(r: Response) -> Self {
        ApiError(Box::new(r))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        *self.0
    }
}
