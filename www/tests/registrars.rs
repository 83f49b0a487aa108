//! The gateway against the registrars' published contracts: Domain Name
//! API's contract read from its WSDL (namespaces, nested results), the
//! registrars' zones for offset-less timestamps, Openprovider's published
//! login limits in the sandbox.

mod common;

use std::time::Duration;

use common::gw::*;
use serde_json::{json, Value};
use verification_core::{Provider, Status};
use verification_sandbox as sandbox;

/// `/readyz`'s DNA check once the first probe has read (or failed to read)
/// the WSDL.
async fn dna_contract(g: &Gw) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body: Value = g.get("/readyz", None).await.json().await.unwrap();
        let dna = body["checks"]["dna"].clone();
        if dna["checkedAt"].is_string() {
            return dna;
        }
        assert!(tokio::time::Instant::now() < deadline, "no DNA probe: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn faults(g: &Gw, body: Value) {
    let res = g
        .client
        .post(format!("{}/sandbox/control/faults", g.sandbox.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn dna_contract_comes_from_the_wsdl_and_the_old_default_reaches_dna_without_a_contact() {
    let g = start().await;
    let dna = dna_contract(&g).await;
    assert_eq!(dna["contract"]["confirmed"], true, "{dna}");
    assert_eq!(dna["contract"]["detail"], "the contract is read from the WSDL");
    let t = token_for(&["dna-pending"]);
    let r =
        record(Provider::Dna, g.get("/api/dna/status?contact=dna-pending", Some(&t)).await).await;
    assert_eq!((r.status, r.email.as_deref()), (Status::Pending, Some("pending@dna.example")));

    // The old default: `ContactEmail` in the credentials' namespace. WCF
    // (and the sandbox) ignore it: DNA sees no contact.
    let g = start_with(|t| {
        t.replace(
            &format!("password = \"{}\"\n", sandbox::DNA_PASSWORD),
            &format!(
                "password = \"{}\"\nfields_namespace = \"http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts\"\n",
                sandbox::DNA_PASSWORD
            ),
        )
    })
    .await;
    let dna = dna_contract(&g).await;
    let detail = dna["contract"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("field `ContactEmail`'s namespace is `http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts` (from `fields_namespace`), the WSDL says `http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts`: remove `fields_namespace` from the config"),
        "{detail}"
    );
    let res = g.get("/api/dna/status?contact=dna-pending", Some(&t)).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["OperationResult"], "ERROR", "{body}");
    assert_eq!(body["ErrorCode"], "2003", "{body}");
}

#[tokio::test]
async fn without_the_wsdl_dna_is_called_by_domainapis_conventions_and_readyz_says_so() {
    let g = start().await;
    faults(&g, json!({"status": {"dna.wsdl": 404}})).await;
    // A gateway started while the WSDL is missing.
    let g2 = serve(g.sandbox.clone(), "sqlite::memory:", |t| {
        t.replace("cooldown_seconds = 900", "cooldown_seconds = 900\nprobe_interval_seconds = 1")
    })
    .await;
    let dna = dna_contract(&g2).await;
    assert_eq!(dna["contract"]["confirmed"], false, "{dna}");
    assert_eq!(
        dna["contract"]["detail"],
        "the contract is unconfirmed (the WSDL answered HTTP 404); calling with DomainApi.svc's conventions"
    );
    assert_eq!(dna["ready"], true, "GetDetails itself answers: {dna}");
    let t = token_for(&["dna-pending"]);
    let r =
        record(Provider::Dna, g2.get("/api/dna/status?contact=dna-pending", Some(&t)).await).await;
    assert_eq!(r.status, Status::Pending);
    // The WSDL read by a later probe: confirmed.
    faults(&g, json!({})).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body: Value = g2.get("/readyz", None).await.json().await.unwrap();
        if body["checks"]["dna"]["contract"]["confirmed"] == true {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never confirmed: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn dna_nested_and_flat_answers_read_alike() {
    let g = start().await;
    let t = token_for(&["dna-pending", "dna-verified"]);
    for flat in [false, true] {
        faults(&g, json!({"dna_flat": flat})).await;
        let pending =
            record(Provider::Dna, g.get("/api/dna/status?contact=dna-pending", Some(&t)).await)
                .await;
        assert_eq!(pending.status, Status::Pending, "flat: {flat}");
        assert!(pending.deadline.is_some(), "flat: {flat}");
    }
    // What the sandbox answers: flat (the switch is still on), then nested.
    let ask = || {
        g.client
            .post(format!("{}/sandbox/dna/ContactApi.svc", g.sandbox.base))
            .header("soapaction", "\"http://tempuri.org/IContactApi/GetDetails\"")
            .header("content-type", "text/xml; charset=utf-8")
            .body(format!(
                r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://tempuri.org/" xmlns:a="http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts" xmlns:b="http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts"><s:Body><t:GetDetails><t:request><a:Password>{}</a:Password><a:UserName>{}</a:UserName><b:ContactEmail>pending@dna.example</b:ContactEmail></t:request></t:GetDetails></s:Body></s:Envelope>"#,
                sandbox::DNA_PASSWORD,
                sandbox::DNA_USERNAME
            ))
            .send()
    };
    let flat = ask().await.unwrap().text().await.unwrap();
    assert!(!flat.contains("ContactInfo") && flat.contains("<b:VerificationStatus>"), "{flat}");
    faults(&g, json!({})).await;
    let nested = ask().await.unwrap().text().await.unwrap();
    assert!(nested.contains("<b:ContactInfo><b:ContactEmail>pending@dna.example"), "{nested}");
    let wsdl = g
        .client
        .get(format!("{}/sandbox/dna/ContactApi.svc?singleWsdl", g.sandbox.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wsdl.contains(r#"name="ContactInfo""#), "the WSDL describes the nesting");
}

/// The `ExpirationDate` (or `expiration_date`) the widget receives.
async fn first_date(g: &Gw, path: &str, token: &str, key: &str) -> String {
    let body: Value = g.get(path, Some(token)).await.json().await.unwrap();
    fn find(v: &Value, key: &str) -> Option<String> {
        match v {
            Value::Object(m) => m
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| m.values().find_map(|v| find(v, key))),
            Value::Array(a) => a.iter().find_map(|v| find(v, key)),
            _ => None,
        }
    }
    find(&body, key).unwrap_or_else(|| panic!("no {key} in {body}"))
}

#[tokio::test]
async fn dna_in_istanbul_reaches_the_widget_as_the_instant_dna_meant() {
    // The sandbox's clock is 2026-03-01T12:00Z; dna-pending's key lapses
    // 12 days later, which DNA in Istanbul writes as 15:00 local.
    let plain = start().await;
    faults(&plain, json!({"zones": {"dna": "Europe/Istanbul"}})).await;
    let t = token_for(&["dna-pending"]);
    let path = "/api/dna/status?contact=dna-pending";
    // Read as UTC (no `timezone`): three hours late.
    assert_eq!(first_date(&plain, path, &t, "ExpirationDate").await, "2026-03-13T15:00:00");
    let late = record(Provider::Dna, plain.get(path, Some(&t)).await).await;
    assert_eq!(late.deadline.unwrap().to_rfc3339(), "2026-03-13T15:00:00+00:00");
    let g = serve(plain.sandbox.clone(), "sqlite::memory:", |t| {
        t.replace("[dna]\n", "[dna]\ntimezone = \"Europe/Istanbul\"\n")
    })
    .await;
    assert_eq!(first_date(&g, path, &t, "ExpirationDate").await, "2026-03-13T12:00:00Z");
    let r = record(Provider::Dna, g.get(path, Some(&t)).await).await;
    assert_eq!(r.deadline.unwrap().to_rfc3339(), "2026-03-13T12:00:00+00:00");
}

#[tokio::test]
async fn openprovider_in_amsterdam_across_the_march_change() {
    // Clock before the change (CET, +1), deadline after it (CEST, +2):
    // 9 days after 2026-03-25T10:00Z is 2026-04-03T10:00Z, 12:00 local.
    let g = start().await;
    g.sandbox.set_clock("2026-03-25T10:00:00Z").await;
    g.sandbox.reset().await;
    faults(&g, json!({"zones": {"openprovider": "Europe/Amsterdam"}})).await;
    let t = token_for(&["openprovider-pending"]);
    let path = "/api/openprovider/status?contact=openprovider-pending";
    let g = serve(g.sandbox.clone(), "sqlite::memory:", |t| {
        t.replace("[openprovider]\n", "[openprovider]\ntimezone = \"Europe/Amsterdam\"\n")
    })
    .await;
    assert_eq!(first_date(&g, path, &t, "expiration_date").await, "2026-04-03T10:00:00Z");
    let raw = g.sandbox.op_list("?email=pending%40openprovider.example").await.1.to_string();
    assert!(raw.contains("2026-04-03 12:00:00"), "the registrar's local time: {raw}");
}

#[tokio::test]
async fn the_sandbox_keeps_openproviders_published_login_limits() {
    let s = common::start().await;
    let login = |password: &'static str| {
        let s = s.clone();
        async move {
            let res = s
                .client
                .post(s.url("/sandbox/openprovider/v1beta/auth/login"))
                .json(&json!({"username": sandbox::OPENPROVIDER_USERNAME, "password": password, "ip": "0.0.0.0"}))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, body)
        }
    };
    // 30 logins a minute; the 31st is refused.
    for _ in 0..sandbox::openprovider::LOGINS_PER_MINUTE {
        assert_eq!(login(sandbox::OPENPROVIDER_PASSWORD).await.0, 200);
    }
    let (status, body) = login(sandbox::OPENPROVIDER_PASSWORD).await;
    assert_eq!((status, body["code"].as_u64()), (401, Some(196)), "{body}");
    assert!(body["desc"].as_str().unwrap().contains("30 logins"), "{body}");
    let unblock = || {
        s.client
            .post(s.url("/sandbox/control/openprovider/tokens"))
            .json(&json!({"unblock": true}))
            .send()
    };
    unblock().await.unwrap();
    // 100 failed logins in an hour block the account: the right password
    // too, for 20 minutes.
    for i in 0..sandbox::openprovider::FAILED_LOGINS_PER_HOUR {
        if i % 25 == 0 {
            // Stay under 30 a minute (the window is cleared as a minute
            // passing would).
            let res = s
                .client
                .post(s.url("/sandbox/control/openprovider/tokens"))
                .json(&json!({"clearLoginRate": true}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        }
        assert_eq!(login("wrong").await.1["code"], 196);
    }
    let (status, body) = login(sandbox::OPENPROVIDER_PASSWORD).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["desc"].as_str().unwrap().contains("blocked for 20 minutes"), "{body}");
    let state: Value = s.get_json("/sandbox/control/openprovider/tokens").await;
    assert_eq!(state["accountBlocked"], true);
}
