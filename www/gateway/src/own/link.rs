//! The verification link's page.
//!
//! - `GET /verify/{verificationId}/{emailId}.{mac}` shows the page: the
//!   domains, the (masked) address and one "Confirm my email" button. It
//!   changes nothing, so a mail scanner that opens links verifies nothing.
//! - `POST` of the same URL (the button) verifies: the first POST claims
//!   the verification in the store and calls Verify Contact; any other
//!   (a second click, another tab, another instance) sees the claim.
//! - `POST …/new` (offered when the link expired, or the relay did not
//!   take an email) sends a new email, under the contact's cooldown.
//!
//! A link confirms only the address it went to, while name.com lists its
//! verification with that address: after an address change it says so
//! and offers a new email to the current address.
//!
//! A link whose mac does not match is refused before anything is read
//! upstream; an expired one says until when it was valid. The pages carry
//! no script, `Referrer-Policy: no-referrer` (the link is a secret) and a
//! policy that allows only their inline style.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use minijinja::context;

use super::store::{EmailRow, VerificationRow, VerifyClaim};
use super::{call_verify, send, verify_key, Own, Sent};
use crate::Shared;

const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                      frame-ancestors 'none'; base-uri 'none'";

/// `r***@example.com`: enough to recognise, not to harvest.
fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((user, host)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{host}")
        }
        None => "***".into(),
    }
}

struct Page<'a> {
    own: &'a Own,
    language: &'a str,
    status: StatusCode,
}

impl Page<'_> {
    fn render(&self, state: &str, extra: minijinja::Value) -> Response {
        let vars = context! { state, ..extra };
        let html = match self.own.templates.page(self.language, &vars) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %e, "own verification page failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be shown.")
                    .into_response();
            }
        };
        let mut res = (self.status, Html(html)).into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        res
    }
}

/// The email a link names, once its mac is checked; else the page that
/// says why.
async fn email_of<'a>(
    gw: &'a Shared,
    verification_id: &str,
    token: &str,
) -> Result<(&'a Own, EmailRow), Response> {
    let Some(own) = gw.own.as_ref() else {
        return Err(crate::api_error(StatusCode::NOT_FOUND, "not_found", "No such endpoint"));
    };
    let invalid = |reason: &str| {
        Page { own, language: &own.config.language, status: StatusCode::NOT_FOUND }
            .render("invalid", context! { reason })
    };
    let parsed = verification_id
        .parse::<i64>()
        .ok()
        .zip(token.split_once('.').and_then(|(id, mac)| Some((id.parse::<i64>().ok()?, mac))));
    let Some((vid, (email_id, mac))) = parsed else { return Err(invalid("malformed")) };
    let email = match gw.store.own_email(email_id).await {
        Ok(Some(e)) => e,
        Ok(None) => return Err(invalid("unknown")),
        Err(e) => return Err(crate::store_unreachable(&e, "; try again shortly")),
    };
    if !own.mac_matches(email.verification_id, email_id, mac) {
        tracing::warn!(verification_id = vid, "own verification: a link with a wrong mac");
        return Err(invalid("tampered"));
    }
    if email.verification_id != vid {
        tracing::warn!(verification_id = vid, "own verification: a link of another verification");
        return Err(invalid("other_contact"));
    }
    Ok((own, email))
}

fn language(e: &EmailRow) -> &str {
    e.template.split_once('/').map_or("en", |(l, _)| l)
}

/// What every state may show; the forms post to the link's own URL.
fn common(own: &Own, e: &EmailRow, token: &str) -> minijinja::Value {
    let action = format!("{}/verify/{}/{token}", own.config.public_url, e.verification_id);
    context! {
        recipient => masked(&e.recipient),
        domains => e.domains.clone(),
        expires => e.link_expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        new_email => format!("{action}/new"),
        action,
        reference => e.verification_id,
    }
}

