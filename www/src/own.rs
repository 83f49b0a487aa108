//! The demo's own verification (`make demo`): the sandbox's second name.com
//! account, whose reseller verifies its registrants itself, behind a second
//! gateway in process at `/gateway` (`[namecom.own_verification]` on: a
//! gateway serves one name.com account). It sends through an in-process
//! mail catcher, which `/mailbox` shows.
//!
//! A newcomer opens the panel: one card's widget reads the gateway (with a
//! token from `/demo/own-token`, signed as a panel would). The mailbox has
//! the ICANN email; its link opens the gateway's page; "Confirm my email"
//! calls the sandbox's Verify Contact, and the widget turns verified
//! through the gateway's live stream.

use std::sync::{Arc, OnceLock};

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use tower::ServiceExt as _;

use super::chrome::{escape, html_response, page, Chrome};
use super::mailcatcher::{Caught, MailCatcher};
use super::random_hex;
use super::session::Sessions;
use verification_gateway::{self as gateway, config::GatewayConfig};
use verification_sandbox::scenarios::DEMO_REGISTRANT;
use verification_sandbox::{self as sandbox, namecom, Sandbox};

/// The newcomer's contact id in the panel (the token's `id`).
pub const NEWCOMER: &str = "namecom-own-newcomer";

/// The demo's gateway and mail catcher, once started.
pub struct OwnDemo {
    base: String,
    secret: String,
    catcher: OnceLock<MailCatcher>,
    gateway: OnceLock<Router>,
    running: OnceLock<gateway::Shared>,
    stop: OnceLock<tokio::sync::watch::Sender<bool>>,
    failed: OnceLock<String>,
    sessions: Arc<Sessions>,
}

impl std::fmt::Debug for OwnDemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnDemo").field("base", &self.base).finish_non_exhaustive()
    }
}

/// Starts the mail catcher and the gateway in the background (the demo
/// reached at `base`, its sandbox `sandbox`).
pub fn start(base: &str, sandbox: Arc<Sandbox>, sessions: Arc<Sessions>) -> Arc<OwnDemo> {
    let demo = Arc::new(OwnDemo {
        base: base.trim_end_matches('/').to_owned(),
        secret: random_hex(32),
        catcher: OnceLock::new(),
        gateway: OnceLock::new(),
        running: OnceLock::new(),
        stop: OnceLock::new(),
        failed: OnceLock::new(),
        sessions,
    });
    let d = demo.clone();
    tokio::spawn(async move {
        if let Err(e) = d.run(sandbox).await {
            eprintln!("own verification demo did not start: {e}");
            let _ = d.failed.set(e);
        }
    });
    demo
}

impl OwnDemo {
    async fn run(&self, sandbox: Arc<Sandbox>) -> Result<(), String> {
        let catcher = MailCatcher::start(0, None).await.map_err(|e| e.to_string())?;
        let base = &self.base;
        let text = format!(
            r#"
listen = "127.0.0.1:0"
allowed_origins = ["{base}"]
database = "sqlite::memory:"

[tokens]
audience = "registrant-verification"
hs256_secret = "{secret}"

[namecom]
base_url = "{base}/sandbox/namecom"
username = "{user}"
token = "{token}"
webhook_url = "{base}/gateway/webhooks/namecom"
scan_interval_seconds = 5

[namecom.own_verification]
enabled = true
smtp_url = "smtp://{smtp}"
from = "Acme Domains <verify@acme-domains.example>"
public_url = "{base}/gateway"
link_secret = "{link}"
pass_interval_seconds = 2
smtp_retry_seconds = 5
"#,
            secret = self.secret,
            user = sandbox::NAMECOM_OWN_USERNAME,
            token = sandbox::NAMECOM_OWN_TOKEN,
            smtp = catcher.addr,
            link = random_hex(32),
        );
        let config =
            GatewayConfig::parse(&text, std::path::Path::new("."), |_| None).map_err(|e| e.0)?;
        let (stop, rx) = tokio::sync::watch::channel(false);
        let clock: gateway::own::Clock = Arc::new(move || sandbox.now());
        let gw =
            gateway::Gateway::with_clock(config, rx, clock).await.map_err(|e| e.to_string())?;
        gw.start();
        let _ = self.stop.set(stop);
        let _ = self.catcher.set(catcher);
        let _ = self.running.set(gw.clone());
        let _ = self.gateway.set(gateway::router(gw));
        Ok(())
    }
}

impl OwnDemo {
    /// Its gateway reads name.com's list now (after a change of the
    /// sandbox's data), if it has started.
    pub async fn rescan(&self) {
        if let Some(nc) = self.running.get().and_then(|gw| gw.namecom.clone()) {
            if let Err(e) = nc.scan().await {
                tracing::warn!(error = %e, "the own-verification gateway's scan failed");
            }
        }
    }
}

/// `/gateway/…`, `/mailbox`, `/demo/own-token`.
pub fn router(demo: Arc<OwnDemo>) -> Router {
    Router::new()
        .route("/gateway/{*rest}", any(forward))
        .route("/mailbox", get(mailbox))
        .route("/mailbox/{id}", get(message))
        .route("/mailbox/{id}/html", get(message_html))
        .route("/demo/own-token", get(own_token))
        .with_state(demo)
}

