//! `[namecom.own_verification]`: the gateway sends the ICANN emails itself
//! through a real SMTP server process (`verification-www mailcatcher`, a
//! separate process speaking SMTP), verifies through its link page with
//! Verify Contact, and keeps the logs name.com may ask for. The registrar
//! is the demo's sandbox, its clock (and the gateway's) moved through the
//! days of a verification.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use common::Server;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use verification_gateway::{self as gateway, config::GatewayConfig};
use verification_sandbox as sandbox;
use verification_www::mailcatcher::{Caught, Read};

const SECRET: &str = "gateway-test-secret-of-at-least-32-bytes";
const ORIGIN: &str = "https://panel.example";

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).unwrap();
        let p = std::env::temp_dir().join(format!("{name}-{:016x}", u64::from_le_bytes(b)));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The SMTP server process.
struct Sink {
    child: Child,
    dir: TempDir,
    port: u16,
}

impl Sink {
    fn start() -> Sink {
        use std::io::{BufRead, BufReader};
        let dir = TempDir::new("own-sink");
        let mut child = Command::new(env!("CARGO_BIN_EXE_verification-www"))
            .args(["mailcatcher", "--port", "0", "--dir"])
            .arg(&dir.0)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line
            .split("smtp://127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("startup line: {line:?}"));
        Sink { child, dir, port }
    }

    fn set_mode(&self, mode: &str) {
        std::fs::write(self.dir.0.join("mode"), mode).unwrap();
    }

    /// Every message received, in order.
    fn messages(&self) -> Vec<Read> {
        let mut found: Vec<(usize, PathBuf)> = std::fs::read_dir(&self.dir.0)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                Some((name.strip_suffix(".eml")?.parse().ok()?, e.path()))
            })
            .collect();
        found.sort();
        found
            .into_iter()
            .map(|(id, p)| {
                let mut m =
                    Caught { id, at: Utc::now(), to: vec![], raw: std::fs::read(p).unwrap() }
                        .read();
                // As a mail client shows it: `/` is escaped in the HTML.
                m.html = m.html.replace("&#x2f;", "/");
                m
            })
            .collect()
    }

    fn to(&self, address: &str) -> Vec<Read> {
        self.messages().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    }

    /// Waits until `address` has received `n` messages.
    async fn wait_for(&self, address: &str, n: usize) -> Vec<Read> {
        let start = Instant::now();
        loop {
            let got = self.to(address);
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{address} got {} of {n} emails: {:?}",
                got.len(),
                got.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sandbox, the mail sink, a store on disk, and the shared clock.
struct World {
    sandbox: Server,
    sink: Sink,
    dir: TempDir,
    now: Arc<Mutex<DateTime<Utc>>>,
    extra: String,
}

struct Gw {
    base: String,
    client: reqwest::Client,
    gw: Arc<gateway::Gateway>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for Gw {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(common::T0).unwrap().with_timezone(&Utc)
}

impl World {
    async fn new(extra: &str) -> World {
        let sandbox = common::start().await;
        World {
            sandbox,
            sink: Sink::start(),
            dir: TempDir::new("own-store"),
            now: Arc::new(Mutex::new(t0())),
            extra: extra.to_owned(),
        }
    }

    fn config(&self, base: &str) -> String {
        format!(
            r#"
listen = "127.0.0.1:0"
allowed_origins = ["{ORIGIN}"]
database = "sqlite://{db}"
cooldown_seconds = 900

[tokens]
audience = "registrant-verification"
hs256_secret = "{SECRET}"

[namecom]
base_url = "{sandbox}/sandbox/namecom"
username = "{user}"
token = "{token}"
webhook_url = "{base}/webhooks/namecom"
scan_interval_seconds = 1

[namecom.own_verification]
enabled = true
smtp_url = "smtp://127.0.0.1:{port}"
from = "Acme Domains <verify@acme.example>"
public_url = "{base}"
link_secret = "own-verification-test-link-secret-0123456789"
pass_interval_seconds = 1
smtp_retry_seconds = 1
smtp_timeout_seconds = 2
{extra}
"#,
            db = self.dir.0.join("gateway.db").display(),
            sandbox = self.sandbox.base,
            user = sandbox::NAMECOM_USERNAME,
            token = sandbox::NAMECOM_TOKEN,
            port = self.sink.port,
            extra = self.extra,
        )
    }

    async fn gateway(&self) -> Result<Gw, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = GatewayConfig::parse(&self.config(&base), Path::new("."), |_| None)
            .map_err(|e| e.to_string())?;
        let (stop, rx) = tokio::sync::watch::channel(false);
        let now = self.now.clone();
        let clock: gateway::own::Clock = Arc::new(move || *now.lock().unwrap());
        let gw =
            gateway::Gateway::with_clock(config, rx, clock).await.map_err(|e| e.to_string())?;
        gw.start();
        let app = gateway::router(gw.clone());
        let mut done = stop.subscribe();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = done.changed().await;
                })
                .await
                .unwrap()
        });
        Ok(Gw { base, client: reqwest::Client::new(), gw, stop })
    }

    /// Moves the sandbox's clock and the gateway's to `day` days after T0.
    async fn day(&self, day: f64) {
        let at = t0() + TimeDelta::seconds((day * 86_400.0) as i64);
        self.sandbox.set_clock(&at.to_rfc3339()).await;
        *self.now.lock().unwrap() = at;
    }

    /// A new registration at name.com now: its verification id.
    async fn register(&self, email: &str, domains: &[&str]) -> i64 {
        let res = self
            .sandbox
            .client
            .post(self.sandbox.url("/sandbox/control/namecom/register"))
            .json(&json!({"email": email, "domains": domains}))
            .send()
            .await
            .unwrap();
        res.json::<Value>().await.unwrap()["verificationId"].as_i64().unwrap()
    }

    /// Replaces the sandbox's fault switches.
    async fn faults(&self, switches: Value) {
        let res = self
            .sandbox
            .client
            .post(self.sandbox.url("/sandbox/control/faults"))
            .json(&switches)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    /// Verify Contact calls the sandbox received for `id`.
    async fn verify_calls(&self, id: i64) -> u64 {
        let v = self.sandbox.get_json("/sandbox/control/requests").await;
        v["byPath"][format!("/sandbox/namecom/core/v1/contacts/verify/{id}")].as_u64().unwrap_or(0)
    }
}

