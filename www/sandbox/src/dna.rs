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
//!   for absent dates), inside `ContactInfo` or beside them (`dna_flat` in
//!   the fault switches). Bad credentials or an unreadable envelope are a
//!   SOAP fault (`s:Client`, HTTP 401 or 400 as below); other errors are an
//!   `ERROR` result. As strict as WCF: the method element and `request` in
//!   `http://tempuri.org/` (else a 500 fault), `UserName`/`Password` in
//!   [`CREDENTIALS_NS`], `ContactEmail`/`ExternalId` in [`CONTRACT_NS`]; a
//!   field in another namespace is ignored (a missing credential is then
//!   401, a missing contact `2003`).
//! - `GET /sandbox/dna/ContactApi.svc?singleWsdl`: the WSDL, in WCF's
//!   single-file shape, describing the layout in force.
//!
//! - `POST /sandbox/dna/ContactApi.svc/GetDetails`
//!   `{"UserName","Password","ContactEmail"}` or `{..,"ExternalId"}` → 200
//!   `{"VerificationStatus","ExpirationDate","LastNotificationDate","ContactEmail","ExternalId"}`.
//!   Dates carry no offset and are in the sandbox's zone for DNA (`zones`
//!   in the fault switches; UTC unless set); `null` when absent.
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
        .route("/ContactApi.svc", post(soap).get(get_wsdl))
        .route("/ContactApi.svc/GetDetails", post(get_details))
        .route("/ContactApi.svc/ResendContactVerificationNotice", post(resend))
}

/// DNA's zone-less timestamp format, written in the sandbox's zone for DNA
/// (`zones` in the fault switches; UTC unless set).
fn fmt_date(t: Option<DateTime<Utc>>, zone: chrono_tz::Tz) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.with_timezone(&zone).format("%Y-%m-%dT%H:%M:%S").to_string())
    })
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
    let zone = st.zone("dna");
    let Some(c) = st.dna.find_mut(t.email.as_deref(), t.external_id.as_deref()) else {
        return not_found();
    };
    json_response(
        StatusCode::OK,
        json!({
            "VerificationStatus": c.status,
            "ExpirationDate": fmt_date(c.expiration, zone),
            "LastNotificationDate": fmt_date(c.last_notification, zone),
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

/// The contract's own namespace (its request and result types), by
/// analogy with `DomainApi.svc`'s `…DomainApiContracts`.
pub const CONTRACT_NS: &str =
    "http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts";
/// The credentials' and the base response's namespace.
pub const CREDENTIALS_NS: &str =
    "http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts";
const METHOD_NS: &str = "http://tempuri.org/";
const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// How `GetDetailsResult` carries the contact: inside `ContactInfo` (as
/// DomainApi nests `DomainInfo`), or beside the envelope's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Layout {
    /// `GetDetailsResult/ContactInfo/VerificationStatus`.
    #[default]
    Nested,
    /// `GetDetailsResult/VerificationStatus`.
    Flat,
}

/// The service's WSDL in WCF's single-file shape, for `layout`.
pub fn wsdl(layout: Layout) -> String {
    let contact =
        r#"<xs:element minOccurs="0" name="ContactInfo" nillable="true" type="tns:ContactInfo"/>"#;
    let flat = [
        r#"<xs:element minOccurs="0" name="ContactEmail" nillable="true" type="xs:string"/>"#,
        r#"<xs:element minOccurs="0" name="ExpirationDate" nillable="true" type="xs:dateTime"/>"#,
        r#"<xs:element minOccurs="0" name="ExternalId" nillable="true" type="xs:string"/>"#,
        r#"<xs:element minOccurs="0" name="LastNotificationDate" nillable="true" type="xs:dateTime"/>"#,
        r#"<xs:element minOccurs="0" name="VerificationStatus" nillable="true" type="xs:string"/>"#,
    ]
    .join("\n");
    include_str!("ContactApi.wsdl").replace(
        "{details}",
        match layout {
            Layout::Nested => contact,
            Layout::Flat => &flat,
        },
    )
}

/// `GET /sandbox/dna/ContactApi.svc?singleWsdl` (WCF takes the query in
/// any case; `?wsdl` too).
async fn get_wsdl(
    State(sb): State<Arc<Sandbox>>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
) -> Response {
    use axum::response::IntoResponse;
    let q = q.unwrap_or_default().to_ascii_lowercase();
    if q != "singlewsdl" && q != "wsdl" {
        return (StatusCode::BAD_REQUEST, "Metadata publishing: ask for ?singleWsdl")
            .into_response();
    }
    let layout = sb.lock().dna_layout();
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let body =
        wsdl(layout).replace("{address}", &format!("http://{host}/sandbox/dna/ContactApi.svc"));
    (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "text/xml; charset=UTF-8")], body)
        .into_response()
}

