//! Openprovider REST API v1beta, email verification.
//!
//! Every endpoint needs `Authorization: Bearer <token>`: a token from
//! `POST /sandbox/openprovider/v1beta/auth/login` `{"username","password","ip"}`
//! (the sandbox's credentials, [`super::OPENPROVIDER_USERNAME`] and
//! [`super::OPENPROVIDER_PASSWORD`]) → `{"code":0,"desc":"","data":{"token",
//! "reseller_id"}}`, valid 2 days of the sandbox clock; or the demo
//! pass-through's fixed [`OPENPROVIDER_TOKEN`]. Otherwise code **196**
//! `{"code":196,"desc":"Authentication/Authorization Failed","data":""}`,
//! answered the way Openprovider is seen to: HTTP 401 (the default), 500,
//! or inside a 200 envelope, as `POST /sandbox/control/openprovider/tokens`
//! `{"expire": true, "answer": 401|500|200}` sets (it also expires every
//! token issued so far).
//!
//! The published limits are enforced (help-centre article 218390187): 300
//! identical requests in 300 s block this address with code 10005 "Access
//! denied" until `{"unblock": true}` (as support would); more than 30
//! logins in 60 s, and any login for 20 minutes after 100 failed ones in an
//! hour (the account block), are refused with code 196 and HTTP 401.
//! `{"clearLoginRate": true}` forgets the last minute's logins (as a minute
//! passing would).
//!
//! - `GET /sandbox/openprovider/v1beta/customers/verifications/emails/domains`
//!   with the documented filters `domain`, `email`, `handle`, `status`,
//!   `description` (exact, case-insensitive), `is_suspended` (`true`/`false`),
//!   `domain_id` (accepted and ignored: the sandbox has no domain ids),
//!   `limit` (default 100, values above 1000 are treated as 1000) and
//!   `offset` (default 0) → 200
//!   `{"code":0,"desc":"","data":{"results":[..],"total":N}}`, `total`
//!   counting every match before `limit`/`offset`. One row per
//!   (email, domain). `expiration_date` is `YYYY-MM-DD HH:MM:SS` without a
//!   zone (the sandbox writes UTC, or its `zones` switch's zone for
//!   `openprovider`) while in progress, and otherwise
//!   `0000-00-00 00:00:00` or `""`, as real rows do. One row omits its zero
//!   values (`description`, `is_suspended`) the way grpc-gateway JSON may.
//!   A non-numeric `limit`/`offset`/`is_suspended` is **400**
//!   `{"code":3,"desc":"type mismatch, parameter: ..","data":""}`.
//! - `POST .../emails/start` `{email, handle?, language?, tag?}` → 200
//!   `{"code":20001,"desc":"Verification email in progress","data":{"id":N}}`
//!   (sends an email, every row of the email goes `in progress` with a new
//!   15-day deadline).
//! - `POST .../emails/restart` `{email, language?, handle?, tag?}` → 200
//!   `{"code":0,"desc":"","data":{"success":true}}` (sends an email; a running
//!   verification keeps its deadline, any other state restarts with a new
//!   15-day deadline and no failure reason; a suspension stays until the
//!   email is verified).
//!
//! Errors always use `{code, desc, data:""}` with a non-2xx status (the
//! sandbox's rule: `data` is a string exactly when the status is not 2xx):
//! missing `email` **400** code 20002 "Required argument is missed"; an
//! email with no verification rows **404** code 1203 "CMN-object cannot be
//! found"; start or restart on a verified email **400** code 20000 "This
//! email address has been verified already" (no email sent).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::{json_response, Sandbox, OPENPROVIDER_TOKEN};
use crate::scenarios::{registry, Provider};

/// Days Openprovider gives a registrant to verify.
pub const VERIFICATION_DAYS: i64 = 15;

/// The zero-date sentinel.
pub const ZERO_DATE: &str = "0000-00-00 00:00:00";

