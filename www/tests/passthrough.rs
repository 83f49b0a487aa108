//! The reference pass-through at /api.

mod common;

use common::{start, Server};
use reqwest::Response;
use serde_json::{json, Value};
use verification_www::sandbox;

const CSRF: (&str, &str) = ("X-Requested-With", "registrant-verification");

async fn status(s: &Server, cookie: &str, provider: &str, contact: &str) -> Response {
    s.client
        .get(s.url(&format!("/api/{provider}/status?contact={contact}")))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn resend(
    s: &Server,
    cookie: &str,
    provider: &str,
    contact: &str,
    op: &str,
    key: Option<&str>,
) -> Response {
    let mut req = s
        .client
        .post(s.url(&format!("/api/{provider}/resend?contact={contact}")))
        .header("cookie", cookie)
        .header(CSRF.0, CSRF.1)
        .json(&json!({ "operation": op }));
    if let Some(k) = key {
        req = req.header("X-Idempotency-Key", k);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn requires_a_session() {
    let s = start().await;
    let res = s.client.get(s.url("/api/dna/status?contact=dna-pending")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "unauthenticated");
    let res = status(&s, "demo_session=forged0000", "dna", "dna-pending").await;
    assert_eq!(res.status(), 401);
    let res = s
        .client
        .post(s.url("/api/dna/resend?contact=dna-pending"))
        .header(CSRF.0, CSRF.1)
        .json(&json!({"operation": "ResendContactVerificationNotice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(s.upstream_requests().await, 0);
}

#[tokio::test]
async fn foreign_and_unknown_contacts_are_forbidden_without_upstream_calls() {
    let s = start().await;
    let cookie = s.session().await;
    for (provider, contact) in [
        ("dna", "dna-neighbour"),
        ("namecom", "namecom-neighbour"),
        ("openprovider", "openprovider-neighbour"),
        ("dna", "dna-nope"),
    ] {
        let res = status(&s, &cookie, provider, contact).await;
        assert_eq!(res.status(), 403, "{contact}");
        assert_eq!(res.headers()["content-type"], "application/json");
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "forbidden");
    }
    let res = resend(&s, &cookie, "namecom", "namecom-neighbour", "resend", None).await;
    assert_eq!(res.status(), 403);
    let res = status(&s, &cookie, "dna", "namecom-pending").await;
    assert_eq!(res.status(), 400, "provider mismatch");
    assert_eq!(s.upstream_requests().await, 0, "nothing went upstream");
    assert_eq!(s.emails().await, 0);
}

#[tokio::test]
async fn status_passes_registrar_bodies_through() {
    let s = start().await;
    let cookie = s.session().await;
    let res = status(&s, &cookie, "dna", "dna-pending").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    // The pass-through asks over SOAP and hands the widget the seed's JSON:
    // the same fields the sandbox's JSON flavour answers, and DNA's
    // operation result.
    let via: Value = res.json().await.unwrap();
    let calls = s.get_json("/sandbox/control/requests").await["byPath"]
        ["/sandbox/dna/ContactApi.svc/GetDetails"]
        .clone();
    assert_eq!(calls, 1, "one call");
    let (_, direct) = s.dna("GetDetails", json!({"ContactEmail": "pending@dna.example"})).await;
    for field in [
        "VerificationStatus",
        "ExpirationDate",
        "LastNotificationDate",
        "ContactEmail",
        "ExternalId",
    ] {
        assert_eq!(via[field], direct[field], "{field}");
    }
    assert_eq!(via["OperationResult"], "SUCCESS");

    let res = status(&s, &cookie, "openprovider", "openprovider-expired").await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["data"]["total"], 2);
    assert!(v["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["email"] == "expired@openprovider.example"));
    let paths = s.get_json("/sandbox/control/requests").await;
    assert_eq!(
        paths["byPath"]["/sandbox/openprovider/v1beta/customers/verifications/emails/domains"],
        1
    );
}

#[tokio::test]
async fn namecom_status_pages_and_keeps_only_the_contact() {
    let s = start().await;
    s.client
        .post(s.url("/sandbox/control/seed"))
        .json(&json!({"provider":"namecom","count":2500}))
        .send()
        .await
        .unwrap();
    let cookie = s.session().await;
    let before = s.upstream_requests().await;
    let res = status(&s, &cookie, "namecom", "namecom-overdue").await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["totalCount"], 1);
    assert_eq!((v["from"].as_i64(), v["to"].as_i64()), (Some(1), Some(1)));
    assert!(v["nextPage"].is_null());
    let only = &v["unverifiedContacts"][0];
    assert_eq!(only["verificationId"], 98_752_466);
    assert_eq!(only["email"], "overdue@namecom.example");
    assert_eq!(only["verifyBy"], "2026-02-28T12:00:00Z");
    assert_eq!(only["domains"].as_array().unwrap().len(), 3);
    assert_eq!(
        s.upstream_requests().await - before,
        3,
        "2504 contacts at perPage=1000 are 3 pages"
    );

    let text = status(&s, &cookie, "namecom", "namecom-pending").await.text().await.unwrap();
    assert!(!text.contains("neighbour@namecom.example"));
    assert!(!text.contains("synthetic-"));

    let v: Value = status(&s, &cookie, "namecom", "namecom-verified").await.json().await.unwrap();
    assert_eq!(
        v,
        json!({"unverifiedContacts": [], "from": 0, "to": 0, "lastPage": 1, "nextPage": null, "totalCount": 0})
    );
}

#[tokio::test]
async fn upstream_errors_come_back_unchanged() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = verification_www::Config::sandbox(&base, "/nonexistent");
    config.openprovider.token = verification_www::config::Secret::new("revoked-token");
    tokio::spawn(
        async move { axum::serve(listener, verification_www::app(config)).await.unwrap() },
    );
    let s = Server { base, client: reqwest::Client::new() };
    let cookie = s.session().await;
    let res = status(&s, &cookie, "openprovider", "openprovider-pending").await;
    assert_eq!(res.status(), 401);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v, json!({"code": 196, "desc": "Authentication/Authorization Failed", "data": ""}));
    assert!(!v.to_string().contains("revoked-token"));
}

#[tokio::test]
async fn resend_requires_the_csrf_header_and_a_known_operation() {
    let s = start().await;
    let cookie = s.session().await;
    for header in [None, Some("XMLHttpRequest")] {
        let mut req = s
            .client
            .post(s.url("/api/openprovider/resend?contact=openprovider-pending"))
            .header("cookie", &cookie)
            .json(&json!({"operation": "restart"}));
        if let Some(h) = header {
            req = req.header(CSRF.0, h);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "csrf");
    }
    for (provider, contact, op) in [
        ("openprovider", "openprovider-pending", "resend"),
        ("dna", "dna-pending", "restart"),
        ("namecom", "namecom-pending", "ResendContactVerificationNotice"),
        ("namecom", "namecom-pending", ""),
    ] {
        let res = resend(&s, &cookie, provider, contact, op, None).await;
        assert_eq!(res.status(), 400, "{provider} {op}");
        assert_eq!(res.json::<Value>().await.unwrap()["error"], "bad_operation");
    }
    assert_eq!(s.upstream_requests().await, 0);
    assert_eq!(s.emails().await, 0);
}

#[tokio::test]
async fn namecom_resend_forwards_key_and_throttle() {
    let s = start().await;
    let cookie = s.session().await;
    let res = resend(&s, &cookie, "namecom", "namecom-pending", "resend", Some("k-1")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["sent"], true);
    let replay = resend(&s, &cookie, "namecom", "namecom-pending", "resend", Some("k-1")).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers()["x-idempotent-replay"], "1");
    assert_eq!(s.emails().await, 1);
    let throttled = resend(&s, &cookie, "namecom", "namecom-pending", "resend", Some("k-2")).await;
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().get("x-ratelimit-reset").is_some());
    assert_eq!(throttled.json::<Value>().await.unwrap()["message"], "Resend throttled");
    let reqs = s.get_json("/sandbox/control/requests").await;
    assert_eq!(
        reqs["byPath"]["/sandbox/namecom/core/v1/contacts/verify/98752464:resend"], 3,
        "name.com does its own idempotency"
    );
}

#[tokio::test]
async fn openprovider_and_dna_resends_are_cached_by_key() {
    let s = start().await;
    let cookie = s.session().await;
    let first =
        resend(&s, &cookie, "openprovider", "openprovider-expired", "restart", Some("op-1")).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("x-idempotent-replay").is_none());
    let body = first.json::<Value>().await.unwrap();
    assert_eq!(body, json!({"code": 0, "desc": "", "data": {"success": true}}));
    let upstream = s.upstream_requests().await;

    let again =
        resend(&s, &cookie, "openprovider", "openprovider-expired", "restart", Some("op-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["x-idempotent-replay"], "1");
    assert_eq!(again.json::<Value>().await.unwrap(), body);
    assert_eq!(s.upstream_requests().await, upstream, "a cached key sends nothing upstream");
    assert_eq!(s.emails().await, 1);

    let reused =
        resend(&s, &cookie, "openprovider", "openprovider-pending", "restart", Some("op-1")).await;
    assert_eq!(reused.status(), 409);

    // Another session's key space is its own.
    let other = s.session().await;
    let res =
        resend(&s, &other, "openprovider", "openprovider-expired", "restart", Some("op-1")).await;
    assert!(res.headers().get("x-idempotent-replay").is_none());
    assert_eq!(s.emails().await, 2);

    // Without a key every request goes upstream.
    let start =
        resend(&s, &cookie, "openprovider", "openprovider-not-started", "start", None).await;
    assert_eq!(start.json::<Value>().await.unwrap()["code"], 20001);
    assert_eq!(s.emails().await, 3);

    let dna1 =
        resend(&s, &cookie, "dna", "dna-expired", "ResendContactVerificationNotice", Some("dna-1"))
            .await;
    assert_eq!(dna1.json::<Value>().await.unwrap()["OperationResult"], "SUCCESS");
    let dna2 =
        resend(&s, &cookie, "dna", "dna-expired", "ResendContactVerificationNotice", Some("dna-1"))
            .await;
    assert_eq!(dna2.headers()["x-idempotent-replay"], "1");
    assert_eq!(s.emails_to("expired@dna.example").await, 1);
    let dna3 =
        resend(&s, &cookie, "dna", "dna-expired", "ResendContactVerificationNotice", Some("dna-2"))
            .await;
    assert!(dna3.headers().get("x-idempotent-replay").is_none());
    assert_eq!(s.emails_to("expired@dna.example").await, 2);

    // Concurrent duplicates (a double click) send one email.
    let (a, b) = tokio::join!(
        resend(&s, &cookie, "dna", "dna-pending", "ResendContactVerificationNotice", Some("dbl")),
        resend(&s, &cookie, "dna", "dna-pending", "ResendContactVerificationNotice", Some("dbl")),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    assert_eq!(s.emails_to("pending@dna.example").await, 1);
}

#[tokio::test]
async fn credentials_never_reach_the_browser() {
    let s = start().await;
    let cookie = s.session().await;
    let secrets = [
        sandbox::DNA_USERNAME.to_owned(),
        sandbox::DNA_PASSWORD.to_owned(),
        sandbox::NAMECOM_TOKEN.to_owned(),
        sandbox::OPENPROVIDER_TOKEN.to_owned(),
        common::base64_encode(&format!("{}:{}", sandbox::NAMECOM_USERNAME, sandbox::NAMECOM_TOKEN)),
    ];
    let mut responses = Vec::new();
    for c in verification_www::scenarios::registry() {
        let p = c.provider.as_str();
        responses.push(status(&s, &cookie, p, &c.key).await);
        let op = match p {
            "dna" => "ResendContactVerificationNotice",
            "namecom" => "resend",
            _ => "restart",
        };
        responses.push(resend(&s, &cookie, p, &c.key, op, Some(&c.key)).await);
        responses.push(resend(&s, &cookie, p, &c.key, op, Some(&c.key)).await);
        responses.push(resend(&s, &cookie, p, &c.key, "bogus", None).await);
    }
    responses.push(s.client.get(s.url("/")).header("cookie", &cookie).send().await.unwrap());
    let mut checked = 0;
    for res in responses {
        let headers = format!("{:?}", res.headers());
        let body = res.text().await.unwrap();
        for secret in &secrets {
            assert!(!body.contains(secret.as_str()), "secret in body: {body}");
            assert!(!headers.contains(secret.as_str()), "secret in headers: {headers}");
        }
        checked += 1;
    }
    assert_eq!(checked, verification_www::scenarios::registry().len() * 4 + 1);
    assert!(s.emails().await > 0, "the resends above really reached the sandbox");
}