fn link_in(m: &Read) -> String {
    let start = m.text.find("http://").expect("a link in the text");
    m.text[start..].split_whitespace().next().unwrap().to_owned()
}

fn token_for(id: i64, email: &str, domains: &[&str], language: Option<&str>) -> String {
    let now = Utc::now().timestamp();
    let claims = json!({
        "aud": "registrant-verification", "sub": "client-42", "role": "registrant",
        "iat": now, "exp": now + 600,
        "contacts": [{"id": "c-1", "provider": "namecom", "email": email,
                      "verificationId": id, "domains": domains, "language": language}],
    });
    encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

impl Gw {
    /// The widget's status read with `token` (its contact `c-1`).
    async fn status(&self, token: &str) -> reqwest::Response {
        let url = format!("{}/api/namecom/status?contact=c-1", self.base);
        self.client.get(url).bearer_auth(token).send().await.unwrap()
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn post(&self, url: &str) -> (u16, String) {
        let res = self.client.post(url).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn emails_log(&self) -> Vec<verification_gateway::own::store::EmailLogRow> {
        self.gw.store.own_email_log(DateTime::<Utc>::MIN_UTC).await.unwrap()
    }
}

#[tokio::test]
async fn days_0_8_13_16_send_initial_reminders_and_the_notice_once_each_across_a_restart() {
    let w = World::new("").await;
    let id = w.register("new-owner@example.com", &["fresh-start.com", "fresh-start.net"]).await;
    let gw = w.gateway().await.unwrap();

    // Day 0: the initial email, with everything name.com's table requires.
    let got = w.sink.wait_for("new-owner@example.com", 1).await;
    let m = &got[0];
    assert!(m.subject.contains("fresh-start.com"), "{}", m.subject);
    for part in [&m.text, &m.html] {
        assert!(part.contains("ICANN") && part.contains("requires"), "{part}");
        assert!(part.contains(&format!("/verify/{id}/")), "a unique link: {part}");
        assert!(part.contains("within 15 days") && part.contains("suspended"), "{part}");
        assert!(part.contains("Registered Name Holder"), "{part}");
        assert!(part.contains("fresh-start.net"), "{part}");
    }
    assert_eq!(m.from, "verify@acme.example");
    assert_eq!(m.language, "en");

    // Day 8: 7 days remain.
    w.day(8.0).await;
    let got = w.sink.wait_for("new-owner@example.com", 2).await;
    assert!(got[1].subject.starts_with("Reminder: 7 days left"), "{}", got[1].subject);
    assert!(got[1].text.contains("7 days remain") && got[1].text.contains("ICANN"));
    assert_eq!(link_in(&got[1]).split('/').nth(4), Some(id.to_string().as_str()));

    // A restart between stages: nothing already sent goes again.
    drop(gw);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let gw = w.gateway().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(w.sink.to("new-owner@example.com").len(), 2, "nothing sent twice after a restart");

    // Day 13: 2 days remain.
    w.day(13.0).await;
    let got = w.sink.wait_for("new-owner@example.com", 3).await;
    assert!(got[2].subject.starts_with("Reminder: 2 days left"), "{}", got[2].subject);
    assert!(got[2].text.contains("2 days remain"));

    // Day 16: suspended, why, and how to resolve it.
    w.day(16.0).await;
    let got = w.sink.wait_for("new-owner@example.com", 4).await;
    assert!(got[3].subject.starts_with("Suspended: fresh-start.com"), "{}", got[3].subject);
    for part in [&got[3].text, &got[3].html] {
        assert!(part.contains("suspended") && part.contains("ICANN"), "{part}");
        assert!(part.contains(&format!("/verify/{id}/")), "a path to resolve it: {part}");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(w.sink.to("new-owner@example.com").len(), 4, "each stage once");

    // Every contact of the account got each stage at most once.
    let log = gw.emails_log().await;
    let mut stages: Vec<(i64, String)> =
        log.iter().map(|r| (r.verification_id, r.stage.clone())).collect();
    let all = stages.len();
    stages.sort();
    stages.dedup();
    assert_eq!(stages.len(), all, "one accepted hand-over per contact and stage");
    assert!(log.iter().all(|r| r.event == "accepted"));
    let mine: Vec<&str> =
        log.iter().filter(|r| r.verification_id == id).map(|r| r.stage.as_str()).collect();
    assert_eq!(mine, ["initial", "reminder-7", "reminder-2", "suspension"]);
}

#[tokio::test]
async fn another_language_from_the_template_directory_and_the_token() {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/own-verification-templates");
    let w = World::new(&format!("template_dir = \"{templates}\"\nlanguage = \"de\"")).await;
    let id = w.register("inhaber@example.de", &["neu-start.de"]).await;
    let gw = w.gateway().await.unwrap();
    let got = w.sink.wait_for("inhaber@example.de", 1).await;
    let m = &got[0];
    assert_eq!(m.language, "de");
    assert!(m.subject.starts_with("Bitte bestätigen Sie"), "{}", m.subject);
    assert!(m.text.contains("ICANN") && m.text.contains("innerhalb von 15 Tagen"), "{}", m.text);
    assert!(m.html.contains("E-Mail bestätigen"));
    w.day(8.0).await;
    let got = w.sink.wait_for("inhaber@example.de", 2).await;
    assert!(got[1].subject.starts_with("Erinnerung: noch 7 Tage"), "{}", got[1].subject);
    w.day(13.0).await;
    let got = w.sink.wait_for("inhaber@example.de", 3).await;
    assert!(got[2].subject.starts_with("Erinnerung: noch 2 Tage"), "{}", got[2].subject);
    assert!(got[2].text.contains("bleiben noch 2 Tage") && got[2].text.contains("ICANN"));
    w.day(16.0).await;
    let got = w.sink.wait_for("inhaber@example.de", 4).await;
    assert!(got[3].subject.starts_with("Gesperrt: neu-start.de"), "{}", got[3].subject);
    assert!(got[3].text.contains("gesperrt") && got[3].text.contains("ICANN"));
    assert!(got[3].html.contains(&format!("/verify/{id}/")));
    // The link page speaks the email's language.
    let link = link_in(&got[1]);
    let (status, page) = gw.get(link.trim_start_matches(&gw.base)).await;
    assert_eq!(status, 200);
    assert!(page.contains("lang=\"de\"") && page.contains("E-Mail bestätigen"), "{page}");
    assert_eq!(w.verify_calls(id).await, 0);

    // A panel's token that names English: that registrant's emails are
    // English (the language is remembered from the status read).
    let token = token_for(1, "owner@example.org", &["english-please.org"], Some("en"));
    let res = gw.status(&token).await;
    assert_eq!(res.status(), 200);
    w.register("owner@example.org", &["english-please.org"]).await;
    let got = w.sink.wait_for("owner@example.org", 1).await;
    assert_eq!(got[0].language, "en", "{}", got[0].subject);
}

#[tokio::test]
async fn a_relay_that_refuses_or_hangs_is_retried_and_nothing_unaccepted_counts_as_sent() {
    let w = World::new("").await;
    w.sink.set_mode("refuse");
    let id = w.register("patient@example.com", &["patient.example"]).await;
    let gw = w.gateway().await.unwrap();
    // Refused: logged, not marked sent, retried.
    let start = Instant::now();
    loop {
        let log = gw.emails_log().await;
        let refused =
            log.iter().filter(|r| r.verification_id == id && r.event == "refused").count();
        if refused >= 2 {
            assert!(log.iter().all(|r| r.event != "accepted"), "nothing accepted while refusing");
            assert!(log[0].detail.contains("451"), "the relay's reply: {}", log[0].detail);
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no retry: {log:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(w.sink.messages().is_empty());
    // Silent: the exchange times out, logged as failed, retried.
    w.sink.set_mode("hang");
    let start = Instant::now();
    loop {
        let log = gw.emails_log().await;
        if log.iter().any(|r| r.verification_id == id && r.event == "failed") {
            break;
        }
        let events: Vec<(&str, &str)> =
            log.iter().map(|r| (r.timestamp.as_str(), r.event.as_str())).collect();
        assert!(start.elapsed() < Duration::from_secs(30), "no timeout logged: {events:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Back: each email goes once, and only now counts as sent.
    w.sink.set_mode("accept");
    let got = w.sink.wait_for("patient@example.com", 1).await;
    assert!(got[0].subject.contains("patient.example"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(w.sink.to("patient@example.com").len(), 1);
    let log = gw.emails_log().await;
    let mine: Vec<&str> =
        log.iter().filter(|r| r.verification_id == id).map(|r| r.event.as_str()).collect();
    assert_eq!(mine.last(), Some(&"accepted"), "{mine:?}");
    assert_eq!(mine.iter().filter(|e| **e == "accepted").count(), 1);
    let row = gw.gw.store.own_email(1).await.unwrap();
    assert!(row.is_some());
}

#[tokio::test]
async fn the_link_verifies_once_on_post_only_and_says_why_it_does_not() {
    let w = World::new("").await;
    let id = w.register("clicker@example.com", &["click.example"]).await;
    let other = w.register("someone-else@example.com", &["else.example"]).await;
    let gw = w.gateway().await.unwrap();
    let m = w.sink.wait_for("clicker@example.com", 1).await.remove(0);
    let link = link_in(&m);
    let path = link.trim_start_matches(&gw.base).to_owned();

    // GET shows a page and verifies nothing (a mail scanner opens links).
    for _ in 0..3 {
        let (status, page) = gw.get(&path).await;
        assert_eq!(status, 200);
        assert!(page.contains("Confirm my email") && page.contains("click.example"), "{page}");
        assert!(page.contains("c***@example.com"), "the address masked: {page}");
    }
    assert_eq!(w.verify_calls(id).await, 0);

    // A tampered token, and this token on another contact's URL: nothing
    // upstream, and the page says why.
    let mut tampered = path.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let (status, page) = gw.post(&format!("{}{tampered}", gw.base)).await;
    assert_eq!(status, 404);
    assert!(page.contains("not valid") && page.contains("changed"), "{page}");
    let crossed = path.replace(&format!("/verify/{id}/"), &format!("/verify/{other}/"));
    let (status, page) = gw.post(&format!("{}{crossed}", gw.base)).await;
    assert_eq!(status, 404);
    assert!(page.contains("another verification"), "{page}");
    assert_eq!(w.verify_calls(id).await + w.verify_calls(other).await, 0);

    // The live stream the widget listens to, opened before the click.
    let token = token_for(id, "clicker@example.com", &["click.example"], None);
    let mut stream = gw
        .client
        .get(format!("{}/api/namecom/events?contact=c-1", gw.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    // Verify Contact answers 503 first: the page says it is being
    // confirmed; the gateway retries with the same key until 204.
    w.faults(json!({"status": {"namecom.verify": 503}})).await;
    let (status, page) = gw.post(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Confirming your email address"), "{page}");
    assert!(page.contains("http-equiv=\"refresh\""), "the page updates itself");
    assert!(w.verify_calls(id).await >= 1);
    w.faults(json!({})).await;
    let start = Instant::now();
    let mut heard = String::new();
    while !heard.contains("\"verified\"") {
        let chunk = tokio::time::timeout(Duration::from_secs(15), stream.chunk())
            .await
            .expect("the live stream hears of the verification")
            .unwrap()
            .unwrap();
        heard.push_str(&String::from_utf8_lossy(&chunk));
    }
    let verified_after = start.elapsed();
    assert!(heard.contains(&id.to_string()), "{heard}");
    assert!(!w.listed(id).await, "name.com has it verified");
    // The widget hears it as soon as name.com said 204: the retry waits
    // at most 2 s here, and the event follows the answer at once.
    assert!(verified_after < Duration::from_secs(5), "{verified_after:?}");
    let (status, page) = gw.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Your email address is confirmed"), "{page}");

    // A second POST: nothing upstream, "already used".
    let calls = w.verify_calls(id).await;
    let (status, page) = gw.post(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("already used"), "{page}");
    assert_eq!(w.verify_calls(id).await, calls);
    let log = gw.gw.store.own_verification_log(DateTime::<Utc>::MIN_UTC).await.unwrap();
    assert_eq!(log.len(), 1, "one logical verification");
    assert_eq!((log[0].verification_id, log[0].method.as_str()), (id, "email"));
    assert_eq!(log[0].address, "clicker@example.com");

    // The status read says verified now, without waiting for name.com's list.
    let res = gw.status(&token).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["totalCount"], 0, "{body}");

    // An expired link: says so, offers a new email, nothing upstream.
    let m = w.sink.wait_for("someone-else@example.com", 1).await.remove(0);
    let other_link = link_in(&m);
    w.day(15.0 + 30.0 + 1.0).await;
    let (status, page) = gw.post(&other_link).await;
    assert_eq!(status, 410);
    assert!(page.contains("expired") && page.contains("Send me a new email"), "{page}");
    assert_eq!(w.verify_calls(other).await, 0);
    let (status, page) = gw.post(&format!("{other_link}/new")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("new email is on its way"), "{page}");
    let got = w.sink.wait_for("someone-else@example.com", 2).await;
    assert!(link_in(got.last().unwrap()) != other_link, "a new link");

    // What name.com may ask for: every email's domains, send event, time,
    // recipient, subject, template and variables; every verification's
    // domains, verificationId, method, address and time.
    let emails = w.export("emails", "jsonl");
    let rows: Vec<Value> = emails.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let first = rows.iter().find(|r| r["verification_id"] == id).expect("the clicker's email");
    assert_eq!(first["domains"], "click.example");
    assert_eq!(first["event"], "accepted");
    assert!(first["detail"].as_str().unwrap().starts_with("250"), "{first}");
    assert_eq!(first["recipient"], "clicker@example.com");
    assert_eq!(first["subject"], m_subject(&w, "clicker@example.com"));
    assert_eq!(
        (first["stage"].as_str(), first["template"].as_str()),
        (Some("initial"), Some("en/initial"))
    );
    let vars: Value = serde_json::from_str(first["variables"].as_str().unwrap()).unwrap();
    assert_eq!(vars["days_remaining"], 15);
    assert!(vars["link"].as_str().unwrap().ends_with(".(secret)"), "no usable link in the log");
    assert!(chrono::DateTime::parse_from_rfc3339(first["timestamp"].as_str().unwrap()).is_ok());
    assert!(!emails.contains(&link.rsplit('.').next().unwrap().to_owned()), "the link's mac");
    let csv = w.export("verifications", "csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("timestamp,domains,verification_id,method,address,registrationEndsAt,registrationEndedAt")
    );
    let row = lines.next().expect("one verification");
    assert!(row.contains(&format!(",click.example,{id},email,clicker@example.com,")), "{row}");
    // Each domain's registration, as far as the domain scans know it.
    assert!(row.contains(",click.example="), "{row}");
    assert!(first["registrationEndsAt"].as_str().unwrap().starts_with("click.example="), "{first}");
    assert_eq!(lines.next(), None);
}

fn m_subject(w: &World, to: &str) -> String {
    w.sink.to(to)[0].subject.clone()
}

#[tokio::test]
async fn a_404_or_409_from_verify_contact_is_a_clear_error_on_the_page() {
    let w = World::new("").await;
    let id = w.register("gone@example.com", &["gone.example"]).await;
    let reused = w.register("reused@example.com", &["reused.example"]).await;
    let gw = w.gateway().await.unwrap();
    let link = link_in(&w.sink.wait_for("gone@example.com", 1).await[0]);
    let reused_link = link_in(&w.sink.wait_for("reused@example.com", 1).await[0]);
    // 409: the key was used for another request (name.com's words).
    w.faults(json!({"status": {"namecom.verify": 409}})).await;
    let (status, page) = gw.post(&reused_link).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("refused the confirmation as a conflicting request"), "{page}");
    assert!(page.contains(&reused.to_string()), "a reference for support: {page}");
    w.faults(json!({"status": {"namecom.verify": 404}})).await;
    let (status, page) = gw.post(&link).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("does not know this verification"), "{page}");
    assert!(page.contains(&id.to_string()), "a reference for support: {page}");
    let calls = w.verify_calls(id).await;
    let (_, page) = gw.post(&link).await;
    assert!(page.contains("does not know this verification"));
    assert_eq!(w.verify_calls(id).await, calls, "not called again");
    assert!(gw.gw.store.own_verification_log(DateTime::<Utc>::MIN_UTC).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_widgets_resend_sends_the_resellers_email_under_the_cooldown() {
    let w = World::new("").await;
    let id = w.register("again@example.com", &["again.example"]).await;
    let gw = w.gateway().await.unwrap();
    w.sink.wait_for("again@example.com", 1).await;
    let token = token_for(id, "again@example.com", &["again.example"], None);
    let resend = || async {
        gw.client
            .post(format!("{}/api/namecom/resend?contact=c-1", gw.base))
            .bearer_auth(&token)
            .header("origin", ORIGIN)
            .json(&json!({"operation": "resend"}))
            .send()
            .await
            .unwrap()
    };
    let res = resend().await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["sent"], true, "{body}");
    assert!(body["nextEligibleAt"].is_string());
    let got = w.sink.wait_for("again@example.com", 2).await;
    assert!(got[1].text.contains(&format!("/verify/{id}/")));
    assert_ne!(link_in(&got[0]), link_in(&got[1]), "each email its own link");
    assert_eq!(w.sandbox.emails_to("again@example.com").await, 0, "not name.com's :resend");
    let res = resend().await;
    assert_eq!(res.status(), 429, "the cooldown");
    assert_eq!(w.sink.to("again@example.com").len(), 2);
}

#[tokio::test]
async fn a_template_without_the_link_or_the_icann_statement_stops_the_start() {
    let dir = TempDir::new("own-bad-templates");
    std::fs::create_dir_all(dir.0.join("fr")).unwrap();
    std::fs::write(dir.0.join("fr/reminder.txt"), "ICANN: il reste {{ days_remaining }} jours.")
        .unwrap();
    let w = World::new(&format!("template_dir = \"{}\"", dir.0.display())).await;
    let e = w.gateway().await.err().expect("the start is refused");
    assert!(e.contains("fr/reminder.txt") && e.contains("link"), "{e}");
    std::fs::write(dir.0.join("fr/reminder.txt"), "{{ link }} il reste {{ days_remaining }} jours")
        .unwrap();
    let e = w.gateway().await.err().expect("the start is refused");
    assert!(e.contains("fr/reminder.txt") && e.contains("ICANN"), "{e}");
}

impl World {
    /// `verification-www log export --kind KIND --format FORMAT` on this
    /// world's store.
    fn export(&self, kind: &str, format: &str) -> String {
        let config = self.dir.0.join("gateway.toml");
        std::fs::write(&config, self.config("https://gateway.example")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_verification-www"))
            .args(["log", "export", "--config"])
            .arg(&config)
            .args(["--kind", kind, "--format", format, "--since", "2026-01-01"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Whether name.com still lists `id` as unverified.
    async fn listed(&self, id: i64) -> bool {
        let res = self
            .sandbox
            .client
            .get(self.sandbox.url("/sandbox/namecom/core/v1/contacts/unverified?perPage=1000"))
            .headers(self.sandbox.namecom_auth())
            .send()
            .await
            .unwrap();
        let v: Value = res.json().await.unwrap();
        v["unverifiedContacts"].as_array().unwrap().iter().any(|c| c["verificationId"] == id)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_resends_and_the_link_pages_new_email_at_once_send_one_email() {
    let w = World::new("").await;
    let id = w.register("burst@example.com", &["burst.example"]).await;
    let gw = std::sync::Arc::new(w.gateway().await.unwrap());
    let first = w.sink.wait_for("burst@example.com", 1).await;
    let link = link_in(&first[0]);
    let token = token_for(id, "burst@example.com", &["burst.example"], None);
    let mut all = Vec::new();
    for i in 0..40 {
        let (gw, token, link) = (gw.clone(), token.clone(), link.clone());
        all.push(tokio::spawn(async move {
            if i % 10 == 9 {
                // The link page's "send me a new email", at the same moment.
                let res = gw.client.post(format!("{link}/new")).send().await.unwrap();
                (res.status().as_u16(), true)
            } else {
                let res = gw
                    .client
                    .post(format!("{}/api/namecom/resend?contact=c-1", gw.base))
                    .bearer_auth(&token)
                    .header("origin", ORIGIN)
                    .header("x-idempotency-key", format!("burst-{i}"))
                    .json(&json!({"operation": "resend"}))
                    .send()
                    .await
                    .unwrap();
                (res.status().as_u16(), false)
            }
        }));
    }
    let mut codes = Vec::new();
    for h in all {
        codes.push(h.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|(c, _)| *c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|(c, _)| *c == 429).count(), 39, "{codes:?}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(w.sink.to("burst@example.com").len(), 2, "the first email and one more");
}

#[tokio::test]
async fn an_address_change_voids_the_old_link_and_the_new_address_gets_its_initial_email() {
    let w = World::new("").await;
    let id = w.register("first@example.com", &["moving.example"]).await;
    let gw = w.gateway().await.unwrap();
    let old = link_in(&w.sink.wait_for("first@example.com", 1).await[0]);
    // The registrant changes the address; name.com keeps the verification.
    let res = w
        .sandbox
        .client
        .post(w.sandbox.url("/sandbox/control/namecom/email"))
        .json(&json!({"verificationId": id, "email": "second@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The next scan sees it: the new address gets its own initial email.
    let got = w.sink.wait_for("second@example.com", 1).await;
    assert!(got[0].text.contains(&format!("/verify/{id}/")), "{}", got[0].text);
    let new = link_in(&got[0]);
    assert_ne!(new, old);
    // The old link confirms nothing, and says why.
    let (status, page) = gw.get(old.trim_start_matches(&gw.base)).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("earlier address"), "{page}");
    let (status, _) = gw.post(&old).await;
    assert_eq!(status, 409);
    assert_eq!(w.verify_calls(id).await, 0, "no Verify Contact for the old address");
    // The new address's link confirms.
    let (status, page) = gw.post(&new).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(w.verify_calls(id).await, 1);
    assert_eq!(w.sink.to("first@example.com").len(), 1, "nothing more to the old address");
}
