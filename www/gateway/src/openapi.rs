//! The gateway's own HTTP API as an OpenAPI 3.1 document (utoipa), served
//! at `/openapi.json` and kept in the repository as `www/gateway/openapi.json`
//! (a test compares the two, and the document with the routes).
//!
//! The operations are described by `#[utoipa::path]` on the handlers
//! themselves; the bodies the gateway makes are the types it serializes
//! ([`super::bodies`], [`super::ready::State`], the queue's items). Status and
//! resend answers are the registrar's own JSON (name.com's list assembled
//! from the mirror, Openprovider's envelope, DNA's result as JSON), which
//! the widget's core reads: described as objects, their shapes are the
//! registrars' (`www/contracts/`).

use super::bodies::{ErrorBody, ReadyzBody, ResendRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Adds the panel's token as a bearer scheme.
struct Tokens;

impl Modify for Tokens {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "panelToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The token the reseller's panel signs (HS256 or its public keys): `aud`, `sub`, `role` (`registrant` with `contacts`, or `staff`), `iat`, `exp`.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Registrant verification gateway",
        description = "What `verification-www serve` answers: the widget's status and resend calls, the staff list and queue, name.com's webhook, own verification's link pages, operations. Every `/api` call carries the panel's token (`Authorization: Bearer`); a POST also needs an `Origin` from `allowed_origins`.",
        license(name = "see the repository")
    ),
    paths(
        super::status,
        super::card_element,
        super::resend,
        super::events,
        super::list,
        super::support_resend,
        super::queue::list,
        super::queue::add,
        super::queue::cancel,
        super::webhook,
        super::own::link::show,
        super::own::link::confirm,
        super::own::link::new_email,
        super::healthz,
        super::readyz,
        super::metrics_text,
        openapi_json,
    ),
    components(schemas(ErrorBody, ResendRequest, ReadyzBody, super::ready::State, super::queue::AddBody, super::queue::AddItem, super::queue::QueueItem, super::queue::Queue)),
    modifiers(&Tokens),
    tags(
        (name = "registrant", description = "The widget, for the registrant the token names"),
        (name = "staff", description = "The reseller's support staff (a `staff` token)"),
        (name = "registrars", description = "What registrars call"),
        (name = "own verification", description = "The link pages of the emails the gateway sends itself"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
struct ApiDoc;

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as the repository keeps it (`www/gateway/openapi.json`), made
/// once per process.
pub fn pretty() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text = document().to_pretty_json().expect("the document serializes");
        text.push('\n');
        text
    })
}

/// `GET /openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json"))
)]
pub async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        pretty(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `www/gateway/openapi.json` is the document the code generates; run the test
    /// with `UPDATE_OPENAPI=1` to write it after changing the API.
    #[test]
    fn the_repositorys_copy_is_the_generated_document() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
        let generated = pretty();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, generated).unwrap();
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            kept == generated,
            "www/gateway/openapi.json is not what the code describes: run `UPDATE_OPENAPI=1 cargo test -p verification-gateway --lib openapi` and commit it"
        );
        let v: serde_json::Value = serde_json::from_str(generated).unwrap();
        assert!(v["openapi"].as_str().unwrap().starts_with("3.1"), "{}", v["openapi"]);
    }

    /// Every route the router declares is in the document, and nothing
    /// else is (read from the router's source, so a new route without a
    /// description fails here).
    #[test]
    fn the_document_names_exactly_the_routes() {
        // The router (mod.rs) and the operations' routes (ops.rs).
        let source = [include_str!("lib.rs"), include_str!("ops.rs")].join("\n");
        let source = source.as_str();
        let mut routes: Vec<String> = Vec::new();
        for (i, _) in source.match_indices(".route(") {
            let rest = source[i + 7..].trim_start();
            let Some(rest) = rest.strip_prefix('"') else { continue };
            let path = &rest[..rest.find('"').unwrap()];
            // The API's routes are nested under /api.
            let before = &source[..i];
            let api = before.rfind("let api = Router::new()")
                > before.rfind("let mut app = Router::new()");
            let full = if api && !path.starts_with("/api") {
                format!("/api{path}")
            } else {
                path.to_owned()
            };
            routes.push(full);
        }
        routes.sort();
        routes.dedup();
        let doc = document();
        let mut documented: Vec<String> = doc.paths.paths.keys().cloned().collect();
        documented.sort();
        assert_eq!(documented, routes);
    }
}
