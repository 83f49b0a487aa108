//! A bounded load report of the gateway (`serve`) on loopback: a report,
//! not a test.
//!
//! ```text
//! cargo run -q --release -p verification-www --example gateway_load -- [--reads 2000] [--concurrency 32]
//! ```
//!
//! Then the store's cost: Openprovider status reads and resends (each its
//! own intent, no cooldown) per second, p50 and p99, on SQLite with one
//! instance and on a throwaway PostgreSQL cluster with one and with two
//! instances (requests alternating between them).
//!
//! Starts the demo's sandbox and one gateway in process on 127.0.0.1 (an
//! in-memory SQLite store, the sandbox as all three registrars, 3,000
//! name.com contacts), mints registrant tokens as a panel would, and per
//! provider makes `--reads` status reads with `--concurrency` at once. It
//! prints, per provider: reads per second, p50 and p99 latency, and the
//! upstream calls per status read (counted by the sandbox; name.com's come
//! from the mirror, so its reads make none beyond the scans). Every read
//! must answer 200; the run stops after 120 s in any case.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use verification_gateway::{self as gateway, config::GatewayConfig};
use verification_sandbox::{self as sandbox, scenarios};

const SECRET: &str = "load-report-secret-of-at-least-32-bytes!";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
}

async fn listen() -> (tokio::net::TcpListener, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    (l, base)
}

