//! The one path every resend takes (`guarded_resend`): the intent claimed,
//! the contact's cooldown and name.com's account budget reserved (store
//! leases keyed by the registrar's identity of the contact), the log row,
//! the upstream call, the core reading the answer, the reservations
//! settled; and the registrant's `/api/{provider}/resend`.

use super::*;

/// What a resend addresses, resolved by the gateway (never taken from the
/// browser beyond the operation's name).
pub(super) struct Resend<'a> {
    pub(super) provider: Provider,
    pub(super) contact_id: &'a str,
    pub(super) email: String,
    pub(super) domains: Vec<String>,
    pub(super) op: ResendOperation,
    pub(super) handle: Option<String>,
    pub(super) namecom_id: Option<i32>,
}

/// The budget of name.com's resends per account and hour: one reserved
/// slot per resend ([`store::Store::reserve_budget`]).
pub const NAMECOM_BUDGET: &str = "resend:account:namecom";

/// An address as registrars compare them: trimmed, lower case.
pub(crate) fn normal_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The contact as the registrar knows it, which its cooldown is keyed by,
/// never the caller's string: name.com's `verificationId`; Openprovider's
/// address (its `restart` names the address alone); Domain Name API's
/// handle, else its address. So the registrant, the staff list, the queue,
/// own verification and the link page share one cooldown per contact, and
/// `OWNER@x` is `owner@x`.
pub(crate) fn contact_identity(
    p: Provider,
    namecom_id: Option<i64>,
    email: &str,
    handle: Option<&str>,
) -> String {
    match (p, handle.map(str::trim).filter(|h| !h.is_empty())) {
        (Provider::Namecom, _) => {
            namecom_id.map_or_else(|| normal_email(email), |id| id.to_string())
        }
        (Provider::Openprovider, _) => normal_email(email),
        (Provider::Dna, Some(h)) => format!("handle:{h}"),
        (Provider::Dna, None) => format!("email:{}", normal_email(email)),
    }
}

/// The contact's row in the history of sends (what the staff queue plans
/// by): `contact:{provider}:{identity}`.
pub(crate) fn rate_bucket(
    p: Provider,
    namecom_id: Option<i64>,
    email: &str,
    handle: Option<&str>,
) -> String {
    format!("contact:{}:{}", p.as_str(), contact_identity(p, namecom_id, email, handle))
}

/// The contact's cooldown reservation ([`store::Store::reserve`]): its
/// history bucket, under `resend:`.
pub(crate) fn contact_slot(
    p: Provider,
    namecom_id: Option<i64>,
    email: &str,
    handle: Option<&str>,
) -> String {
    format!("resend:{}", rate_bucket(p, namecom_id, email, handle))
}

pub(super) fn operation(p: Provider, body: &Bytes) -> Result<ResendOperation, Response> {
    let v = serde_json::from_slice::<Value>(body).ok();
    if let Some(fields) = v.as_ref().and_then(Value::as_object) {
        if fields.keys().any(|k| k != "operation") {
            return Err(api_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The body may only hold `operation`: the contact is named by the URL",
            ));
        }
    }
    v.as_ref()
        .and_then(|v| v.get("operation"))
        .and_then(Value::as_str)
        .and_then(|op| ResendOperation::parse(p, op))
        .ok_or_else(|| {
            api_error(
                StatusCode::BAD_REQUEST,
                "bad_operation",
                "Body must be {\"operation\": ...} naming this registrar's resend",
            )
        })
}

/// name.com's current verification id for a contact, from the mirror,
/// range-checked for the int32 path parameter.
pub(super) async fn namecom_target(
    gw: &Gateway,
    id: Option<i64>,
    email: Option<&str>,
    scope: Option<&ContactClaim>,
) -> Result<(i32, Vec<String>, String), Response> {
    let rows = gw
        .store
        .mirror_find(id, email)
        .await
        .map_err(|e| store_unreachable(&e, "; nothing was sent"))?;
    // A registrant resends only their own verification.
    let rows = match scope {
        Some(contact) => own_rows(contact, rows).unwrap_or_default(),
        None => rows,
    };
    let Some(row) = rows.into_iter().max_by_key(|r| r.verification_id) else {
        return Err(api_error(
            StatusCode::CONFLICT,
            "no_verification",
            "name.com lists no verification to resend for this contact",
        ));
    };
    let n = i32::try_from(row.verification_id).ok().filter(|n| *n > 0).ok_or_else(|| {
        api_error(
            StatusCode::CONFLICT,
            "no_verification",
            "name.com's verification id is out of range for a resend",
        )
    })?;
    Ok((n, row.domains, row.email.unwrap_or_default()))
}

