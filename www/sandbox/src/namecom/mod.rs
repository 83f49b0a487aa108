//! name.com Core API v1, contact verification.
//!
//! All endpoints take HTTP Basic `username:token`; a missing or wrong pair is
//! **401** `{"message":"Unauthenticated"}`.
//!
//! - `GET /sandbox/namecom/core/v1/contacts/unverified?page=&perPage=` →
//!   200 `{"unverifiedContacts":[{verificationId,createDate,verifyBy,email,domains}],"from","to","lastPage","nextPage","totalCount"}`.
//!   `perPage` defaults to 100 and must be 1..=1000, `page` defaults to 1 and
//!   must be ≥ 1, else **400** `{"message":"Invalid Argument","details":..}`.
//!   `nextPage` is `null` on the last page; a page past the end is empty with
//!   `from`/`to` 0. Verified contacts are absent, and so is a contact changed
//!   less than 10 minutes ago (name.com's list job lag).
//! - `POST /sandbox/namecom/core/v1/contacts/verify/{id}:resend` →
//!   200 `{"sent":true,"verificationId":N,"nextEligibleAt":"..Z"}`;
//!   200 `{"sent":false,..}` if already verified (nothing to send);
//!   **429** `{"message":"Resend throttled","details":"Next eligible at: <RFC 3339 +00:00>"}`
//!   with `x-ratelimit-reset: <epoch seconds>` when the contact had a resend
//!   in the last 15 minutes or the account had 200 in the last rolling hour;
//!   **404** `{message,details}` for an unknown id; **400** for an id that is
//!   not a positive int32; **415** `{message}` without
//!   `Content-Type: application/json`.
//! - `POST /sandbox/namecom/core/v1/contacts/verify/{id}` → **204**, marks the
//!   contact verified (account-restricted at name.com; open in the sandbox).
//! - `GET /sandbox/namecom/core/v1/domains?page=&perPage=` → 200
//!   `{"domains":[{domainName,createDate,expireDate,locked,autorenewEnabled}],"from","to","lastPage","nextPage","totalCount"}`
//!   for the account (`perPage` default 1000, 1..=1000). Each scenario's
//!   domains are registered for a year from the contact's `createDate`; a
//!   registration (`control/namecom/register` with `years`) for its years;
//!   `control/namecom/domain` renews, expires or transfers one out.
//!
//! `X-Idempotency-Key` (both POSTs): the same key with the same request
//! replays the stored response with `X-Idempotent-Replay: 1` and does
//! nothing else; the same key with another request is **409**. Keys live one
//! hour (the changelog's figure). Responses that say "try again later"
//! (429, 5xx) and 401/415 rejections are not stored, so a retry of the same
//! intent can still succeed.

use std::collections::{HashMap, VecDeque};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::SandboxState;
use crate::scenarios::{namecom_unknown_changed_at, registry, Provider};

mod http;

pub(crate) use http::router;

/// Minimum time between two resends of one verification.
pub const PER_CONTACT_COOLDOWN_MINUTES: i64 = 15;
/// Resends allowed per account per rolling hour.
pub const ACCOUNT_RESENDS_PER_HOUR: usize = 200;
/// How long name.com takes to list a new verification.
pub const LIST_LAG_MINUTES: i64 = 10;
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL_MINUTES: i64 = 60;

/// One verification at name.com.
#[derive(Clone, Debug)]
pub(crate) struct NcContact {
    pub(crate) id: i64,
    /// Whose account it is in.
    pub(crate) account: Account,
    pub(crate) email: String,
    pub(crate) domains: Vec<String>,
    pub(crate) create_date: DateTime<Utc>,
    pub(crate) verify_by: DateTime<Utc>,
    /// When the list job picks it up.
    pub(crate) listed_from: DateTime<Utc>,
    pub(crate) verified: bool,
}

/// The sandbox's two name.com accounts: the main one (every scenario),
/// and one whose reseller verifies its registrants itself (the demo's own
/// verification, with one newcomer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Account {
    #[default]
    Main,
    Own,
}

