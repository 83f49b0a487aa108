//! Domain Name API over SOAP 1.1, like DNA's public `DomainApi.svc`
//! (WCF `BasicHttpBinding`).
//!
//! `POST {base_url}/{service_path}` with `Content-Type: text/xml;
//! charset=utf-8` and `SOAPAction: "{action_prefix}{Method}"`:
//!
//! ```xml
//! <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
//!     xmlns:tem="http://tempuri.org/" xmlns:a="…Olipso.Core.DataContracts">
//!   <soapenv:Body><tem:GetDetails><tem:request>
//!     <a:Password>…</a:Password><a:UserName>…</a:UserName>
//!     <a:ContactEmail>owner@shop.example</a:ContactEmail>
//!   </tem:request></tem:GetDetails></soapenv:Body></soapenv:Envelope>
//! ```
//!
//! The answer's `<GetDetailsResult>` carries `ErrorCode`,
//! `OperationMessage`, `OperationResult` (`SUCCESS`/`ERROR`) beside the
//! seed's fields. The gateway hands the widget the seed's JSON data model
//! (every field of the result, by its element name, `i:nil` as `null`),
//! which the core reads; a SOAP fault becomes DNA's error envelope
//! (`OperationResult: ERROR`, the fault's code and string). Every XML is
//! written and read with quick-xml: user data is escaped, never
//! concatenated into markup.

use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use serde_json::{Map, Value};

use super::{send, Answer, Failure};
use crate::gateway::config::DnaConfig;

/// SOAP 1.1's envelope namespace.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Whom a call is about: `ContactEmail`, or `ExternalId` (a handle such
/// as `DNA-111`).
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// By email.
    Email(&'a str),
    /// By external id.
    ExternalId(&'a str),
}

/// The client.
#[derive(Debug)]
pub struct Dna {
    config: DnaConfig,
    client: reqwest::Client,
}

impl Dna {
    /// A client for `config`.
    pub fn new(config: DnaConfig, client: reqwest::Client) -> Self {
        Dna { config, client }
    }

    /// `GetDetails` by email.
    ///
    /// # Errors
    /// The transport failed.
    pub async fn details(&self, email: &str) -> Result<Answer, Failure> {
        self.call("GetDetails", Target::Email(email)).await
    }

    /// `ResendContactVerificationNotice`, by external id when the contact
    /// has one, else by email.
    ///
    /// # Errors
    /// The transport failed.
    pub async fn resend(&self, target: Target<'_>) -> Result<Answer, Failure> {
        self.call("ResendContactVerificationNotice", target).await
    }

    /// `GetDetails` for the readiness probe's address, marked as a probe
    /// ([`super::PROBE_AGENT`]).
    ///
    /// # Errors
    /// The transport failed.
    pub async fn probe(&self) -> Result<Answer, Failure> {
        let req = self.request("GetDetails", Target::Email(crate::gateway::ready::DNA_PROBE_EMAIL));
        let answer = send(req.header("user-agent", super::PROBE_AGENT)).await?;
        Ok(to_json(answer, "GetDetails"))
    }

    fn request(&self, method: &str, target: Target<'_>) -> reqwest::RequestBuilder {
        let c = &self.config;
        let body = envelope(c, method, target);
        self.client
            .post(format!("{}/{}", c.base_url, c.service_path))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", format!("\"{}{method}\"", c.action_prefix))
            .body(body)
    }

    async fn call(&self, method: &str, target: Target<'_>) -> Result<Answer, Failure> {
        let answer = send(self.request(method, target)).await?;
        Ok(to_json(answer, method))
    }
}

