//! Domain Name API, `ContactApi.svc`.
//!
//! `GetDetails` returns one contact (seed 000's sample):
//!
//! ```json
//! {"VerificationStatus": "NotValidated", "ExpirationDate": "2026-04-05T10:00:00",
//!  "LastNotificationDate": "2026-02-05T09:30:00", "ContactEmail": "example@customer.com"}
//! ```
//!
//! Statuses: `NotValidated` (not started), `Pending`, `Validated`,
//! `Expired` (the 60-day key lapsed). Timestamps carry no offset. The exact
//! field names are not confirmed beyond the sample, so common spellings
//! (`camelCase`, `Status`, `Email`) are accepted, and WCF wrappers (`d`,
//! `GetDetailsResult`) are unwrapped. Errors come as DNA's operation
//! envelope: `{"OperationResult": "ERROR", "ErrorCode": N,
//! "OperationMessage": "..."}`.

use super::{finish, http_error, object, read_json, unreadable, Absence, Row};
use crate::json::{Canonical, RawEntries};
use crate::{
    context::{Context, Response},
    error::Error,
    lenient::{enum_key, opt_string, string_list},
    observation::Observation,
    record::{FailureReason, Provider, Status},
    resend::{ResendKind, ResendOutcome},
    time::RawTime,
    Evaluation,
};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::{borrow::Cow, fmt, marker::PhantomData};

const P: Provider = Provider::Dna;
const EXPECTED: &str = "a GetDetails result with `VerificationStatus`";

/// The fields of a `GetDetails` result, and of DNA's operation envelope.
///
/// Read as `#[derive(Deserialize)]` with the envelope `#[serde(flatten)]`
/// would (same names, errors and order of errors), by hand: serde's
/// flatten buffering costs kilobytes of wasm.
#[derive(Debug, Default)]
struct Details {
    status: Option<String>,
    expiration: RawTime,
    last_notification: RawTime,
    email: Option<String>,
    external_id: Option<String>,
    domains: Vec<String>,
    envelope: Envelope,
}

/// The `Details` fields: each name with its aliases, the first as errors
/// name it.
const DETAILS_FIELDS: [&[&str]; 6] = [
    &["VerificationStatus", "verificationStatus", "Status", "status"],
    &["ExpirationDate", "expirationDate"],
    &["LastNotificationDate", "lastNotificationDate"],
    &["ContactEmail", "contactEmail", "Email", "EMail", "email"],
    &["ExternalId", "externalId", "ExternalID"],
    &["Domains", "domains"],
];

/// The envelope fields, as [`DETAILS_FIELDS`].
const ENVELOPE_FIELDS: [&[&str]; 3] = [
    &["OperationResult", "operationResult"],
    &["ErrorCode", "errorCode"],
    &["OperationMessage", "operationMessage", "Message", "message"],
];

fn field(fields: &[&[&str]], key: &str) -> Option<usize> {
    fields.iter().position(|names| names.contains(&key))
}

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Details;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct Details")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Details, A::Error> {
                let mut details = Details::default();
                let mut seen = [false; 6];
                // Keys that are not `Details` fields, in order, with their
                // values (read as flatten buffers them): the envelope's.
                let mut other: Vec<(Cow<'de, str>, Scalar)> = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let Some(i) = field(&DETAILS_FIELDS, &key) else {
                        other.push((key, map.next_value()?));
                        continue;
                    };
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(de::Error::duplicate_field(DETAILS_FIELDS[i][0]));
                    }
                    match i {
                        0 => details.status = map.next_value::<OptString>()?.0,
                        1 => details.expiration = map.next_value()?,
                        2 => details.last_notification = map.next_value()?,
                        3 => details.email = map.next_value::<OptString>()?.0,
                        4 => details.external_id = map.next_value::<OptString>()?.0,
                        _ => details.domains = map.next_value::<StringList>()?.0,
                    }
                }
                details.envelope = Envelope::read(other)?;
                Ok(details)
            }
        }
        d.deserialize_map(V)
    }
}

