//! Reads a WCF service's single-file WSDL (`?singleWsdl`: the WSDL 1.1
//! document with its XML Schemas inline) into what a SOAP 1.1 client needs
//! per operation: the `SOAPAction`, the method element's namespace, the
//! request wrapper, and the namespace of every field of the request and
//! response types (WCF's DataContract serializer puts each field in the
//! namespace of the type that declares it; a base type's fields stay in the
//! base type's namespace).
//!
//! Read with quick-xml into a small tree whose element names and QName
//! attributes (`type`, `element`, `base`, `message`) are resolved against
//! the namespaces in scope. Bounded: at most [`MAX_BYTES`], nesting of
//! types at most [`MAX_DEPTH`].

use std::collections::{BTreeMap, HashMap};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The largest WSDL read.
pub const MAX_BYTES: usize = 2 << 20;
/// How deep response types are followed.
pub const MAX_DEPTH: usize = 8;

const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP11: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const XSD: &str = "http://www.w3.org/2001/XMLSchema";

/// A namespace-qualified name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QName {
    /// The namespace URI (empty for none).
    pub ns: String,
    /// The local name.
    pub name: String,
}

impl QName {
    fn new(ns: &str, name: &str) -> Self {
        QName { ns: ns.to_owned(), name: name.to_owned() }
    }
}

/// One field of a request or response type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its path below the request wrapper or the result element
    /// (`ContactInfo/VerificationStatus`).
    pub path: String,
    /// Its element's namespace.
    pub ns: String,
}

/// One operation as the WSDL describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// `soapAction` of the SOAP 1.1 binding.
    pub soap_action: String,
    /// The method element (`{http://tempuri.org/}GetDetails`).
    pub method: QName,
    /// The request wrapper inside it (`{http://tempuri.org/}request`).
    pub request: QName,
    /// The request type's fields (leaf paths).
    pub fields: Vec<Field>,
    /// The result element inside the response (`GetDetailsResult`).
    pub result: QName,
    /// The result type's fields, nested types followed.
    pub result_fields: Vec<Field>,
}

impl Operation {
    /// The namespace of the request field named `name`, if declared.
    pub fn field_ns(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.path == name).map(|f| f.ns.as_str())
    }
}

/// A service's operations by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contract {
    /// Operation name → operation.
    pub operations: BTreeMap<String, Operation>,
}

/// Why a WSDL could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsdlError(pub String);

impl std::fmt::Display for WsdlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(s: impl Into<String>) -> Result<T, WsdlError> {
    Err(WsdlError(s.into()))
}

// ---------------------------------------------------------------- the tree

#[derive(Debug)]
struct Node {
    name: QName,
    /// Attributes by local name (the WSDL and XSD attributes used here are
    /// unqualified).
    attrs: HashMap<String, String>,
    /// The prefixes in scope, for QName values.
    scope: HashMap<String, String>,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    /// A QName-valued attribute, resolved.
    fn qattr(&self, name: &str) -> Option<QName> {
        let v = self.attr(name)?.trim();
        let (prefix, local) = v.split_once(':').unwrap_or(("", v));
        let ns = self.scope.get(prefix).cloned().unwrap_or_default();
        Some(QName { ns, name: local.to_owned() })
    }

    fn kids<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name.ns == ns && c.name.name == name)
    }

    fn kid<'a>(&'a self, ns: &'a str, name: &'a str) -> Option<&'a Node> {
        self.kids(ns, name).next()
    }
}

fn open(e: &BytesStart<'_>, parent: &HashMap<String, String>) -> Result<Node, WsdlError> {
    let mut scope = parent.clone();
    let mut attrs = HashMap::new();
    for a in e.attributes() {
        let a = a.map_err(|e| WsdlError(format!("bad attribute: {e}")))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|e| WsdlError(format!("bad attribute value: {e}")))?
            .into_owned();
        if key == "xmlns" {
            scope.insert(String::new(), value);
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            scope.insert(p.to_owned(), value);
        } else {
            let local = key.rsplit(':').next().unwrap_or(&key).to_owned();
            attrs.insert(local, value);
        }
    }
    let raw = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let (prefix, local) = raw.split_once(':').unwrap_or(("", &raw));
    let ns = scope.get(prefix).cloned().unwrap_or_default();
    Ok(Node { name: QName { ns, name: local.to_owned() }, attrs, scope, children: Vec::new() })
}

