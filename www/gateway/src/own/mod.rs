//! name.com resellers who verify their registrants themselves
//! (`[namecom.own_verification]`, seed 001 "Part 2").
//!
//! - **Emails.** A pass over the name.com mirror (every
//!   `pass_interval_seconds`, and after each scan) asks the core
//!   ([`verification_core::notice::due`]) which ICANN email each contact is
//!   due: initial, reminders, suspension notice. Each is recorded in the
//!   store before it is sent, once per contact and stage (a unique row), so
//!   a restart or a second instance never sends it twice. The relay's
//!   refusal or silence is logged and retried with backoff; only the
//!   relay's acceptance marks an email sent.
//! - **The link** (`{public_url}/verify/{verificationId}/{emailId}.{mac}`,
//!   the mac an HMAC of both under `link_secret`): see [`link`]. Only the
//!   page's POST verifies, with Verify Contact and an idempotency key
//!   derived from the verification.
//! - **The widget's resend** sends the reseller's email again (the same
//!   cooldown as name.com's `:resend`).
//! - **Logs**: every hand-over to the relay and every verification, kept
//!   `retention_days` after the contact leaves name.com's list
//!   (`verification-www log export --kind emails|verifications`).

pub mod link;
pub mod mail;
pub mod retention;
pub mod store;
pub mod templates;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use verification_core::notice::{self, Stage};
use verification_core::Provider;

use super::config::OwnVerificationConfig;
use super::store::MirrorContact;
use super::Gateway;
use mail::{Handover, Mailer};
use store::{EmailRow, NewEmail};
pub use templates::valid_language;
use templates::Templates;

/// The gateway's clock: the real one, or a test's.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// What own verification needs, built at start.
#[derive(Debug)]
pub struct Own {
    /// Its settings.
    pub config: OwnVerificationConfig,
    /// The checked templates.
    pub templates: Templates,
    /// The relay.
    pub mailer: Mailer,
}

impl Own {
    /// Loads and checks the templates and the relay's settings.
    ///
    /// # Errors
    /// A template lacks a required element (named), or the relay's URL or
    /// the sender cannot be used.
    pub fn new(config: OwnVerificationConfig) -> Result<Own, String> {
        let templates = Templates::load(config.template_dir.as_deref())
            .map_err(|e| format!("`namecom.own_verification`: {e}"))?;
        let mailer = Mailer::new(config.smtp_url.expose(), &config.from, config.smtp_timeout)
            .map_err(|e| format!("`namecom.own_verification`: {e}"))?;
        let url = config.smtp_url.expose();
        let host = url.split('@').next_back().unwrap_or(url).trim_start_matches("smtp://");
        if url.starts_with("smtp://")
            && !url.contains("tls=required")
            && !(host.starts_with("127.")
                || host.starts_with("localhost")
                || host.starts_with("[::1]"))
        {
            tracing::warn!(
                "namecom.own_verification.smtp_url sends in clear text to a remote relay: \
                 use smtps:// or ?tls=required"
            );
        }
        Ok(Own { config, templates, mailer })
    }

    /// The relay reached and logged in to, without sending (`check`).
    ///
    /// # Errors
    /// What failed, without the password.
    pub async fn test_relay(&self) -> Result<(), String> {
        self.mailer.test().await
    }

    /// The languages the templates are in.
    pub fn languages(&self) -> &[String] {
        self.templates.languages()
    }

    fn mac(&self, verification_id: i64, email_id: i64) -> String {
        use base64::Engine as _;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.config.link_secret.expose().as_bytes())
            .expect("HMAC takes any key length");
        mac.update(format!("own-verification-link:{verification_id}:{email_id}").as_bytes());
        let bytes = mac.finalize().into_bytes();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..24])
    }

    /// The link of email `email_id` to `verification_id`.
    pub fn link(&self, verification_id: i64, email_id: i64) -> String {
        format!(
            "{}/verify/{verification_id}/{email_id}.{}",
            self.config.public_url,
            self.mac(verification_id, email_id)
        )
    }

    /// The link as the logs keep it: without its secret.
    pub fn logged_link(&self, verification_id: i64, email_id: i64) -> String {
        format!("{}/verify/{verification_id}/{email_id}.(secret)", self.config.public_url)
    }

    /// Whether `mac` is email `email_id`'s to `verification_id`
    /// (constant time).
    pub fn mac_matches(&self, verification_id: i64, email_id: i64, mac: &str) -> bool {
        super::secret::same(self.mac(verification_id, email_id).as_bytes(), mac.as_bytes())
    }
}

