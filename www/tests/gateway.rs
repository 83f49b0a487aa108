//! `serve`: the gateway against the demo's sandbox as its registrars, in
//! process. Tokens are minted here as a panel would.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::gw::*;
use common::{namecom_signature, Server};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use verification_core::{evaluate_response, Context, Provider, Response as CoreResponse, Status};
use verification_gateway::{self as gateway, config::GatewayConfig};
use verification_sandbox::{self as sandbox, scenarios};

#[tokio::test]
async fn every_provider_answers_status_and_resend_through_a_token() {
    let g = start().await;
    let t = token_for(&["namecom-pending", "openprovider-pending", "dna-pending", "dna-expired"]);
    g.mirror_ready(&t, "namecom-pending").await;

    let r = record(
        Provider::Namecom,
        g.get("/api/namecom/status?contact=namecom-pending", Some(&t)).await,
    )
    .await;
    assert_eq!((r.status, r.email.as_deref()), (Status::Pending, Some("pending@namecom.example")));
    let r = record(
        Provider::Openprovider,
        g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await,
    )
    .await;
    assert_eq!(r.status, Status::Pending);
    assert_eq!(g.logins().await, 1, "one login");
    // DNA over SOAP, handed to the widget as the seed's JSON.
    let res = g.get("/api/dna/status?contact=dna-pending", Some(&t)).await;
    assert_eq!(res.headers()["content-type"], "application/json");
    let r = record(Provider::Dna, res).await;
    assert_eq!((r.status, r.email.as_deref()), (Status::Pending, Some("pending@dna.example")));
    assert!(g.requests(DNA_SOAP).await >= 1, "DNA was asked over SOAP");
    // DNA names no domains: the token's are added, so the card names them.
    assert_eq!(r.domains, scenarios::contact("dna-pending").unwrap().domains);

    let emails = g.sandbox.emails().await;
    for (path, op) in [
        ("/api/namecom/resend?contact=namecom-pending", "resend"),
        ("/api/openprovider/resend?contact=openprovider-pending", "restart"),
        ("/api/dna/resend?contact=dna-expired", "ResendContactVerificationNotice"),
    ] {
        let res = g.post(path, &t, json!({"operation": op}), Some(&format!("k-{op}"))).await;
        assert_eq!(res.status(), 200, "{path}: {}", res.text().await.unwrap());
    }
    assert_eq!(g.sandbox.emails().await, emails + 3, "three emails");
    // DNA's resend went by external id (the token's handle).
    assert_eq!(g.sandbox.emails_to("expired@dna.example").await, 1);
    // The log has every row, answered.
    let rows = g.gw.store.log_since(chrono::DateTime::<chrono::Utc>::MIN_UTC).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.upstream_status == Some(200) && r.registrant == "client-42"));
    assert!(rows.iter().all(|r| !r
        .upstream_body
        .as_deref()
        .unwrap_or("")
        .contains(sandbox::NAMECOM_TOKEN)));
}

