//! Whatever a client sends (query strings, headers, bodies, token claims
//! signed with the panel's key), no route of the gateway panics, and none
//! answers 5xx but for the store or a registrar being out of reach (here the
//! registrars are an address nothing listens on: 502, and name.com's mirror
//! never fills: 503). Driven through the router in process.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use jsonwebtoken::{encode, EncodingKey, Header};
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;
use verification_gateway::{self as gateway, config::GatewayConfig};

const SECRET: &str = "router-properties-secret-of-32-bytes!!";
const ORIGIN: &str = "https://panel.example";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap())
}

fn router() -> &'static axum::Router {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        runtime().block_on(async {
            // Nothing listens on port 9 of loopback: every registrar call
            // fails at once.
            let nowhere = "http://127.0.0.1:9";
            let text = format!(
                r#"
allowed_origins = ["{ORIGIN}"]
database = "sqlite::memory:"
upstream_timeout_seconds = 2
[tokens]
audience = "registrant-verification"
hs256_secret = "{SECRET}"
[namecom]
base_url = "{nowhere}"
username = "u"
token = "namecom-token-123"
webhook_url = "https://gw.example/webhooks/namecom"
[openprovider]
base_url = "{nowhere}"
username = "u"
password = "openprovider-pass"
[dna]
base_url = "{nowhere}"
username = "u"
password = "dna-pass"
"#
            );
            let config = GatewayConfig::parse(&text, std::path::Path::new("."), |_| None).unwrap();
            let (_stop, rx) = tokio::sync::watch::channel(false);
            std::mem::forget(_stop);
            let gw = gateway::Gateway::new(config, rx).await.unwrap();
            gateway::router(gw)
        })
    })
}

/// Claim times at the edges: now, the past, far futures, i64's ends.
fn a_time() -> impl Strategy<Value = Value> {
    let now = chrono::Utc::now().timestamp();
    prop_oneof![
        Just(json!(now)),
        Just(json!(now + 300)),
        Just(json!(now - 300)),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(0)),
        Just(json!(1e300)),
        Just(json!("soon")),
        any::<i64>().prop_map(|n| json!(n)),
    ]
}

fn a_string() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("c-1")),
        Just(json!("pending@openprovider.example")),
        Just(json!("+262142-12-31T23:59:59Z")),
        Just(json!("-262143-01-01T00:00:00Z")),
        Just(json!("98752464")),
        Just(json!("9223372036854775807")),
        Just(json!(null)),
        Just(json!(42)),
        Just(json!([])),
        ".{0,40}".prop_map(|s| json!(s)),
    ]
}

fn a_contact() -> impl Strategy<Value = Value> {
    (
        a_string(),
        prop_oneof![Just("namecom"), Just("openprovider"), Just("dna"), Just("x")],
        a_string(),
        a_string(),
        a_string(),
        proptest::collection::vec(".{0,12}", 0..3),
        a_string(),
        a_string(),
    )
        .prop_map(|(id, provider, email, handle, vid, domains, changed, language)| {
            json!({"id": id, "provider": provider, "email": email, "handle": handle,
                   "verificationId": vid, "domains": domains, "changedAt": changed,
                   "language": language})
        })
}

fn a_token() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        ".{0,60}".prop_map(Some),
        (
            prop_oneof![Just("registrant"), Just("staff"), Just("admin")],
            a_time(),
            a_time(),
            proptest::collection::vec(a_contact(), 0..3),
            a_string(),
        )
            .prop_map(|(role, exp, iat, contacts, sub)| {
                let now = chrono::Utc::now().timestamp();
                // Mostly a valid life, so the handlers behind the check run.
                let exp = if exp.is_i64() { exp } else { json!(now + 300) };
                let claims = json!({"aud": "registrant-verification", "sub": sub, "role": role,
                                    "exp": exp, "iat": iat, "contacts": contacts});
                let key = EncodingKey::from_secret(SECRET.as_bytes());
                encode(&Header::default(), &claims, &key).ok()
            }),
    ]
}

fn a_request() -> impl Strategy<Value = (String, String, Option<String>, Vec<u8>, Option<String>)> {
    let provider = prop_oneof![Just("namecom"), Just("openprovider"), Just("dna"), Just("zz")];
    let route = (provider, 0usize..14, "[a-zA-Z0-9._%-]{0,20}").prop_map(|(p, i, seg)| {
        let (method, path) = [
            ("GET", format!("/api/{p}/status")),
            ("POST", format!("/api/{p}/resend")),
            ("GET", "/api/namecom/events".to_owned()),
            ("GET", format!("/api/{p}/list")),
            ("POST", format!("/api/{p}/support/resend")),
            ("GET", format!("/api/{p}/support/queue")),
            ("POST", format!("/api/{p}/support/queue")),
            ("DELETE", format!("/api/{p}/support/queue")),
            ("POST", "/webhooks/namecom".to_owned()),
            ("GET", format!("/verify/{seg}/{seg}.{seg}")),
            ("POST", format!("/verify/{seg}/{seg}")),
            ("POST", format!("/verify/{seg}/{seg}/new")),
            ("GET", "/readyz".to_owned()),
            ("GET", format!("/{seg}")),
        ][i]
            .clone();
        (method.to_owned(), path)
    });
    let query = prop_oneof![
        Just(String::new()),
        Just("contact=c-1".to_owned()),
        Just("page=9223372036854775807&perPage=-9223372036854775808".to_owned()),
        Just("limit=99999999999999999999&offset=-1".to_owned()),
        "[a-zA-Z0-9=&%._-]{0,60}",
    ];
    let body = prop_oneof![
        Just(b"{\"operation\":\"restart\"}".to_vec()),
        Just(b"{\"operation\":\"resend\"}".to_vec()),
        Just(b"{\"items\":[{\"contact\":\"1\",\"operation\":\"resend\"}]}".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..200),
    ];
    let key = prop_oneof![Just(None), ".{0,250}".prop_map(Some)];
    (route, query, a_token(), body, key).prop_map(|((m, p), q, t, b, k)| {
        let uri = if q.is_empty() { p } else { format!("{p}?{q}") };
        (m, uri, t, b, k)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_input_makes_a_route_panic_or_fail_on_its_own((method, uri, token, body, key) in a_request()) {
        let mut req = Request::builder().method(method.as_str()).uri(&uri).header("origin", ORIGIN);
        if let Some(t) = &token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(k) = key.as_deref().filter(|k| axum::http::HeaderValue::from_str(k).is_ok()) {
            req = req.header("x-idempotency-key", k);
        }
        let Ok(req) = req.body(Body::from(body)) else { return Ok(()) };
        let res = runtime().block_on(router().clone().oneshot(req)).unwrap();
        let status = res.status();
        prop_assert!(
            !status.is_server_error()
                || [StatusCode::BAD_GATEWAY, StatusCode::SERVICE_UNAVAILABLE, StatusCode::GATEWAY_TIMEOUT].contains(&status),
            "{method} {uri}: {status}"
        );
    }
}
