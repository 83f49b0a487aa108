//! The registrant's routes: `/api/{provider}/status` (each token sees only
//! its own contact's rows; name.com from the mirror) and
//! `/api/namecom/events` (name.com's webhooks for that contact, as
//! server-sent events).

use super::*;

#[utoipa::path(
    get,
    path = "/api/{provider}/status",
    tag = "registrant",
    params(
        ("provider" = String, Path, description = "`dna`, `namecom` or `openprovider`"),
        ("contact" = String, Query, description = "The `id` of one of the token's `contacts`"),
        ("card" = Option<String>, Query, description = "Present: the answer comes in an envelope with the card the widget shows for it (`define.js` paints it before the wasm arrives), `{status, headers, body, card, styles}`; the card's attributes as for `/api/{provider}/card`, `now`, the reader's clock in epoch milliseconds, which the card counts from, and `last-resend`, the resend the reader's browser remembers (the widget's stored JSON), whose cooldown the card shows"),
    ),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "The registrar's answer for this contact only (name.com's list page from the mirror, Openprovider's envelope, DNA's result as JSON), which the widget's core reads", body = Object),
        (status = 400, description = "No `contact`", body = bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = bodies::ErrorBody),
        (status = 403, description = "Not a registrant token, or not one of its contacts", body = bodies::ErrorBody),
        (status = 404, description = "The registrar is not served", body = bodies::ErrorBody),
        (status = 429, description = "Too many reads for this token or address; `Retry-After`", body = bodies::ErrorBody),
        (status = 502, description = "The registrar could not be reached, or answered in an unexpected shape", body = bodies::ErrorBody),
        (status = 503, description = "Not ready (name.com's mirror), the store is unreachable, or the registrar is paused; `Retry-After`", body = bodies::ErrorBody),
    )
)]
pub(super) async fn status(
    State(gw): State<Shared>,
    registrant: Registrant,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if !card::CardQuery::asked(&query) {
        return status_read(&gw, &registrant, &headers).await;
    }
    let card = match card::CardQuery::read(&query) {
        Ok(card) => card,
        Err(refused) => return refused,
    };
    let res = status_read(&gw, &registrant, &headers).await;
    card::envelope(res, &card, &registrant, (gw.clock)()).await
}

/// The registrant's card in a declarative shadow root, for a panel to put
/// into its page (see [`card`]).
#[utoipa::path(
    get,
    path = "/api/{provider}/card",
    tag = "registrant",
    params(
        ("provider" = String, Path, description = "`dna`, `namecom` or `openprovider`"),
        ("contact" = String, Query, description = "The `id` of one of the token's `contacts`"),
        ("status-url" = Option<String>, Query, description = "The element's `status-url` (as the browser reaches the gateway); likewise `resend-url`, `events-url`, `token-url`, `theme`"),
        ("locale" = Option<String>, Query, description = "The registrant's language (else the token's `language`, else English); likewise `changed-at`, `cooldown`, `refresh`, `domains`, `edit-contact-url`, `strings`"),
        ("nonce" = Option<String>, Query, description = "A CSP nonce for the card's `<style>` elements"),
    ),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "`<registrant-verification …><template shadowrootmode=\"open\">` with the card the widget shows for this answer (its stylesheets, the card, the answer for the wasm to take over)", content_type = "text/html"),
        (status = 400, description = "No `contact`, or a card attribute too long", body = bodies::ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = bodies::ErrorBody),
        (status = 403, description = "Not a registrant token, or not one of its contacts", body = bodies::ErrorBody),
        (status = 404, description = "The registrar is not served", body = bodies::ErrorBody),
        (status = 429, description = "Too many requests from this address; `Retry-After`", body = bodies::ErrorBody),
        (status = 500, description = "`card_failed`: the card could not be rendered (logged); put the plain element instead", body = bodies::ErrorBody),
    )
)]
pub(super) async fn card_element(
    State(gw): State<Shared>,
    registrant: Registrant,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let card = match card::CardQuery::read(&query) {
        Ok(card) => card,
        Err(refused) => return refused,
    };
    let res = status_read(&gw, &registrant, &headers).await;
    card::element(res, &card, &registrant, (gw.clock)()).await
}