#[utoipa::path(
    post,
    path = "/api/{provider}/resend",
    tag = "registrant",
    params(
        ("provider" = String, Path, description = "`dna`, `namecom` or `openprovider`"),
        ("contact" = String, Query, description = "The `id` of one of the token's `contacts`"),
        ("X-Idempotency-Key" = Option<String>, Header, description = "One key per press: a retry with it is answered with the first answer (`X-Idempotent-Replay: 1`)"),
    ),
    request_body = bodies::ResendRequest,
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The registrar's answer (sent, or not sent with when it allows another)", body = Object),
        (status = 400, description = "No `contact`, or a body that is not a resend", body = bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = bodies::ErrorBody),
        (status = 403, description = "Not a registrant token, not one of its contacts, or an `Origin` not in `allowed_origins`", body = bodies::ErrorBody),
        (status = 404, description = "The registrar is not served", body = bodies::ErrorBody),
        (status = 409, description = "A resend with this key is in flight, or the key was used for another request", body = bodies::ErrorBody),
        (status = 429, description = "The contact's cooldown or the account's budget: `Retry-After`, `x-ratelimit-reset`, and `details` saying when", body = Object),
        (status = 502, description = "The registrar could not be reached", body = bodies::ErrorBody),
        (status = 503, description = "The store is unreachable, or the registrar is paused", body = bodies::ErrorBody),
    )
)]
pub(super) async fn resend(
    State(gw): State<Shared>,
    Registrant { provider: p, claims, contact }: Registrant,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    check_origin(&gw, &headers)?;
    let op = operation(p, &body)?;
    let mut r = Resend {
        provider: p,
        contact_id: &contact.id,
        email: contact.email.clone().unwrap_or_default(),
        domains: contact.domains.clone(),
        op,
        handle: contact.handle.clone(),
        namecom_id: None,
    };
    if p == Provider::Namecom {
        fresh_mirror(&gw).await?;
        let id = contact.verification_id.as_deref().and_then(|v| v.parse().ok());
        let (n, domains, email) =
            namecom_target(&gw, id, contact.email.as_deref(), Some(&contact)).await?;
        if let Some(own) = &gw.own {
            // The reseller sends the emails itself: its own resend.
            return Ok(own::resend(&gw, own, i64::from(n), idempotency_key(&headers)).await);
        }
        r.namecom_id = Some(n);
        if r.domains.is_empty() {
            r.domains = domains;
        }
        if r.email.is_empty() {
            r.email = email;
        }
    } else if r.email.is_empty() && !(p == Provider::Dna && r.handle.is_some()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            "The token's contact has no email",
        ));
    }
    Ok(guarded_resend(&gw, &claims.sub, r, idempotency_key(&headers)).await)
}

/// The request's `X-Idempotency-Key`, when it is usable (1 to 200 bytes).
pub(super) fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
}

/// The gateway's answer when the store cannot record a resend: it is not
/// sent.
fn store_down(e: &str) -> Response {
    tracing::error!(error = %e, "store unreachable, resend refused");
    unavailable(
        5,
        "store_unavailable",
        "The resend could not be recorded, so it was not sent. Try again shortly.",
    )
}

/// Step 1, the intent: one upstream call per (contact, key). `Err` is the
/// answer instead (a stored answer, "in progress", a reused key).
async fn claim_intent(
    gw: &Gateway,
    r: &Resend<'_>,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Response> {
    let Some(key) = key else { return Ok(()) };
    let p = r.provider;
    match gw.store.claim(p.as_str(), r.contact_id, key, r.op.as_str(), now).await {
        Ok(Claim::New) => Ok(()),
        Ok(Claim::Done(stored)) => {
            gw.metrics.resend("deduplicated");
            Err(Answer::from_stored(stored).into_response(true))
        }
        Ok(Claim::InProgress(since)) => {
            gw.metrics.resend("deduplicated");
            // Longer than any upstream call may take: the process that
            // sent it died before the answer. It may have gone out, so it
            // is not sent again.
            let stale =
                TimeDelta::from_std(gw.config.upstream_timeout * 2).unwrap_or(TimeDelta::MAX);
            if now - since > stale {
                return Err(api_error(
                    StatusCode::CONFLICT,
                    "intent_unknown",
                    "The first attempt of this resend lost its answer and may have gone out, \
                     so it is not sent again. Check the inbox, or ask again later.",
                ));
            }
            let mut res = api_error(
                StatusCode::CONFLICT,
                "in_progress",
                "This resend is still in progress; retry with the same key",
            );
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Err(res)
        }
        Ok(Claim::Mismatch) => Err(api_error(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "Idempotency key has been reused for a different request.",
        )),
        Err(e) => Err(store_down(&e)),
    }
}

