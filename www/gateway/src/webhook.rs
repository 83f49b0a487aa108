//! Reading name.com's `contact.verification.status_change` deliveries, for
//! the gateway's `/webhooks/namecom` and the demo's: the signature
//! (`X-NAMECOM-SIGNATURE` over the exact subscribed URL, keyed with the API
//! token, at most [`DEFAULT_MAX_AGE`] old), then the body read by the core
//! as the widget reads it.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use verification_core::webhook::{
    verify_signature, SignatureError, DEFAULT_MAX_AGE, SIGNATURE_HEADER,
};
use verification_core::{evaluate, Context, Provider, Record};

/// A delivery that passed: its verification id, the record the core read,
/// and the body as compact JSON (for event streams).
#[derive(Clone, Debug)]
pub struct Delivery {
    /// name.com's `verificationId`.
    pub verification_id: i64,
    /// The core's reading.
    pub record: Record,
    /// The body, compact.
    pub json: String,
}

/// Why a delivery was refused: 401 for its signature (nothing is stored),
/// 400 for a signed body that is no status-change webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The signature is missing, malformed, wrong or stale.
    Signature(&'static str),
    /// Signed, but not a `contact.verification.status_change` with a
    /// `verificationId`.
    NotAStatusChange,
}

impl Rejection {
    /// The answer to name.com.
    pub fn response(self) -> Response {
        match self {
            Rejection::Signature(why) => super::api_error(
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                &format!("Webhook rejected: {why}"),
            ),
            Rejection::NotAStatusChange => super::api_error(
                StatusCode::BAD_REQUEST,
                "bad_webhook",
                "Not a contact.verification.status_change webhook with a verificationId",
            ),
        }
    }
}

fn reason(e: &SignatureError) -> &'static str {
    match e {
        SignatureError::MalformedHeader(_) => "malformed signature header",
        SignatureError::UnsupportedAlgorithm(_) => "unsupported algorithm",
        SignatureError::InvalidBody(_) => "body is not JSON",
        SignatureError::Mismatch => "signature mismatch",
        SignatureError::Stale { .. } => "stale timestamp",
        _ => "invalid signature",
    }
}

/// Checks a delivery to `url` signed with `token`, and reads it.
///
/// # Errors
/// The [`Rejection`].
pub fn read(
    headers: &HeaderMap,
    body: &[u8],
    url: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Delivery, Rejection> {
    let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if header.is_empty() {
        return Err(Rejection::Signature("no signature header"));
    }
    let text = std::str::from_utf8(body).map_err(|_| Rejection::Signature("body is not UTF-8"))?;
    verify_signature(header, url, text, token, now, Some(DEFAULT_MAX_AGE))
        .map_err(|e| Rejection::Signature(reason(&e)))?;
    let record = evaluate(Provider::Namecom, text, &Context::new(now))
        .ok()
        .and_then(|e| e.records.into_iter().next())
        .ok_or(Rejection::NotAStatusChange)?;
    let verification_id = record
        .verification_id
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or(Rejection::NotAStatusChange)?;
    let json =
        serde_json::from_str::<serde_json::Value>(text).map(|v| v.to_string()).unwrap_or_default();
    Ok(Delivery { verification_id, record, json })
}
