//! How long own verification's logs are kept, as name.com's terms for
//! resellers who send their own verification emails say: "for the duration
//! of the domain registration and for at least two (2) years thereafter".
//!
//! - **When a registration ends** ([`end_of`]): a daily scan of the
//!   account's domains (`GET /core/v1/domains`, [`scan`]; one instance at a
//!   time) records each logged domain's `expireDate`; a renewal moves it.
//!   A listed domain's registration ends at `expireDate` plus the
//!   registrar's grace (`expiry_grace_days`, default 45: the auto-renew
//!   grace a registry allows); one the account no longer lists (transferred
//!   out, deleted) ended at the first scan that missed it (or at its expiry
//!   plus grace, if earlier), once a scan a day or more later misses it
//!   too.
//! - **What may go** ([`purge`]): a row (an email with its send events, or
//!   a verification) when every domain it names ended at least
//!   `retention_days` (730 or more) ago. A domain never seen in a scan,
//!   a row naming none, or a last scan that failed or is older than two
//!   days keeps the rows: unknown means keep.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::store::{DomainRow, LoggedTable};
use crate::store::Store;
use crate::Gateway;

/// A scan that misses a domain confirms an earlier miss this long after it
/// (the daily scans, less an hour of drift).
pub const CONFIRM_AFTER: TimeDelta = TimeDelta::hours(23);
/// How often the account's domains are scanned.
pub const SCAN_EVERY: TimeDelta = TimeDelta::days(1);
/// How soon a scan looks for a newly logged domain (at most one scan this
/// often while new domains are logged).
pub const SCAN_SOON: TimeDelta = TimeDelta::minutes(10);
/// A purge needs a complete scan at most this old.
pub const SCAN_FRESH: TimeDelta = TimeDelta::days(2);
/// Where the last scan's outcome is kept (`ok`, or why it failed).
pub const SCAN_KEY: &str = "own-verification:domain-scan";

/// Where a domain's registration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Registered; it ends (`expireDate` plus grace) at `until` unless
    /// renewed.
    Registered {
        /// `expireDate` plus grace.
        until: DateTime<Utc>,
    },
    /// It ended at `at`.
    Ended {
        /// Expiry plus grace, or the first scan that missed it.
        at: DateTime<Utc>,
    },
    /// Never seen in a scan, or its miss is not confirmed yet.
    Unknown,
}

/// Where `d`'s registration stands at `now`.
pub fn end_of(d: &DomainRow, grace: TimeDelta, now: DateTime<Utc>) -> End {
    if d.seen_at.is_none() {
        return End::Unknown;
    }
    let expiry = d.expire_at.map(|e| e + grace);
    // Gone from the account: ended when it left, or at its expiry if that
    // came first (a registration not renewed is deleted after the grace).
    if let (true, Some(left)) = (d.missing_confirmed, d.missing_since) {
        return End::Ended { at: expiry.map_or(left, |e| e.min(left)) };
    }
    match expiry {
        Some(e) if e <= now => End::Ended { at: e },
        // Missed once: wait for the second scan.
        _ if d.missing_since.is_some() => End::Unknown,
        Some(e) => End::Registered { until: e },
        None => End::Unknown,
    }
}

/// Why a logged row is still kept, or that it may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    /// A domain it names is still registered (until at least then).
    Registered(DateTime<Utc>),
    /// Every domain ended; the last one `retention` before this instant.
    Retained(DateTime<Utc>),
    /// A domain it names is unknown (never seen, or a miss unconfirmed),
    /// or it names none.
    Unknown,
    /// It may go.
    Eligible,
}

/// Why the row naming `domains` is kept at `now`.
pub fn hold(
    domains: &[String],
    ends: &HashMap<String, End>,
    retention: TimeDelta,
    now: DateTime<Utc>,
) -> Hold {
    if domains.is_empty() {
        return Hold::Unknown;
    }
    let mut registered: Option<DateTime<Utc>> = None;
    let mut last_end: Option<DateTime<Utc>> = None;
    for d in domains {
        match ends.get(&d.to_ascii_lowercase()).copied().unwrap_or(End::Unknown) {
            End::Unknown => return Hold::Unknown,
            End::Registered { until } => registered = registered.max(Some(until)),
            End::Ended { at } => last_end = last_end.max(Some(at)),
        }
    }
    if let Some(until) = registered {
        return Hold::Registered(until + retention);
    }
    match last_end {
        Some(at) if at + retention > now => Hold::Retained(at + retention),
        Some(_) => Hold::Eligible,
        None => Hold::Unknown,
    }
}

