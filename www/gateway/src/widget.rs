//! The widget's built files, served at `/widget/` by `serve` (when
//! `widget_dir` is set) and by the demo.

use std::io::Read;
use std::path::{Path, PathBuf};

use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

/// How long a browser keeps a file of the versioned path (a year: the
/// longest caches honour).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The widget bundle directory, with the MIME types browsers insist on
/// for ES modules and `WebAssembly.instantiateStreaming`.
///
/// Panels load it from another origin (the gateway's), and module scripts,
/// their imports and the wasm are fetched in CORS mode: every file answers
/// `allowed_origins` with `Access-Control-Allow-Origin` (no credentials),
/// and `Cross-Origin-Resource-Policy: cross-origin`, so a panel that sets
/// `Cross-Origin-Embedder-Policy` may embed it too.
///
/// Two paths serve the same files. `/widget/{version}/…` (the package's
/// `version`, from its `package.json`) is cached for a year as immutable:
/// a new release has a new path. The unversioned `/widget/…` is
/// `Cache-Control: no-cache`: the names are fixed, so a browser asks
/// (`If-Modified-Since`, answered `304` while unchanged) before reusing a
/// file; without it, heuristic caching could pair an old glue with a new
/// wasm after an upgrade. Compressed for browsers that accept it (the wasm is
/// what a registrant on a slow phone connection waits for): the build's
/// brotli (`X.br`, a sixth smaller than gzip) or gzip (`X.gz`) copies as
/// they are, when every one of them is its source compressed; otherwise,
/// and for files without copies, gzip at the best level on the fly.
pub fn service(dir: &Path, allowed_origins: &[String]) -> Router {
    let gzip = CompressionLayer::new().gzip(true).quality(CompressionLevel::Best);
    let files = match stale_precompressed(dir) {
        None => ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        Some(file) => {
            tracing::warn!(
                file = %file.display(),
                "a precompressed widget file is not its source compressed (left from an \
                 earlier version?): serving the widget compressed on the fly instead; \
                 replace the directory with the new build, or delete the .br and .gz files"
            );
            ServeDir::new(dir)
        }
    };
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
        .allow_methods([Method::GET, Method::HEAD])
        .max_age(Duration::from_secs(600));
    let mut router = Router::new();
    if let Some(version) = version(dir) {
        let versioned = Router::new()
            .fallback_service(files.clone())
            .layer(middleware::from_fn(|req, next| cached(req, next, IMMUTABLE)));
        router = router.nest_service(&format!("/{version}"), versioned);
    }
    router
        .fallback_service(files)
        .layer(middleware::from_fn(|req, next| cached(req, next, "no-cache")))
        .layer(gzip)
        .layer(middleware::from_fn(widget_mime))
        .layer(cors)
}

/// The package's `version` from `dir/package.json`, when it is one a path
/// can carry (`0.1.0`, `1.2.3-rc.1`).
pub fn version(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let version = v.get("version")?.as_str()?;
    let fits = !version.is_empty()
        && version.len() <= 64
        && version.bytes().all(|b| b.is_ascii_alphanumeric() || b".-+_".contains(&b));
    fits.then(|| version.to_owned())
}

/// Sets `Cache-Control` (the inner router's wins: the versioned path).
async fn cached(req: Request, next: Next, policy: &'static str) -> Response {
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED {
        res.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(policy));
    }
    res
}

/// The first `X.br` or `X.gz` in `dir` (or a directory in it) that does not
/// decompress to exactly `X` (or has no `X`): after an upgrade that copied
/// new files over old ones, a stale copy would pair an old wasm with new
/// glue.
fn stale_precompressed(dir: &Path) -> Option<PathBuf> {
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let ext = path.extension().and_then(|e| e.to_str());
            if !matches!(ext, Some("br" | "gz")) {
                continue;
            }
            let source = path.with_extension("");
            let same = match (std::fs::read(&source), std::fs::File::open(&path)) {
                (Ok(source), Ok(file)) => {
                    let mut out = Vec::with_capacity(source.len());
                    let read = if ext == Some("br") {
                        brotli_decompressor::Decompressor::new(file, 4096).read_to_end(&mut out)
                    } else {
                        flate2::read::GzDecoder::new(file).read_to_end(&mut out)
                    };
                    read.is_ok() && out == source
                }
                _ => false,
            };
            if !same {
                return Some(path);
            }
        }
    }
    None
}

async fn widget_mime(req: Request, next: Next) -> Response {
    let ext = req.uri().path().rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let mut res = next.run(req).await;
    // Which copy is sent depends on `Accept-Encoding`.
    let varies = res
        .headers()
        .get_all(header::VARY)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
    if !varies {
        res.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    // Meant to be embedded by other origins' pages.
    res.headers_mut().insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
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
