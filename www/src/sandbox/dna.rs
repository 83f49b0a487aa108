//! Domain Name API `ContactApi.svc`, over SOAP 1.1 as the gateway calls it,
//! and the JSON flavour the demo pass-through uses.
//!
//! - `POST /sandbox/dna/ContactApi.svc` with `SOAPAction:
//!   "http://tempuri.org/IContactApi/<Method>"` and a SOAP 1.1 envelope
//!   (`<tem:GetDetails><tem:request>` holding `UserName`, `Password` and
//!   `ContactEmail` or `ExternalId`, namespaces as DNA's public
//!   `DomainApi.svc`): the same methods and rules as below, answered as
//!   `<GetDetailsResponse><GetDetailsResult>` with `ErrorCode`,
//!   `OperationMessage`, `OperationResult` and the seed's fields (`i:nil`
//!   for absent dates). Bad credentials or an unreadable envelope are a
//!   SOAP fault (`s:Client`, HTTP 401 or 400 as below); other errors are an
//!   `ERROR` result.
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
        .route("/ContactApi.svc", post(soap))
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

/// The SOAP method a request names: its `SOAPAction`'s last segment.
pub(crate) fn soap_method(headers: &axum::http::HeaderMap) -> Option<&'static str> {
    let action = headers.get("soapaction")?.to_str().ok()?.trim().trim_matches('"');
    match action.rsplit('/').next()? {
        "GetDetails" => Some("GetDetails"),
        "ResendContactVerificationNotice" => Some("ResendContactVerificationNotice"),
        _ => None,
    }
}

/// The request's fields by local name (`UserName`, `Password`,
/// `ContactEmail`, `ExternalId`), read with quick-xml.
fn soap_fields(xml: &str) -> Option<serde_json::Map<String, Value>> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut fields = serde_json::Map::new();
    let mut current: Option<String> = None;
    let mut envelope = false;
    loop {
        match r.read_event().ok()? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                envelope |= name == "Envelope";
                current = Some(name);
            }
            Event::Text(t) => {
                if let Some(name) = &current {
                    let text = t.unescape().ok()?.into_owned();
                    if ["UserName", "Password", "ContactEmail", "ExternalId"]
                        .contains(&name.as_str())
                    {
                        fields.insert(name.clone(), Value::String(text));
                    }
                }
            }
            Event::End(_) => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    envelope.then_some(fields)
}

fn soap_fault(status: StatusCode, message: &str) -> Response {
    use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
    let mut w = quick_xml::Writer::new(Vec::new());
    let mut env = BytesStart::new("s:Envelope");
    env.push_attribute(("xmlns:s", "http://schemas.xmlsoap.org/soap/envelope/"));
    let _ = w.write_event(Event::Start(env));
    let _ = w.write_event(Event::Start(BytesStart::new("s:Body")));
    let _ = w.write_event(Event::Start(BytesStart::new("s:Fault")));
    let _ = w.create_element("faultcode").write_text_content(BytesText::new("s:Client"));
    let _ = w.create_element("faultstring").write_text_content(BytesText::new(message));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Fault")));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Body")));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Envelope")));
    xml_response(status, w.into_inner())
}

fn xml_response(status: StatusCode, body: Vec<u8>) -> Response {
    use axum::response::IntoResponse;
    (status, [(axum::http::header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// `POST /sandbox/dna/ContactApi.svc`: the JSON flavour's rules, in SOAP.
async fn soap(
    State(sb): State<Arc<Sandbox>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
    let Some(method) = soap_method(&headers) else {
        return soap_fault(StatusCode::INTERNAL_SERVER_ERROR, "Unknown SOAPAction");
    };
    let Some(fields) = std::str::from_utf8(&body).ok().and_then(soap_fields) else {
        return soap_fault(StatusCode::BAD_REQUEST, "The request is not a SOAP envelope");
    };
    let json_body = Bytes::from(Value::Object(fields).to_string());
    let answer = match method {
        "GetDetails" => get_details(State(sb), json_body).await,
        _ => resend(State(sb), json_body).await,
    };
    let status = answer.status();
    let bytes = axum::body::to_bytes(answer.into_body(), 1 << 20).await.unwrap_or_default();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let Some(map) = v.as_object() else {
        return soap_fault(StatusCode::INTERNAL_SERVER_ERROR, "The sandbox could not answer");
    };
    if status != StatusCode::OK {
        // Credentials and unreadable requests: a fault with the JSON
        // flavour's status (401, 400).
        let message = map.get("OperationMessage").and_then(Value::as_str).unwrap_or("Error");
        return soap_fault(status, message);
    }
    let mut fields = serde_json::Map::new();
    fields.insert("ErrorCode".into(), map.get("ErrorCode").cloned().unwrap_or(json!(0)));
    fields.insert(
        "OperationMessage".into(),
        map.get("OperationMessage").cloned().unwrap_or(json!("")),
    );
    fields.insert(
        "OperationResult".into(),
        map.get("OperationResult").cloned().unwrap_or(json!("SUCCESS")),
    );
    for (k, v) in map {
        fields.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut w = quick_xml::Writer::new(Vec::new());
    let mut env = BytesStart::new("s:Envelope");
    env.push_attribute(("xmlns:s", "http://schemas.xmlsoap.org/soap/envelope/"));
    let _ = w.write_event(Event::Start(env));
    let _ = w.write_event(Event::Start(BytesStart::new("s:Body")));
    let mut response = BytesStart::new(format!("{method}Response"));
    response.push_attribute(("xmlns", "http://tempuri.org/"));
    let _ = w.write_event(Event::Start(response));
    let mut result = BytesStart::new(format!("{method}Result"));
    result.push_attribute(("xmlns:a", crate::gateway::config::DNA_CREDENTIALS_NS));
    result.push_attribute(("xmlns:i", "http://www.w3.org/2001/XMLSchema-instance"));
    let _ = w.write_event(Event::Start(result));
    for (k, v) in &fields {
        let name = format!("a:{k}");
        match v {
            Value::Null => {
                let mut el = BytesStart::new(name);
                el.push_attribute(("i:nil", "true"));
                let _ = w.write_event(Event::Empty(el));
            }
            Value::String(s) => {
                let _ = w.create_element(name.as_str()).write_text_content(BytesText::new(s));
            }
            other => {
                let text = other.to_string();
                let _ = w.create_element(name.as_str()).write_text_content(BytesText::new(&text));
            }
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new(format!("{method}Result"))));
    let _ = w.write_event(Event::End(BytesEnd::new(format!("{method}Response"))));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Body")));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Envelope")));
    xml_response(StatusCode::OK, w.into_inner())
}