/// The `X-Idempotency-Key` of Verify Contact for `verification_id`: the
/// same for every try, so a retry never counts twice (UUID-shaped, as
/// name.com suggests).
pub fn verify_key(verification_id: i64) -> String {
    let h = Sha256::digest(format!("own-verification:verify:{verification_id}").as_bytes());
    let x = super::secret::hex(&h[..16]);
    format!("{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

/// A date as the emails show it: `2026-12-17 14:00 UTC`.
fn shown(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let utc = chrono::FixedOffset::east_opt(0).expect("zero offset");
    verification_core::time::parse_timestamp(s?, utc).ok().flatten()
}

/// The retry delay after `attempts` failed hand-overs: the base doubling,
/// at most an hour.
fn backoff(base: Duration, attempts: i64) -> TimeDelta {
    let factor = 1u32 << attempts.clamp(1, 8).saturating_sub(1);
    TimeDelta::from_std(base * factor).unwrap_or(TimeDelta::hours(1)).min(TimeDelta::hours(1))
}

/// The email language of a contact: the one its token named, else the
/// configured one.
async fn language_of(gw: &Gateway, own: &Own, email: &str) -> String {
    let named = gw.store.own_language(email).await.ok().flatten();
    own.templates.language_for(named.as_deref().unwrap_or(&own.config.language)).to_owned()
}

/// What happened to one email.
#[derive(Debug)]
pub enum Sent {
    /// The stage was recorded before (by this or another instance).
    Already,
    /// Recorded and handed over: the relay's verdict and the row's id.
    Handed(i64, Handover),
}

/// Records, renders and sends one email of `stage` (a [`Stage::name`] or
/// `resend-…`) to `contact`.
///
/// # Errors
/// The store is unreachable or the template failed (nothing was sent).
pub async fn send(
    gw: &Gateway,
    own: &Own,
    contact: &MirrorContact,
    stage: &str,
    template: &str,
    now: DateTime<Utc>,
) -> Result<Sent, String> {
    let recipient = contact.email.as_deref().ok_or("the contact has no email yet")?;
    let verify_by = parse_time(contact.verify_by.as_deref());
    let language = language_of(gw, own, recipient).await;
    let expires = verify_by.unwrap_or(now).max(now)
        + TimeDelta::from_std(own.config.grace).unwrap_or(TimeDelta::days(30));
    let name = format!("{language}/{template}");
    let row = NewEmail {
        verification_id: contact.verification_id,
        stage,
        template: &name,
        recipient,
        domains: &contact.domains,
        link_expires_at: expires,
    };
    let created = parse_time(contact.create_date.as_deref());
    let window = match (created, verify_by) {
        (Some(c), Some(v)) if v > c => notice::days_remaining(c, v),
        _ => 15,
    };
    // What the template is rendered with, stored with the row so a retry
    // renders the same email (the link is added per email, in `deliver`).
    let vars = json!({
        "domains": contact.domains,
        "recipient": recipient,
        "verify_by": verify_by.map_or_else(|| "-".to_owned(), shown),
        "days_remaining": verify_by.map_or(0, |v| notice::days_remaining(now, v)),
        "window_days": window,
        "sender": own.mailer.sender_name(),
        "language": language,
        // The stage as a registrar reads it (`initial`), not the store's
        // key with its address tag (`initial~3f2a…`).
        "stage": stage.split('~').next().unwrap_or(stage),
    });
    let Some(id) = gw.store.own_email_begin(&row, &vars.to_string(), now).await? else {
        return Ok(Sent::Already);
    };
    let email = EmailRow {
        id,
        verification_id: contact.verification_id,
        stage: stage.to_owned(),
        template: name,
        recipient: recipient.to_owned(),
        domains: contact.domains.clone(),
        link_expires_at: expires,
        state: "sending".into(),
        attempts: 1,
        created_at: now,
    };
    let retry = !stage.starts_with("resend-");
    Ok(Sent::Handed(id, deliver(gw, own, &email, Some(vars), retry).await?))
}

/// Renders email `e` from its stored variables (the link put back) and
/// hands it to the relay; logs the verdict. A failed hand-over waits for
/// another try when `retry`, else has failed for good.
async fn deliver(
    gw: &Gateway,
    own: &Own,
    e: &EmailRow,
    vars: Option<Value>,
    retry: bool,
) -> Result<Handover, String> {
    let mut vars = match vars {
        Some(v) => v,
        None => gw
            .store
            .own_email_variables(e.id)
            .await?
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or("no stored variables")?,
    };
    vars["link"] = json!(own.link(e.verification_id, e.id));
    let (language, template) = e.template.split_once('/').unwrap_or(("en", &e.template));
    let vars_value = minijinja::Value::from(minijinja::value::Serde(&vars));
    let rendered = match own.templates.render(language, template, &vars_value) {
        Ok(r) => r,
        Err(why) => {
            // Logged where support looks; nothing went to the relay.
            gw.store.own_email_result(e.id, "failed", &why, None, Utc::now()).await?;
            return Err(why);
        }
    };
    let mut logged = vars.clone();
    logged["link"] = json!(own.logged_link(e.verification_id, e.id));
    gw.store.own_email_rendered(e.id, &rendered.subject, &logged.to_string()).await?;
    let verdict = own.mailer.send(&e.recipient, &rendered, language).await;
    // Not taken: tried again while its link is valid (the wait is real
    // time, the link's validity the deadlines' clock).
    let wait = backoff(own.config.smtp_retry, e.attempts);
    let again = (retry && (gw.clock)() + wait < e.link_expires_at).then(|| Utc::now() + wait);
    let (event, detail, retry_at) = match &verdict {
        Handover::Accepted(reply) => ("accepted", reply.clone(), None),
        Handover::Refused { reply, .. } => ("refused", reply.clone(), again),
        Handover::Failed(why) => ("failed", why.clone(), again),
    };
    gw.store.own_email_result(e.id, event, &detail, retry_at, Utc::now()).await?;
    gw.metrics.own_email(event);
    // The verification id and the stage, never the address.
    tracing::info!(
        verification_id = e.verification_id,
        stage = %e.stage,
        email_id = e.id,
        event,
        retry_at = ?retry_at,
        "own verification email"
    );
    Ok(verdict)
}

/// One pass over the mirror: every contact's due email. How many were
/// handed to the relay.
pub async fn pass(gw: &Gateway, own: &Own) -> Result<usize, String> {
    let now = (gw.clock)();
    let (contacts, _) = gw.store.mirror_page(1, 10_000_000).await?;
    let mut sent: std::collections::HashMap<i64, Vec<(Stage, DateTime<Utc>)>> =
        std::collections::HashMap::new();
    for (id, stage, at) in gw.store.own_stages().await? {
        // A resend is an email like the initial one, for the reminders'
        // rule (one the registrant asked for counts as the last email).
        // `initial~3f2a…`: the stage, for the address it went to.
        let name = stage.split('~').next().unwrap_or_default();
        sent.entry(id).or_default().push((Stage::parse(name).unwrap_or(Stage::Initial), at));
    }
    let mut handed = 0;
    for c in &contacts {
        // A contact only a webhook told of has no address or domains yet:
        // the next scan brings them.
        let Some(verify_by) = parse_time(c.verify_by.as_deref()) else { continue };
        if c.email.is_none() || c.domains.is_empty() {
            continue;
        }
        let done = sent.get(&c.verification_id).map_or(&[][..], Vec::as_slice);
        let Some(stage) = notice::due(now, verify_by, done, &own.config.reminder_days) else {
            continue;
        };
        // Each address its own stages: after an address change the new
        // address gets its initial email (the old one's do not count).
        let name = format!("{}~{}", stage.name(), address_tag(c.email.as_deref().unwrap_or("")));
        match send(gw, own, c, &name, stage.template(), now).await {
            Ok(Sent::Handed(..)) => handed += 1,
            Ok(Sent::Already) => {}
            Err(e) => tracing::warn!(
                verification_id = c.verification_id,
                error = %e,
                "own verification email not sent"
            ),
        }
    }
    Ok(handed)
}

/// A short tag of an address (8 hex digits of its SHA-256, lower case),
/// for stage names: never the address itself.
pub fn address_tag(address: &str) -> String {
    super::secret::sha256_hex(super::normal_email(address).as_bytes())[..8].to_owned()
}

/// Calls Verify Contact for `v` once and records the outcome: verified
/// (the widget hears at once), failed for good (404, 409, other refusals),
/// or another try later (5xx, 429, timeouts).
pub async fn call_verify(gw: &Gateway, v: &store::VerificationRow) -> Result<String, String> {
    let nc = gw.namecom.as_ref().ok_or("name.com is not served")?;
    let now = Utc::now();
    let id = i32::try_from(v.verification_id).map_err(|_| "verification id out of range")?;
    let answer = nc.verify(id, &v.idempotency_key).await;
    let retry_at = now + backoff(Duration::from_secs(1), v.attempts + 1).min(TimeDelta::minutes(5));
    let (state, status, detail, retry) = match &answer {
        Ok(a) if a.status == 204 || a.status == 200 => ("verified", Some(a.status), None, None),
        Ok(a) if a.status == 404 => ("failed", Some(404), Some("not_found".to_owned()), None),
        Ok(a) if a.status == 409 => ("failed", Some(409), Some("conflict".to_owned()), None),
        Ok(a) if a.status >= 500 || a.status == 429 => {
            ("confirming", Some(a.status), Some(format!("HTTP {}", a.status)), Some(retry_at))
        }
        Ok(a) => ("failed", Some(a.status), Some(format!("refused: HTTP {}", a.status)), None),
        Err(f) => ("confirming", None, Some(f.describe()), Some(retry_at)),
    };
    gw.store
        .own_verify_result(v.verification_id, state, status, detail.as_deref(), retry, now)
        .await?;
    gw.metrics.upstream(Provider::Namecom, &status.map_or("error".into(), |s| s.to_string()));
    tracing::info!(
        verification_id = v.verification_id,
        state,
        upstream_status = status.unwrap_or(0),
        "own verification: Verify Contact"
    );
    if state == "failed" && status == Some(403) {
        tracing::error!("name.com refused Verify Contact (403): is the account approved for it?");
    }
    if state == "verified" {
        let body = json!({
            "eventName": "contact.verification.status_change",
            "verificationId": v.verification_id,
            "domains": v.domains,
            "verification": {"status": "verified"},
        })
        .to_string();
        if let Err(e) = super::publish(gw, v.verification_id, &body).await {
            tracing::warn!(error = %e, "own verification: the live update was not published");
        }
    }
    Ok(state.to_owned())
}

/// The widget's resend for a contact under own verification: the
/// reseller's email again, under the contact's cooldown. Answers as
/// name.com's `:resend` does, so the widget reads it the same way.
pub async fn resend(
    gw: &Gateway,
    own: &Own,
    verification_id: i64,
    key: Option<&str>,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let now = (gw.clock)();
    let contact = match listed(gw, verification_id).await {
        Ok(c) => c,
        Err(e) => return super::store_unreachable(&e, "; nothing was sent"),
    };
    let Some(contact) = contact else {
        return super::api_error(
            StatusCode::CONFLICT,
            "no_verification",
            "name.com lists no verification to resend for this contact",
        );
    };
    let stage = match key {
        Some(k) => format!("resend-{}", &super::secret::sha256_hex(k.as_bytes())[..16]),
        None => format!("resend-{}", now.timestamp_millis()),
    };
    let cooldown = TimeDelta::from_std(gw.config.cooldown).unwrap_or(TimeDelta::minutes(15));
    // The contact's one cooldown (shared with the link page and every
    // other path), reserved before the email is handed over.
    let reserved = match reserve(gw, verification_id, cooldown).await {
        Ok(r) => r,
        Err(e) => return super::store_unreachable(&e, "; nothing was sent"),
    };
    let (slot, holder) = match reserved {
        Ok(r) => r,
        Err(until) => {
            // The same key again: its email went, the first answer stands.
            if key.is_some()
                && gw.store.own_email_exists(verification_id, &stage).await.unwrap_or(false)
            {
                let body = json!({
                    "sent": true,
                    "verificationId": verification_id,
                    "nextEligibleAt": until.to_rfc3339_opts(SecondsFormat::Secs, true),
                });
                return (StatusCode::OK, axum::Json(body)).into_response();
            }
            gw.metrics.resend("throttled");
            return super::too_many(until, Utc::now(), "Resend throttled");
        }
    };
    let template = if parse_time(contact.verify_by.as_deref()).is_some_and(|v| now >= v) {
        "suspension"
    } else {
        "initial"
    };
    let sent_answer = |until: DateTime<Utc>| {
        let body = json!({
            "sent": true,
            "verificationId": verification_id,
            "nextEligibleAt": until.to_rfc3339_opts(SecondsFormat::Secs, true),
        });
        (StatusCode::OK, axum::Json(body)).into_response()
    };
    let bucket = super::rate_bucket(Provider::Namecom, Some(verification_id), "", None);
    match send(gw, own, &contact, &stage, template, now).await {
        Ok(Sent::Handed(_, Handover::Accepted(_))) => {
            let until = Utc::now() + cooldown;
            gw.store.settle(&slot, &holder, until).await;
            let _ = gw.store.record(&bucket, Utc::now(), Some(until)).await;
            gw.metrics.resend("sent");
            sent_answer(until)
        }
        Ok(Sent::Already) => {
            // The same key again: the first answer stands.
            let until = Utc::now() + cooldown;
            gw.store.settle(&slot, &holder, until).await;
            sent_answer(until)
        }
        Ok(Sent::Handed(..)) => {
            gw.store.settle(&slot, &holder, Utc::now()).await;
            super::api_error(
                StatusCode::BAD_GATEWAY,
                "mail_not_sent",
                "The mail server did not take the verification email. Try again shortly.",
            )
        }
        Err(e) => {
            gw.store.settle(&slot, &holder, Utc::now()).await;
            tracing::error!(error = %e, "own verification resend failed");
            super::unavailable(5, "not_sent", "The verification email could not be sent")
        }
    }
}

/// Reserves verification `id`'s cooldown slot (the one every resend path
/// of the contact shares) for the time an email takes to hand over at
/// most: `Ok(Ok((slot, holder)))` to settle once handed over, or
/// `Ok(Err(until))` while it is held.
///
/// # Errors
/// The store is unreachable.
pub async fn reserve(
    gw: &Gateway,
    id: i64,
    cooldown: TimeDelta,
) -> Result<Result<(String, String), DateTime<Utc>>, String> {
    let slot = super::contact_slot(Provider::Namecom, Some(id), "", None);
    let holder = format!("{}-{:016x}", gw.instance, super::rand_u64());
    let now = Utc::now();
    let in_flight = TimeDelta::minutes(5);
    match gw.store.reserve(&slot, &holder, now + cooldown.max(in_flight), now).await {
        Ok(None) => Ok(Ok((slot, holder))),
        Ok(Some(until)) => Ok(Err(until)),
        Err(e) => Err(e.to_string()),
    }
}

/// Verification `id` as the mirror lists it, with its address; `None`
/// once name.com no longer lists it (verified, or replaced by a newer one).
///
/// # Errors
/// The store is unreachable.
pub async fn listed(gw: &Gateway, id: i64) -> Result<Option<MirrorContact>, String> {
    let rows = gw.store.mirror_find(Some(id), None).await?;
    Ok(rows.into_iter().find(|r| r.verification_id == id && r.email.is_some()))
}

/// The background work, until shutdown: the passes in one task; the
/// emails' and the confirmations' retries in another, so a long first
/// pass (a whole account's initial emails) never holds a confirmation back.
pub fn spawn_worker(gw: Arc<Gateway>) {
    if gw.own.is_none() {
        return;
    }
    let passes = gw.clone();
    let mut stop = gw.shutdown.clone();
    tokio::spawn(async move {
        let own = passes.own.as_ref().expect("checked");
        let mut last_pass: Option<std::time::Instant> = None;
        let mut last_scan = None;
        loop {
            // A pass after each complete scan, and every interval.
            let scan = passes.store.mirror_completed_at().await.ok().flatten();
            let interval_over = last_pass.is_none_or(|t| t.elapsed() >= own.config.pass_interval);
            if scan.is_some() && (scan != last_scan || interval_over) {
                last_scan = scan;
                last_pass = Some(std::time::Instant::now());
                match pass(&passes, own).await {
                    Ok(n) if n > 0 => tracing::info!(emails = n, "own verification pass"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "own verification pass failed"),
                }
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => return,
            }
        }
    });
    let mut stop = gw.shutdown.clone();
    tokio::spawn(async move {
        let own = gw.own.as_ref().expect("checked");
        loop {
            let now = Utc::now();
            let stale = now
                - TimeDelta::from_std(own.config.smtp_timeout * 3).unwrap_or(TimeDelta::minutes(5));
            while let Ok(Some(e)) = gw.store.own_email_take(now, stale).await {
                if let Err(err) = deliver(&gw, own, &e, None, true).await {
                    tracing::warn!(email_id = e.id, error = %err, "own verification retry failed");
                }
            }
            while let Ok(Some(v)) =
                gw.store.own_verify_take(now, now + TimeDelta::seconds(30)).await
            {
                if let Err(err) = call_verify(&gw, &v).await {
                    tracing::warn!(error = %err, "own verification: confirmation not stored");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = stop.changed() => return,
            }
        }
    });
}