/// The own-verification account's newcomer's first verification id: each
/// reseed registers the newcomer anew, with the next id (a verification
/// id, once verified, is never unverified again).
pub const OWN_NEWCOMER_ID: i64 = 98_760_001;

static OWN_NEWCOMER_SEEDS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
/// The newcomer's address.
pub const OWN_NEWCOMER_EMAIL: &str = "newcomer@bakery.example";
/// The newcomer's domains.
pub const OWN_NEWCOMER_DOMAINS: [&str; 2] = ["newcomer-bakery.com", "newcomer-bakery.shop"];

#[derive(Clone, Debug)]
struct Stored {
    fingerprint: String,
    at: DateTime<Utc>,
    reply: Reply,
}

#[derive(Clone, Debug)]
struct Reply {
    status: StatusCode,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Self {
        Reply { status, body: Some(body), headers: Vec::new() }
    }

    fn into_response(self, replay: bool) -> Response {
        let mut res = match self.body {
            Some(b) => (self.status, axum::Json(b)).into_response(),
            None => (self.status, Body::empty()).into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
        if replay {
            res.headers_mut().insert("x-idempotent-replay", HeaderValue::from_static("1"));
        }
        res
    }
}

/// name.com's verifications, throttles and idempotency cache.
#[derive(Debug, Default)]
pub(crate) struct NamecomState {
    contacts: Vec<NcContact>,
    last_resend: HashMap<i64, DateTime<Utc>>,
    account_resends: VecDeque<DateTime<Utc>>,
    idempotency: HashMap<String, Stored>,
    synthetic: usize,
    registered: usize,
    /// The accounts' domains (`GET /core/v1/domains`).
    domains: Vec<NcDomain>,
}

/// One domain registered in an account.
#[derive(Clone, Debug)]
pub(crate) struct NcDomain {
    account: Account,
    name: String,
    create_date: DateTime<Utc>,
    expire_date: DateTime<Utc>,
}

impl NamecomState {
    pub(crate) fn seed(now: DateTime<Utc>) -> Self {
        let contacts = registry()
            .iter()
            .filter(|c| c.provider == Provider::Namecom)
            .map(|c| {
                let (verify_by, verified, changed) = match c.state {
                    "pending" => (now + Duration::days(10), false, None),
                    "due-soon" => (now + Duration::hours(20), false, None),
                    "overdue" => (now - Duration::days(1), false, None),
                    "verified" => (now - Duration::days(30), true, None),
                    "unknown" => {
                        let changed = namecom_unknown_changed_at(now);
                        (changed + Duration::days(15), false, Some(changed))
                    }
                    _ => (now + Duration::days(8), false, None),
                };
                let create_date = changed.unwrap_or(verify_by - Duration::days(15));
                NcContact {
                    account: Account::Main,
                    id: c.verification_id.expect("name.com contacts have a verificationId"),
                    email: c.email.clone(),
                    domains: c.domains.clone(),
                    create_date,
                    verify_by,
                    listed_from: create_date + Duration::minutes(LIST_LAG_MINUTES),
                    verified,
                }
            })
            .chain([NcContact {
                account: Account::Own,
                id: OWN_NEWCOMER_ID
                    + OWN_NEWCOMER_SEEDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                email: OWN_NEWCOMER_EMAIL.into(),
                domains: OWN_NEWCOMER_DOMAINS.map(str::to_owned).to_vec(),
                create_date: now,
                verify_by: now + Duration::days(15),
                listed_from: now,
                verified: false,
            }])
            .collect::<Vec<NcContact>>();
        let mut state = NamecomState { ..Default::default() };
        for c in &contacts {
            for d in &c.domains {
                state.add_domain(c.account, d, c.create_date, 1);
            }
        }
        state.contacts = contacts;
        state
    }