/// The request's fields, read as WCF reads them: the method element in
/// `http://tempuri.org/`, its `request` there too, `UserName`/`Password`
/// in the credentials' namespace, `ContactEmail`/`ExternalId` in the
/// contract's. An element in another namespace is ignored, silently, as
/// WCF's DataContract serializer does. `Err` says why the body is not the
/// method's envelope.
fn soap_fields(xml: &str, method: &str) -> Result<serde_json::Map<String, Value>, String> {
    use quick_xml::events::Event;
    use quick_xml::name::{Namespace, ResolveResult};
    let mut r = quick_xml::NsReader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut path: Vec<(String, String)> = Vec::new();
    let mut fields = serde_json::Map::new();
    let mut text = String::new();
    let mut saw_method = false;
    loop {
        let (ns, ev) = r.read_resolved_event().map_err(|e| format!("not XML: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(Namespace(n)) => String::from_utf8_lossy(n).into_owned(),
            _ => String::new(),
        };
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let expected: &[(&str, &str)] =
                    &[(SOAP_ENV, "Envelope"), (SOAP_ENV, "Body"), (METHOD_NS, method)];
                if path.len() == 2
                    && path.iter().zip(expected).all(|((pn, pl), (en, el))| pn == en && pl == el)
                {
                    // The Body's child must be the method, in its namespace.
                    if ns != METHOD_NS || name != method {
                        return Err(format!(
                            "OperationFormatter encountered an invalid Message body. Expected to find node type 'Element' with name '{method}' and namespace '{METHOD_NS}'. Found node type 'Element' with name '{name}' and namespace '{ns}'"
                        ));
                    }
                    saw_method = true;
                }
                path.push((ns, name));
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.unescape().map_err(|e| e.to_string())?),
            Event::End(_) => {
                let (ns, name) = path.pop().unwrap_or_default();
                let under_request = path.len() == 4
                    && path[2] == (METHOD_NS.to_owned(), method.to_owned())
                    && path[3] == (METHOD_NS.to_owned(), "request".to_owned());
                let wanted = match name.as_str() {
                    "UserName" | "Password" => CREDENTIALS_NS,
                    "ContactEmail" | "ExternalId" => CONTRACT_NS,
                    _ => "",
                };
                if under_request && !wanted.is_empty() && ns == wanted {
                    fields.insert(name, Value::String(std::mem::take(&mut text)));
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if saw_method {
        Ok(fields)
    } else {
        Err("The request is not a SOAP envelope".into())
    }
}

fn soap_fault(status: StatusCode, message: &str) -> Response {
    use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
    let mut w = quick_xml::Writer::new(Vec::new());
    let mut env = BytesStart::new("s:Envelope");
    env.push_attribute(("xmlns:s", SOAP_ENV));
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

/// The contact's fields of a `GetDetails` answer (WCF orders a type's
/// members by name).
const CONTACT_FIELDS: [&str; 5] =
    ["ContactEmail", "ExpirationDate", "ExternalId", "LastNotificationDate", "VerificationStatus"];

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
    let fields = match std::str::from_utf8(&body)
        .map_err(|e| e.to_string())
        .and_then(|x| soap_fields(x, method))
    {
        Ok(f) => f,
        Err(why) if why.starts_with("OperationFormatter") => {
            return soap_fault(StatusCode::INTERNAL_SERVER_ERROR, &why)
        }
        Err(_) => return soap_fault(StatusCode::BAD_REQUEST, "The request is not a SOAP envelope"),
    };
    let json_body = Bytes::from(Value::Object(fields).to_string());
    let layout = sb.lock().dna_layout();
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
    let base = [
        ("ErrorCode", map.get("ErrorCode").cloned().unwrap_or(json!(0))),
        ("OperationMessage", map.get("OperationMessage").cloned().unwrap_or(json!(""))),
        ("OperationResult", map.get("OperationResult").cloned().unwrap_or(json!("SUCCESS"))),
    ];
    let contact: Vec<(&str, Value)> =
        CONTACT_FIELDS.iter().filter_map(|k| Some((*k, map.get(*k)?.clone()))).collect();
    let mut w = quick_xml::Writer::new(Vec::new());
    let write = |w: &mut quick_xml::Writer<Vec<u8>>, name: String, v: &Value| match v {
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
    };
    let mut env = BytesStart::new("s:Envelope");
    env.push_attribute(("xmlns:s", SOAP_ENV));
    let _ = w.write_event(Event::Start(env));
    let _ = w.write_event(Event::Start(BytesStart::new("s:Body")));
    let mut response = BytesStart::new(format!("{method}Response"));
    response.push_attribute(("xmlns", METHOD_NS));
    let _ = w.write_event(Event::Start(response));
    let mut result = BytesStart::new(format!("{method}Result"));
    result.push_attribute(("xmlns:a", CREDENTIALS_NS));
    result.push_attribute(("xmlns:b", CONTRACT_NS));
    result.push_attribute(("xmlns:i", "http://www.w3.org/2001/XMLSchema-instance"));
    let _ = w.write_event(Event::Start(result));
    for (k, v) in &base {
        write(&mut w, format!("a:{k}"), v);
    }
    if !contact.is_empty() {
        match layout {
            Layout::Nested => {
                let _ = w.write_event(Event::Start(BytesStart::new("b:ContactInfo")));
                for (k, v) in &contact {
                    write(&mut w, format!("b:{k}"), v);
                }
                let _ = w.write_event(Event::End(BytesEnd::new("b:ContactInfo")));
            }
            Layout::Flat => {
                for (k, v) in &contact {
                    write(&mut w, format!("b:{k}"), v);
                }
            }
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new(format!("{method}Result"))));
    let _ = w.write_event(Event::End(BytesEnd::new(format!("{method}Response"))));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Body")));
    let _ = w.write_event(Event::End(BytesEnd::new("s:Envelope")));
    xml_response(StatusCode::OK, w.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use verification_gateway::config::{DnaConfig, DNA_CREDENTIALS_NS};
    use verification_gateway::secret::Secret;
    use verification_gateway::upstream::dna::{Origin, Resolved, Sourced};
    use verification_gateway::upstream::wsdl::{self, QName};

    #[test]
    fn the_contract_namespace_is_the_gateways_default() {
        assert_eq!(CONTRACT_NS, verification_gateway::config::DNA_FIELDS_NS);
        assert_eq!(CREDENTIALS_NS, DNA_CREDENTIALS_NS);
    }

    #[test]
    fn the_sandbox_wsdl_in_wcf_shape() {
        for layout in [Layout::Nested, Layout::Flat] {
            let c = wsdl::read(&wsdl(layout)).unwrap();
            let op = &c.operations["GetDetails"];
            assert_eq!(op.soap_action, "http://tempuri.org/IContactApi/GetDetails");
            assert_eq!(
                op.method,
                QName { ns: "http://tempuri.org/".into(), name: "GetDetails".into() }
            );
            assert_eq!(
                op.request,
                QName { ns: "http://tempuri.org/".into(), name: "request".into() }
            );
            assert_eq!(op.field_ns("UserName"), Some(CREDENTIALS_NS));
            assert_eq!(op.field_ns("Password"), Some(CREDENTIALS_NS));
            assert_eq!(op.field_ns("ContactEmail"), Some(CONTRACT_NS));
            assert_eq!(op.field_ns("ExternalId"), Some(CONTRACT_NS));
            assert_eq!(op.result.name, "GetDetailsResult");
            let paths: Vec<&str> = op.result_fields.iter().map(|f| f.path.as_str()).collect();
            assert!(paths.contains(&"ErrorCode"), "{paths:?}");
            let status = match layout {
                Layout::Nested => "ContactInfo/VerificationStatus",
                Layout::Flat => "VerificationStatus",
            };
            assert!(paths.contains(&status), "{paths:?}");
            let resend = &c.operations["ResendContactVerificationNotice"];
            assert_eq!(resend.field_ns("ExternalId"), Some(CONTRACT_NS));
        }
    }

    #[test]
    fn prefixes_are_resolved_not_compared() {
        // The same contract with other prefixes (and a default namespace)
        // reads the same.
        let xml = wsdl(Layout::Flat)
            .replace("xs:", "xsd:")
            .replace("xmlns:xs=", "xmlns:xsd=")
            .replace("wsdl:", "w:")
            .replace("xmlns:wsdl=", "xmlns:w=");
        let c = wsdl::read(&xml).unwrap();
        assert_eq!(c.operations["GetDetails"].field_ns("ContactEmail"), Some(CONTRACT_NS));
    }
    #[test]
    fn the_wsdl_gives_every_name_and_a_setting_that_disagrees_is_named() {
        let w = wsdl::read(&wsdl(Layout::Nested)).unwrap();
        let mut c = DnaConfig::with_defaults(
            "http://127.0.0.1:1".into(),
            Secret::new("u"),
            Secret::new("p"),
        );
        let r = Resolved::new(&c, Ok(&w));
        assert!(r.confirmed.is_ok() && r.problems.is_empty(), "{r:?}");
        let call = &r.calls["ResendContactVerificationNotice"];
        assert_eq!(
            call.fields["ExternalId"],
            Sourced { value: CONTRACT_NS.into(), origin: Origin::Wsdl }
        );
        assert_eq!(call.soap_action.origin, Origin::Wsdl);
        // The old default: the fields in the credentials' namespace.
        c.fields_namespace = Some(DNA_CREDENTIALS_NS.into());
        let r = Resolved::new(&c, Ok(&w));
        assert_eq!(r.calls["GetDetails"].fields["ContactEmail"].origin, Origin::Config);
        assert!(
            r.problems.iter().any(|p| p.starts_with("field `ContactEmail`'s namespace is `http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts` (from `fields_namespace`), the WSDL says `")
                && p.ends_with("remove `fields_namespace` from the config")),
            "{:?}",
            r.problems
        );
        // A setting that agrees is no problem.
        c.fields_namespace = Some(CONTRACT_NS.into());
        assert!(Resolved::new(&c, Ok(&w)).problems.is_empty());
    }

    fn envelope(fields_ns: &str, method_ns: &str) -> String {
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:tem="{method_ns}" xmlns:a="{CREDENTIALS_NS}" xmlns:b="{fields_ns}"><soapenv:Body><tem:GetDetails><tem:request><a:Password>p</a:Password><a:UserName>u</a:UserName><b:ContactEmail>x@y.z</b:ContactEmail></tem:request></tem:GetDetails></soapenv:Body></soapenv:Envelope>"#
        )
    }

    #[test]
    fn fields_in_another_namespace_are_ignored_as_wcf_does() {
        let ok = soap_fields(&envelope(CONTRACT_NS, METHOD_NS), "GetDetails").unwrap();
        assert_eq!(ok["ContactEmail"], "x@y.z");
        assert_eq!(ok["UserName"], "u");
        let wrong = soap_fields(&envelope(CREDENTIALS_NS, METHOD_NS), "GetDetails").unwrap();
        assert!(!wrong.contains_key("ContactEmail"), "{wrong:?}");
        assert_eq!(wrong["Password"], "p");
        let method = soap_fields(&envelope(CONTRACT_NS, "urn:other"), "GetDetails").unwrap_err();
        assert!(method.contains("Expected to find node type 'Element' with name 'GetDetails'"));
        assert!(soap_fields("<html/>", "GetDetails").is_err());
    }
}
