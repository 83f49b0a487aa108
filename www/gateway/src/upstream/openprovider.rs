//! Openprovider REST v1beta: login, a shared token, and one retry when it
//! expired.
//!
//! `POST /v1beta/auth/login {"username","password","ip":"0.0.0.0"}` gives
//! `data.token`. The token is kept in the store (shared by every request,
//! re-used until [`TOKEN_REUSE`] old) and one login runs at a time, in this
//! process and, through a lease in the store, across instances: twenty
//! requests that find no token make one login. Openprovider says a token
//! expired (it lives 2 days) or credentials are wrong with **code 196**,
//! seen with HTTP 401, with 500 and inside a 200 envelope: on any of those
//! the gateway logs in again and retries the request once.

use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use verification_core::resend::ResendOperation;

use super::{send, Answer, Failure};
use crate::config::OpenproviderConfig;
use crate::store::Store;

/// The offset-less timestamps of a list row, read in `timezone`.
pub const DATE_FIELDS: [&str; 1] = ["expiration_date"];

/// How long a token is re-used before a fresh login (tokens live 2 days).
pub const TOKEN_REUSE: TimeDelta = TimeDelta::hours(12);

/// The longest one instance holds the login lease (a login's timeout and
/// some): others wait for its token meanwhile.
pub const LOGIN_LEASE: TimeDelta = TimeDelta::seconds(30);

const LOGIN_LEASE_NAME: &str = "openprovider.login";

/// Openprovider's code for an expired token or bad credentials.
pub const CODE_AUTH: i64 = 196;

/// Openprovider's code when it blocked the calling address ("Access
/// denied": 300 identical requests in 300 seconds; a person unblocks it).
pub const CODE_BLOCKED: i64 = 10005;

/// Openprovider's published limits on logins (help-centre article
/// 218390187: 100 failed logins an hour block the account for 20 minutes;
/// at most 30 logins a minute), kept well inside: after a refused login no
/// new one for a minute, doubling to 15 minutes, and never more than 10
/// refused in an hour.
pub const LOGIN_BACKOFF_FIRST: std::time::Duration = std::time::Duration::from_secs(60);
/// See [`LOGIN_BACKOFF_FIRST`].
pub const LOGIN_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(15 * 60);
/// See [`LOGIN_BACKOFF_FIRST`].
pub const MAX_REFUSED_LOGINS_PER_HOUR: usize = 10;
/// How long the gateway stops calling after code 10005 before one call
/// tries again (the readiness probe's, usually).
pub const BLOCKED_PAUSE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// When this instance may call Openprovider again, and why not now.
#[derive(Debug, Default)]
struct Pause {
    until: Option<std::time::Instant>,
    why: String,
    backoff: Option<std::time::Duration>,
    refused: std::collections::VecDeque<std::time::Instant>,
}

const TOKEN_KEY: &str = "openprovider.token";

/// Openprovider's token as the store keeps it: sealed (AES-256-GCM) with a
/// key derived (HKDF-SHA256) from the account's password, which every
/// instance has in its environment and the store never sees. Whoever reads
/// the database alone cannot use the token; after a password change the
/// old token no longer opens and the gateway logs in again.
mod sealed {
    use base64::Engine as _;
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
    use ring::hkdf::{Salt, HKDF_SHA256};

    const PREFIX: &str = "sealed-v1:";

    fn key(password: &str) -> Option<LessSafeKey> {
        let prk = Salt::new(HKDF_SHA256, b"verification-gateway").extract(password.as_bytes());
        let okm = prk.expand(&[b"openprovider token"], &AES_256_GCM).ok()?;
        let mut bytes = [0u8; 32];
        okm.fill(&mut bytes).ok()?;
        Some(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &bytes).ok()?))
    }

    /// `token` sealed with `password`'s key.
    pub fn seal(password: &str, token: &str) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).ok()?;
        let mut data = token.as_bytes().to_vec();
        key(password)?
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend(data);
        Some(format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(out)))
    }

    /// The token in `stored`, when `password`'s key opens it (`None` for a
    /// token sealed with another password, or stored in the clear by an
    /// earlier version: the gateway logs in again).
    pub fn open(password: &str, stored: &str) -> Option<String> {
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(stored.strip_prefix(PREFIX)?)
            .ok()?;
        if raw.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = sealed.to_vec();
        let plain = key(password)?.open_in_place(nonce, Aad::empty(), &mut data).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn a_sealed_token_opens_with_its_password_only() {
            let s = super::seal("pass-1", "tok-abc").unwrap();
            assert!(!s.contains("tok-abc"));
            assert_eq!(super::open("pass-1", &s).as_deref(), Some("tok-abc"));
            assert_eq!(super::open("pass-2", &s), None, "a rotated password");
            assert_eq!(super::open("pass-1", "tok-abc"), None, "stored in the clear before");
            assert_ne!(super::seal("pass-1", "tok-abc").unwrap(), s, "a nonce each time");
        }
    }
}

