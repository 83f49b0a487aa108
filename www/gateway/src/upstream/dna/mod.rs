//! Domain Name API over SOAP 1.1, like DNA's public `DomainApi.svc`
//! (WCF `BasicHttpBinding`).
//!
//! `POST {base_url}/{service_path}` with `Content-Type: text/xml;
//! charset=utf-8` and `SOAPAction: "…/IContactApi/{Method}"`:
//!
//! ```xml
//! <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
//!     xmlns:tem="http://tempuri.org/" xmlns:n1="…Olipso.Core.DataContracts"
//!     xmlns:n2="…Olipso.ExternalApi.Core.DataContracts.ContactApiContracts">
//!   <soapenv:Body><tem:GetDetails><tem:request>
//!     <n1:Password>…</n1:Password><n1:UserName>…</n1:UserName>
//!     <n2:ContactEmail>owner@shop.example</n2:ContactEmail>
//!   </tem:request></tem:GetDetails></soapenv:Body></soapenv:Envelope>
//! ```
//!
//! **The contract** (each operation's `SOAPAction`, the method element's
//! namespace, the request wrapper, each field's namespace) comes from the
//! service's own WSDL, `{base_url}/{service_path}?singleWsdl`, read by the
//! first readiness probe and by `check` ([`wsdl`]). WCF
//! ignores an element in the wrong namespace without an error, so a field
//! in the wrong one means a call without it. A name set in `[dna]`
//! overrides the WSDL; without the WSDL, the defaults follow
//! `DomainApi.svc`'s published conventions (credentials in
//! `…/Olipso.Core.DataContracts`, the method's own fields in the
//! contract's own namespace) and `/readyz` says the contract is
//! unconfirmed, and why. Each value knows where it came from
//! ([`Origin`]).
//!
//! **The answer's** `<GetDetailsResult>` carries `ErrorCode`,
//! `OperationMessage`, `OperationResult` (`SUCCESS`/`ERROR`) and the seed's
//! fields, flat or nested in a sub-object (as `DomainApi` wraps
//! `DomainInfo`): the reader finds each known field at any depth; one found
//! twice is an `UnexpectedShape` error naming both paths, never a silent
//! pick. The gateway hands the widget the seed's JSON data model (the known
//! fields and the result's other direct fields, by element name, `i:nil`
//! as `null`; offset-less dates rewritten in `timezone`, see
//! [`zone`]), which the core reads; a SOAP fault becomes DNA's
//! error envelope (`OperationResult: ERROR`, the fault's code and string).
//! Every XML is written and read with quick-xml: user data is escaped,
//! never concatenated into markup.

use std::collections::BTreeMap;
use std::sync::RwLock;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

mod answer;

pub use answer::{read, to_json, Soap};

use super::wsdl::{self, Contract};
use super::{send, zone, Answer, Failure};
use crate::config::{DnaConfig, DNA_CREDENTIALS_NS, DNA_FIELDS_NS};

/// SOAP 1.1's envelope namespace.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// The operations the gateway calls.
pub const OPERATIONS: [&str; 2] = ["GetDetails", "ResendContactVerificationNotice"];

/// The request fields the gateway sends, and the section key that
/// overrides each one's namespace.
const FIELDS: [(&str, &str); 4] = [
    ("UserName", "credentials_namespace"),
    ("Password", "credentials_namespace"),
    ("ContactEmail", "fields_namespace"),
    ("ExternalId", "fields_namespace"),
];

/// The answer's fields the core reads, found at any depth of the result.
pub const KNOWN_FIELDS: [&str; 8] = [
    "ErrorCode",
    "OperationMessage",
    "OperationResult",
    "VerificationStatus",
    "ExpirationDate",
    "LastNotificationDate",
    "ContactEmail",
    "ExternalId",
];

/// The date fields, rewritten from `timezone`.
pub const DATE_FIELDS: [&str; 2] = ["ExpirationDate", "LastNotificationDate"];

/// Whom a call is about: `ContactEmail`, or `ExternalId` (a handle such
/// as `DNA-111`).
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// By email.
    Email(&'a str),
    /// By external id.
    ExternalId(&'a str),
}

/// Where a contract value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The service's WSDL.
    Wsdl,
    /// A key of `[dna]`.
    Config,
    /// `DomainApi.svc`'s conventions.
    Default,
}

