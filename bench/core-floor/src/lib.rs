//! What the core alone costs in a page: `make bench` builds this with the
//! widget's release profile and wasm-opt settings and reports its gzip size
//! next to the bare Leptos counter. It reads a status answer of any of the
//! three registrars and returns one status word per record, so every
//! reader, the rules and the deadline math are linked in, and no UI is.

use verification_core::{evaluate_response, Context, Provider, Response};
use wasm_bindgen::prelude::*;

/// The status of each record in `body` (a registrar's answer with HTTP
/// `status`) at `now_secs`, comma-separated, or `error`.
#[wasm_bindgen]
pub fn statuses(provider: &str, status: u16, body: &str, now_secs: i64) -> String {
    let Ok(provider) = provider.parse::<Provider>() else {
        return String::from("error");
    };
    let now = chrono::DateTime::from_timestamp(now_secs, 0).unwrap_or_default();
    match evaluate_response(provider, &Response::new(status, body), &Context::new(now)) {
        Ok(e) => e.records.iter().map(|r| r.status.as_str()).collect::<Vec<_>>().join(","),
        Err(_) => String::from("error"),
    }
}

#[cfg(test)]
mod tests {
    use super::statuses;

    #[test]
    fn reads_a_status_answer() {
        let body = r#"{"unverifiedContacts":[{"verificationId":7,"email":"p@example.com",
            "createDate":"2026-03-01T00:00:00Z","verifyBy":"2026-03-16T00:00:00Z","domains":["p.com"]}]}"#;
        assert_eq!(statuses("namecom", 200, body, 1_772_400_000), "pending");
        assert_eq!(statuses("nobody", 200, body, 0), "error");
        assert_eq!(statuses("namecom", 200, "{", 0), "error");
    }
}