/// Each logged domain's registration at `now`.
///
/// # Errors
/// The database error.
pub async fn ends(
    store: &Store,
    grace: TimeDelta,
    now: DateTime<Utc>,
) -> Result<HashMap<String, End>, String> {
    Ok(store
        .own_domains()
        .await?
        .iter()
        .map(|d| (d.domain.clone(), end_of(d, grace, now)))
        .collect())
}

/// Scans the account's domains and records what it found for every logged
/// domain; a failed scan records nothing but its failure (a purge then
/// waits). The number of domains listed.
///
/// # Errors
/// Why the scan failed.
pub async fn scan(gw: &Gateway, now: DateTime<Utc>) -> Result<usize, String> {
    let Some(nc) = &gw.namecom else { return Err("name.com is not served".into()) };
    let outcome = async {
        let listed = nc.list_domains().await?;
        let named: BTreeSet<String> =
            gw.store.own_logged().await?.into_iter().flat_map(|(_, _, d)| d).collect();
        gw.store.own_domains_record(&named, &listed, now, CONFIRM_AFTER).await?;
        Ok::<usize, String>(listed.len())
    }
    .await;
    let note = match &outcome {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("failed: {e}"),
    };
    if let Err(e) = gw.store.kv_put(SCAN_KEY, &note, now).await {
        tracing::warn!(error = %e, "own verification: the domain scan's outcome not stored");
    }
    outcome
}

/// Whether a scan is due at `now`: none completed in the last
/// [`SCAN_EVERY`] (less an hour of drift), or a logged domain no scan has
/// looked for yet and none in the last [`SCAN_SOON`].
pub async fn scan_due(store: &Store, now: DateTime<Utc>) -> bool {
    match store.kv_get(SCAN_KEY).await {
        Ok(Some((note, at))) if note == "ok" => {
            now - at >= SCAN_EVERY - TimeDelta::hours(1)
                || (now - at >= SCAN_SOON && unrecorded(store).await)
        }
        _ => true,
    }
}

/// Whether a logged row names a domain no scan has looked for.
async fn unrecorded(store: &Store) -> bool {
    let (Ok(logged), Ok(known)) = (store.own_logged().await, store.own_domains().await) else {
        return false;
    };
    let known: BTreeSet<String> = known.into_iter().map(|d| d.domain).collect();
    logged.iter().flat_map(|(_, _, d)| d).any(|d| !known.contains(d))
}