/// What an existing confirmation shows; `again` on a POST.
fn existing(page: &Page<'_>, e: &EmailRow, t: &str, v: &VerificationRow, again: bool) -> Response {
    match v.state.as_str() {
        "verified" if again => page.render("used", common(page.own, e, t)),
        "verified" => page.render("verified", common(page.own, e, t)),
        "confirming" => page.render("confirming", common(page.own, e, t)),
        _ => Page { status: StatusCode::CONFLICT, ..*page }.render(
            "error",
            context! { reason => v.detail.clone().unwrap_or_default(), ..common(page.own, e, t) },
        ),
    }
}

/// What a request on a link may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// GET: show.
    Show,
    /// POST: confirm.
    Confirm,
    /// POST `…/new`: mail again (an expired link may).
    Mail,
}

/// The email a link names and its page; or the page that answers at
/// once: the link is refused, its verification has an outcome already, or
/// (but to mail again) it has expired.
async fn open<'a>(
    gw: &'a Shared,
    vid: &str,
    token: &str,
    step: Use,
) -> Result<(&'a Own, EmailRow), Response> {
    let (own, e) = email_of(gw, vid, token).await?;
    let page = Page { own, language: language(&e), status: StatusCode::OK };
    match gw.store.own_verification(e.verification_id).await {
        Ok(Some(v)) => return Err(existing(&page, &e, token, &v, step != Use::Show)),
        Ok(None) => {}
        Err(err) => return Err(crate::store_unreachable(&err, "; try again shortly")),
    }
    // A link confirms the address it went to, and only while name.com
    // still lists the verification with that address: after a change it
    // offers a new email to the current one.
    if step != Use::Mail {
        match super::listed(gw, e.verification_id).await {
            Ok(Some(c)) => {
                let current = c.email.as_deref().map(crate::normal_email);
                if current.is_some_and(|a| a != crate::normal_email(&e.recipient)) {
                    let moved = Page { status: StatusCode::CONFLICT, ..page };
                    return Err(moved.render("moved", common(own, &e, token)));
                }
            }
            Ok(None) => {}
            Err(err) => return Err(crate::store_unreachable(&err, "; try again shortly")),
        }
    }
    if step != Use::Mail && (gw.clock)() > e.link_expires_at {
        let gone = Page { status: StatusCode::GONE, ..page };
        return Err(gone.render("expired", common(own, &e, token)));
    }
    Ok((own, e))
}

/// `GET /verify/{verificationId}/{token}`.
#[utoipa::path(
    get,
    path = "/verify/{vid}/{token}",
    tag = "own verification",
    params(
        ("vid" = i64, Path, description = "name.com's verification id"),
        ("token" = String, Path, description = "The email's id and the link's signature"),
    ),
    responses((status = 200, description = "The page: the domains, the masked address, one Confirm button; opening it changes nothing", content_type = "text/html"), (status = 404, description = "Not a link of this gateway", content_type = "text/html"))
)]
pub async fn show(
    State(gw): State<Shared>,
    Path((vid, token)): Path<(String, String)>,
) -> Response {
    match open(&gw, &vid, &token, Use::Show).await {
        Ok((own, e)) => Page { own, language: language(&e), status: StatusCode::OK }
            .render("confirm", common(own, &e, &token)),
        Err(r) => r,
    }
}