/// DNA's operation result envelope.
#[derive(Debug, Default)]
struct Envelope {
    result: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// A JSON value as serde's flatten buffer holds it (failing on the same
/// input), reduced to what an envelope field reads.
#[derive(Debug)]
enum Scalar {
    Unit,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Seq,
    Map,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::I64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::F64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Unit)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<Scalar>()?.is_some() {}
                Ok(Scalar::Seq)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<Scalar, Scalar>()?.is_some() {}
                Ok(Scalar::Map)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
impl From<&serde_json::Value> for Scalar {
    fn from(v: &serde_json::Value) -> Scalar {
        use serde_json::Value;
        match v {
            Value::Null => Scalar::Unit,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Scalar::U64(u),
                (None, Some(i), _) => Scalar::I64(i),
                (None, None, f) => Scalar::F64(f.unwrap_or(f64::NAN)),
            },
            Value::String(s) => Scalar::Str(s.clone()),
            Value::Array(_) => Scalar::Seq,
            Value::Object(_) => Scalar::Map,
        }
    }
}

impl<'de, E: de::Error> de::IntoDeserializer<'de, E> for Scalar {
    type Deserializer = ScalarDeserializer<E>;
    fn into_deserializer(self) -> ScalarDeserializer<E> {
        ScalarDeserializer(self, PhantomData)
    }
}

/// Reads a [`Scalar`] as serde reads a buffered value.
struct ScalarDeserializer<E>(Scalar, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for ScalarDeserializer<E> {
    type Error = E;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.0 {
            Scalar::Unit => visitor.visit_unit(),
            Scalar::Bool(v) => visitor.visit_bool(v),
            Scalar::U64(v) => visitor.visit_u64(v),
            Scalar::I64(v) => visitor.visit_i64(v),
            Scalar::F64(v) => visitor.visit_f64(v),
            Scalar::Str(v) => visitor.visit_string(v),
            Scalar::Seq => Err(E::invalid_type(de::Unexpected::Seq, &visitor)),
            Scalar::Map => Err(E::invalid_type(de::Unexpected::Map, &visitor)),
        }
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl Envelope {
    /// The envelope in `entries` (other keys are skipped), as
    /// `#[derive(Deserialize)]` reads it.
    fn read<K: AsRef<str>, E: de::Error>(
        entries: impl IntoIterator<Item = (K, Scalar)>,
    ) -> Result<Envelope, E> {
        let mut env = Envelope::default();
        let mut seen = [false; 3];
        for (key, value) in entries {
            let Some(i) = field(&ENVELOPE_FIELDS, key.as_ref()) else {
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(E::duplicate_field(ENVELOPE_FIELDS[i][0]));
            }
            let value = opt_string(value.into_deserializer())?;
            match i {
                0 => env.result = value,
                1 => env.code = value,
                _ => env.message = value,
            }
        }
        Ok(env)
    }
}

/// The entries of a canonical object (keys sorted, each once), each value
/// as [`Scalar::from`] a `Value` made it.
///
/// The keys are `Cow`s as in [`Details`], so that both read the envelope
/// with one copy of [`Envelope::read`].
fn envelope_entries(text: &str) -> Vec<(Cow<'_, str>, Scalar)> {
    let entries = serde_json::from_str::<RawEntries<'_>>(text).map(|e| e.0).unwrap_or_default();
    entries.into_iter().map(|(k, v)| (Cow::Owned(k), Scalar::canonical(v.get()))).collect()
}

impl Scalar {
    /// The scalar of a value's canonical text (as `Value` prints it: a
    /// number with `.` or `e` was an `f64`, one without a `u64` or, with a
    /// minus, an `i64`; the shortest digits read back as the same `f64`).
    fn canonical(text: &str) -> Scalar {
        match text.as_bytes().first() {
            Some(b'n') => Scalar::Unit,
            Some(b't') => Scalar::Bool(true),
            Some(b'f') => Scalar::Bool(false),
            Some(b'"') => Scalar::Str(serde_json::from_str(text).unwrap_or_default()),
            Some(b'[') => Scalar::Seq,
            Some(b'{') => Scalar::Map,
            _ if text.contains(['.', 'e']) => Scalar::F64(text.parse().unwrap_or(f64::NAN)),
            _ => match text.parse::<u64>() {
                Ok(u) => Scalar::U64(u),
                Err(_) => Scalar::I64(text.parse().unwrap_or_default()),
            },
        }
    }
}

/// [`opt_string`] as a type.
struct OptString(Option<String>);

impl<'de> Deserialize<'de> for OptString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_string(d).map(OptString)
    }
}