/// The registrar's answer for the token's contact (the status read).
async fn status_read(gw: &Shared, registrant: &Registrant, headers: &HeaderMap) -> Response {
    let (p, contact) = (registrant.provider, &registrant.contact);
    // One token's reads, before anything is read for it.
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Err(wait) = gw.token_reads.take(&limits::token_key(token), std::time::Instant::now()) {
        return slow_down(wait, "Too many status reads with this token: slow down");
    }
    gw.metrics.status_read(p);
    tracing::debug!(registrar = p.as_str(), contact = %contact.id, "status read");
    if p == Provider::Namecom {
        return namecom_status(gw, contact).await;
    }
    // The store holds Openprovider's token and every limit: without it the
    // gateway answers "not now" rather than logging in on every read.
    if !gw.store.ping().await {
        tracing::error!("store unreachable");
        return unavailable(
            5,
            "store_unavailable",
            "The gateway's store is unreachable; try again shortly",
        );
    }
    let Some(email) = contact.email.as_deref() else {
        return api_error(
            StatusCode::BAD_REQUEST,
            "missing_contact",
            "The token's contact has no email",
        );
    };
    // One call in flight per contact, its answer reused a short while
    // (`status_reuse_seconds`); each token then sees its own rows of it.
    let key = read_key(p, email);
    let (gw2, address) = (gw.clone(), email.to_owned());
    let answer = match p {
        Provider::Openprovider => {
            gw.reads
                .get(&key, async move {
                    gw2.openprovider.as_ref().expect("served").status(&address).await
                })
                .await
                .map(|a| own_openprovider_rows(a, contact))
        }
        _ => gw
            .reads
            .get(&key, async move { gw2.dna.as_ref().expect("served").details(&address).await })
            .await
            .map(|a| with_domains(a, &contact.domains)),
    };
    answered(gw, p, answer)
}

/// The key of a contact's registrar status read (see [`reads`]).
pub(super) fn read_key(p: Provider, email: &str) -> String {
    format!("{}:{}", p.as_str(), normal_email(email))
}

/// Domain Name API's `GetDetails` names no domains: the gateway adds the
/// token's `domains` for the contact (as `Domains`, which the core reads),
/// so the registrant sees which domains are at risk. An answer that names
/// some, an error envelope or a non-JSON answer is passed on unchanged.
pub(super) fn with_domains(a: Answer, domains: &[String]) -> Answer {
    if domains.is_empty() || !(200..300).contains(&a.status) {
        return a;
    }
    let Ok(Value::Object(mut fields)) = serde_json::from_slice(&a.body) else {
        return a;
    };
    let named = ["Domains", "domains"]
        .iter()
        .any(|k| fields.get(*k).and_then(Value::as_array).is_some_and(|d| !d.is_empty()));
    if named || fields.get("OperationResult").and_then(Value::as_str) == Some("ERROR") {
        return a;
    }
    fields.insert("Domains".into(), domains.into());
    Answer { headers: a.headers, ..Answer::json(a.status, &Value::Object(fields)) }
}

pub(super) fn answered(gw: &Gateway, p: Provider, a: Result<Answer, Failure>) -> Response {
    match a {
        Ok(a) => {
            gw.metrics.upstream(p, &a.status.to_string());
            a.into_response(false)
        }
        Err(f) => upstream_failed(gw, p, &f),
    }
}

