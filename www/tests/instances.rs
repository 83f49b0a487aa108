//! Several gateway instances on one PostgreSQL (a throwaway cluster), in
//! front of the demo's sandbox: one email per intent, shared limits,
//! webhooks that reach every instance, one scanner at a time, and an
//! outage of the database answered with 503, not hangs or unlogged emails.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{namecom_signature, Server};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use verification_gateway::{self as gateway, config::GatewayConfig, testing::Postgres};
use verification_sandbox::{self as sandbox, scenarios};

const SECRET: &str = "instances-test-secret-of-at-least-32-bytes";

struct Instance {
    base: String,
    gw: Arc<gateway::Gateway>,
    stop: tokio::sync::watch::Sender<bool>,
}

async fn instance(sandbox: &Server, database: &str, extra: &str) -> Instance {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let registrars =
        sandbox::gateway_registrars(&sandbox.base, "http://gateway.example/webhooks/namecom", 2);
    let text = format!(
        r#"
database = "{database}"
{extra}
[tokens]
audience = "registrant-verification"
hs256_secret = "{SECRET}"
{registrars}"#
    );
    let config = GatewayConfig::parse(&text, std::path::Path::new("."), |_| None).unwrap();
    let (stop, rx) = tokio::sync::watch::channel(false);
    let gw = gateway::Gateway::new(config, rx).await.unwrap();
    gw.start();
    let app = gateway::router(gw.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Instance { base, gw, stop }
}

fn token(keys: &[&str]) -> String {
    let now = chrono::Utc::now().timestamp();
    let contacts: Vec<Value> = keys
        .iter()
        .map(|k| {
            let c = scenarios::contact(k).unwrap();
            json!({"id": c.key, "provider": c.provider.as_str(), "email": c.email,
                   "handle": c.handle, "verificationId": c.verification_id})
        })
        .collect();
    let claims = json!({"aud": "registrant-verification", "sub": "client-1", "role": "registrant",
        "iat": now, "exp": now + 600, "contacts": contacts});
    encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

async fn resend(client: &reqwest::Client, base: &str, t: &str, key: &str) -> u16 {
    client
        .post(format!("{base}/api/openprovider/resend?contact=openprovider-pending"))
        .bearer_auth(t)
        .header("x-idempotency-key", key)
        .json(&json!({"operation": "restart"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_intents_sent_to_two_instances_at_once_and_retried_send_fifty_emails() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    // No cooldown, so every intent may send: only the intents limit.
    let a = instance(&s, &pg.url(), "cooldown_seconds = 0").await;
    let b = instance(&s, &pg.url(), "cooldown_seconds = 0").await;
    let t = token(&["openprovider-pending"]);
    let client = reqwest::Client::new();
    let before = s.emails().await;
    for i in 0..50 {
        let key = format!("intent-{i}");
        let (x, y) =
            tokio::join!(resend(&client, &a.base, &t, &key), resend(&client, &b.base, &t, &key));
        assert!([200, 409].contains(&x) && [200, 409].contains(&y), "intent {i}: {x} {y}");
        // Retried on both, later.
        assert_eq!(resend(&client, &a.base, &t, &key).await, 200);
        assert_eq!(resend(&client, &b.base, &t, &key).await, 200);
    }
    assert_eq!(s.emails().await, before + 50, "exactly one email per intent");
    let rows = a.gw.store.log_since(chrono::DateTime::<chrono::Utc>::MIN_UTC).await.unwrap();
    assert_eq!(rows.len(), 50, "one shared log, one row per email");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_contacts_cooldown_and_the_account_budget_hold_across_instances() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let b = instance(&s, &pg.url(), "").await;
    let t = token(&["openprovider-pending"]);
    let client = reqwest::Client::new();
    assert_eq!(resend(&client, &a.base, &t, "first").await, 200);
    assert_eq!(resend(&client, &b.base, &t, "second").await, 429, "the cooldown is shared");
    // name.com's budget: 200 per hour per account, reserved in the store
    // (here by another instance's sends).
    let now = chrono::Utc::now();
    let hour = now + chrono::TimeDelta::hours(1);
    for i in 0..200 {
        let slot = a.gw.store.reserve_budget(gateway::NAMECOM_BUDGET, "other", hour, now).await;
        assert!(matches!(slot, Ok(Ok(_))), "slot {i}: {slot:?}");
    }
    let full = b.gw.store.reserve_budget(gateway::NAMECOM_BUDGET, "other", hour, now).await;
    assert!(matches!(full, Ok(Err(t)) if t > now), "{full:?}");
    let nc = token(&["namecom-pending"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let res = loop {
        let res = client
            .post(format!("{}/api/namecom/resend?contact=namecom-pending", b.base))
            .bearer_auth(&nc)
            .header("x-idempotency-key", "budget")
            .json(&json!({"operation": "resend"}))
            .send()
            .await
            .unwrap();
        if res.status() != 503 {
            break res;
        }
        assert!(tokio::time::Instant::now() < deadline, "the mirror never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(res.status(), 429, "{}", res.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_webhook_to_one_instance_reaches_a_stream_on_the_other_within_a_second() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let b = instance(&s, &pg.url(), "").await;
    let t = token(&["namecom-pending"]);
    let client = reqwest::Client::new();
    let mut stream = client
        .get(format!("{}/api/namecom/events?contact=namecom-pending", b.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // B is listening once its fan-out has connected (a loaded CI machine
    // may take a moment).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let id = scenarios::contact("namecom-pending").unwrap().verification_id.unwrap();
    let body = json!({"eventName": "contact.verification.status_change", "verificationId": id,
                      "domains": ["namecom-pending-shop.com"], "verification": {"status": "verified"}})
    .to_string();
    let signed_url = "http://gateway.example/webhooks/namecom";
    let sent = std::time::Instant::now();
    let res = client
        .post(format!("{}/webhooks/namecom", a.base))
        .header(
            "x-namecom-signature",
            namecom_signature(signed_url, &body, chrono::Utc::now().timestamp()),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let mut got = String::new();
    let read = tokio::time::timeout(Duration::from_secs(1), async {
        while !got.contains("event: verification") {
            let chunk = stream.chunk().await.unwrap().unwrap();
            got.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(read.is_ok(), "not on B's stream within 1 s: {got:?}");
    assert!(got.contains("\"verified\""), "{got}");
    println!("webhook on A reached B's stream in {} ms", sent.elapsed().as_millis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_instance_scans_at_a_time_and_another_takes_over() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let b = instance(&s, &pg.url(), "").await;
    let scans = |i: &Instance| {
        i.gw.namecom.as_ref().unwrap().scans.load(std::sync::atomic::Ordering::Relaxed)
    };
    // Two instances, a 2 s interval, 6 s: about 3 scans in all, not 6.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let total = scans(&a) + scans(&b);
    assert!((2..=5).contains(&total), "{total} scans by two instances in 6 s at one per 2 s");
    // The instance that scanned last dies; the other scans within an
    // interval (and a quarter).
    let (dead, alive) = if scans(&a) >= scans(&b) { (&a, &b) } else { (&b, &a) };
    let _ = dead.stop.send(true);
    let before = scans(alive);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(scans(alive) > before, "the survivor took the scans over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_outage_is_503_and_nothing_goes_upstream_then_it_recovers() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let t = token(&["openprovider-pending", "namecom-pending"]);
    let client = reqwest::Client::new();
    let status = |path: &'static str| {
        let (client, base, t) = (client.clone(), a.base.clone(), t.clone());
        async move { client.get(format!("{base}{path}")).bearer_auth(&t).send().await.unwrap() }
    };
    assert_eq!(status("/api/openprovider/status?contact=openprovider-pending").await.status(), 200);
    pg.stop();
    let upstream = s.upstream_requests().await;
    for path in [
        "/api/openprovider/status?contact=openprovider-pending",
        "/api/namecom/status?contact=namecom-pending",
    ] {
        let res =
            tokio::time::timeout(Duration::from_secs(15), status(path)).await.expect("no hang");
        assert_eq!(res.status(), 503, "{path}");
        assert!(res.headers().contains_key("retry-after"), "{path}");
    }
    let res = tokio::time::timeout(Duration::from_secs(15), resend(&client, &a.base, &t, "outage"))
        .await
        .expect("no hang");
    assert_eq!(res, 503, "refused before anything goes upstream");
    assert_eq!(client.get(format!("{}/readyz", a.base)).send().await.unwrap().status(), 503);
    assert_eq!(s.upstream_requests().await, upstream, "nothing went upstream");
    pg.restart().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if resend(&client, &a.base, &t, "after").await == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no recovery without a restart");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status("/api/openprovider/status?contact=openprovider-pending").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_requests_over_two_instances_without_a_token_make_one_login() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let b = instance(&s, &pg.url(), "").await;
    let t = token(&["openprovider-pending"]);
    let client = reqwest::Client::new();
    let mut all = Vec::new();
    for i in 0..20 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let (client, t) = (client.clone(), t.clone());
        all.push(tokio::spawn(async move {
            client
                .get(format!("{base}/api/openprovider/status?contact=openprovider-pending"))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for h in all {
        assert_eq!(h.await.unwrap(), 200);
    }
    // The readiness probes' logins are counted apart: one account, one login.
    let counted = s.get_json("/sandbox/control/requests").await;
    let login = "/sandbox/openprovider/v1beta/auth/login";
    let logins: u64 = [&counted["byPath"], &counted["probes"]["byPath"]]
        .iter()
        .map(|by| by[login].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(logins, 1, "one login across both instances: {counted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_staff_queue_on_one_instance_is_sent_once_by_the_two_and_seen_by_both() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let b = instance(&s, &pg.url(), "").await;
    let now = chrono::Utc::now().timestamp();
    let staff = encode(
        &Header::default(),
        &json!({"aud": "registrant-verification", "sub": "agent-7", "role": "staff",
                "iat": now, "exp": now + 600}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let client = reqwest::Client::new();
    // Openprovider's contacts a resend can help, each with the operation
    // the core plans for it.
    let list = client
        .get(format!("{}/api/openprovider/list?limit=200&offset=0", a.base))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ctx = verification_core::Context::new(chrono::Utc::now());
    let records =
        verification_core::evaluate(verification_core::Provider::Openprovider, &list, &ctx)
            .unwrap();
    let items: Vec<Value> = records
        .records
        .iter()
        .filter_map(|r| {
            let plan = verification_core::resend::ResendPlan::for_record(r).ok()?;
            Some(json!({"contact": r.email.clone()?, "operation": plan.operation.as_str()}))
        })
        .collect();
    let n = items.len();
    assert!(n >= 5, "{n} contacts");
    let before = s.upstream_requests().await;
    let res = client
        .post(format!("{}/api/openprovider/support/queue", a.base))
        .bearer_auth(&staff)
        .json(&json!({ "items": items }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // Both instances work the queue; every row ends once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let finished = loop {
        let v: Value = client
            .get(format!("{}/api/openprovider/support/queue", b.base))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rows = v["items"].as_array().unwrap().clone();
        if rows.len() == n
            && rows.iter().all(|r| !["waiting", "sending"].contains(&r["state"].as_str().unwrap()))
        {
            break rows;
        }
        assert!(tokio::time::Instant::now() < deadline, "not finished: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let sent = finished.iter().filter(|r| r["state"] == "sent").count();
    assert_eq!(sent, n, "each goes out: {finished:?}");
    // One upstream call per row, whichever instance took it (the login
    // is one more).
    let calls = s.upstream_requests().await - before;
    assert!(calls == n as u64 || calls == n as u64 + 1, "{calls} calls for {n} rows");
    let log = a.gw.store.log_since(chrono::DateTime::<chrono::Utc>::MIN_UTC).await.unwrap();
    assert_eq!(log.len(), n, "one log row per call");
    // Again at once, on the other instance: each waits for its contact's
    // cooldown, read from the shared store.
    let res = client
        .post(format!("{}/api/openprovider/support/queue", b.base))
        .bearer_auth(&staff)
        .json(&json!({ "items": items }))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    let waiting: Vec<&Value> =
        v["items"].as_array().unwrap().iter().filter(|r| r["state"] == "waiting").collect();
    assert_eq!(waiting.len(), n, "{v}");
    for r in waiting {
        let at = chrono::DateTime::parse_from_rfc3339(r["at"].as_str().unwrap()).unwrap();
        assert!(
            at.timestamp() >= chrono::Utc::now().timestamp() + 14 * 60,
            "after the cooldown: {at}"
        );
    }
    let _ = (a.stop.send(true), b.stop.send(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sending_their_own_verification_emails_send_each_stage_once() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let sink = verification_www::mailcatcher::MailCatcher::start(0, None).await.unwrap();
    let own = format!(
        r#"
[namecom.own_verification]
enabled = true
smtp_url = "smtp://{}"
from = "verify@acme.example"
public_url = "https://gateway.example"
link_secret = "instances-own-verification-link-secret-0123"
pass_interval_seconds = 1
"#,
        sink.addr
    );
    let start = |s: &Server| {
        let registrars =
            sandbox::gateway_registrars(&s.base, "http://gateway.example/webhooks/namecom", 1);
        let text = format!(
            "database = \"{}\"\n[tokens]\naudience = \"registrant-verification\"\n\
             hs256_secret = \"{SECRET}\"\n{registrars}{own}",
            pg.url()
        );
        async move {
            let config = GatewayConfig::parse(&text, std::path::Path::new("."), |_| None).unwrap();
            let (stop, rx) = tokio::sync::watch::channel(false);
            let gw = gateway::Gateway::new(config, rx).await.unwrap();
            gw.start();
            (gw, stop)
        }
    };
    let (a, _stop_a) = start(&s).await;
    let (b, _stop_b) = start(&s).await;
    // Every name.com contact of the sandbox gets its due email once.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let contacts = loop {
        let (rows, n) = a.store.mirror_page(1, 100).await.unwrap();
        let with_email = rows.iter().filter(|r| r.email.is_some()).count();
        if n > 0 && sink.messages().len() >= with_email {
            break with_email;
        }
        assert!(std::time::Instant::now() < deadline, "{} emails", sink.messages().len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut to: Vec<String> = sink.messages().iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(to.len(), contacts, "one email per contact though two instances pass: {to:?}");
    to.sort();
    to.dedup();
    assert_eq!(to.len(), contacts);
    let log = b.store.own_email_log(chrono::DateTime::<chrono::Utc>::MIN_UTC).await.unwrap();
    assert_eq!(log.len(), contacts, "each hand-over logged once, seen from either instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_resends_with_their_own_keys_on_two_instances_send_one_email() {
    let pg = Postgres::start().unwrap_or_else(|e| panic!("{e}"));
    let s = common::start().await;
    let a = instance(&s, &pg.url(), "").await;
    let b = instance(&s, &pg.url(), "").await;
    let t = token(&["openprovider-pending"]);
    let client = reqwest::Client::new();
    let before = s.emails().await;
    let mut all = Vec::new();
    for i in 0..40 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        let (client, t) = (client.clone(), t.clone());
        all.push(tokio::spawn(
            async move { resend(&client, &base, &t, &format!("burst-{i}")).await },
        ));
    }
    let mut codes = Vec::new();
    for h in all {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 429).count(), 39, "{codes:?}");
    assert_eq!(s.emails().await - before, 1, "one email across both instances");
}