/// [`string_list`] as a type.
struct StringList(Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        string_list(d).map(StringList)
    }
}

impl Envelope {
    /// The registrar's error, if this envelope reports one.
    fn error(&self, resp: &Response<'_>, ctx: &Context) -> Option<Error> {
        let failed_result = self.result.as_deref().is_some_and(|r| {
            let r = enum_key(r);
            r != "success" && r != "ok"
        });
        let failed_code = self.code.as_deref().is_some_and(|c| c != "0");
        (failed_result || failed_code).then(|| Error::Registrar {
            provider: P,
            status: Some(resp.status),
            code: self.code.clone(),
            message: self
                .message
                .clone()
                .unwrap_or_else(|| "the operation failed (no message given)".into()),
            retry_at: resp.retry_at(ctx.now),
        })
    }
}

/// Maps a DNA status, ignoring case and separators.
fn status(raw: Option<&str>) -> (Status, Option<FailureReason>) {
    match raw.map(enum_key).as_deref() {
        Some("notvalidated" | "notverified" | "unverified" | "none") => (Status::NotStarted, None),
        Some("pending" | "inprogress" | "waiting") => (Status::Pending, None),
        Some("validated" | "verified") => (Status::Verified, None),
        Some("expired") => (Status::Failed, Some(FailureReason::Expired)),
        Some("bounced") => (Status::Failed, Some(FailureReason::Bounced)),
        Some("failed" | "invalid") => (Status::Failed, None),
        _ => (Status::Unknown, None),
    }
}

impl Row for Details {
    fn observe(self, ctx: &Context) -> Result<Observation, (String, Option<String>)> {
        let key = self.email.clone().or_else(|| self.external_id.clone());
        let (status, failure_reason) = status(self.status.as_deref());
        let mut o = Observation::new(P, status);
        o.failure_reason = failure_reason;
        o.email = self.email;
        o.handle = self.external_id;
        o.domains = self.domains;
        o.last_notification_at = self
            .last_notification
            .resolve(ctx.zone)
            .map_err(|e| (format!("`LastNotificationDate`: {e}"), key.clone()))?;
        // A verified contact has no deadline left, whatever the key's date.
        if status != Status::Verified {
            o.deadline = self
                .expiration
                .resolve(ctx.zone)
                .map_err(|e| (format!("`ExpirationDate`: {e}"), key))?;
        }
        Ok(o)
    }
}

/// Descends through the wrappers WCF and SOAP bridges put around a result:
/// `text` and the result are canonical ([`Canonical`], as `Value` prints).
fn unwrap_result(mut text: &str) -> &str {
    for _ in 0..3 {
        if !text.starts_with('{') {
            break;
        }
        // A canonical object has each key once.
        let Ok(RawEntries(entries)) = serde_json::from_str::<RawEntries<'_>>(text) else {
            break;
        };
        let [(key, value)] = entries.as_slice() else { break };
        let known = matches!(key.as_str(), "d" | "Result" | "result" | "Data" | "data" | "Details")
            || key.ends_with("Result")
            || key.ends_with("Response");
        let inner = value.get();
        if !(known && (inner.starts_with('{') || inner.starts_with('['))) {
            break;
        }
        text = inner;
    }
    text
}

