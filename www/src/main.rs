//! `verification-www`: the demo panel, reference pass-through and registrar
//! sandbox.
//!
//! ```text
//! cargo run -p verification-www -- [--port N] [--widget-dir DIR]
//! ```
//!
//! `PORT` is read when `--port` is absent (default 8080; 0 picks a free
//! port). The server binds 127.0.0.1 and prints
//! `Demo running at http://127.0.0.1:PORT/` once it listens.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use std::io::Write as _;

const USAGE: &str = "usage: verification-www [--port N] [--widget-dir DIR]\n\
\n\
  --port N          port on 127.0.0.1 (default: $PORT, else 8080; 0 = any free port)\n\
  --widget-dir DIR  built widget package served at /widget/ (default: widget/pkg)\n\
\n\
Upstreams default to this server's sandbox; override with DNA_BASE_URL, DNA_USERNAME,\n\
DNA_PASSWORD, NAMECOM_BASE_URL, NAMECOM_USERNAME, NAMECOM_TOKEN, OPENPROVIDER_BASE_URL,\n\
OPENPROVIDER_TOKEN. NAMECOM_WEBHOOK_URL: the public URL name.com posts webhooks to\n\
(default http://127.0.0.1:PORT/webhooks/namecom). RESEND_LOG: the SQLite resend log\n\
(default target/www-resend-log.sqlite3).";

struct Args {
    port: u16,
    widget_dir: PathBuf,
}

fn parse_args(
    args: impl Iterator<Item = String>,
    env_port: Option<String>,
) -> Result<Option<Args>> {
    let mut port: Option<u16> = None;
    let mut widget_dir = PathBuf::from("widget/pkg");
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline.clone().or_else(|| args.next()).with_context(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" | "-p" => port = Some(value()?.parse().context("--port must be 0-65535")?),
            "--widget-dir" => widget_dir = PathBuf::from(value()?),
            "--help" | "-h" => return Ok(None),
            other => bail!("unknown argument `{other}`\n\n{USAGE}"),
        }
    }
    let port = match (port, env_port.filter(|p| !p.trim().is_empty())) {
        (Some(p), _) => p,
        (None, Some(p)) => p.trim().parse().context("PORT must be 0-65535")?,
        (None, None) => 8080,
    };
    Ok(Some(Args { port, widget_dir }))
}

#[tokio::main]
async fn main() -> Result<()> {
    let Some(args) = parse_args(std::env::args().skip(1), std::env::var("PORT").ok())? else {
        println!("{USAGE}");
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    if !args.widget_dir.join("define.js").exists() {
        eprintln!(
            "note: {} has no define.js yet; the panel renders without widgets until the widget is built",
            args.widget_dir.display()
        );
    }
    let config = verification_www::Config::from_env(&base, args.widget_dir);
    let app = verification_www::try_app(config)?;
    println!("Demo running at {base}/");
    std::io::stdout().flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("server failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: Option<&str>) -> Result<Option<Args>> {
        parse_args(args.iter().map(|s| s.to_string()), env.map(str::to_owned))
    }

    #[test]
    fn args() {
        let a = parse(&[], None).unwrap().unwrap();
        assert_eq!((a.port, a.widget_dir), (8080, PathBuf::from("widget/pkg")));
        assert_eq!(parse(&[], Some("9001")).unwrap().unwrap().port, 9001);
        let a = parse(&["--port", "0", "--widget-dir=x/y"], Some("9001")).unwrap().unwrap();
        assert_eq!((a.port, a.widget_dir), (0, PathBuf::from("x/y")));
        assert!(parse(&["--port"], None).is_err());
        assert!(parse(&["--bogus"], None).is_err());
        assert!(parse(&["--help"], None).unwrap().is_none());
    }
}
