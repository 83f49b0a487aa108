// A record never says more than the registrar said: merged rows keep the
// urgent deadline, each deadline names its kind, and nothing unreadable or
// unproven is read as "verified".
// See: issue 14 ("A record never says more than the registrar said").

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use std::process::Command;
use verification_core::{
    evaluate, evaluate_response,
    resend::{ResendOperation, ResendPlan},
    Context, DeadlineKind, Error, FailureReason, Provider, Record, Response, Status, Subject,
    Urgency,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The adapters tests' clock: 2026-03-01 12:00 UTC.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn records(provider: Provider, name: &str) -> Vec<Record> {
    let e = evaluate(provider, &fixture(name), &Context::new(now()))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(e.row_errors.is_empty(), "{name}: {:?}", e.row_errors);
    e.records
}

fn by_email<'a>(records: &'a [Record], email: &str) -> &'a Record {
    records.iter().find(|r| r.email.as_deref() == Some(email)).expect(email)
}

// ---------------------------------------------------------------- merging rows

#[test]
fn openprovider_in_progress_beside_not_verified_keeps_the_urgent_deadline() {
    let all = records(Provider::Openprovider, "openprovider/list-merge-urgent.json");
    assert_eq!(all.len(), 1, "{all:?}");
    let r = &all[0];
    // 22 hours from suspension: the registrant must be told.
    assert_eq!(r.status, Status::Pending);
    assert_eq!(r.deadline, Some(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()));
    assert_eq!(r.deadline_kind, Some(DeadlineKind::Suspension));
    assert_eq!(r.seconds_left, Some(22 * 3600));
    assert_eq!(r.urgency, Urgency::Critical);
    assert_eq!(r.domains, ["shop.example", "shop-two.example"]);
    // A verification exists: resending restarts it.
    assert_eq!(ResendPlan::operation_for(r), Ok(ResendOperation::OpenproviderRestart));
}

#[test]
fn openprovider_failed_row_beside_in_progress_keeps_both_facts() {
    let all = records(Provider::Openprovider, "openprovider/list-merge-failed.json");
    let bounced = by_email(&all, "mixed@shop.example");
    assert_eq!(bounced.status, Status::Failed);
    assert_eq!(bounced.failure_reason, Some(FailureReason::Bounced));
    // The in-progress row's deadline is not lost behind the failure.
    assert_eq!(bounced.deadline, Some(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()));
    assert_eq!(bounced.urgency, Urgency::Critical);

    let lapsed = by_email(&all, "lapsed@shop.example");
    assert_eq!(lapsed.status, Status::Failed);
    assert_eq!(lapsed.failure_reason, Some(FailureReason::Expired));
    assert_eq!(lapsed.deadline, Some(Utc.with_ymd_and_hms(2026, 3, 9, 10, 0, 0).unwrap()));
    // One domain's verification expired: its domains are suspended.
    assert!(lapsed.suspended);
    assert_eq!(lapsed.urgency, Urgency::Overdue);
    assert_eq!(ResendPlan::operation_for(lapsed), Ok(ResendOperation::OpenproviderRestart));
}

#[test]
fn openprovider_start_only_when_no_row_shows_a_verification() {
    let body = r#"{"code":0,"data":{"results":[
        {"email":"new@shop.example","domain":"a.example","status":"not verified","expiration_date":""},
        {"email":"new@shop.example","domain":"b.example","status":"not verified"}],"total":2}}"#;
    let e = evaluate(Provider::Openprovider, body, &Context::new(now())).unwrap();
    let r = &e.records[0];
    assert_eq!((r.status, r.deadline, r.deadline_kind), (Status::NotStarted, None, None));
    assert_eq!(ResendPlan::operation_for(r), Ok(ResendOperation::OpenproviderStart));
}

// ---------------------------------------------------------------- deadline kinds

