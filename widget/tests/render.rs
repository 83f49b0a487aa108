//! The card rendered natively (what the gateway sends before the wasm).
#![cfg(not(target_arch = "wasm32"))]

use chrono::{TimeZone, Utc};
use verification_widget::browser::Answer;
use verification_widget::model::Config;
use verification_widget::view::render_card;

fn config(locale: &str) -> Config {
    let mut c = Config::from_attributes(|n| match n {
        "provider" => Some("openprovider".into()),
        "status-url" => Some("/s".into()),
        _ => None,
    });
    c.locale = Some(locale.into());
    c
}

fn ok(body: &str) -> Answer {
    Answer { status: 200, body: body.into(), headers: vec![] }
}

#[test]
fn a_pending_card_renders_with_its_deadline_for_the_browser_to_word() {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let body = r#"{"code":0,"data":{"results":[{"email":"a@b.example","domain":"shop.com","handle":"XX1-XX","status":"in progress","expiration_date":"2026-03-10 12:00:00","is_suspended":false}],"total":1}}"#;
    let html = render_card(config("de"), &ok(body), now, None);
    println!("{html}");
    assert!(html.contains(r#"lang="de""#), "{html}");
    assert!(html.contains("shop.com"), "{html}");
    assert!(html.contains(r#"data-rv-date="date-time""#), "{html}");
    assert!(html.contains(r#"data-action="resend""#), "{html}");
    assert!(!html.contains('\u{E000}'), "no marker left: {html}");
    // No empty text written as a space (it would keep `.note:empty` from
    // matching, and the card would be taller than the wasm's).
    assert!(!html.contains("> </"), "{html}");
}

#[test]
fn an_error_answer_renders_the_problem_not_a_status() {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let html = render_card(
        config("en"),
        &Answer { status: 503, body: "{}".into(), headers: vec![] },
        now,
        None,
    );
    println!("{html}");
    assert!(!html.contains("verified"), "{html}");
    assert!(
        html.contains(r#"data-tone="error""#) || html.contains(r#"data-tone="neutral""#),
        "{html}"
    );
}
