//! Own verification's logs are kept as name.com's terms say: "for the
//! duration of the domain registration and for at least two (2) years
//! thereafter". The gateway's daily scan of the account's domains reads
//! the sandbox's `GET /core/v1/domains`; the sandbox's clock and the times
//! given to the gateway move together over the years.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::gw::*;
use serde_json::{json, Value};
use verification_gateway::own::retention;
use verification_gateway::own::store::NewEmail;
use verification_sandbox as sandbox;

const GRACE: TimeDelta = TimeDelta::days(45);
const KEEP: TimeDelta = TimeDelta::days(760);

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn control(g: &Gw, path: &str, body: Value) -> Value {
    let res = g
        .client
        .post(format!("{}/sandbox/control/{path}", g.sandbox.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

/// The gateway on the own-verification account, with a relay that is
/// never reached (no email is sent here), on `database`; its own first
/// domain scan (at start, in real time) is over before the test moves the
/// clock, so it never lands between the test's scans.
async fn own_gateway_on(database: &str) -> Gw {
    let g = own_gateway_started(database).await;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        match retention::last_scan_fresh(&g.gw.store, Utc::now()).await {
            Err(why) if why.contains("no scan") && std::time::Instant::now() < until => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            _ => break,
        }
    }
    g
}

/// name.com's Basic authorization for `user` and `token`.
fn auth(user: &str, token: &str) -> String {
    format!("Basic {}", common::base64_encode(&format!("{user}:{token}")))
}

async fn own_gateway_started(database: &str) -> Gw {
    // The account's newcomer (the demo's) verified first: the gateway's own
    // pass, which runs in real time after each scan, then has no email to
    // log, and the rows here are the test's alone.
    let registrars = common::start().await;
    let reset: Value = registrars
        .client
        .post(registrars.url("/sandbox/control/reset"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let newcomer = reset["ownNewcomer"].as_i64().unwrap();
    let verified = registrars
        .client
        .post(registrars.url(&format!("/sandbox/namecom/core/v1/contacts/verify/{newcomer}")))
        .header("authorization", auth(sandbox::NAMECOM_OWN_USERNAME, sandbox::NAMECOM_OWN_TOKEN))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert!(verified.status().is_success(), "{}", verified.text().await.unwrap());
    serve(std::sync::Arc::new(registrars), database, |t| {
        t.replace(sandbox::NAMECOM_USERNAME, sandbox::NAMECOM_OWN_USERNAME)
            .replace(sandbox::NAMECOM_TOKEN, sandbox::NAMECOM_OWN_TOKEN)
            .replace(
                "\n[openprovider]",
                "\n[namecom.own_verification]\nenabled = true\nsmtp_url = \"smtp://127.0.0.1:9\"\nfrom = \"verify@acme.example\"\npublic_url = \"https://gateway.example\"\nlink_secret = \"own-retention-test-link-secret-0123456789\"\n\n[openprovider]",
            )
    })
    .await
}

async fn own_gateway() -> Gw {
    own_gateway_on("sqlite::memory:").await
}

async fn expiry(g: &Gw, domain: &str) -> Option<DateTime<Utc>> {
    g.gw.store.own_domains().await.unwrap().into_iter().find(|d| d.domain == domain)?.expire_at
}

#[tokio::test]
async fn a_five_year_registration_keeps_its_logs_through_renewal_transfer_and_two_years() {
    five_years(own_gateway().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_on_postgresql() {
    let pg = verification_gateway::testing::Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    five_years(own_gateway_on(&pg.url()).await).await;
}

async fn five_years(g: Gw) {
    let at = |s: &str| {
        let g = &g;
        let s = s.to_owned();
        async move {
            g.sandbox.set_clock(&s).await;
            t(&s)
        }
    };
    // Day 1: a registration for five years, its initial email logged.
    let now = at("2026-03-01T12:00:00Z").await;
    control(
        &g,
        "namecom/register",
        json!({"email": "owner@bakery.example", "domains": ["bakery-five.com"], "years": 5, "account": "own"}),
    )
    .await;
    let domains = vec!["bakery-five.com".to_owned()];
    let email = NewEmail {
        verification_id: 1,
        stage: "initial",
        template: "en/initial",
        recipient: "owner@bakery.example",
        domains: &domains,
        link_expires_at: now,
    };
    g.gw.store.own_email_begin(&email, "{}", now).await.unwrap().unwrap();
    retention::scan(&g.gw, now).await.unwrap();
    assert_eq!(expiry(&g, "bakery-five.com").await, Some(t("2031-03-01T12:00:00Z")));

    // Year 4: renewed for five more years; the end moves.
    let now = at("2030-01-10T12:00:00Z").await;
    control(
        &g,
        "namecom/domain",
        json!({"domain": "bakery-five.com", "action": "renew", "years": 5}),
    )
    .await;
    retention::scan(&g.gw, now).await.unwrap();
    assert_eq!(expiry(&g, "bakery-five.com").await, Some(t("2036-03-01T12:00:00Z")));
    // Two years after the old end, still kept: it is registered.
    let now = at("2033-04-20T12:00:00Z").await;
    retention::scan(&g.gw, now).await.unwrap();
    assert_eq!(retention::purge(&g.gw.store, GRACE, KEEP, now).await.unwrap(), 0);

    // A failed scan: nothing recorded, nothing purged.
    control(&g, "faults", json!({"status": {"namecom.domains": 503}})).await;
    assert!(retention::scan(&g.gw, now).await.unwrap_err().contains("HTTP 503"));
    let why = retention::purge(&g.gw.store, GRACE, KEEP, now).await.unwrap_err();
    assert!(why.contains("failed"), "{why}");
    control(&g, "faults", json!({})).await;

    // Transferred out before it expires: missed by one scan, confirmed by
    // the next day's; the two years start when it left.
    control(&g, "namecom/domain", json!({"domain": "bakery-five.com", "action": "transfer_out"}))
        .await;
    let left = at("2034-06-01T12:00:00Z").await;
    retention::scan(&g.gw, left).await.unwrap();
    let r = retention::report(&g.gw.store, GRACE, KEEP, left).await.unwrap();
    assert_eq!(r.unknown, 1, "one miss is not an end: {r:?}");
    let now = at("2034-06-02T12:00:00Z").await;
    retention::scan(&g.gw, now).await.unwrap();
    let r = retention::report(&g.gw.store, GRACE, KEEP, now).await.unwrap();
    assert_eq!((r.retained, r.next_eligible_at), (1, Some(left + KEEP)), "{r:?}");
    // Kept until `retention_days` after it left, then gone.
    let day_before = left + KEEP - TimeDelta::days(1);
    g.sandbox.set_clock(&day_before.to_rfc3339()).await;
    retention::scan(&g.gw, day_before).await.unwrap();
    assert_eq!(retention::purge(&g.gw.store, GRACE, KEEP, day_before).await.unwrap(), 0);
    let after = left + KEEP + TimeDelta::days(1);
    g.sandbox.set_clock(&after.to_rfc3339()).await;
    retention::scan(&g.gw, after).await.unwrap();
    assert_eq!(retention::purge(&g.gw.store, GRACE, KEEP, after).await.unwrap(), 1);
    assert!(g.gw.store.own_logged().await.unwrap().is_empty());
    // The domain itself is forgotten at the next scan.
    retention::scan(&g.gw, after).await.unwrap();
    assert!(g.gw.store.own_domains().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_sandbox_lists_the_accounts_domains_in_pages() {
    let g = own_gateway().await;
    let get = |q: &str| {
        g.client
            .get(format!("{}/sandbox/namecom/core/v1/domains{q}", g.sandbox.base))
            .header(
                "authorization",
                auth(sandbox::NAMECOM_OWN_USERNAME, sandbox::NAMECOM_OWN_TOKEN),
            )
            .send()
    };
    let all: Value = get("").await.unwrap().json().await.unwrap();
    let total = all["totalCount"].as_u64().unwrap();
    assert!(total >= 2, "{all}");
    assert!(all["domains"][0]["expireDate"].as_str().unwrap().ends_with('Z'));
    let one: Value = get("?page=1&perPage=1").await.unwrap().json().await.unwrap();
    assert_eq!((one["domains"].as_array().unwrap().len(), one["nextPage"].as_u64()), (1, Some(2)));
    assert_eq!(get("?perPage=1001").await.unwrap().status(), 400);
    // The main account lists its own domains, not these.
    let main: Value = g
        .client
        .get(format!("{}/sandbox/namecom/core/v1/domains", g.sandbox.base))
        .header("authorization", auth(sandbox::NAMECOM_USERNAME, sandbox::NAMECOM_TOKEN))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names = |v: &Value| -> Vec<String> {
        v["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["domainName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(names(&main).iter().all(|d| !names(&all).contains(d)), "{main} {all}");
    // The gateway reads them all.
    let listed = g.gw.namecom.as_ref().unwrap().list_domains().await.unwrap();
    assert_eq!(listed.len() as u64, total);
}