#[test]
fn each_registrars_deadline_is_named_for_what_it_is() {
    let dna = &records(Provider::Dna, "dna/get-details-pending.json")[0];
    assert_eq!(dna.deadline_kind, Some(DeadlineKind::LinkExpiry));
    let seed = &records(Provider::Dna, "dna/get-details-seed.json")[0];
    assert_eq!(seed.deadline_kind, Some(DeadlineKind::LinkExpiry));
    let validated = &records(Provider::Dna, "dna/get-details-validated.json")[0];
    assert_eq!((validated.deadline, validated.deadline_kind), (None, None));

    let nc = records(Provider::Namecom, "namecom/unverified-page1.json");
    assert!(nc.iter().all(|r| r.deadline_kind == Some(DeadlineKind::Suspension)), "{nc:?}");
    let hook = &records(Provider::Namecom, "namecom/webhook-unverified.json")[0];
    assert_eq!(hook.deadline_kind, Some(DeadlineKind::Suspension));
    let verified = &records(Provider::Namecom, "namecom/webhook-verified.json")[0];
    assert_eq!(verified.deadline_kind, None);

    for r in records(Provider::Openprovider, "openprovider/list-multi.json") {
        let want = r.deadline.map(|_| DeadlineKind::Suspension);
        assert_eq!(r.deadline_kind, want, "{r:?}");
    }
}

#[test]
fn deadline_kind_is_in_the_json_contract() {
    let dna = &records(Provider::Dna, "dna/get-details-pending.json")[0];
    let json = serde_json::to_value(dna).unwrap();
    assert_eq!(json["deadlineKind"], "linkExpiry");
    let verified = &records(Provider::Dna, "dna/get-details-validated.json")[0];
    assert!(serde_json::to_value(verified).unwrap()["deadlineKind"].is_null());
    for (kind, text) in [
        (DeadlineKind::Suspension, "suspension"),
        (DeadlineKind::LinkExpiry, "linkExpiry"),
        (DeadlineKind::Estimated, "estimated"),
    ] {
        assert_eq!(serde_json::to_value(kind).unwrap(), text);
        assert_eq!(kind.as_str(), text);
    }
}

// ---------------------------------------------------------------- nothing readable

#[test]
fn a_bare_array_of_non_contacts_is_a_shape_error_not_an_empty_list() {
    let ctx = Context::new(now());
    for ctx in [ctx.clone(), ctx.single_contact()] {
        let err =
            evaluate(Provider::Namecom, &fixture("namecom/not-contacts.json"), &ctx).unwrap_err();
        let Error::UnexpectedShape { found, .. } = &err else { panic!("{err:?}") };
        assert!(found.starts_with("4 rows, none readable"), "{found}");
        assert!(found.contains("row 0: expected an object"), "{found}");
    }
}

#[test]
fn every_row_unreadable_is_a_shape_error_in_every_adapter() {
    let ctx = Context::new(now()).single_contact();
    let err =
        evaluate(Provider::Namecom, &fixture("namecom/unverified-all-bad.json"), &ctx).unwrap_err();
    assert!(matches!(err, Error::UnexpectedShape { .. }), "{err:?}");
    assert!(err.to_string().contains("3 rows, none readable"), "{err}");
    let op = r#"{"code":0,"data":{"results":[{"domain":"x.example"},7],"total":2}}"#;
    let err = evaluate(Provider::Openprovider, op, &ctx).unwrap_err();
    assert!(matches!(err, Error::UnexpectedShape { .. }), "{err:?}");
    let err = evaluate(Provider::Dna, "[1, 2]", &ctx).unwrap_err();
    assert!(matches!(err, Error::UnexpectedShape { .. }), "{err:?}");
    // One good row among bad ones still gives that row and the row errors.
    let e = evaluate(
        Provider::Namecom,
        &fixture("namecom/unverified-bad-row.json"),
        &Context::new(now()),
    )
    .unwrap();
    assert_eq!((e.records.len(), e.row_errors.len()), (1, 3));
}