    /// `name` registered in `account` at `at` for `years` (kept as it is
    /// when already there).
    fn add_domain(&mut self, account: Account, name: &str, at: DateTime<Utc>, years: u32) {
        let name = name.to_ascii_lowercase();
        if self.domains.iter().any(|d| d.account == account && d.name == name) {
            return;
        }
        self.domains.push(NcDomain {
            account,
            name,
            create_date: at,
            expire_date: add_years(at, years),
        });
    }

    /// `POST /sandbox/control/namecom/domain`: `{"domain", "action":
    /// "renew" (with "years", default 1) | "expire" (expireDate now) |
    /// "transfer_out" (gone from the account)}`; the domain after, or why
    /// not.
    pub(crate) fn domain_control(
        &mut self,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, String> {
        let name = body
            .get("domain")
            .and_then(Value::as_str)
            .ok_or("expected {\"domain\", \"action\": \"renew\"|\"expire\"|\"transfer_out\", \"years\"?}")?
            .to_ascii_lowercase();
        let at = self
            .domains
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| format!("no domain `{name}` in the sandbox"))?;
        match body.get("action").and_then(Value::as_str) {
            Some("renew") => {
                let years = body.get("years").and_then(Value::as_u64).unwrap_or(1);
                let years = u32::try_from(years)
                    .ok()
                    .filter(|y| (1..=10).contains(y))
                    .ok_or("`years` must be 1 to 10")?;
                let d = &mut self.domains[at];
                d.expire_date = add_years(d.expire_date, years);
            }
            Some("expire") => self.domains[at].expire_date = now,
            Some("transfer_out") => {
                self.domains.remove(at);
                return Ok(json!({ "domain": name, "inAccount": false }));
            }
            _ => return Err("`action` must be renew, expire or transfer_out".into()),
        }
        let d = &self.domains[at];
        Ok(json!({ "domain": d.name, "inAccount": true, "expireDate": rfc3339_z(d.expire_date) }))
    }

    /// A new registration at `now`: a verification for `email` over
    /// `domains`, due in 15 days, listed at once. Its verification id.
    pub(crate) fn register(
        &mut self,
        account: Account,
        now: DateTime<Utc>,
        email: &str,
        domains: &[String],
    ) -> i64 {
        self.register_for(account, now, email, domains, 1)
    }

    /// [`Self::register`] for `years`.
    pub(crate) fn register_for(
        &mut self,
        account: Account,
        now: DateTime<Utc>,
        email: &str,
        domains: &[String],
        years: u32,
    ) -> i64 {
        for d in domains {
            self.add_domain(account, d, now, years);
        }
        self.registered += 1;
        let id = 20_000_000 + self.registered as i64;
        self.contacts.push(NcContact {
            account,
            id,
            email: email.to_owned(),
            domains: domains.to_vec(),
            create_date: now,
            verify_by: now + Duration::days(15),
            listed_from: now,
            verified: false,
        });
        id
    }

    /// Verification `id` now names `email` (`false`: no such verification).
    pub(crate) fn change_email(&mut self, id: i64, email: &str) -> bool {
        match self.contacts.iter_mut().find(|c| c.id == id) {
            Some(c) => {
                c.email = email.to_owned();
                true
            }
            None => false,
        }
    }

    pub(crate) fn add_synthetic(&mut self, now: DateTime<Utc>, count: usize) -> usize {
        for _ in 0..count {
            self.synthetic += 1;
            let n = self.synthetic;
            // Deadlines spread from 2 days overdue to 15 days ahead.
            let hours = (n as i64 * 7919) % (17 * 24) - 2 * 24;
            let verify_by = now + Duration::hours(hours);
            let create_date = verify_by - Duration::days(15);
            self.contacts.push(NcContact {
                account: Account::Main,
                id: 10_000_000 + n as i64,
                email: format!("synthetic-{n}@namecom.example"),
                domains: (0..=(n % 3)).map(|i| format!("synthetic-{n}-site{i}.com")).collect(),
                create_date,
                verify_by,
                listed_from: create_date,
                verified: false,
            });
        }
        self.contacts.len()
    }
}

fn not_found() -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        Some("Verification not found or is not associated with this account"),
    )
}

