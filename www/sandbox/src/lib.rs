//! An offline stand-in for each registrar's API, mounted at `/sandbox`: one
//! module per registrar ([`dna`], [`namecom`], [`openprovider`]), the
//! controls tests and the demo change it with, and the demo's scenarios
//! ([`scenarios`]). It depends on nothing of the gateway.
//!
//! State lives in memory behind one [`Mutex`]. It is seeded from
//! [`crate::scenarios`] relative to the sandbox clock, which tests and demos
//! can fix with `POST /sandbox/control/clock`.
//!
//! Control endpoints (no credentials):
//! - `GET|POST /sandbox/control/clock`: read or fix the clock
//!   (`{"now":"<RFC 3339>"}`, or `{"now":null}` for real time).
//! - `POST /sandbox/control/reset`: reseed every scenario relative to the
//!   clock's now and zero counters, throttles and idempotency caches;
//!   answers the own-verification account's newcomer's new verification
//!   id as `ownNewcomer`.
//! - `GET /sandbox/control/emails`: verification emails "sent".
//! - `GET /sandbox/control/requests`: requests received by the registrar
//!   endpoints (DNA's SOAP calls under `/sandbox/dna/ContactApi.svc/<Method>`);
//!   a gateway's readiness probes (their `User-Agent`) apart, in `probes`.
//! - `POST /sandbox/control/seed`: add synthetic contacts for list views.
//! - `POST /sandbox/control/namecom/email`: an address change that keeps
//!   the verification (`{"verificationId", "email"}`).
//! - `POST /sandbox/control/namecom/register`: a new registration at
//!   name.com (`{"email", "domains", "years"?, "account"?}`): a
//!   verification due in 15 days, listed at once, its domains registered
//!   for `years` (default 1); answers `{"verificationId"}`.
//! - `POST /sandbox/control/namecom/domain`: `{"domain", "action":
//!   "renew" (`"years"`, default 1) | "expire" | "transfer_out"}`.
//! - `GET|POST /sandbox/control/faults`: read or replace the fault
//!   switches (see below); `reset` clears them.
//! - `GET|POST /sandbox/control/openprovider/tokens`: expire Openprovider's
//!   login tokens and choose how code 196 is answered (see
//!   [`openprovider`]).
//!
//! ## Fault switches
//!
//! `POST /sandbox/control/faults` with
//!
//! ```json
//! {"status": {"openprovider.list": 500},
//!  "html": {"dna.GetDetails": 502},
//!  "hang": ["openprovider.restart"],
//!  "delay_ms": {"namecom.list": 250},
//!  "invalid_json": ["namecom.resend"],
//!  "namecom_throttle_as_not_sent": true,
//!  "dna_flat": true,
//!  "zones": {"dna": "Europe/Istanbul", "openprovider": "Europe/Amsterdam"}}
//! ```
//!
//! replaces every switch (each field optional; `{}` clears them) and answers
//! the switches in force. They apply per registrar endpoint, named
//! `dna.wsdl` (the WSDL's `GET`), `namecom.domains`, `dna.GetDetails`, `dna.ResendContactVerificationNotice`, `namecom.list`,
//! `namecom.resend`, `namecom.verify`, `openprovider.list`,
//! `openprovider.start`, `openprovider.restart`; an unknown name is 400.
//! The request is still counted; then, in this order: `delay_ms` waits and
//! carries on; `hang` never answers (10 minutes, then 504); `status`
//! answers that status with `{"message":"Sandbox fault: HTTP N"}`; `html`
//! answers that status with an HTML error page (a proxy in the way);
//! `invalid_json` answers 200 `application/json` with a truncated body.
//! Except for `delay_ms`, the registrar's handler does not run: nothing
//! changes and no email is sent.

// Handlers return early with a ready `Response` as the error value, as
// the registrars' errors are answers; boxing every one would only add noise.
#![allow(clippy::result_large_err)]

