//! Demo and reference server for the registrant verification widget.
//!
//! One axum application serves:
//! - the demo reseller control panel ([`demo`]): `/`, `/account/contact`,
//!   `/static/panel.css`, and the built widget at `/widget/`;
//! - the reference backend pass-through ([`proxy`]): `/api/{provider}/...`;
//! - a sandbox that behaves like each registrar's API ([`sandbox`]):
//!   `/sandbox/...`.
//!
//! [`app`] builds the router, so integration tests can run it in-process:
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("http://{}", listener.local_addr()?);
//! let config = verification_www::Config::sandbox(&url, "widget/pkg");
//! axum::serve(listener, verification_www::app(config)).await
//! # }
//! ```

// Handlers return early with a ready `Response` as the error value; boxing
// every one of them would only add noise.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod demo;
pub mod proxy;
pub mod sandbox;
pub mod scenarios;
pub mod session;

use std::path::Path;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

pub use config::Config;

/// State shared by the demo pages and the pass-through.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Demo sessions.
    pub sessions: Arc<session::Sessions>,
    /// The registrar sandbox.
    pub sandbox: Arc<sandbox::Sandbox>,
    /// The pass-through.
    pub proxy: Arc<proxy::Proxy>,
}

/// Builds the whole application.
pub fn app(config: Config) -> Router {
    let widget = widget_service(&config.widget_dir);
    let state = AppState {
        sessions: Arc::default(),
        sandbox: Arc::new(sandbox::Sandbox::new()),
        proxy: Arc::new(proxy::Proxy::new(config)),
    };
    Router::new()
        .merge(demo::router())
        .nest("/api", proxy::router())
        .with_state(state.clone())
        .nest("/sandbox", sandbox::router(state.sandbox))
        .nest_service("/widget", widget)
}

/// The widget bundle directory, with the MIME types browsers insist on
/// for ES modules and `WebAssembly.instantiateStreaming`.
fn widget_service(dir: &Path) -> Router {
    Router::new().fallback_service(ServeDir::new(dir)).layer(middleware::from_fn(widget_mime))
}

async fn widget_mime(req: Request, next: Next) -> Response {
    let ext = req.uri().path().rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let mut res = next.run(req).await;
    let mime = match ext.as_deref() {
        Some("wasm") => "application/wasm",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("ts") => "text/plain; charset=utf-8",
        Some("json" | "map") => "application/json",
        _ => return res,
    };
    if res.status().is_success() {
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    }
    res
}
