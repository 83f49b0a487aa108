//! The registrant verification gateway, its registrar sandbox, and the demo
//! around them: three programs of one binary.
//!
//! - [`gateway`] (`verification-www serve --config FILE`, `check`, `log`):
//!   what a reseller deploys. Tokens from the panel, real registrar
//!   clients, the store. It imports nothing of the sandbox or the demo.
//! - [`sandbox`]: an offline stand-in for each registrar's API (one module
//!   per registrar) and the demo's scenarios, at `/sandbox/…`.
//! - [`demo`] (`verification-www demo`): the gateway with the sandbox as its
//!   registrars, and a reseller panel that signs the gateway's tokens.
//!
//! [`demo::app`] builds the demo's router, so tests can run it in process:
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base = format!("http://{}", listener.local_addr()?);
//! let options = verification_www::demo::Options {
//!     base,
//!     widget_dir: "widget/pkg".into(),
//!     data_dir: "target/demo".into(),
//!     static_dir: None,
//! };
//! let (app, demo) = verification_www::demo::app(options)?;
//! let server = tokio::spawn(async move { axum::serve(listener, app).await });
//! demo.start_gateway().await?;
//! # server.await??;
//! # Ok(())
//! # }
//! ```

// Handlers return early with a ready `Response` as the error value; boxing
// every one of them would only add noise.
#![allow(clippy::result_large_err)]

pub mod demo;
pub mod gateway;
pub mod sandbox;