mod control;
pub mod dna;
pub mod namecom;
pub mod openprovider;
pub mod scenarios;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{OriginalUri, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::scenarios::Provider;

/// The `User-Agent` of the gateway's readiness probes, which the request
/// counters keep apart (`probes`): the totals are what registrants' pages
/// caused. (A test checks it is the gateway's.)
pub const GATEWAY_PROBE_AGENT: &str = "verification-gateway readiness probe";

/// Built-in Domain Name API sandbox user name.
pub const DNA_USERNAME: &str = "acme-reseller";
/// Built-in Domain Name API sandbox password.
pub const DNA_PASSWORD: &str = "sandbox-dna-secret-7f3a";
/// Built-in name.com sandbox user name (name.com sandbox users end in `-test`).
pub const NAMECOM_USERNAME: &str = "acme-reseller-test";
/// Built-in name.com sandbox API token.
pub const NAMECOM_TOKEN: &str = "sandbox-namecom-token-4c1e";
/// The sandbox's second name.com account, whose reseller verifies its
/// registrants itself (the demo's own verification).
pub const NAMECOM_OWN_USERNAME: &str = "acme-own-verification-test";
/// Its API token.
pub const NAMECOM_OWN_TOKEN: &str = "sandbox-namecom-own-token-8d2f";
/// Built-in Openprovider sandbox login user name.
pub const OPENPROVIDER_USERNAME: &str = "acme-reseller";
/// Built-in Openprovider sandbox login password.
pub const OPENPROVIDER_PASSWORD: &str = "sandbox-openprovider-password-5e8a";
/// A fixed Openprovider bearer token the sandbox accepts, for tests that
/// call it directly (the gateway logs in instead).
pub const OPENPROVIDER_TOKEN: &str = "sandbox-openprovider-token-9b2d";

/// The registrar sections of a gateway configuration (`serve`) whose three
/// registrars are this sandbox at `sandbox_url`, with its credentials:
/// name.com's webhooks signed for `webhook_url`, its list scanned every
/// `scan_interval_seconds`. What `www/examples/gateway-sandbox.toml` writes
/// out, for the tests and reports that run a gateway in front of the
/// sandbox.
pub fn gateway_registrars(
    sandbox_url: &str,
    webhook_url: &str,
    scan_interval_seconds: u64,
) -> String {
    format!(
        r#"
[namecom]
base_url = "{sandbox_url}/sandbox/namecom"
username = "{NAMECOM_USERNAME}"
token = "{NAMECOM_TOKEN}"
webhook_url = "{webhook_url}"
scan_interval_seconds = {scan_interval_seconds}

[openprovider]
base_url = "{sandbox_url}/sandbox/openprovider"
username = "{OPENPROVIDER_USERNAME}"
password = "{OPENPROVIDER_PASSWORD}"

[dna]
base_url = "{sandbox_url}/sandbox/dna"
username = "{DNA_USERNAME}"
password = "{DNA_PASSWORD}"
"#
    )
}

/// Most synthetic contacts one `POST /sandbox/control/seed` call may add.
pub const MAX_SEED: usize = 20_000;

/// A count in total and by key.
#[derive(Debug, Default)]
pub(crate) struct Counter {
    total: u64,
    by: BTreeMap<String, u64>,
}

impl Counter {
    pub(crate) fn add(&mut self, key: &str) {
        self.total += 1;
        *self.by.entry(key.to_owned()).or_default() += 1;
    }

    fn to_json(&self, by_name: &str) -> Value {
        json!({ "total": self.total, by_name: self.by })
    }
}

/// Everything the sandbox remembers.
#[derive(Debug)]
pub(crate) struct SandboxState {
    fixed_now: Option<DateTime<Utc>>,
    /// When the scenarios were last seeded (sandbox clock).
    pub(crate) seeded_at: DateTime<Utc>,
    pub(crate) dna: dna::DnaState,
    pub(crate) namecom: namecom::NamecomState,
    pub(crate) openprovider: openprovider::OpenproviderState,
    pub(crate) emails: Counter,
    requests: Counter,
    /// The gateway's readiness probes, apart from `requests`.
    probes: Counter,
    faults: Faults,
}

/// Registrar endpoint names the fault switches accept.
pub const FAULT_ENDPOINTS: [&str; 10] = [
    "dna.wsdl",
    "namecom.domains",
    "dna.GetDetails",
    "dna.ResendContactVerificationNotice",
    "namecom.list",
    "namecom.resend",
    "namecom.verify",
    "openprovider.list",
    "openprovider.start",
    "openprovider.restart",
];

/// The fault switches in force.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct Faults {
    #[serde(default)]
    status: BTreeMap<String, u16>,
    #[serde(default)]
    html: BTreeMap<String, u16>,
    #[serde(default)]
    hang: BTreeSet<String>,
    #[serde(default)]
    delay_ms: BTreeMap<String, u64>,
    #[serde(default)]
    invalid_json: BTreeSet<String>,
    /// name.com answers a throttled resend `200 {"sent": false,
    /// "nextEligibleAt"}` (as public clients see the live API do) instead
    /// of 429.
    #[serde(default)]
    pub(crate) namecom_throttle_as_not_sent: bool,
    /// DNA's `GetDetailsResult` carries the contact's fields beside the
    /// envelope's instead of inside `ContactInfo`; the WSDL says so too.
    #[serde(default)]
    dna_flat: bool,
    /// The zone each registrar writes its offset-less timestamps in
    /// (`{"dna": "Europe/Istanbul", "openprovider": "Europe/Amsterdam"}`);
    /// UTC unless set.
    #[serde(default)]
    zones: BTreeMap<String, chrono_tz::Tz>,
}