/// Gives the intent back (its key may be used again).
async fn release_intent(gw: &Gateway, r: &Resend<'_>, key: Option<&str>) {
    if let Some(key) = key {
        gw.store.release(r.provider.as_str(), r.contact_id, key).await;
    }
}

/// What a resend holds while it goes: the contact's cooldown slot and
/// name.com's account budget slot, reserved under `holder`.
struct Held {
    slot: String,
    holder: String,
    budget: Option<String>,
}

impl Held {
    /// Gives back what the call did not use: the contact's slot from
    /// `contact_until` on, and the budget's slot when nothing was sent.
    async fn give_back(&self, gw: &Gateway, contact_until: DateTime<Utc>, sent: bool) {
        gw.store.settle(&self.slot, &self.holder, contact_until).await;
        if let (Some(b), false) = (&self.budget, sent) {
            gw.store.settle(b, &self.holder, Utc::now()).await;
        }
    }
}

/// Step 2, the limits, reserved before the call: the contact's cooldown
/// slot and name.com's account budget, each taken in one statement that
/// only one caller of any number at once can win. `Err` is the answer
/// instead (429 with when, or the store down), nothing left held.
async fn reserve_limits(
    gw: &Gateway,
    r: &Resend<'_>,
    cooldown: TimeDelta,
    now: DateTime<Utc>,
) -> Result<Held, Response> {
    let p = r.provider;
    let slot = contact_slot(p, r.namecom_id.map(i64::from), &r.email, r.handle.as_deref());
    let holder = format!("{}-{:016x}", gw.instance, rand_u64());
    // Held at least as long as the call may take, whatever the cooldown.
    let in_flight = TimeDelta::from_std(gw.config.upstream_timeout * 2).unwrap_or(TimeDelta::MAX);
    match gw.store.reserve(&slot, &holder, now + cooldown.max(in_flight), now).await {
        Ok(None) => {}
        Ok(Some(until)) => {
            gw.metrics.resend("throttled");
            return Err(too_many(until, now, "Resend throttled"));
        }
        Err(e) => return Err(store_down(&e)),
    }
    if p != Provider::Namecom {
        return Ok(Held { slot, holder, budget: None });
    }
    let window = NAMECOM_PER_ACCOUNT.window;
    match gw.store.reserve_budget(NAMECOM_BUDGET, &holder, now + window, now).await {
        Ok(Ok(b)) => Ok(Held { slot, holder, budget: Some(b) }),
        Ok(Err(until)) => {
            gw.store.settle(&slot, &holder, now).await;
            gw.metrics.resend("throttled");
            Err(too_many(until, now, "The account's resend budget is used up"))
        }
        Err(e) => {
            gw.store.settle(&slot, &holder, now).await;
            Err(store_down(&e))
        }
    }
}

/// Step 4, the call to the registrar.
async fn call_registrar(
    gw: &Gateway,
    r: &Resend<'_>,
    key: Option<&str>,
) -> Result<Answer, Failure> {
    match r.provider {
        Provider::Namecom => {
            let id = r.namecom_id.expect("resolved before");
            gw.namecom.as_ref().expect("served").resend(id, key).await
        }
        Provider::Openprovider => {
            gw.openprovider
                .as_ref()
                .expect("served")
                .resend(r.op, &r.email, r.handle.as_deref())
                .await
        }
        Provider::Dna => {
            let target = match &r.handle {
                Some(h) => upstream::dna::Target::ExternalId(h),
                None => upstream::dna::Target::Email(&r.email),
            };
            gw.dna.as_ref().expect("served").resend(target).await
        }
    }
}

