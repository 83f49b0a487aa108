//! Openprovider and Domain Name API sandboxes.

mod common;

use common::start;
use serde_json::{json, Value};

fn rows(v: &Value) -> &Vec<Value> {
    v["data"]["results"].as_array().unwrap()
}

#[tokio::test]
async fn openprovider_list_filters_and_pages() {
    let s = start().await;
    let (status, all) = s.op_list("").await;
    assert_eq!(status, 200);
    assert_eq!((&all["code"], &all["desc"]), (&json!(0), &json!("")));
    assert_eq!(all["data"]["total"], 11);
    assert_eq!(rows(&all).len(), 11);

    let (_, v) = s.op_list("?email=pending@openprovider.example").await;
    assert_eq!(v["data"]["total"], 2, "one row per (email, domain)");
    for r in rows(&v) {
        assert_eq!(r["status"], "in progress");
        assert_eq!(r["expiration_date"], "2026-03-10 12:00:00");
        assert_eq!(r["handle"], "XX100002-XX");
        assert_eq!(r["is_suspended"], false);
    }
    let (_, v) = s.op_list("?status=failed").await;
    assert_eq!(v["data"]["total"], 3);
    let (_, v) = s.op_list("?status=failed&description=bounced").await;
    assert_eq!(v["data"]["total"], 1);
    assert_eq!(rows(&v)[0]["email"], "bounced@openprovider.example");
    let (_, v) = s.op_list("?is_suspended=true").await;
    assert_eq!(v["data"]["total"], 2);
    assert!(rows(&v).iter().all(|r| r["description"] == "expired"));
    assert_eq!(rows(&v)[0]["expiration_date"], "0000-00-00 00:00:00");
    let (_, v) = s.op_list("?status=in%20progress&is_suspended=false").await;
    assert_eq!(v["data"]["total"], 5);
    let (_, v) = s.op_list("?domain=openprovider-overdue-shop.com").await;
    assert_eq!(v["data"]["total"], 1);
    assert_eq!(rows(&v)[0]["expiration_date"], "2026-02-28 12:00:00");
    let (_, v) = s.op_list("?handle=XX100005-XX").await;
    assert_eq!(rows(&v)[0]["status"], "verified");
    assert_eq!(rows(&v)[0]["expiration_date"], "");
    let (_, v) = s.op_list("?domain_id=77").await;
    assert_eq!(v["data"]["total"], 11, "domain_id is ignored");
    let (_, v) = s.op_list("?email=nobody@example.com").await;
    assert_eq!(v, json!({"code": 0, "desc": "", "data": {"results": [], "total": 0}}));

    let (_, v) = s.op_list("?limit=3&offset=9").await;
    assert_eq!(rows(&v).len(), 2);
    assert_eq!(v["data"]["total"], 11, "total counts every match");
    assert_eq!(rows(&v)[..], rows(&all)[9..]);
    let (_, v) = s.op_list("?limit=4").await;
    assert_eq!(rows(&v)[..], rows(&all)[..4]);

    s.client
        .post(s.url("/sandbox/control/seed"))
        .json(&json!({"provider":"openprovider","count":1200}))
        .send()
        .await
        .unwrap();
    let (_, v) = s.op_list("").await;
    assert_eq!(rows(&v).len(), 100, "limit defaults to 100");
    let (_, v) = s.op_list("?limit=5000").await;
    assert_eq!(rows(&v).len(), 1000, "limit is capped at 1000");
    assert_eq!(v["data"]["total"], 1211);

    let (status, v) = s.op_list("?limit=ten").await;
    assert_eq!(status, 400);
    assert_eq!(v["data"], "");
}

