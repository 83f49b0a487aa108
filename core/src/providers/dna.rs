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
use serde::Deserialize;
use serde_json::Value;

const P: Provider = Provider::Dna;
const EXPECTED: &str = "a GetDetails result with `VerificationStatus`";

/// The fields of a `GetDetails` result, and of DNA's operation envelope.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Details {
    #[serde(
        rename = "VerificationStatus",
        alias = "verificationStatus",
        alias = "Status",
        alias = "status",
        deserialize_with = "opt_string"
    )]
    status: Option<String>,
    #[serde(rename = "ExpirationDate", alias = "expirationDate")]
    expiration: RawTime,
    #[serde(rename = "LastNotificationDate", alias = "lastNotificationDate")]
    last_notification: RawTime,
    #[serde(
        rename = "ContactEmail",
        alias = "contactEmail",
        alias = "Email",
        alias = "EMail",
        alias = "email",
        deserialize_with = "opt_string"
    )]
    email: Option<String>,
    #[serde(
        rename = "ExternalId",
        alias = "externalId",
        alias = "ExternalID",
        deserialize_with = "opt_string"
    )]
    external_id: Option<String>,
    #[serde(rename = "Domains", alias = "domains", deserialize_with = "string_list")]
    domains: Vec<String>,
    #[serde(flatten)]
    envelope: Envelope,
}

/// DNA's operation result envelope.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Envelope {
    #[serde(
        rename = "OperationResult",
        alias = "operationResult",
        deserialize_with = "opt_string"
    )]
    result: Option<String>,
    #[serde(rename = "ErrorCode", alias = "errorCode", deserialize_with = "opt_string")]
    code: Option<String>,
    #[serde(
        rename = "OperationMessage",
        alias = "operationMessage",
        alias = "Message",
        alias = "message",
        deserialize_with = "opt_string"
    )]
    message: Option<String>,
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
        Value::Object(_) => {
            let env: Envelope =
                serde_json::from_value(value).map_err(|e| Error::UnexpectedShape {
                    provider: P,
                    expected: "DNA's operation result",
                    found: e.to_string(),
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
