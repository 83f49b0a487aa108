//! Domain Name API `ContactApi.svc` (JSON flavour).
//!
//! - `POST /sandbox/dna/ContactApi.svc/GetDetails`
//!   `{"UserName","Password","ContactEmail"}` or `{..,"ExternalId"}` → 200
//!   `{"VerificationStatus","ExpirationDate","LastNotificationDate","ContactEmail","ExternalId"}`.
//!   Dates carry no offset and are UTC; `null` when absent.
//! - `POST /sandbox/dna/ContactApi.svc/ResendContactVerificationNotice` (same
//!   body) → 200 `{"OperationResult":"SUCCESS","ErrorCode":0,"OperationMessage":"Verification notice sent"}`.
//!
//! Errors use DNA's operation envelope
//! `{"OperationResult":"ERROR","ErrorCode":N,"OperationMessage":"..."}`.
//! DNA does not document ContactApi error codes, so the sandbox borrows the
//! EPP result codes DNA's domain API is built on:
//! - bad `UserName`/`Password`: **HTTP 401**, `2200` (authentication error);
//! - body not JSON: HTTP 400, `2001` (command syntax error);
//! - neither `ContactEmail` nor `ExternalId`: HTTP 200, `2003` (required
//!   parameter missing);
//! - unknown contact: HTTP 200, `2303` (object does not exist);
//! - resend on a `Validated` contact: HTTP 200, `2304` (object status
//!   prohibits operation), and no email is sent.
//!
//! Operation errors are HTTP 200, as WCF services return faults in the
//! envelope; only credentials and unparsable bodies change the status.
//! No resend throttle is documented for DNA, so none is applied.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::{json_response, Sandbox, DNA_PASSWORD, DNA_USERNAME};
use crate::scenarios::{registry, Provider};

/// Days a DNA verification key stays valid.
pub const KEY_VALIDITY_DAYS: i64 = 60;

/// One contact at DNA.
#[derive(Clone, Debug)]
pub(crate) struct DnaContact {
    pub(crate) email: String,
    pub(crate) external_id: String,
    pub(crate) status: &'static str,
    pub(crate) expiration: Option<DateTime<Utc>>,
    pub(crate) last_notification: Option<DateTime<Utc>>,
}

/// DNA's contacts.
#[derive(Debug, Default)]
pub(crate) struct DnaState {
    contacts: Vec<DnaContact>,
    synthetic: usize,
}

impl DnaState {
    pub(crate) fn seed(now: DateTime<Utc>) -> Self {
        let d = Duration::days;
        let h = Duration::hours;
        let contacts = registry()
            .iter()
            .filter(|c| c.provider == Provider::Dna)
            .map(|c| {
                let (status, expiration, last) = match c.state {
                    "not-started" => ("NotValidated", Some(now + d(55)), None),
                    "pending" => ("Pending", Some(now + d(12)), Some(now - h(26))),
                    "due-soon" => ("Pending", Some(now + h(30)), Some(now - d(2))),
                    "overdue" => ("Pending", Some(now - d(2)), Some(now - d(9))),
                    "verified" => ("Validated", None, Some(now - d(20))),
                    "expired" => ("Expired", Some(now - d(3)), Some(now - d(33))),
                    _ => ("Pending", Some(now + d(40)), Some(now - h(5))),
                };
                DnaContact {
                    email: c.email.clone(),
                    external_id: c.handle.clone().unwrap_or_default(),
                    status,
                    expiration,
                    last_notification: last,
                }
            })
            .collect();
        DnaState { contacts, synthetic: 0 }
    }

