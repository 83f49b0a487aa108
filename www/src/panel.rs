//! The demo reseller's control panel: `/`, `/account/contact` and
//! `/static/panel.css`. Each card's widget reads the demo's gateway with a
//! token the panel signs (`token-url="/demo/token"`, [`super::tokens`]).
//!
//! Pages are CSP-ready: no inline scripts, inline styles or `on*`
//! attributes. They are served with a `Content-Security-Policy` that only
//! allows same-origin scripts (plus `'wasm-unsafe-eval'` for the widget).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::SecondsFormat;

use std::sync::Arc;

use super::chrome::{escape, html_response, page, Chrome, REGISTRANT};
use super::{session, Demo};
use verification_sandbox::scenarios::{self, registry, Provider, DEMO_REGISTRANT};

/// The panel's stylesheet.
pub const PANEL_CSS: &str = include_str!("../static/panel.css");

/// The panel's icon (browsers ask for one on every page).
pub const FAVICON_SVG: &str = include_str!("../static/favicon.svg");

/// The demo contact whose widget takes live updates (`events-url`).
pub const LIVE_CONTACT: &str = "namecom-pending";

/// Where each card's widget gets its token (the panel's server side).
pub const TOKEN_URL: &str = "/demo/token";

/// Builds the demo pages' router.
pub fn router(demo: Arc<Demo>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/account/contact", get(contact_page).post(contact_submit))
        .route("/static/panel.css", get(css))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .with_state(demo)
}

/// `demo --static-dir DIR`: the developer's own pages at `/site/`, on the
/// demo's origin, so a widget on them gets its token from the panel
/// (`token-url="/demo/token"`) and reads the gateway (`/api/...`) as the
/// panel's do. Opening any of them signs the browser in as the demo
/// registrant (the session cookie `/demo/token` checks), as the panel
/// does. No CSP is added: the pages are the developer's.
pub(crate) fn site(dir: &std::path::Path, state: Arc<Demo>) -> Router {
    Router::new()
        .nest_service("/site", tower_http::services::ServeDir::new(dir))
        .layer(axum::middleware::from_fn_with_state(state, signed_in))
}

