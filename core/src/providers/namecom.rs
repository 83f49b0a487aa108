//! name.com Core API v1: the unverified-contacts list, `:resend`, and the
//! `contact.verification.status_change` webhook.
//!
//! - `GET /core/v1/contacts/unverified` →
//!   `{unverifiedContacts: [{verificationId, createDate, verifyBy, email,
//!   domains}], from, to, lastPage, nextPage, totalCount}`. Every listed
//!   contact is pending with `deadline = verifyBy`; past it the registry
//!   applies a verification lock. A contact *absent* from the list is
//!   verified, except within ~10 minutes of a change (the list is filled by
//!   a job), when it is `unknown`.
//! - Pagination: stop on `nextPage == null`, an empty page, or
//!   `to >= totalCount`; `lastPage` is not trusted.
//! - Errors: `{message, details?}` with a 4xx/5xx status.
//! - The webhook: `{eventName, domains, verificationId, verification:
//!   {status: "verified"} | {status: "unverified", verifyBy}}`; no email.

use super::{finish, http_error, object, read_fields, read_json, rows, Absence, Fields, Row};
use crate::{
    context::{Context, Response},
    error::Error,
    evaluation::{Evaluation, NextPage, Page},
    json::Value,
    lenient::{enum_key, opt_bool, opt_i64, opt_string, string_list},
    observation::Observation,
    record::{Provider, Status},
    resend::{ResendKind, ResendOutcome},
    time::{find_timestamp, RawTime},
};

const P: Provider = Provider::Namecom;
const EXPECTED: &str =
    "an unverified-contacts page (`unverifiedContacts`) or a `contact.verification.status_change` webhook";

/// The webhook event this adapter reads.
pub const STATUS_CHANGE_EVENT: &str = "contact.verification.status_change";

/// Every top-level shape name.com sends here, read leniently.
#[derive(Debug, Default)]
struct Envelope<'v, 'a> {
    unverified_contacts: Option<&'v Value<'a>>,
    to: Option<i64>,
    next_page: Option<i64>,
    total_count: Option<i64>,
    // Error envelope.
    message: Option<String>,
    details: Option<String>,
    // Webhook.
    event_name: Option<String>,
    verification: Option<&'v Value<'a>>,
    verification_id: Option<String>,
    domains: Vec<String>,
    // Resend.
    sent: Option<bool>,
    next_eligible_at: RawTime,
}

impl<'v, 'a> Fields<'v, 'a> for Envelope<'v, 'a> {
    const FIELDS: &'static [&'static [&'static str]] = &[
        &["unverifiedContacts"],
        &["to"],
        &["nextPage"],
        &["totalCount"],
        &["message"],
        &["details"],
        &["eventName"],
        &["verification"],
        &["verificationId"],
        &["domains"],
        &["sent"],
        &["nextEligibleAt"],
    ];

    fn set(&mut self, i: usize, v: &'v Value<'a>) -> Result<(), String> {
        match i {
            0 => self.unverified_contacts = (!v.is_null()).then_some(v),
            1 => self.to = opt_i64(v)?,
            2 => self.next_page = opt_i64(v)?,
            3 => self.total_count = opt_i64(v)?,
            4 => self.message = opt_string(v)?,
            5 => self.details = opt_string(v)?,
            6 => self.event_name = opt_string(v)?,
            7 => self.verification = (!v.is_null()).then_some(v),
            8 => self.verification_id = opt_string(v)?,
            9 => self.domains = string_list(v)?,
            10 => self.sent = opt_bool(v)?,
            _ => self.next_eligible_at = RawTime::read(v)?,
        }
        Ok(())
    }
}

impl Envelope<'_, '_> {
    fn error(&self, resp: &Response<'_>, ctx: &Context) -> Error {
        let Some(message) = self.message.clone() else {
            return http_error(P, resp, ctx);
        };
        let retry_at =
            self.details.as_deref().and_then(find_timestamp).or_else(|| resp.retry_at(ctx.now));
        let message = match &self.details {
            Some(d) if !message.contains(d.as_str()) => format!("{message} ({d})"),
            _ => message,
        };
        Error::Registrar { provider: P, status: Some(resp.status), code: None, message, retry_at }
    }
}

/// One `UnverifiedContact`.
#[derive(Debug, Default)]
struct Contact {
    verification_id: Option<String>,
    verify_by: RawTime,
    email: Option<String>,
    domains: Vec<String>,
}

