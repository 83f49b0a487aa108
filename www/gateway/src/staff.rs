//! The support staff's routes: the account-wide `/api/{provider}/list`
//! and `/api/{provider}/support/resend` (the queue is `queue.rs`).

use super::*;

#[utoipa::path(
    get,
    path = "/api/{provider}/list",
    tag = "staff",
    params(("provider" = String, Path, description = "`namecom` or `openprovider` (Domain Name API has no account-wide list)")),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "A page of the account's unverified contacts: name.com's list shape from the mirror (`page`, `perPage`), or Openprovider's (`limit`, `offset`, `status`, `email`, `domain`)", body = Object),
        (status = 401, description = "No token, or not a valid one", body = bodies::ErrorBody),
        (status = 403, description = "Not a staff token", body = bodies::ErrorBody),
        (status = 404, description = "No list for this registrar", body = bodies::ErrorBody),
        (status = 503, description = "Not ready", body = bodies::ErrorBody),
    )
)]
pub(super) async fn list(
    State(gw): State<Shared>,
    Staff { provider: p, .. }: Staff,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    match p {
        Provider::Namecom => {
            if let Err(r) = fresh_mirror(&gw).await {
                return r;
            }
            let num = |k: &str, d: i64| {
                query
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.parse::<i64>().ok())
                    .unwrap_or(d)
            };
            let page = num("page", 1).max(1);
            let per = num("perPage", 100).clamp(1, 1000);
            // A mirror of a billion contacts has a million pages at most.
            if page > MAX_PAGE {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    "bad_page",
                    &format!("`page` must be 1 to {MAX_PAGE}"),
                );
            }
            match gw.store.mirror_page(page, per).await {
                Ok((rows, total)) => {
                    let mut body = upstream::namecom::page_of(&rows);
                    let from = (page - 1) * per;
                    let to = from + rows.len() as i64;
                    body["from"] = json!(if rows.is_empty() { 0 } else { from + 1 });
                    body["to"] = json!(to);
                    body["totalCount"] = json!(total);
                    body["lastPage"] = json!((total + per - 1) / per);
                    body["nextPage"] = if to < total { json!(page + 1) } else { Value::Null };
                    Answer::json(200, &body).into_response(false)
                }
                Err(e) => store_unreachable(&e, ""),
            }
        }
        Provider::Openprovider => {
            let allowed = [
                "limit",
                "offset",
                "status",
                "email",
                "domain",
                "handle",
                "description",
                "is_suspended",
            ];
            let q: Vec<(String, String)> =
                query.into_iter().filter(|(k, _)| allowed.contains(&k.as_str())).collect();
            answered(&gw, p, gw.openprovider.as_ref().expect("served").list(&q).await)
        }
        Provider::Dna => api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Domain Name API has no account-wide list",
        ),
    }
}

#[utoipa::path(
    post,
    path = "/api/{provider}/support/resend",
    tag = "staff",
    params(
        ("provider" = String, Path, description = "`namecom` or `openprovider`"),
        ("contact" = String, Query, description = "name.com's verification id, or Openprovider's email"),
        ("X-Idempotency-Key" = Option<String>, Header, description = "As for the registrant's resend"),
    ),
    request_body = bodies::ResendRequest,
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The registrar's answer", body = Object),
        (status = 400, description = "No `contact`, or a body that is not a resend", body = bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = bodies::ErrorBody),
        (status = 403, description = "Not a staff token, or an `Origin` not in `allowed_origins`", body = bodies::ErrorBody),
        (status = 404, description = "No such contact in the account: the registrar's own answer", body = Object),
        (status = 409, description = "A resend with this key is in flight, or the key was used for another request", body = bodies::ErrorBody),
        (status = 429, description = "The contact's cooldown or the account's budget", body = Object),
        (status = 502, description = "The registrar could not be reached", body = bodies::ErrorBody),
        (status = 503, description = "The store is unreachable, or the registrar is paused", body = bodies::ErrorBody),
    )
)]
pub(super) async fn support_resend(
    State(gw): State<Shared>,
    StaffWriting(Staff { provider: p, claims }): StaffWriting,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let target = one_query(&query, "contact")?;
    let op = operation(p, &body)?;
    let r = staff_target(&gw, p, &target, op).await?;
    let who = format!("staff:{}", claims.sub);
    Ok(guarded_resend(&gw, &who, r, idempotency_key(&headers)).await)
}

/// The resend of a contact staff name by the staff endpoints' id (name.com's
/// verification id or email, from the mirror; Openprovider's email).
pub(super) async fn staff_target<'a>(
    gw: &Gateway,
    p: Provider,
    target: &'a str,
    op: ResendOperation,
) -> Result<Resend<'a>, Response> {
    let mut r = Resend {
        provider: p,
        contact_id: target,
        email: String::new(),
        domains: Vec::new(),
        op,
        handle: None,
        namecom_id: None,
    };
    match p {
        Provider::Namecom => {
            fresh_mirror(gw).await?;
            let (id, email) = match target.parse::<i64>() {
                Ok(id) => (Some(id), None),
                Err(_) => (None, Some(target)),
            };
            let (n, domains, email) = namecom_target(gw, id, email, None).await?;
            r.namecom_id = Some(n);
            r.domains = domains;
            r.email = email;
        }
        Provider::Openprovider => r.email = target.to_owned(),
        Provider::Dna => {
            return Err(api_error(
                StatusCode::NOT_FOUND,
                "not_found",
                "Domain Name API has no account-wide list",
            ))
        }
    }
    Ok(r)
}

// ------------------------------------------------------------ live updates
