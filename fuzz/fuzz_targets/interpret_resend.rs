//! `verification_core::interpret_resend` with any status and headers,
//! and what the caller then does with the outcome (`to_last_resend` fed back
//! into `resend_state`).
//!
//! Input: `[selector] [status lo] [status hi] headers "\n\n" body`.
#![no_main]

use fuzz_support::{check_error, guarded, http, select};
use libfuzzer_sys::fuzz_target;
use verification_core::{
    interpret_resend,
    resend::{resend_state, ResendKind, ResendOutcome},
    Provider, ResendReason, Response, Status,
};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Some((h, _)) = http(rest) else { return };
    let sel = select(sel);
    let ctx = &sel.ctx;
    let resp = Response::new(h.status, h.body).with_headers(&h.headers);
    for &provider in &sel.providers {
        let Some(result) = guarded(|| interpret_resend(provider, &resp, ctx)) else { continue };
        match result {
            Err(err) => {
                check_error(provider, &err, &resp);
                // core cc74002: "a 429 to any registrar's resend is throttled".
                fuzz_support::contract!(
                    "429-throttled",
                    resp.status != 429,
                    "{provider}: a 429 to a resend is an error, not throttled: {err:?}"
                );
            }
            Ok(out) => {
                // Sent and throttled always say when the next resend is allowed.
                if matches!(out.outcome, ResendKind::Sent | ResendKind::Throttled) {
                    assert!(out.next_eligible_at.is_some(), "{:?} without nextEligibleAt", out);
                }
                if let Some(m) = &out.message {
                    fuzz_support::contract!(
                        "message-trimmed",
                        !m.is_empty() && m.trim() == m,
                        "{provider} HTTP {}: message {m:?} (other messages are trimmed, \
                         blank is absent)",
                        resp.status
                    );
                }
                // On an error status, only a 429 (throttled) and Openprovider's
                // "already verified" are outcomes.
                if !resp.is_success() {
                    let ok = (resp.status == 429 && out.outcome == ResendKind::Throttled)
                        || (provider == Provider::Openprovider
                            && out.outcome == ResendKind::AlreadyVerified);
                    assert!(ok, "{provider} HTTP {} read as {:?}", resp.status, out.outcome);
                }
                let json = serde_json::to_string(&out).expect("outcome serialises");
                match serde_json::from_str::<ResendOutcome>(&json) {
                    Ok(back) => assert_eq!(back, out),
                    Err(e) => fuzz_support::contract!(
                        "json-round-trip",
                        false,
                        "outcome JSON does not read back ({e}): {json}"
                    ),
                }
                // What the caller remembers, and the resend state it gives.
                let last = out.to_last_resend(ctx.now);
                match out.outcome {
                    ResendKind::Sent | ResendKind::Throttled => {
                        let l = last.as_ref().expect("sent/throttled remembered");
                        assert_eq!(l.at, ctx.now);
                        assert_eq!(l.throttled, out.outcome == ResendKind::Throttled);
                        assert_eq!(l.next_eligible_at, out.next_eligible_at);
                    }
                    ResendKind::AlreadyVerified | ResendKind::NotSent => assert!(last.is_none()),
                }
                let state =
                    resend_state(Status::Pending, None, None, last.as_ref(), ctx.now, &ctx.policy);
                match (&last, out.next_eligible_at) {
                    (Some(l), Some(next)) if next > ctx.now => {
                        assert!(!state.allowed);
                        assert_eq!(state.next_eligible_at, Some(next));
                        let want = if l.throttled {
                            ResendReason::Throttled
                        } else {
                            ResendReason::Cooldown
                        };
                        assert_eq!(state.reason, Some(want));
                    }
                    (None, _) => assert!(state.allowed),
                    _ => assert!(state.allowed, "{state:?} for {out:?}"),
                }
            }
        }
    }
});
