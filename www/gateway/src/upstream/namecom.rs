//! name.com Core API v1: a mirror of the account's unverified list, and
//! `:resend`.
//!
//! The gateway never pages through the account's list for one widget. One
//! scan (`perPage` up to 1000, until `nextPage` is null, an empty page or
//! `to >= totalCount`) runs every `scan_interval` (name.com's own job fills
//! the list about every 10 minutes), and every signed
//! `contact.verification.status_change` webhook is applied at once. A
//! status read is answered from the mirror, with no upstream call; "not in
//! the list" means verified only while the last complete scan is at most
//! two intervals old (else the read is 503 with `Retry-After`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{send, Answer, Failure};
use crate::config::NamecomConfig;
use crate::store::{MirrorContact, Store};

/// The most pages one scan reads (1,000,000 contacts at 1000 a page): a
/// scan that would read more fails, and the mirror says so.
pub const MAX_SCAN_PAGES: u32 = 1000;

/// The lease behind which one instance scans at a time.
pub const SCAN_LEASE: &str = "namecom.scan";

/// The client and its scanner.
#[derive(Debug)]
pub struct Namecom {
    /// Its configuration (the webhook URL and token are read by the
    /// webhook receiver).
    pub config: NamecomConfig,
    client: reqwest::Client,
    store: Store,
    /// Scans completed by this process.
    pub scans: AtomicU64,
    /// Contacts the last complete scan of this instance listed (what
    /// `/metrics` shows, without counting the mirror).
    pub listed: AtomicU64,
    /// Pages requested by this process's scans.
    pub pages: AtomicU64,
    /// One scan at a time in this process (the scanner's, and one asked
    /// for by the caller); across instances the store's lease does it.
    scanning: tokio::sync::Mutex<()>,
}