/// Step 5, what the registrar said, read by the core as the widget will
/// read it (where the registrar gives no time, the core applies the
/// cooldown): the contact's cooldown and the budget settled, the rate
/// events recorded.
async fn settle_answer(
    gw: &Gateway,
    r: &Resend<'_>,
    held: &Held,
    answer: &Answer,
    cooldown: TimeDelta,
    now: DateTime<Utc>,
) {
    use verification_core::resend::ResendKind;
    let p = r.provider;
    let mut ctx = Context::new(Utc::now());
    ctx.policy.cooldown = cooldown;
    let resp = verification_core::Response::new(
        answer.status,
        std::str::from_utf8(&answer.body).unwrap_or(""),
    );
    let outcome = verification_core::interpret_resend(p, &resp, &ctx).ok();
    let bucket = rate_bucket(p, r.namecom_id.map(i64::from), &r.email, r.handle.as_deref());
    match &outcome {
        Some(o) if o.outcome == ResendKind::Sent => {
            gw.metrics.resend("sent");
            let until = o.next_eligible_at.unwrap_or(now + cooldown);
            held.give_back(gw, until, true).await;
            let _ = gw.store.record(&bucket, now, Some(until)).await;
            if p == Provider::Namecom {
                let _ = gw.store.record("account:namecom", now, None).await;
            }
        }
        Some(o) if o.outcome == ResendKind::Throttled => {
            gw.metrics.resend("throttled");
            let until = o.next_eligible_at.unwrap_or(now);
            held.give_back(gw, until, false).await;
            if o.next_eligible_at.is_some() {
                let _ = gw.store.record(&bucket, now, Some(until)).await;
            }
        }
        // Read, and nothing was sent (already verified, refused, …).
        Some(_) => held.give_back(gw, Utc::now(), false).await,
        // An answer the core cannot read: a 5xx page or the like. Sent or
        // not is unknown: as for no answer.
        None if answer.retryable() => {
            held.give_back(gw, (Utc::now() + TimeDelta::minutes(1)).min(now + cooldown), true)
                .await;
        }
        None => held.give_back(gw, Utc::now(), false).await,
    }
}

/// Idempotency, limits, the log, the call: every resend goes through here.
pub(super) async fn guarded_resend(
    gw: &Gateway,
    who: &str,
    r: Resend<'_>,
    key: Option<&str>,
) -> Response {
    let now = Utc::now();
    let p = r.provider;
    let cooldown = TimeDelta::from_std(gw.config.cooldown).unwrap_or(TimeDelta::minutes(15));
    // 1. The intent.
    if let Err(res) = claim_intent(gw, &r, key, now).await {
        return res;
    }
    // 2. The limits.
    let held = match reserve_limits(gw, &r, cooldown, now).await {
        Ok(h) => h,
        Err(res) => {
            release_intent(gw, &r, key).await;
            return res;
        }
    };
    // 3. The log row, before anything goes upstream.
    let entry = LogEntry {
        session: None,
        registrant: who,
        provider: p.as_str(),
        contact: r.contact_id,
        email: &r.email,
        domains: &r.domains,
        operation: r.op.as_str(),
        idempotency_key: key,
    };
    let row = match gw.store.log_begin(&entry, now).await {
        Ok(id) => id,
        Err(e) => {
            held.give_back(gw, Utc::now(), false).await;
            release_intent(gw, &r, key).await;
            return store_down(&e);
        }
    };
    // 4. The call.
    let answer = match call_registrar(gw, &r, key).await {
        Ok(a) => a,
        Err(f) => {
            gw.store.log_finish(row, Err(&f.describe()), Utc::now()).await;
            // No answer: it may have gone out. The account's slot stays
            // spent; the contact may try again in a minute, not at once.
            let settle = (Utc::now() + TimeDelta::minutes(1)).min(now + cooldown);
            gw.store.settle(&held.slot, &held.holder, settle).await;
            release_intent(gw, &r, key).await;
            return upstream_failed(gw, p, &f);
        }
    };
    gw.store.log_finish(row, Ok((answer.status, &answer.body)), Utc::now()).await;
    gw.metrics.upstream(p, &answer.status.to_string());
    // What the registrar says of the contact may have changed.
    if !r.email.is_empty() {
        gw.reads.forget(&read_key(p, &r.email));
    }
    // The contact's id (the panel's), never its email or the token.
    tracing::info!(
        registrar = p.as_str(),
        contact = r.contact_id,
        operation = r.op.as_str(),
        upstream_status = answer.status,
        log_row = row,
        "resend sent upstream"
    );
    // 5. What the registrar said.
    settle_answer(gw, &r, &held, &answer, cooldown, now).await;
    if let Some(key) = key {
        if answer.retryable() {
            gw.store.release(p.as_str(), r.contact_id, key).await;
        } else {
            gw.store.complete(p.as_str(), r.contact_id, key, &answer.stored()).await;
        }
    }
    answer.into_response(false)
}

// ------------------------------------------------------------ staff