/// One (email, domain) verification row.
#[derive(Clone, Debug)]
pub(crate) struct OpRow {
    pub(crate) email: String,
    pub(crate) domain: String,
    pub(crate) handle: String,
    pub(crate) status: &'static str,
    pub(crate) description: &'static str,
    pub(crate) is_suspended: bool,
    /// Deadline while in progress.
    pub(crate) expiration: Option<DateTime<Utc>>,
    /// What to print when there is no deadline: the zero date or `""`.
    pub(crate) empty_expiration: &'static str,
    /// Leave out zero-valued fields, as grpc-gateway JSON may.
    pub(crate) omit_zero: bool,
}

impl OpRow {
    fn to_json(&self, zone: chrono_tz::Tz) -> Value {
        let expiration = match (self.status, self.expiration) {
            ("in progress", Some(t)) => {
                t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string()
            }
            _ => self.empty_expiration.to_owned(),
        };
        let mut m = Map::new();
        let mut put = |k: &str, v: Value, zero: bool| {
            if !(self.omit_zero && zero) {
                m.insert(k.to_owned(), v);
            }
        };
        put("description", json!(self.description), self.description.is_empty());
        put("domain", json!(self.domain), false);
        put("email", json!(self.email), false);
        put("expiration_date", json!(expiration), expiration.is_empty());
        put("handle", json!(self.handle), false);
        put("is_suspended", json!(self.is_suspended), !self.is_suspended);
        put("status", json!(self.status), false);
        Value::Object(m)
    }
}

/// Openprovider's verification rows.
#[derive(Debug, Default)]
pub(crate) struct OpenproviderState {
    rows: Vec<OpRow>,
    next_id: i64,
    synthetic: usize,
    /// Tokens issued by `auth/login`, with when.
    tokens: HashMap<String, DateTime<Utc>>,
    /// How an expired or unknown token is answered: 401, 500 or 200.
    expired_answer: u16,
    /// How a login with wrong credentials is answered: 401, 500 or 200
    /// (each with code 196, as seen in the wild).
    login_answer: u16,
    /// Identical requests (method, path, query, body) in the last 300
    /// seconds of real time, and whether this address is blocked (code
    /// 10005 until the control unblocks it, as Openprovider's support does).
    seen: HashMap<String, std::collections::VecDeque<std::time::Instant>>,
    blocked: bool,
    /// Logins in the last 60 seconds, failed logins in the last hour (real
    /// time), and until when the account is blocked.
    logins: std::collections::VecDeque<std::time::Instant>,
    failed_logins: std::collections::VecDeque<std::time::Instant>,
    account_blocked_until: Option<std::time::Instant>,
}

/// Openprovider's published login limits (help-centre article 218390187):
/// at most 30 logins in 60 seconds; 100 failed logins in an hour block the
/// account for 20 minutes.
pub const LOGINS_PER_MINUTE: usize = 30;
/// See [`LOGINS_PER_MINUTE`].
pub const FAILED_LOGINS_PER_HOUR: usize = 100;
/// See [`LOGINS_PER_MINUTE`].
pub const ACCOUNT_BLOCK: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// Openprovider's published limit (help-centre article 218390187): 300
/// identical requests in 300 seconds block the calling address.
pub const IDENTICAL_LIMIT: usize = 300;

/// How long an Openprovider token lives.
pub const TOKEN_LIFETIME: Duration = Duration::days(2);

