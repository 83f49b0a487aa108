//! name.com webhook signatures (`X-NAMECOM-SIGNATURE`).
//!
//! The header is `sha256=<hex>,<unix timestamp>,<nonce>`; the spec's own
//! example has no `sha256=` prefix, so a bare hex signature is read as
//! sha256. The HMAC input is `<exact subscription URL>|<canonical JSON>`,
//! keyed with the account's API token. The canonical JSON is
//! under-specified: the guide says keys are sorted recursively, the sample
//! verifiers sort only the top level, and PHP escapes non-ASCII while
//! Python and JS do not. [`verify_signature`] accepts any of those four
//! encodings, compares in constant time, and checks the timestamp's age
//! only when asked (it is not signed, so the check is advisory).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use verification_core::webhook::{sign, verify_signature};
//!
//! let url = "https://reseller.example/hooks/namecom";
//! let body = r#"{"eventName":"contact.verification.status_change","verificationId":5,"domains":["a.com"],"verification":{"status":"verified"}}"#;
//! let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
//! let header = format!("sha256={},{},nonce", sign(url, body, "token")?, now.timestamp());
//! assert!(verify_signature(&header, url, body, "token", now, None).is_ok());
//! assert!(verify_signature(&header, url, body, "other-token", now, None).is_err());
//! # Ok::<(), verification_core::webhook::SignatureError>(())
//! ```

use crate::json::{parse_strict, Kind, Value};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// The header name name.com signs webhooks with.
pub const SIGNATURE_HEADER: &str = "X-NAMECOM-SIGNATURE";

/// The freshness check the name.com samples apply: 300 seconds.
pub const DEFAULT_MAX_AGE: TimeDelta = TimeDelta::seconds(300);

/// Why a webhook signature was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// Occurs when the header is missing or not `alg=hex,timestamp,nonce`.
    MalformedHeader(String),
    /// Occurs when the algorithm is not `sha256`.
    UnsupportedAlgorithm(String),
    /// Occurs when the body is not JSON (it cannot be canonicalised).
    InvalidBody(String),
    /// Occurs when no accepted encoding of the body matches the signature.
    Mismatch,
    /// Occurs when the timestamp is older (or further ahead) than allowed.
    Stale {
        /// How far the timestamp is from now, in seconds.
        age_seconds: i64,
    },
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::MalformedHeader(h) => {
                write!(f, "malformed `{SIGNATURE_HEADER}` header `{h}` (expected `sha256=<hex>,<timestamp>,<nonce>`)")
            }
            SignatureError::UnsupportedAlgorithm(a) => {
                write!(f, "unsupported signature algorithm `{a}`")
            }
            SignatureError::InvalidBody(m) => write!(f, "webhook body is not JSON: {m}"),
            SignatureError::Mismatch => f.write_str("webhook signature does not match"),
            SignatureError::Stale { age_seconds } => {
                write!(f, "webhook timestamp is {age_seconds} s away from now")
            }
        }
    }
}

impl std::error::Error for SignatureError {}

/// The parts of an `X-NAMECOM-SIGNATURE` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The algorithm (`sha256`).
    pub algorithm: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The unix timestamp, when present.
    pub timestamp: Option<i64>,
    /// The nonce, when present (not part of the HMAC).
    pub nonce: Option<String>,
}

