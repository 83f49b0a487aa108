//! Live updates in the demo: the panel wires `events-url` to its live
//! contact's stream at the gateway, read with the panel's token; name.com's
//! signed webhook, posted to the demo, reaches that stream; another's
//! contact is refused.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use common::{namecom_signature, namecom_webhook, start_demo};
use verification_sandbox::scenarios;
use verification_www::panel::LIVE_CONTACT;

/// Every `events-url="..."` on a page.
fn events_urls(html: &str) -> Vec<String> {
    html.split("events-url=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_demo_streams_its_live_contact_with_the_panels_token() {
    let (s, _demo) = start_demo(PathBuf::from("/nonexistent/widget/pkg")).await;
    let cookie = s.session().await;
    let page = s.client.get(s.url("/")).header("cookie", &cookie).send().await.unwrap();
    let urls = events_urls(&page.text().await.unwrap());
    assert_eq!(
        urls,
        [
            format!("/api/namecom/events?contact={LIVE_CONTACT}"),
            // Own verification's card, at its own gateway.
            "/gateway/api/namecom/events?contact=namecom-own-newcomer".to_owned(),
        ]
    );
    let contact = scenarios::contact(LIVE_CONTACT).unwrap();
    assert_eq!(contact.owner, scenarios::DEMO_REGISTRANT);
    let token = s.panel_token(&cookie, "/demo/token").await;
    let open = |path: String, token: Option<String>| {
        let mut req = s.client.get(s.url(&path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let anonymous = open(urls[0].clone(), None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let foreign =
        open("/api/namecom/events?contact=namecom-neighbour".into(), Some(token.clone())).await;
    assert_eq!(foreign.unwrap().status(), 403);
    let mut stream = open(urls[0].clone(), Some(token)).await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));

    // name.com's webhook, signed for the demo's URL, reaches the stream.
    let url = s.url("/webhooks/namecom");
    let body = namecom_webhook(contact.verification_id.unwrap(), "verified");
    let res = s
        .client
        .post(&url)
        .header("X-NAMECOM-SIGNATURE", namecom_signature(&url, &body, Utc::now().timestamp()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !buf.contains("event: verification") {
        let chunk =
            tokio::time::timeout_at(deadline, stream.chunk()).await.unwrap().unwrap().unwrap();
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(buf.contains(&contact.verification_id.unwrap().to_string()), "{buf}");
}
