/*!
Registrar contact-verification payloads in, one normalized record out.

ICANN's 2013 RAA obliges registrars to verify a registrant's email within 15
days of a registration, transfer or contact change, or suspend the domains.
Domain Name API, name.com and Openprovider each expose that state in their
own API shape. This crate reads those shapes, exactly as the registrars send
them (odd ones included), and returns [`Record`]s: status, deadline, days
left, urgency, suspension, and whether the registrant may ask for the email
again. It does no I/O, so it runs the same natively and in the browser.

# Example

```
use chrono::{TimeZone, Utc};
use verification_core::{evaluate, Context, Provider, Status, Urgency};

let body = r#"{"code":0,"desc":"","data":{"results":[
  {"email":"ann@example.com","handle":"AN000001-XX","domain":"ann.com",
   "status":"in progress","description":"","is_suspended":false,
   "expiration_date":"2026-03-03 12:00:00"},
  {"email":"ann@example.com","handle":"AN000001-XX","domain":"ann.net",
   "status":"in progress","description":"","is_suspended":false,
   "expiration_date":"2026-03-03 12:00:00"}],"total":2}}"#;
let now = Utc.with_ymd_and_hms(2026, 3, 1, 18, 0, 0).unwrap();

let eval = evaluate(Provider::Openprovider, body, &Context::new(now))?;
let ann = &eval.records[0];
assert_eq!(ann.status, Status::Pending);
assert_eq!(ann.domains, ["ann.com", "ann.net"]);
assert_eq!(ann.days_left, Some(2));
assert_eq!(ann.urgency, Urgency::Critical); // under 48 hours
# Ok::<(), verification_core::Error>(())
```

# Overview

- [`evaluate`] / [`evaluate_response`]: a status payload (DNA `GetDetails`,
  a name.com unverified-contacts page or webhook, an Openprovider list page)
  into an [`Evaluation`]: records, plus a [`RowError`] for each bad row.
- [`interpret_resend`]: a registrar's answer to a resend into a
  [`resend::ResendOutcome`]; [`resend::ResendPlan`] says which registrar
  operation a resend is; [`resend::RateLimit`] queues bulk resends.
- [`webhook::verify_signature`]: name.com's `X-NAMECOM-SIGNATURE`.
- [`deadline`] and [`time`]: the countdown rules and lenient timestamps.

# Rules every adapter follows

- A timestamp without an offset is read in [`Context::zone`] (UTC by
  default). Empty strings, nulls and zero dates are absent, never an error;
  epoch seconds are accepted.
- Enum values are matched ignoring case, spaces and underscores; unknown
  values map to [`Status::Unknown`] and never fail the payload.
- One bad row never hides the others.
- A registrar's error envelope is an [`Error::Registrar`] carrying the
  registrar's own code and message, never a made-up status.
- Past the deadline and not verified: `urgency = overdue` and
  `suspended = true`.
*/

#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod context;
pub mod deadline;
mod error;
mod evaluation;
/// The core's JSON reader, also for the widget (not an API: it may change
/// with any release).
#[doc(hidden)]
pub mod json;
mod lenient;
pub mod notice;
pub mod num;
mod observation;
pub mod providers;
mod record;
pub mod resend;
pub mod time;
pub mod webhook;

pub use context::{Context, Response, Subject, PROPAGATION_WINDOW};
pub use error::{Error, RowError};
pub use evaluation::{Evaluation, NextPage, Page};
pub use record::{
    DeadlineKind, FailureReason, Provider, Record, ResendReason, ResendState, Status,
    UnknownProvider, Urgency,
};

use std::cmp::Ordering;

/// Evaluates a status payload received with HTTP 200.
///
/// See [`evaluate_response`] for errors and for answers with other
/// statuses.
///
/// # Errors
/// As [`evaluate_response`].
pub fn evaluate(provider: Provider, body: &str, ctx: &Context) -> Result<Evaluation, Error> {
    evaluate_response(provider, &Response::ok(body), ctx)
}

