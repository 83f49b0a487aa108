//! name.com's HTTP API as the sandbox answers it: the unverified list, the
//! domain list, resend and Verify Contact, with name.com's authentication,
//! paging and errors.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::{Sandbox, NAMECOM_OWN_TOKEN, NAMECOM_OWN_USERNAME, NAMECOM_TOKEN, NAMECOM_USERNAME};

pub(crate) fn router() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/core/v1/contacts/unverified", get(list))
        .route("/core/v1/domains", get(list_domains))
        .route("/core/v1/contacts/verify/{tail}", post(verify_or_resend))
}

/// The account whose credentials the request carries.
pub(super) fn authorized(headers: &HeaderMap) -> Option<Account> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    if decoded == format!("{NAMECOM_USERNAME}:{NAMECOM_TOKEN}").as_bytes() {
        Some(Account::Main)
    } else if decoded == format!("{NAMECOM_OWN_USERNAME}:{NAMECOM_OWN_TOKEN}").as_bytes() {
        Some(Account::Own)
    } else {
        None
    }
}

pub(super) fn unauthenticated() -> Response {
    error(StatusCode::UNAUTHORIZED, "Unauthenticated", None).into_response(false)
}

pub(super) fn int_param(
    q: &HashMap<String, String>,
    name: &str,
    default: i64,
) -> Result<i64, Response> {
    match q.get(name) {
        None => Ok(default),
        Some(s) => s.trim().parse::<i64>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "Invalid Argument",
                Some(&format!("{name} must be an integer")),
            )
            .into_response(false)
        }),
    }
}

pub(super) async fn list(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Some(account) = authorized(&headers) else {
        return unauthenticated();
    };
    let (page, per_page) = match paging(query, 100) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let st = sb.lock();
    let now = st.now();
    let visible: Vec<&NcContact> = st
        .namecom
        .contacts
        .iter()
        .filter(|c| c.account == account && !c.verified && c.listed_from <= now)
        .collect();
    let (rows, mut body) = one_page(&visible, page, per_page);
    body["unverifiedContacts"] = rows
        .iter()
        .map(|c| {
            json!({
                "verificationId": c.id,
                "createDate": rfc3339_z(c.create_date),
                "verifyBy": rfc3339_z(c.verify_by),
                "email": c.email,
                "domains": c.domains,
            })
        })
        .collect();
    Reply::json(StatusCode::OK, body).into_response(false)
}

/// `page` (default 1, at least 1) and `perPage` (1..=1000), as name.com
/// checks them: else 400 `Invalid Argument`.
pub(super) fn paging(
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    default_per_page: i64,
) -> Result<(i64, i64), Response> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let page = int_param(&q, "page", 1)?;
    let per_page = int_param(&q, "perPage", default_per_page)?;
    if page < 1 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Invalid Argument",
            Some("page must be at least 1"),
        )
        .into_response(false));
    }
    if !(1..=1000).contains(&per_page) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Invalid Argument",
            Some("perPage must be between 1 and 1000"),
        )
        .into_response(false));
    }
    Ok((page, per_page))
}

/// Page `page` of `items` and name.com's paging fields (`from`, `to`,
/// `lastPage`, `nextPage` null on the last page, `totalCount`); a page past
/// the end is empty with `from`/`to` 0.
pub(super) fn one_page<T>(items: &[T], page: i64, per_page: i64) -> (&[T], Value) {
    let total = items.len() as i64;
    let last_page = ((total + per_page - 1) / per_page).max(1);
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let rows = items.get(start..).unwrap_or(&[]);
    let rows = &rows[..rows.len().min(per_page as usize)];
    let start = start as i64;
    let (from, to) = if rows.is_empty() { (0, 0) } else { (start + 1, start + rows.len() as i64) };
    let next_page = if page < last_page { json!(page + 1) } else { Value::Null };
    let body = json!({
        "from": from,
        "to": to,
        "lastPage": last_page,
        "nextPage": next_page,
        "totalCount": total,
    });
    (rows, body)
}

/// `GET /core/v1/domains?page=&perPage=`: the account's domains.
pub(super) async fn list_domains(
    State(sb): State<Arc<Sandbox>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let Some(account) = authorized(&headers) else {
        return unauthenticated();
    };
    let (page, per_page) = match paging(query, 1000) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let st = sb.lock();
    let mine: Vec<&NcDomain> = st.namecom.domains.iter().filter(|d| d.account == account).collect();
    let (rows, mut body) = one_page(&mine, page, per_page);
    body["domains"] = rows
        .iter()
        .map(|d| {
            json!({
                "domainName": d.name,
                "createDate": rfc3339_z(d.create_date),
                "expireDate": rfc3339_z(d.expire_date),
                "locked": true,
                "autorenewEnabled": false,
            })
        })
        .collect();
    Reply::json(StatusCode::OK, body).into_response(false)
}

enum Action {
    Verify,
    Resend,
}

pub(super) async fn verify_or_resend(
    State(sb): State<Arc<Sandbox>>,
    Path(tail): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(account) = authorized(&headers) else {
        return unauthenticated();
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: send Content-Type: application/json",
            None,
        )
        .into_response(false);
    }
    if !body.iter().all(u8::is_ascii_whitespace) && serde_json::from_slice::<Value>(&body).is_err()
    {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid Argument",
            Some("request body is not valid JSON"),
        )
        .into_response(false);
    }
    let (id_part, action) = match tail.split_once(':') {
        None => (tail.as_str(), Action::Verify),
        Some((id, "resend")) => (id, Action::Resend),
        Some(_) => return error(StatusCode::NOT_FOUND, "Not Found", None).into_response(false),
    };
    let Some(id) = id_part.parse::<i64>().ok().filter(|id| (1..=i64::from(i32::MAX)).contains(id))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid Argument",
            Some("verificationId must be a positive 32-bit integer"),
        )
        .into_response(false);
    };

    let mut guard = sb.lock();
    let st = &mut *guard;
    let now = st.now();
    let key = headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|k| !k.is_empty());
    let fingerprint = format!("POST {tail} {}", String::from_utf8_lossy(&body).trim());
    if let Some(key) = &key {
        st.namecom
            .idempotency
            .retain(|_, s| now - s.at < Duration::minutes(IDEMPOTENCY_TTL_MINUTES));
        if let Some(stored) = st.namecom.idempotency.get(key) {
            if stored.fingerprint != fingerprint {
                return error(
                    StatusCode::CONFLICT,
                    "Idempotency key has been reused for a different request.",
                    None,
                )
                .into_response(false);
            }
            return stored.reply.clone().into_response(true);
        }
    }
    let reply = match action {
        Action::Resend => resend(st, account, id, now),
        Action::Verify => verify(st, account, id),
    };
    // A throttled answer (429, or 200 `sent: false`) is not kept for the
    // key: the same key later is answered anew.
    let not_sent = reply.body.as_ref().and_then(|b| b.get("sent")) == Some(&json!(false));
    let cacheable = reply.status != StatusCode::TOO_MANY_REQUESTS
        && !reply.status.is_server_error()
        && !not_sent;
    if let (Some(key), true) = (key, cacheable) {
        st.namecom.idempotency.insert(key, Stored { fingerprint, at: now, reply: reply.clone() });
    }
    reply.into_response(false)
}
