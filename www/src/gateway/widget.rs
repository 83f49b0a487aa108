//! The widget's built files, served at `/widget/` by `serve` (when
//! `widget_dir` is set) and by the demo.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// The widget bundle directory, with the MIME types browsers insist on
/// for ES modules and `WebAssembly.instantiateStreaming`, and
/// `Cache-Control: no-cache`: the files have fixed names, so a browser must
/// ask (`If-Modified-Since`, answered `304` while unchanged) before reusing
/// one. Without it, heuristic caching could pair an old glue with a new wasm
/// after an upgrade. Sent gzip-compressed (best level) to browsers that
/// accept it: the wasm is a quarter of its size on the wire, which is what
/// a registrant on a slow phone connection waits for.
pub fn service(dir: &Path) -> Router {
    let gzip = CompressionLayer::new().gzip(true).quality(CompressionLevel::Best);
    Router::new()
        .fallback_service(ServeDir::new(dir))
        .layer(gzip)
        .layer(middleware::from_fn(widget_mime))
}

async fn widget_mime(req: Request, next: Next) -> Response {
    let ext = req.uri().path().rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let mut res = next.run(req).await;
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
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