/// The body read as a `serde_json::Value` was (failing the same way), with
/// the wrappers around the result taken off, as `Value` prints it: the
/// adapter has always read the result from that text.
fn result_text(raw: &str, resp: &Response<'_>, ctx: &Context) -> Result<String, Error> {
    let Canonical(text) = serde_json::from_str(raw).map_err(|e| unreadable(P, resp, ctx, &e))?;
    Ok(unwrap_result(&text).to_owned())
}

/// Evaluates a `GetDetails` answer (one object, or an array of them).
pub(crate) fn status_payload(resp: &Response<'_>, ctx: &Context) -> Result<Evaluation, Error> {
    let raw = read_json(P, resp, ctx)?;
    let text = result_text(raw, resp, ctx)?;
    match text.as_bytes().first() {
        Some(b'[') if !resp.is_success() => Err(http_error(P, resp, ctx)),
        Some(b'[') => {
            let (good, bad) = super::rows::<Details>(P, &text, ctx)?;
            finish(P, good, bad, None, Some(Absence::NoRecord), ctx)
        }
        Some(b'{') => {
            let details: Details = object(P, &text, EXPECTED)?;
            if let Some(err) = details.envelope.error(resp, ctx) {
                return Err(err);
            }
            if !resp.is_success() {
                return Err(http_error(P, resp, ctx));
            }
            if details.status.is_none() {
                return Err(Error::UnexpectedShape {
                    provider: P,
                    expected: EXPECTED,
                    found: super::describe(&text),
                });
            }
            let obs = details.observe(ctx).map_err(|(found, _)| Error::UnexpectedShape {
                provider: P,
                expected: EXPECTED,
                found,
            })?;
            finish(P, vec![obs], Vec::new(), None, None, ctx)
        }
        _ => Err(Error::UnexpectedShape {
            provider: P,
            expected: EXPECTED,
            found: super::describe(&text),
        }),
    }
}