/// The mirror is fresh enough to prove absence: 503 otherwise.
pub(super) async fn fresh_mirror(gw: &Gateway) -> Result<(), Response> {
    let nc = gw.namecom.as_ref().expect("served");
    let completed = gw
        .store
        .mirror_completed_at()
        .await
        .map_err(|e| store_unreachable(&e, "; try again shortly"))?;
    let max = TimeDelta::from_std(nc.max_age()).unwrap_or(TimeDelta::MAX);
    match completed {
        Some(at) if Utc::now() - at <= max => Ok(()),
        _ => Err(unavailable(
            30,
            "not_ready",
            "The gateway is reading name.com's list; the status follows shortly",
        )),
    }
}

/// The mirror's rows that are the token's contact, never another's: the
/// row of the token's `verificationId`, and rows of its address whose
/// domains are among the token's `domains` (a verification that replaced
/// the named one, for the same domains). `None` when the token names
/// neither a verification id nor domains: an address alone, which a
/// registrant can set to anyone's, proves nothing.
pub(super) fn own_rows(
    contact: &ContactClaim,
    rows: Vec<store::MirrorContact>,
) -> Option<Vec<store::MirrorContact>> {
    let id = contact.verification_id.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    if id.is_none() && contact.domains.is_empty() {
        return None;
    }
    let email = contact.email.as_deref().map(normal_email);
    let mine = |d: &String| contact.domains.iter().any(|t| t.eq_ignore_ascii_case(d));
    Some(
        rows.into_iter()
            .filter(|r| {
                Some(r.verification_id) == id
                    || (r.email.as_deref().map(normal_email) == email
                        && email.is_some()
                        && r.domains.iter().any(mine))
            })
            .collect(),
    )
}

/// Openprovider's answer with only the token's contact's rows: those of
/// its `handle` and, when it names `domains`, of those domains (its list is
/// read by address, which a registrant can set to anyone's). With neither
/// named, no row. The registrar's JSON shape is kept (`data.results`,
/// `data.total`); an answer without rows (an error) passes unchanged.
pub(super) fn own_openprovider_rows(a: Answer, contact: &ContactClaim) -> Answer {
    let Ok(mut v) = serde_json::from_slice::<Value>(&a.body) else { return a };
    let Some(results) = v.pointer_mut("/data/results").and_then(Value::as_array_mut) else {
        return a;
    };
    let handle = contact.handle.as_deref().map(str::trim).filter(|h| !h.is_empty());
    let scoped = handle.is_some() || !contact.domains.is_empty();
    results.retain(|row| {
        let field = |k: &str| row.get(k).and_then(Value::as_str).map(str::trim);
        let by_handle =
            handle.is_none_or(|h| field("handle").is_some_and(|r| r.eq_ignore_ascii_case(h)));
        let by_domain = contact.domains.is_empty()
            || field("domain")
                .is_some_and(|d| contact.domains.iter().any(|t| t.eq_ignore_ascii_case(d)));
        scoped && by_handle && by_domain
    });
    let kept = results.len();
    if let Some(total) = v.pointer_mut("/data/total") {
        *total = json!(kept);
    }
    Answer { headers: a.headers, ..Answer::json(a.status, &v) }
}