impl Origin {
    /// `wsdl`, `config` or `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Wsdl => "wsdl",
            Origin::Config => "config",
            Origin::Default => "default",
        }
    }
}

/// A value and its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced {
    /// The value.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

/// One operation as the client calls it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// `SOAPAction`.
    pub soap_action: Sourced,
    /// The method element's namespace.
    pub method_ns: Sourced,
    /// The request wrapper's name (`request`) and namespace.
    pub request: (String, Sourced),
    /// Each request field's namespace.
    pub fields: BTreeMap<&'static str, Sourced>,
}

/// The contract in force: each operation, whether the WSDL confirmed it,
/// and what disagrees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Operation name → how it is called.
    pub calls: BTreeMap<&'static str, Call>,
    /// `Ok` when read from the WSDL; else why not.
    pub confirmed: Result<(), String>,
    /// What a setting or the WSDL itself gets wrong: each a sentence
    /// saying what to change.
    pub problems: Vec<String>,
}

impl Resolved {
    /// The contract for `config`, from `wsdl` when it was read.
    pub fn new(c: &DnaConfig, wsdl: Result<&Contract, &str>) -> Self {
        let mut problems = Vec::new();
        let mut calls = BTreeMap::new();
        let mut missing = Vec::new();
        for method in OPERATIONS {
            let op = wsdl.ok().and_then(|w| w.operations.get(method));
            if wsdl.is_ok() && op.is_none() {
                problems.push(format!("the WSDL has no operation `{method}`"));
            }
            let action = c.action_prefix.as_ref().map(|p| format!("{p}{method}"));
            let mut pick = |setting: Option<&String>,
                            key: &str,
                            what: String,
                            from_wsdl: Option<&str>,
                            default: String| {
                let (v, problem) = pick(setting, key, what, from_wsdl, default);
                problems.extend(problem);
                v
            };
            let soap_action = pick(
                action.as_ref(),
                "action_prefix",
                format!("`{method}`'s SOAPAction"),
                op.map(|o| o.soap_action.as_str()).filter(|a| !a.is_empty()),
                format!("http://tempuri.org/IContactApi/{method}"),
            );
            let method_ns = pick(
                c.method_namespace.as_ref(),
                "method_namespace",
                format!("the element `{method}`'s namespace"),
                op.map(|o| o.method.ns.as_str()),
                "http://tempuri.org/".into(),
            );
            let request_name = op.map_or("request".to_owned(), |o| o.request.name.clone());
            let request_ns = pick(
                c.method_namespace.as_ref(),
                "method_namespace",
                format!("`{method}`'s `{request_name}` namespace"),
                op.map(|o| o.request.ns.as_str()),
                "http://tempuri.org/".into(),
            );
            let mut fields = BTreeMap::new();
            for (name, key) in FIELDS {
                let setting = match key {
                    "credentials_namespace" => c.credentials_namespace.as_ref(),
                    _ => c.fields_namespace.as_ref(),
                };
                let declared = op.and_then(|o| o.field_ns(name));
                if op.is_some() && declared.is_none() {
                    missing.push(format!("the WSDL's `{method}` request has no field `{name}`"));
                }
                let default =
                    if key == "credentials_namespace" { DNA_CREDENTIALS_NS } else { DNA_FIELDS_NS };
                let ns = pick(
                    setting,
                    key,
                    format!("field `{name}`'s namespace"),
                    declared,
                    default.to_owned(),
                );
                fields.insert(name, ns);
            }
            calls.insert(
                method,
                Call { soap_action, method_ns, request: (request_name, request_ns), fields },
            );
        }
        problems.extend(missing);
        problems.dedup();
        let confirmed = match wsdl {
            Ok(_) => Ok(()),
            Err(why) => Err(why.to_owned()),
        };
        Resolved { calls, confirmed, problems }
    }

    /// One line for `/readyz` and the log.
    pub fn describe(&self) -> String {
        match &self.confirmed {
            Ok(()) if self.problems.is_empty() => "the contract is read from the WSDL".into(),
            Ok(()) => format!("the contract is read from the WSDL; {}", self.problems.join("; ")),
            Err(why) => format!(
                "the contract is unconfirmed ({why}); calling with DomainApi.svc's conventions"
            ),
        }
    }
}