#[tokio::test]
async fn openprovider_rejects_bad_token() {
    let s = start().await;
    let res = s
        .client
        .get(s.url("/sandbox/openprovider/v1beta/customers/verifications/emails/domains"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["data"], "");
    assert!(v["code"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn openprovider_start_and_restart_codes() {
    let s = start().await;
    let (status, v) = s
        .op_post(
            "start",
            json!({"email": "not-started@openprovider.example", "handle": "XX100001-XX"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["code"], 20001);
    assert_eq!(v["desc"], "Verification email in progress");
    assert!(v["data"]["id"].is_i64());
    assert_eq!(s.emails_to("not-started@openprovider.example").await, 1);
    let (_, l) = s.op_list("?email=not-started@openprovider.example").await;
    for r in rows(&l) {
        assert_eq!(r["status"], "in progress");
        assert_eq!(r["expiration_date"], "2026-03-16 12:00:00");
    }

    let (status, v) = s.op_post("start", json!({"email": "verified@openprovider.example"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        v,
        json!({"code": 20000, "desc": "This email address has been verified already", "data": ""})
    );
    let (_, v) = s.op_post("restart", json!({"email": "verified@openprovider.example"})).await;
    assert_eq!(v["code"], 20000);
    assert_eq!(s.emails().await, 1, "nothing is sent to a verified address");

    let (status, v) = s
        .op_post("restart", json!({"email": "expired@openprovider.example", "language": "en"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({"code": 0, "desc": "", "data": {"success": true}}));
    let (_, l) = s.op_list("?email=expired@openprovider.example").await;
    for r in rows(&l) {
        assert_eq!((&r["status"], &r["description"]), (&json!("in progress"), &json!("")));
        assert_eq!(r["expiration_date"], "2026-03-16 12:00:00");
    }

    // Restart while running re-sends and keeps the deadline.
    let (_, v) = s.op_post("restart", json!({"email": "pending@openprovider.example"})).await;
    assert_eq!(v["code"], 0);
    let (_, l) = s.op_list("?email=pending@openprovider.example").await;
    assert_eq!(rows(&l)[0]["expiration_date"], "2026-03-10 12:00:00");
    assert_eq!(s.emails().await, 3);

    let (status, v) = s.op_post("restart", json!({"email": "nobody@example.com"})).await;
    assert_eq!(status, 404);
    assert_eq!(v, json!({"code": 1203, "desc": "CMN-object cannot be found", "data": ""}));
    let (status, v) = s.op_post("restart", json!({"language": "en"})).await;
    assert_eq!(status, 400);
    assert_eq!(v["code"], 20002);
    assert_eq!(s.emails().await, 3);
}

#[tokio::test]
async fn dna_get_details_by_email_and_external_id() {
    let s = start().await;
    let (status, v) = s.dna("GetDetails", json!({"ContactEmail": "pending@dna.example"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        v,
        json!({
            "VerificationStatus": "Pending",
            "ExpirationDate": "2026-03-13T12:00:00",
            "LastNotificationDate": "2026-02-28T10:00:00",
            "ContactEmail": "pending@dna.example",
            "ExternalId": "DNA-102",
        })
    );
    let (_, v) = s.dna("GetDetails", json!({"ExternalId": "DNA-104"})).await;
    assert_eq!(v["ContactEmail"], "overdue@dna.example");
    assert_eq!(v["VerificationStatus"], "Pending");
    assert_eq!(v["ExpirationDate"], "2026-02-27T12:00:00");
    let (_, v) = s.dna("GetDetails", json!({"ExternalId": "DNA-101"})).await;
    assert_eq!(
        (&v["VerificationStatus"], &v["ExpirationDate"]),
        (&json!("NotValidated"), &json!("2026-04-25T12:00:00"))
    );
    let (_, v) = s.dna("GetDetails", json!({"ContactEmail": "verified@dna.example"})).await;
    assert_eq!(v["VerificationStatus"], "Validated");
    let (_, v) = s.dna("GetDetails", json!({"ContactEmail": "expired@dna.example"})).await;
    assert_eq!(
        (&v["VerificationStatus"], &v["ExpirationDate"]),
        (&json!("Expired"), &json!("2026-02-26T12:00:00"))
    );

    let (status, v) = s.dna("GetDetails", json!({"ContactEmail": "nobody@dna.example"})).await;
    assert_eq!(status, 200);
    assert_eq!(v["OperationResult"], "ERROR");
    assert!(v["ErrorCode"].as_i64().unwrap() > 0);
    let (_, v) = s.dna("GetDetails", json!({})).await;
    assert_eq!(v["OperationResult"], "ERROR");

    let res = s
        .client
        .post(s.url("/sandbox/dna/ContactApi.svc/GetDetails"))
        .json(&json!({"UserName": "acme-reseller", "Password": "wrong", "ContactEmail": "pending@dna.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["OperationResult"], "ERROR");
    assert!(v.get("VerificationStatus").is_none());
}

#[tokio::test]
async fn dna_resend_sends_and_refuses_validated() {
    let s = start().await;
    let (status, v) =
        s.dna("ResendContactVerificationNotice", json!({"ExternalId": "DNA-106"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        v,
        json!({"OperationResult": "SUCCESS", "ErrorCode": 0, "OperationMessage": "Verification notice sent"})
    );
    assert_eq!(s.emails_to("expired@dna.example").await, 1);
    let (_, d) = s.dna("GetDetails", json!({"ExternalId": "DNA-106"})).await;
    assert_eq!(d["VerificationStatus"], "Pending");
    assert_eq!(d["LastNotificationDate"], "2026-03-01T12:00:00");
    assert_eq!(d["ExpirationDate"], "2026-04-30T12:00:00", "a fresh 60-day key");

    let (_, v) = s
        .dna("ResendContactVerificationNotice", json!({"ContactEmail": "due-soon@dna.example"}))
        .await;
    assert_eq!(v["OperationResult"], "SUCCESS");
    let (_, d) = s.dna("GetDetails", json!({"ContactEmail": "due-soon@dna.example"})).await;
    assert_eq!(
        d["ExpirationDate"], "2026-03-02T18:00:00",
        "a pending verification keeps its deadline"
    );

    let (status, v) = s
        .dna("ResendContactVerificationNotice", json!({"ContactEmail": "verified@dna.example"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["OperationResult"], "ERROR");
    assert_eq!(s.emails().await, 2);
    assert_eq!(s.emails_to("verified@dna.example").await, 0);
}

#[tokio::test]
async fn reset_reseeds_relative_to_the_clock_and_zeroes_counters() {
    let s = start().await;
    s.dna("ResendContactVerificationNotice", json!({"ExternalId": "DNA-102"})).await;
    assert_eq!(s.emails().await, 1);
    assert!(s.upstream_requests().await > 0);
    s.set_clock("2026-06-01T00:00:00+02:00").await;
    s.reset().await;
    assert_eq!(s.emails().await, 0);
    assert_eq!(s.upstream_requests().await, 0);
    let (_, v) = s.dna("GetDetails", json!({"ExternalId": "DNA-102"})).await;
    assert_eq!(v["ExpirationDate"], "2026-06-12T22:00:00");
    let paths = s.get_json("/sandbox/control/requests").await;
    assert_eq!(paths["byPath"]["/sandbox/dna/ContactApi.svc/GetDetails"], 1);
    let clock = s
        .client
        .post(s.url("/sandbox/control/clock"))
        .json(&json!({"now": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(clock.json::<Value>().await.unwrap()["fixed"], false);
    let bad = s
        .client
        .post(s.url("/sandbox/control/clock"))
        .json(&json!({"now": "tomorrow"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn fault_switches_apply_per_endpoint_and_reset() {
    use std::time::Duration;
    let s = start().await;
    let set = |v: Value| {
        let req = s.client.post(s.url("/sandbox/control/faults")).json(&v);
        async move { req.send().await.unwrap() }
    };
    let res = set(json!({"status": {"openprovider.lst": 500}})).await;
    assert_eq!(res.status(), 400, "unknown endpoint");
    let res = set(json!({"bogus": []})).await;
    assert_eq!(res.status(), 400, "unknown switch");
    let res = set(json!({
        "status": {"openprovider.list": 500},
        "html": {"dna.GetDetails": 502},
        "invalid_json": ["namecom.list"],
        "delay_ms": {"dna.ResendContactVerificationNotice": 300},
        "hang": ["openprovider.restart"],
    }))
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        s.get_json("/sandbox/control/faults").await["hang"],
        json!(["openprovider.restart"])
    );

    let (code, body) = s.op_list("?email=pending@openprovider.example").await;
    assert_eq!(code, 500);
    assert_eq!(body["message"], "Sandbox fault: HTTP 500");
    let res = s
        .client
        .post(s.url("/sandbox/dna/ContactApi.svc/GetDetails"))
        .json(&json!({"UserName": "acme-reseller", "Password": "sandbox-dna-secret-7f3a",
                      "ContactEmail": "pending@dna.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("<h1>502 Bad Gateway</h1>"));
    let res = s
        .client
        .get(s.url("/sandbox/namecom/core/v1/contacts/unverified?perPage=1000"))
        .headers(s.namecom_auth())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(serde_json::from_str::<Value>(&res.text().await.unwrap()).is_err());
    let t = std::time::Instant::now();
    let (code, _) = s
        .dna("ResendContactVerificationNotice", json!({"ContactEmail": "pending@dna.example"}))
        .await;
    assert_eq!(code, 200);
    assert!(t.elapsed() >= Duration::from_millis(300), "delayed");
    assert_eq!(s.emails_to("pending@dna.example").await, 1, "a delay still runs the handler");
    // A hang never answers.
    let hung = s
        .client
        .post(s.url("/sandbox/openprovider/v1beta/customers/verifications/emails/restart"))
        .headers(s.op_auth())
        .json(&json!({"email": "pending@openprovider.example"}))
        .timeout(Duration::from_millis(400))
        .send()
        .await;
    assert!(hung.unwrap_err().is_timeout());
    assert_eq!(s.emails_to("pending@openprovider.example").await, 0);

    // Other endpoints are untouched; reset clears every switch.
    let (code, _) = s.op_post("start", json!({"email": "not-started@openprovider.example"})).await;
    assert_eq!(code, 200);
    s.reset().await;
    assert_eq!(
        s.get_json("/sandbox/control/faults").await,
        json!({"status": {}, "html": {}, "hang": [], "delay_ms": {}, "invalid_json": [],
               "namecom_throttle_as_not_sent": false, "dna_flat": false, "zones": {}})
    );
    let (code, _) = s.op_list("?email=pending@openprovider.example").await;
    assert_eq!(code, 200);
    let (code, _) = s.op_post("restart", json!({"email": "pending@openprovider.example"})).await;
    assert_eq!(code, 200);
}