/// `POST /verify/{verificationId}/{token}`: the registrant confirms.
#[utoipa::path(
    post,
    path = "/verify/{vid}/{token}",
    tag = "own verification",
    params(
        ("vid" = i64, Path, description = "name.com's verification id"),
        ("token" = String, Path, description = "The email's id and the link's signature"),
    ),
    responses((status = 200, description = "Verify Contact called (or being retried); the page says which", content_type = "text/html"), (status = 404, description = "Not a link of this gateway", content_type = "text/html"))
)]
pub async fn confirm(
    State(gw): State<Shared>,
    Path((vid, token)): Path<(String, String)>,
) -> Response {
    let (own, e) = match open(&gw, &vid, &token, Use::Confirm).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page = Page { own, language: language(&e), status: StatusCode::OK };
    let claim = VerificationRow {
        verification_id: e.verification_id,
        email_id: e.id,
        address: e.recipient.clone(),
        domains: e.domains.clone(),
        idempotency_key: verify_key(e.verification_id),
        state: "confirming".into(),
        attempts: 0,
        detail: None,
    };
    match gw.store.own_verify_claim(&claim, Utc::now()).await {
        Ok(VerifyClaim::New) => {}
        Ok(VerifyClaim::Existing(v)) => return existing(&page, &e, &token, &v, true),
        Err(err) => return crate::store_unreachable(&err, "; nothing was confirmed"),
    }
    if let Err(err) = call_verify(&gw, &claim).await {
        tracing::error!(error = %err, "own verification: the outcome could not be stored");
    }
    match gw.store.own_verification(e.verification_id).await {
        Ok(Some(v)) => existing(&page, &e, &token, &v, false),
        _ => page.render("confirming", common(own, &e, &token)),
    }
}

/// `POST /verify/{verificationId}/{token}/new`: a new email.
#[utoipa::path(
    post,
    path = "/verify/{vid}/{token}/new",
    tag = "own verification",
    params(
        ("vid" = i64, Path, description = "name.com's verification id"),
        ("token" = String, Path, description = "The email's id and the link's signature"),
    ),
    responses((status = 200, description = "A new email with a new link, when the old one expired", content_type = "text/html"), (status = 404, description = "Not a link of this gateway", content_type = "text/html"))
)]
pub async fn new_email(
    State(gw): State<Shared>,
    Path((vid, token)): Path<(String, String)>,
) -> Response {
    let (own, e) = match open(&gw, &vid, &token, Use::Mail).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let page = Page { own, language: language(&e), status: StatusCode::OK };
    let contact = match super::listed(&gw, e.verification_id).await {
        Ok(c) => c,
        Err(err) => return crate::store_unreachable(&err, "; nothing was sent"),
    };
    let Some(contact) = contact else {
        // name.com no longer lists it: verified, or replaced by a newer
        // verification whose email carries its own link.
        return Page { status: StatusCode::CONFLICT, ..page }
            .render("error", context! { reason => "not_found", ..common(own, &e, &token) });
    };
    // The contact's one cooldown, shared with the widget's and staff's
    // resends, reserved before the email is handed over.
    let cooldown = TimeDelta::from_std(gw.config.cooldown).unwrap_or(TimeDelta::minutes(15));
    let (slot, holder) = match super::reserve(&gw, e.verification_id, cooldown).await {
        Ok(Ok(r)) => r,
        Ok(Err(until)) => {
            let until = until.format("%H:%M UTC").to_string();
            return Page { status: StatusCode::TOO_MANY_REQUESTS, ..page }
                .render("throttled", context! { until, ..common(own, &e, &token) });
        }
        Err(err) => return crate::store_unreachable(&err, "; nothing was sent"),
    };
    let at = (gw.clock)();
    let stage = format!("resend-{}", at.timestamp_millis());
    let template = if e.stage.starts_with("suspension") { "suspension" } else { "initial" };
    let bucket =
        crate::rate_bucket(verification_core::Provider::Namecom, Some(e.verification_id), "", None);
    match send(&gw, own, &contact, &stage, template, at).await {
        Ok(Sent::Handed(_, super::mail::Handover::Accepted(_))) => {
            let now = Utc::now();
            gw.store.settle(&slot, &holder, now + cooldown).await;
            let _ = gw.store.record(&bucket, now, Some(now + cooldown)).await;
            // Sent to the contact's current address (after a change, not
            // the one this link went to).
            let to = masked(contact.email.as_deref().unwrap_or(&e.recipient));
            page.render("sent", context! { recipient => to, ..common(own, &e, &token) })
        }
        Ok(_) | Err(_) => {
            gw.store.settle(&slot, &holder, Utc::now()).await;
            Page { status: StatusCode::BAD_GATEWAY, ..page }
                .render("not_sent", common(own, &e, &token))
        }
    }
}