/// A value from a setting, else the WSDL, else the default; and the
/// problem when the setting and the WSDL disagree.
fn pick(
    setting: Option<&String>,
    key: &str,
    what: String,
    from_wsdl: Option<&str>,
    default: String,
) -> (Sourced, Option<String>) {
    match (setting, from_wsdl) {
        (Some(v), Some(w)) if v != w => (
            Sourced { value: v.clone(), origin: Origin::Config },
            Some(format!(
                "{what} is `{v}` (from `{key}`), the WSDL says `{w}`: remove `{key}` from the config"
            )),
        ),
        (Some(v), _) => (Sourced { value: v.clone(), origin: Origin::Config }, None),
        (None, Some(w)) => (Sourced { value: w.to_owned(), origin: Origin::Wsdl }, None),
        (None, None) => (Sourced { value: default, origin: Origin::Default }, None),
    }
}

/// The client.
#[derive(Debug)]
pub struct Dna {
    config: DnaConfig,
    client: reqwest::Client,
    contract: RwLock<Resolved>,
}

impl Dna {
    /// A client for `config`, calling with the configured names and the
    /// conventions until [`Dna::load_contract`] reads the WSDL.
    pub fn new(config: DnaConfig, client: reqwest::Client) -> Self {
        let contract = Resolved::new(&config, Err("the WSDL has not been read yet"));
        Dna { config, client, contract: RwLock::new(contract) }
    }

    /// The WSDL's address.
    pub fn wsdl_url(&self) -> String {
        format!("{}/{}?singleWsdl", self.config.base_url, self.config.service_path)
    }

    /// Reads the service's WSDL.
    ///
    /// # Errors
    /// Why it could not be read, in words without the URL's secrets (it
    /// has none) or the body.
    pub async fn fetch_wsdl(&self) -> Result<Contract, String> {
        let res = self
            .client
            .get(self.wsdl_url())
            .header("user-agent", super::PROBE_AGENT)
            .send()
            .await
            .map_err(|e| {
                format!("the WSDL could not be fetched: {}", Failure::from(e).describe())
            })?;
        if !res.status().is_success() {
            return Err(format!("the WSDL answered HTTP {}", res.status().as_u16()));
        }
        // Read at most `MAX_BYTES`, whatever the answer says of its length.
        let too_big = || format!("the WSDL is larger than {} bytes", wsdl::MAX_BYTES);
        if res.content_length().is_some_and(|n| n > wsdl::MAX_BYTES as u64) {
            return Err(too_big());
        }
        let mut res = res;
        let mut bytes = Vec::new();
        while let Some(chunk) =
            res.chunk().await.map_err(|_| "the WSDL's body could not be read".to_owned())?
        {
            if bytes.len() + chunk.len() > wsdl::MAX_BYTES {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(bytes).map_err(|_| "the WSDL is not UTF-8".to_owned())?;
        wsdl::read(&text).map_err(|e| format!("the WSDL could not be read: {e}"))
    }

    /// Reads the WSDL and calls with what it says from now on; the
    /// contract in force.
    pub async fn load_contract(&self) -> Resolved {
        let fetched = self.fetch_wsdl().await;
        let resolved = Resolved::new(&self.config, fetched.as_ref().map_err(String::as_str));
        let mut current = self.contract.write().unwrap_or_else(|e| e.into_inner());
        // A WSDL read once is kept when a later read fails.
        if resolved.confirmed.is_ok() || current.confirmed.is_err() {
            if *current != resolved {
                match &resolved.confirmed {
                    Ok(()) => tracing::info!(contract = %resolved.describe(), "DNA contract"),
                    Err(_) => tracing::warn!(contract = %resolved.describe(), "DNA contract"),
                }
            }
            *current = resolved;
        }
        current.clone()
    }

    /// The contract in force.
    pub fn contract(&self) -> Resolved {
        self.contract.read().unwrap_or_else(|e| e.into_inner()).clone()
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
        let req = self.request("GetDetails", Target::Email(crate::ready::DNA_PROBE_EMAIL));
        let answer = send(req.header("user-agent", super::PROBE_AGENT)).await?;
        Ok(self.to_json(answer, "GetDetails"))
    }

    fn request(&self, method: &str, target: Target<'_>) -> reqwest::RequestBuilder {
        let c = &self.config;
        // Read under the lock, not copied: every call comes through here.
        let (body, action) = {
            let contract = self.contract.read().unwrap_or_else(|e| e.into_inner());
            let call = &contract.calls[method_key(method)];
            (envelope(c, call, method, target), call.soap_action.value.clone())
        };
        self.client
            .post(format!("{}/{}", c.base_url, c.service_path))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", format!("\"{action}\""))
            .body(body)
    }

