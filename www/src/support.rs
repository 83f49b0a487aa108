//! The reseller's support page: `/support` with
//! `<registrant-verification-list>`, which reads the gateway's staff routes
//! (`/api/{provider}/list`, `/api/{provider}/support/resend`) with a staff
//! token from the panel (`token-url="/demo/staff-token"`).
//!
//! `GET /support[?provider=namecom|openprovider][&rate-limit=N/SECONDS][&theme=light|dark]`.
//! Each visit tops the sandbox up to [`SUPPORT_NAMECOM`] name.com contacts
//! and [`SUPPORT_OPENPROVIDER`] Openprovider rows (a sandbox reset drops
//! them; the next visit adds them again), and the gateway reads name.com's
//! list again. The registrant demo `/` is unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::chrome::{self, html_response, Chrome};
use super::{session, Demo};
use verification_sandbox::scenarios::{Provider, DEMO_REGISTRANT};

/// name.com contacts the support demo keeps in the sandbox.
pub const SUPPORT_NAMECOM: usize = 3000;
/// Openprovider rows (one per email and domain) the support demo keeps.
pub const SUPPORT_OPENPROVIDER: usize = 1500;

/// The support page's stylesheet (on top of the panel's).
pub const SUPPORT_CSS: &str = r#"/* Acme Domains demo: the support page. */
.tabs { display: flex; gap: 0.5rem; margin: 0 0 1rem; padding: 0; list-style: none; flex-wrap: wrap; }
.tabs a { display: inline-block; padding: 0.375rem 0.875rem; border: 1px solid var(--panel-border); border-radius: 999px; text-decoration: none; background: var(--panel-card); }
.tabs a[aria-current="page"] { background: var(--panel-accent); border-color: var(--panel-accent); color: #fff; }
registrant-verification-list { display: block; }
registrant-verification-list .fallback { margin: 0; color: var(--panel-muted); }
.staff-note { font-size: 0.875rem; color: var(--panel-muted); max-width: 48rem; }
"#;

/// `N/SECONDS` with small positive numbers, or `None`.
fn rate_limit_param(v: &str) -> Option<String> {
    let (n, s) = v.split_once('/')?;
    let n: u32 = n.parse().ok().filter(|n| (1..=10_000).contains(n))?;
    let s: u32 = s.parse().ok().filter(|s| (1..=604_800).contains(s))?;
    Some(format!("{n}/{s}"))
}

/// Adds synthetic contacts until the sandbox holds the demo's numbers;
/// `true` when some were added.
fn seed(demo: &Demo) -> bool {
    let (namecom, _) = demo.sandbox.top_up_synthetic(SUPPORT_NAMECOM, SUPPORT_OPENPROVIDER);
    namecom > 0
}

/// `/support`, `/static/support.css`.
pub fn router(demo: Arc<Demo>) -> Router {
    Router::new()
        .route("/support", get(page))
        .route("/static/support.css", get(css))
        .with_state(demo)
}

async fn page(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    if seed(&demo) {
        demo.rescan().await;
    }
    // Demo: any visitor becomes a session; here it acts as support staff.
    let new_session = match demo.sessions.from_headers(&headers) {
        Some(_) => None,
        None => Some(demo.sessions.create(DEMO_REGISTRANT)),
    };
    let provider = match q.get("provider").map(String::as_str) {
        Some("openprovider") => Provider::Openprovider,
        _ => Provider::Namecom,
    };
    let p = provider.as_str();
    let mut extra = String::new();
    if let Some(rl) = q.get("rate-limit").and_then(|v| rate_limit_param(v)) {
        extra.push_str(&format!(" rate-limit=\"{rl}\""));
    }
    if let Some(t) = q.get("theme").filter(|t| *t == "light" || *t == "dark") {
        extra.push_str(&format!(" theme=\"{t}\""));
    }
    let tab = |id: Provider, label: &str| {
        let current = if id == provider { " aria-current=\"page\"" } else { "" };
        format!("<li><a href=\"/support?provider={}\"{current}>{label}</a></li>", id.as_str())
    };
    let main = format!(
        "<h1>Email verification of every contact</h1>\n\
         <p class=\"lead\">Contacts that must verify their email address, most urgent first. A \
         contact that misses its deadline gets its domains suspended. Select contacts and resend \
         their verification email; resends are paced to the registrar's limits.</p>\n\
         <ul class=\"tabs\" aria-label=\"Registrar\">{}{}</ul>\n\
         <registrant-verification-list provider=\"{p}\" list-url=\"/api/{p}/list\" \
         resend-url=\"/api/{p}/support/resend\" token-url=\"/demo/staff-token\"{extra}>\
         <p class=\"fallback\">Loading the contact list…</p>\
         </registrant-verification-list>\n\
         <p class=\"staff-note\">Only the reseller's support staff may open this page: it lists \
         every contact of the account.</p>\n",
        tab(Provider::Namecom, "name.com"),
        tab(Provider::Openprovider, "Openprovider"),
    );
    let mut res = html_response(chrome::page(
        &Chrome {
            user: "Sam Support (staff)",
            stylesheet: Some("/static/support.css"),
            current: "/support",
            script: "/widget/define-list.js",
        },
        "Support: contact verification",
        &main,
    ));
    if let Some(id) = new_session {
        if let Ok(v) = HeaderValue::from_str(&session::set_cookie_value(&id)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

async fn css() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        SUPPORT_CSS,
    )
        .into_response()
}
