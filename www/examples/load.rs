//! A bounded load test of the pass-through on loopback.
//!
//! ```text
//! cargo run -q -p verification-www --example load -- [--sessions 50] [--status 50] [--resends 20]
//! ```
//!
//! Starts the server in-process on 127.0.0.1 (sandbox upstreams, default
//! rate limits, a temporary resend log), opens `--sessions` demo sessions
//! and runs them concurrently. Each session reads `--status` statuses
//! (round-robin over its contacts, under the 60/min limit) and makes
//! `--resends` resend intents, each with its own idempotency key; every
//! third intent is sent twice in a row and every fifth twice at once
//! (a double click). Then it checks:
//!
//! - no 5xx and no transport error; every status read answered 200;
//! - no intent produced two emails, and the sandbox's email count equals
//!   the number of intents whose first answer the core reads as `Sent`.
//!
//! and prints requests, concurrency, duration, p50/p99 latency and req/s.
//! Everything is bounded: a fixed number of requests, 120 s at most.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{json, Value};
use verification_core::resend::{interpret_resend, ResendKind};
use verification_core::{Context, Response};
use verification_www::scenarios::{registry, DEMO_REGISTRANT};

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    by_status: std::collections::BTreeMap<u16, u64>,
    transport_errors: u64,
    status_not_ok: u64,
    /// Intents whose non-replayed answers the core read as Sent, per intent.
    sent_per_intent: Vec<(String, u64)>,
}

struct Answer {
    status: u16,
    replay: bool,
    headers: Vec<(String, String)>,
    body: String,
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
}

async fn timed(tally: &mut Tally, req: reqwest::RequestBuilder) -> Option<Answer> {
    let t = Instant::now();
    let res = req.send().await;
    let answer = match res {
        Ok(res) => {
            let status = res.status().as_u16();
            let replay = res.headers().contains_key("x-idempotent-replay");
            let headers = ["x-ratelimit-reset", "retry-after"]
                .iter()
                .filter_map(|h| {
                    Some((h.to_string(), res.headers().get(*h)?.to_str().ok()?.to_owned()))
                })
                .collect();
            match res.text().await {
                Ok(body) => Some(Answer { status, replay, headers, body }),
                Err(_) => None,
            }
        }
        Err(_) => None,
    };
    tally.latencies.push(t.elapsed());
    match &answer {
        Some(a) => *tally.by_status.entry(a.status).or_default() += 1,
        None => tally.transport_errors += 1,
    }
    answer
}

fn sent(provider: verification_core::Provider, a: &Answer) -> bool {
    if a.replay {
        return false;
    }
    let headers: Vec<(&str, &str)> =
        a.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp = Response::new(a.status, &a.body).with_headers(&headers);
    interpret_resend(provider, &resp, &Context::new(Utc::now()))
        .is_ok_and(|o| o.outcome == ResendKind::Sent)
}

async fn session_run(base: Arc<String>, n: usize, statuses: usize, resends: usize) -> Tally {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let mut tally = Tally::default();
    let res = client.get(format!("{base}/")).send().await.expect("the panel answers");
    let cookie =
        res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let contacts: Vec<_> = registry().iter().filter(|c| c.owner == DEMO_REGISTRANT).collect();
    let (mut s, mut r) = (0, 0);
    while s < statuses || r < resends {
        if s < statuses {
            let c = contacts[(n + s) % contacts.len()];
            let p = c.provider.as_str();
            let req = client
                .get(format!("{base}/api/{p}/status?contact={}", c.key))
                .header("cookie", &cookie);
            if let Some(a) = timed(&mut tally, req).await {
                if a.status != 200 {
                    tally.status_not_ok += 1;
                }
            }
            s += 1;
        }
        if r < resends && s % 2 == 0 {
            let c = contacts[(n * 7 + r) % contacts.len()];
            let p = c.provider.as_str();
            let op = match c.provider {
                verification_core::Provider::Dna => "ResendContactVerificationNotice",
                verification_core::Provider::Namecom => "resend",
                verification_core::Provider::Openprovider => {
                    if c.state == "not-started" {
                        "start"
                    } else {
                        "restart"
                    }
                }
            };
            let key = format!("load-{n}-{r}");
            let make = || {
                client
                    .post(format!("{base}/api/{p}/resend?contact={}", c.key))
                    .header("cookie", &cookie)
                    .header("X-Requested-With", "registrant-verification")
                    .header("X-Idempotency-Key", &key)
                    .json(&json!({ "operation": op }))
            };
            let mut count = 0;
            if r % 5 == 0 {
                // A double click: two at once.
                let (mut t1, mut t2) = (Tally::default(), Tally::default());
                let (a, b) = tokio::join!(timed(&mut t1, make()), timed(&mut t2, make()));
                for t in [t1, t2] {
                    tally.latencies.extend(t.latencies);
                    tally.transport_errors += t.transport_errors;
                    for (k, v) in t.by_status {
                        *tally.by_status.entry(k).or_default() += v;
                    }
                }
                count += [a, b].iter().flatten().filter(|a| sent(c.provider, a)).count() as u64;
            } else {
                if let Some(a) = timed(&mut tally, make()).await {
                    count += u64::from(sent(c.provider, &a));
                }
                if r % 3 == 0 {
                    // A retry of the same intent.
                    if let Some(a) = timed(&mut tally, make()).await {
                        count += u64::from(sent(c.provider, &a));
                    }
                }
            }
            tally.sent_per_intent.push((key, count));
            r += 1;
        }
    }
    tally
}

