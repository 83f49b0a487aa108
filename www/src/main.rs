//! `verification-www`: the gateway resellers deploy, and the demo.
//!
//! ```text
//! verification-www demo [--port N] [--widget-dir DIR] [--static-dir DIR]
//! verification-www serve --config FILE
//! verification-www check --config FILE [--email ADDRESS] [--format text|json]
//! verification-www log export --config FILE [--since DATE] [--format csv|jsonl]
//! verification-www log retention --config FILE
//! ```

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use verification_gateway::{self as gateway, config::GatewayConfig};

/// The registrant verification gateway: `serve` runs it beside your panel
/// (registrants named by your panel's tokens, your registrar credentials);
/// `demo` runs an offline demo with a sandbox of each registrar.
#[derive(Debug, Parser)]
#[command(name = "verification-www", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The demo: the gateway with a sandbox of each registrar as its
    /// registrars, and a reseller panel that signs its tokens, on
    /// 127.0.0.1 (docs/demo.md).
    Demo {
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, short, env = "PORT", default_value_t = 8080)]
        port: u16,
        /// The built widget package, which the gateway serves at /widget/.
        #[arg(long, default_value = "widget/pkg")]
        widget_dir: PathBuf,
        /// Where the gateway's store (SQLite) is kept; a fresh one at
        /// each start and each sandbox reset.
        #[arg(long, default_value = "target/demo")]
        data_dir: PathBuf,
        /// Your own pages, served at /site/ (opening one signs you in as
        /// the demo registrant; a widget there takes `token-url="/demo/token"`):
        /// try the widget on your page against the sandbox (docs/embedding.md:
        /// "Try it on your own page").
        #[arg(long)]
        static_dir: Option<PathBuf>,
        /// Another origin whose pages may call the demo's gateway (your
        /// own panel's, e.g. http://127.0.0.1:3000); repeatable.
        #[arg(long = "allow-origin", value_name = "ORIGIN")]
        allow_origin: Vec<String>,
    },
    /// The gateway: tokens from your panel, your registrar credentials,
    /// state in SQLite. Only /api, /webhooks, /healthz, /readyz, /metrics
    /// (and /widget when configured).
    Serve {
        /// The TOML configuration (docs/gateway.md).
        #[arg(long)]
        config: PathBuf,
    },
    /// Checks a configuration before going live, read-only: each
    /// registrar's host, clock, credentials and contract (DNA's WSDL), the
    /// store, own verification's relay and templates, the secrets. Exits 0
    /// only when every check passes. Never resends, sends an email or
    /// confirms a verification.
    Check {
        /// The TOML configuration `serve` would use.
        #[arg(long)]
        config: PathBuf,
        /// An address to look up at Openprovider and DNA.
        #[arg(long)]
        email: Option<String>,
        /// `text` (one line a check) or `json` (for automation).
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// An SMTP server that keeps what it is sent, on 127.0.0.1, for trying
    /// own verification's emails locally (the demo runs one in process).
    Mailcatcher {
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 2525)]
        port: u16,
        /// Where each message is written (`<n>.eml`); the file `mode` in it
        /// (`accept`, `refuse`, `hang`) changes how the next commands are
        /// answered.
        #[arg(long)]
        dir: PathBuf,
    },
    /// The logs a registrar may ask for: resends, and own verification's
    /// emails and verifications.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
}

#[derive(Debug, Subcommand)]
enum LogCommand {
    /// How many own-verification rows are held and why (a domain still
    /// registered, within two years of its end, its end unknown), and when
    /// the next becomes eligible.
    Retention {
        /// The gateway's configuration (its `database` and
        /// `[namecom.own_verification]`'s retention).
        #[arg(long)]
        config: PathBuf,
    },
    /// Prints a log's rows from a date on.
    Export {
        /// The gateway's configuration (its `database`).
        #[arg(long)]
        config: PathBuf,
        /// `resends` (every resend sent upstream), `emails` (every own
        /// verification email handed to the relay) or `verifications`
        /// (every contact verified through its link).
        #[arg(long, value_enum, default_value_t = Kind::Resends)]
        kind: Kind,
        /// The first day (YYYY-MM-DD, UTC) or instant (RFC 3339); default:
        /// everything.
        #[arg(long)]
        since: Option<String>,
        /// `csv` (a header line, one row a line) or `jsonl` (one JSON
        /// object a line).
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Resends,
    Emails,
    Verifications,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Csv,
    Jsonl,
}

fn since(text: Option<&str>) -> Result<DateTime<Utc>> {
    let Some(text) = text else { return Ok(DateTime::<Utc>::MIN_UTC) };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| {
        format!("--since: `{text}` is not a date (YYYY-MM-DD) or an RFC 3339 instant")
    })?;
    Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
}