impl Fields<'_, '_> for Contact {
    const FIELDS: &'static [&'static [&'static str]] =
        &[&["verificationId"], &["verifyBy"], &["email"], &["domains"]];

    fn set(&mut self, i: usize, v: &Value<'_>) -> Result<(), String> {
        match i {
            0 => self.verification_id = opt_string(v)?,
            1 => self.verify_by = RawTime::read(v)?,
            2 => self.email = opt_string(v)?,
            _ => self.domains = string_list(v)?,
        }
        Ok(())
    }
}

impl Row for Contact {
    fn read(entries: &[(&str, &Value<'_>)]) -> Result<Self, String> {
        read_fields(entries.iter().copied())
    }

    fn observe(self, ctx: &Context) -> Result<Observation, (String, Option<String>)> {
        let Some(key) = self.email.clone().or_else(|| self.verification_id.clone()) else {
            return Err(("neither `email` nor `verificationId` is present".into(), None));
        };
        let mut o = Observation::new(P, Status::Pending);
        o.deadline = self
            .verify_by
            .resolve(ctx.zone)
            .map_err(|e| (format!("`verifyBy`: {e}"), Some(key)))?;
        o.verification_id = self.verification_id;
        o.email = self.email;
        o.domains = self.domains;
        Ok(o)
    }
}

/// The webhook's `verification` union.
#[derive(Debug, Default)]
struct Verification {
    status: Option<String>,
    verify_by: RawTime,
}

impl Fields<'_, '_> for Verification {
    const FIELDS: &'static [&'static [&'static str]] = &[&["status"], &["verifyBy"]];

    fn set(&mut self, i: usize, v: &Value<'_>) -> Result<(), String> {
        match i {
            0 => self.status = opt_string(v)?,
            _ => self.verify_by = RawTime::read(v)?,
        }
        Ok(())
    }
}

/// Evaluates an unverified-contacts page or a status-change webhook.
pub(crate) fn status_payload(resp: &Response<'_>, ctx: &Context) -> Result<Evaluation, Error> {
    let body = read_json(P, resp, ctx)?;
    if let (Some(list), true) = (body.items(), resp.is_success()) {
        // A bare list of contacts (some backends strip the envelope).
        // Without the envelope nothing says the list is whole.
        return list_page(list, None, false, ctx);
    }
    let env: Envelope = match object(P, &body, EXPECTED) {
        Ok(env) => env,
        Err(_) if !resp.is_success() => return Err(http_error(P, resp, ctx)),
        Err(e) => return Err(e),
    };
    if !resp.is_success() || (env.message.is_some() && env.unverified_contacts.is_none()) {
        return Err(env.error(resp, ctx));
    }
    if let Some(list) = env.unverified_contacts {
        let Some(list) = list.items() else {
            return Err(Error::UnexpectedShape {
                provider: P,
                expected: "`unverifiedContacts` to be a list",
                found: super::describe(list),
            });
        };
        let (page, whole_list) = page_info(env.next_page, env.to, env.total_count, list.is_empty());
        return list_page(list, Some(page), whole_list, ctx);
    }
    if env.event_name.is_some() || env.verification.is_some() {
        return webhook(env, ctx);
    }
    Err(Error::UnexpectedShape { provider: P, expected: EXPECTED, found: super::describe(&body) })
}

/// Pagination: stop on `nextPage == null`, an empty page, or
/// `to >= totalCount`; `lastPage` is not trusted. Also says whether the
/// page is proven to be the list's last (so an absent contact is verified):
/// `to >= totalCount`, or no `nextPage` where `to` and `totalCount` do not
/// say more remains. An empty page ends the paging, but one that names a
/// next page or counts more contacts proves nothing.
fn page_info(
    next_page: Option<i64>,
    to: Option<i64>,
    total: Option<i64>,
    empty: bool,
) -> (Page, bool) {
    let reached_total = matches!((to, total), (Some(to), Some(total)) if to >= total);
    let more_counted = matches!((to, total), (Some(to), Some(total)) if to < total);
    let named_next = next_page.filter(|n| *n > 0);
    let next = named_next.filter(|_| !empty && !reached_total);
    let whole = reached_total || (named_next.is_none() && !more_counted);
    let page = Page {
        total: total.and_then(|t| u64::try_from(t).ok()),
        next: next.and_then(|n| u32::try_from(n).ok()).map(NextPage::Page),
    };
    (page, whole)
}

fn list_page(
    list: &[Value<'_>],
    page: Option<Page>,
    whole_list: bool,
    ctx: &Context,
) -> Result<Evaluation, Error> {
    let (good, bad) = rows::<Contact>(list, false, ctx);
    finish(P, good, bad, page, Some(Absence::NamecomVerifiedUnlessRecent { whole_list }), ctx)
}

fn webhook(env: Envelope<'_, '_>, ctx: &Context) -> Result<Evaluation, Error> {
    const WEBHOOK: &str =
        "a `contact.verification.status_change` webhook with a `verification` object";
    if let Some(name) = &env.event_name {
        if name.trim() != STATUS_CHANGE_EVENT {
            return Err(Error::UnexpectedShape {
                provider: P,
                expected: WEBHOOK,
                found: format!("event `{name}`"),
            });
        }
    }
    let Some(raw) = env.verification else {
        return Err(Error::UnexpectedShape {
            provider: P,
            expected: WEBHOOK,
            found: "no `verification`".into(),
        });
    };
    let v: Verification = object(P, raw, WEBHOOK)?;
    let status = match v.status.as_deref().map(enum_key).as_deref() {
        Some("verified") => Status::Verified,
        Some("unverified" | "pending") => Status::Pending,
        _ => Status::Unknown,
    };
    let mut o = Observation::new(P, status);
    o.verification_id = env.verification_id;
    o.domains = env.domains;
    if status != Status::Verified {
        o.deadline = v.verify_by.resolve(ctx.zone).map_err(|e| Error::UnexpectedShape {
            provider: P,
            expected: WEBHOOK,
            found: format!("`verifyBy`: {e}"),
        })?;
    }
    finish(P, vec![o], Vec::new(), None, None, ctx)
}

/// Reads a `:resend` answer: `200 {sent, verificationId, nextEligibleAt}`,
/// or `429 {message, details: "Next eligible at: <RFC 3339>"}` with
/// `x-ratelimit-reset`.
pub(crate) fn resend(resp: &Response<'_>, ctx: &Context) -> Result<ResendOutcome, Error> {
    // 429 is "throttled" whatever the body: name.com's envelope with the
    // prose `details`, or a proxy's page with only the headers.
    if resp.status == 429 {
        return Ok(super::throttled(resp, ctx));
    }
    let body = read_json(P, resp, ctx)?;
    let expected = "a resend answer (`sent`, `nextEligibleAt`)";
    let env: Envelope = match object(P, &body, expected) {
        Ok(env) => env,
        Err(_) if !resp.is_success() => return Err(http_error(P, resp, ctx)),
        Err(e) => return Err(e),
    };
    if !resp.is_success() {
        return Err(env.error(resp, ctx));
    }
    let Some(sent) = env.sent else {
        return Err(Error::UnexpectedShape {
            provider: P,
            expected,
            found: super::describe(&body),
        });
    };
    let next = env.next_eligible_at.resolve(ctx.zone).map_err(|e| Error::UnexpectedShape {
        provider: P,
        expected,
        found: format!("`nextEligibleAt`: {e}"),
    })?;
    let outcome = match (sent, next) {
        (true, _) => ResendKind::Sent,
        // Not sent, and a wait in force: the live API's way to throttle.
        (false, Some(n)) if n > ctx.now => ResendKind::Throttled,
        (false, _) => ResendKind::NotSent,
    };
    Ok(ResendOutcome { outcome, next_eligible_at: next, message: env.message })
}

#[cfg(test)]
mod tests {
    /// `Contact` as it was, with serde's derive.
    mod was {
        use crate::{lenient::was::*, time::RawTime};

        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        pub(super) struct Contact {
            #[serde(default, deserialize_with = "opt_string")]
            verification_id: Option<String>,
            #[serde(default)]
            verify_by: RawTime,
            #[serde(default, deserialize_with = "opt_string")]
            email: Option<String>,
            #[serde(default, deserialize_with = "string_list")]
            domains: Vec<String>,
        }
    }

    #[test]
    fn bad_rows_name_the_field_at_fault_as_before() {
        super::super::tests::read_row_reads_fields_as_values_did::<super::Contact, was::Contact>(
            &["verificationId", "verifyBy", "email", "domains"],
            false,
        );
    }
}