impl OpenproviderState {
    pub(crate) fn seed(now: DateTime<Utc>) -> Self {
        let d = Duration::days;
        let h = Duration::hours;
        let mut rows = Vec::new();
        for c in registry().iter().filter(|c| c.provider == Provider::Openprovider) {
            let (status, description, suspended, expiration, empty) = match c.state {
                "not-started" => ("not verified", "", false, None, ZERO_DATE),
                "pending" => ("in progress", "", false, Some(now + d(9)), ZERO_DATE),
                "due-soon" => ("in progress", "", false, Some(now + h(36)), ZERO_DATE),
                "overdue" => ("in progress", "", false, Some(now - d(1)), ZERO_DATE),
                "verified" => ("verified", "", false, None, ""),
                "expired" => ("failed", "expired", true, None, ZERO_DATE),
                "bounced" => ("failed", "bounced", false, None, ""),
                _ => ("in progress", "", false, Some(now + d(6)), ZERO_DATE),
            };
            for (i, domain) in c.domains.iter().enumerate() {
                rows.push(OpRow {
                    email: c.email.clone(),
                    domain: domain.clone(),
                    handle: c.handle.clone().unwrap_or_default(),
                    status,
                    description,
                    is_suspended: suspended,
                    expiration,
                    // Real rows mix both "no date" spellings.
                    empty_expiration: if i == 1 { "" } else { empty },
                    omit_zero: c.state == "not-started" && i == 1,
                });
            }
        }
        OpenproviderState {
            rows,
            next_id: 123_456_789,
            synthetic: 0,
            tokens: HashMap::new(),
            expired_answer: 401,
            login_answer: 401,
            seen: HashMap::new(),
            blocked: false,
            ..Self::default()
        }
    }

    pub(crate) fn add_synthetic(&mut self, now: DateTime<Utc>, count: usize) -> usize {
        const STATES: [(&str, &str, bool); 5] = [
            ("in progress", "", false),
            ("not verified", "", false),
            ("in progress", "", false),
            ("failed", "expired", true),
            ("failed", "bounced", false),
        ];
        for _ in 0..count {
            self.synthetic += 1;
            let n = self.synthetic;
            let (status, description, is_suspended) = STATES[n % STATES.len()];
            let hours = (n as i64 * 7919) % (17 * 24) - 2 * 24;
            self.rows.push(OpRow {
                email: format!("synthetic-{n}@openprovider.example"),
                domain: format!("synthetic-{n}-site.com"),
                handle: format!("SY{:06}-XX", n % 1_000_000),
                status,
                description,
                is_suspended,
                expiration: Some(now + Duration::hours(hours)),
                empty_expiration: ZERO_DATE,
                omit_zero: false,
            });
        }
        self.rows.len()
    }
}

pub(crate) fn router(sandbox: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/v1beta/customers/verifications/emails/domains", get(list))
        .route("/v1beta/customers/verifications/emails/start", post(start))
        .route("/v1beta/customers/verifications/emails/restart", post(restart))
        .route("/v1beta/auth/login", post(login))
        .layer(axum::middleware::from_fn_with_state(sandbox, identical_limit))
}