fn init_logs() {
    init_logs_at("info");
}

fn init_logs_at(level: &str) {
    // One JSON object per line on stderr; RUST_LOG to change the level.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_current_span(true)
        .try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

async fn demo(
    port: u16,
    widget_dir: PathBuf,
    data_dir: PathBuf,
    static_dir: Option<PathBuf>,
    allowed_origins: Vec<String>,
) -> Result<()> {
    // The readiness probes race the first scan at start: not news in a demo.
    init_logs_at("warn,verification_gateway::ready=error");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    if !widget_dir.join("define.js").exists() {
        eprintln!(
            "note: {} has no define.js yet; the panel renders without widgets until the widget is built",
            widget_dir.display()
        );
    }
    if let Some(dir) = &static_dir {
        anyhow::ensure!(dir.is_dir(), "--static-dir {}: not a directory", dir.display());
    }
    let options = verification_www::Options {
        base: base.clone(),
        widget_dir,
        data_dir,
        static_dir: static_dir.clone(),
        allowed_origins,
    };
    let (app, demo) = verification_www::app(options)?;
    // The peer's address reaches the gateway (ConnectInfo), as under `serve`.
    let server = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    // The gateway's first scan reads the sandbox through this server.
    demo.start_gateway().await.context("the demo's gateway did not start")?;
    println!("Demo running at {base}/");
    if let Some(dir) = static_dir {
        println!("Your pages from {} at {base}/site/", dir.display());
    }
    std::io::stdout().flush()?;
    server.await?.context("server failed")
}

async fn mailcatcher(port: u16, dir: PathBuf) -> Result<()> {
    let catcher = verification_www::mailcatcher::MailCatcher::start(port, Some(dir.clone()))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    println!("Mail catcher listening on smtp://{}, writing to {}", catcher.addr, dir.display());
    std::io::stdout().flush()?;
    shutdown_signal().await;
    Ok(())
}

async fn serve(path: PathBuf) -> Result<()> {
    init_logs();
    let config = GatewayConfig::load(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(&path).is_ok_and(|m| m.permissions().mode() & 0o004 != 0) {
            tracing::warn!(
                config = %path.display(),
                "the configuration file is readable by every user of this machine: chmod 640 it \
                 (and keep its secrets in the environment, `env:NAME`)"
            );
        }
    }
    let listen = config.listen;
    let ops_listen = config.ops_listen;
    let bounds = gateway::server::Bounds {
        header_read_timeout: config.header_read_timeout,
        max_connections: config.max_connections as usize,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let gw = gateway::Gateway::new(config, stop_rx).await?;
    gw.start();
    if let Some(ops) = ops_listen {
        let listener = tokio::net::TcpListener::bind(ops)
            .await
            .with_context(|| format!("`ops_listen`: cannot listen on {ops}"))?;
        let app = gateway::ops_router(gw.clone());
        tracing::info!(addr = %ops, "operations listening (/healthz, /readyz, /metrics)");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the operations listener stopped");
            }
        });
    }
    let app = gateway::router(gw);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("`listen`: cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "gateway listening");
    println!("Gateway listening on http://{addr}");
    std::io::stdout().flush()?;
    // The peer's address reaches the per-address limit (ConnectInfo).
    gateway::server::serve(listener, app, bounds, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: draining open streams");
        // Ends the event streams and the scanner, so the drain ends.
        let _ = stop_tx.send(true);
    })
    .await
    .context("server failed")
}