impl Faults {
    fn names(&self) -> impl Iterator<Item = &String> {
        self.status
            .keys()
            .chain(self.html.keys())
            .chain(&self.hang)
            .chain(self.delay_ms.keys())
            .chain(&self.invalid_json)
    }
}

/// The fault-switch name of a registrar path (`/sandbox/...`, no query).
fn endpoint_name(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/sandbox/")?;
    let name = match rest {
        "dna/ContactApi.svc/GetDetails" => "dna.GetDetails",
        "dna/ContactApi.svc/ResendContactVerificationNotice" => {
            "dna.ResendContactVerificationNotice"
        }
        "namecom/core/v1/contacts/unverified" => "namecom.list",
        "namecom/core/v1/domains" => "namecom.domains",
        p if p.starts_with("namecom/core/v1/contacts/verify/") => {
            if p.ends_with(":resend") {
                "namecom.resend"
            } else {
                "namecom.verify"
            }
        }
        "openprovider/v1beta/customers/verifications/emails/domains" => "openprovider.list",
        "openprovider/v1beta/customers/verifications/emails/start" => "openprovider.start",
        "openprovider/v1beta/customers/verifications/emails/restart" => "openprovider.restart",
        _ => return None,
    };
    Some(name)
}

impl SandboxState {
    fn new() -> Self {
        let now = Utc::now();
        SandboxState {
            fixed_now: None,
            seeded_at: now,
            dna: dna::DnaState::seed(now),
            namecom: namecom::NamecomState::seed(now),
            openprovider: openprovider::OpenproviderState::seed(now),
            emails: Counter::default(),
            requests: Counter::default(),
            probes: Counter::default(),
            faults: Faults::default(),
        }
    }

    /// The zone `registrar` writes offset-less timestamps in.
    pub(crate) fn zone(&self, registrar: &str) -> chrono_tz::Tz {
        self.faults.zones.get(registrar).copied().unwrap_or(chrono_tz::UTC)
    }

    /// DNA's answer layout.
    pub(crate) fn dna_layout(&self) -> dna::Layout {
        if self.faults.dna_flat {
            dna::Layout::Flat
        } else {
            dna::Layout::Nested
        }
    }

    /// The sandbox clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    fn reset(&mut self) {
        let now = self.now();
        self.seeded_at = now;
        self.dna = dna::DnaState::seed(now);
        self.namecom = namecom::NamecomState::seed(now);
        self.openprovider = openprovider::OpenproviderState::seed(now);
        self.emails = Counter::default();
        self.requests = Counter::default();
        self.probes = Counter::default();
        self.faults = Faults::default();
    }
}

/// The sandbox: shared, in-memory registrar state.
#[derive(Debug)]
pub struct Sandbox {
    state: Mutex<SandboxState>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A sandbox seeded relative to the real clock.
    pub fn new() -> Self {
        Sandbox { state: Mutex::new(SandboxState::new()) }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, SandboxState> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sandbox clock's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    /// Marks name.com verification `id` verified or not (what a
    /// `contact.verification.status_change` webhook says). `false` when the
    /// sandbox has no such verification.
    pub fn namecom_set_verified(&self, id: i64, verified: bool) -> bool {
        self.lock().namecom.set_verified(id, verified)
    }

    /// Registers a domain at name.com now (the sandbox clock): a new
    /// verification for `email` over `domains`, due in 15 days. Its
    /// verification id.
    pub fn namecom_register(&self, email: &str, domains: &[String]) -> i64 {
        let mut st = self.lock();
        let now = st.now();
        st.namecom.register(namecom::Account::Main, now, email, domains)
    }

    /// Whether name.com's verification `id` is verified.
    pub fn namecom_verified(&self, id: i64) -> Option<bool> {
        self.lock().namecom.verified(id)
    }

    /// Adds synthetic contacts (list views) until the sandbox holds
    /// `namecom` name.com contacts and `openprovider` Openprovider rows;
    /// how many of each it added.
    pub fn top_up_synthetic(&self, namecom: usize, openprovider: usize) -> (usize, usize) {
        let mut st = self.lock();
        let now = st.now();
        let nc = st.namecom.add_synthetic(now, 0);
        let nc_added = namecom.saturating_sub(nc);
        if nc_added > 0 {
            st.namecom.add_synthetic(now, nc_added);
        }
        let op = st.openprovider.add_synthetic(now, 0);
        let op_added = openprovider.saturating_sub(op);
        if op_added > 0 {
            st.openprovider.add_synthetic(now, op_added);
        }
        (nc_added, op_added)
    }

    /// Zeroes the request counters (`/sandbox/control/requests`): the
    /// demo does after its gateway's first scan following a reset, so they
    /// count what registrants' pages caused.
    pub fn clear_requests(&self) {
        let mut st = self.lock();
        st.requests = Counter::default();
        st.probes = Counter::default();
    }

    /// When the `namecom-unknown` scenario's contact was changed.
    pub fn namecom_unknown_changed_at(&self) -> DateTime<Utc> {
        crate::scenarios::namecom_unknown_changed_at(self.lock().seeded_at)
    }
}

/// Builds the `/sandbox` router.
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    let registrars = Router::new()
        .nest("/dna", dna::router())
        .nest("/namecom", namecom::router())
        .nest("/openprovider", openprovider::router(sandbox.clone()))
        .layer(middleware::from_fn_with_state(sandbox.clone(), apply_faults))
        .layer(middleware::from_fn_with_state(sandbox.clone(), count_requests));
    Router::new().nest("/control", control::router()).merge(registrars).with_state(sandbox)
}

