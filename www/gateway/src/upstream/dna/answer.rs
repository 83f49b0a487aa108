//! DNA's SOAP answers read into the JSON the widget's core reads for Domain
//! Name API: the result's fields (a known field at any depth, twice is an
//! unexpected shape), or the fault as DNA's error envelope.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::KNOWN_FIELDS;
use crate::upstream::Answer;

/// What a SOAP answer says.
#[derive(Clone, Debug, PartialEq)]
pub enum Soap {
    /// `<{method}Result>`'s fields.
    Result(Map<String, Value>),
    /// A SOAP fault: `faultcode`, `faultstring`.
    Fault(String, String),
    /// A known field appears twice in the result: the core's
    /// `UnexpectedShape`, naming both paths.
    Shape(verification_core::Error),
}

/// One element open inside the result.
struct Open {
    name: String,
    has_children: bool,
    text: String,
}

/// What the reader gathered below the result: its fields, and where each
/// known field was found.
#[derive(Default)]
struct Collected {
    fields: Map<String, Value>,
    found: BTreeMap<String, String>,
}

impl Collected {
    /// A leaf `name` with `value` inside the elements `path`, the result
    /// being at depth `d`: a known field at any depth (twice is the core's
    /// `UnexpectedShape`, naming both paths), another only directly in the
    /// result.
    fn leaf(&mut self, path: &[Open], name: &str, value: Value, d: usize) -> Result<(), Soap> {
        let at: Vec<&str> =
            path[d..].iter().map(|o| o.name.as_str()).chain(std::iter::once(name)).collect();
        let at = at.join("/");
        if KNOWN_FIELDS.contains(&name) {
            if let Some(first) = self.found.get(name) {
                return Err(Soap::Shape(verification_core::Error::UnexpectedShape {
                    provider: verification_core::Provider::Dna,
                    expected: "each field of the result once",
                    found: format!("`{name}` at `{first}` and at `{at}`"),
                }));
            }
            self.found.insert(name.to_owned(), at);
            self.fields.insert(name.to_owned(), value);
        } else if path.len() == d + 1 {
            self.fields.insert(name.to_owned(), value);
        }
        Ok(())
    }
}

/// An element's name without its prefix.
fn local(name: quick_xml::name::LocalName<'_>) -> String {
    String::from_utf8_lossy(name.as_ref()).into_owned()
}

/// Reads a SOAP answer to `method`: the fields of `{method}Result` (or of
/// the first `…Result` element), each known field at any depth, the other
/// direct fields by name; or the fault. `None` when the body is not a SOAP
/// envelope.
pub fn read(xml: &str, method: &str) -> Option<Soap> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut path: Vec<Open> = Vec::new();
    let mut in_result: Option<usize> = None;
    let mut got = Collected::default();
    let mut fault: Option<(String, String)> = None;
    let mut saw_envelope = false;
    let wanted = format!("{method}Result");
    loop {
        let event = r.read_event().ok()?;
        if matches!(event, Event::Start(_) | Event::Empty(_)) {
            if let Some(parent) = path.last_mut() {
                parent.has_children = true;
            }
        }
        let leaf = match event {
            Event::Start(e) => {
                let name = local(e.local_name());
                saw_envelope |= name == "Envelope";
                if in_result.is_none() && (name == wanted || name.ends_with("Result")) {
                    in_result = Some(path.len());
                }
                if name == "Fault" {
                    fault = Some((String::new(), String::new()));
                }
                path.push(Open { name, has_children: false, text: String::new() });
                None
            }
            Event::Empty(e) => in_result.filter(|d| path.len() > *d).map(|d| {
                let nil = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true");
                let v = if nil { Value::Null } else { Value::String(String::new()) };
                (local(e.local_name()), v, d)
            }),
            Event::Text(t) => {
                if let Some(open) = path.last_mut() {
                    open.text.push_str(&t.unescape().ok()?);
                }
                None
            }
            Event::CData(t) => {
                if let Some(open) = path.last_mut() {
                    open.text.push_str(&String::from_utf8_lossy(&t));
                }
                None
            }
            Event::End(_) => {
                let open = path.pop()?;
                if in_result == Some(path.len()) {
                    return Some(Soap::Result(got.fields));
                }
                match (in_result.filter(|d| path.len() > *d), fault.as_mut()) {
                    (Some(d), _) if !open.has_children => {
                        Some((open.name, Value::String(open.text), d))
                    }
                    (None, Some((code, string))) => {
                        match open.name.as_str() {
                            "faultcode" => *code = open.text,
                            "faultstring" => *string = open.text,
                            _ => {}
                        }
                        None
                    }
                    _ => None,
                }
            }
            Event::Eof => break,
            _ => None,
        };
        if let Some((name, value, d)) = leaf {
            if let Err(shape) = got.leaf(&path, &name, value, d) {
                return Some(shape);
            }
        }
    }
    if !saw_envelope {
        return None;
    }
    match fault {
        Some((code, string)) => Some(Soap::Fault(code, string)),
        None => Some(Soap::Result(got.fields)),
    }
}

/// The answer the widget gets: the result as the seed's JSON model, a
/// fault as DNA's error envelope, a result of an unexpected shape as 502
/// `unexpected_shape` (logged), anything that is not SOAP unchanged (the
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
        Soap::Shape(e) => {
            tracing::error!(method, error = %e, "DNA answered in an unexpected shape");
            return Answer::json(
                502,
                &serde_json::json!({ "error": "unexpected_shape", "message": e.to_string() }),
            );
        }
    };
    Answer { headers: answer.headers, ..Answer::json(answer.status, &body) }
}
