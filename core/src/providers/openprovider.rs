//! Openprovider REST v1beta, `customers/verifications/emails/...`.
//!
//! - `GET .../emails/domains` → `{code: 0, desc, data: {results: [{email,
//!   handle, domain, status, description, is_suspended, expiration_date}],
//!   total}}`, one row per (email, domain). Rows of one email are grouped
//!   into one record with all its domains.
//! - Statuses `not verified`, `in progress`, `verified`, `failed` (with
//!   `description` `expired` or `bounced`); the KB sample also shows
//!   `unverified`, and customer objects use `ACT`/`REQ`/`FAI`.
//! - `expiration_date` is `YYYY-MM-DD HH:MM:SS` (no zone), an integer, `""`
//!   or `0000-00-00 00:00:00`; it is the moment the email turns failed and
//!   the domains get suspended.
//! - Errors: `{code: N, desc, data: ""}`; `code != 0` is not always a
//!   failure: `start` answers 20001 on success, 20000 means already
//!   verified.

use super::{
    finish, http_error, object, read_fields, read_json, rows, Absence, Fields, Row as ListRow,
};
use crate::{
    context::{Context, Response},
    error::Error,
    evaluation::{Evaluation, Page},
    json::Value,
    lenient::{opt_bool, opt_enum_key, opt_i64, opt_string, EnumKey},
    observation::Observation,
    record::{FailureReason, Provider, Status},
    resend::{ResendKind, ResendOutcome},
    time::RawTime,
};

const P: Provider = Provider::Openprovider;
const EXPECTED: &str = "an Openprovider envelope (`code`, `data`)";

/// `start` succeeded: "Verification email in progress".
pub const CODE_IN_PROGRESS: i64 = 20001;
/// "This email address has been verified already".
pub const CODE_ALREADY_VERIFIED: i64 = 20000;

#[derive(Debug, Default)]
struct Envelope<'v, 'a> {
    code: Option<i64>,
    desc: Option<String>,
    data: Option<&'v Value<'a>>,
}