/// What the gateway says when Openprovider blocked its address.
fn blocked_words(desc: &str) -> String {
    format!(
        "Openprovider blocked this address (code {CODE_BLOCKED}: {desc}); it stays blocked until \
         Openprovider's support unblocks it"
    )
}

/// The client.
#[derive(Debug)]
pub struct Openprovider {
    config: OpenproviderConfig,
    client: reqwest::Client,
    store: Store,
    login: Mutex<()>,
    /// This instance, as the login lease's holder.
    holder: String,
    /// Logins made by this process (for metrics and tests).
    pub logins: std::sync::atomic::AtomicU64,
    pause: std::sync::Mutex<Pause>,
}

/// `true` when an answer says the token is not (or no longer) good.
pub fn auth_expired(a: &Answer) -> bool {
    a.status == 401
        || a.body_json().and_then(|v| v.get("code").and_then(Value::as_i64)) == Some(CODE_AUTH)
}

impl Openprovider {
    /// A client for `config`, keeping its token in `store`; `holder` names
    /// this instance among those sharing the store.
    pub fn new(
        config: OpenproviderConfig,
        client: reqwest::Client,
        store: Store,
        holder: String,
    ) -> Self {
        Openprovider {
            config,
            client,
            store,
            login: Mutex::new(()),
            holder,
            logins: 0.into(),
            pause: std::sync::Mutex::new(Pause::default()),
        }
    }

    /// A token to use: the stored one while fresh and not `rejected`, else
    /// a new login (one at a time).
    async fn token(&self, rejected: Option<&str>, probe: bool) -> Result<String, Failure> {
        let password = self.config.password.expose();
        let fresh = |stored: Option<(String, chrono::DateTime<Utc>)>| {
            stored
                .and_then(|(t, at)| Some((sealed::open(password, &t)?, at)))
                .filter(|(t, at)| Some(t.as_str()) != rejected && Utc::now() - *at < TOKEN_REUSE)
        };
        if let Some((t, _)) = fresh(self.store.kv_get(TOKEN_KEY).await.unwrap_or(None)) {
            return Ok(t);
        }
        let _one = self.login.lock().await;
        // Another request, or another instance, may have logged in while
        // this one waited. One login at a time across instances: the login
        // lease; without it, wait for the holder's token.
        let deadline = Utc::now() + LOGIN_LEASE;
        loop {
            if let Some((t, _)) = fresh(self.store.kv_get(TOKEN_KEY).await.unwrap_or(None)) {
                return Ok(t);
            }
            let now = Utc::now();
            match self.store.lease(LOGIN_LEASE_NAME, &self.holder, LOGIN_LEASE, now).await {
                Ok(true) => {
                    // The last holder may have stored its token and let go
                    // just before: check again under the lease.
                    if let Some((t, _)) = fresh(self.store.kv_get(TOKEN_KEY).await.unwrap_or(None))
                    {
                        self.store.release_lease(LOGIN_LEASE_NAME, &self.holder).await;
                        return Ok(t);
                    }
                    break;
                }
                Ok(false) if now < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                // The holder died or the store is out: log in anyway.
                _ => break,
            }
        }
        let result = self.login_now(probe).await;
        self.store.release_lease(LOGIN_LEASE_NAME, &self.holder).await;
        result
    }

    /// `Err(Paused)` while the gateway is not calling Openprovider.
    fn paused(&self) -> Result<(), Failure> {
        let p = self.pause.lock().unwrap_or_else(|e| e.into_inner());
        match p.until {
            Some(until) if until > std::time::Instant::now() => Err(Failure::Paused {
                why: p.why.clone(),
                retry_after: until
                    .saturating_duration_since(std::time::Instant::now())
                    .as_secs()
                    .max(1),
            }),
            _ => Ok(()),
        }
    }