/// Whether the last domain scan completed within [`SCAN_FRESH`] of `now`;
/// else why not.
///
/// # Errors
/// Why purging must wait.
pub async fn last_scan_fresh(store: &Store, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    match store.kv_get(SCAN_KEY).await? {
        None => Err("no scan of the account's domains has completed yet".into()),
        Some((note, _)) if note != "ok" => Err(format!("the last domain scan {note}")),
        Some((_, at)) if now - at > SCAN_FRESH => Err(format!(
            "the last complete domain scan is from {}, more than two days ago",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
        Some((_, at)) => Ok(at),
    }
}

/// Deletes the rows the rule lets go at `now`; how many went. Nothing goes
/// unless the last domain scan completed recently.
///
/// # Errors
/// The database error, or why nothing may go now.
pub async fn purge(
    store: &Store,
    grace: TimeDelta,
    retention: TimeDelta,
    now: DateTime<Utc>,
) -> Result<u64, String> {
    last_scan_fresh(store, now).await?;
    let ends = ends(store, grace, now).await?;
    let go: Vec<(LoggedTable, i64)> = store
        .own_logged()
        .await?
        .into_iter()
        .filter(|(_, _, domains)| hold(domains, &ends, retention, now) == Hold::Eligible)
        .map(|(t, id, _)| (t, id))
        .collect();
    if go.is_empty() {
        return Ok(0);
    }
    store.own_delete(&go).await
}

/// What `log retention` reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Emails kept / verifications kept.
    pub emails: usize,
    /// Verifications kept.
    pub verifications: usize,
    /// Rows kept because a domain is still registered.
    pub registered: usize,
    /// Rows kept within `retention_days` of their domains' end.
    pub retained: usize,
    /// Rows kept because a domain's end is unknown.
    pub unknown: usize,
    /// Rows the next purge deletes.
    pub eligible: usize,
    /// When the next kept row becomes eligible, if known.
    #[serde(with = "verification_core::time::rfc3339::option")]
    pub next_eligible_at: Option<DateTime<Utc>>,
    /// The last domain scan, or why a purge waits.
    pub last_scan: String,
}

/// The rows held and why, at `now`.
///
/// # Errors
/// The database error.
pub async fn report(
    store: &Store,
    grace: TimeDelta,
    retention: TimeDelta,
    now: DateTime<Utc>,
) -> Result<Report, String> {
    let ends = ends(store, grace, now).await?;
    let mut r = Report {
        last_scan: match last_scan_fresh(store, now).await {
            Ok(at) => {
                format!("complete at {}", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            }
            Err(why) => format!("{why}: nothing is deleted until a scan completes"),
        },
        ..Report::default()
    };
    for (table, _, domains) in store.own_logged().await? {
        match table {
            LoggedTable::Email => r.emails += 1,
            LoggedTable::Verification => r.verifications += 1,
        }
        match hold(&domains, &ends, retention, now) {
            Hold::Registered(at) => {
                r.registered += 1;
                r.next_eligible_at = r.next_eligible_at.map_or(Some(at), |n| Some(n.min(at)));
            }
            Hold::Retained(at) => {
                r.retained += 1;
                r.next_eligible_at = r.next_eligible_at.map_or(Some(at), |n| Some(n.min(at)));
            }
            Hold::Unknown => r.unknown += 1,
            Hold::Eligible => r.eligible += 1,
        }
    }
    Ok(r)
}

/// `log export`'s `registrationEndsAt` and `registrationEndedAt` for a
/// row naming `domains` (space-separated `domain=instant`; `unknown` where
/// not known, nothing in `registrationEndedAt` for one still registered).
pub fn export_columns(
    domains: &str,
    rows: &HashMap<String, DomainRow>,
    grace: TimeDelta,
    now: DateTime<Utc>,
) -> (String, String) {
    let fmt = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut ends_at = Vec::new();
    let mut ended_at = Vec::new();
    for d in domains.split_whitespace() {
        let row = rows.get(&d.to_ascii_lowercase());
        let expiry = row.and_then(|r| r.expire_at).map_or("unknown".to_owned(), fmt);
        ends_at.push(format!("{d}={expiry}"));
        match row.map_or(End::Unknown, |r| end_of(r, grace, now)) {
            End::Ended { at } => ended_at.push(format!("{d}={}", fmt(at))),
            End::Unknown => ended_at.push(format!("{d}=unknown")),
            End::Registered { .. } => {}
        }
    }
    (ends_at.join(" "), ended_at.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const GRACE: TimeDelta = TimeDelta::days(45);
    const KEEP: TimeDelta = TimeDelta::days(730);

    fn listed(expire: &str) -> DomainRow {
        DomainRow {
            domain: "shop.com".into(),
            expire_at: Some(at(expire)),
            seen_at: Some(at("2026-01-01T00:00:00Z")),
            ..DomainRow::default()
        }
    }

    #[test]
    fn a_listed_domain_ends_at_expiry_plus_grace_and_unknown_means_keep() {
        let d = listed("2031-03-01T00:00:00Z");
        let now = at("2028-01-01T00:00:00Z");
        assert_eq!(end_of(&d, GRACE, now), End::Registered { until: at("2031-04-15T00:00:00Z") });
        let later = at("2031-05-01T00:00:00Z");
        assert_eq!(end_of(&d, GRACE, later), End::Ended { at: at("2031-04-15T00:00:00Z") });
        // Never seen: unknown, whatever else is known.
        let never = DomainRow { seen_at: None, ..d.clone() };
        assert_eq!(end_of(&never, GRACE, later), End::Unknown);
        // Missed once: unknown until a second scan confirms.
        let missed = DomainRow { missing_since: Some(now), ..d.clone() };
        assert_eq!(end_of(&missed, GRACE, now), End::Unknown);
        let gone = DomainRow { missing_confirmed: true, ..missed };
        assert_eq!(end_of(&gone, GRACE, now), End::Ended { at: now });
    }

    #[test]
    fn a_row_waits_for_its_last_domain_and_an_unknown_one() {
        let now = at("2030-01-01T00:00:00Z");
        let ends: HashMap<String, End> = [
            ("a.com".to_owned(), End::Ended { at: at("2027-01-01T00:00:00Z") }),
            ("b.com".to_owned(), End::Ended { at: at("2029-01-01T00:00:00Z") }),
            ("c.com".to_owned(), End::Registered { until: at("2031-01-01T00:00:00Z") }),
        ]
        .into();
        let row = |d: &[&str]| d.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(hold(&row(&["a.com"]), &ends, KEEP, now), Hold::Eligible);
        assert_eq!(
            hold(&row(&["a.com", "b.com"]), &ends, KEEP, now),
            Hold::Retained(at("2029-01-01T00:00:00Z") + KEEP)
        );
        assert_eq!(
            hold(&row(&["a.com", "c.com"]), &ends, KEEP, now),
            Hold::Registered(at("2031-01-01T00:00:00Z") + KEEP)
        );
        assert_eq!(hold(&row(&["a.com", "unseen.com"]), &ends, KEEP, now), Hold::Unknown);
        assert_eq!(hold(&[], &ends, KEEP, now), Hold::Unknown);
        // Case does not matter.
        assert_eq!(hold(&row(&["A.COM"]), &ends, KEEP, now), Hold::Eligible);
    }

    #[test]
    fn the_exports_name_each_domains_registration() {
        let now = at("2028-01-01T00:00:00Z");
        let rows: HashMap<String, DomainRow> = [
            ("shop.com".to_owned(), listed("2031-03-01T00:00:00Z")),
            (
                "old.net".to_owned(),
                DomainRow { domain: "old.net".into(), ..listed("2027-01-01T00:00:00Z") },
            ),
        ]
        .into();
        let (ends, ended) = export_columns("Shop.com old.net new.org", &rows, GRACE, now);
        assert_eq!(
            ends,
            "Shop.com=2031-03-01T00:00:00Z old.net=2027-01-01T00:00:00Z new.org=unknown"
        );
        assert_eq!(ended, "old.net=2027-02-15T00:00:00Z new.org=unknown");
    }

    mod stored {
        use super::*;
        use crate::own::store::{NewEmail, VerificationRow};
        use crate::store::tests::both;

        fn y(year: i32, month: u32, day: u32) -> DateTime<Utc> {
            use chrono::TimeZone;
            Utc.with_ymd_and_hms(year, month, day, 12, 0, 0).unwrap()
        }

        /// An email (and, when `verified`, a verification) naming `domains`.
        async fn logged(s: &Store, id: i64, domains: &[&str], verified: bool) {
            let domains: Vec<String> = domains.iter().map(|d| (*d).to_owned()).collect();
            let t = y(2026, 3, 1);
            let new = NewEmail {
                verification_id: id,
                stage: "initial",
                template: "en/initial",
                recipient: "a@example.com",
                domains: &domains,
                link_expires_at: t,
            };
            let email = s.own_email_begin(&new, "{}", t).await.unwrap().unwrap();
            if verified {
                let v = VerificationRow {
                    verification_id: id,
                    email_id: email,
                    address: "a@example.com".into(),
                    domains,
                    idempotency_key: format!("k{id}"),
                    state: "confirming".into(),
                    attempts: 0,
                    detail: None,
                };
                s.own_verify_claim(&v, t).await.unwrap();
            }
        }

        /// A complete scan at `now` listing `listed` (domain, expireDate).
        async fn scan(s: &Store, now: DateTime<Utc>, listed: &[(&str, DateTime<Utc>)]) {
            let named: BTreeSet<String> =
                s.own_logged().await.unwrap().into_iter().flat_map(|(_, _, d)| d).collect();
            let listed: HashMap<String, Option<DateTime<Utc>>> =
                listed.iter().map(|(d, e)| ((*d).to_owned(), Some(*e))).collect();
            s.own_domains_record(&named, &listed, now, CONFIRM_AFTER).await.unwrap();
            s.kv_put(SCAN_KEY, "ok", now).await.unwrap();
        }

        async fn ids(s: &Store) -> Vec<(LoggedTable, i64)> {
            let mut v: Vec<_> =
                s.own_logged().await.unwrap().into_iter().map(|(t, id, _)| (t, id)).collect();
            v.sort();
            v
        }

        #[tokio::test]
        async fn name_coms_rule_the_registration_then_two_years_on_both_backends() {
            both(|s: Store| async move {
                use LoggedTable::{Email, Verification};
                // five.com: registered for five years, verified on day 1.
                // renewed.com: the same, renewed in year 4. gone.com:
                // transferred out. pair: names five.com and renewed.com.
                logged(&s, 1, &["five.com"], true).await;
                logged(&s, 2, &["renewed.com"], false).await;
                logged(&s, 3, &["gone.com"], false).await;
                logged(&s, 4, &["five.com", "renewed.com"], false).await;
                let expiry = y(2031, 3, 1);
                scan(
                    &s,
                    y(2026, 3, 2),
                    &[("five.com", expiry), ("renewed.com", expiry), ("gone.com", expiry)],
                )
                .await;
                // Year 4: renewed.com renewed to 2035; gone.com missed by a
                // scan, confirmed by the next day's.
                let renewed = y(2035, 3, 1);
                scan(&s, y(2030, 3, 1), &[("five.com", expiry), ("renewed.com", renewed)]).await;
                let once = report(&s, GRACE, KEEP, y(2030, 3, 1)).await.unwrap();
                assert_eq!(once.unknown, 1, "a single miss is not an end: {once:?}");
                scan(&s, y(2030, 3, 2), &[("five.com", expiry), ("renewed.com", renewed)]).await;
                // Through year 5 and two years after five.com's end
                // (expiry + 45 days of grace), every row is kept but
                // gone.com's, which went two years after it left.
                scan(&s, y(2031, 3, 2), &[("five.com", expiry), ("renewed.com", renewed)]).await;
                assert_eq!(purge(&s, GRACE, KEEP, y(2031, 3, 2)).await.unwrap(), 0);
                let at = y(2032, 3, 2);
                scan(&s, at, &[("renewed.com", renewed)]).await;
                assert_eq!(purge(&s, GRACE, KEEP, at).await.unwrap(), 1, "gone.com's email");
                assert_eq!(ids(&s).await, [(Email, 1), (Email, 2), (Email, 4), (Verification, 1)]);
                // 730 days after five.com ended (2031-04-15), less a day:
                // kept.
                let before = y(2033, 4, 13);
                scan(&s, before, &[("renewed.com", renewed)]).await;
                assert_eq!(purge(&s, GRACE, KEEP, before).await.unwrap(), 0);
                // A failed scan purges nothing, even what is due.
                let due = y(2033, 4, 16);
                s.kv_put(SCAN_KEY, "failed: name.com answered HTTP 503", due).await.unwrap();
                assert!(purge(&s, GRACE, KEEP, due).await.unwrap_err().contains("HTTP 503"));
                assert_eq!(ids(&s).await.len(), 4);
                // Then five.com's rows go; the pair waits for renewed.com.
                scan(&s, due, &[("renewed.com", renewed)]).await;
                assert_eq!(purge(&s, GRACE, KEEP, due).await.unwrap(), 2);
                assert_eq!(ids(&s).await, [(Email, 2), (Email, 4)]);
                let r = report(&s, GRACE, KEEP, due).await.unwrap();
                assert_eq!((r.emails, r.registered), (2, 2));
                assert_eq!(r.next_eligible_at, Some(renewed + GRACE + KEEP));
                // A domain the rows name that no scan lists any more is
                // forgotten with its rows; one never listed keeps its row.
                logged(&s, 9, &["elsewhere.com"], false).await;
                scan(&s, y(2040, 1, 1), &[]).await;
                scan(&s, y(2040, 1, 3), &[]).await;
                // renewed.com expired in 2035 and was not renewed again:
                // its rows went two years after, before it left the list.
                assert_eq!(purge(&s, GRACE, KEEP, y(2040, 1, 3)).await.unwrap(), 2);
                let kept = s.own_logged().await.unwrap();
                assert_eq!(kept.len(), 1, "{kept:?}");
                assert_eq!(kept[0].2, ["elsewhere.com"], "never seen: kept");
            })
            .await;
        }
    }
}