/// Code 10005 "Access denied" once the same request came more than 300
/// times in 300 seconds, and for every request after that until unblocked.
async fn identical_limit(
    State(sb): State<Arc<Sandbox>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return error(StatusCode::BAD_REQUEST, 0, "body too large");
    };
    let key = format!("{} {} {}", parts.method, parts.uri, String::from_utf8_lossy(&bytes));
    {
        let mut st = sb.lock();
        let op = &mut st.openprovider;
        let now = std::time::Instant::now();
        let window = std::time::Duration::from_secs(300);
        let seen = op.seen.entry(key).or_default();
        seen.retain(|t| now.duration_since(*t) < window);
        seen.push_back(now);
        if seen.len() > IDENTICAL_LIMIT {
            op.blocked = true;
        }
        if op.blocked {
            return error(StatusCode::FORBIDDEN, 10005, "Access denied");
        }
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

async fn login(State(sb): State<Arc<Sandbox>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    let good = field("username") == super::OPENPROVIDER_USERNAME
        && field("password") == super::OPENPROVIDER_PASSWORD;
    {
        // The published limits. Openprovider documents the limits, not
        // their answer: the sandbox answers each as a refused login (code
        // 196, HTTP 401), which a client must back off from anyway.
        let real = std::time::Instant::now();
        let mut st = sb.lock();
        let op = &mut st.openprovider;
        while op.logins.front().is_some_and(|t| real.duration_since(*t).as_secs() >= 60) {
            op.logins.pop_front();
        }
        while op.failed_logins.front().is_some_and(|t| real.duration_since(*t).as_secs() >= 3600) {
            op.failed_logins.pop_front();
        }
        if op.account_blocked_until.is_some_and(|until| real < until) {
            return error(
                StatusCode::UNAUTHORIZED,
                196,
                "Authentication/Authorization Failed: the account is blocked for 20 minutes after 100 failed logins in an hour",
            );
        }
        if op.logins.len() >= LOGINS_PER_MINUTE {
            return error(
                StatusCode::UNAUTHORIZED,
                196,
                "Authentication/Authorization Failed: more than 30 logins in a minute",
            );
        }
        op.logins.push_back(real);
        if !good {
            op.failed_logins.push_back(real);
            if op.failed_logins.len() >= FAILED_LOGINS_PER_HOUR {
                op.account_blocked_until = Some(real + ACCOUNT_BLOCK);
                op.failed_logins.clear();
            }
        }
    }
    if !good {
        let answer = sb.lock().openprovider.login_answer;
        let status = StatusCode::from_u16(answer).unwrap_or(StatusCode::UNAUTHORIZED);
        return error(status, 196, "Authentication/Authorization Failed");
    }
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut st = sb.lock();
    let now = st.now();
    st.openprovider.tokens.insert(token.clone(), now);
    json_response(
        StatusCode::OK,
        json!({ "code": 0, "desc": "", "data": { "token": token, "reseller_id": 100_001 } }),
    )
}

/// `POST /sandbox/control/openprovider/tokens` `{"expire": bool, "answer":
/// 401|500|200}`; GET reads `{"issued": N, "answer": N}`.
pub(crate) fn tokens_control(sb: &Sandbox, body: Option<&Value>) -> Result<Value, String> {
    let mut st = sb.lock();
    if let Some(b) = body {
        if let Some(a) = b.get("answer") {
            match a.as_u64() {
                Some(code @ (200 | 401 | 500)) => st.openprovider.expired_answer = code as u16,
                _ => return Err("`answer` must be 401, 500 or 200".into()),
            }
        }
        if b.get("expire").and_then(Value::as_bool) == Some(true) {
            st.openprovider.tokens.clear();
        }
        if let Some(a) = b.get("loginAnswer") {
            match a.as_u64() {
                Some(code @ (200 | 401 | 500)) => st.openprovider.login_answer = code as u16,
                _ => return Err("`loginAnswer` must be 401, 500 or 200".into()),
            }
        }
        if b.get("clearLoginRate").and_then(Value::as_bool) == Some(true) {
            // As if a minute had passed: the login rate's window only.
            st.openprovider.logins.clear();
        }
        if b.get("unblock").and_then(Value::as_bool) == Some(true) {
            st.openprovider.blocked = false;
            st.openprovider.seen.clear();
            st.openprovider.account_blocked_until = None;
            st.openprovider.logins.clear();
            st.openprovider.failed_logins.clear();
        }
    }
    Ok(json!({
        "issued": st.openprovider.tokens.len(),
        "answer": st.openprovider.expired_answer,
        "loginAnswer": st.openprovider.login_answer,
        "blocked": st.openprovider.blocked,
        "accountBlocked": st
            .openprovider
            .account_blocked_until
            .is_some_and(|until| std::time::Instant::now() < until),
    }))
}

fn error(status: StatusCode, code: u32, desc: &str) -> Response {
    json_response(status, json!({ "code": code, "desc": desc, "data": "" }))
}

fn check_auth(sb: &Sandbox, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let st = sb.lock();
    let now = st.now();
    let ok = token.as_deref().is_some_and(|t| {
        t == OPENPROVIDER_TOKEN
            || st.openprovider.tokens.get(t).is_some_and(|at| now - *at < TOKEN_LIFETIME)
    });
    if ok {
        return Ok(());
    }
    let status =
        StatusCode::from_u16(st.openprovider.expired_answer).unwrap_or(StatusCode::UNAUTHORIZED);
    Err(error(status, 196, "Authentication/Authorization Failed"))
}

fn type_mismatch(name: &str) -> Response {
    error(StatusCode::BAD_REQUEST, 3, &format!("type mismatch, parameter: {name}"))
}

fn eq_filter(q: &HashMap<String, String>, name: &str, value: &str) -> bool {
    q.get(name).filter(|f| !f.is_empty()).is_none_or(|f| f.eq_ignore_ascii_case(value))
}

async fn list(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    if let Err(r) = check_auth(&sb, &headers) {
        return r;
    }
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let number = |name: &str, default: usize| -> Result<usize, Response> {
        match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s.parse::<usize>().map_err(|_| type_mismatch(name)),
        }
    };
    let limit = match number("limit", 100) {
        Ok(0) => 100,
        Ok(n) => n.min(1000),
        Err(r) => return r,
    };
    let offset = match number("offset", 0) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if let Some(id) = q.get("domain_id").filter(|s| !s.is_empty()) {
        if id.parse::<i32>().is_err() {
            return type_mismatch("domain_id");
        }
    }
    let suspended = match q.get("is_suspended").map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(_) => return type_mismatch("is_suspended"),
    };
    let st = sb.lock();
    let matches: Vec<&OpRow> = st
        .openprovider
        .rows
        .iter()
        .filter(|r| {
            eq_filter(&q, "domain", &r.domain)
                && eq_filter(&q, "email", &r.email)
                && eq_filter(&q, "handle", &r.handle)
                && eq_filter(&q, "status", r.status)
                && eq_filter(&q, "description", r.description)
                && suspended.is_none_or(|s| s == r.is_suspended)
        })
        .collect();
    let total = matches.len();
    let zone = st.zone("openprovider");
    let results: Vec<Value> =
        matches.iter().skip(offset).take(limit).map(|r| r.to_json(zone)).collect();
    json_response(
        StatusCode::OK,
        json!({ "code": 0, "desc": "", "data": { "results": results, "total": total } }),
    )
}