#[tokio::test]
async fn bad_tokens_are_refused_and_nothing_reaches_the_registrars() {
    let g = start().await;
    let good = token_for(&["openprovider-pending"]);
    let before = g.sandbox.upstream_requests().await;
    let t = now();
    let claims = |f: &dyn Fn(&mut Value)| {
        let mut c = json!({"aud": "registrant-verification", "sub": "x", "role": "registrant",
            "iat": t, "exp": t + 600,
            "contacts": [{"id": "openprovider-pending", "provider": "openprovider", "email": "pending@openprovider.example"}]});
        f(&mut c);
        c
    };
    let expired = sign(claims(&|c| {
        c["iat"] = json!(t - 1200);
        c["exp"] = json!(t - 600);
    }));
    let wrong_aud = sign(claims(&|c| c["aud"] = json!("another-app")));
    let wrong_key = encode(
        &Header::default(),
        &claims(&|_| {}),
        &EncodingKey::from_secret(b"not-the-gateway-secret-at-all-no"),
    )
    .unwrap();
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(&|_| {})));
    let path = "/api/openprovider/status?contact=openprovider-pending";
    for (what, token) in [
        ("none", None),
        ("expired", Some(&expired)),
        ("audience", Some(&wrong_aud)),
        ("key", Some(&wrong_key)),
        ("alg none", Some(&none)),
    ] {
        let res = g.get(path, token.map(String::as_str)).await;
        assert_eq!(res.status(), 401, "{what}");
        let body = res.text().await.unwrap();
        assert!(token.is_none_or(|t| !body.contains(t.as_str())), "the token is not echoed");
    }
    // Another contact's id, another provider's, and the token in the URL.
    assert_eq!(
        g.get("/api/openprovider/status?contact=openprovider-overdue", Some(&good)).await.status(),
        403
    );
    assert_eq!(
        g.get("/api/dna/status?contact=openprovider-pending", Some(&good)).await.status(),
        403
    );
    assert_eq!(g.get(&format!("{path}&token={good}"), None).await.status(), 401);
    // A registrant token on the staff routes.
    assert_eq!(g.get("/api/openprovider/list", Some(&good)).await.status(), 403);
    let res = g
        .post(
            "/api/openprovider/support/resend?contact=pending@openprovider.example",
            &good,
            json!({"operation": "restart"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 403);
    // A staff token on a registrant's route.
    assert_eq!(g.get(path, Some(&staff_token())).await.status(), 403);
    let after = g.sandbox.upstream_requests().await;
    // Only the name.com scan may have run meanwhile.
    let scans = g.requests("/sandbox/namecom/core/v1/contacts/unverified").await;
    assert_eq!(after - before, scans, "nothing but the scan reached the sandbox");
}

#[tokio::test]
async fn demo_and_sandbox_paths_are_not_served() {
    let g = start().await;
    for path in [
        "/",
        "/support",
        "/account/contact",
        "/static/panel.css",
        "/sandbox/control/reset",
        "/sandbox/namecom/core/v1/contacts/unverified",
        "/webhooks/namecom/subscribers",
        "/widget/define.js",
    ] {
        assert_eq!(g.get(path, None).await.status(), 404, "{path}");
    }
    let res = g.client.post(g.url("/sandbox/control/reset")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(g.get("/healthz", None).await.status(), 200);
    let metrics = g.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("gateway_namecom_mirror_contacts"), "{metrics}");
}

#[tokio::test]
async fn a_registrar_left_out_is_not_served() {
    let g = start_with(|t| {
        let cut = t.find("[dna]").unwrap();
        t[..cut].to_owned()
    })
    .await;
    let t = token_for(&["dna-pending"]);
    assert_eq!(g.get("/api/dna/status?contact=dna-pending", Some(&t)).await.status(), 404);
}

#[tokio::test]
async fn openprovider_token_expiry_in_each_form_costs_one_login_and_no_failure() {
    // Every read goes to the registrar here (no answer reused).
    let g = start_with(|t| t.replace("cooldown_seconds = 900", "status_reuse_seconds = 0")).await;
    let t = token_for(&["openprovider-pending"]);
    let path = "/api/openprovider/status?contact=openprovider-pending";
    assert_eq!(g.get(path, Some(&t)).await.status(), 200);
    assert_eq!(g.logins().await, 1);
    for (i, answer) in [401, 500, 200].into_iter().enumerate() {
        let res = g
            .sandbox
            .client
            .post(g.sandbox.url("/sandbox/control/openprovider/tokens"))
            .json(&json!({"expire": true, "answer": answer}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let res = g.get(path, Some(&t)).await;
        assert_eq!(res.status(), 200, "expired as {answer}: the widget still gets its status");
        let r = record(Provider::Openprovider, res).await;
        assert_eq!(r.status, Status::Pending);
        assert_eq!(g.logins().await, 2 + i as u64, "one login per expiry ({answer})");
    }
}

#[tokio::test]
async fn twenty_concurrent_requests_without_a_token_make_one_login() {
    let g = Arc::new(start().await);
    let t = token_for(&["openprovider-pending"]);
    let mut all = Vec::new();
    for _ in 0..20 {
        let (g, t) = (g.clone(), t.clone());
        all.push(tokio::spawn(async move {
            g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await.status()
        }));
    }
    for h in all {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(g.logins().await, 1);
}

#[tokio::test]
async fn namecom_reads_come_from_the_mirror_and_unproven_absence_is_503() {
    // A hundred reads of one token below: no per-token limit here.
    let g =
        start_with(|t| t.replace("cooldown_seconds = 900", "status_reads_per_minute = 0")).await;
    // A second gateway whose first scan the sandbox holds back: its reads
    // answer 503, never "verified".
    g.sandbox
        .client
        .post(g.sandbox.url("/sandbox/control/faults"))
        .json(&json!({"delay_ms": {"namecom.list": 800}}))
        .send()
        .await
        .unwrap();
    let t = token_for(&["namecom-pending", "namecom-verified"]);
    let slow = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let text = config_text(&g.sandbox.base, &base, "sqlite::memory:");
        let config = GatewayConfig::parse(&text, std::path::Path::new("."), env).unwrap();
        let (stop, rx) = tokio::sync::watch::channel(false);
        let gw = gateway::Gateway::new(config, rx).await.unwrap();
        gw.start();
        let app = gateway::router(gw.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (base, stop)
    };
    let res = g
        .client
        .get(format!("{}/api/namecom/status?contact=namecom-verified", slow.0))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "during the first scan");
    assert!(res.headers().contains_key("retry-after"));
    let ready = g.client.get(format!("{}/readyz", slow.0)).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    g.sandbox
        .client
        .post(g.sandbox.url("/sandbox/control/faults"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    g.mirror_ready(&t, "namecom-pending").await;
    // The second gateway's first scan ends, then its scanner stops: the
    // reads below count only `g`'s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let url = format!("{}/api/namecom/status?contact=namecom-pending", slow.0);
        let res = g.client.get(url).bearer_auth(&t).send().await.unwrap();
        if res.status() != 503 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the second gateway never scanned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = slow.1.send(true);
    // Seed 50,000 contacts, scan them, then 100 reads: no upstream call.
    for _ in 0..3 {
        let res = g
            .sandbox
            .client
            .post(g.sandbox.url("/sandbox/control/seed"))
            .json(&json!({"provider": "namecom", "count": 16_700}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let n = g.gw.namecom.as_ref().unwrap().scan().await.unwrap();
    assert!(n >= 50_000, "{n} contacts scanned");
    let list_path = "/sandbox/namecom/core/v1/contacts/unverified";
    let before = g.requests(list_path).await;
    for i in 0..100 {
        let key = if i % 2 == 0 { "namecom-pending" } else { "namecom-verified" };
        let res = g.get(&format!("/api/namecom/status?contact={key}"), Some(&t)).await;
        assert_eq!(res.status(), 200);
    }
    assert_eq!(g.requests(list_path).await, before, "100 reads, no upstream call");
    let r = record(
        Provider::Namecom,
        g.get("/api/namecom/status?contact=namecom-verified", Some(&t)).await,
    )
    .await;
    assert_eq!(r.status, Status::Verified, "absent from a whole, fresh list");

    // A signed webhook shows in the next read.
    let id = scenarios::contact("namecom-pending").unwrap().verification_id.unwrap();
    let body = json!({"eventName": "contact.verification.status_change", "verificationId": id,
                      "domains": ["namecom-pending-shop.com"], "verification": {"status": "verified"}}).to_string();
    let url = g.url("/webhooks/namecom");
    let res = g
        .client
        .post(&url)
        .header("x-namecom-signature", namecom_signature(&url, &body, now()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let r = record(
        Provider::Namecom,
        g.get("/api/namecom/status?contact=namecom-pending", Some(&t)).await,
    )
    .await;
    assert_eq!(r.status, Status::Verified);
    // An unsigned one changes nothing.
    let res = g.client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(res.status(), 401);
    drop(slow);
}

#[tokio::test]
async fn namecom_resend_uses_the_mirrors_id_and_says_when_there_is_none() {
    let g = start().await;
    let t = token_for(&["namecom-pending", "namecom-verified"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let res = g
        .post(
            "/api/namecom/resend?contact=namecom-verified",
            &t,
            json!({"operation": "resend"}),
            Some("k1"),
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "no_verification");
    assert_eq!(g.requests("/sandbox/namecom/core/v1/contacts/verify/0:resend").await, 0);
    let id = scenarios::contact("namecom-pending").unwrap().verification_id.unwrap();
    let res = g
        .post(
            "/api/namecom/resend?contact=namecom-pending",
            &t,
            json!({"operation": "resend"}),
            Some("k2"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        g.requests(&format!("/sandbox/namecom/core/v1/contacts/verify/{id}:resend")).await,
        1
    );
}

#[tokio::test]
async fn an_intent_is_sent_once_and_a_contact_cools_down() {
    let g = start().await;
    let t = token_for(&["openprovider-pending"]);
    let path = "/api/openprovider/resend?contact=openprovider-pending";
    let emails = g.sandbox.emails().await;
    let first = g.post(path, &t, json!({"operation": "restart"}), Some("intent-1")).await;
    assert_eq!(first.status(), 200);
    let again = g.post(path, &t, json!({"operation": "restart"}), Some("intent-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["x-idempotent-replay"], "1");
    assert_eq!(g.sandbox.emails().await, emails + 1, "a retried intent sends no second email");
    let other = g.post(path, &t, json!({"operation": "start"}), Some("intent-1")).await;
    assert_eq!(other.status(), 409, "the key reused for another request");
    // A new intent within the cooldown: 429 in the shape the core reads.
    let soon = g.post(path, &t, json!({"operation": "restart"}), Some("intent-2")).await;
    assert_eq!(soon.status(), 429);
    assert!(soon.headers().contains_key("retry-after"));
    let body = soon.text().await.unwrap();
    let out = verification_core::interpret_resend(
        Provider::Openprovider,
        &CoreResponse::new(429, &body),
        &Context::new(chrono::Utc::now()),
    )
    .unwrap();
    assert_eq!(out.outcome, verification_core::resend::ResendKind::Throttled);
    assert!(out.next_eligible_at.unwrap() > chrono::Utc::now() + chrono::TimeDelta::minutes(14));
    assert_eq!(g.sandbox.emails().await, emails + 1);
}

#[tokio::test]
async fn dna_over_soap_fault_and_error_result() {
    // Wrong credentials: DNA answers a SOAP fault, which the core reads as
    // the registrar's error.
    let g = start_with(|t| {
        t.replace(&format!("password = \"{}\"", sandbox::DNA_PASSWORD), "password = \"wrong\"")
    })
    .await;
    let t = token_for(&["dna-pending"]);
    let res = g.get("/api/dna/status?contact=dna-pending", Some(&t)).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(status, 401);
    let ctx = Context::new(chrono::Utc::now()).single_contact();
    let err =
        evaluate_response(Provider::Dna, &CoreResponse::new(status, &body), &ctx).unwrap_err();
    assert!(err.to_string().contains("Authentication"), "{err}");
    assert!(!body.contains("wrong"), "no credential in the answer");

    // An unknown contact: an ERROR result.
    let g = start().await;
    let token = sign(
        json!({"aud": "registrant-verification", "sub": "x", "role": "registrant", "iat": now(), "exp": now() + 600,
        "contacts": [{"id": "c-1", "provider": "dna", "email": "nobody@dna.example"}]}),
    );
    let res = g.get("/api/dna/status?contact=c-1", Some(&token)).await;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    let err =
        evaluate_response(Provider::Dna, &CoreResponse::new(status, &body), &ctx).unwrap_err();
    assert!(matches!(err, verification_core::Error::Registrar { .. }), "{err}");
    // Resend by email (no handle in the token).
    let token = sign(
        json!({"aud": "registrant-verification", "sub": "x", "role": "registrant", "iat": now(), "exp": now() + 600,
        "contacts": [{"id": "c-2", "provider": "dna", "email": "pending@dna.example"}]}),
    );
    let res = g
        .post(
            "/api/dna/resend?contact=c-2",
            &token,
            json!({"operation": "ResendContactVerificationNotice"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(g.sandbox.emails_to("pending@dna.example").await, 1);
}

#[tokio::test]
async fn cors_lets_the_panels_origin_in_and_no_other() {
    let g = start().await;
    let pre = |origin: &str| {
        g.client
            .request(reqwest::Method::OPTIONS, g.url("/api/openprovider/resend?contact=x"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,x-idempotency-key",
            )
            .send()
    };
    let ok = pre(ORIGIN).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    let other = pre("https://evil.example").await.unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    let t = token_for(&["openprovider-pending"]);
    let res = g
        .client
        .post(g.url("/api/openprovider/resend?contact=openprovider-pending"))
        .bearer_auth(&t)
        .header("origin", "https://evil.example")
        .json(&json!({"operation": "restart"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn staff_list_and_bulk_resend_take_a_staff_token() {
    let g = start().await;
    let staff = staff_token();
    let t = token_for(&["namecom-pending"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let res = g.get("/api/namecom/list?page=1&perPage=2", Some(&staff)).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["unverifiedContacts"].as_array().unwrap().len(), 2);
    assert!(page["nextPage"].is_number());
    let res = g.get("/api/openprovider/list?limit=5&offset=0", Some(&staff)).await;
    assert_eq!(res.status(), 200);
    let id = scenarios::contact("namecom-due-soon").unwrap().verification_id.unwrap();
    let res = g
        .post(
            &format!("/api/namecom/support/resend?contact={id}"),
            &staff,
            json!({"operation": "resend"}),
            Some("s1"),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn an_intent_whose_answer_was_lost_is_not_sent_again() {
    let g = start().await;
    let t = token_for(&["openprovider-pending"]);
    // A claim left pending an hour ago by a process that died.
    let an_hour_ago = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let claim =
        g.gw.store
            .claim("openprovider", "openprovider-pending", "lost", "restart", an_hour_ago)
            .await;
    assert_eq!(claim.unwrap(), verification_gateway::store::Claim::New);
    let emails = g.sandbox.emails().await;
    let res = g
        .post(
            "/api/openprovider/resend?contact=openprovider-pending",
            &t,
            json!({"operation": "restart"}),
            Some("lost"),
        )
        .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "intent_unknown");
    assert_eq!(g.sandbox.emails().await, emails);
}

#[tokio::test]
async fn namecom_within_ten_minutes_of_a_change_reads_checking_not_verified() {
    let g = start().await;
    let changed = chrono::Utc::now() - chrono::TimeDelta::minutes(3);
    let token = sign(json!({"aud": "registrant-verification", "sub": "x", "role": "registrant",
        "iat": now(), "exp": now() + 600,
        "contacts": [{"id": "n-1", "provider": "namecom", "email": "just-changed@namecom.example",
                      "domains": ["just-changed.example"], "changedAt": changed.to_rfc3339()},
                     {"id": "n-2", "provider": "namecom", "email": "long-ago@namecom.example",
                      "domains": ["long-ago.example"],
                      "changedAt": (changed - chrono::TimeDelta::hours(1)).to_rfc3339()}]}));
    g.mirror_ready(&token, "n-1").await;
    let r = record(Provider::Namecom, g.get("/api/namecom/status?contact=n-1", Some(&token)).await)
        .await;
    assert_eq!(r.status, Status::Unknown, "not listed yet, changed 3 minutes ago");
    let r = record(Provider::Namecom, g.get("/api/namecom/status?contact=n-2", Some(&token)).await)
        .await;
    assert_eq!(r.status, Status::Verified, "not listed, changed an hour ago");
}

impl Gw {
    /// The staff queue of `provider`, as `(contact, state, at)`.
    async fn queue(&self, provider: &str) -> Vec<(String, String, String)> {
        let res = self.get(&format!("/api/{provider}/support/queue"), Some(&staff_token())).await;
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let text = |k: &str| i[k].as_str().unwrap().to_owned();
                (text("contact"), text("state"), text("at"))
            })
            .collect()
    }
}

#[tokio::test]
async fn the_staff_queue_lives_in_the_gateway_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("rv-queue-{}-{}", std::process::id(), now()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("gateway.sqlite3").display());
    let sandbox = Arc::new(common::start().await);
    // The registrars' clock is the gateway's: their "next eligible at"
    // times are real ones.
    sandbox.set_clock(&chrono::Utc::now().to_rfc3339()).await;
    let g = serve(sandbox.clone(), &db, |t| t).await;
    g.mirror_ready(&token_for(&["namecom-pending"]), "namecom-pending").await;
    let ids: Vec<String> = ["namecom-pending", "namecom-due-soon", "namecom-overdue"]
        .iter()
        .map(|k| scenarios::contact(k).unwrap().verification_id.unwrap().to_string())
        .collect();
    let items: Vec<Value> =
        ids.iter().map(|c| json!({"contact": c, "operation": "resend"})).collect();
    let queue = "/api/namecom/support/queue";
    let all = json!({ "items": items });
    // Only staff, from an allowed origin, with a well-formed body.
    let registrant = token_for(&["namecom-pending"]);
    assert_eq!(g.post(queue, &registrant, all.clone(), None).await.status(), 403);
    let bad = json!({"items": [{"contact": ids[0], "operation": "restart"}]});
    assert_eq!(g.post(queue, &staff_token(), bad, None).await.status(), 400, "not name.com's");
    let emails = sandbox.emails().await;
    let res = g.post(queue, &staff_token(), all.clone(), None).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // The gateway sends them, with no browser open.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let q = g.queue("namecom").await;
        if q.len() == 3 && q.iter().all(|(_, s, _)| s == "sent") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not sent: {q:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sandbox.emails().await - emails, 3, "one email each");
    // Again at once: each waits for its contact's cooldown (15 minutes).
    assert_eq!(g.post(queue, &staff_token(), all.clone(), None).await.status(), 200);
    let q = g.queue("namecom").await;
    let waiting: Vec<_> = q.iter().filter(|(_, s, _)| s == "waiting").collect();
    assert_eq!(waiting.len(), 3, "{q:?}");
    for (_, _, at) in &waiting {
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        assert!(at.timestamp() >= now() + 14 * 60, "after the cooldown: {at}");
    }
    // Queued twice while waiting: not added again.
    g.post(queue, &staff_token(), all, None).await;
    assert_eq!(g.queue("namecom").await.len(), 6);
    // A restart keeps the queue; another gateway on the store sees it.
    g.stop.send(true).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let g2 = serve(sandbox.clone(), &db, |t| t).await;
    let q = g2.queue("namecom").await;
    assert_eq!(q.iter().filter(|(_, s, _)| s == "waiting").count(), 3, "{q:?}");
    assert_eq!(q.iter().filter(|(_, s, _)| s == "sent").count(), 3, "{q:?}");
    assert_eq!(sandbox.emails().await - emails, 3, "nothing sent again by the restart");
    // Cancel drops what has not gone.
    let res = g2
        .client
        .delete(g2.url(queue))
        .bearer_auth(staff_token())
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let q = g2.queue("namecom").await;
    assert!(q.iter().all(|(_, s, _)| s == "sent"), "{q:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sandbox on a fixed port that can be stopped and started again there.
struct Restartable {
    addr: std::net::SocketAddr,
    stop: Option<(tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
}

impl Restartable {
    async fn start(addr: std::net::SocketAddr) -> (Restartable, Server) {
        let mut r = Restartable { addr, stop: None };
        let server = r.up().await;
        (r, server)
    }

    async fn up(&mut self) -> Server {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        let base = format!("http://{}", self.addr);
        let sandbox = std::sync::Arc::new(verification_sandbox::Sandbox::new());
        let app = axum::Router::new().nest("/sandbox", verification_sandbox::router(sandbox));
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.changed().await;
                })
                .await
                .unwrap();
        });
        self.stop = Some((tx, task));
        let server = Server { base, client: reqwest::Client::new() };
        server.set_clock(common::T0).await;
        server.reset().await;
        server
    }

    async fn down(&mut self) {
        if let Some((tx, task)) = self.stop.take() {
            let _ = tx.send(true);
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

/// `/readyz` until `check` holds, at most 20 s.
async fn readyz_until(g: &Gw, what: &str, check: impl Fn(u16, &Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let res = g.client.get(g.url("/readyz")).send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        if check(status, &body) {
            return body;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readiness_follows_the_registrars_by_itself_through_an_outage() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let (mut sandbox, server) = Restartable::start(addr).await;
    let g = serve(Arc::new(server), "sqlite::memory:", |t| {
        t.replace("cooldown_seconds = 900", "probe_interval_seconds = 1\nprobe_failures = 2")
    })
    .await;
    let body = readyz_until(&g, "ready at start", |s, _| s == 200).await;
    for p in ["openprovider", "dna", "namecom"] {
        assert_eq!(body["checks"][p]["ready"], true, "{body}");
    }
    // The probes (and the login the first one needed) are counted apart
    // from registrants' requests.
    let counted = g.sandbox.get_json("/sandbox/control/requests").await;
    let list = "/sandbox/openprovider/v1beta/customers/verifications/emails/domains";
    assert!(counted["byPath"].get(list).is_none(), "{counted}");
    assert!(
        counted["byPath"].get("/sandbox/openprovider/v1beta/auth/login").is_none(),
        "{counted}"
    );
    assert!(counted["probes"]["byPath"][list].as_u64().unwrap() >= 1, "{counted}");

    // The registrars go away: not ready within a few probes, with the
    // reason per registrar, and no registrant request is needed to see it.
    sandbox.down().await;
    let body = readyz_until(&g, "not ready in the outage", |s, b| {
        s == 503
            && b["checks"]["openprovider"]["ready"] == false
            && b["checks"]["dna"]["ready"] == false
    })
    .await;
    let reason = body["checks"]["openprovider"]["reason"].as_str().unwrap();
    assert!(reason.contains("connection failed"), "{body}");
    assert!(body["checks"]["openprovider"]["failures"].as_u64().unwrap() >= 2, "{body}");
    // name.com reads come from the mirror, fresh for two scan intervals.
    assert_eq!(body["checks"]["namecom"]["ready"], true, "{body}");

    // They come back: ready again after one good probe each, by itself.
    sandbox.up().await;
    let body = readyz_until(&g, "ready after the outage", |s, _| s == 200).await;
    assert_eq!(body["checks"]["openprovider"]["failures"], 0, "{body}");
    let _ = g.stop.send(true);
    sandbox.down().await;
}

#[tokio::test]
async fn the_widget_loads_from_another_origin_and_its_versioned_path_is_immutable() {
    let dir = std::env::temp_dir().join(format!("gw-widget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name":"x","version":"1.2.3"}"#).unwrap();
    std::fs::write(dir.join("define.js"), "export {};\n").unwrap();
    let widget_dir = dir.display().to_string();
    let g = start_with(|t| {
        t.replace("cooldown_seconds = 900", &format!("widget_dir = \"{widget_dir}\""))
    })
    .await;
    let get = |path: &str, origin: &str| {
        g.client.get(g.url(path)).header("origin", origin.to_owned()).send()
    };
    // The panel's origin may read the module (a module script is a CORS
    // request); another origin may not.
    let res = get("/widget/define.js", ORIGIN).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(res.headers()["cross-origin-resource-policy"], "cross-origin");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert_eq!(res.headers()["content-type"], "text/javascript; charset=utf-8");
    let res = get("/widget/define.js", "https://evil.example").await.unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    // The versioned path: the same file, cached for a year.
    let res = get("/widget/1.2.3/define.js", ORIGIN).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(res.text().await.unwrap(), "export {};\n");
    // Another version is not this one.
    assert_eq!(get("/widget/1.2.2/define.js", ORIGIN).await.unwrap().status(), 404);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A registrant token naming `contacts` (JSON claims as the panel writes them).
fn token_with(contacts: Value) -> String {
    sign(json!({"aud": "registrant-verification", "sub": "client-42", "role": "registrant",
                "iat": now(), "exp": now() + 600, "contacts": contacts}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_resends_at_once_with_their_own_keys_send_one_email() {
    let g = Arc::new(start().await);
    let c = scenarios::contact("openprovider-pending").unwrap();
    // One contact under three ids and two spellings of its address: the
    // cooldown is the registrar's contact, never the caller's string.
    let t = token_with(json!([
        {"id": "a", "provider": "openprovider", "email": c.email, "handle": c.handle},
        {"id": "b", "provider": "openprovider", "email": c.email.to_uppercase(), "handle": c.handle},
        {"id": "c", "provider": "openprovider", "email": format!(" {} ", c.email)},
    ]));
    let before = g.sandbox.emails().await;
    let mut all = Vec::new();
    for i in 0..40 {
        let (g, t) = (g.clone(), t.clone());
        let id = ["a", "b", "c"][i % 3];
        all.push(tokio::spawn(async move {
            if i % 4 == 3 {
                // Staff, by the address, at the same moment.
                let path = format!("/api/openprovider/support/resend?contact={}", c.email);
                let key = format!("staff-{i}");
                g.post(&path, &staff_token(), json!({"operation": "restart"}), Some(&key)).await
            } else {
                let path = format!("/api/openprovider/resend?contact={id}");
                let key = format!("key-{i}");
                g.post(&path, &t, json!({"operation": "restart"}), Some(&key)).await
            }
            .status()
            .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in all {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 429).count(), 39, "{codes:?}");
    assert_eq!(g.sandbox.emails().await - before, 1, "one email");
    let calls =
        g.requests("/sandbox/openprovider/v1beta/customers/verifications/emails/restart").await;
    assert_eq!(calls, 1, "one registrar call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn namecoms_registrant_and_staff_share_one_cooldown_and_a_failed_call_gives_it_back() {
    let g = Arc::new(start().await);
    let t = token_for(&["namecom-pending"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let id = scenarios::contact("namecom-pending").unwrap().verification_id.unwrap();
    // The registrar refuses the first call: nothing sent, nothing held.
    g.sandbox
        .client
        .post(g.sandbox.url("/sandbox/control/faults"))
        .json(&json!({"status": {"namecom.resend": 404}}))
        .send()
        .await
        .unwrap();
    let res = g
        .post(
            "/api/namecom/resend?contact=namecom-pending",
            &t,
            json!({"operation": "resend"}),
            Some("refused"),
        )
        .await;
    assert_eq!(res.status(), 404, "{}", res.text().await.unwrap());
    g.sandbox
        .client
        .post(g.sandbox.url("/sandbox/control/faults"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let before = g.sandbox.emails().await;
    let mut all = Vec::new();
    for i in 0..40 {
        let (g, t) = (g.clone(), t.clone());
        all.push(tokio::spawn(async move {
            let key = format!("k-{i}");
            if i % 2 == 0 {
                g.post(
                    "/api/namecom/resend?contact=namecom-pending",
                    &t,
                    json!({"operation": "resend"}),
                    Some(&key),
                )
                .await
            } else {
                let path = format!("/api/namecom/support/resend?contact={id}");
                g.post(&path, &staff_token(), json!({"operation": "resend"}), Some(&key)).await
            }
            .status()
            .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for h in all {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert_eq!(g.sandbox.emails().await - before, 1);
}

#[tokio::test]
async fn a_token_sees_and_resends_only_its_own_contact_never_one_its_address_names() {
    let g = start().await;
    let a = scenarios::contact("namecom-pending").unwrap();
    let b = scenarios::contact("namecom-neighbour")
        .or_else(|| scenarios::contact("namecom-overdue"))
        .unwrap();
    // A's verification id, B's address (the registrant set it in the panel).
    let t = token_with(json!([{
        "id": "me", "provider": "namecom", "email": b.email,
        "verificationId": a.verification_id, "domains": a.domains,
    }]));
    g.mirror_ready(&token_for(&["namecom-pending"]), "namecom-pending").await;
    let res = g.get("/api/namecom/status?contact=me", Some(&t)).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let text = body.to_string();
    assert!(text.contains(&a.domains[0]), "{text}");
    for d in &b.domains {
        assert!(!text.contains(d.as_str()), "B's domain {d} in {text}");
    }
    assert!(!text.contains(&b.verification_id.unwrap().to_string()), "{text}");
    // The resend goes to A's verification, never B's.
    let before = g.sandbox.emails_to(&b.email).await;
    let res = g
        .post("/api/namecom/resend?contact=me", &t, json!({"operation": "resend"}), Some("k"))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(g.sandbox.emails_to(&b.email).await, before, "nothing sent to B's verification");

    // Named by its address alone: nothing of anyone's, read as "checking".
    let bare = token_with(json!([{"id": "bare", "provider": "namecom", "email": b.email}]));
    let body: Value =
        g.get("/api/namecom/status?contact=bare", Some(&bare)).await.json().await.unwrap();
    assert_eq!(body["unverifiedContacts"], json!([]), "{body}");
    assert_eq!(body["nextPage"], 2, "not the last page: absence proves nothing");
}

#[tokio::test]
async fn an_openprovider_token_sees_only_its_handles_and_domains_rows() {
    let g = start().await;
    let c = scenarios::contact("openprovider-pending").unwrap();
    let rows = |t: String| {
        let g = &g;
        async move {
            let res = g.get("/api/openprovider/status?contact=x", Some(&t)).await;
            assert_eq!(res.status(), 200);
            let v: Value = res.json().await.unwrap();
            v["data"]["results"].as_array().unwrap().clone()
        }
    };
    let mine = rows(token_with(
        json!([{"id": "x", "provider": "openprovider", "email": c.email, "handle": c.handle}]),
    ))
    .await;
    assert_eq!(mine.len(), c.domains.len(), "{mine:?}");
    // Another handle at the same address: none of these rows.
    let other = rows(token_with(
        json!([{"id": "x", "provider": "openprovider", "email": c.email, "handle": "XX199999-XX"}]),
    ))
    .await;
    assert!(other.is_empty(), "{other:?}");
    // One domain named: that domain's row.
    let one = rows(token_with(json!([{"id": "x", "provider": "openprovider", "email": c.email, "handle": c.handle, "domains": [c.domains[0]]}]))).await;
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(one[0]["domain"], c.domains[0].as_str());
    // The address alone: no row of anyone's.
    let bare =
        rows(token_with(json!([{"id": "x", "provider": "openprovider", "email": c.email}]))).await;
    assert!(bare.is_empty(), "{bare:?}");
}

#[tokio::test]
async fn claim_times_and_pages_at_the_edges_get_a_clean_answer_and_the_gateway_lives_on() {
    let g = start().await;
    g.mirror_ready(&token_for(&["namecom-pending"]), "namecom-pending").await;
    let c = scenarios::contact("namecom-pending").unwrap();
    for changed in ["+262142-12-31T23:59:59Z", "-262143-01-01T00:00:00Z"] {
        let t = token_with(json!([{
            "id": "edge", "provider": "namecom", "email": c.email,
            "verificationId": c.verification_id, "domains": c.domains, "changedAt": changed,
        }]));
        let res = g.get("/api/namecom/status?contact=edge", Some(&t)).await;
        assert!(!res.status().is_server_error(), "{changed}: {}", res.status());
    }
    let res = g.get("/api/namecom/list?page=9223372036854775807", Some(&staff_token())).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "bad_page");
    let res =
        g.get("/api/namecom/list?page=1&perPage=-9223372036854775808", Some(&staff_token())).await;
    assert_eq!(res.status(), 200);
    assert_eq!(g.client.get(g.url("/healthz")).send().await.unwrap().status(), 200, "alive");
}

#[tokio::test]
async fn openproviders_token_is_sealed_in_the_store_and_the_database_is_the_owners_alone() {
    let dir = std::env::temp_dir().join(format!("gw-sealed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = format!("sqlite://{}", dir.join("state/gateway.db").display());
    let g = serve(Arc::new(common::start().await), &db, |t| t).await;
    let t = token_for(&["openprovider-pending"]);
    assert_eq!(
        g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await.status(),
        200
    );
    let (stored, _) = g.gw.store.kv_get("openprovider.token").await.unwrap().expect("stored");
    assert!(stored.starts_with("sealed-v1:"), "{stored}");
    // The sandbox's tokens are 32 hex digits: none in the clear (the sealed
    // form is base64 of a nonce, the token and a tag).
    let body = stored.trim_start_matches("sealed-v1:");
    assert!(!body.chars().all(|c| c.is_ascii_hexdigit()) && body.len() >= 70, "{stored}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("state/gateway.db")), 0o600);
        assert_eq!(mode(&dir.join("state")), 0o700);
    }
    let _ = g.stop.send(true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_replayed_signed_webhook_has_no_effect_and_a_large_body_is_refused() {
    let g = start().await;
    let t = token_for(&["namecom-pending"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let id = scenarios::contact("namecom-pending").unwrap().verification_id.unwrap();
    let url = g.url("/webhooks/namecom");
    let deliver = |status: &str, ts: i64| {
        let body = json!({"eventName": "contact.verification.status_change", "verificationId": id,
                          "domains": ["namecom-pending-shop.com"], "verification": {"status": status}})
        .to_string();
        g.client
            .post(&url)
            .header("x-namecom-signature", namecom_signature(&url, &body, ts))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let status = || async {
        record(
            Provider::Namecom,
            g.get("/api/namecom/status?contact=namecom-pending", Some(&t)).await,
        )
        .await
        .status
    };
    assert_eq!(deliver("verified", now()).await.unwrap().status(), 204);
    assert_eq!(status().await, Status::Verified);
    // The contact is listed again (the next scan), then the captured
    // delivery is sent again with a fresh timestamp and nonce: no effect.
    g.gw.namecom.as_ref().unwrap().scan().await.unwrap();
    g.sandbox.reset().await;
    g.gw.namecom.as_ref().unwrap().scan().await.unwrap();
    assert_eq!(status().await, Status::Pending);
    assert_eq!(deliver("verified", now() + 5).await.unwrap().status(), 204);
    assert_eq!(status().await, Status::Pending, "a replay changes nothing");
    let metrics = g.client.get(g.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("gateway_webhooks_replayed_total 1"), "{metrics}");
    // A megabyte is refused before anything is read.
    let big = "x".repeat(1024 * 1024);
    let res = g
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_reads_of_one_contact_make_one_registrar_call() {
    let g = Arc::new(start().await);
    let path = "/sandbox/openprovider/v1beta/customers/verifications/emails/domains";
    let before = g.requests(path).await;
    let mut all = Vec::new();
    for i in 0..500 {
        let g = g.clone();
        all.push(tokio::spawn(async move {
            // Fifty panel users, ten reads each, all of one contact.
            let c = scenarios::contact("openprovider-pending").unwrap();
            let t = token_with(json!([{"id": format!("c{}", i % 50), "provider": "openprovider",
                                       "email": c.email, "handle": c.handle}]));
            g.get(&format!("/api/openprovider/status?contact=c{}", i % 50), Some(&t)).await.status()
        }));
    }
    for h in all {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(g.requests(path).await - before, 1, "one call in flight, its answer reused");
    // A resend forgets it: the next read is the registrar's.
    let t = token_for(&["openprovider-pending"]);
    let res = g
        .post(
            "/api/openprovider/resend?contact=openprovider-pending",
            &t,
            json!({"operation": "restart"}),
            Some("r"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await.status(),
        200
    );
    assert_eq!(g.requests(path).await - before, 2);
}

#[tokio::test]
async fn one_token_reading_in_a_loop_is_slowed_down_with_a_time_to_wait() {
    let g = start().await;
    let t = token_for(&["openprovider-pending"]);
    let mut codes = Vec::new();
    let mut retry = None;
    for _ in 0..100 {
        let res = g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await;
        if res.status() == 429 {
            retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        }
        codes.push(res.status().as_u16());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 60, "the first 60 of a minute");
    assert_eq!(codes.iter().filter(|c| **c == 429).count(), 40);
    assert_eq!(retry.as_deref(), Some("1"), "one more read a second");
    // Another token is not slowed by this one.
    let other = token_for(&["openprovider-pending", "dna-pending"]);
    let res = g.get("/api/openprovider/status?contact=openprovider-pending", Some(&other)).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_streams_are_capped_per_token_and_in_all_and_end_with_their_token() {
    let g = start_with(|t| {
        t.replace("cooldown_seconds = 900", "event_streams_per_token = 5\nevent_streams_max = 8")
    })
    .await;
    let t = token_for(&["namecom-pending"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let open = |token: String| {
        let g = &g;
        async move { g.get("/api/namecom/events?contact=namecom-pending", Some(&token)).await }
    };
    // Twelve streams of one token: the newest five stay open.
    let mut streams = Vec::new();
    for _ in 0..12 {
        let res = open(t.clone()).await;
        assert_eq!(res.status(), 200);
        streams.push(res);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(g.gw.streams.total(), 5);
    // An older one has ended: its body finishes.
    let first = streams.remove(0);
    let body = tokio::time::timeout(Duration::from_secs(5), first.text()).await;
    assert!(body.is_ok(), "the oldest stream was closed");
    // Other tokens fill the instance to its maximum, then 503.
    let others: Vec<String> = (0..3).map(|i| {
        let c = scenarios::contact("namecom-pending").unwrap();
        token_with(json!([{"id": "namecom-pending", "provider": "namecom", "email": c.email,
                           "verificationId": c.verification_id, "domains": c.domains, "language": format!("x{i}")}]))
    }).collect();
    let mut held = Vec::new();
    for o in &others {
        held.push(open(o.clone()).await);
    }
    assert_eq!(held.iter().filter(|r| r.status() == 200).count(), 3);
    let res = open(token_for(&["namecom-pending", "namecom-verified"])).await;
    assert_eq!(res.status(), 503, "eight open: the instance's maximum");
    drop(held);
    drop(streams);
    // A stream ends when its token does.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let short = sign(
        json!({"aud": "registrant-verification", "sub": "client-42", "role": "registrant",
        "iat": now(), "exp": now() + 2, "contacts": [{"id": "namecom-pending", "provider": "namecom",
        "email": "pending@namecom.example", "verificationId": scenarios::contact("namecom-pending").unwrap().verification_id,
        "domains": ["namecom-pending-shop.com"]}]}),
    );
    let res = open(short).await;
    assert_eq!(res.status(), 200);
    let ended = tokio::time::timeout(Duration::from_secs(40), res.text()).await;
    assert!(ended.is_ok(), "the stream ended at the token's exp (with the leeway at most)");
}

#[tokio::test]
async fn readyz_and_metrics_take_the_operations_token_when_one_is_set() {
    let g = start_with(|t| {
        t.replace("cooldown_seconds = 900", "ops_token = \"ops-token-of-16-bytes-or-more\"")
    })
    .await;
    for path in ["/readyz", "/metrics"] {
        let res = g.client.get(g.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
        let res = g.client.get(g.url(path)).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
        let res = g
            .client
            .get(g.url(path))
            .bearer_auth("ops-token-of-16-bytes-or-more")
            .send()
            .await
            .unwrap();
        assert_ne!(res.status(), 401, "{path}");
    }
    assert_eq!(g.client.get(g.url("/healthz")).send().await.unwrap().status(), 200);
    // With `ops_listen`, the main address no longer serves them.
    let g2 =
        start_with(|t| t.replace("cooldown_seconds = 900", "ops_listen = \"127.0.0.1:0\"")).await;
    assert_eq!(g2.client.get(g2.url("/metrics")).send().await.unwrap().status(), 404);
    assert_eq!(g2.client.get(g2.url("/healthz")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_is_dropped_and_connections_are_bounded() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sandbox = Arc::new(common::start().await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let text = config_text(&sandbox.base, &format!("http://{addr}"), "sqlite::memory:");
    let config = GatewayConfig::parse(&text, std::path::Path::new("."), env).unwrap();
    let (_stop, rx) = tokio::sync::watch::channel(false);
    let gw = gateway::Gateway::new(config, rx).await.unwrap();
    let bounds =
        gateway::server::Bounds { header_read_timeout: Duration::from_secs(1), max_connections: 3 };
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(gateway::server::serve(listener, gateway::router(gw), bounds, async move {
        let _ = done_rx.await;
    }));
    // Half the headers, then nothing: closed within the timeout.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the stalled connection was not closed");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // Three held connections fill the listener: the fourth is closed at once.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_millis(900), extra.read_to_end(&mut buf)).await;
    assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "closed without an answer: {n:?} {buf:?}");
    // Once they go (the header timeout), a new one is served.
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let res = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let _ = done_tx.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_queue_and_registrants_resending_one_contact_at_once_send_one_email() {
    let g = Arc::new(start().await);
    let t = token_for(&["namecom-pending"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let c = scenarios::contact("namecom-pending").unwrap();
    let id = c.verification_id.unwrap();
    let before = g.sandbox.emails_to(&c.email).await;
    // The staff queue takes the contact while twenty registrant requests
    // (each its own key) arrive.
    let queued = {
        let g = g.clone();
        tokio::spawn(async move {
            let body = json!({"items": [{"contact": id.to_string(), "operation": "resend"}]});
            g.post("/api/namecom/support/queue", &staff_token(), body, None).await.status()
        })
    };
    let mut all = Vec::new();
    for i in 0..20 {
        let (g, t) = (g.clone(), t.clone());
        all.push(tokio::spawn(async move {
            let key = format!("q-{i}");
            g.post(
                "/api/namecom/resend?contact=namecom-pending",
                &t,
                json!({"operation": "resend"}),
                Some(&key),
            )
            .await
            .status()
            .as_u16()
        }));
    }
    assert_eq!(queued.await.unwrap(), 200);
    for h in all {
        assert!([200, 429].contains(&h.await.unwrap()));
    }
    // The queue's row is worked (sent, or waiting for the contact's cooldown).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let q = g.queue("namecom").await;
        if q.iter().all(|(_, s, _)| s == "sent" || s == "waiting") && !q.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{q:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(g.sandbox.emails_to(&c.email).await - before, 1, "one email in all");
}

#[tokio::test]
async fn a_refused_openprovider_login_in_each_form_backs_off_instead_of_trying_on_every_read() {
    for answer in [401, 500, 200] {
        let g = start_with(|t| {
            t.replace(
                &format!("password = \"{}\"", sandbox::OPENPROVIDER_PASSWORD),
                "password = \"a-rotated-password\"",
            )
            .replace(
                "cooldown_seconds = 900",
                "status_reuse_seconds = 0\nprobe_interval_seconds = 3600",
            )
        })
        .await;
        g.sandbox
            .client
            .post(g.sandbox.url("/sandbox/control/openprovider/tokens"))
            .json(&json!({"loginAnswer": answer}))
            .send()
            .await
            .unwrap();
        let t = token_for(&["openprovider-pending"]);
        let mut codes = Vec::new();
        for _ in 0..5 {
            let res =
                g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await;
            codes.push((res.status().as_u16(), res.headers().get("retry-after").is_some()));
        }
        // One login (the readiness probe's, at start, or the first read's):
        // then no more for a minute, each read answered 503 with a time.
        assert_eq!(g.logins().await, 1, "{answer}: {codes:?}");
        assert!(codes.iter().skip(1).all(|c| *c == (503, true)), "{answer}: {codes:?}");
        let ready: Value =
            g.client.get(g.url("/readyz")).send().await.unwrap().json().await.unwrap();
        let reason = ready["checks"]["openprovider"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("refused the login") || reason.contains("not calling"), "{ready}");
    }
}

#[tokio::test]
async fn openproviders_access_denied_stops_the_gateway_calling_and_says_why() {
    let g = start_with(|t| {
        t.replace(
            "cooldown_seconds = 900",
            "status_reuse_seconds = 0\nstatus_reads_per_minute = 0\nprobe_interval_seconds = 1",
        )
    })
    .await;
    let t = token_for(&["openprovider-pending"]);
    let list = "/sandbox/openprovider/v1beta/customers/verifications/emails/domains";
    // Identical reads past Openprovider's published 300 in 300 s.
    let mut last = 200;
    for _ in 0..320 {
        last = g
            .get("/api/openprovider/status?contact=openprovider-pending", Some(&t))
            .await
            .status()
            .as_u16();
        if last == 503 {
            break;
        }
    }
    assert_eq!(last, 503, "the block is answered 503");
    let calls = g.requests(list).await;
    for _ in 0..20 {
        let res = g.get("/api/openprovider/status?contact=openprovider-pending", Some(&t)).await;
        assert_eq!(res.status(), 503);
        assert!(res.headers().contains_key("retry-after"));
    }
    assert_eq!(g.requests(list).await, calls, "no call while blocked");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ready: Value = g.client.get(g.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["checks"]["openprovider"]["ready"], false, "{ready}");
    assert!(
        ready["checks"]["openprovider"]["reason"].as_str().unwrap().contains("10005"),
        "{ready}"
    );
}

#[tokio::test]
async fn namecoms_throttle_as_200_sent_false_is_a_cooldown_like_a_429() {
    let g = start().await;
    let t = token_for(&["namecom-pending"]);
    g.mirror_ready(&t, "namecom-pending").await;
    let id = scenarios::contact("namecom-pending").unwrap().verification_id.unwrap();
    // name.com's clock is the gateway's here (its times are compared).
    g.sandbox.set_clock(&chrono::Utc::now().to_rfc3339()).await;
    // Someone resent it a moment ago (straight at name.com).
    assert_eq!(g.sandbox.namecom_resend(id, None).await.status(), 200);
    g.sandbox
        .client
        .post(g.sandbox.url("/sandbox/control/faults"))
        .json(&json!({"namecom_throttle_as_not_sent": true}))
        .send()
        .await
        .unwrap();
    let res = g
        .post(
            "/api/namecom/resend?contact=namecom-pending",
            &t,
            json!({"operation": "resend"}),
            Some("a"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["sent"], false, "{body}");
    let next = body["nextEligibleAt"].as_str().unwrap().to_owned();
    // The core reads it as a cooldown, as the widget will.
    let ctx = Context::new(chrono::Utc::now());
    let text = body.to_string();
    let answer = verification_core::Response::new(200, &text);
    let o = verification_core::interpret_resend(Provider::Namecom, &answer, &ctx).unwrap();
    assert_eq!(o.outcome, verification_core::resend::ResendKind::Throttled);
    // And the gateway holds the contact until then: nothing more upstream.
    let calls = g.requests(&format!("/sandbox/namecom/core/v1/contacts/verify/{id}:resend")).await;
    let res = g
        .post(
            "/api/namecom/resend?contact=namecom-pending",
            &t,
            json!({"operation": "resend"}),
            Some("b"),
        )
        .await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert!(body["details"].as_str().unwrap().contains(&next[..16]), "{body} {next}");
    assert_eq!(
        g.requests(&format!("/sandbox/namecom/core/v1/contacts/verify/{id}:resend")).await,
        calls
    );
}