    pub(crate) fn add_synthetic(&mut self, now: DateTime<Utc>, count: usize) -> usize {
        for _ in 0..count {
            self.synthetic += 1;
            let n = self.synthetic;
            let statuses = ["Pending", "NotValidated", "Pending", "Validated", "Expired"];
            let status = statuses[n % statuses.len()];
            let offset = (n as i64 * 7919) % (70 * 24) - 10 * 24;
            self.contacts.push(DnaContact {
                email: format!("synthetic-{n}@dna.example"),
                external_id: format!("DNA-S{n}"),
                status,
                expiration: (status != "Validated").then(|| now + Duration::hours(offset)),
                last_notification: Some(now - Duration::hours((n % 200) as i64)),
            });
        }
        self.contacts.len()
    }

    fn find_mut(
        &mut self,
        email: Option<&str>,
        external_id: Option<&str>,
    ) -> Option<&mut DnaContact> {
        self.contacts.iter_mut().find(|c| match (email, external_id) {
            (Some(e), _) => c.email.eq_ignore_ascii_case(e),
            (None, Some(id)) => c.external_id.eq_ignore_ascii_case(id),
            (None, None) => false,
        })
    }
}

pub(crate) fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/ContactApi.svc/GetDetails", post(get_details))
        .route("/ContactApi.svc/ResendContactVerificationNotice", post(resend))
}

/// DNA's zone-less timestamp format; the sandbox writes UTC.
fn fmt_date(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.format("%Y-%m-%dT%H:%M:%S").to_string()))
}

fn envelope(status: StatusCode, code: u32, message: &str) -> Response {
    json_response(
        status,
        json!({ "OperationResult": "ERROR", "ErrorCode": code, "OperationMessage": message }),
    )
}

/// What identifies the contact in a request, after auth.
struct Target {
    email: Option<String>,
    external_id: Option<String>,
}

fn parse_request(body: &Bytes) -> Result<Target, Response> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Err(envelope(
            StatusCode::BAD_REQUEST,
            2001,
            "Command syntax error: request body must be a JSON object",
        ));
    };
    let field = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if field("UserName").as_deref() != Some(DNA_USERNAME)
        || field("Password").as_deref() != Some(DNA_PASSWORD)
    {
        return Err(envelope(
            StatusCode::UNAUTHORIZED,
            2200,
            "Authentication error: invalid UserName or Password",
        ));
    }
    let target = Target { email: field("ContactEmail"), external_id: field("ExternalId") };
    if target.email.is_none() && target.external_id.is_none() {
        return Err(envelope(
            StatusCode::OK,
            2003,
            "Required parameter missing: ContactEmail or ExternalId",
        ));
    }
    Ok(target)
}

fn not_found() -> Response {
    envelope(StatusCode::OK, 2303, "Contact not found")
}

async fn get_details(State(sb): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let t = match parse_request(&body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut st = sb.lock();
    let Some(c) = st.dna.find_mut(t.email.as_deref(), t.external_id.as_deref()) else {
        return not_found();
    };
    json_response(
        StatusCode::OK,
        json!({
            "VerificationStatus": c.status,
            "ExpirationDate": fmt_date(c.expiration),
            "LastNotificationDate": fmt_date(c.last_notification),
            "ContactEmail": c.email,
            "ExternalId": c.external_id,
        }),
    )
}

async fn resend(State(sb): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let t = match parse_request(&body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut guard = sb.lock();
    let st = &mut *guard;
    let now = st.now();
    let Some(c) = st.dna.find_mut(t.email.as_deref(), t.external_id.as_deref()) else {
        return not_found();
    };
    if c.status == "Validated" {
        return envelope(StatusCode::OK, 2304, "Contact email address is already validated");
    }
    // A fresh notice carries a fresh 60-day key when the old one lapsed or
    // none was sent; a pending verification keeps its deadline.
    if c.status != "Pending" {
        c.status = "Pending";
        c.expiration = Some(now + Duration::days(KEY_VALIDITY_DAYS));
    }
    c.last_notification = Some(now);
    let email = c.email.clone();
    st.emails.add(&email);
    json_response(
        StatusCode::OK,
        json!({ "OperationResult": "SUCCESS", "ErrorCode": 0, "OperationMessage": "Verification notice sent" }),
    )
}
