//! `verification_core::evaluate_response` with any status and headers.
//!
//! Input: `[selector] [status lo] [status hi] headers "\n\n" body`, headers
//! as `name: value` lines (no blank line: no headers, all body).
#![no_main]

use fuzz_support::{check_error, check_evaluation, guarded, http, select};
use libfuzzer_sys::fuzz_target;
use verification_core::{evaluate_response, Error, Response};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Some((h, _)) = http(rest) else { return };
    let sel = select(sel);
    let resp = Response::new(h.status, h.body).with_headers(&h.headers);
    let bare = Response::new(h.status, h.body);
    for &provider in &sel.providers {
        let Some(result) = guarded(|| evaluate_response(provider, &resp, &sel.ctx)) else {
            continue;
        };
        match &result {
            Ok(e) => {
                check_evaluation(provider, e, &sel, h.body);
                // A status payload is only ever evaluated from a 2xx.
                fuzz_support::contract!(
                    "records-on-error-status",
                    resp.is_success(),
                    "{provider}: records from HTTP {}",
                    resp.status
                );
            }
            Err(err) => {
                check_error(provider, err, &resp);
                if let Some(at) = err.retry_at() {
                    serde_json::to_string(&at).unwrap();
                }
            }
        }
        // Headers only ever change an error's retry time.
        let without = evaluate_response(provider, &bare, &sel.ctx);
        match (&result, &without) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "headers changed the records"),
            (Err(a), Err(b)) => {
                assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b));
                if let (
                    Error::Registrar { message: m1, .. },
                    Error::Registrar { message: m2, .. },
                ) = (a, b)
                {
                    assert_eq!(m1, m2);
                }
            }
            _ => panic!("headers changed Ok/Err: {result:?} vs {without:?}"),
        }
    }
});