/// The request envelope.
pub fn envelope(c: &DnaConfig, method: &str, target: Target<'_>) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    let same = c.fields_namespace == c.credentials_namespace;
    let mut root = BytesStart::new("soapenv:Envelope");
    root.push_attribute(("xmlns:soapenv", SOAP_ENV));
    root.push_attribute(("xmlns:tem", c.method_namespace.as_str()));
    root.push_attribute(("xmlns:a", c.credentials_namespace.as_str()));
    if !same {
        root.push_attribute(("xmlns:b", c.fields_namespace.as_str()));
    }
    let fields = if same { "a" } else { "b" };
    let (name, value) = match target {
        Target::Email(e) => ("ContactEmail", e),
        Target::ExternalId(id) => ("ExternalId", id),
    };
    // Writing to a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = w.write_event(Event::Start(root));
    let _ = w.write_event(Event::Start(BytesStart::new("soapenv:Body")));
    let _ = w.write_event(Event::Start(BytesStart::new(format!("tem:{method}"))));
    let _ = w.write_event(Event::Start(BytesStart::new("tem:request")));
    for (el, text) in [
        ("a:Password".to_owned(), c.password.expose()),
        ("a:UserName".to_owned(), c.username.expose()),
        (format!("{fields}:{name}"), value),
    ] {
        let _ = w.create_element(el.as_str()).write_text_content(BytesText::new(text));
    }
    let _ = w.write_event(Event::End(quick_xml::events::BytesEnd::new("tem:request")));
    let _ = w.write_event(Event::End(quick_xml::events::BytesEnd::new(format!("tem:{method}"))));
    let _ = w.write_event(Event::End(quick_xml::events::BytesEnd::new("soapenv:Body")));
    let _ = w.write_event(Event::End(quick_xml::events::BytesEnd::new("soapenv:Envelope")));
    w.into_inner()
}

/// What a SOAP answer says.
#[derive(Clone, Debug, PartialEq)]
pub enum Soap {
    /// `<{method}Result>`'s fields.
    Result(Map<String, Value>),
    /// A SOAP fault: `faultcode`, `faultstring`.
    Fault(String, String),
}