    async fn call(&self, method: &str, target: Target<'_>) -> Result<Answer, Failure> {
        let answer = send(self.request(method, target)).await?;
        Ok(self.to_json(answer, method))
    }

    fn to_json(&self, answer: Answer, method: &str) -> Answer {
        zone::localize(to_json(answer, method), self.config.timezone, &DATE_FIELDS)
    }
}

fn method_key(method: &str) -> &'static str {
    OPERATIONS.into_iter().find(|m| *m == method).unwrap_or(OPERATIONS[0])
}

/// The request envelope for `call`.
pub fn envelope(c: &DnaConfig, call: &Call, method: &str, target: Target<'_>) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    // One prefix per namespace: `tem` for the method's, `n1`, `n2`… for
    // the others, in the order they are first used.
    let mut prefixes: Vec<(String, String)> = vec![("tem".into(), call.method_ns.value.clone())];
    let mut prefix = |ns: &str| -> String {
        if let Some((p, _)) = prefixes.iter().find(|(_, n)| n == ns) {
            return p.clone();
        }
        let p = format!("n{}", prefixes.len());
        prefixes.push((p.clone(), ns.to_owned()));
        p
    };
    let (name, value) = match target {
        Target::Email(e) => ("ContactEmail", e),
        Target::ExternalId(id) => ("ExternalId", id),
    };
    let request = format!("{}:{}", prefix(&call.request.1.value), call.request.0);
    let elements: Vec<(String, &str)> =
        [("Password", c.password.expose()), ("UserName", c.username.expose()), (name, value)]
            .into_iter()
            .map(|(field, text)| {
                let ns = call.fields.get(field).map_or(DNA_FIELDS_NS, |s| s.value.as_str());
                (format!("{}:{field}", prefix(ns)), text)
            })
            .collect();
    let mut root = BytesStart::new("soapenv:Envelope");
    root.push_attribute(("xmlns:soapenv", SOAP_ENV));
    for (p, ns) in &prefixes {
        root.push_attribute((format!("xmlns:{p}").as_str(), ns.as_str()));
    }
    // Writing to a Vec cannot fail.
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    let _ = w.write_event(Event::Start(root));
    let _ = w.write_event(Event::Start(BytesStart::new("soapenv:Body")));
    let _ = w.write_event(Event::Start(BytesStart::new(format!("tem:{method}"))));
    let _ = w.write_event(Event::Start(BytesStart::new(request.as_str())));
    for (el, text) in &elements {
        let _ = w.create_element(el.as_str()).write_text_content(BytesText::new(text));
    }
    let _ = w.write_event(Event::End(BytesEnd::new(request.as_str())));
    let _ = w.write_event(Event::End(BytesEnd::new(format!("tem:{method}"))));
    let _ = w.write_event(Event::End(BytesEnd::new("soapenv:Body")));
    let _ = w.write_event(Event::End(BytesEnd::new("soapenv:Envelope")));
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use quick_xml::Reader;
    use serde_json::Value;

    fn config() -> DnaConfig {
        DnaConfig::with_defaults(
            "http://127.0.0.1:1".into(),
            Secret::new("user<&>"),
            Secret::new("p\"w'd"),
        )
    }

    fn texts(xml: &str) -> Vec<String> {
        let mut r = Reader::from_str(xml);
        let mut texts = Vec::new();
        while let Ok(ev) = r.read_event() {
            match ev {
                Event::Text(t) => texts.push(t.unescape().unwrap().into_owned()),
                Event::Eof => break,
                _ => {}
            }
        }
        texts
    }

    #[test]
    fn user_data_is_escaped_never_markup() {
        let c = config();
        let r = Resolved::new(&c, Err("not read"));
        let call = &r.calls["GetDetails"];
        let xml = envelope(&c, call, "GetDetails", Target::Email("a</n2:ContactEmail><x>@b.c"));
        let xml = String::from_utf8(xml).unwrap();
        assert!(xml.contains("<tem:GetDetails><tem:request>"), "{xml}");
        assert!(xml.contains("a&lt;/n2:ContactEmail&gt;&lt;x&gt;@b.c"), "{xml}");
        assert!(xml.contains("<n1:UserName>user&lt;&amp;&gt;</n1:UserName>"), "{xml}");
        // What the sandbox reads back is what was sent.
        assert_eq!(texts(&xml), ["p\"w'd", "user<&>", "a</n2:ContactEmail><x>@b.c"]);
    }

    #[test]
    fn defaults_follow_domainapi_fields_in_the_contracts_own_namespace() {
        let c = config();
        let r = Resolved::new(&c, Err("connection failed"));
        let call = &r.calls["GetDetails"];
        assert_eq!(call.fields["UserName"].value, DNA_CREDENTIALS_NS);
        assert_eq!(call.fields["ContactEmail"].value, DNA_FIELDS_NS);
        assert_eq!(call.fields["ContactEmail"].origin, Origin::Default);
        assert_eq!(call.soap_action.value, "http://tempuri.org/IContactApi/GetDetails");
        assert!(r.describe().contains("unconfirmed (connection failed)"), "{}", r.describe());
        let xml =
            String::from_utf8(envelope(&c, call, "GetDetails", Target::Email("x@y.z"))).unwrap();
        assert!(xml.contains(&format!("xmlns:n2=\"{DNA_FIELDS_NS}\"")), "{xml}");
        assert!(xml.contains("<n2:ContactEmail>x@y.z</n2:ContactEmail>"), "{xml}");
    }

    const NESTED: &str = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
        <GetDetailsResponse xmlns="http://tempuri.org/"><GetDetailsResult
          xmlns:a="urn:x" xmlns:b="urn:y" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <a:ErrorCode>0</a:ErrorCode><a:OperationMessage>Ok &amp; done</a:OperationMessage>
        <a:OperationResult>SUCCESS</a:OperationResult>
        <b:ContactInfo><b:Inner>
          <b:VerificationStatus>Pending</b:VerificationStatus>
          <b:ExpirationDate>2026-04-05T10:00:00</b:ExpirationDate>
          <b:LastNotificationDate i:nil="true"/>
          <b:ContactEmail>ayse@example.com.tr</b:ContactEmail>
        </b:Inner></b:ContactInfo>
        </GetDetailsResult></GetDetailsResponse></s:Body></s:Envelope>"#;

    #[test]
    fn fields_are_found_at_any_depth() {
        let Some(Soap::Result(f)) = read(NESTED, "GetDetails") else { panic!() };
        assert_eq!(f["VerificationStatus"], "Pending");
        assert_eq!(f["ExpirationDate"], "2026-04-05T10:00:00");
        assert_eq!(f["OperationMessage"], "Ok & done");
        assert_eq!(f["LastNotificationDate"], Value::Null);
        assert!(!f.contains_key("ContactInfo") && !f.contains_key("Inner"), "{f:?}");
    }

    #[test]
    fn a_field_twice_is_an_unexpected_shape_naming_both_paths() {
        let twice = NESTED.replace(
            "<a:OperationResult>SUCCESS</a:OperationResult>",
            "<a:OperationResult>SUCCESS</a:OperationResult><a:VerificationStatus>Validated</a:VerificationStatus>",
        );
        let Some(Soap::Shape(e)) = read(&twice, "GetDetails") else { panic!() };
        assert_eq!(
            e.to_string(),
            "dna: expected each field of the result once, found `VerificationStatus` at `GetDetailsResult/VerificationStatus` and at `GetDetailsResult/ContactInfo/Inner/VerificationStatus`"
        );
        let a = to_json(
            Answer { status: 200, content_type: None, headers: vec![], body: twice.into() },
            "GetDetails",
        );
        assert_eq!(a.status, 502);
        assert_eq!(a.body_json().unwrap()["error"], "unexpected_shape");
    }

    #[test]
    fn results_faults_and_other_pages() {
        let flat = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
            <GetDetailsResponse xmlns="http://tempuri.org/"><GetDetailsResult xmlns:a="urn:x">
            <a:ErrorCode>0</a:ErrorCode><a:OperationResult>SUCCESS</a:OperationResult>
            <a:VerificationStatus>Validated</a:VerificationStatus><a:Extra>kept</a:Extra>
            </GetDetailsResult></GetDetailsResponse></s:Body></s:Envelope>"#;
        let Some(Soap::Result(f)) = read(flat, "GetDetails") else { panic!() };
        assert_eq!(f["VerificationStatus"], "Validated");
        assert_eq!(f["Extra"], "kept");
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
