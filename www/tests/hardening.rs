//! Hardening of the pass-through: ownership, CSRF, rate limits, secrets,
//! name.com webhooks and events, the resend log, sandbox faults.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{namecom_signature, namecom_webhook, start, start_with, Binary, Server};
use reqwest::Response;
use serde_json::{json, Value};
use verification_core::resend::{interpret_resend, ResendKind};
use verification_core::{evaluate_response, Context, Provider};

const CSRF: (&str, &str) = ("X-Requested-With", "registrant-verification");
const OP_RESTART: &str = "/sandbox/openprovider/v1beta/customers/verifications/emails/restart";
const NAMECOM_PENDING: i64 = 98_752_464;
const NAMECOM_NEIGHBOUR: i64 = 98_752_469;

async fn get(s: &Server, cookie: &str, path: &str) -> Response {
    s.client.get(s.url(path)).header("cookie", cookie).send().await.unwrap()
}

async fn post_resend(
    s: &Server,
    cookie: &str,
    path: &str,
    body: Value,
    extra: &[(&str, &str)],
) -> Response {
    let mut req =
        s.client.post(s.url(path)).header("cookie", cookie).header(CSRF.0, CSRF.1).json(&body);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn error_code(res: Response) -> (u16, String) {
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap();
    (status, v["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn ownership_holds_against_body_path_and_query_tampering() {
    let s = start().await;
    let cookie = s.session().await;
    // Body naming another contact, in every registrar's words: refused.
    let path = "/api/openprovider/resend?contact=openprovider-pending";
    for extra in [
        json!({"email": "neighbour@openprovider.example"}),
        json!({"contact": "openprovider-neighbour"}),
        json!({"handle": "XX199999-XX"}),
        json!({"ContactEmail": "neighbour@dna.example"}),
        json!({"verificationId": NAMECOM_NEIGHBOUR}),
    ] {
        let mut body = json!({"operation": "restart"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let res = post_resend(&s, &cookie, path, body.clone(), &[]).await;
        assert_eq!(error_code(res).await, (403, "forbidden".into()), "{body}");
    }
    let res = post_resend(
        &s,
        &cookie,
        "/api/namecom/resend?contact=namecom-pending",
        json!({"operation": "resend", "verificationId": NAMECOM_NEIGHBOUR}),
        &[],
    )
    .await;
    assert_eq!(error_code(res).await, (403, "forbidden".into()));

    // Duplicated `contact`, in either order, on every endpoint.
    for q in [
        "contact=openprovider-pending&contact=openprovider-neighbour",
        "contact=openprovider-neighbour&contact=openprovider-pending",
        "contact=openprovider-pending&contact=openprovider-pending",
    ] {
        let res = get(&s, &cookie, &format!("/api/openprovider/status?{q}")).await;
        assert_eq!(error_code(res).await, (403, "forbidden".into()), "{q}");
        let res = post_resend(
            &s,
            &cookie,
            &format!("/api/openprovider/resend?{q}"),
            json!({"operation": "restart"}),
            &[],
        )
        .await;
        assert_eq!(error_code(res).await, (403, "forbidden".into()), "{q}");
    }
    let res =
        get(&s, &cookie, "/api/namecom/events?contact=namecom-pending&contact=namecom-neighbour")
            .await;
    assert_eq!(error_code(res).await, (403, "forbidden".into()));
    let res = get(&s, &cookie, "/api/namecom/events?contact=namecom-neighbour").await;
    assert_eq!(error_code(res).await, (403, "forbidden".into()));
    let res = get(&s, &cookie, "/api/namecom/events?contact=dna-pending").await;
    assert_eq!(res.status(), 400, "provider mismatch");

    // Unknown provider paths, including case and encoding games.
    for p in ["evil", "DNA", "Namecom", "dna%2F..", "openprovider%00"] {
        let res = get(&s, &cookie, &format!("/api/{p}/status?contact=dna-pending")).await;
        assert_eq!(res.status(), 404, "{p}");
        let res = post_resend(
            &s,
            &cookie,
            &format!("/api/{p}/resend?contact=dna-pending"),
            json!({"operation": "ResendContactVerificationNotice"}),
            &[],
        )
        .await;
        assert_eq!(res.status(), 404, "{p}");
    }
    let res = get(&s, &cookie, "/api/dna/status/../../sandbox/control/emails").await;
    assert_ne!(res.status(), 200);
    assert_eq!(s.upstream_requests().await, 0, "nothing went upstream");
    assert_eq!(s.emails().await, 0);

    // The untampered request still works and touches only the owned contact.
    let res = post_resend(&s, &cookie, path, json!({"operation": "restart"}), &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(s.emails_to("pending@openprovider.example").await, 1);
    assert_eq!(s.emails_to("neighbour@openprovider.example").await, 0);
}

#[tokio::test]
async fn csrf_refuses_cross_site_posts() {
    let s = start().await;
    let cookie = s.session().await;
    let path = "/api/dna/resend?contact=dna-pending";
    let body = json!({"operation": "ResendContactVerificationNotice"});
    let own_origin = s.base.clone();
    for headers in [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null")],
        vec![("Origin", "http://127.0.0.1.evil.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", own_origin.as_str()), ("Sec-Fetch-Site", "cross-site")],
    ] {
        let res = post_resend(&s, &cookie, path, body.clone(), &headers).await;
        assert_eq!(error_code(res).await, (403, "csrf".into()), "{headers:?}");
    }
    // Without the custom header, even same-origin.
    let res = s
        .client
        .post(s.url(path))
        .header("cookie", &cookie)
        .header("Origin", &own_origin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (403, "csrf".into()));
    assert_eq!(s.upstream_requests().await, 0);
    assert_eq!(s.emails().await, 0);

    // Same-origin browser requests pass.
    let res = post_resend(
        &s,
        &cookie,
        path,
        body.clone(),
        &[("Origin", own_origin.as_str()), ("Sec-Fetch-Site", "same-origin")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(s.emails().await, 1);
}

/// Every provider's adapter reads the pass-through's 429 as "wait until
/// `reset`".
fn assert_core_reads_429(body: &str, headers: &[(&str, &str)], reset: DateTime<Utc>) {
    let ctx = Context::new(Utc::now()).single_contact();
    let resp = verification_core::Response::new(429, body).with_headers(headers);
    for provider in Provider::ALL {
        let out = interpret_resend(provider, &resp, &ctx).unwrap();
        assert_eq!(out.outcome, ResendKind::Throttled, "{provider}");
        assert_eq!(out.next_eligible_at, Some(reset), "{provider}");
        let err = evaluate_response(provider, &resp, &ctx).unwrap_err();
        assert_eq!(err.retry_at(), Some(reset), "{provider} status: {err}");
    }
    // The prose alone says when too, without the headers.
    for provider in Provider::ALL {
        let resp = verification_core::Response::new(429, body);
        let out = interpret_resend(provider, &resp, &ctx).unwrap();
        assert_eq!((out.outcome, out.next_eligible_at), (ResendKind::Throttled, Some(reset)));
    }
}

async fn limited_parts(res: Response) -> (String, Vec<(String, String)>, DateTime<Utc>) {
    assert_eq!(res.status(), 429);
    let headers: Vec<(String, String)> = ["retry-after", "x-ratelimit-reset", "content-type"]
        .iter()
        .map(|h| (h.to_string(), res.headers()[*h].to_str().unwrap().to_owned()))
        .collect();
    let reset: i64 = headers[1].1.parse().unwrap();
    let retry_after: i64 = headers[0].1.parse().unwrap();
    let now = Utc::now().timestamp();
    assert!((reset - now - retry_after).abs() <= 2, "Retry-After agrees with the reset");
    let body = res.text().await.unwrap();
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["message"], "Too many requests");
    assert_eq!(v["error"], "rate_limited");
    let reset = DateTime::from_timestamp(reset, 0).unwrap();
    assert_eq!(
        v["details"],
        format!("Next eligible at: {}", reset.format("%Y-%m-%dT%H:%M:%S+00:00"))
    );
    (body, headers, reset)
}

#[tokio::test]
async fn rate_limits_answer_429_before_upstream_in_a_shape_the_core_reads() {
    let s = start().await;
    let cookie = s.session().await;
    let path = "/api/openprovider/resend?contact=openprovider-pending";
    let restart = json!({"operation": "restart"});
    for i in 0..5 {
        let key = format!("k{i}");
        let res =
            post_resend(&s, &cookie, path, restart.clone(), &[("X-Idempotency-Key", &key)]).await;
        assert_eq!(res.status(), 200, "resend {i}");
    }
    // A retry of an intent already counted is not a new one.
    let res = post_resend(&s, &cookie, path, restart.clone(), &[("X-Idempotency-Key", "k0")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-idempotent-replay"], "1");
    let upstream = s.upstream_requests().await;
    // The sixth intent on this contact within 15 minutes, from any session.
    let other = s.session().await;
    let res = post_resend(&s, &other, path, restart.clone(), &[("X-Idempotency-Key", "k5")]).await;
    let (body, headers, reset) = limited_parts(res).await;
    let wait = reset - Utc::now();
    assert!(
        wait > chrono::TimeDelta::minutes(14) && wait <= chrono::TimeDelta::seconds(15 * 60 + 1)
    );
    assert_eq!(s.upstream_requests().await, upstream, "nothing went upstream");
    assert_eq!(s.emails_to("pending@openprovider.example").await, 5);
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_core_reads_429(&body, &h, reset);
    // Other contacts are not affected.
    let res = post_resend(
        &s,
        &cookie,
        "/api/openprovider/resend?contact=openprovider-expired",
        restart.clone(),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);

    // name.com: the pass-through's 429 reads as Throttled in the widget.
    let nc = "/api/namecom/resend?contact=namecom-due-soon";
    for i in 0..5 {
        let key = format!("nc{i}");
        let res = post_resend(
            &s,
            &cookie,
            nc,
            json!({"operation": "resend"}),
            &[("X-Idempotency-Key", &key)],
        )
        .await;
        // The first is sent; name.com throttles the rest itself.
        assert_eq!(res.status(), if i == 0 { 200 } else { 429 });
        assert!(res.json::<Value>().await.unwrap().get("error").is_none(), "name.com's own");
    }
    let upstream = s.upstream_requests().await;
    let res =
        post_resend(&s, &cookie, nc, json!({"operation": "resend"}), &[("X-Idempotency-Key", "x")])
            .await;
    let (body, headers, reset) = limited_parts(res).await;
    assert_eq!(s.upstream_requests().await, upstream);
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let ctx = Context::new(Utc::now()).single_contact();
    let out = interpret_resend(
        Provider::Namecom,
        &verification_core::Response::new(429, &body).with_headers(&h),
        &ctx,
    )
    .unwrap();
    assert_eq!((out.outcome, out.next_eligible_at), (ResendKind::Throttled, Some(reset)));

    // Status: 60 per minute per session.
    let fresh = s.session().await;
    for i in 0..60 {
        let res = get(&s, &fresh, "/api/dna/status?contact=dna-pending").await;
        assert_eq!(res.status(), 200, "status {i}");
    }
    let upstream = s.upstream_requests().await;
    let res = get(&s, &fresh, "/api/dna/status?contact=dna-pending").await;
    let (body, headers, reset) = limited_parts(res).await;
    assert!(reset - Utc::now() <= chrono::TimeDelta::seconds(61));
    let res = get(&s, &fresh, "/api/namecom/events?contact=namecom-pending").await;
    assert_eq!(res.status(), 429, "event streams count as status reads");
    assert_eq!(s.upstream_requests().await, upstream);
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_core_reads_429(&body, &h, reset);
    let res = get(&s, &cookie, "/api/dna/status?contact=dna-pending").await;
    assert_eq!(res.status(), 200, "another session has its own budget");
}

/// The resend log's database, read as the gateway's store writes it.
async fn open_log(path: &std::path::Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap()
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("www-hardening-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("resend-log.sqlite3")
}

#[tokio::test]
async fn credentials_stay_out_of_error_answers_logs_and_the_resend_log() {
    const DNA_USER: &str = "dna-user-Q1w2E3";
    const DNA_PASS: &str = "dna-pass-R4t5Y6";
    const NC_USER: &str = "nc-user-U7i8O9";
    const NC_TOKEN: &str = "nc-token-P0a1S2";
    const OP_TOKEN: &str = "op-token-D3f4G5";
    let log = temp_path("secrets");
    // DNA: nobody listens (502). name.com and Openprovider: the sandbox
    // refuses these credentials (401).
    let bin = Binary::start(&[
        ("DNA_BASE_URL", "http://127.0.0.1:9/dna"),
        ("DNA_USERNAME", DNA_USER),
        ("DNA_PASSWORD", DNA_PASS),
        ("NAMECOM_USERNAME", NC_USER),
        ("NAMECOM_TOKEN", NC_TOKEN),
        ("OPENPROVIDER_TOKEN", OP_TOKEN),
        ("RESEND_LOG", log.to_str().unwrap()),
    ]);
    let s = bin.server();
    let cookie = s.session().await;
    let mut answers = Vec::new();
    for (p, contact, op) in [
        ("dna", "dna-pending", "ResendContactVerificationNotice"),
        ("namecom", "namecom-pending", "resend"),
        ("openprovider", "openprovider-pending", "restart"),
    ] {
        answers.push(get(&s, &cookie, &format!("/api/{p}/status?contact={contact}")).await);
        answers.push(
            post_resend(
                &s,
                &cookie,
                &format!("/api/{p}/resend?contact={contact}"),
                json!({"operation": op}),
                &[("X-Idempotency-Key", "key-1")],
            )
            .await,
        );
    }
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [502, 502, 401, 401, 401, 401]);
    // A webhook with a bad signature is logged too.
    let res = s
        .client
        .post(s.url("/webhooks/namecom"))
        .header("X-NAMECOM-SIGNATURE", "sha256=00,1,n")
        .body(namecom_webhook(NAMECOM_PENDING, "verified"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let mut texts = Vec::new();
    for res in answers {
        texts.push(format!("{:?}", res.headers()));
        texts.push(res.text().await.unwrap());
    }
    assert!(texts[1].contains("upstream_unavailable"));
    let output = bin.kill();
    assert!(output.contains("upstream dna request failed: connection failed"), "{output}");
    assert!(output.contains("namecom webhook rejected"), "{output}");
    let db = std::fs::read(&log).unwrap();
    let wal = std::fs::read(log.with_extension("sqlite3-wal")).unwrap_or_default();
    let db = String::from_utf8_lossy(&[db, wal].concat()).into_owned();
    assert!(db.contains("pending@openprovider.example"), "the resends were logged");
    let basic = common::base64_encode(&format!("{NC_USER}:{NC_TOKEN}"));
    for secret in [DNA_USER, DNA_PASS, NC_USER, NC_TOKEN, OP_TOKEN, basic.as_str()] {
        for t in &texts {
            assert!(!t.contains(secret), "{secret} in an answer: {t}");
        }
        assert!(!output.contains(secret), "{secret} in the server's output: {output}");
        assert!(!db.contains(secret), "{secret} in the resend log");
    }
    let _ = std::fs::remove_dir_all(log.parent().unwrap());
}

#[tokio::test]
async fn namecom_webhook_needs_a_fresh_valid_signature_then_updates_the_status() {
    let s = start().await;
    let cookie = s.session().await;
    let url = s.url("/webhooks/namecom");
    let body = namecom_webhook(NAMECOM_PENDING, "verified");
    let now = Utc::now().timestamp();
    let listed = |v: &Value| v["totalCount"].as_u64().unwrap();
    let status = || async {
        get(&s, &cookie, "/api/namecom/status?contact=namecom-pending")
            .await
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_eq!(listed(&status().await), 1);
    let wrong_token = format!(
        "sha256={},{now},n",
        verification_core::webhook::sign(&url, &body, "another-token").unwrap()
    );
    let other_url = namecom_signature("https://reseller.example/webhooks/namecom", &body, now);
    let tampered = namecom_webhook(NAMECOM_PENDING, "unverified");
    for (header, sent) in [
        (None, body.clone()),
        (Some(String::new()), body.clone()),
        (Some("garbage".to_owned()), body.clone()),
        (Some(wrong_token), body.clone()),
        (Some(other_url), body.clone()),
        (Some(namecom_signature(&url, &body, now - 305)), body.clone()),
        (Some(namecom_signature(&url, &body, now + 305)), body.clone()),
        (Some(namecom_signature(&url, &tampered, now)), body.clone()),
    ] {
        let mut req = s.client.post(&url).body(sent);
        if let Some(h) = &header {
            req = req.header("X-NAMECOM-SIGNATURE", h);
        }
        let res = req.send().await.unwrap();
        assert_eq!(error_code(res).await, (401, "bad_signature".into()), "{header:?}");
    }
    assert_eq!(listed(&status().await), 1, "nothing was stored");

    let res = s
        .client
        .post(&url)
        .header("X-NAMECOM-SIGNATURE", namecom_signature(&url, &body, now))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let v = status().await;
    assert_eq!(listed(&v), 0, "verified: no longer in the unverified list");
    let ctx = Context::new(Utc::now()).single_contact();
    let rec = &evaluate_response(
        Provider::Namecom,
        &verification_core::Response::ok(&v.to_string()),
        &ctx,
    )
    .unwrap()
    .records[0];
    assert_eq!(rec.status, verification_core::Status::Verified);

    // And back: a signed "unverified" lists it again.
    let res = s
        .client
        .post(&url)
        .header("X-NAMECOM-SIGNATURE", namecom_signature(&url, &tampered, now))
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(listed(&status().await), 1);

    // Signed but not a webhook the core can read.
    let junk = r#"{"eventName":"something.else"}"#;
    let res = s
        .client
        .post(&url)
        .header("X-NAMECOM-SIGNATURE", namecom_signature(&url, junk, now))
        .body(junk)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(res).await, (400, "bad_webhook".into()));
}

#[tokio::test]
async fn configured_webhook_url_is_the_one_signed() {
    let public = "https://panel.reseller.example/hooks/namecom?tenant=7";
    let s = start_with(|c| c.namecom_webhook_url = public.to_owned()).await;
    let body = namecom_webhook(NAMECOM_PENDING, "verified");
    let now = Utc::now().timestamp();
    for (url, expect) in [(s.url("/webhooks/namecom"), 401), (public.to_owned(), 204)] {
        let res = s
            .client
            .post(s.url("/webhooks/namecom"))
            .header("X-NAMECOM-SIGNATURE", namecom_signature(&url, &body, now))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expect, "signed for {url}");
    }
}

/// Reads an event stream until `want` shows up (or 5 s pass).
async fn read_until(res: &mut Response, buf: &mut String, want: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !buf.contains(want) {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} in {buf:?}"))
            .unwrap()
            .expect("the stream stays open");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn namecom_events_stream_accepted_webhooks_to_the_owner_only() {
    let s = start_with(|c| c.sse_keep_alive = Duration::from_millis(200)).await;
    let cookie = s.session().await;
    let res =
        s.client.get(s.url("/api/namecom/events?contact=namecom-pending")).send().await.unwrap();
    assert_eq!(res.status(), 401, "needs a session");
    let mut pending = get(&s, &cookie, "/api/namecom/events?contact=namecom-pending").await;
    assert_eq!(pending.status(), 200);
    assert!(pending.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut other = get(&s, &cookie, "/api/namecom/events?contact=namecom-due-soon").await;
    assert_eq!(other.status(), 200);
    let mut buf = String::new();
    read_until(&mut pending, &mut buf, ": keep-alive").await;

    let url = s.url("/webhooks/namecom");
    let now = Utc::now().timestamp();
    let send = |body: String, sig: String| {
        let req = s.client.post(&url).header("X-NAMECOM-SIGNATURE", sig).body(body);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Another registrant's verification, and a forged one: not delivered.
    let neighbour = namecom_webhook(NAMECOM_NEIGHBOUR, "verified");
    assert_eq!(send(neighbour.clone(), namecom_signature(&url, &neighbour, now)).await, 204);
    let forged = namecom_webhook(NAMECOM_PENDING, "unverified");
    assert_eq!(send(forged.clone(), namecom_signature(&url, &forged, now - 600)).await, 401);
    let body = namecom_webhook(NAMECOM_PENDING, "verified");
    assert_eq!(send(body.clone(), namecom_signature(&url, &body, now)).await, 204);

    read_until(&mut pending, &mut buf, "event: verification").await;
    let start = buf.find("event: verification").unwrap();
    let mut rest = buf[start..].to_owned();
    read_until(&mut pending, &mut rest, "\n\n").await;
    buf.truncate(start);
    buf.push_str(&rest);
    let event = &buf[start..];
    let data =
        event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or_else(|| panic!("{buf:?}"));
    let got: Value = serde_json::from_str(data).unwrap();
    assert_eq!(got, serde_json::from_str::<Value>(&body).unwrap());
    assert_eq!(buf.matches("event: verification").count(), 1, "{buf}");
    assert!(!buf.contains(&NAMECOM_NEIGHBOUR.to_string()));

    // The other contact's stream only saw keep-alives.
    let mut other_buf = String::new();
    read_until(&mut other, &mut other_buf, ": keep-alive").await;
    assert!(!other_buf.contains("event:"), "{other_buf}");
}

#[tokio::test]
async fn every_forwarded_resend_is_logged_with_its_answer() {
    let log = temp_path("inproc");
    let path = log.clone();
    let s = start_with(move |c| c.resend_log = path).await;
    let cookie = s.session().await;
    let res = post_resend(
        &s,
        &cookie,
        "/api/dna/resend?contact=dna-expired",
        json!({"operation": "ResendContactVerificationNotice"}),
        &[("X-Idempotency-Key", "log-1")],
    )
    .await;
    assert_eq!(res.status(), 200);
    // A replay and a refused request are not forwarded, so not logged.
    let _ = post_resend(
        &s,
        &cookie,
        "/api/dna/resend?contact=dna-expired",
        json!({"operation": "ResendContactVerificationNotice"}),
        &[("X-Idempotency-Key", "log-1")],
    )
    .await;
    let _ = post_resend(
        &s,
        &cookie,
        "/api/dna/resend?contact=dna-neighbour",
        json!({"operation": "ResendContactVerificationNotice"}),
        &[],
    )
    .await;
    let res = post_resend(
        &s,
        &cookie,
        "/api/namecom/resend?contact=namecom-pending",
        json!({"operation": "resend"}),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    let db = open_log(&log).await;
    type Row = (String, String, String, String, String, String, Option<String>, i64, String);
    let rows: Vec<(Row, Option<String>)> = sqlx::query_as::<
        _,
        (
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            i64,
            String,
            Option<String>,
        ),
    >(
        "SELECT registrant, provider, contact, email, domains, operation, idempotency_key,
         upstream_status, upstream_body, error FROM resends ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .unwrap()
    .into_iter()
    .map(|r| ((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8), r.9))
    .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (dna, err) = &rows[0];
    assert_eq!(err, &None);
    assert_eq!(
        (dna.0.as_str(), dna.1.as_str(), dna.2.as_str(), dna.3.as_str()),
        ("registrant-1001", "dna", "dna-expired", "expired@dna.example")
    );
    assert_eq!(dna.4, r#"["dna-expired-shop.com"]"#);
    assert_eq!(
        (dna.5.as_str(), dna.6.as_deref(), dna.7),
        ("ResendContactVerificationNotice", Some("log-1"), 200)
    );
    assert!(dna.8.contains("SUCCESS"));
    let (nc, _) = &rows[1];
    assert_eq!((nc.2.as_str(), nc.6.as_deref(), nc.7), ("namecom-pending", None, 200));
    assert!(nc.8.contains("\"sent\":true"));
    db.close().await;
    let _ = std::fs::remove_dir_all(log.parent().unwrap());
}

#[tokio::test]
async fn resend_log_row_survives_sigkill_while_the_registrar_hangs() {
    let log = temp_path("sigkill");
    let bin = Binary::start(&[("RESEND_LOG", log.to_str().unwrap())]);
    let s = bin.server();
    let res = s
        .client
        .post(s.url("/sandbox/control/faults"))
        .json(&json!({"hang": ["openprovider.restart"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = s.session().await;
    let in_flight = {
        let s = s.clone();
        let cookie = cookie.clone();
        tokio::spawn(async move {
            s.client
                .post(s.url("/api/openprovider/resend?contact=openprovider-pending"))
                .header("cookie", cookie)
                .header(CSRF.0, CSRF.1)
                .header("X-Idempotency-Key", "intent-42")
                .json(&json!({"operation": "restart"}))
                .send()
                .await
        })
    };
    // Wait until the registrar has the request (the log row was written
    // before it was sent), then kill the server mid-request.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let reqs = s.get_json("/sandbox/control/requests").await;
        if reqs["byPath"][OP_RESTART] == 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the resend never reached the registrar");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = bin.kill();
    assert!(in_flight.await.unwrap().is_err(), "the request died with the server");

    let db = open_log(&log).await;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&db).await.unwrap();
    assert_eq!(check, "ok");
    type Unanswered = (String, String, String, String, Option<i64>, Option<String>, Option<String>);
    let rows: Vec<Unanswered> = sqlx::query_as(
        "SELECT contact, email, operation, idempotency_key, upstream_status, upstream_body,
         error FROM resends",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [(
            "openprovider-pending".to_owned(),
            "pending@openprovider.example".to_owned(),
            "restart".to_owned(),
            "intent-42".to_owned(),
            None,
            None,
            None
        )],
        "recorded before sending, outcome unknown"
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(log.parent().unwrap());
}

#[tokio::test]
async fn sandbox_fault_switches_apply_per_endpoint_and_reset() {
    let s = start().await;
    let cookie = s.session().await;
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

    // Through the pass-through, unchanged.
    let res = get(&s, &cookie, "/api/openprovider/status?contact=openprovider-pending").await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.json::<Value>().await.unwrap()["message"], "Sandbox fault: HTTP 500");
    let res = get(&s, &cookie, "/api/dna/status?contact=dna-pending").await;
    assert_eq!(res.status(), 502);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("<h1>502 Bad Gateway</h1>"));
    let res = get(&s, &cookie, "/api/namecom/status?contact=namecom-pending").await;
    assert_eq!(res.status(), 200);
    assert!(serde_json::from_str::<Value>(&res.text().await.unwrap()).is_err());
    let t = std::time::Instant::now();
    let res = post_resend(
        &s,
        &cookie,
        "/api/dna/resend?contact=dna-pending",
        json!({"operation": "ResendContactVerificationNotice"}),
        &[],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300), "delayed");
    assert_eq!(s.emails_to("pending@dna.example").await, 1, "a delay still runs the handler");
    // A hang never answers.
    let hung = s
        .client
        .post(s.url(OP_RESTART))
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
    let res = get(&s, &cookie, "/api/openprovider/status?contact=openprovider-pending").await;
    assert_eq!(res.status(), 200);
    let (code, _) = s.op_post("restart", json!({"email": "pending@openprovider.example"})).await;
    assert_eq!(code, 200);
}
