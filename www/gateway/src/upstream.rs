//! Registrar clients: what the gateway sends to each registrar and how it
//! reads the transport, never the verification itself (that is the core's).
//!
//! Every call has a timeout. Upstream answers keep the registrar's status,
//! body and the headers the widget reads (`Retry-After`,
//! `x-ratelimit-reset`, `X-Idempotent-Replay`). A failure never carries a
//! URL, a credential or a body of the request.

pub mod dna;
pub mod namecom;
pub mod openprovider;
pub mod wsdl;
pub mod zone;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::store::StoredAnswer;

/// Upstream response headers passed on to the browser.
pub const FORWARDED_HEADERS: [&str; 3] =
    ["x-ratelimit-reset", "x-idempotent-replay", "retry-after"];

/// A registrar's answer, kept as bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Content type, when given.
    pub content_type: Option<String>,
    /// The forwarded headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// A JSON answer made by the gateway (DNA's result read from SOAP,
    /// name.com's list assembled from the mirror).
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Answer {
            status,
            content_type: Some("application/json".into()),
            headers: Vec::new(),
            body: Bytes::from(body.to_string()),
        }
    }

    /// Reads a reqwest response.
    ///
    /// # Errors
    /// The body could not be read.
    pub async fn read(res: reqwest::Response) -> Result<Self, Failure> {
        let status = res.status().as_u16();
        let text = |v: &reqwest::header::HeaderValue| v.to_str().ok().map(str::to_owned);
        let content_type = res.headers().get(reqwest::header::CONTENT_TYPE).and_then(text);
        let headers = FORWARDED_HEADERS
            .iter()
            .filter_map(|name| Some(((*name).to_owned(), text(res.headers().get(*name)?)?)))
            .collect();
        let body = res.bytes().await.map_err(Failure::from)?;
        Ok(Answer { status, content_type, headers, body })
    }

    /// The body as JSON, if it is.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `true` for a status a retry may change: 429 and 5xx.
    pub fn retryable(&self) -> bool {
        self.status == 429 || self.status >= 500
    }

    /// What the store keeps for an intent's retries.
    pub fn stored(&self) -> StoredAnswer {
        StoredAnswer {
            status: self.status,
            content_type: self.content_type.clone(),
            headers: self.headers.clone(),
            body: self.body.to_vec(),
        }
    }

    /// An answer the store kept.
    pub fn from_stored(s: StoredAnswer) -> Self {
        Answer {
            status: s.status,
            content_type: s.content_type,
            headers: s.headers,
            body: s.body.into(),
        }
    }

    /// The HTTP response to the browser. `replay` marks an intent's stored
    /// answer.
    pub fn into_response(self, replay: bool) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut res = (status, Body::from(self.body)).into_response();
        let h = res.headers_mut();
        let ct = self.content_type.as_deref().unwrap_or("application/json");
        if let Ok(v) = HeaderValue::from_str(ct) {
            h.insert(header::CONTENT_TYPE, v);
        }
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) =
                (header::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
            {
                h.insert(n, v);
            }
        }
        if replay {
            h.insert("x-idempotent-replay", HeaderValue::from_static("1"));
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }
}

/// The `User-Agent` of the readiness probes ([`crate::ready`]),
/// so a registrar's logs (and the sandbox's counters) can tell them from
/// registrants' requests.
pub const PROBE_AGENT: &str = "verification-gateway readiness probe";

/// Why a registrar gave no answer. Its text names what failed, never a
/// URL, a credential or the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The call timed out.
    Timeout,
    /// No connection.
    Connect,
    /// The answer could not be read.
    Body,
    /// Another transport error.
    Request,
    /// A login to the registrar failed (Openprovider), with the
    /// registrar's words.
    Login(String),
    /// The gateway does not call the registrar until `retry_after` seconds
    /// have passed (a refused login's backoff, or the registrar blocked
    /// this address), and says why.
    Paused {
        /// Why, in the registrar's words.
        why: String,
        /// Seconds until the next call may go.
        retry_after: u64,
    },
}

impl Failure {
    /// What failed, for logs and the resend log.
    pub fn describe(&self) -> String {
        match self {
            Failure::Timeout => "timeout".into(),
            Failure::Connect => "connection failed".into(),
            Failure::Body => "bad response body".into(),
            Failure::Request => "request error".into(),
            Failure::Login(why) => format!("login failed: {why}"),
            Failure::Paused { why, retry_after } => {
                format!("not calling for {retry_after} s: {why}")
            }
        }
    }
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Failure::Timeout
        } else if e.is_connect() {
            Failure::Connect
        } else if e.is_body() || e.is_decode() {
            Failure::Body
        } else {
            Failure::Request
        }
    }
}

/// Sends a request and reads the answer.
///
/// # Errors
/// The transport failed.
pub async fn send(req: reqwest::RequestBuilder) -> Result<Answer, Failure> {
    Answer::read(req.send().await?).await
}