#[test]
fn another_registrars_shape_is_never_a_status() {
    let ctx = Context::new(now()).single_contact();
    let shapes = [
        (Provider::Namecom, "openprovider/list-multi.json"),
        (Provider::Namecom, "dna/get-details-pending.json"),
        (Provider::Openprovider, "namecom/unverified-page1.json"),
        (Provider::Openprovider, "dna/get-details-pending.json"),
        (Provider::Dna, "namecom/unverified-page1.json"),
        (Provider::Dna, "openprovider/list-multi.json"),
    ];
    for (provider, name) in shapes {
        match evaluate(provider, &fixture(name), &ctx) {
            Err(Error::UnexpectedShape { .. }) => {}
            other => panic!("{provider} reading {name}: {other:?}"),
        }
    }
}

#[test]
fn the_evaluate_example_exits_1_on_nothing_readable() {
    // cargo builds the examples beside the test binaries.
    let exe = std::env::current_exe().unwrap();
    let example = exe.parent().unwrap().parent().unwrap().join("examples/evaluate");
    let run = |body: &str| {
        let mut child = Command::new(&example)
            .args(["--provider", "namecom", "--now", "2026-03-01T12:00:00Z"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
        use std::io::Write;
        child.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&fixture("namecom/not-contacts.json"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing is printed as records");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("none readable"), "{stderr}");
    let out = run(&fixture("namecom/unverified-page1.json"));
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed[0]["deadlineKind"], "suspension");
}

// ---------------------------------------------------------------- absence

fn one_contact(verification_id: &str) -> Context {
    let mut ctx = Context::new(now()).changed_at(Some(now() - TimeDelta::hours(2)));
    ctx.subject =
        Some(Subject { verification_id: Some(verification_id.into()), ..Subject::default() });
    ctx
}

#[test]
fn namecom_absence_on_a_page_with_more_to_come_is_unknown() {
    // 555 is on no page: page 1 has a next page, so it may be there.
    let e =
        evaluate(Provider::Namecom, &fixture("namecom/unverified-page1.json"), &one_contact("555"))
            .unwrap();
    let r = &e.records[0];
    assert_eq!(r.status, Status::Unknown);
    assert_eq!(r.recheck_at, Some(now() + TimeDelta::minutes(1)));
    assert_ne!(r.urgency, Urgency::None);
    // The last page proves it: verified.
    let e =
        evaluate(Provider::Namecom, &fixture("namecom/unverified-page2.json"), &one_contact("555"))
            .unwrap();
    assert_eq!(e.records[0].status, Status::Verified);
}

#[test]
fn namecom_absence_is_proven_by_null_next_page_or_the_count_alone() {
    let page = |next: &str, to: u32, total: u32| {
        format!(
            r#"{{"unverifiedContacts":[{{"verificationId":1,"verifyBy":"2026-03-09T00:00:00Z",
            "email":"a@example.com","domains":["a.example"]}}],"from":1,"to":{to},"lastPage":1,
            "nextPage":{next},"totalCount":{total}}}"#
        )
    };
    let status = |body: &str| {
        evaluate(Provider::Namecom, body, &one_contact("555")).unwrap().records[0].status
    };
    assert_eq!(status(&page("null", 1, 1)), Status::Verified);
    // `to >= totalCount` ends the list whatever `nextPage` says.
    assert_eq!(status(&page("2", 1, 1)), Status::Verified);
    assert_eq!(status(&page("2", 1, 5)), Status::Unknown);
    // `nextPage` null while the count says more remain: not proven.
    assert_eq!(status(&page("null", 1, 5)), Status::Unknown);
    // An empty page that names a next page, or counts more, proves nothing;
    // the documented empty list does.
    let empty = |next: &str, to: u32, total: u32| {
        format!(
            r#"{{"unverifiedContacts":[],"from":0,"to":{to},"nextPage":{next},"totalCount":{total}}}"#
        )
    };
    assert_eq!(status(&empty("2", 0, 1)), Status::Unknown);
    assert_eq!(status(&empty("null", 0, 0)), Status::Verified);
    assert_eq!(status(r#"{"unverifiedContacts":[]}"#), Status::Verified);
    // An old-spec page without `nextPage` or `totalCount` is the last.
    let old =
        evaluate(Provider::Namecom, &fixture("namecom/unverified-v1.7.json"), &one_contact("555"));
    assert_eq!(old.unwrap().records[0].status, Status::Verified);
    // A bare list does not say it is whole.
    let bare = r#"[{"verificationId":1,"verifyBy":"2026-03-09T00:00:00Z","email":"a@example.com","domains":["a.example"]}]"#;
    assert_eq!(status(bare), Status::Unknown);
    assert_eq!(status("[]"), Status::Unknown);
}

#[test]
fn namecom_error_and_http_answers_are_never_verified() {
    let ctx = one_contact("555");
    for (code, body) in [(403, fixture("namecom/error-403.json")), (502, "<html>".into())] {
        let r = evaluate_response(Provider::Namecom, &Response::new(code, &body), &ctx);
        assert!(r.is_err(), "{code}: {r:?}");
    }
}

// ---------------------------------------------------------------- resends

/// Domain Name API's answer after a new email for an expired verification:
/// a fresh 60-day link, nothing about the domains.
fn dna_after_resend(status: &str) -> String {
    format!(
        r#"{{"VerificationStatus":"{status}","ExpirationDate":"2026-04-30T12:00:00",
            "LastNotificationDate":"2026-03-01T11:59:00","ContactEmail":"lapsed@example.com",
            "ExternalId":"DNA-113"}}"#
    )
}