impl NamecomState {
    /// Sets verification `id`'s state; `false` if there is none.
    /// The own-verification account's newcomer's verification id.
    pub(crate) fn own_newcomer(&self) -> Option<i64> {
        self.contacts.iter().find(|c| c.account == Account::Own).map(|c| c.id)
    }

    pub(crate) fn verified(&self, id: i64) -> Option<bool> {
        self.contacts.iter().find(|c| c.id == id).map(|c| c.verified)
    }

    pub(crate) fn set_verified(&mut self, id: i64, verified: bool) -> bool {
        match self.contacts.iter_mut().find(|c| c.id == id) {
            Some(c) => {
                c.verified = verified;
                true
            }
            None => false,
        }
    }
}

fn verify(st: &mut SandboxState, account: Account, id: i64) -> Reply {
    match st.namecom.contacts.iter_mut().find(|c| c.id == id && c.account == account) {
        Some(c) => {
            c.verified = true;
            Reply { status: StatusCode::NO_CONTENT, body: None, headers: Vec::new() }
        }
        None => not_found(),
    }
}

fn resend(st: &mut SandboxState, account: Account, id: i64, now: DateTime<Utc>) -> Reply {
    let nc = &mut st.namecom;
    let Some(contact) = nc.contacts.iter().find(|c| c.id == id && c.account == account) else {
        return not_found();
    };
    if contact.verified {
        return Reply::json(
            StatusCode::OK,
            json!({ "sent": false, "verificationId": id, "nextEligibleAt": rfc3339_z(now) }),
        );
    }
    let hour_ago = now - Duration::hours(1);
    while nc.account_resends.front().is_some_and(|t| *t <= hour_ago) {
        nc.account_resends.pop_front();
    }
    let mut next: Option<DateTime<Utc>> = None;
    if let Some(last) = nc.last_resend.get(&id) {
        let eligible = *last + Duration::minutes(PER_CONTACT_COOLDOWN_MINUTES);
        if now < eligible {
            next = Some(eligible);
        }
    }
    if nc.account_resends.len() >= ACCOUNT_RESENDS_PER_HOUR {
        let eligible = nc.account_resends[0] + Duration::hours(1);
        next = Some(next.map_or(eligible, |n| n.max(eligible)));
    }
    if let Some(next) = next.map(ceil_second) {
        if st.faults.namecom_throttle_as_not_sent {
            return Reply::json(
                StatusCode::OK,
                json!({ "sent": false, "verificationId": id, "nextEligibleAt": rfc3339_z(next) }),
            );
        }
        let mut reply = error(
            StatusCode::TOO_MANY_REQUESTS,
            "Resend throttled",
            Some(&format!("Next eligible at: {}", next.format("%Y-%m-%dT%H:%M:%S+00:00"))),
        );
        reply.headers.push(("x-ratelimit-reset", next.timestamp().to_string()));
        return reply;
    }
    let email = contact.email.clone();
    nc.last_resend.insert(id, now);
    nc.account_resends.push_back(now);
    st.emails.add(&email);
    Reply::json(
        StatusCode::OK,
        json!({
            "sent": true,
            "verificationId": id,
            "nextEligibleAt": rfc3339_z(ceil_second(now + Duration::minutes(PER_CONTACT_COOLDOWN_MINUTES))),
        }),
    )
}
fn error(status: StatusCode, message: &str, details: Option<&str>) -> Reply {
    let body = match details {
        Some(d) => json!({ "message": message, "details": d }),
        None => json!({ "message": message }),
    };
    Reply::json(status, body)
}

fn rfc3339_z(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Rounds up to a whole second, so a client that waits until a printed
/// eligibility time is never early.
fn ceil_second(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        t
    } else {
        t + Duration::nanoseconds(i64::from(1_000_000_000 - nanos))
    }
}

/// The same instant `years` later (29 February becomes 28 February).
fn add_years(t: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    t.checked_add_months(chrono::Months::new(12 * years)).unwrap_or(t)
}
