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
use serde_json::Value;
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

impl From<&Value> for Scalar {
    fn from(v: &Value) -> Scalar {
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

/// Descends through the wrappers WCF and SOAP bridges put around a result.
fn unwrap_result(mut value: Value) -> Value {
    for _ in 0..3 {
        let inner = match &mut value {
            Value::Object(map) if map.len() == 1 => {
                let key = map.keys().next().cloned().unwrap_or_default();
                let known =
                    matches!(key.as_str(), "d" | "Result" | "result" | "Data" | "data" | "Details")
                        || key.ends_with("Result")
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
pub(crate) fn status_payload(resp: &Response<'_>, ctx: &Context) -> Result<Evaluation, Error> {
    let raw = read_json(P, resp, ctx)?;
    let value: Value = serde_json::from_str(raw).map_err(|e| unreadable(P, resp, ctx, &e))?;
    let value = unwrap_result(value);
    let text = value.to_string();
    match value {
        Value::Array(_) if !resp.is_success() => Err(http_error(P, resp, ctx)),
        Value::Array(_) => {
            let (good, bad) = super::rows::<Details>(P, &text, ctx)?;
            Ok(finish(P, good, bad, None, Some(Absence::NoRecord), ctx))
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
                    found: super::describe(&text),
                });
            }
            let obs = details.observe(ctx).map_err(|(found, _)| Error::UnexpectedShape {
                provider: P,
                expected: EXPECTED,
                found,
            })?;
            Ok(finish(P, vec![obs], Vec::new(), None, None, ctx))
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
    let value = unwrap_result(serde_json::from_str(raw).map_err(|e| unreadable(P, resp, ctx, &e))?);
    let sent =
        |message| Ok(ResendOutcome { outcome: ResendKind::Sent, next_eligible_at: None, message });
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
}