/// `check`: `Ok(false)` when a check failed (each said on stdout).
async fn check(path: PathBuf, email: Option<String>, format: CheckFormat) -> Result<bool> {
    let lines = match GatewayConfig::load(&path) {
        Ok(config) => gateway::check::run(&config, email.as_deref()).await,
        Err(e) => vec![gateway::check::Line {
            area: "config",
            check: "load",
            ok: false,
            detail: e.to_string(),
            fix: Some(format!("fix {}", path.display())),
        }],
    };
    let out = match format {
        CheckFormat::Text => gateway::check::text(&lines),
        CheckFormat::Json => format!("{}\n", gateway::check::json(&lines)),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(lines.iter().all(|l| l.ok))
}

async fn export(
    path: PathBuf,
    kind: Kind,
    since_text: Option<String>,
    format: Format,
) -> Result<()> {
    // Only `database` is read: exporting needs no registrar or token secret.
    let database = gateway::config::load_database(&path)?;
    let store = gateway::store::Store::open(&database, Vec::new())
        .await
        .map_err(|e| anyhow::anyhow!("`database`: cannot open the store: {e}"))?;
    let since = since(since_text.as_deref())?;
    let stdout = std::io::stdout();
    let out = stdout.lock();
    match kind {
        Kind::Resends => {
            let rows = store.log_since(since).await.map_err(anyhow::Error::msg)?;
            write_rows(out, &rows, format, RESEND_COLUMNS)
        }
        Kind::Emails => {
            let mut rows = store.own_email_log(since).await.map_err(anyhow::Error::msg)?;
            let ends = registration_ends(&store, &path).await?;
            for r in &mut rows {
                (r.registration_ends_at, r.registration_ended_at) = ends(&r.domains);
            }
            write_rows(out, &rows, format, EMAIL_COLUMNS)
        }
        Kind::Verifications => {
            let mut rows = store.own_verification_log(since).await.map_err(anyhow::Error::msg)?;
            let ends = registration_ends(&store, &path).await?;
            for r in &mut rows {
                (r.registration_ends_at, r.registration_ended_at) = ends(&r.domains);
            }
            write_rows(out, &rows, format, VERIFICATION_COLUMNS)
        }
    }
}

/// `registrationEndsAt` and `registrationEndedAt` of a row's domains.
async fn registration_ends(
    store: &gateway::store::Store,
    path: &std::path::Path,
) -> Result<impl Fn(&str) -> (String, String)> {
    let (_, grace_days) = gateway::config::load_own_retention(path)?;
    let grace = chrono::TimeDelta::days(i64::from(grace_days));
    let rows: std::collections::HashMap<String, _> = store
        .own_domains()
        .await
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .map(|d| (d.domain.clone(), d))
        .collect();
    let now = Utc::now();
    Ok(move |domains: &str| gateway::own::retention::export_columns(domains, &rows, grace, now))
}

/// `log retention`: the own-verification rows held, and why.
async fn retention(path: PathBuf) -> Result<()> {
    let database = gateway::config::load_database(&path)?;
    let (days, grace_days) = gateway::config::load_own_retention(&path)?;
    let store = gateway::store::Store::open(&database, Vec::new())
        .await
        .map_err(|e| anyhow::anyhow!("`database`: cannot open the store: {e}"))?;
    let r = gateway::own::retention::report(
        &store,
        chrono::TimeDelta::days(i64::from(grace_days)),
        chrono::TimeDelta::days(i64::from(days)),
        Utc::now(),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Own verification logs, kept for the registration of every domain they name and {days} days after (name.com: \"for the duration of the domain registration and for at least two (2) years thereafter\")."
    )?;
    writeln!(out, "{} emails and {} verifications held:", r.emails, r.verifications)?;
    writeln!(out, "  {:>6}  while a domain they name is registered", r.registered)?;
    writeln!(out, "  {:>6}  within {days} days of their domains' end", r.retained)?;
    writeln!(out, "  {:>6}  a domain's end unknown (never seen in a domain scan, or a miss not yet confirmed): kept", r.unknown)?;
    writeln!(out, "  {:>6}  eligible: the next purge deletes them", r.eligible)?;
    match r.next_eligible_at {
        Some(t) => writeln!(
            out,
            "The next held row becomes eligible at {} at the earliest (if not renewed).",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )?,
        None => writeln!(out, "No held row has a known end.")?,
    }
    writeln!(out, "Domain scan: {}.", r.last_scan)?;
    out.flush()?;
    Ok(())
}

const RESEND_COLUMNS: &[&str] = &[
    "id",
    "created_at",
    "registrant",
    "provider",
    "contact",
    "email",
    "domains",
    "operation",
    "idempotency_key",
    "upstream_status",
    "upstream_body",
    "error",
    "answered_at",
];

const EMAIL_COLUMNS: &[&str] = &[
    "timestamp",
    "domains",
    "verification_id",
    "event",
    "detail",
    "recipient",
    "subject",
    "stage",
    "template",
    "variables",
    "registrationEndsAt",
    "registrationEndedAt",
];

const VERIFICATION_COLUMNS: &[&str] = &[
    "timestamp",
    "domains",
    "verification_id",
    "method",
    "address",
    "registrationEndsAt",
    "registrationEndedAt",
];

/// `rows` as CSV (a header line even when empty) or JSON lines.
fn write_rows<T: serde::Serialize>(
    mut out: impl std::io::Write,
    rows: &[T],
    format: Format,
    columns: &[&str],
) -> Result<()> {
    match format {
        Format::Jsonl => {
            for row in rows {
                serde_json::to_writer(&mut out, row)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for row in rows {
                w.serialize(row)?;
            }
            if rows.is_empty() {
                w.write_record(columns)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        match cli.command {
            Command::Demo { port, widget_dir, data_dir, static_dir, allow_origin } => {
                demo(port, widget_dir, data_dir, static_dir, allow_origin).await.map(|()| true)
            }
            Command::Serve { config } => serve(config).await.map(|()| true),
            Command::Check { config, email, format } => check(config, email, format).await,
            Command::Mailcatcher { port, dir } => mailcatcher(port, dir).await.map(|()| true),
            Command::Log { command: LogCommand::Export { config, kind, since, format } } => {
                export(config, kind, since, format).await.map(|()| true)
            }
            Command::Log { command: LogCommand::Retention { config } } => {
                retention(config).await.map(|()| true)
            }
        }
    });
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        // `check`: a check failed, as its output says.
        Ok(false) => std::process::ExitCode::FAILURE,
        // `log export | head`: the reader has what it wanted.
        Err(e) if broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether `e` is a write to a closed pipe (directly, or inside a CSV or
/// JSON writer's error).
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let json =
            cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
        let csv = cause.downcast_ref::<csv::Error>().and_then(|c| match c.kind() {
            csv::ErrorKind::Io(io) => Some(io.kind()),
            _ => None,
        });
        [io, json, csv].contains(&Some(std::io::ErrorKind::BrokenPipe))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line() {
        Cli::command_debug_assert();
        let demo = Cli::try_parse_from(["w", "demo", "--port", "0", "--widget-dir=x/y"]).unwrap();
        assert!(
            matches!(demo.command, Command::Demo { port: 0, ref widget_dir, static_dir: None, .. } if widget_dir == &PathBuf::from("x/y"))
        );
        assert!(Cli::try_parse_from(["w", "serve"]).is_err(), "serve needs --config");
        assert!(Cli::try_parse_from(["w", "--bogus"]).is_err());
        let log =
            Cli::try_parse_from(["w", "log", "export", "--config", "c.toml", "--format", "jsonl"])
                .unwrap();
        assert!(matches!(log.command, Command::Log { .. }));
        assert_eq!(since(Some("2026-03-01")).unwrap().to_rfc3339(), "2026-03-01T00:00:00+00:00");
        assert!(since(Some("yesterday")).is_err());
    }

    use clap::CommandFactory as _;
    impl Cli {
        fn command_debug_assert() {
            Cli::command().debug_assert();
        }
    }
}