impl SignatureHeader {
    /// Parses `sha256=<hex>,<timestamp>,<nonce>`, splitting on the first two
    /// commas only; a missing `alg=` prefix means sha256.
    ///
    /// # Errors
    /// [`SignatureError::MalformedHeader`] when the signature is not hex or
    /// the timestamp not an integer.
    pub fn parse(header: &str) -> Result<Self, SignatureError> {
        let malformed = || SignatureError::MalformedHeader(header.chars().take(200).collect());
        let mut parts = header.trim().splitn(3, ',');
        let first = parts.next().filter(|s| !s.trim().is_empty()).ok_or_else(malformed)?;
        let (algorithm, hex) = match first.split_once('=') {
            Some((alg, hex)) => (alg.trim().to_ascii_lowercase(), hex.trim()),
            None => ("sha256".to_owned(), first.trim()),
        };
        let signature = decode_hex(hex).ok_or_else(malformed)?;
        let timestamp = match parts.next().map(str::trim).filter(|s| !s.is_empty()) {
            Some(t) => Some(t.parse::<i64>().map_err(|_| malformed())?),
            None => None,
        };
        let nonce = parts.next().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(SignatureHeader { algorithm, signature, timestamp, nonce })
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

/// Checks a webhook's signature header against the URL name.com posted to,
/// the raw body and the account's API token.
///
/// `max_age`: when given, a timestamp further than this from `now` is
/// rejected ([`DEFAULT_MAX_AGE`] is the samples' 300 s). The timestamp is
/// not signed, so this only limits replays of captured deliveries.
///
/// # Errors
/// See [`SignatureError`].
pub fn verify_signature(
    header: &str,
    url: &str,
    body: &str,
    token: &str,
    now: DateTime<Utc>,
    max_age: Option<TimeDelta>,
) -> Result<(), SignatureError> {
    let header = SignatureHeader::parse(header)?;
    if header.algorithm != "sha256" {
        return Err(SignatureError::UnsupportedAlgorithm(header.algorithm));
    }
    if let Some(max_age) = max_age {
        let ts = header
            .timestamp
            .ok_or_else(|| SignatureError::MalformedHeader("no timestamp".into()))?;
        let age = now.timestamp().saturating_sub(ts);
        if age.abs() > max_age.num_seconds() {
            return Err(SignatureError::Stale { age_seconds: age });
        }
    }
    let tree = parse_strict(body).map_err(|e| SignatureError::InvalidBody(e.to_string()))?;
    for sort in [Sort::Recursive, Sort::TopLevel] {
        for unicode in [Unicode::Raw, Unicode::Escaped] {
            let mut mac = mac(token);
            mac.update(url.as_bytes());
            mac.update(b"|");
            mac.update(canonical(&tree, sort, unicode).as_bytes());
            if mac.verify_slice(&header.signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

/// The signature name.com would send for this body: hex HMAC-SHA256 of
/// `url|<recursively sorted, compact JSON>`. For tests and the sandbox.
///
/// # Errors
/// [`SignatureError::InvalidBody`] when the body is not JSON.
pub fn sign(url: &str, body: &str, token: &str) -> Result<String, SignatureError> {
    let tree = parse_strict(body).map_err(|e| SignatureError::InvalidBody(e.to_string()))?;
    let mut mac = mac(token);
    mac.update(url.as_bytes());
    mac.update(b"|");
    mac.update(canonical(&tree, Sort::Recursive, Unicode::Raw).as_bytes());
    let mut hex = String::with_capacity(64);
    for b in mac.finalize().into_bytes() {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

fn mac(token: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC accepts keys of any length")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Recursive,
    TopLevel,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unicode {
    Raw,
    Escaped,
}

fn canonical(node: &Value<'_>, sort: Sort, unicode: Unicode) -> String {
    let mut out = String::new();
    write_node(&mut out, node, sort, unicode, true);
    out
}

fn write_node(out: &mut String, node: &Value<'_>, sort: Sort, unicode: Unicode, top: bool) {
    match &node.kind {
        Kind::Null => out.push_str("null"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::U64(n) => {
            let _ = write!(out, "{n}");
        }
        Kind::I64(n) => {
            let _ = write!(out, "{n}");
        }
        // As JSON.stringify and json.dumps print integral floats.
        Kind::F64(v) if v.fract() == 0.0 && v.abs() < 1e16 => {
            let _ = write!(out, "{v:.0}");
        }
        Kind::F64(v) => {
            let _ = write!(out, "{v}");
        }
        // `parse_strict` refuses it.
        Kind::Invalid(_) => out.push_str(node.raw),
        Kind::Str(s) => write_string(out, s, unicode),
        Kind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_node(out, item, sort, unicode, false);
            }
            out.push(']');
        }
        Kind::Object(entries) => {
            let mut refs: Vec<&(Cow<'_, str>, Value<'_>)> = entries.iter().collect();
            if top || sort == Sort::Recursive {
                refs.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (i, (k, v)) in refs.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k, unicode);
                out.push(':');
                write_node(out, v, sort, unicode, false);
            }
            out.push('}');
        }
    }
}

/// JSON string escaping without escaping `/`; non-ASCII raw or as `\uXXXX`.
fn write_string(out: &mut String, s: &str, unicode: Unicode) {
    crate::json::write_string(out, s, unicode == Unicode::Escaped);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const URL: &str = "https://reseller.example/hooks/namecom?x=1";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn hmac_hex(input: &str) -> String {
        let mut m = mac("tok");
        m.update(input.as_bytes());
        m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn accepts_every_documented_encoding() {
        let body = r#"{"verificationId":1,"verification":{"verifyBy":"2026-03-02T00:00:00Z","status":"unverified"},"eventName":"contact.verification.status_change","domains":["café.com/x"]}"#;
        let variants = [
            // recursive sort, raw unicode (the guide's steps; Python ensure_ascii=False)
            r#"{"domains":["café.com/x"],"eventName":"contact.verification.status_change","verification":{"status":"unverified","verifyBy":"2026-03-02T00:00:00Z"},"verificationId":1}"#,
            // top-level sort only (the samples), raw unicode (JS)
            r#"{"domains":["café.com/x"],"eventName":"contact.verification.status_change","verification":{"verifyBy":"2026-03-02T00:00:00Z","status":"unverified"},"verificationId":1}"#,
            // top-level sort, escaped unicode, unescaped slashes (PHP)
            r#"{"domains":["caf\u00e9.com/x"],"eventName":"contact.verification.status_change","verification":{"verifyBy":"2026-03-02T00:00:00Z","status":"unverified"},"verificationId":1}"#,
        ];
        for v in variants {
            let header =
                format!("sha256={},{},abc", hmac_hex(&format!("{URL}|{v}")), now().timestamp());
            assert_eq!(
                verify_signature(&header, URL, body, "tok", now(), Some(DEFAULT_MAX_AGE)),
                Ok(()),
                "{v}"
            );
        }
    }

    #[test]
    fn header_forms() {
        let sig = sign(URL, "{}", "tok").unwrap();
        // No prefix, non-UUID nonce with commas (the spec's example).
        let bare = format!("{sig},12334782,1123-3423,extra");
        assert_eq!(verify_signature(&bare, URL, "{}", "tok", now(), None), Ok(()));
        let upper = format!("SHA256={},1", sig.to_uppercase());
        assert_eq!(verify_signature(&upper, URL, "{}", "tok", now(), None), Ok(()));
        assert!(matches!(
            verify_signature("", URL, "{}", "tok", now(), None),
            Err(SignatureError::MalformedHeader(_))
        ));
        assert!(matches!(
            verify_signature("sha1=abcd,1,n", URL, "{}", "tok", now(), None),
            Err(SignatureError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            verify_signature("sha256=zz,1,n", URL, "{}", "tok", now(), None),
            Err(SignatureError::MalformedHeader(_))
        ));
    }

    #[test]
    fn rejects_wrong_url_token_body_and_stale() {
        let body = r#"{"a":1}"#;
        let header =
            format!("sha256={},{},n", sign(URL, body, "tok").unwrap(), now().timestamp() - 301);
        assert_eq!(verify_signature(&header, URL, body, "tok", now(), None), Ok(()));
        assert_eq!(
            verify_signature(&header, &format!("{URL}/"), body, "tok", now(), None),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, URL, body, "tok2", now(), None),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, URL, r#"{"a":2}"#, "tok", now(), None),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(&header, URL, body, "tok", now(), Some(DEFAULT_MAX_AGE)),
            Err(SignatureError::Stale { age_seconds: 301 })
        );
        assert!(matches!(
            verify_signature(&header, URL, "not json", "tok", now(), None),
            Err(SignatureError::InvalidBody(_))
        ));
    }
}
