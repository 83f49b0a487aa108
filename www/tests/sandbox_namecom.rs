//! name.com sandbox: list shape, pagination, throttling, idempotency.

mod common;

use chrono::DateTime;
use common::{start, T0};
use serde_json::{json, Value};

const PENDING: i64 = 98_752_464;
const VERIFIED: i64 = 98_752_467;
const UNKNOWN: i64 = 98_752_468;

async fn list(s: &common::Server, query: &str) -> (u16, Value) {
    let res = s
        .client
        .get(s.url(&format!("/sandbox/namecom/core/v1/contacts/unverified{query}")))
        .headers(s.namecom_auth())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn ids(v: &Value) -> Vec<i64> {
    v["unverifiedContacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verificationId"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn list_has_documented_shape() {
    let s = start().await;
    let (status, v) = list(&s, "").await;
    assert_eq!(status, 200);
    assert_eq!(v["totalCount"], 4);
    assert_eq!(
        (v["from"].as_i64(), v["to"].as_i64(), v["lastPage"].as_i64()),
        (Some(1), Some(4), Some(1))
    );
    assert!(v["nextPage"].is_null());
    let got = ids(&v);
    assert!(got.contains(&PENDING));
    assert!(!got.contains(&VERIFIED), "verified contacts are not listed");
    assert!(!got.contains(&UNKNOWN), "a contact changed 3 minutes ago is not listed yet");
    let pending = v["unverifiedContacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["verificationId"] == PENDING)
        .unwrap();
    assert_eq!(
        pending,
        &json!({
            "verificationId": PENDING,
            "createDate": "2026-02-24T12:00:00Z",
            "verifyBy": "2026-03-11T12:00:00Z",
            "email": "pending@namecom.example",
            "domains": ["namecom-pending-shop.com", "namecom-pending-studio.io"],
        })
    );
}

#[tokio::test]
async fn list_lags_ten_minutes_behind_a_change() {
    let s = start().await;
    s.set_clock("2026-03-01T12:06:59Z").await;
    assert!(!ids(&list(&s, "").await.1).contains(&UNKNOWN));
    s.set_clock("2026-03-01T12:07:00Z").await;
    let (_, v) = list(&s, "").await;
    assert!(ids(&v).contains(&UNKNOWN));
    assert_eq!(v["totalCount"], 5);
}

#[tokio::test]
async fn list_paginates() {
    let s = start().await;
    let (_, p1) = list(&s, "?perPage=3&page=1").await;
    assert_eq!(ids(&p1).len(), 3);
    assert_eq!((p1["from"].as_i64(), p1["to"].as_i64()), (Some(1), Some(3)));
    assert_eq!(
        (p1["nextPage"].as_i64(), p1["lastPage"].as_i64(), p1["totalCount"].as_i64()),
        (Some(2), Some(2), Some(4))
    );
    let (_, p2) = list(&s, "?perPage=3&page=2").await;
    assert_eq!(ids(&p2).len(), 1);
    assert_eq!((p2["from"].as_i64(), p2["to"].as_i64()), (Some(4), Some(4)));
    assert!(p2["nextPage"].is_null());
    let mut all = ids(&p1);
    all.extend(ids(&p2));
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 4, "pages do not overlap");
    let (_, p3) = list(&s, "?perPage=3&page=3").await;
    assert!(ids(&p3).is_empty());
    assert!(p3["nextPage"].is_null());

    let seeded = s
        .client
        .post(s.url("/sandbox/control/seed"))
        .json(&json!({"provider":"namecom","count":2500}))
        .send()
        .await
        .unwrap();
    assert_eq!(seeded.status(), 200);
    let (_, big) = list(&s, "?perPage=1000&page=3").await;
    assert_eq!(big["totalCount"], 2504);
    assert_eq!(ids(&big).len(), 504);
    assert_eq!((big["from"].as_i64(), big["to"].as_i64()), (Some(2001), Some(2504)));
    assert!(big["nextPage"].is_null());
    let (_, default) = list(&s, "").await;
    assert_eq!(ids(&default).len(), 100, "perPage defaults to 100");
    assert_eq!(default["nextPage"], 2);
}

#[tokio::test]
async fn list_rejects_bad_paging_and_credentials() {
    let s = start().await;
    for q in ["?perPage=1001", "?perPage=0", "?page=0", "?perPage=abc"] {
        let (status, v) = list(&s, q).await;
        assert_eq!(status, 400, "{q}");
        assert!(v["message"].is_string(), "{q}: {v}");
    }
    let (status, _) = list(&s, "?perPage=1000").await;
    assert_eq!(status, 200);
    let res = s
        .client
        .get(s.url("/sandbox/namecom/core/v1/contacts/unverified"))
        .basic_auth("acme-reseller-test", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v, json!({"message": "Unauthenticated"}));
}

#[tokio::test]
async fn resend_is_throttled_for_fifteen_minutes() {
    let s = start().await;
    let first = s.namecom_resend(PENDING, None).await;
    assert_eq!(first.status(), 200);
    let v: Value = first.json().await.unwrap();
    assert_eq!(
        v,
        json!({"sent": true, "verificationId": PENDING, "nextEligibleAt": "2026-03-01T12:15:00Z"})
    );
    assert_eq!(s.emails_to("pending@namecom.example").await, 1);

    s.set_clock("2026-03-01T12:14:59Z").await;
    let second = s.namecom_resend(PENDING, None).await;
    assert_eq!(second.status(), 429);
    let reset: i64 = second.headers()["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert_eq!(reset, DateTime::parse_from_rfc3339("2026-03-01T12:15:00Z").unwrap().timestamp());
    let v: Value = second.json().await.unwrap();
    assert_eq!(
        v,
        json!({"message": "Resend throttled", "details": "Next eligible at: 2026-03-01T12:15:00+00:00"})
    );
    assert_eq!(s.emails().await, 1, "a throttled resend sends nothing");

    s.set_clock("2026-03-01T12:15:00Z").await;
    let third = s.namecom_resend(PENDING, None).await;
    assert_eq!(third.status(), 200);
    assert_eq!(third.json::<Value>().await.unwrap()["sent"], true);
    assert_eq!(s.emails_to("pending@namecom.example").await, 2);
}

#[tokio::test]
async fn resend_idempotency_replays_and_detects_reuse() {
    let s = start().await;
    let key = "5f0c8a38-9b1e-4c52-9d57-3f1b2a7e6c01";
    let first = s.namecom_resend(PENDING, Some(key)).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("x-idempotent-replay").is_none());
    let body1: Value = first.json().await.unwrap();

    let replay = s.namecom_resend(PENDING, Some(key)).await;
    assert_eq!(replay.status(), 200, "a replay is not throttled");
    assert_eq!(replay.headers()["x-idempotent-replay"], "1");
    assert_eq!(replay.json::<Value>().await.unwrap(), body1);
    assert_eq!(s.emails().await, 1, "a replay sends no email");

    let reuse = s.namecom_resend(PENDING + 1, Some(key)).await;
    assert_eq!(reuse.status(), 409);
    assert_eq!(
        reuse.json::<Value>().await.unwrap(),
        json!({"message": "Idempotency key has been reused for a different request."})
    );
    assert_eq!(s.emails().await, 1);

    // A throttled attempt is not stored: the same intent succeeds later.
    let throttled = s.namecom_resend(PENDING, Some("retry-key")).await;
    assert_eq!(throttled.status(), 429);
    s.set_clock("2026-03-01T12:15:00Z").await;
    let retried = s.namecom_resend(PENDING, Some("retry-key")).await;
    assert_eq!(retried.status(), 200);
    assert!(retried.headers().get("x-idempotent-replay").is_none());
    assert_eq!(s.emails().await, 2);

    // Keys live one hour.
    s.set_clock("2026-03-01T13:00:01Z").await;
    let expired = s.namecom_resend(PENDING, Some(key)).await;
    assert!(expired.headers().get("x-idempotent-replay").is_none());
    assert_eq!(s.emails().await, 3);
}

#[tokio::test]
async fn resend_errors_use_namecom_shapes() {
    let s = start().await;
    let url = s.url(&format!("/sandbox/namecom/core/v1/contacts/verify/{PENDING}:resend"));
    let res = s.client.post(&url).headers(s.namecom_auth()).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 415);
    assert!(res.json::<Value>().await.unwrap()["message"].is_string());

    let res = s.namecom_resend(4242, None).await;
    assert_eq!(res.status(), 404);
    assert!(res.json::<Value>().await.unwrap()["message"].is_string());

    let res = s.namecom_resend(VERIFIED, None).await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["sent"], false);
    assert_eq!(v["nextEligibleAt"], T0.replace("+00:00", "Z"));

    let res = s
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let big = s.url("/sandbox/namecom/core/v1/contacts/verify/4294967296:resend");
    let res = s
        .client
        .post(big)
        .headers(s.namecom_auth())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "verificationId is int32 in the path");
    assert_eq!(s.emails().await, 0);
}

#[tokio::test]
async fn account_limit_is_two_hundred_per_rolling_hour() {
    let s = start().await;
    s.client
        .post(s.url("/sandbox/control/seed"))
        .json(&json!({"provider":"namecom","count":210}))
        .send()
        .await
        .unwrap();
    for i in 1..=200 {
        let res = s.namecom_resend(10_000_000 + i, None).await;
        assert_eq!(res.status(), 200, "resend {i}");
    }
    let res = s.namecom_resend(10_000_201, None).await;
    assert_eq!(res.status(), 429);
    assert_eq!(
        res.json::<Value>().await.unwrap()["details"],
        "Next eligible at: 2026-03-01T13:00:00+00:00"
    );
    assert_eq!(s.emails().await, 200);
    s.set_clock("2026-03-01T13:00:00Z").await;
    assert_eq!(s.namecom_resend(10_000_201, None).await.status(), 200);
}