/// Reads a SOAP answer to `method`: the fields of `{method}Result` (or
/// of the first `…Result` element), or the fault. `None` when the body is
/// not a SOAP envelope.
pub fn read(xml: &str, method: &str) -> Option<Soap> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut in_result: Option<usize> = None;
    let mut fields = Map::new();
    let mut fault: Option<(String, String)> = None;
    let mut text = String::new();
    let mut saw_envelope = false;
    let wanted = format!("{method}Result");
    loop {
        match r.read_event().ok()? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                saw_envelope |= name == "Envelope";
                if in_result.is_none() && (name == wanted || name.ends_with("Result")) {
                    in_result = Some(path.len());
                }
                if name == "Fault" {
                    fault = Some((String::new(), String::new()));
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if in_result.is_some_and(|d| path.len() == d + 1) {
                    let nil = e.attributes().flatten().any(|a| {
                        a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true"
                    });
                    let v = if nil { Value::Null } else { Value::String(String::new()) };
                    fields.insert(name, v);
                }
            }
            Event::Text(t) => text.push_str(&t.unescape().ok()?),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let name = path.pop()?;
                if in_result.is_some_and(|d| path.len() == d + 1) {
                    fields.insert(name.clone(), Value::String(std::mem::take(&mut text)));
                } else if let Some((code, string)) = fault.as_mut() {
                    match name.as_str() {
                        "faultcode" => *code = std::mem::take(&mut text),
                        "faultstring" => *string = std::mem::take(&mut text),
                        _ => {}
                    }
                }
                if in_result == Some(path.len()) {
                    return Some(Soap::Result(fields));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_envelope {
        return None;
    }
    match fault {
        Some((code, string)) => Some(Soap::Fault(code, string)),
        None => Some(Soap::Result(fields)),
    }
}

/// The answer the widget gets: the result as the seed's JSON model, a
/// fault as DNA's error envelope, anything that is not SOAP unchanged (the
/// core reports an error page as such).
pub fn to_json(answer: Answer, method: &str) -> Answer {
    let Some(soap) = std::str::from_utf8(&answer.body).ok().and_then(|x| read(x, method)) else {
        return answer;
    };
    let body = match soap {
        Soap::Result(fields) => Value::Object(fields),
        Soap::Fault(code, string) => serde_json::json!({
            "OperationResult": "ERROR",
            "ErrorCode": if code.is_empty() { "SOAP-Fault".to_owned() } else { code },
            "OperationMessage": if string.is_empty() { "SOAP fault".to_owned() } else { string },
        }),
    };
    Answer { headers: answer.headers, ..Answer::json(answer.status, &body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::config::DNA_CREDENTIALS_NS;
    use crate::gateway::secret::Secret;

    fn config() -> DnaConfig {
        DnaConfig {
            base_url: "http://127.0.0.1:1".into(),
            username: Secret::new("user<&>"),
            password: Secret::new("p\"w'd"),
            service_path: "ContactApi.svc".into(),
            action_prefix: "http://tempuri.org/IContactApi/".into(),
            method_namespace: "http://tempuri.org/".into(),
            credentials_namespace: DNA_CREDENTIALS_NS.into(),
            fields_namespace: DNA_CREDENTIALS_NS.into(),
        }
    }

    #[test]
    fn user_data_is_escaped_never_markup() {
        let xml = envelope(&config(), "GetDetails", Target::Email("a</a:ContactEmail><x>@b.c"));
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("<tem:GetDetails><tem:request>"), "{xml}");
        assert!(xml.contains("a&lt;/a:ContactEmail&gt;&lt;x&gt;@b.c"), "{xml}");
        assert!(xml.contains("<a:UserName>user&lt;&amp;&gt;</a:UserName>"), "{xml}");
        // What the sandbox reads back is what was sent.
        let mut r = Reader::from_str(&xml);
        let mut texts = Vec::new();
        while let Ok(ev) = r.read_event() {
            match ev {
                Event::Text(t) => texts.push(t.unescape().unwrap().into_owned()),
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(texts, ["p\"w'd", "user<&>", "a</a:ContactEmail><x>@b.c"]);
    }

    #[test]
    fn results_faults_and_other_pages() {
        let ok = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
            <GetDetailsResponse xmlns="http://tempuri.org/"><GetDetailsResult
              xmlns:a="urn:x" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
            <a:ErrorCode>0</a:ErrorCode><a:OperationMessage>Ok &amp; done</a:OperationMessage>
            <a:OperationResult>SUCCESS</a:OperationResult>
            <a:VerificationStatus>Pending</a:VerificationStatus>
            <a:ExpirationDate>2026-04-05T10:00:00</a:ExpirationDate>
            <a:LastNotificationDate i:nil="true"/>
            <a:ContactEmail>ayse@example.com.tr</a:ContactEmail>
            </GetDetailsResult></GetDetailsResponse></s:Body></s:Envelope>"#;
        let Some(Soap::Result(f)) = read(ok, "GetDetails") else { panic!() };
        assert_eq!(f["VerificationStatus"], "Pending");
        assert_eq!(f["OperationMessage"], "Ok & done");
        assert_eq!(f["LastNotificationDate"], Value::Null);
        let fault = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
            <s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en">Authentication failed</faultstring></s:Fault>
            </s:Body></s:Envelope>"#;
        assert_eq!(
            read(fault, "GetDetails"),
            Some(Soap::Fault("s:Client".into(), "Authentication failed".into()))
        );
        assert_eq!(read("<html><body>502</body></html>", "GetDetails"), None);
        let page = Answer {
            status: 502,
            content_type: Some("text/html".into()),
            headers: vec![],
            body: "<html>bad gateway</html>".into(),
        };
        assert_eq!(to_json(page.clone(), "GetDetails"), page);
        let a =
            to_json(Answer { status: 500, body: fault.to_owned().into(), ..page }, "GetDetails");
        assert_eq!(a.status, 500);
        assert_eq!(a.body_json().unwrap()["OperationResult"], "ERROR");
    }
}