/// Parses a start/restart body and checks the email exists and can be
/// (re)verified. Returns the email as stored.
fn prepare(sb: &Sandbox, headers: &HeaderMap, body: &Bytes) -> Result<String, Response> {
    check_auth(sb, headers)?;
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| error(StatusCode::BAD_REQUEST, 20002, "Required argument is missed"))?;
    let email = v
        .get("email")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, 20002, "Required argument is missed"))?;
    let st = sb.lock();
    let rows: Vec<&OpRow> =
        st.openprovider.rows.iter().filter(|r| r.email.eq_ignore_ascii_case(email)).collect();
    if rows.is_empty() {
        return Err(error(StatusCode::NOT_FOUND, 1203, "CMN-object cannot be found"));
    }
    if rows.iter().any(|r| r.status == "verified") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            20000,
            "This email address has been verified already",
        ));
    }
    Ok(rows[0].email.clone())
}

/// Marks every row of `email` as running; `keep_running` leaves a running
/// verification's deadline alone.
fn run(sb: &Sandbox, email: &str, keep_running: bool) {
    let mut guard = sb.lock();
    let st = &mut *guard;
    let now = st.now();
    for r in st.openprovider.rows.iter_mut().filter(|r| r.email == email) {
        if keep_running && r.status == "in progress" {
            continue;
        }
        r.status = "in progress";
        r.description = "";
        r.expiration = Some(now + Duration::days(VERIFICATION_DAYS));
    }
    st.emails.add(email);
}

async fn start(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let email = match prepare(&sb, &headers, &body) {
        Ok(e) => e,
        Err(r) => return r,
    };
    run(&sb, &email, false);
    let id = {
        let mut st = sb.lock();
        st.openprovider.next_id += 1;
        st.openprovider.next_id
    };
    json_response(
        StatusCode::OK,
        json!({ "code": 20001, "desc": "Verification email in progress", "data": { "id": id } }),
    )
}

async fn restart(State(sb): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let email = match prepare(&sb, &headers, &body) {
        Ok(e) => e,
        Err(r) => return r,
    };
    run(&sb, &email, true);
    json_response(StatusCode::OK, json!({ "code": 0, "desc": "", "data": { "success": true } }))
}
