//! `/openapi.json` against what the gateway's routes answer: every
//! documented operation, called as a client would (with and without a
//! token), answers a status the document lists for it, and where the
//! document says the body is the gateway's own error, it has the
//! `{error, message}` shape (a registrar's answer passed on keeps its own).

mod common;

use common::gw::*;
use serde_json::{json, Value};

fn url_of(path: &str) -> String {
    path.replace("{provider}", "openprovider").replace("{vid}", "1").replace("{token}", "1.x")
}

async fn call(g: &Gw, method: &str, path: &str, token: Option<&str>) -> (u16, String, String) {
    let url = format!("{}{}?contact=c-1", g.base, url_of(path));
    let mut req = match method {
        "get" => g.client.get(&url),
        "post" => {
            g.client.post(&url).header("origin", ORIGIN).json(&json!({"operation": "restart"}))
        }
        "delete" => g.client.delete(&url).header("origin", ORIGIN),
        other => panic!("{other}"),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    // An event stream's headers come at once; its body is not read.
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct =
        res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body =
        if ct.starts_with("text/event-stream") { String::new() } else { res.text().await.unwrap() };
    (status, ct, body)
}

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let g = start().await;
    let doc: Value = g.get("/openapi.json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let registrant = sign(
        json!({"aud": "registrant-verification", "sub": "client-42", "role": "registrant",
        "iat": chrono::Utc::now().timestamp(), "exp": chrono::Utc::now().timestamp() + 600,
        "contacts": [{"id": "c-1", "provider": "openprovider", "email": "pending@openprovider.example",
                      "handle": "XX100002-XX", "domains": ["openprovider-pending-shop.com"]}]}),
    );
    let staff = staff_token();
    let mut calls = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let documented: Vec<u16> =
                op["responses"].as_object().unwrap().keys().map(|k| k.parse().unwrap()).collect();
            let secured = op.get("security").is_some();
            let tokens: Vec<Option<&str>> = if secured {
                vec![None, Some(registrant.as_str()), Some(staff.as_str())]
            } else {
                vec![None]
            };
            for token in tokens {
                let (status, ct, body) = call(&g, method, path, token).await;
                calls += 1;
                // A role the operation is not for is refused (403), which
                // every secured operation documents or answers 401/404.
                assert!(
                    documented.contains(&status),
                    "{method} {path} with {}: {status} is not documented ({documented:?}): {body}",
                    if token.is_none() { "no token" } else { "a token" }
                );
                let own_error = op["responses"][status.to_string()]["content"]["application/json"]
                    ["schema"]["$ref"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("/ErrorBody"));
                if own_error && ct.starts_with("application/json") {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert!(
                        v["error"].is_string() && v["message"].is_string(),
                        "{method} {path}: {body}"
                    );
                }
            }
        }
    }
    assert!(calls >= 20, "{calls}");
    // The repository's copy is what the gateway serves.
    let kept: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/gateway/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(kept, doc);
}
