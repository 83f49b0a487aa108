//! `verification_core::evaluate` (a status payload received with HTTP 200).
//!
//! Input: `[selector] body` (selector: see src/lib.rs). Every record must
//! satisfy the record invariants; errors must be typed and serialisable.
#![no_main]

use fuzz_support::{check_error, check_evaluation, guarded, select};
use libfuzzer_sys::fuzz_target;
use verification_core::{evaluate, evaluate_response, Response};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else { return };
    let Ok(body) = std::str::from_utf8(body) else { return };
    let sel = select(sel);
    for &provider in &sel.providers {
        let Some(result) = guarded(|| evaluate(provider, body, &sel.ctx)) else { continue };
        match &result {
            Ok(e) => check_evaluation(provider, e, &sel, body),
            Err(err) => check_error(provider, err, &Response::ok(body)),
        }
        // `evaluate` is `evaluate_response` with a bare 200, and
        // deterministic.
        assert_eq!(evaluate_response(provider, &Response::ok(body), &sel.ctx), result);
    }
});
