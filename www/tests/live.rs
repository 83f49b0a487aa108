//! Live updates: the demo wires `events-url` to the owner's own event
//! stream, a webhook reaches the stream of its contact only, and a client
//! that goes away releases its subscription.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{namecom_signature, namecom_webhook, start, Server};
use reqwest::Response;
use verification_www::demo::LIVE_CONTACT;
use verification_www::scenarios;

async fn get(s: &Server, cookie: &str, path: &str) -> Response {
    s.client.get(s.url(path)).header("cookie", cookie).send().await.unwrap()
}

async fn subscribers(s: &Server) -> u64 {
    s.get_json("/webhooks/namecom/subscribers").await["subscribers"].as_u64().unwrap()
}

/// Waits (up to 5 s) until the server counts `n` subscribers.
async fn wait_subscribers(s: &Server, n: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now = subscribers(s).await;
        if now == n {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now} subscribers, expected {n}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Every `events-url="..."` on a page.
fn events_urls(html: &str) -> Vec<String> {
    html.split("events-url=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_demo_streams_its_live_contact_to_its_owner_only() {
    let s = start().await;
    let cookie = s.session().await;
    let page = get(&s, &cookie, "/").await.text().await.unwrap();
    let urls = events_urls(&page);
    assert_eq!(urls, [format!("/api/namecom/events?contact={LIVE_CONTACT}")], "{page}");
    let contact = scenarios::contact(LIVE_CONTACT).unwrap();
    assert_eq!(contact.owner, scenarios::DEMO_REGISTRANT);
    assert!(contact.verification_id.is_some());

    // The owner's session gets the stream; no session, none; another
    // registrant's contact on the same endpoint, refused.
    let res = get(&s, &cookie, &urls[0]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let anonymous = s.client.get(s.url(&urls[0])).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let foreign = get(&s, &cookie, "/api/namecom/events?contact=namecom-neighbour").await;
    assert_eq!(foreign.status(), 403);
    let unknown = get(&s, &cookie, "/api/namecom/events?contact=nobody").await;
    assert_eq!(unknown.status(), 403, "unknown and foreign contacts look the same");
    let missing = get(&s, &cookie, "/api/namecom/events").await;
    assert_eq!(missing.status(), 400);
    drop(res);
}

#[tokio::test]
async fn a_client_that_goes_away_releases_its_subscription() {
    // The default keep-alive (15 s): the server notices a client leaving
    // without having to write to it first.
    let s = start().await;
    let cookie = s.session().await;
    assert_eq!(subscribers(&s).await, 0);
    let path = format!("/api/namecom/events?contact={LIVE_CONTACT}");
    let a = get(&s, &cookie, &path).await;
    let b = get(&s, &cookie, &path).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    wait_subscribers(&s, 2).await;
    drop(a);
    wait_subscribers(&s, 1).await;

    // The one left still gets the contact's webhook.
    let url = s.url("/webhooks/namecom");
    let id = scenarios::contact(LIVE_CONTACT).unwrap().verification_id.unwrap();
    let body = namecom_webhook(id, "verified");
    let res = s
        .client
        .post(&url)
        .header("X-NAMECOM-SIGNATURE", namecom_signature(&url, &body, Utc::now().timestamp()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let mut b = b;
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !buf.contains("event: verification") {
        let chunk = tokio::time::timeout_at(deadline, b.chunk()).await.unwrap().unwrap().unwrap();
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    drop(b);
    wait_subscribers(&s, 0).await;
}