fn id_of(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// One row of a page, if it carries a verification id.
fn contact(row: &Value) -> Option<MirrorContact> {
    let text = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(MirrorContact {
        verification_id: id_of(row.get("verificationId")?)?,
        email: text("email").filter(|e| !e.trim().is_empty()),
        create_date: text("createDate"),
        verify_by: text("verifyBy"),
        domains: row
            .get("domains")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

impl Namecom {
    /// A client for `config`, mirroring into `store`.
    pub fn new(config: NamecomConfig, client: reqwest::Client, store: Store) -> Self {
        Namecom {
            config,
            client,
            store,
            scans: AtomicU64::new(0),
            listed: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            scanning: tokio::sync::Mutex::new(()),
        }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.basic_auth(self.config.username.expose(), Some(self.config.token.expose()))
    }

    /// One page of the unverified list.
    async fn page(&self, page: u32) -> Result<Answer, Failure> {
        self.pages.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}/core/v1/contacts/unverified", self.config.base_url);
        let a = send(self.auth(
            self.client.get(url).query(&[("page", page), ("perPage", self.config.per_page)]),
        ))
        .await?;
        // name.com writes offsets; a value without one is read in `timezone`.
        Ok(super::zone::localize(a, self.config.timezone, &["createDate", "verifyBy"]))
    }

    /// Every domain of the account with its `expireDate` (`GET
    /// /core/v1/domains`, 1000 a page), names in lower case. A page that
    /// fails fails the whole listing: a partial one would look like
    /// transfers out.
    ///
    /// # Errors
    /// Why the listing is incomplete.
    pub async fn list_domains(
        &self,
    ) -> Result<std::collections::HashMap<String, Option<DateTime<Utc>>>, String> {
        let url = format!("{}/core/v1/domains", self.config.base_url);
        let mut out = std::collections::HashMap::new();
        let mut page = 1u32;
        for _ in 0..MAX_SCAN_PAGES {
            self.pages.fetch_add(1, Ordering::Relaxed);
            let answer =
                send(self.auth(self.client.get(&url).query(&[("page", page), ("perPage", 1000)])))
                    .await
                    .map_err(|f| f.describe())?;
            if answer.status != 200 {
                return Err(format!("name.com's domain list answered HTTP {}", answer.status));
            }
            let answer =
                super::zone::localize(answer, self.config.timezone, &["expireDate", "createDate"]);
            let body = answer.body_json().ok_or("name.com's domain list is not JSON")?;
            let rows = body
                .get("domains")
                .and_then(Value::as_array)
                .ok_or("name.com's domain list has no `domains`")?;
            for row in rows {
                let Some(name) = row.get("domainName").and_then(Value::as_str) else {
                    return Err("a domain without `domainName` in name.com's list".into());
                };
                let expire = row
                    .get("expireDate")
                    .and_then(Value::as_str)
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
                out.insert(name.to_ascii_lowercase(), expire);
            }
            match body.get("nextPage").and_then(id_of) {
                Some(next) if next > i64::from(page) => {
                    page = u32::try_from(next).unwrap_or(u32::MAX)
                }
                _ => return Ok(out),
            }
        }
        Err(format!("name.com's domain list has more than {MAX_SCAN_PAGES} pages"))
    }

    /// Reads the whole list into the mirror.
    ///
    /// # Errors
    /// What stopped the scan (the mirror keeps the last complete one).
    pub async fn scan(&self) -> Result<usize, String> {
        let _one = self.scanning.lock().await;
        let scan = self.store.scan_begin(Utc::now()).await?;
        let result = self.read_pages(scan).await;
        let end = result.as_ref().map(|_| ()).map_err(String::as_str);
        self.store.scan_end(scan, end, Utc::now()).await?;
        if let Ok(n) = &result {
            self.scans.fetch_add(1, Ordering::Relaxed);
            self.listed.store(*n as u64, Ordering::Relaxed);
        }
        result
    }

    async fn read_pages(&self, scan: i64) -> Result<usize, String> {
        let mut page = 1u32;
        let mut total = 0usize;
        for _ in 0..MAX_SCAN_PAGES {
            let answer = self.page(page).await.map_err(|f| f.describe())?;
            if answer.status != 200 {
                return Err(format!("name.com answered HTTP {}", answer.status));
            }
            let body = answer.body_json().ok_or("name.com's page is not JSON")?;
            let rows = body
                .get("unverifiedContacts")
                .and_then(Value::as_array)
                .ok_or("name.com's page has no `unverifiedContacts` list")?;
            let contacts: Vec<MirrorContact> = rows.iter().filter_map(contact).collect();
            if contacts.len() < rows.len() {
                tracing::warn!(
                    skipped = rows.len() - contacts.len(),
                    "name.com rows without a verificationId"
                );
            }
            total += contacts.len();
            self.store.scan_page(scan, &contacts).await?;
            let n = |k: &str| body.get(k).and_then(id_of);
            let next = n("nextPage").filter(|&n| n > i64::from(page));
            let reached = matches!((n("to"), n("totalCount")), (Some(to), Some(t)) if to >= t);
            match next {
                Some(next) if !rows.is_empty() && !reached => {
                    page = u32::try_from(next).map_err(|_| "nextPage out of range")?;
                }
                _ => return Ok(total),
            }
        }
        Err(format!("the list is longer than {MAX_SCAN_PAGES} pages"))
    }

    /// Scans the list once per `scan_interval` across every instance on the
    /// store, until `stop` says so. The scan is due work behind a lease
    /// (`holder` is this instance): whichever instance finds it due first
    /// scans, so one does at a time; if that instance dies, another takes
    /// the next one, within an interval and a quarter. A failed scan frees
    /// the lease, so the next check tries again.
    pub fn spawn_scanner(
        self: Arc<Self>,
        holder: String,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        tokio::spawn(async move {
            let interval = self.config.scan_interval;
            let tick = (interval / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
            let period = chrono::TimeDelta::from_std(interval).unwrap_or(chrono::TimeDelta::MAX);
            loop {
                let now = Utc::now();
                match self.store.take_due(SCAN_LEASE, &holder, now + period, now).await {
                    Ok(true) => match self.scan().await {
                        Ok(n) => tracing::info!(contacts = n, "name.com scan complete"),
                        Err(e) => {
                            tracing::warn!(error = %e, "name.com scan failed");
                            self.store.release_lease(SCAN_LEASE, &holder).await;
                        }
                    },
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "store unreachable: scan skipped"),
                }
                tokio::select! {
                    () = tokio::time::sleep(tick) => {}
                    _ = stop.changed() => return,
                }
            }
        });
    }

    /// How old a mirror may be and still prove absence: two intervals.
    pub fn max_age(&self) -> Duration {
        self.config.scan_interval * 2
    }

    /// `POST /core/v1/contacts/verify/{id}:resend` with `{}` and the
    /// intent's key.
    ///
    /// # Errors
    /// The transport failed.
    pub async fn resend(&self, id: i32, key: Option<&str>) -> Result<Answer, Failure> {
        let url = format!("{}/core/v1/contacts/verify/{id}:resend", self.config.base_url);
        // name.com answers 415 without a JSON content type, and v1.27.1
        // declares no body: the type and no body, as name.com's PHP client
        // sends (www/contracts/namecom.yaml).
        let mut req = self.auth(self.client.post(url)).header("content-type", "application/json");
        if let Some(key) = key {
            req = req.header("x-idempotency-key", key);
        }
        send(req).await
    }
}

impl Namecom {
    /// `POST /core/v1/contacts/verify/{id}` (Verify Contact, for resellers
    /// approved to verify their registrants themselves) with `key`, a JSON
    /// content type and no body (as the resend).
    /// name.com answers 204 with no body when done.
    ///
    /// # Errors
    /// The transport failed.
    pub async fn verify(&self, id: i32, key: &str) -> Result<Answer, Failure> {
        let url = format!("{}/core/v1/contacts/verify/{id}", self.config.base_url);
        let req = self
            .auth(self.client.post(url))
            .header("content-type", "application/json")
            .header("x-idempotency-key", key);
        send(req).await
    }
}

/// A name.com list page of `contacts`, the whole list (`nextPage` null).
pub fn page_of(contacts: &[MirrorContact]) -> Value {
    let rows: Vec<Value> = contacts
        .iter()
        .map(|c| {
            json!({
                "verificationId": c.verification_id,
                "createDate": c.create_date,
                "verifyBy": c.verify_by,
                "email": c.email,
                "domains": c.domains,
            })
        })
        .collect();
    let n = rows.len();
    json!({
        "unverifiedContacts": rows,
        "from": if n == 0 { 0 } else { 1 },
        "to": n,
        "lastPage": 1,
        "nextPage": null,
        "totalCount": n,
    })
}
