//! The widget's built files, served at `/widget/` by `serve` (when
//! `widget_dir` is set) and by the demo.

use std::io::Read;
use std::path::{Path, PathBuf};

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
/// after an upgrade. Compressed for browsers that accept it (the wasm is
/// what a registrant on a slow phone connection waits for): the build's
/// brotli (`X.br`, a sixth smaller than gzip) or gzip (`X.gz`) copies as
/// they are, when every one of them is its source compressed; otherwise,
/// and for files without copies, gzip at the best level on the fly.
pub fn service(dir: &Path) -> Router {
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
    Router::new().fallback_service(files).layer(gzip).layer(middleware::from_fn(widget_mime))
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
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Which copy is sent depends on `Accept-Encoding`.
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
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
