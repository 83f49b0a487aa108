//! The layout every page of the demo panel shares (top bar, navigation,
//! main) and its security headers: no inline scripts, inline styles or
//! `on*` attributes; a `Content-Security-Policy` that only allows
//! same-origin scripts (plus `'wasm-unsafe-eval'` for the widget).

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};

/// Policy sent with every HTML page.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// HTML-escapes text for the pages.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Who is signed in, and which page of the panel is shown.
pub(crate) struct Chrome<'a> {
    /// "Signed in as …".
    pub user: &'a str,
    /// Extra stylesheet of the page, if any.
    pub stylesheet: Option<&'a str>,
    /// The navigation entry marked current (`aria-current="page"`).
    pub current: &'a str,
    /// The widget module the page loads: `/widget/define.js` (the
    /// registrant element) or `/widget/define-list.js` (the staff list).
    pub script: &'a str,
}

/// The registrant's view of the panel.
pub(crate) const REGISTRANT: Chrome<'static> =
    Chrome { user: "Jane Registrant", stylesheet: None, current: "/", script: "/widget/define.js" };

/// The panel layout every demo page shares: top bar, navigation, main.
pub(crate) fn page(chrome: &Chrome<'_>, title: &str, main: &str) -> String {
    let stylesheet = chrome
        .stylesheet
        .map(|href| format!("<link rel=\"stylesheet\" href=\"{}\">\n", escape(href)))
        .unwrap_or_default();
    let nav: String = [
        ("/", "Domains"),
        ("/account/contact", "Contact details"),
        ("/mailbox", "Mailbox"),
        ("/support", "Support"),
    ]
    .iter()
    .map(|(href, label)| {
        let current = if *href == chrome.current { " aria-current=\"page\"" } else { "" };
        format!("<li><a href=\"{href}\"{current}>{label}</a></li>\n")
    })
    .collect();
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Acme Domains</title>
<link rel="stylesheet" href="/static/panel.css">
{stylesheet}<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script type="module" src="{script}"></script>
</head>
<body>
<header class="topbar">
<a class="brand" href="/">Acme Domains — Control panel</a>
<span class="account">Signed in as {user}</span>
</header>
<div class="layout">
<nav class="sidebar" aria-label="Main">
<ul>
{nav}</ul>
</nav>
<main id="main">
{main}
</main>
</div>
<footer class="footer">Demo reseller panel. Registrar APIs are simulated by this server's sandbox.</footer>
</body>
</html>
"#,
        title = escape(title),
        user = escape(chrome.user),
        script = escape(chrome.script),
    )
}

/// An HTML page with the panel's security headers (the strict CSP).
pub(crate) fn html_response(body: String) -> Response {
    let mut res = Html(body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}
