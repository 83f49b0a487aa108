//! The gateway's listener: HTTP/1.1 and HTTP/2 (hyper), with bounds a
//! public server needs and `axum::serve` does not set: a client must send
//! its request headers within `header_read_timeout_seconds` (a connection
//! that sends half its headers and stalls is closed, as is one idle that
//! long between requests); at most `max_connections` at once (more are
//! closed as they arrive); every request answered within
//! `request_timeout_seconds` (408; an event stream's headers come at once
//! and it runs on). On shutdown, open connections finish their requests.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

/// The listener's bounds.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Time for a request's headers (and between requests).
    pub header_read_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets open
/// connections finish (at most 30 s).
///
/// # Errors
/// Never, today: a failed accept is retried.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    bounds: Bounds,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(bounds.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(
                max = bounds.max_connections,
                "connection refused: the limit is reached"
            );
            drop(stream);
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                Ok::<_, Infallible>(
                    app.oneshot(req.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|e| match e {}),
                )
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(Some(bounds.header_read_timeout))
            .keep_alive(true);
        builder.http2().timer(TokioTimer::new());
        let conn =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("connections still open after 30 s: closing");
        }
    }
    Ok(())
}
