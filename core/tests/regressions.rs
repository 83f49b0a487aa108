// Inputs the fuzzer (fuzz/, `make fuzz`) found, kept as plain tests. The
// raw reproducers are in fuzz/artifacts-found/ and seed every fuzz run.

use chrono::{DateTime, TimeZone, Utc};
use verification_core::{
    evaluate, evaluate_response, interpret_resend, resend::ResendKind, Context, Error, Provider,
    Record, Response,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

// fuzz/artifacts-found/evaluate-dna-last-notification-overflow-panic
#[test]
fn a_notification_date_at_the_end_of_the_calendar_does_not_panic() {
    let body = r#"{"Status":"Pending","Email":"a","LastNotificationDate":8210266876799000}"#;
    let r = &evaluate(Provider::Dna, body, &Context::new(now())).unwrap().records[0];
    assert!(!r.resend.allowed, "a notification 'just now' at the end of time still cools down");
    assert_eq!(r.resend.next_eligible_at, Some(DateTime::<Utc>::MAX_UTC));
}

// fuzz/artifacts-found/evaluate-dna-http-error-on-200
#[test]
fn dna_truncated_json_on_200_is_invalid_json() {
    let err = evaluate(Provider::Dna, "{", &Context::new(now())).unwrap_err();
    assert!(matches!(err, Error::InvalidJson { .. }), "{err:?}");
    let err =
        interpret_resend(Provider::Dna, &Response::ok("{"), &Context::new(now())).unwrap_err();
    assert!(matches!(err, Error::InvalidJson { .. }), "{err:?}");
    let err = evaluate_response(Provider::Dna, &Response::new(502, "{"), &Context::new(now()))
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 502, .. }), "{err:?}");
}

// fuzz/artifacts-found/evaluate_response-dna-records-from-http-500
#[test]
fn dna_list_on_an_error_status_is_an_error_not_records() {
    let resp = Response::new(500, r#"[{"VerificationStatus":"Pending"}]"#);
    let err = evaluate_response(Provider::Dna, &resp, &Context::new(now())).unwrap_err();
    assert!(matches!(err, Error::Http { status: 500, .. }), "{err:?}");
}

// fuzz/artifacts-found/evaluate-namecom-year-beyond-9999-json
#[test]
fn dates_past_year_9999_survive_a_json_round_trip() {
    let body = r#"{"unverifiedContacts":[{"email":"a","verifyBy":1e15}]}"#;
    let r = evaluate(Provider::Namecom, body, &Context::new(now())).unwrap().records.remove(0);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"deadline\":\"+33658-"), "{json}");
    let back: Record = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}

// fuzz/artifacts-found/interpret_resend-namecom-429-not-throttled
#[test]
fn a_429_is_throttled_whatever_its_body() {
    for body in ["{", "[1]", "", "<html>busy</html>"] {
        for p in Provider::ALL {
            let out = interpret_resend(p, &Response::new(429, body), &Context::new(now())).unwrap();
            assert_eq!(out.outcome, ResendKind::Throttled, "{p} {body:?}");
            assert!(out.next_eligible_at.is_some(), "the cooldown applies: {p} {body:?}");
        }
    }
}

// fuzz/artifacts-found/interpret_resend-dna-429-blank-message
#[test]
fn a_blank_429_message_is_no_message() {
    let resp = Response::new(429, r#"{"message":" "}"#);
    let out = interpret_resend(Provider::Dna, &resp, &Context::new(now())).unwrap();
    assert_eq!(out.message, None);
    let resp = Response::new(429, r#"{"message":"  Slow down "}"#);
    let out = interpret_resend(Provider::Dna, &resp, &Context::new(now())).unwrap();
    assert_eq!(out.message.as_deref(), Some("Slow down"));
}