/// Reads a `ResendContactVerificationNotice` answer. DNA sends at once and
/// documents no throttle, so success is "sent" and the caller's cooldown
/// applies.
pub(crate) fn resend(resp: &Response<'_>, ctx: &Context) -> Result<ResendOutcome, Error> {
    if resp.status == 429 {
        return Ok(super::throttled(resp, ctx));
    }
    let raw = read_json(P, resp, ctx)?;
    let text = result_text(raw, resp, ctx)?;
    let sent =
        |message| Ok(ResendOutcome { outcome: ResendKind::Sent, next_eligible_at: None, message });
    match text.as_bytes().first() {
        _ if text == "true" && resp.is_success() => sent(None),
        Some(b'{') => {
            let env =
                Envelope::read::<_, serde_json::Error>(envelope_entries(&text)).map_err(|e| {
                    Error::UnexpectedShape {
                        provider: P,
                        expected: "DNA's operation result",
                        found: e.to_string(),
                    }
                })?;
            if let Some(err) = env.error(resp, ctx) {
                return Err(err);
            }
            if !resp.is_success() {
                return Err(http_error(P, resp, ctx));
            }
            if env.result.is_none() && env.code.is_none() {
                return Err(Error::UnexpectedShape {
                    provider: P,
                    expected: "DNA's operation result (`OperationResult` or `ErrorCode`)",
                    found: super::describe(raw),
                });
            }
            sent(env.message)
        }
        _ if !resp.is_success() => Err(http_error(P, resp, ctx)),
        _ => Err(Error::UnexpectedShape {
            provider: P,
            expected: "DNA's operation result",
            found: super::describe(raw),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::VALUES;
    use super::{Details, Envelope, Scalar};
    use serde_json::Value;

    #[test]
    fn bad_rows_name_the_field_at_fault_as_before() {
        super::super::tests::read_row_reads_fields_as_values_did::<Details, Derived>(
            &KEYS[..KEYS.len() - 3],
        );
    }

    const KEYS: &[&str] = &[
        "VerificationStatus",
        "verificationStatus",
        "Status",
        "status",
        "ExpirationDate",
        "expirationDate",
        "LastNotificationDate",
        "lastNotificationDate",
        "ContactEmail",
        "contactEmail",
        "Email",
        "EMail",
        "email",
        "ExternalId",
        "externalId",
        "ExternalID",
        "Domains",
        "domains",
        "OperationResult",
        "operationResult",
        "ErrorCode",
        "errorCode",
        "OperationMessage",
        "operationMessage",
        "Message",
        "message",
        "zzz",
        "envelope",
        "$serde_json::private::RawValue",
    ];

    mod derived {
        use crate::{lenient::opt_string, lenient::string_list, time::RawTime};
        use serde::Deserialize;

        /// `Details` as first written, with serde's derive and flatten.
        #[derive(Debug, Default, Deserialize)]
        #[serde(default)]
        pub(super) struct Details {
            #[serde(
                rename = "VerificationStatus",
                alias = "verificationStatus",
                alias = "Status",
                alias = "status",
                deserialize_with = "opt_string"
            )]
            pub(super) status: Option<String>,
            #[serde(rename = "ExpirationDate", alias = "expirationDate")]
            pub(super) expiration: RawTime,
            #[serde(rename = "LastNotificationDate", alias = "lastNotificationDate")]
            pub(super) last_notification: RawTime,
            #[serde(
                rename = "ContactEmail",
                alias = "contactEmail",
                alias = "Email",
                alias = "EMail",
                alias = "email",
                deserialize_with = "opt_string"
            )]
            pub(super) email: Option<String>,
            #[serde(
                rename = "ExternalId",
                alias = "externalId",
                alias = "ExternalID",
                deserialize_with = "opt_string"
            )]
            pub(super) external_id: Option<String>,
            #[serde(rename = "Domains", alias = "domains", deserialize_with = "string_list")]
            pub(super) domains: Vec<String>,
            #[serde(flatten)]
            pub(super) envelope: Envelope,
        }

        #[derive(Debug, Default, Deserialize)]
        #[serde(default)]
        pub(super) struct Envelope {
            #[serde(
                rename = "OperationResult",
                alias = "operationResult",
                deserialize_with = "opt_string"
            )]
            pub(super) result: Option<String>,
            #[serde(rename = "ErrorCode", alias = "errorCode", deserialize_with = "opt_string")]
            pub(super) code: Option<String>,
            #[serde(
                rename = "OperationMessage",
                alias = "operationMessage",
                alias = "Message",
                alias = "message",
                deserialize_with = "opt_string"
            )]
            pub(super) message: Option<String>,
        }
    }
    use derived::{Details as Derived, Envelope as DerivedEnvelope};

    fn fields(d: Details) -> String {
        let e = d.envelope;
        let envelope = (e.result, e.code, e.message);
        let d = (d.status, d.expiration, d.last_notification, d.email, d.external_id, d.domains);
        format!("{d:?} {envelope:?}")
    }

    fn derived_fields(d: Derived) -> String {
        let e = d.envelope;
        let envelope = (e.result, e.code, e.message);
        let d = (d.status, d.expiration, d.last_notification, d.email, d.external_id, d.domains);
        format!("{d:?} {envelope:?}")
    }

    fn check(json: &str) {
        let new = serde_json::from_str::<Details>(json).map(fields).map_err(|e| e.to_string());
        let old =
            serde_json::from_str::<Derived>(json).map(derived_fields).map_err(|e| e.to_string());
        assert_eq!(new, old, "{json}");
        // In a list, as rows are read.
        let list = format!("[{json}, {json}]");
        let new = serde_json::from_str::<Vec<Details>>(&list)
            .map(|v| v.into_iter().map(fields).collect::<Vec<_>>())
            .map_err(|e| e.to_string());
        let old = serde_json::from_str::<Vec<Derived>>(&list)
            .map(|v| v.into_iter().map(derived_fields).collect::<Vec<_>>())
            .map_err(|e| e.to_string());
        assert_eq!(new, old, "{list}");
        // The resend answer's envelope, read from a `Value`.
        if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(json) {
            let Value::Object(map) = &value else { unreachable!() };
            let new = Envelope::read::<_, serde_json::Error>(
                map.iter().map(|(k, v)| (k, Scalar::from(v))),
            )
            .map(|e| format!("{:?}", (e.result, e.code, e.message)))
            .map_err(|e| e.to_string());
            let old = serde_json::from_value::<DerivedEnvelope>(value)
                .map(|e| format!("{:?}", (e.result, e.code, e.message)))
                .map_err(|e| e.to_string());
            assert_eq!(new, old, "{json}");
        }
    }

    #[test]
    fn details_read_as_the_derived_flatten_did() {
        let odd = [
            "1e400",
            "-1e400",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"\\u12\"",
            "{\"$serde_json::private::RawValue\":\"1\"}",
            "{\"$serde_json::private::RawValue\":1}",
            "[1,]",
            "01",
            "{\"a\":1,}",
        ];
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let mut values: Vec<&str> = VALUES.to_vec();
        values.extend(odd);
        values.push(&deep);
        for json in values.iter().chain(["", "{", "{}", "[]", "[{}]", "{\"a\"}", "{\"a\":}"].iter())
        {
            check(json);
        }
        for (i, k) in KEYS.iter().enumerate() {
            for (j, v) in values.iter().enumerate() {
                let k2 = KEYS[(i * 7 + j) % KEYS.len()];
                let k3 = KEYS[(i + j * 5) % KEYS.len()];
                let v2 = values[(i * 3 + j * 7) % values.len()];
                let v3 = values[(i * 11 + j) % values.len()];
                check(&format!("{{\"{k}\":{v}}}"));
                check(&format!("{{\"{k}\":{v},\"{k2}\":{v2}}}"));
                check(&format!("{{\"{k2}\":{v2},\"{k}\":{v},\"{k3}\":{v3}}}"));
                check(&format!("{{\"{k}\":{v},\"{k2}\":{v2},\"{k}\":{v3}}}"));
                check(&format!("{{\"{k3}\":{v3}, \"{k2}\":{v}, \"{k}\":{v2},\"zzz\":{v}}}"));
            }
        }
    }

    /// The adapter as it was, reading the body into a `serde_json::Value`.
    mod with_values {
        use super::super::{Details, Envelope, Row, Scalar, EXPECTED, P};
        use crate::{
            context::{Context, Response},
            error::Error,
            providers::{finish, http_error, object, read_json, unreadable, Absence},
            resend::{ResendKind, ResendOutcome},
            Evaluation,
        };
        use serde_json::Value;

        /// Descends through the wrappers WCF and SOAP bridges put around a result.
        fn unwrap_result(mut value: Value) -> Value {
            for _ in 0..3 {
                let inner = match &mut value {
                    Value::Object(map) if map.len() == 1 => {
                        let key = map.keys().next().cloned().unwrap_or_default();
                        let known = matches!(
                            key.as_str(),
                            "d" | "Result" | "result" | "Data" | "data" | "Details"
                        ) || key.ends_with("Result")
                            || key.ends_with("Response");
                        match map.get_mut(&key) {
                            Some(v @ (Value::Object(_) | Value::Array(_))) if known => v.take(),
                            _ => break,
                        }
                    }
                    _ => break,
                };
                value = inner;
            }
            value
        }

        /// Evaluates a `GetDetails` answer (one object, or an array of them).
        pub(super) fn status_payload(
            resp: &Response<'_>,
            ctx: &Context,
        ) -> Result<Evaluation, Error> {
            let raw = read_json(P, resp, ctx)?;
            let value: Value =
                serde_json::from_str(raw).map_err(|e| unreadable(P, resp, ctx, &e))?;
            let value = unwrap_result(value);
            let text = value.to_string();
            match value {
                Value::Array(_) if !resp.is_success() => Err(http_error(P, resp, ctx)),
                Value::Array(_) => {
                    let (good, bad) = crate::providers::rows::<Details>(P, &text, ctx)?;
                    finish(P, good, bad, None, Some(Absence::NoRecord), ctx)
                }
                Value::Object(_) => {
                    let details: Details = object(P, &text, EXPECTED)?;
                    if let Some(err) = details.envelope.error(resp, ctx) {
                        return Err(err);
                    }
                    if !resp.is_success() {
                        return Err(http_error(P, resp, ctx));
                    }
                    if details.status.is_none() {
                        return Err(Error::UnexpectedShape {
                            provider: P,
                            expected: EXPECTED,
                            found: crate::providers::describe(&text),
                        });
                    }
                    let obs = details.observe(ctx).map_err(|(found, _)| {
                        Error::UnexpectedShape { provider: P, expected: EXPECTED, found }
                    })?;
                    finish(P, vec![obs], Vec::new(), None, None, ctx)
                }
                _ => Err(Error::UnexpectedShape {
                    provider: P,
                    expected: EXPECTED,
                    found: crate::providers::describe(&text),
                }),
            }
        }

        /// Reads a `ResendContactVerificationNotice` answer. DNA sends at once and
        /// documents no throttle, so success is "sent" and the caller's cooldown
        /// applies.
        pub(super) fn resend(resp: &Response<'_>, ctx: &Context) -> Result<ResendOutcome, Error> {
            if resp.status == 429 {
                return Ok(crate::providers::throttled(resp, ctx));
            }
            let raw = read_json(P, resp, ctx)?;
            let value =
                unwrap_result(serde_json::from_str(raw).map_err(|e| unreadable(P, resp, ctx, &e))?);
            let sent = |message| {
                Ok(ResendOutcome { outcome: ResendKind::Sent, next_eligible_at: None, message })
            };
            match value {
                Value::Bool(true) if resp.is_success() => sent(None),
                Value::Object(map) => {
                    let entries = map.iter().map(|(k, v)| (k, Scalar::from(v)));
                    let env = Envelope::read::<_, serde_json::Error>(entries).map_err(|e| {
                        Error::UnexpectedShape {
                            provider: P,
                            expected: "DNA's operation result",
                            found: e.to_string(),
                        }
                    })?;
                    if let Some(err) = env.error(resp, ctx) {
                        return Err(err);
                    }
                    if !resp.is_success() {
                        return Err(http_error(P, resp, ctx));
                    }
                    if env.result.is_none() && env.code.is_none() {
                        return Err(Error::UnexpectedShape {
                            provider: P,
                            expected: "DNA's operation result (`OperationResult` or `ErrorCode`)",
                            found: crate::providers::describe(raw),
                        });
                    }
                    sent(env.message)
                }
                _ if !resp.is_success() => Err(http_error(P, resp, ctx)),
                _ => Err(Error::UnexpectedShape {
                    provider: P,
                    expected: "DNA's operation result",
                    found: crate::providers::describe(raw),
                }),
            }
        }
    }

    #[test]
    fn scalars_of_canonical_text_are_those_of_values() {
        let mut texts = crate::json::tests::tricky();
        texts.extend(
            ["1e-7", "-1e-7", "123456789e300", "-1.5e-300", "1234567890000000.25"]
                .map(str::to_owned),
        );
        for json in texts {
            let Ok(value) = serde_json::from_str::<Value>(&json) else { continue };
            let new = format!("{:?}", Scalar::canonical(&value.to_string()));
            assert_eq!(new, format!("{:?}", Scalar::from(&value)), "{json}");
        }
    }

    #[test]
    fn answers_read_as_from_a_value() {
        use crate::context::{Context, Response};
        use chrono::{TimeZone, Utc};
        let ctx = Context::new(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap());
        let rows = [
            r#"{"VerificationStatus":"Pending","ExpirationDate":"2026-03-05T10:00:00","ContactEmail":"a@b.c"}"#,
            r#"{"status":"validated","email":" x@y.z ","ExternalId":7,"Domains":["a.com"]}"#,
            r#"{"VerificationStatus":"Pending","VerificationStatus":"Validated","ExpirationDate":1.5e300}"#,
            r#"{"ExpirationDate":"2026-02-30 10:00:00","Status":"pending","zzz":{"b":1,"a":[1.25,-0,1e16]}}"#,
            r#"{"LastNotificationDate":{"x":1},"ExpirationDate":[1],"ContactEmail":5}"#,
            r#"{"OperationResult":"ERROR","ErrorCode":12,"OperationMessage":"nope","OperationResult":"SUCCESS"}"#,
            r#"{"OperationResult":"SUCCESS","ErrorCode":0,"OperationMessage":"sent"}"#,
            r#"{"ErrorCode":"0","Message":"ok","message":"two"}"#,
            r#"{"ErrorCode":1234567890000000.25,"errorCode":1}"#,
            r#"{"VerificationStatus":{"$serde_json::private::RawValue":""Pending""}}"#,
            r#"{"$serde_json::private::RawValue":"{"VerificationStatus":"Validated"}"}"#,
            "{}",
            "[]",
            "true",
            "false",
            "null",
            "\"x\"",
            "17",
        ];
        let mut bodies: Vec<String> = crate::json::tests::tricky();
        for (i, row) in rows.iter().enumerate() {
            let other = rows[(i * 5 + 3) % rows.len()];
            bodies.push((*row).to_owned());
            bodies.push(format!("[{row}, {other}]"));
            bodies.push(format!("[{row}, 1, [], {other}]"));
            for wrapper in ["d", "GetDetailsResult", "Data", "x", "GetDetailsResponse"] {
                bodies.push(format!("{{\"{wrapper}\":{row}}}"));
                bodies.push(format!("{{\"{wrapper}\":[{row}]}}"));
                bodies.push(format!("{{\"{wrapper}\":{row},\"{wrapper}\":{other}}}"));
                bodies.push(format!("{{\"{wrapper}\":1,\"{wrapper}\":{row}}}"));
                bodies.push(format!("{{\"{wrapper}\":{row},\"more\":1}}"));
                bodies.push(format!("{{\"d\":{{\"{wrapper}\":{{\"result\":{row}}}}}}}"));
                bodies.push(format!(
                    "{{\"d\":{{\"{wrapper}\":{{\"result\":{{\"Details\":{row}}}}}}}}}"
                ));
            }
        }
        let (mut read, mut sent) = (0, 0);
        for body in &bodies {
            for status in [200, 500] {
                let resp = Response::new(status, body);
                let new = format!("{:?}", super::status_payload(&resp, &ctx));
                read += usize::from(new.starts_with("Ok(Evaluation { records: [Record"));
                let old = format!("{:?}", with_values::status_payload(&resp, &ctx));
                assert_eq!(new, old, "{status} {body}");
                let new = format!("{:?}", super::resend(&resp, &ctx));
                let old = format!("{:?}", with_values::resend(&resp, &ctx));
                sent += usize::from(new.starts_with("Ok"));
                assert_eq!(new, old, "resend {status} {body}");
            }
        }
        assert!(read > 50 && sent > 10, "{read} read, {sent} sent: the bodies test too little");
    }
}