#[test]
fn a_new_email_does_not_lift_a_suspension_the_registrar_does_not_report() {
    use verification_core::resend::LastResend;
    let resent = |suspended| {
        Context::new(now()).single_contact().last_resend(Some(
            LastResend::sent(now() - TimeDelta::minutes(1), None).while_suspended(suspended),
        ))
    };
    let read = |body: &str, ctx: &Context| {
        let e = evaluate(Provider::Dna, body, ctx).unwrap();
        e.records.into_iter().next().unwrap()
    };
    // Sent while suspended: still suspended (and overdue) until verified,
    // with the new link's validity still shown for what it is.
    let r = read(&dna_after_resend("Pending"), &resent(true));
    assert!(r.suspended, "{r:?}");
    assert_eq!(r.urgency, Urgency::Overdue);
    assert_eq!(r.deadline_kind, Some(DeadlineKind::LinkExpiry));
    // Sent while not suspended: the registrar's answer alone decides.
    let r = read(&dna_after_resend("Pending"), &resent(false));
    assert!(!r.suspended, "{r:?}");
    assert_ne!(r.urgency, Urgency::Overdue);
    // Verified lifts it.
    let r = read(&dna_after_resend("Validated"), &resent(true));
    assert!(!r.suspended, "{r:?}");
    assert_eq!(r.status, Status::Verified);
    // A registrar that reports suspension is believed: Openprovider says
    // `is_suspended: false` after the restart.
    let op = r#"{"code":0,"data":{"results":[{"email":"lapsed@example.com","handle":"LA1",
        "status":"in progress","is_suspended":false,"domain":"lapsed.example",
        "expiration_date":"2026-03-16 12:00:00"}],"total":1}}"#;
    let e = evaluate(Provider::Openprovider, op, &resent(true)).unwrap();
    assert!(!e.records[0].suspended, "{:?}", e.records[0]);
    // A memory older than the carry is not trusted.
    let old = Context::new(now()).single_contact().last_resend(Some(
        LastResend::sent(now() - TimeDelta::days(61), None).while_suspended(true),
    ));
    assert!(!read(&dna_after_resend("Pending"), &old).suspended);
    // The remembered resend's JSON without the field still reads.
    let old: LastResend =
        serde_json::from_str(r#"{"at":"2026-03-01T11:00:00Z","nextEligibleAt":null}"#).unwrap();
    assert!(!old.suspended);
}