fn starting() -> Response {
    let mut res =
        (StatusCode::SERVICE_UNAVAILABLE, "The demo's gateway is starting; try again in a moment.")
            .into_response();
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

/// Hands `/gateway/…` to the gateway, as `/…` (a fresh request: the
/// demo router's own path parameters stay behind).
async fn forward(State(demo): State<Arc<OwnDemo>>, req: Request) -> Response {
    let Some(router) = demo.gateway.get() else { return starting() };
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().strip_prefix("/gateway").unwrap_or("/");
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let Ok(uri) = format!("{path}{query}").parse::<Uri>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut inner = Request::new(body);
    *inner.method_mut() = parts.method;
    *inner.uri_mut() = uri;
    *inner.version_mut() = parts.version;
    *inner.headers_mut() = parts.headers;
    match router.clone().oneshot(inner).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// A token for the demo registrant's newcomer contact, signed as a panel
/// signs one for the gateway; only with the demo session.
async fn own_token(State(demo): State<Arc<OwnDemo>>, headers: HeaderMap) -> Response {
    match demo.sessions.from_headers(&headers) {
        Some(s) if s.registrant == DEMO_REGISTRANT => {}
        _ => return (StatusCode::UNAUTHORIZED, "Sign in to the demo panel first").into_response(),
    }
    let claims = serde_json::json!({
        "sub": DEMO_REGISTRANT, "role": "registrant",
        "contacts": [{
            "id": NEWCOMER, "provider": "namecom",
            // No verification id: the gateway finds the current one by
            // the address (a reseed registers the newcomer anew).
            "email": namecom::OWN_NEWCOMER_EMAIL,
            "domains": namecom::OWN_NEWCOMER_DOMAINS,
        }],
    });
    super::tokens::answer(super::tokens::sign_with(&demo.secret, claims, 600))
}

/// The panel's chrome for the mailbox pages.
const MAILBOX: Chrome<'static> = Chrome {
    user: "Jane Registrant",
    stylesheet: None,
    current: "/mailbox",
    script: "/widget/define.js",
};

fn messages(demo: &OwnDemo) -> Option<Vec<Caught>> {
    demo.catcher.get().map(MailCatcher::messages)
}

async fn mailbox(State(demo): State<Arc<OwnDemo>>) -> Response {
    let Some(mut all) = messages(&demo) else {
        let why = demo.failed.get().map_or("It is starting.", |e| e.as_str());
        return html_response(page(
            &MAILBOX,
            "Mailbox",
            &format!("<h1>Mailbox</h1>\n<p>No mail catcher yet. {}</p>\n", escape(why)),
        ));
    };
    all.reverse();
    let mut main = String::from(
        "<h1>Mailbox</h1>\n<p class=\"lead\">Every email the demo's gateway sent for the \
         reseller that verifies its registrants itself. In production they go out through \
         your SMTP relay.</p>\n",
    );
    if all.is_empty() {
        main.push_str(
            "<p>No email yet: the gateway reads name.com's list every few seconds.</p>\n",
        );
    } else {
        main.push_str("<ul class=\"mailbox\">\n");
        for m in &all {
            let r = m.read();
            main.push_str(&format!(
                "<li><a href=\"/mailbox/{id}\"><strong>{subject}</strong></a><br>\
                 <span class=\"meta\">To {to} · {at}</span></li>\n",
                id = m.id,
                subject = escape(&r.subject),
                to = escape(&r.to.join(", ")),
                at = m.at.format("%Y-%m-%d %H:%M:%S UTC"),
            ));
        }
        main.push_str("</ul>\n");
    }
    html_response(page(&MAILBOX, "Mailbox", &main))
}

fn find(demo: &OwnDemo, id: &str) -> Option<Caught> {
    let id: usize = id.parse().ok()?;
    messages(demo)?.into_iter().find(|m| m.id == id)
}

/// Text with its `http(s)://` links made clickable, escaped.
fn linked(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                out.push(' ');
            }
            if word.starts_with("https://") || word.starts_with("http://") {
                let w = escape(word);
                out.push_str(&format!("<a href=\"{w}\">{w}</a>"));
            } else {
                out.push_str(&escape(word));
            }
        }
    }
    out
}

async fn message(State(demo): State<Arc<OwnDemo>>, Path(id): Path<String>) -> Response {
    let Some(m) = find(&demo, &id) else {
        return (StatusCode::NOT_FOUND, "No such email").into_response();
    };
    let r = m.read();
    let main = format!(
        "<p><a href=\"/mailbox\">← Mailbox</a></p>\n<h1>{subject}</h1>\n\
         <p class=\"meta\">From {from} · To {to} · {at}</p>\n\
         <h2>As your mail client shows it</h2>\n\
         <iframe class=\"email\" src=\"/mailbox/{id}/html\" title=\"The email's HTML part\" sandbox=\"allow-popups allow-top-navigation-by-user-activation\"></iframe>\n\
         <h2>Plain-text part</h2>\n<pre class=\"email-text\">{text}</pre>\n",
        subject = escape(&r.subject),
        from = escape(&r.from),
        to = escape(&r.to.join(", ")),
        at = m.at.format("%Y-%m-%d %H:%M:%S UTC"),
        id = m.id,
        text = linked(&r.text),
    );
    html_response(page(&MAILBOX, &r.subject, &main))
}

/// The HTML part alone, for the frame: its inline styles allowed, nothing
/// else; links open the top window.
async fn message_html(State(demo): State<Arc<OwnDemo>>, Path(id): Path<String>) -> Response {
    let Some(m) = find(&demo, &id) else {
        return (StatusCode::NOT_FOUND, "No such email").into_response();
    };
    let html = m.read().html.replacen("<head>", "<head><base target=\"_top\">", 1);
    let html = if html.contains("<base ") {
        html
    } else {
        html.replacen("<body", "<base target=\"_top\"><body", 1)
    };
    let mut res = axum::response::Html(html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'",
        ),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
