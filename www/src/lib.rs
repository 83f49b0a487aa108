//! The registrant verification gateway, and the demo around it.
//!
//! Two modes of one binary:
//! - [`gateway`] (`verification-www serve --config FILE`): what a reseller
//!   deploys. Tokens from the panel, real registrar clients, the store. It
//!   imports nothing of the demo.
//! - the demo (`verification-www demo`), built by [`app`], below.
//!
//! The demo application serves:
//! - the demo reseller control panel ([`demo`]): `/`, `/account/contact`,
//!   `/static/panel.css`, and the built widget at `/widget/`;
//! - the reference backend pass-through ([`proxy`]): `/api/{provider}/...`;
//! - a sandbox that behaves like each registrar's API ([`sandbox`]):
//!   `/sandbox/...`;
//! - the name.com webhook receiver ([`webhooks`]): `/webhooks/namecom`;
//! - the reseller support view ([`support`]): `/support` and the staff
//!   pass-through `/api/{provider}/list`, `/api/{provider}/support/resend`.
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
pub mod gateway;
pub mod mailcatcher;
pub mod own_demo;
pub mod proxy;
pub mod ratelimit;
pub mod resend_log;
pub mod sandbox;
pub mod scenarios;
pub mod session;
pub mod support;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;

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
    /// name.com webhooks and their event channel.
    pub webhooks: Arc<webhooks::Webhooks>,
    /// The demo's own verification, when on.
    pub own_demo: Option<Arc<own_demo::OwnDemo>>,
}

/// Builds the whole application.
///
/// # Panics
/// When the resend log cannot be opened; [`try_app`] returns the error.
pub fn app(config: Config) -> Router {
    try_app(config).expect("the resend log opens")
}

/// [`app`], or why the resend log at `config.resend_log` cannot be opened.
///
/// # Errors
/// The SQLite error.
pub fn try_app(config: Config) -> anyhow::Result<Router> {
    let widget = gateway::widget::service(&config.widget_dir, &[]);
    let webhooks = webhooks::Webhooks::new(
        config.namecom_webhook_url.clone(),
        config.namecom.token.clone(),
        config.sse_keep_alive,
    );
    let support_config = config.clone();
    let static_dir = config.static_dir.clone();
    let log_path = config.resend_log.clone();
    let own_base = config.own_verification_demo.clone();
    let proxy = proxy::Proxy::new(config)
        .map_err(|e| anyhow::anyhow!("cannot open the resend log {}: {e}", log_path.display()))?;
    let sessions: Arc<session::Sessions> = Arc::default();
    let sandbox = Arc::new(sandbox::Sandbox::new());
    let own_demo = own_base.map(|base| own_demo::start(&base, sandbox.clone(), sessions.clone()));
    let state = AppState {
        sessions,
        sandbox,
        proxy: Arc::new(proxy),
        webhooks: Arc::new(webhooks),
        own_demo: own_demo.clone(),
    };
    let support = Arc::new(support::Support::new(
        support_config,
        state.sandbox.clone(),
        state.sessions.clone(),
    ));
    let site = static_dir.as_deref().map(|dir| demo::site(dir, state.clone()));
    let router = Router::new()
        .merge(demo::router())
        .merge(webhooks::router())
        .nest("/api", proxy::router())
        .with_state(state.clone())
        .merge(support::router(support))
        .nest("/sandbox", sandbox::router(state.sandbox))
        .nest_service("/widget", widget);
    let router = match own_demo {
        Some(own) => router.merge(own_demo::router(own)),
        None => router,
    };
    Ok(match site {
        Some(site) => router.merge(site),
        None => router,
    })
}
