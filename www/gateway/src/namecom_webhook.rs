//! `POST /webhooks/namecom`: name.com's `contact.verification.status_change`,
//! checked (`webhook.rs`), applied to the mirror once (replays remembered),
//! and published to every instance's open event streams.

use super::*;

#[utoipa::path(
    post,
    path = "/webhooks/namecom",
    tag = "registrars",
    params(("X-NAMECOM-SIGNATURE" = String, Header, description = "`sha256=<hex>,<timestamp>,<uuid>`: HMAC-SHA256 of the subscription URL and the sorted JSON, keyed with the account's API token")),
    request_body(content = Object, description = "`contact.verification.status_change` (at most 64 KB)"),
    responses(
        (status = 200, description = "Applied (or a repeat, answered without effect)"),
        (status = 401, description = "A signature that does not verify, or too old", body = bodies::ErrorBody),
        (status = 404, description = "name.com is not served", body = bodies::ErrorBody),
    )
)]
pub(super) async fn webhook(State(gw): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(nc) = gw.namecom.as_ref() else {
        return api_error(StatusCode::NOT_FOUND, "not_found", "name.com is not served");
    };
    let hook = match webhook::read(
        &headers,
        &body,
        &nc.config.webhook_url,
        nc.config.token.expose(),
        Utc::now(),
    ) {
        Ok(hook) => hook,
        Err(why) => {
            tracing::warn!(?why, "name.com webhook rejected");
            return why.response();
        }
    };
    let (id, r, compact) = (hook.verification_id, hook.record, hook.json);
    // name.com signs the body, not its timestamp or nonce: the same signed
    // body again is a replay (or a redelivery), answered without effect.
    let digest = secret::sha256_hex(compact.as_bytes());
    match gw.store.webhook_first(&digest, Utc::now()).await {
        Ok(true) => {}
        Ok(false) => {
            gw.metrics.webhook_replayed();
            tracing::info!(verification_id = id, "name.com webhook seen before: no effect");
            return StatusCode::NO_CONTENT.into_response();
        }
        Err(e) => return store_unreachable(&e, "; name.com may deliver it again"),
    }
    let verify_by = r.deadline.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    if r.status != Status::Unknown {
        if let Err(e) = gw
            .store
            .mirror_webhook(id, r.status == Status::Verified, verify_by.as_deref(), &r.domains)
            .await
        {
            tracing::error!(error = %e, "webhook not stored");
            gw.store.webhook_forget(&digest).await;
            return unavailable(
                5,
                "store_unavailable",
                "The webhook could not be stored; name.com may deliver it again",
            );
        }
    }
    if let Err(e) = publish(&gw, id, &compact).await {
        tracing::error!(error = %e, "webhook not published");
        gw.store.webhook_forget(&digest).await;
        return unavailable(
            5,
            "store_unavailable",
            "The webhook could not be published; name.com may deliver it again",
        );
    }
    gw.metrics.webhook();
    StatusCode::NO_CONTENT.into_response()
}

/// Tells every instance's open event streams that verification `id`
/// changed (`json`: a name.com webhook body): through PostgreSQL when
/// instances share one, else in this process.
pub(super) async fn publish(gw: &Gateway, id: i64, json: &str) -> Result<(), String> {
    let payload = json!({"verificationId": id, "json": json}).to_string();
    if !gw.store.notify(&payload).await? {
        let _ = gw.events.send(WebhookEvent { verification_id: id, json: json.into() });
    }
    Ok(())
}

// ------------------------------------------------------------ operations