async fn count_requests(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    // The full path (nesting strips the prefix from `uri()`), no query. A
    // SOAP call to DNA counts under its method, as the JSON flavour's path
    // (`/sandbox/dna/ContactApi.svc/GetDetails`).
    let mut path = full_path(&req);
    if path == "/sandbox/dna/ContactApi.svc" {
        if let Some(method) = dna::soap_method(req.headers()) {
            path = format!("{path}/{method}");
        }
    }
    // The gateway's readiness probes are counted apart: the totals are what
    // registrants' requests caused.
    let probe = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .is_some_and(|v| v.as_bytes() == GATEWAY_PROBE_AGENT.as_bytes());
    if probe {
        sb.lock().probes.add(&path);
    } else {
        sb.lock().requests.add(&path);
    }
    next.run(req).await
}

fn full_path(req: &Request) -> String {
    req.extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |o| o.path().to_owned())
}

async fn apply_faults(State(sb): State<Arc<Sandbox>>, req: Request, next: Next) -> Response {
    let path = full_path(&req);
    // DNA over SOAP: one path, the method in `SOAPAction`.
    let soap = (path == "/sandbox/dna/ContactApi.svc")
        .then(|| dna::soap_method(req.headers()))
        .flatten()
        .map(|m| {
            if m == "GetDetails" {
                "dna.GetDetails"
            } else {
                "dna.ResendContactVerificationNotice"
            }
        });
    let wsdl = (path == "/sandbox/dna/ContactApi.svc" && req.method() == axum::http::Method::GET)
        .then_some("dna.wsdl");
    let Some(name) = wsdl.or(soap).or_else(|| endpoint_name(&path)) else {
        return next.run(req).await;
    };
    let (delay, hang, status, html, invalid) = {
        let st = sb.lock();
        let f = &st.faults;
        (
            f.delay_ms.get(name).copied(),
            f.hang.contains(name),
            f.status.get(name).copied(),
            f.html.get(name).copied(),
            f.invalid_json.contains(name),
        )
    };
    if let Some(ms) = delay {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if hang {
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
        return control_error(StatusCode::GATEWAY_TIMEOUT, "sandbox fault: hang");
    }
    let code = |c: u16| StatusCode::from_u16(c).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(c) = status {
        return (code(c), Json(json!({ "message": format!("Sandbox fault: HTTP {c}") })))
            .into_response();
    }
    if let Some(c) = html {
        let c = code(c);
        let page = format!(
            "<!DOCTYPE html>\n<html><head><title>{c}</title></head><body><h1>{c}</h1>\
             <hr><p>nginx</p></body></html>\n"
        );
        return (c, [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], page)
            .into_response();
    }
    if invalid {
        return (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            "{\"code\":0,\"desc\":\"\",\"data\":{\"results\":[{\"email\":",
        )
            .into_response();
    }
    next.run(req).await
}

pub(crate) fn control_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A JSON response with a status code.
pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod probe_agent {
    #[test]
    fn the_probe_agent_is_the_gateways() {
        assert_eq!(super::GATEWAY_PROBE_AGENT, verification_gateway::upstream::PROBE_AGENT);
    }
}