impl<'v, 'a> Fields<'v, 'a> for Envelope<'v, 'a> {
    const FIELDS: &'static [&'static [&'static str]] = &[&["code"], &["desc"], &["data"]];

    fn set(&mut self, i: usize, v: &'v Value<'a>) -> Result<(), String> {
        match i {
            0 => self.code = opt_i64(v)?,
            1 => self.desc = opt_string(v)?,
            _ => self.data = (!v.is_null()).then_some(v),
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Data<'v, 'a> {
    results: Option<&'v Value<'a>>,
    total: Option<i64>,
    success: Option<bool>,
}

impl<'v, 'a> Fields<'v, 'a> for Data<'v, 'a> {
    const FIELDS: &'static [&'static [&'static str]] = &[&["results"], &["total"], &["success"]];

    fn set(&mut self, i: usize, v: &'v Value<'a>) -> Result<(), String> {
        match i {
            0 => self.results = (!v.is_null()).then_some(v),
            1 => self.total = opt_i64(v)?,
            _ => self.success = opt_bool(v)?,
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Row {
    email: Option<String>,
    handle: Option<String>,
    domain: Option<String>,
    status: Option<EnumKey>,
    description: Option<EnumKey>,
    is_suspended: Option<bool>,
    expiration_date: RawTime,
}

impl Fields<'_, '_> for Row {
    const FIELDS: &'static [&'static [&'static str]] = &[
        &["email"],
        &["handle"],
        &["domain"],
        &["status"],
        &["description"],
        &["is_suspended", "isSuspended"],
        &["expiration_date", "expirationDate"],
    ];

    fn set(&mut self, i: usize, v: &Value<'_>) -> Result<(), String> {
        match i {
            0 => self.email = opt_string(v)?,
            1 => self.handle = opt_string(v)?,
            2 => self.domain = opt_string(v)?,
            3 => self.status = opt_enum_key(v)?,
            4 => self.description = opt_enum_key(v)?,
            5 => self.is_suspended = opt_bool(v)?,
            _ => self.expiration_date = RawTime::read(v)?,
        }
        Ok(())
    }
}

/// Maps a domain-level (or customer-level) status, ignoring case, spaces and
/// underscores (the keys are [`EnumKey`]s). Values outside both sets are
/// `unknown`.
fn status(raw: Option<&str>, description: Option<&str>) -> (Status, Option<FailureReason>) {
    let reason = match description {
        Some("expired") => Some(FailureReason::Expired),
        Some("bounced" | "bounce") => Some(FailureReason::Bounced),
        _ => None,
    };
    match raw {
        Some("notverified" | "unverified" | "notstarted") => (Status::NotStarted, None),
        Some("inprogress" | "pending" | "req") => (Status::Pending, None),
        Some("verified" | "act") => (Status::Verified, None),
        Some("failed" | "fai") => (Status::Failed, reason),
        Some("expired") => (Status::Failed, Some(FailureReason::Expired)),
        Some("bounced") => (Status::Failed, Some(FailureReason::Bounced)),
        _ => (Status::Unknown, None),
    }
}

impl ListRow for Row {
    fn read(entries: &[(&str, &Value<'_>)]) -> Result<Self, String> {
        read_fields(entries.iter().copied())
    }

    fn observe(self, ctx: &Context) -> Result<Observation, (String, Option<String>)> {
        let Some(key) = self.email.clone().or_else(|| self.handle.clone()) else {
            return Err(("neither `email` nor `handle` is present".into(), self.domain));
        };
        let (status, failure_reason) = status(
            self.status.as_ref().map(EnumKey::as_str),
            self.description.as_ref().map(EnumKey::as_str),
        );
        let mut o = Observation::new(P, status);
        o.failure_reason = failure_reason;
        o.email = self.email;
        o.handle = self.handle;
        o.domains = self.domain.into_iter().collect();
        o.reported_suspended = self.is_suspended.unwrap_or(false);
        if status != Status::Verified {
            o.deadline = self
                .expiration_date
                .resolve(ctx.zone)
                .map_err(|e| (format!("`expiration_date`: {e}"), Some(key)))?;
        }
        Ok(o)
    }
}

/// Folds rows of one email into one observation ([`Observation::merge`]).
fn group(rows: Vec<Observation>) -> Vec<Observation> {
    let mut out: Vec<Observation> = Vec::with_capacity(rows.len());
    // (by email?, the email lowercased or the handle) of each `out` entry.
    let mut keys: Vec<(bool, String)> = Vec::with_capacity(rows.len());
    // Where each key is in `out`: an open-addressing table, at most half
    // full, of positions + 1 (0 is free). A `HashMap` would do, but brings
    // SipHash and its table code into the widget.
    let mut slots = vec![0usize; (rows.len() * 2).next_power_of_two()];
    let mask = slots.len() - 1;
    for o in rows {
        // Rows without email and handle are row errors, never here.
        let key = match (&o.email, &o.handle) {
            (Some(e), _) => (true, e.to_ascii_lowercase()),
            (None, h) => (false, h.clone().unwrap_or_default()),
        };
        let mut slot = fnv1a(&key) & mask;
        let found = loop {
            match slots[slot] {
                0 => break None,
                n if keys[n - 1] == key => break Some(n - 1),
                _ => slot = (slot + 1) & mask,
            }
        };
        let Some(i) = found else {
            slots[slot] = out.len() + 1;
            keys.push(key);
            out.push(o);
            continue;
        };
        out[i].merge(o);
    }
    out
}

/// FNV-1a of a grouping key.
fn fnv1a((by_email, text): &(bool, String)) -> usize {
    let start = 0xcbf2_9ce4_8422_2325_u64 ^ u64::from(*by_email);
    text.bytes().fold(start, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)) as usize
}

fn registrar_error(env: &Envelope<'_, '_>, resp: &Response<'_>, ctx: &Context) -> Error {
    let data_text = env.data.and_then(Value::str).filter(|s| !s.is_empty()).map(str::to_owned);
    let message = match (&env.desc, data_text) {
        (Some(desc), Some(data)) if desc != &data => format!("{desc} ({data})"),
        (Some(desc), _) => desc.clone(),
        (None, Some(data)) => data,
        (None, None) => "error without a description".into(),
    };
    Error::Registrar {
        provider: P,
        status: Some(resp.status),
        code: env.code.map(|c| c.to_string()),
        message,
        retry_at: resp.retry_at(ctx.now),
    }
}

fn envelope<'v, 'a>(
    body: &'v Value<'a>,
    resp: &Response<'a>,
    ctx: &Context,
    expected: &'static str,
) -> Result<Envelope<'v, 'a>, Error> {
    let env: Envelope = match object(P, body, expected) {
        Ok(env) => env,
        Err(_) if !resp.is_success() => return Err(http_error(P, resp, ctx)),
        Err(e) => return Err(e),
    };
    if env.code.is_none() && env.data.is_none() {
        return Err(if resp.is_success() {
            Error::UnexpectedShape { provider: P, expected, found: super::describe(body) }
        } else {
            http_error(P, resp, ctx)
        });
    }
    Ok(env)
}

/// Evaluates a `customers/verifications/emails/domains` page.
pub(crate) fn status_payload(resp: &Response<'_>, ctx: &Context) -> Result<Evaluation, Error> {
    let body = read_json(P, resp, ctx)?;
    let env = envelope(&body, resp, ctx, EXPECTED)?;
    if env.code.unwrap_or(0) != 0 || !resp.is_success() {
        return Err(registrar_error(&env, resp, ctx));
    }
    // grpc-gateway omits zero values: no `data` or no `results` is an empty page.
    let data: Data = match env.data {
        Some(data) => object(P, data, "`data` with `results`")?,
        None => Data::default(),
    };
    let (good, bad) = match data.results {
        Some(list) => match list.items() {
            Some(list) => rows::<Row>(list, false, ctx),
            None => {
                return Err(Error::UnexpectedShape {
                    provider: P,
                    expected: "a list of rows",
                    found: super::describe(list),
                })
            }
        },
        None => (Vec::new(), Vec::new()),
    };
    finish(P, group(good), bad, Some(page(data.total)), Some(Absence::NoRecord), ctx)
}

/// Openprovider pages by `offset` against `total`; a missing total is 0.
fn page(total: Option<i64>) -> Page {
    Page { total: Some(total.and_then(|t| u64::try_from(t).ok()).unwrap_or(0)), next: None }
}

/// Reads a `start` or `restart` answer.
pub(crate) fn resend(resp: &Response<'_>, ctx: &Context) -> Result<ResendOutcome, Error> {
    if resp.status == 429 {
        return Ok(super::throttled(resp, ctx));
    }
    let body = read_json(P, resp, ctx)?;
    let env = envelope(&body, resp, ctx, "an Openprovider start/restart answer")?;
    let outcome =
        |outcome| Ok(ResendOutcome { outcome, next_eligible_at: None, message: env.desc.clone() });
    match env.code.unwrap_or(0) {
        CODE_IN_PROGRESS if resp.is_success() => outcome(ResendKind::Sent),
        CODE_ALREADY_VERIFIED => outcome(ResendKind::AlreadyVerified),
        0 if resp.is_success() => {
            let data: Data = match env.data {
                Some(data) if data.entries().is_some() => object(P, data, "`data`")?,
                _ => Data::default(),
            };
            // `restart` answers {success: bool}; `start` answers {id}.
            match data.success {
                Some(false) => outcome(ResendKind::NotSent),
                _ => outcome(ResendKind::Sent),
            }
        }
        _ => Err(registrar_error(&env, resp, ctx)),
    }
}

#[cfg(test)]
mod tests {
    use super::{group, Observation, P};
    use crate::record::Status;
    use std::collections::HashMap;

    /// `group` as first written, with a `HashMap` (the same merge).
    fn group_with_hash_map(rows: Vec<Observation>) -> Vec<Observation> {
        let mut out: Vec<Observation> = Vec::new();
        let mut index: HashMap<(bool, String), usize> = HashMap::new();
        for o in rows {
            let key = match (&o.email, &o.handle) {
                (Some(e), _) => (true, e.to_ascii_lowercase()),
                (None, Some(h)) => (false, h.clone()),
                (None, None) => unreachable!(),
            };
            let Some(&i) = index.get(&key) else {
                index.insert(key, out.len());
                out.push(o);
                continue;
            };
            out[i].merge(o);
        }
        out
    }

    #[test]
    fn groups_as_a_hash_map_did() {
        let statuses = [Status::Pending, Status::Verified, Status::Failed, Status::NotStarted];
        for n in [0, 1, 2, 3, 7, 64, 300] {
            let rows = || {
                (0..n)
                    .map(|i: usize| {
                        let mut o = Observation::new(P, statuses[i % 4]);
                        match i % 5 {
                            0 => o.handle = Some(format!("H{}", i % 13)),
                            1 => o.email = Some(format!("A{}@x.com", i % 17)),
                            _ => o.email = Some(format!("a{}@X.com", i % 11)),
                        }
                        o.handle = o.handle.or(i.is_multiple_of(3).then(|| format!("h{i}")));
                        o.domains = vec![format!("d{}.com", i % 7)];
                        o.reported_suspended = i.is_multiple_of(9);
                        o
                    })
                    .collect::<Vec<_>>()
            };
            let new: Vec<String> = group(rows()).iter().map(|o| format!("{o:?}")).collect();
            let old: Vec<String> =
                group_with_hash_map(rows()).iter().map(|o| format!("{o:?}")).collect();
            assert_eq!(new, old, "{n} rows");
        }
    }
    /// `Row` as it was, with serde's derive.
    mod was {
        use crate::{
            lenient::{was::*, EnumKey},
            time::RawTime,
        };

        #[derive(Debug, serde::Deserialize)]
        #[serde(default)]
        #[allow(dead_code)]
        pub(super) struct Row {
            #[serde(deserialize_with = "opt_string")]
            email: Option<String>,
            #[serde(deserialize_with = "opt_string")]
            handle: Option<String>,
            #[serde(deserialize_with = "opt_string")]
            domain: Option<String>,
            #[serde(deserialize_with = "opt_enum_key")]
            status: Option<EnumKey>,
            #[serde(deserialize_with = "opt_enum_key")]
            description: Option<EnumKey>,
            #[serde(alias = "isSuspended", deserialize_with = "opt_bool")]
            is_suspended: Option<bool>,
            #[serde(alias = "expirationDate")]
            expiration_date: RawTime,
        }

        impl Default for Row {
            fn default() -> Self {
                Row {
                    email: None,
                    handle: None,
                    domain: None,
                    status: None,
                    description: None,
                    is_suspended: None,
                    expiration_date: RawTime::Absent,
                }
            }
        }
    }

    #[test]
    fn bad_rows_name_the_field_at_fault_as_before() {
        super::super::tests::read_row_reads_fields_as_values_did::<super::Row, was::Row>(
            &[
                "email",
                "handle",
                "domain",
                "status",
                "description",
                "is_suspended",
                "isSuspended",
                "expiration_date",
                "expirationDate",
            ],
            false,
        );
    }
}