/// Gives a browser without a demo session one (see [`site`]).
async fn signed_in(
    State(state): State<Arc<Demo>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let new_session = match state.sessions.from_headers(req.headers()) {
        Some(s) if s.registrant == DEMO_REGISTRANT => None,
        _ => Some(state.sessions.create(DEMO_REGISTRANT)),
    };
    let mut res = next.run(req).await;
    if let Some(v) =
        new_session.and_then(|id| HeaderValue::from_str(&session::set_cookie_value(&id)).ok())
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The control panel, with one widget per scenario of the demo registrant.
async fn index(State(state): State<Arc<Demo>>, headers: HeaderMap) -> Response {
    let new_session = match state.sessions.from_headers(&headers) {
        Some(s) if s.registrant == DEMO_REGISTRANT => None,
        _ => Some(state.sessions.create(DEMO_REGISTRANT)),
    };
    let changed_at =
        state.sandbox.namecom_unknown_changed_at().to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut main = String::from(
        "<h1>Your domains</h1>\n<p class=\"lead\">ICANN requires you to confirm the email address of \
         each domain's registrant within 15 days. Each box below shows where a contact stands.</p>\n",
    );
    for provider in Provider::ALL {
        let p = provider.as_str();
        main.push_str(&format!(
            "<section class=\"provider\" aria-labelledby=\"h-{p}\">\n<h2 id=\"h-{p}\">Registered through {}</h2>\n<div class=\"cards\">\n",
            escape(scenarios::display_name(provider))
        ));
        for c in registry().iter().filter(|c| c.provider == provider && c.owner == DEMO_REGISTRANT)
        {
            let key = escape(&c.key);
            let extra = match c.key.as_str() {
                "namecom-unknown" => format!(" changed-at=\"{changed_at}\""),
                // Live updates: name.com's webhooks, pushed by the gateway
                // as they arrive. One stream per page here: over HTTP/1.1
                // a browser keeps at most six connections per host, and
                // each stream holds one.
                LIVE_CONTACT => format!(" events-url=\"/api/{p}/events?contact={key}\""),
                _ => String::new(),
            };
            let domains = c.domains.iter().map(|d| escape(d)).collect::<Vec<_>>().join(", ");
            // The panel knows the domains: the widget names them where the
            // registrar does not (Domain Name API).
            let names = c.domains.iter().map(|d| escape(d)).collect::<Vec<_>>().join(" ");
            main.push_str(&format!(
                "<article class=\"card\">\n<h3>{caption}</h3>\n<p class=\"meta\">{email} · {domains}</p>\n\
                 <registrant-verification provider=\"{p}\" status-url=\"/api/{p}/status?contact={key}\" \
                 resend-url=\"/api/{p}/resend?contact={key}\" token-url=\"{TOKEN_URL}\" data-scenario=\"{key}\" \
                 domains=\"{names}\" edit-contact-url=\"/account/contact?contact={key}\"{extra}>\
                 <p class=\"fallback\">Checking the verification status of {email}…</p>\
                 </registrant-verification>\n</article>\n",
                caption = escape(c.caption),
                email = escape(&c.email),
            ));
        }
        main.push_str("</div>\n</section>\n");
    }
    main.push_str(&own_verification_card());
    let mut res = html_response(page(&REGISTRANT, "Control panel", &main));
    if let Some(id) = new_session {
        if let Ok(v) = HeaderValue::from_str(&session::set_cookie_value(&id)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The newcomer of the reseller that verifies its registrants itself: the
/// widget reads the demo's gateway with a token, the email is in the
/// mailbox (see [`super::own`]).
fn own_verification_card() -> String {
    use verification_sandbox::namecom::{OWN_NEWCOMER_DOMAINS, OWN_NEWCOMER_EMAIL};
    let key = super::own::NEWCOMER;
    let api = "/gateway/api/namecom";
    format!(
        "<section class=\"provider\" aria-labelledby=\"h-own\">\n\
         <h2 id=\"h-own\">Verified by Acme Domains itself</h2>\n\
         <p class=\"lead\">For this name.com account the reseller sends the ICANN emails and \
         confirms the address itself, through the gateway. Read the email in the \
         <a href=\"/mailbox\">demo mailbox</a>, open its link and confirm: this box turns \
         verified.</p>\n<div class=\"cards\">\n<article class=\"card\">\n<h3>A new registration</h3>\n\
         <p class=\"meta\">{email} · {domains}</p>\n\
         <registrant-verification provider=\"namecom\" status-url=\"{api}/status?contact={key}\" \
         resend-url=\"{api}/resend?contact={key}\" events-url=\"{api}/events?contact={key}\" \
         token-url=\"/demo/own-token\" data-scenario=\"{key}\" domains=\"{names}\">\
         <p class=\"fallback\">Checking the verification status of {email}…</p>\
         </registrant-verification>\n</article>\n</div>\n</section>\n",
        email = escape(OWN_NEWCOMER_EMAIL),
        domains = escape(&OWN_NEWCOMER_DOMAINS.join(", ")),
        names = escape(&OWN_NEWCOMER_DOMAINS.join(" ")),
    )
}

/// Placeholder "Edit contact" page the widget links to, for the contact
/// its `?contact=` names (the demo registrant's own only): the form holds
/// that contact's address.
async fn contact_page(axum::extract::RawQuery(q): axum::extract::RawQuery) -> Response {
    let query = q.unwrap_or_default();
    let param = |name: &str| {
        query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=').map(str::to_owned))
    };
    let saved = param("saved").as_deref() == Some("1");
    let contact = param("contact")
        .and_then(|k| scenarios::contact(&k))
        .filter(|c| c.owner == DEMO_REGISTRANT);
    let email = contact.map(|c| escape(&c.email)).unwrap_or_default();
    let key = contact.map(|c| escape(&c.key)).unwrap_or_default();
    let notice = if saved {
        "<p class=\"notice\" role=\"status\">Saved. In this demo nothing is sent to a registrar.</p>\n"
    } else {
        ""
    };
    let main = format!(
        "<h1>Edit contact</h1>\n{notice}<p>Changing the registrant's name, organisation or email starts a new \
         15-day verification.</p>\n<form class=\"contact-form\" method=\"post\" action=\"/account/contact?contact={key}\">\n\
         <label>Name <input name=\"name\" autocomplete=\"name\" value=\"Jane Registrant\"></label>\n\
         <label>Organisation <input name=\"organisation\" autocomplete=\"organization\"></label>\n\
         <label>Email <input name=\"email\" type=\"email\" autocomplete=\"email\" value=\"{email}\"></label>\n\
         <button type=\"submit\">Save</button>\n</form>\n"
    );
    html_response(page(
        &Chrome { current: "/account/contact", ..REGISTRANT },
        "Edit contact",
        &main,
    ))
}

async fn contact_submit(axum::extract::RawQuery(q): axum::extract::RawQuery) -> Response {
    let key = q
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("contact=").map(str::to_owned))
        .filter(|k| scenarios::contact(k).is_some())
        .unwrap_or_default();
    Redirect::to(&format!("/account/contact?contact={key}&saved=1")).into_response()
}

async fn favicon() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=86400")],
        FAVICON_SVG,
    )
        .into_response()
}

async fn css() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        PANEL_CSS,
    )
        .into_response()
}