pub(super) async fn namecom_status(gw: &Gateway, contact: &ContactClaim) -> Response {
    if let Err(r) = fresh_mirror(gw).await {
        return r;
    }
    // Own verification writes this contact's emails in the token's language.
    if let (Some(_), Some(email), Some(language)) =
        (&gw.own, contact.email.as_deref(), contact.language.as_deref())
    {
        if own::valid_language(language) {
            let _ = gw.store.own_set_language(email, language, Utc::now()).await;
        }
    }
    let id = contact.verification_id.as_deref().and_then(|v| v.parse().ok());
    match gw.store.mirror_find(id, contact.email.as_deref()).await {
        Ok(rows) => {
            let rows = own_rows(contact, rows);
            let unscoped = rows.is_none();
            let rows = rows.unwrap_or_default();
            let mut page = upstream::namecom::page_of(&rows);
            // name.com's list shows a change ~10 minutes late: within that
            // window absence proves nothing, and the page says it is not
            // the list's last, so the widget reads "checking". So does a
            // token that names the contact by its address alone: absence
            // of rows the gateway will not show proves nothing either.
            let recent = contact
                .changed_at
                .and_then(|at| at.checked_add_signed(verification_core::PROPAGATION_WINDOW))
                .is_some_and(|end| (gw.clock)() < end);
            if unscoped {
                tracing::warn!(
                    contact = %contact.id,
                    "a name.com contact named by its address alone: add `verificationId` or \
                     `domains` to the token's contact"
                );
            }
            if rows.is_empty() && (recent || unscoped) {
                page["nextPage"] = json!(2);
                page["totalCount"] = json!(1);
            }
            Answer::json(200, &page).into_response(false)
        }
        Err(e) => {
            tracing::error!(error = %e, "store unreachable");
            unavailable(
                5,
                "store_unavailable",
                "The gateway's store is unreachable; try again shortly",
            )
        }
    }
}

// ------------------------------------------------------------ resend

#[utoipa::path(
    get,
    path = "/api/namecom/events",
    tag = "registrant",
    params(("contact" = String, Query, description = "The `id` of one of the token's name.com contacts")),
    security(("panelToken" = [])),
    responses(
        (status = 200, description = "Server-sent events: `verification` when name.com's webhook says the contact's verification changed; ends at the token's `exp`", content_type = "text/event-stream"),
        (status = 401, description = "No token, or not a valid one", body = bodies::ErrorBody),
        (status = 403, description = "Not a registrant token, or not one of its contacts", body = bodies::ErrorBody),
        (status = 404, description = "name.com is not served", body = bodies::ErrorBody),
        (status = 503, description = "Too many open streams on this instance", body = bodies::ErrorBody),
    )
)]
pub(super) async fn events(
    State(gw): State<Shared>,
    Registrant { claims, contact, .. }: Registrant,
    headers: HeaderMap,
) -> Response {
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(ticket) = gw.streams.open(&limits::token_key(token)) else {
        return unavailable(
            30,
            "too_many_streams",
            "The gateway has as many live-update streams open as it allows; try again shortly",
        );
    };
    // The stream ends when its token does: the widget reconnects with a
    // new one.
    let left = claims.exp.saturating_sub(Utc::now().timestamp()).clamp(0, 86_400 * 30);
    let expiry = tokio::time::Instant::now() + Duration::from_secs(left.unsigned_abs());
    // The contact's current verification ids: the token's, and the
    // mirror's for its email.
    let mut ids: Vec<i64> =
        contact.verification_id.as_deref().and_then(|v| v.parse().ok()).into_iter().collect();
    if let Ok(rows) = gw.store.mirror_find(None, contact.email.as_deref()).await {
        // Only the contact's own verifications (see `own_rows`).
        ids.extend(own_rows(&contact, rows).unwrap_or_default().iter().map(|r| r.verification_id));
    }
    let rx = gw.events.subscribe();
    let stop = gw.shutdown.clone();
    let state = (rx, stop, ticket);
    let stream = futures_util::stream::unfold(state, move |(mut rx, mut stop, mut ticket)| {
        let ids = ids.clone();
        async move {
            loop {
                tokio::select! {
                    got = rx.recv() => match got {
                        Ok(ev) if ids.contains(&ev.verification_id) => {
                            let event = Event::default().event("verification").data(&*ev.json);
                            return Some((Ok::<_, Infallible>(event), (rx, stop, ticket)));
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    // SIGTERM: the stream ends, the widget reconnects elsewhere.
                    _ = stop.changed() => return None,
                    // The token opened a newer stream (a reloaded page).
                    _ = ticket.closed.changed() => return None,
                    () = tokio::time::sleep_until(expiry) => return None,
                }
            }
        }
    });
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive"))
        .into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