#[tokio::main]
async fn main() {
    let sessions = arg("--sessions", 50);
    let statuses = arg("--status", 50).min(60);
    let resends = arg("--resends", 20);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let base = format!("http://{addr}");
    let mut config = verification_www::Config::sandbox(&base, "/nonexistent");
    // A real file: the load includes the log's synced writes.
    let log = std::env::temp_dir().join(format!("www-load-{}.sqlite3", std::process::id()));
    config.resend_log = log.clone();
    tokio::spawn(async move {
        axum::serve(listener, verification_www::app(config)).await.unwrap();
    });
    let base = Arc::new(base);

    let started = Instant::now();
    let tasks: Vec<_> = (0..sessions)
        .map(|n| tokio::spawn(session_run(base.clone(), n, statuses, resends)))
        .collect();
    let mut all = Tally::default();
    let joined = tokio::time::timeout(Duration::from_secs(120), async {
        for t in tasks {
            let t = t.await.expect("a session task panicked");
            all.latencies.extend(t.latencies);
            all.transport_errors += t.transport_errors;
            all.status_not_ok += t.status_not_ok;
            for (k, v) in t.by_status {
                *all.by_status.entry(k).or_default() += v;
            }
            all.sent_per_intent.extend(t.sent_per_intent);
        }
    })
    .await;
    let elapsed = started.elapsed();
    assert!(joined.is_ok(), "the run took longer than 120 s");

    let emails: Value =
        reqwest::get(format!("{base}/sandbox/control/emails")).await.unwrap().json().await.unwrap();
    let emails = emails["total"].as_u64().unwrap();
    for ext in ["sqlite3", "sqlite3-wal", "sqlite3-shm"] {
        let _ = std::fs::remove_file(log.with_extension(ext));
    }

    let mut lat = all.latencies.clone();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let requests = lat.len();
    let intents = all.sent_per_intent.len();
    let sent_intents = all.sent_per_intent.iter().filter(|(_, n)| *n > 0).count() as u64;
    let duplicated: Vec<_> = all.sent_per_intent.iter().filter(|(_, n)| *n > 1).collect();
    let server_errors: u64 = all.by_status.range(500..).map(|(_, n)| n).sum();

    println!("requests:      {requests}");
    println!("concurrency:   {sessions} sessions");
    println!("duration:      {:.2} s", elapsed.as_secs_f64());
    println!("latency p50:   {:.1} ms", pct(0.50).as_secs_f64() * 1000.0);
    println!("latency p99:   {:.1} ms", pct(0.99).as_secs_f64() * 1000.0);
    println!("throughput:    {:.0} req/s", requests as f64 / elapsed.as_secs_f64());
    println!("by status:     {:?}", all.by_status);
    println!("resend intents: {intents}, sent: {sent_intents}, sandbox emails: {emails}");

    assert_eq!(all.transport_errors, 0, "transport errors");
    assert_eq!(server_errors, 0, "5xx answers");
    assert_eq!(all.status_not_ok, 0, "every status read is 200");
    assert!(duplicated.is_empty(), "intents sent twice: {duplicated:?}");
    assert_eq!(emails, sent_intents, "one email per intent the registrar accepted");
    println!("ok");
}