    /// Stops calling for `pause`, saying `why` (logged once, at warn).
    fn pause_for(&self, pause: std::time::Duration, why: String) {
        tracing::warn!(pause_seconds = pause.as_secs(), reason = %why, "openprovider: not calling for a while");
        let mut p = self.pause.lock().unwrap_or_else(|e| e.into_inner());
        p.until = Some(std::time::Instant::now() + pause);
        p.why = why;
    }

    /// A refused login: the next waits a minute, doubling to 15 minutes;
    /// after 10 refused in an hour, until the oldest is an hour old.
    fn login_refused(&self, why: &str) {
        let now = std::time::Instant::now();
        let (pause, detail) = {
            let mut p = self.pause.lock().unwrap_or_else(|e| e.into_inner());
            let hour = std::time::Duration::from_secs(3600);
            p.refused.retain(|t| now.duration_since(*t) < hour);
            p.refused.push_back(now);
            let backoff = p.backoff.map_or(LOGIN_BACKOFF_FIRST, |b| (b * 2).min(LOGIN_BACKOFF_MAX));
            p.backoff = Some(backoff);
            let pause = if p.refused.len() >= MAX_REFUSED_LOGINS_PER_HOUR {
                let oldest = p.refused.front().copied().unwrap_or(now);
                hour.saturating_sub(now.duration_since(oldest)).max(backoff)
            } else {
                backoff
            };
            (pause, p.refused.len())
        };
        self.pause_for(
            pause,
            format!("Openprovider refused the login ({why}); {detail} refused in the last hour: check `openprovider.username` and `password`"),
        );
    }