async fn upstream_total(client: &reqwest::Client, sandbox: &str) -> u64 {
    let v: Value = client
        .get(format!("{sandbox}/sandbox/control/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["total"].as_u64().unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A gateway on `database`, in front of the sandbox at `sandbox_url`.
async fn gateway(sandbox_url: &str, database: &str, extra: &str) -> String {
    let (l, base) = listen().await;
    let registrars =
        sandbox::gateway_registrars(sandbox_url, &format!("{base}/webhooks/namecom"), 600);
    let text = format!(
        r#"
database = "{database}"
{extra}
[tokens]
audience = "registrant-verification"
hs256_secret = "{SECRET}"
{registrars}"#
    );
    let config = GatewayConfig::parse(&text, std::path::Path::new("."), |_| None).unwrap();
    let (stop, rx) = tokio::sync::watch::channel(false);
    std::mem::forget(stop);
    let gw = gateway::Gateway::new(config, rx).await.unwrap();
    gw.start();
    let app = gateway::router(gw);
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(Instant::now() < deadline, "the gateway never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    base
}

/// `n` requests, `concurrency` at once, alternating over `bases`: made by
/// `send(base, i)`, each must answer one of `ok`; (per second, p50, p99).
async fn measure<F, Fut>(
    bases: &[String],
    n: usize,
    concurrency: usize,
    ok: &'static [u16],
    send: F,
) -> (f64, Duration, Duration)
where
    F: Fn(String, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let bases = Arc::new(bases.to_vec());
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, bases, send) = (next.clone(), bases.clone(), send.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                let status = send(bases[i % bases.len()].clone(), i).await;
                assert!(ok.contains(&status), "request {i} answered {status}");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(n);
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let took = started.elapsed();
    all.sort();
    (all.len() as f64 / took.as_secs_f64(), percentile(&all, 0.5), percentile(&all, 0.99))
}

/// The store's part: Openprovider status reads and resends through `bases`.
async fn store_rows(label: &str, bases: &[String], n: usize, concurrency: usize) {
    let c = scenarios::contact("openprovider-pending").unwrap();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"aud": "registrant-verification", "sub": "load", "role": "registrant",
        "iat": now, "exp": now + 3600,
        "contacts": [{"id": "op", "provider": "openprovider", "email": c.email}]});
    let token =
        encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap();
    let client = reqwest::Client::new();
    let (t, cl) = (token.clone(), client.clone());
    let reads = measure(bases, n, concurrency, &[200], move |base, _| {
        let (t, cl) = (t.clone(), cl.clone());
        async move {
            let res = cl
                .get(format!("{base}/api/openprovider/status?contact=op"))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    })
    .await;
    let run = format!("{:08x}", now);
    // Concurrent intents of one contact may meet its (zero) cooldown set
    // by an intent that started later: 429 is an answer too.
    let resends = measure(bases, n / 4, concurrency, &[200, 429], move |base, i| {
        let (t, cl, run) = (token.clone(), client.clone(), run.clone());
        async move {
            let res = cl
                .post(format!("{base}/api/openprovider/resend?contact=op"))
                .bearer_auth(&t)
                .header("x-idempotency-key", format!("{run}-{i}"))
                .json(&json!({"operation": "restart"}))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    })
    .await;
    for (what, (rate, p50, p99)) in [("status reads", reads), ("resends", resends)] {
        println!(
            "| {label} | {what} | {rate:.0} | {:.1} ms | {:.1} ms |",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0
        );
    }
}

#[tokio::main]
async fn main() {
    let reads = arg("--reads", 2000);
    let concurrency = arg("--concurrency", 32).max(1);
    let deadline = Instant::now() + Duration::from_secs(120);

    // The sandbox, its clock real.
    let (l, sandbox_url) = listen().await;
    let sandbox = std::sync::Arc::new(verification_sandbox::Sandbox::new());
    let registrars = axum::Router::new().nest("/sandbox", verification_sandbox::router(sandbox));
    tokio::spawn(async move { axum::serve(l, registrars).await.unwrap() });
    let client = reqwest::Client::new();
    client
        .post(format!("{sandbox_url}/sandbox/control/seed"))
        .json(&json!({"provider": "namecom", "count": 3000}))
        .send()
        .await
        .unwrap();

    // One gateway.
    let base = gateway(&sandbox_url, "sqlite::memory:", "").await;

    println!("gateway load report: {reads} status reads per provider, {concurrency} at once, one instance, loopback");
    println!("| provider | reads/s | p50 | p99 | upstream calls per read |");
    println!("| --- | --- | --- | --- | --- |");
    for key in ["namecom-pending", "openprovider-pending", "dna-pending"] {
        let c = scenarios::contact(key).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = json!({"aud": "registrant-verification", "sub": "load", "role": "registrant",
            "iat": now, "exp": now + 3600,
            "contacts": [{"id": key, "provider": c.provider.as_str(), "email": c.email,
                          "verificationId": c.verification_id, "handle": c.handle}]});
        let token =
            encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes()))
                .unwrap();
        let url = Arc::new(format!("{base}/api/{}/status?contact={key}", c.provider.as_str()));
        let before = upstream_total(&client, &sandbox_url).await;
        let started = Instant::now();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let (client, url, token, next) =
                (client.clone(), url.clone(), token.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < reads {
                    if Instant::now() > deadline {
                        break;
                    }
                    let t = Instant::now();
                    let res = client.get(url.as_str()).bearer_auth(&token).send().await.unwrap();
                    assert_eq!(res.status(), 200, "every read answers 200");
                    let _ = res.bytes().await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut all = Vec::with_capacity(reads);
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let took = started.elapsed();
        all.sort();
        let calls = upstream_total(&client, &sandbox_url).await - before;
        println!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {:.3} |",
            c.provider.as_str(),
            all.len() as f64 / took.as_secs_f64(),
            percentile(&all, 0.5).as_secs_f64() * 1000.0,
            percentile(&all, 0.99).as_secs_f64() * 1000.0,
            calls as f64 / all.len().max(1) as f64,
        );
    }

    // The store: SQLite, then PostgreSQL with one and two instances.
    println!();
    println!("store report: Openprovider status reads ({reads}) and resends ({}, each its own intent, no cooldown), {concurrency} at once", reads / 4);
    println!("| store | what | per second | p50 | p99 |");
    println!("| --- | --- | --- | --- | --- |");
    let sqlite = gateway(&sandbox_url, "sqlite::memory:", "cooldown_seconds = 0").await;
    store_rows("SQLite, 1 instance", &[sqlite], reads, concurrency).await;
    match verification_gateway::testing::Postgres::start() {
        Ok(pg) => {
            let one = gateway(&sandbox_url, &pg.url(), "cooldown_seconds = 0").await;
            store_rows("PostgreSQL, 1 instance", std::slice::from_ref(&one), reads, concurrency)
                .await;
            let two = gateway(&sandbox_url, &pg.url(), "cooldown_seconds = 0").await;
            store_rows("PostgreSQL, 2 instances", &[one, two], reads, concurrency).await;
        }
        Err(e) => println!("| PostgreSQL | not measured: {e} | | | |"),
    }
}
