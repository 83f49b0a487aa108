//! `verification-www`: the command line (`main.rs`: `serve`, `check`,
//! `log`, `mailcatcher`, `demo`) and, in this library, the demo
//! (`verification-www demo`): the gateway a reseller deploys, run in one
//! process with a sandbox of each registrar and a reseller panel that plays
//! the reseller's side.
//!
//! - The **sandbox** (the `verification-sandbox` crate) at `/sandbox/…`
//!   plays the registrars.
//! - The **gateway** (the `verification-gateway` crate: `serve`'s code) answers
//!   everything the demo does not: `/api/…`, `/webhooks/namecom`,
//!   `/widget/…`, `/verify/…`, `/healthz`, `/readyz`, `/openapi.json`. Its
//!   configuration is generated ([`gateway_toml`]): the three registrars
//!   are the sandbox, its store is SQLite under `--data-dir`
//!   (`target/demo`), its tokens are signed by the panel with a secret
//!   made at start.
//! - The **panel** ([`panel`], [`support`], [`tokens`], its layout in
//!   [`chrome`]) is the reseller's:
//!   its pages, its sign-in (a cookie, [`session`]) and its server side
//!   that signs each registrant's token (`/demo/token`) and the support
//!   staff's (`/demo/staff-token`), as the WHMCS hook does.
//! - **Own verification** ([`own`]): a second gateway, for the sandbox's
//!   second name.com account whose reseller sends the ICANN emails itself,
//!   at `/gateway/…`, sending through an in-process mail catcher
//!   ([`mailcatcher`]) that `/mailbox` shows.
//!
//! A sandbox reset (`POST /sandbox/control/reset`) starts a new gateway on
//! a new store, so each reset is a fresh world: no cooldown, limit or
//! mirror row survives it. A change of name.com's data through the
//! sandbox's controls (`seed`, `namecom/…`, `clock`) is read by the
//! gateways at once (a scan), as name.com's webhooks would tell a deployed
//! one.

pub mod chrome;
pub mod mailcatcher;
pub mod own;
pub mod panel;
pub mod session;
pub mod support;
pub mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::watch;
use tower::ServiceExt as _;

use verification_gateway::{self as gateway, config::GatewayConfig};
use verification_sandbox::{self as sandbox, Sandbox};

/// What `verification-www demo` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the demo is reached (`http://127.0.0.1:8080`).
    pub base: String,
    /// The built widget package, which the gateway serves at `/widget/`.
    pub widget_dir: PathBuf,
    /// The gateway's store (`gateway-N.sqlite`) lives here; made if
    /// missing, its old stores removed at start.
    pub data_dir: PathBuf,
    /// The developer's own pages, at `/site/`.
    pub static_dir: Option<PathBuf>,
    /// Other origins whose pages may call the gateway (a panel of your own
    /// trying the demo's gateway), beside the demo's.
    pub allowed_origins: Vec<String>,
}

/// The running gateway of one generation (a reset starts the next).
struct Running {
    gw: gateway::Shared,
    router: Router,
    stop: watch::Sender<bool>,
    database: PathBuf,
}

/// The demo's state.
pub struct Demo {
    /// See [`Options`].
    pub options: Options,
    /// The registrars.
    pub sandbox: Arc<Sandbox>,
    /// The panel's signed-in visitors.
    pub sessions: Arc<session::Sessions>,
    /// The key the panel signs tokens with and the gateway checks them by.
    secret: String,
    running: RwLock<Option<Running>>,
    /// One start of a gateway at a time.
    starting: tokio::sync::Mutex<u64>,
    /// Why the gateway did not start, if it did not.
    failed: RwLock<Option<String>>,
    /// Own verification's gateway.
    own: Arc<own::OwnDemo>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo").field("options", &self.options).finish_non_exhaustive()
    }
}