    /// Logs in; `probe`: for the readiness probe (its `User-Agent`).
    async fn login_now(&self, probe: bool) -> Result<String, Failure> {
        self.paused()?;
        let c = &self.config;
        let mut req = self.client.post(format!("{}/v1beta/auth/login", c.base_url)).json(&json!({
            "username": c.username.expose(),
            "password": c.password.expose(),
            "ip": "0.0.0.0",
        }));
        if probe {
            req = req.header("user-agent", super::PROBE_AGENT);
        }
        self.logins.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let answer = send(req).await?;
        let body = answer.body_json().unwrap_or(Value::Null);
        let token = body.pointer("/data/token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let code = body.get("code").and_then(Value::as_i64).unwrap_or(0);
        match token {
            Some(t) if code == 0 && (200..300).contains(&answer.status) => {
                let stored = sealed::seal(c.password.expose(), t);
                match stored {
                    Some(s) => {
                        if let Err(e) = self.store.kv_put(TOKEN_KEY, &s, Utc::now()).await {
                            tracing::warn!(error = %e, "openprovider token not stored");
                        }
                    }
                    None => tracing::warn!("openprovider token not sealed: kept for this call"),
                }
                tracing::info!("openprovider: logged in");
                self.pause.lock().unwrap_or_else(|e| e.into_inner()).backoff = None;
                Ok(t.to_owned())
            }
            _ => {
                let desc = body.get("desc").and_then(Value::as_str).unwrap_or("no token");
                tracing::warn!(status = answer.status, code, "openprovider login refused");
                if code == CODE_BLOCKED {
                    self.pause_for(BLOCKED_PAUSE, blocked_words(desc));
                } else {
                    self.login_refused(&format!("HTTP {}, code {code}: {desc}", answer.status));
                }
                Err(Failure::Login(format!("Openprovider refused the login (code {code}: {desc})")))
            }
        }
    }

    /// Sends the request `build` makes with a token; logs in again and
    /// retries once when Openprovider says the token expired.
    async fn call(
        &self,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Answer, Failure> {
        self.call_as(build, false).await
    }

    /// [`Self::call`]; `probe`: a login it needs is the readiness probe's.
    async fn call_as(
        &self,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
        probe: bool,
    ) -> Result<Answer, Failure> {
        self.paused()?;
        let token = self.token(None, probe).await?;
        let answer = self.checked(send(build(&token)).await?)?;
        if !auth_expired(&answer) {
            return Ok(answer);
        }
        let _ = self.store.kv_delete(TOKEN_KEY).await;
        let token = self.token(Some(&token), probe).await?;
        self.checked(send(build(&token)).await?)
    }

    /// `a`, unless Openprovider says it blocked this address (code 10005):
    /// then the gateway stops calling for a while and says why.
    fn checked(&self, a: Answer) -> Result<Answer, Failure> {
        let body = a.body_json();
        let code = body.as_ref().and_then(|v| v.get("code").and_then(Value::as_i64));
        if code != Some(CODE_BLOCKED) {
            return Ok(a);
        }
        let desc = body
            .as_ref()
            .and_then(|v| v.get("desc").and_then(Value::as_str))
            .unwrap_or("Access denied")
            .to_owned();
        self.pause_for(BLOCKED_PAUSE, blocked_words(&desc));
        Err(Failure::Paused { why: blocked_words(&desc), retry_after: BLOCKED_PAUSE.as_secs() })
    }

    /// One contact's rows: `GET .../emails/domains?email=`.
    ///
    /// # Errors
    /// The transport or the login failed.
    pub async fn status(&self, email: &str) -> Result<Answer, Failure> {
        let url = format!("{}/v1beta/customers/verifications/emails/domains", self.config.base_url);
        let a = self
            .call(|t| {
                self.client.get(&url).query(&[("email", email), ("limit", "1000")]).bearer_auth(t)
            })
            .await?;
        Ok(super::zone::localize(a, self.config.timezone, &DATE_FIELDS))
    }

    /// A page of the account's rows (`limit`/`offset` and the filters the
    /// staff list sends).
    ///
    /// # Errors
    /// The transport or the login failed.
    pub async fn list(&self, query: &[(String, String)]) -> Result<Answer, Failure> {
        let url = format!("{}/v1beta/customers/verifications/emails/domains", self.config.base_url);
        let a = self.call(|t| self.client.get(&url).query(query).bearer_auth(t)).await?;
        Ok(super::zone::localize(a, self.config.timezone, &DATE_FIELDS))
    }

    /// For `check`: one login (never a stored token: it proves the
    /// password), counted against the refused-login limit, then one list
    /// call (`email=` when given, else `limit=1`) with that token.
    ///
    /// # Errors
    /// The transport failed or the login was refused.
    pub async fn check(&self, email: Option<&str>) -> Result<Answer, Failure> {
        let token = self.login_now(false).await?;
        let url = format!("{}/v1beta/customers/verifications/emails/domains", self.config.base_url);
        let query: Vec<(&str, &str)> = match email {
            Some(e) => vec![("email", e), ("limit", "1000")],
            None => vec![("limit", "1")],
        };
        let a = send(self.client.get(&url).query(&query).bearer_auth(&token)).await?;
        Ok(super::zone::localize(a, self.config.timezone, &DATE_FIELDS))
    }

    /// One row of the account's list, marked as the readiness probe
    /// ([`super::PROBE_AGENT`]).
    ///
    /// # Errors
    /// The transport or the login failed.
    pub async fn probe(&self) -> Result<Answer, Failure> {
        let url = format!("{}/v1beta/customers/verifications/emails/domains", self.config.base_url);
        self.call_as(
            |t| {
                self.client
                    .get(&url)
                    .query(&[("limit", "1")])
                    .header("user-agent", super::PROBE_AGENT)
                    .bearer_auth(t)
            },
            true,
        )
        .await
    }

    /// `start` (with the handle) or `restart`.
    ///
    /// # Errors
    /// The transport or the login failed.
    pub async fn resend(
        &self,
        op: ResendOperation,
        email: &str,
        handle: Option<&str>,
    ) -> Result<Answer, Failure> {
        // The description types `handle` as a string: left out when unknown,
        // never `null`.
        let body = match (op, handle) {
            (ResendOperation::OpenproviderStart, Some(h)) => json!({ "email": email, "handle": h }),
            _ => json!({ "email": email }),
        };
        let url = format!(
            "{}/v1beta/customers/verifications/emails/{}",
            self.config.base_url,
            op.as_str()
        );
        self.call(|t| self.client.post(&url).bearer_auth(t).json(&body)).await
    }
}