fn tree(xml: &str) -> Result<Node, WsdlError> {
    if xml.len() > MAX_BYTES {
        return err(format!("the WSDL is larger than {MAX_BYTES} bytes"));
    }
    let mut r = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let empty = HashMap::new();
    loop {
        let ev = r.read_event().map_err(|e| WsdlError(format!("not XML: {e}")))?;
        match ev {
            Event::Start(e) => {
                let node = open(&e, stack.last().map_or(&empty, |n| &n.scope))?;
                stack.push(node);
            }
            Event::Empty(e) => {
                let node = open(&e, stack.last().map_or(&empty, |n| &n.scope))?;
                match stack.last_mut() {
                    Some(p) => p.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| WsdlError("unbalanced XML".into()))?;
                match stack.last_mut() {
                    Some(p) => p.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::Eof => return err("the document ended early"),
            _ => {}
        }
    }
}

// --------------------------------------------------------------- schemas

struct Schemas<'a> {
    elements: HashMap<QName, (&'a Node, &'a str, bool)>,
    types: HashMap<QName, (&'a Node, &'a str, bool)>,
}

impl<'a> Schemas<'a> {
    fn new(root: &'a Node) -> Self {
        let mut s = Schemas { elements: HashMap::new(), types: HashMap::new() };
        for types in root.kids(WSDL, "types") {
            for schema in types.kids(XSD, "schema") {
                let tns = schema.attr("targetNamespace").unwrap_or("");
                let qualified = schema.attr("elementFormDefault") == Some("qualified");
                for c in &schema.children {
                    let Some(name) = c.attr("name") else { continue };
                    let key = QName::new(tns, name);
                    match (c.name.ns.as_str(), c.name.name.as_str()) {
                        (XSD, "element") => {
                            s.elements.insert(key, (c, tns, qualified));
                        }
                        (XSD, "complexType") => {
                            s.types.insert(key, (c, tns, qualified));
                        }
                        _ => {}
                    }
                }
            }
        }
        s
    }

    /// The element declarations of a complex type, base types' first, each
    /// with its namespace: `(name, ns, type)`.
    fn members(
        &self,
        ty: &'a Node,
        tns: &str,
        qualified: bool,
        depth: usize,
    ) -> Result<Vec<(String, String, Option<QName>)>, WsdlError> {
        if depth > MAX_DEPTH {
            return err("types nest deeper than the reader follows");
        }
        let mut out = Vec::new();
        let mut sequences: Vec<&Node> = ty.kids(XSD, "sequence").collect();
        sequences.extend(ty.kids(XSD, "all"));
        for content in ty.kids(XSD, "complexContent") {
            for ext in content.kids(XSD, "extension") {
                if let Some(base) = ext.qattr("base") {
                    if let Some((b, btns, bq)) = self.types.get(&base) {
                        out.extend(self.members(b, btns, *bq, depth + 1)?);
                    }
                }
                sequences.extend(ext.kids(XSD, "sequence"));
            }
        }
        for seq in sequences {
            for el in seq.kids(XSD, "element") {
                let Some(name) = el.attr("name") else { continue };
                let form = el.attr("form").map_or(qualified, |f| f == "qualified");
                let ns = if form { tns.to_owned() } else { String::new() };
                out.push((name.to_owned(), ns, el.qattr("type")));
            }
        }
        Ok(out)
    }

    /// Leaf fields of the type `ty`, nested complex types followed.
    fn leaves(&self, ty: &QName, prefix: &str, depth: usize) -> Result<Vec<Field>, WsdlError> {
        let Some((node, tns, q)) = self.types.get(ty) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (name, ns, child_ty) in self.members(node, tns, *q, depth)? {
            let path = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            match child_ty.filter(|t| self.types.contains_key(t)) {
                Some(t) if depth < MAX_DEPTH => {
                    let nested = self.leaves(&t, &path, depth + 1)?;
                    if nested.is_empty() {
                        out.push(Field { path, ns });
                    } else {
                        out.extend(nested);
                    }
                }
                _ => out.push(Field { path, ns }),
            }
        }
        Ok(out)
    }

    /// A wrapper element's single child: `(its name, its type)`
    /// (`GetDetails` → `request`, `GetDetailsResponse` → `GetDetailsResult`).
    fn wrapped(&self, element: &QName) -> Result<(QName, Option<QName>), WsdlError> {
        let Some((el, tns, q)) = self.elements.get(element) else {
            return err(format!("element `{}` is not declared", element.name));
        };
        let ty = match el.kid(XSD, "complexType") {
            Some(inline) => Some(inline),
            None => el.qattr("type").and_then(|t| self.types.get(&t)).map(|t| t.0),
        };
        let Some(ty) = ty else {
            return err(format!("element `{}` has no type", element.name));
        };
        let members = self.members(ty, tns, *q, 0)?;
        let Some((name, ns, child)) = members.into_iter().next() else {
            return err(format!("element `{}` wraps nothing", element.name));
        };
        Ok((QName { ns, name }, child))
    }
}

// ----------------------------------------------------------- the reading

/// Reads `xml`, a WCF single-file WSDL.
///
/// # Errors
/// It is not XML, not WSDL 1.1, has no SOAP 1.1 binding, or an operation's
/// messages or types are missing.
pub fn read(xml: &str) -> Result<Contract, WsdlError> {
    let root = tree(xml)?;
    if root.name != QName::new(WSDL, "definitions") {
        return err("not a WSDL 1.1 document (no wsdl:definitions)");
    }
    let schemas = Schemas::new(&root);
    let messages: HashMap<QName, &Node> = root
        .kids(WSDL, "message")
        .filter_map(|m| {
            let tns = root.attr("targetNamespace").unwrap_or("");
            Some((QName::new(tns, m.attr("name")?), m))
        })
        .collect();
    let binding = root
        .kids(WSDL, "binding")
        .find(|b| b.kid(SOAP11, "binding").is_some())
        .ok_or_else(|| WsdlError("no SOAP 1.1 binding".into()))?;
    let port_type = binding.qattr("type").and_then(|t| {
        root.kids(WSDL, "portType").find(|p| p.attr("name") == Some(t.name.as_str()))
    });
    let mut contract = Contract::default();
    for op in binding.kids(WSDL, "operation") {
        let Some(name) = op.attr("name") else { continue };
        let soap_action = op
            .kid(SOAP11, "operation")
            .and_then(|o| o.attr("soapAction"))
            .unwrap_or_default()
            .to_owned();
        let abstract_op = port_type
            .and_then(|p| p.kids(WSDL, "operation").find(|o| o.attr("name") == Some(name)));
        let element_of = |io: &str| -> Option<QName> {
            let msg = abstract_op?.kid(WSDL, io)?.qattr("message")?;
            messages.get(&msg)?.kid(WSDL, "part")?.qattr("element")
        };
        let method = element_of("input")
            .ok_or_else(|| WsdlError(format!("operation `{name}` has no input element")))?;
        let output = element_of("output")
            .ok_or_else(|| WsdlError(format!("operation `{name}` has no output element")))?;
        let (request, request_ty) = schemas.wrapped(&method)?;
        let (result, result_ty) = schemas.wrapped(&output)?;
        let fields = match &request_ty {
            Some(t) => schemas.leaves(t, "", 0)?,
            None => Vec::new(),
        };
        let result_fields = match &result_ty {
            Some(t) => schemas.leaves(t, "", 0)?,
            None => Vec::new(),
        };
        contract.operations.insert(
            name.to_owned(),
            Operation { soap_action, method, request, fields, result, result_fields },
        );
    }
    if contract.operations.is_empty() {
        return err("the SOAP 1.1 binding has no operations");
    }
    Ok(contract)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_wsdl_is_said() {
        assert!(read("<html><body>404</body></html>").unwrap_err().0.contains("not a WSDL"));
        assert!(read("not xml <").is_err());
        let no_soap = r#"<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"/>"#;
        assert_eq!(read(no_soap).unwrap_err().0, "no SOAP 1.1 binding");
        let big = format!("<a>{}</a>", " ".repeat(MAX_BYTES));
        assert!(read(&big).unwrap_err().0.contains("larger"));
    }
}