/// `bytes` random bytes, hex: the demo's secrets (32) and session ids (16).
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The generated configuration of the demo's gateway: `serve`'s file,
/// with the sandbox as the three registrars.
pub fn gateway_toml(options: &Options, database: &Path, secret: &str) -> String {
    let base = options.base.trim_end_matches('/');
    let widget =
        std::path::absolute(&options.widget_dir).unwrap_or_else(|_| options.widget_dir.clone());
    let origins = std::iter::once(base)
        .chain(options.allowed_origins.iter().map(String::as_str))
        .map(|o| format!("{o:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"listen = "127.0.0.1:0"
allowed_origins = [{origins}]
database = "sqlite://{database}"
widget_dir = "{widget}"
# A sandbox change shows at the next read.
status_reuse_seconds = 0
# Every browser of the demo is one address, and one page reads a card per
# scenario with one token.
requests_per_minute_per_ip = 0
status_reads_per_minute = 600

[tokens]
audience = "{audience}"
hs256_secret = "{secret}"
{registrars}"#,
        database = database.display(),
        widget = widget.display(),
        audience = tokens::AUDIENCE,
        registrars = sandbox::gateway_registrars(base, &format!("{base}/webhooks/namecom"), 60),
    )
}

/// Builds the demo's application. Serve it, then call
/// [`Demo::start_gateway`]: the gateway's first scan reads the sandbox
/// through this very server.
///
/// # Errors
/// When `data_dir` cannot be made.
pub fn app(options: Options) -> anyhow::Result<(Router, Arc<Demo>)> {
    std::fs::create_dir_all(&options.data_dir).map_err(|e| {
        anyhow::anyhow!("--data-dir {}: cannot be made: {e}", options.data_dir.display())
    })?;
    // Stores of earlier runs: the sandbox starts anew, so does the gateway.
    if let Ok(entries) = std::fs::read_dir(&options.data_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("gateway-") && name.contains(".sqlite") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let sandbox = Arc::new(Sandbox::new());
    let sessions: Arc<session::Sessions> = Arc::default();
    let own = own::start(&options.base, sandbox.clone(), sessions.clone());
    let demo = Arc::new(Demo {
        options: options.clone(),
        sandbox: sandbox.clone(),
        sessions,
        secret: random_hex(32),
        running: RwLock::new(None),
        starting: tokio::sync::Mutex::new(0),
        failed: RwLock::new(None),
        own: own.clone(),
    });
    let controls = axum::middleware::from_fn_with_state(demo.clone(), after_control);
    let gateway = Router::new().fallback(to_gateway).with_state(demo.clone());
    let mut router = Router::new()
        .merge(panel::router(demo.clone()))
        .merge(support::router(demo.clone()))
        .merge(tokens::router(demo.clone()))
        .merge(own::router(own))
        .nest("/sandbox", sandbox::router(sandbox).layer(controls));
    if let Some(dir) = &options.static_dir {
        router = router.merge(panel::site(dir, demo.clone()));
    }
    Ok((router.fallback_service(gateway), demo))
}

impl Demo {
    /// Starts the gateway (again, after a reset: the old one stops, its
    /// store is removed), waits for its first read of name.com's list.
    ///
    /// # Errors
    /// When the generated configuration or the store is refused.
    pub async fn start_gateway(&self) -> anyhow::Result<()> {
        let mut generation = self.starting.lock().await;
        *generation += 1;
        let database = self.options.data_dir.join(format!("gateway-{}.sqlite", *generation));
        let database = std::path::absolute(&database).unwrap_or(database);
        let text = gateway_toml(&self.options, &database, &self.secret);
        let started = async {
            let config = GatewayConfig::parse(&text, Path::new("."), |_| None)
                .map_err(|e| anyhow::anyhow!("the demo's gateway configuration: {}", e.0))?;
            let (stop, rx) = watch::channel(false);
            let sandbox = self.sandbox.clone();
            let clock: gateway::own::Clock = Arc::new(move || sandbox.now());
            let gw = gateway::Gateway::with_clock(config, rx, clock).await?;
            gw.start();
            // The scanner's first read of name.com's list starts at once:
            // wait for it (up to 20 s) rather than read the list twice.
            if gw.namecom.is_some() {
                let until = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
                while gw.store.mirror_completed_at().await.ok().flatten().is_none() {
                    anyhow::ensure!(
                        tokio::time::Instant::now() < until,
                        "name.com's first scan did not complete in 20 s"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            }
            let router = gateway::router(gw.clone());
            anyhow::Ok(Running { gw, router, stop, database })
        };
        match started.await {
            Ok(running) => {
                let old = self.running.write().unwrap_or_else(|e| e.into_inner()).replace(running);
                *self.failed.write().unwrap_or_else(|e| e.into_inner()) = None;
                if let Some(old) = old {
                    let _ = old.stop.send(true);
                    let path = old.database;
                    drop(old.gw);
                    // Its pool closes as its last requests end.
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                        for suffix in ["", "-wal", "-shm"] {
                            let mut p = path.clone().into_os_string();
                            p.push(suffix);
                            let _ = std::fs::remove_file(p);
                        }
                    });
                }
                Ok(())
            }
            Err(e) => {
                *self.failed.write().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                Err(e)
            }
        }
    }

    /// The running gateway, if it has started.
    pub fn gateway(&self) -> Option<gateway::Shared> {
        self.running.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(|r| r.gw.clone())
    }

    fn router(&self) -> Option<Router> {
        self.running.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(|r| r.router.clone())
    }

    /// The gateway reads name.com's list now (after a change through the
    /// sandbox's controls).
    async fn rescan(&self) {
        if let Some(nc) = self.gateway().and_then(|gw| gw.namecom.clone()) {
            if let Err(e) = nc.scan().await {
                tracing::warn!(error = %e, "the demo gateway's scan failed");
            }
        }
        self.own.rescan().await;
    }
}

/// After a sandbox control changed the registrars' data: a reset starts a
/// new gateway (then the request counters start from zero again, so they
/// count what the registrants' pages caused); a change of name.com's
/// contacts, or of the clock (name.com lists a change ten minutes late), is
/// scanned.
async fn after_control(State(demo): State<Arc<Demo>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let post = req.method() == Method::POST;
    let res = next.run(req).await;
    if !post || !res.status().is_success() {
        return res;
    }
    if path.ends_with("/control/reset") {
        if let Err(e) = demo.start_gateway().await {
            tracing::error!(error = %e, "the demo's gateway did not start again");
            return (StatusCode::INTERNAL_SERVER_ERROR, format!("the gateway did not start: {e}"))
                .into_response();
        }
        demo.own.rescan().await;
        demo.sandbox.clear_requests();
    } else if ["/control/seed", "/control/clock"].iter().any(|p| path.ends_with(p))
        || path.contains("/control/namecom/")
    {
        demo.rescan().await;
    }
    res
}

/// Everything the demo does not serve itself goes to the gateway,
/// unchanged (the peer's address included).
async fn to_gateway(State(demo): State<Arc<Demo>>, req: Request) -> Response {
    let Some(router) = demo.router() else {
        let why = demo.failed.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut res = (
            StatusCode::SERVICE_UNAVAILABLE,
            why.map_or("The demo's gateway is starting; try again in a moment.".into(), |e| {
                format!("The demo's gateway did not start: {e}")
            }),
        )
            .into_response();
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return res;
    };
    match router.oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}
