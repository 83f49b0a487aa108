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

use super::{field, finish, http_error, read_fields, read_json, Absence, Fields, Row};
use crate::json::sorted;
use crate::{
    context::{Context, Response},
    error::Error,
    evaluation::Evaluation,
    json::Value,
    lenient::{enum_key, opt_string, string_list},
    observation::Observation,
    record::{FailureReason, Provider, Status},
    resend::{ResendKind, ResendOutcome},
    time::RawTime,
};

const P: Provider = Provider::Dna;
const EXPECTED: &str = "a GetDetails result with `VerificationStatus`";

/// The fields of a `GetDetails` result, and of DNA's operation envelope.
///
/// Read as `#[derive(Deserialize)]` with the envelope `#[serde(flatten)]`
/// read it (same names, errors and order of errors): the `Details` fields
/// as they come, then the envelope from the other keys.
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

impl Details {
    /// Reads the fields from `entries` (in their order; the adapter always
    /// gives them sorted, each key once, as `Value` held them).
    fn read<'v, 'a: 'v>(
        entries: impl IntoIterator<Item = (&'v str, &'v Value<'a>)>,
    ) -> Result<Details, String> {
        let mut details = Details::default();
        let mut seen = [false; 6];
        // Keys that are not `Details` fields, in order: the envelope's.
        let mut other = Vec::new();
        for (key, v) in entries {
            let Some(i) = field(&DETAILS_FIELDS, key) else {
                other.push((key, v));
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(format!("duplicate field `{}`", DETAILS_FIELDS[i][0]));
            }
            match i {
                0 => details.status = opt_string(v)?,
                1 => details.expiration = RawTime::read(v)?,
                2 => details.last_notification = RawTime::read(v)?,
                3 => details.email = opt_string(v)?,
                4 => details.external_id = opt_string(v)?,
                _ => details.domains = string_list(v)?,
            }
        }
        details.envelope = read_fields(other)?;
        Ok(details)
    }
}

/// DNA's operation result envelope.
#[derive(Debug, Default)]
struct Envelope {
    result: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

impl Fields<'_, '_> for Envelope {
    const FIELDS: &'static [&'static [&'static str]] = &[
        &["OperationResult", "operationResult"],
        &["ErrorCode", "errorCode"],
        &["OperationMessage", "operationMessage", "Message", "message"],
    ];

    fn set(&mut self, i: usize, v: &Value<'_>) -> Result<(), String> {
        let value = opt_string(v)?;
        match i {
            0 => self.result = value,
            1 => self.code = value,
            _ => self.message = value,
        }
        Ok(())
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
    fn read(entries: &[(&str, &Value<'_>)]) -> Result<Self, String> {
        Details::read(entries.iter().copied())
    }

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
/// an object whose one key (the last of repeated ones) is a known wrapper
/// of an object or a list, three levels at most.
fn unwrap_result<'v, 'a>(mut value: &'v Value<'a>) -> &'v Value<'a> {
    for _ in 0..3 {
        let Some(entries) = value.entries() else { break };
        let [(key, inner)] = sorted(entries)[..] else { break };
        let known = matches!(key, "d" | "Result" | "result" | "Data" | "data" | "Details")
            || key.ends_with("Result")
            || key.ends_with("Response");
        if !(known && (inner.entries().is_some() || inner.items().is_some())) {
            break;
        }
        value = inner;
    }
    value
}

/// Evaluates a `GetDetails` answer (one object, or an array of them).
pub(crate) fn status_payload(resp: &Response<'_>, ctx: &Context) -> Result<Evaluation, Error> {
    let body = read_json(P, resp, ctx)?;
    let result = unwrap_result(&body);
    if let Some(list) = result.items() {
        if !resp.is_success() {
            return Err(http_error(P, resp, ctx));
        }
        let (good, bad) = super::rows::<Details>(list, true, ctx);
        return finish(P, good, bad, None, Some(Absence::NoRecord), ctx);
    }
    let Some(entries) = result.entries() else {
        return Err(Error::UnexpectedShape {
            provider: P,
            expected: EXPECTED,
            found: super::describe_canonical(result),
        });
    };
    let details = Details::read(sorted(entries)).map_err(|found| Error::UnexpectedShape {
        provider: P,
        expected: EXPECTED,
        found,
    })?;
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
            found: super::describe_canonical(result),
        });
    }
    let obs = details.observe(ctx).map_err(|(found, _)| Error::UnexpectedShape {
        provider: P,
        expected: EXPECTED,
        found,
    })?;
    finish(P, vec![obs], Vec::new(), None, None, ctx)
}

/// Reads a `ResendContactVerificationNotice` answer. DNA sends at once and
/// documents no throttle, so success is "sent" and the caller's cooldown
/// applies.
pub(crate) fn resend(resp: &Response<'_>, ctx: &Context) -> Result<ResendOutcome, Error> {
    if resp.status == 429 {
        return Ok(super::throttled(resp, ctx));
    }
    let body = read_json(P, resp, ctx)?;
    let result = unwrap_result(&body);
    let sent =
        |message| Ok(ResendOutcome { outcome: ResendKind::Sent, next_eligible_at: None, message });
    if result.kind == crate::json::Kind::Bool(true) && resp.is_success() {
        return sent(None);
    }
    let Some(entries) = result.entries() else {
        if !resp.is_success() {
            return Err(http_error(P, resp, ctx));
        }
        return Err(Error::UnexpectedShape {
            provider: P,
            expected: "DNA's operation result",
            found: super::describe(&body),
        });
    };
    let env: Envelope = read_fields(sorted(entries)).map_err(|found| Error::UnexpectedShape {
        provider: P,
        expected: "DNA's operation result",
        found,
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
            found: super::describe(&body),
        });
    }
    sent(env.message)
}

#[cfg(test)]
mod tests {
    use super::super::tests::VALUES;
    use super::{read_fields, Details, Envelope};
    use crate::json::{canonical, parse_strict, sorted, tests::RAW_VALUE_KEY};

    #[test]
    fn bad_rows_name_the_field_at_fault_as_before() {
        super::super::tests::read_row_reads_fields_as_values_did::<Details, Derived>(
            &KEYS[..KEYS.len() - 3],
            true,
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
        use crate::{lenient::was::opt_string, lenient::was::string_list, time::RawTime};
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

    /// The adapter reads `Details` (and the resend answer's envelope) from
    /// an object's entries sorted, each key once, as it always read them
    /// from `Value`'s text: as serde's derive and flatten read that text.
    fn check(json: &str) {
        let Ok(value) = parse_strict(json) else { return };
        let Some(entries) = value.entries() else { return };
        if json.contains(RAW_VALUE_KEY) {
            return;
        }
        let text = canonical(&value);
        let new = Details::read(sorted(entries)).map(fields);
        let old = serde_json::from_str::<Derived>(&text)
            .map(derived_fields)
            .map_err(|e| e.to_string())
            .map_err(|e| e[..e.rfind(" at line ").unwrap_or(e.len())].to_owned());
        assert_eq!(new, old, "{json}");
        let new = read_fields::<Envelope>(sorted(entries))
            .map(|e| format!("{:?}", (e.result, e.code, e.message)));
        let old = serde_json::from_str::<DerivedEnvelope>(&text)
            .map(|e| format!("{:?}", (e.result, e.code, e.message)))
            .map_err(|e| e.to_string())
            .map_err(|e| e[..e.rfind(" at line ").unwrap_or(e.len())].to_owned());
        assert_eq!(new, old, "{json}");
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