/// Evaluates a registrar's answer to a status request: DNA `GetDetails`; a
/// name.com unverified-contacts page or a `contact.verification.status_change`
/// webhook; an Openprovider `customers/verifications/emails/domains` page.
///
/// With [`Context::subject`] set (one contact, the widget's case), records
/// of other contacts are dropped, and an empty answer means what the
/// registrar's list means: name.com lists only unverified contacts, so
/// absent is verified, or unknown within [`PROPAGATION_WINDOW`] of
/// [`Context::changed_at`].
///
/// # Errors
/// - [`Error::InvalidJson`]: a success status with a body that is not JSON;
/// - [`Error::Http`]: an error status with a body that is not the
///   registrar's JSON;
/// - [`Error::Registrar`]: the registrar's error envelope;
/// - [`Error::UnexpectedShape`]: JSON of another shape (another provider's,
///   or a resend answer).
///
/// A bad row in a list is not an error: it is in [`Evaluation::row_errors`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use verification_core::{evaluate_response, Context, Error, Provider, Response};
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let resp = Response::new(502, "<html><body>Bad gateway</body></html>");
/// let err = evaluate_response(Provider::Namecom, &resp, &Context::new(now)).unwrap_err();
/// assert!(matches!(err, Error::Http { status: 502, .. }));
/// ```
pub fn evaluate_response(
    provider: Provider,
    response: &Response<'_>,
    ctx: &Context,
) -> Result<Evaluation, Error> {
    match provider {
        Provider::Dna => providers::dna::status_payload(response, ctx),
        Provider::Namecom => providers::namecom::status_payload(response, ctx),
        Provider::Openprovider => providers::openprovider::status_payload(response, ctx),
    }
}

/// Compares two names as people read them: runs of digits by their value
/// ("synthetic-103" before "synthetic-1038"), the rest ignoring case; equal
/// readings fall back to plain order, so sorting is total and stable.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digits = first.is_ascii_digit();
            let end = rest
                .char_indices()
                .find(|(_, c)| c.is_ascii_digit() != digits)
                .map_or(rest.len(), |(i, _)| i);
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some((digits, chunk))
        })
    }
    let (mut x, mut y) = (chunks(a), chunks(b));
    loop {
        let order = match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((true, m)), Some((true, n))) => {
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                m.len().cmp(&n.len()).then_with(|| m.cmp(n))
            }
            (Some((_, m)), Some((_, n))) => {
                m.chars().flat_map(char::to_lowercase).cmp(n.chars().flat_map(char::to_lowercase))
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// Orders records for a reseller's list: most urgent first, then the
/// earliest deadline (records without one last), then by email in natural
/// order ([`natural_cmp`]).
pub fn by_urgency(a: &Record, b: &Record) -> Ordering {
    b.urgency
        .cmp(&a.urgency)
        .then_with(|| match (a.deadline, b.deadline) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| match (&a.email, &b.email) {
            (Some(x), Some(y)) => natural_cmp(x, y),
            (x, y) => x.cmp(y),
        })
}

/// Reads a registrar's answer to a resend.
///
/// Every way a registrar says "not sent" is read: name.com answers
/// throttling either as `429 {message, details}` (the time is in prose in
/// `details`, or the `x-ratelimit-reset` header) or as `200` with
/// `sent: false`; Openprovider answers a successful `start` with code
/// `20001` and "already verified" with `20000`.
///
/// # Errors
/// The same kinds as [`crate::evaluate`]: the registrar's error envelope
/// ([`Error::Registrar`]), a non-JSON error page ([`Error::Http`]), invalid
/// JSON or a wrong shape.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use verification_core::{Context, Provider, Response};
/// use verification_core::interpret_resend;
/// use verification_core::resend::ResendKind;
///
/// let now = Utc.with_ymd_and_hms(2026, 1, 20, 21, 40, 0).unwrap();
/// let body = r#"{"message":"Resend throttled","details":"Next eligible at: 2026-01-20T21:49:58+00:00"}"#;
/// let out = interpret_resend(Provider::Namecom, &Response::new(429, body), &Context::new(now))?;
/// assert_eq!(out.outcome, ResendKind::Throttled);
/// assert_eq!(out.next_eligible_at, Some(Utc.with_ymd_and_hms(2026, 1, 20, 21, 49, 58).unwrap()));
/// # Ok::<(), verification_core::Error>(())
/// ```
pub fn interpret_resend(
    provider: Provider,
    response: &Response<'_>,
    ctx: &Context,
) -> Result<resend::ResendOutcome, Error> {
    let outcome = match provider {
        Provider::Dna => providers::dna::resend(response, ctx),
        Provider::Namecom => providers::namecom::resend(response, ctx),
        Provider::Openprovider => providers::openprovider::resend(response, ctx),
    }?;
    Ok(resend::with_cooldown(outcome, ctx))
}
