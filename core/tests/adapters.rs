// Fixture tests: every documented registrar shape, and the odd ones real
// registrars send (see the traps in shared/api-notes.md). Fixtures live in
// the repo's tests/fixtures/ so the sandbox and browser tests can share them.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use verification_core::{
    evaluate, evaluate_response, interpret_resend,
    resend::{ResendKind, ResendOperation, ResendPlan, ResendTarget},
    Context, Error, Evaluation, FailureReason, Provider, Record, ResendReason, Response, Status,
    Subject, Urgency,
};

fn fixture(name: &str) -> String {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

#[track_caller]
fn eval(provider: Provider, name: &str) -> Evaluation {
    evaluate(provider, &fixture(name), &Context::new(now()))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[track_caller]
fn one(provider: Provider, name: &str) -> Record {
    let e = eval(provider, name);
    assert!(e.row_errors.is_empty(), "{:?}", e.row_errors);
    assert_eq!(e.records.len(), 1, "{name}: {:?}", e.records);
    e.records.into_iter().next().unwrap()
}

fn by_email<'a>(records: &'a [Record], email: &str) -> &'a Record {
    records
        .iter()
        .find(|r| r.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
        .unwrap_or_else(|| panic!("no record for {email}"))
}

// ---------------------------------------------------------------- DNA

#[test]
fn dna_seed_sample() {
    let r = one(Provider::Dna, "dna/get-details-seed.json");
    assert_eq!(r.provider, Provider::Dna);
    assert_eq!(r.status, Status::NotStarted);
    assert_eq!(r.email.as_deref(), Some("example@customer.com"));
    // No offset in the payload: read as UTC.
    assert_eq!(r.deadline, Some(at(2026, 4, 5, 10, 0, 0)));
    assert_eq!(r.seconds_left, Some(34 * 86_400 + 22 * 3600));
    assert_eq!(r.days_left, Some(35));
    assert_eq!(r.urgency, Urgency::Info);
    assert!(!r.suspended);
    assert_eq!(r.last_notification_at, Some(at(2026, 2, 5, 9, 30, 0)));
    assert!(r.resend.allowed);
}

#[test]
fn dna_pending_recent_notice_starts_a_cooldown() {
    let r = one(Provider::Dna, "dna/get-details-pending.json");
    assert_eq!((r.status, r.urgency, r.days_left), (Status::Pending, Urgency::Warning, Some(3)));
    assert_eq!(r.handle.as_deref(), Some("DNA-111"));
    // The registrar sent a notice 5 minutes ago: the default 15-minute
    // cooldown counts from it.
    assert!(!r.resend.allowed);
    assert_eq!(r.resend.reason, Some(ResendReason::Cooldown));
    assert_eq!(r.resend.next_eligible_at, Some(at(2026, 3, 1, 12, 10, 0)));
}

#[test]
fn dna_validated_has_nothing_to_do() {
    let r = one(Provider::Dna, "dna/get-details-validated.json");
    assert_eq!((r.status, r.urgency), (Status::Verified, Urgency::None));
    assert_eq!((r.deadline, r.days_left), (None, None));
    assert!(!r.suspended);
    assert_eq!((r.resend.allowed, r.resend.reason), (false, Some(ResendReason::Verified)));
}

#[test]
fn dna_expired_key_is_failed_overdue_and_suspended() {
    let r = one(Provider::Dna, "dna/get-details-expired.json");
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.failure_reason, Some(FailureReason::Expired));
    assert_eq!(r.urgency, Urgency::Overdue);
    assert!(r.suspended);
    assert_eq!(r.days_left, Some(0));
    assert!(r.seconds_left.unwrap() < 0);
    // Restarting is how the registrant recovers.
    assert!(r.resend.allowed);
}

#[test]
fn dna_wcf_wrapper_and_date_format() {
    let r = one(Provider::Dna, "dna/get-details-wcf-wrapped.json");
    assert_eq!(r.status, Status::Pending);
    assert_eq!(r.deadline, Some(at(2026, 3, 5, 12, 0, 0)));
    assert_eq!(r.handle.as_deref(), Some("DNA-114"));
    assert_eq!(r.last_notification_at, None);
}

#[test]
fn dna_camel_case_keys_epoch_dates_and_shouting() {
    let r = one(Provider::Dna, "dna/get-details-odd.json");
    assert_eq!(r.status, Status::NotStarted);
    assert_eq!(r.deadline, Some(at(2026, 3, 17, 12, 0, 0)));
    assert_eq!(r.last_notification_at, None, "empty string is absent");
    assert_eq!(r.email.as_deref(), Some("odd@example.com"));
}

#[test]
fn dna_unknown_status_and_zero_date() {
    let r = one(Provider::Dna, "dna/get-details-unknown-status.json");
    assert_eq!((r.status, r.deadline, r.urgency), (Status::Unknown, None, Urgency::Info));
}

#[test]
fn dna_single_contact_with_bad_date_is_a_typed_error() {
    let err =
        evaluate(Provider::Dna, &fixture("dna/get-details-bad-date.json"), &Context::new(now()))
            .unwrap_err();
    let Error::UnexpectedShape { found, .. } = &err else { panic!("{err:?}") };
    assert!(found.contains("ExpirationDate") && found.contains("next tuesday"), "{found}");
}

#[test]
fn dna_error_envelope_keeps_the_registrar_words() {
    let err =
        evaluate(Provider::Dna, &fixture("dna/error-596.json"), &Context::new(now())).unwrap_err();
    assert_eq!(
        err,
        Error::Registrar {
            provider: Provider::Dna,
            status: Some(200),
            code: Some("596".into()),
            message: "Contact information could not verified".into(),
            retry_at: None,
        }
    );
    assert!(err.to_string().contains("Contact information could not verified"));
}

#[test]
fn dna_resend_answers() {
    let ctx = Context::new(now());
    let ok =
        interpret_resend(Provider::Dna, &Response::ok(&fixture("dna/resend-success.json")), &ctx)
            .unwrap();
    assert_eq!(ok.outcome, ResendKind::Sent);
    // DNA gives no cooldown: the policy's 15 minutes apply.
    assert_eq!(ok.next_eligible_at, Some(now() + TimeDelta::minutes(15)));
    let err = interpret_resend(
        Provider::Dna,
        &Response::ok(&fixture("dna/resend-already-verified.json")),
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Registrar { ref code, .. } if code.as_deref() == Some("597")));
}

#[test]
fn dna_resend_plan_by_email_then_external_id() {
    let mut r = one(Provider::Dna, "dna/get-details-pending.json");
    let plan = ResendPlan::for_record(&r).unwrap();
    assert_eq!(plan.operation, ResendOperation::DnaResendNotice);
    assert_eq!(plan.target, ResendTarget::Email("ayse@example.com.tr".into()));
    r.email = None;
    assert_eq!(
        ResendPlan::for_record(&r).unwrap().target,
        ResendTarget::ExternalId("DNA-111".into())
    );
    r.handle = None;
    assert_eq!(ResendPlan::for_record(&r), Err(ResendReason::MissingContact));
}

// ---------------------------------------------------------------- name.com

#[test]
fn namecom_page_with_pagination() {
    let e = eval(Provider::Namecom, "namecom/unverified-page1.json");
    assert!(e.row_errors.is_empty());
    assert_eq!(e.records.len(), 2);
    let jane = by_email(&e.records, "jane@example.com");
    assert_eq!(jane.status, Status::Pending);
    assert_eq!(jane.verification_id.as_deref(), Some("98752463"));
    assert_eq!(jane.domains, ["janedoe.com", "janedoe.net"]);
    assert_eq!(jane.deadline, Some(at(2026, 3, 7, 12, 0, 0)));
    assert_eq!((jane.days_left, jane.urgency), (Some(6), Urgency::Warning));
    let soon = by_email(&e.records, "soon@example.com");
    assert_eq!(soon.seconds_left, Some(3 * 3600 + 35 * 60 + 6));
    assert_eq!((soon.days_left, soon.urgency), (Some(1), Urgency::Critical));
    let page = e.page.unwrap();
    assert_eq!(page.total, Some(3));
    assert_eq!(page.next, Some(verification_core::NextPage::Page(2)));
}

#[test]
fn namecom_last_page_overdue_locks_and_wide_id_cannot_be_resent() {
    let e = eval(Provider::Namecom, "namecom/unverified-page2.json");
    assert_eq!(e.page.unwrap().next, None);
    let late = &e.records[0];
    assert_eq!(late.urgency, Urgency::Overdue);
    assert!(late.suspended, "name.com locks after verifyBy even without a flag");
    assert_eq!(late.days_left, Some(0));
    // int64 in the list, int32 in the resend path: out of range.
    assert_eq!(late.verification_id.as_deref(), Some("3000000000"));
    assert_eq!(late.resend.reason, Some(ResendReason::MissingContact));
    assert!(!late.resend.allowed);
}

#[test]
fn namecom_old_spec_page_without_next_page_or_total() {
    let e = eval(Provider::Namecom, "namecom/unverified-v1.7.json");
    assert_eq!(e.records[0].verification_id.as_deref(), Some("77"), "string ids are accepted");
    assert_eq!(e.page.unwrap().next, None);
    assert_eq!(e.page.unwrap().total, None);
}

#[test]
fn namecom_absent_contact_is_verified_outside_the_propagation_window() {
    let body = fixture("namecom/unverified-empty.json");
    // List mode: an empty page is no records.
    assert!(evaluate(Provider::Namecom, &body, &Context::new(now())).unwrap().records.is_empty());
    // One contact, changed long ago: verified.
    let ctx = Context::new(now()).single_contact().changed_at(Some(now() - TimeDelta::hours(2)));
    let r = &evaluate(Provider::Namecom, &body, &ctx).unwrap().records[0];
    assert_eq!((r.status, r.urgency, r.recheck_at), (Status::Verified, Urgency::None, None));
    // Changed 3 minutes ago: the list may not show it yet.
    let changed = now() - TimeDelta::minutes(3);
    let ctx = Context::new(now()).single_contact().changed_at(Some(changed));
    let r = &evaluate(Provider::Namecom, &body, &ctx).unwrap().records[0];
    assert_eq!(r.status, Status::Unknown);
    assert_eq!(r.recheck_at, Some(changed + TimeDelta::minutes(10)));
    assert_eq!(r.resend.reason, Some(ResendReason::AwaitingRegistrar));
}

#[test]
fn namecom_subject_filters_the_account_wide_list() {
    let mut ctx = Context::new(now());
    ctx.subject = Some(Subject { email: Some("JANE@example.com".into()), ..Subject::default() });
    let e = evaluate(Provider::Namecom, &fixture("namecom/unverified-page1.json"), &ctx).unwrap();
    assert_eq!(e.records.len(), 1);
    assert_eq!(e.records[0].email.as_deref(), Some("jane@example.com"));
}

#[test]
fn namecom_bad_rows_do_not_hide_good_ones() {
    let e = eval(Provider::Namecom, "namecom/unverified-bad-row.json");
    assert_eq!(e.records.len(), 1);
    assert_eq!(e.records[0].email.as_deref(), Some("good@example.com"));
    let idx: Vec<usize> = e.row_errors.iter().map(|r| r.index).collect();
    assert_eq!(idx, [0, 2, 3]);
    assert_eq!(e.row_errors[0].key.as_deref(), Some("bad-date@example.com"));
    assert!(e.row_errors[0].message.contains("soon"), "{}", e.row_errors[0]);
    assert_eq!(e.row_errors[1].key.as_deref(), Some("bad-id@example.com"));
    assert!(e.row_errors[1].message.starts_with("`verificationId`:"), "{}", e.row_errors[1]);
    assert!(e.row_errors[2].message.contains("expected an object"), "{}", e.row_errors[2]);
    // A bad row may be the subject: never claim "verified" then.
    let ctx = Context::new(now()).single_contact();
    let mut ctx2 = ctx.clone();
    ctx2.subject =
        Some(Subject { email: Some("bad-date@example.com".into()), ..Subject::default() });
    let e =
        evaluate(Provider::Namecom, &fixture("namecom/unverified-bad-row.json"), &ctx2).unwrap();
    assert!(e.records.is_empty());
    assert_eq!(e.row_errors.len(), 3);
}

#[test]
fn namecom_odd_values_fail_only_their_rows() {
    // A number beyond a double and a lone surrogate escape (a cut emoji):
    // the rows that read them are row errors naming the field, a field
    // the core does not read may hold them, the other rows are read.
    let e = eval(Provider::Namecom, "namecom/unverified-odd-values.json");
    let emails: Vec<_> = e.records.iter().map(|r| r.email.as_deref().unwrap()).collect();
    assert_eq!(emails, ["good@example.com", "emoji-😀@example.com"]);
    let errors: Vec<_> =
        e.row_errors.iter().map(|r| (r.index, r.key.as_deref(), r.message.as_str())).collect();
    assert_eq!(
        errors,
        [
            (0, Some("huge-date@example.com"), "`verifyBy`: number out of range"),
            (2, Some("13"), "`email`: unexpected end of hex escape"),
        ]
    );
}

#[test]
fn namecom_webhooks() {
    let r = one(Provider::Namecom, "namecom/webhook-verified.json");
    assert_eq!((r.status, r.verification_id.as_deref()), (Status::Verified, Some("98752463")));
    assert_eq!(r.domains.len(), 2);
    assert_eq!(r.email, None, "the webhook carries no email");
    let r = one(Provider::Namecom, "namecom/webhook-unverified.json");
    assert_eq!((r.status, r.urgency), (Status::Pending, Urgency::Overdue));
    assert!(r.suspended);
    let r = one(Provider::Namecom, "namecom/webhook-unknown-status.json");
    assert_eq!(r.status, Status::Unknown);
    let other = r#"{"eventName":"domain.expiration","domains":["a.com"]}"#;
    assert!(matches!(
        evaluate(Provider::Namecom, other, &Context::new(now())),
        Err(Error::UnexpectedShape { .. })
    ));
}

#[test]
fn namecom_resend_every_way_to_say_not_sent() {
    let ctx = Context::new(now());
    let read = |status, name: &str| {
        interpret_resend(Provider::Namecom, &Response::new(status, &fixture(name)), &ctx).unwrap()
    };
    let sent = read(200, "namecom/resend-sent.json");
    assert_eq!(
        (sent.outcome, sent.next_eligible_at),
        (ResendKind::Sent, Some(at(2026, 3, 1, 12, 15, 0)))
    );
    let noop = read(200, "namecom/resend-noop.json");
    assert_eq!(noop.outcome, ResendKind::NotSent);
    let t200 = read(200, "namecom/resend-throttled-200.json");
    assert_eq!(
        (t200.outcome, t200.next_eligible_at),
        (ResendKind::Throttled, Some(at(2026, 3, 1, 12, 9, 30)))
    );
    let t429 = read(429, "namecom/resend-429.json");
    assert_eq!(
        (t429.outcome, t429.next_eligible_at),
        (ResendKind::Throttled, Some(at(2026, 3, 1, 12, 14, 58)))
    );
    assert_eq!(t429.message.as_deref(), Some("Resend throttled"));
    // No details: the x-ratelimit-reset header (epoch seconds, float-typed).
    let reset = (now() + TimeDelta::minutes(7)).timestamp().to_string() + ".0";
    let headers = [("X-RateLimit-Reset", reset.as_str())];
    let body = fixture("namecom/resend-429-no-details.json");
    let out = interpret_resend(
        Provider::Namecom,
        &Response::new(429, &body).with_headers(&headers),
        &ctx,
    )
    .unwrap();
    assert_eq!(out.next_eligible_at, Some(now() + TimeDelta::minutes(7)));
    // A proxy's HTML 429 with Retry-After.
    let headers = [("retry-after", "120")];
    let out = interpret_resend(
        Provider::Namecom,
        &Response::new(429, "<html>slow down</html>").with_headers(&headers),
        &ctx,
    )
    .unwrap();
    assert_eq!(
        (out.outcome, out.next_eligible_at),
        (ResendKind::Throttled, Some(now() + TimeDelta::minutes(2)))
    );
    // Nothing says when: the policy's cooldown.
    let out = interpret_resend(Provider::Namecom, &Response::new(429, "{\"message\":\"x\"}"), &ctx)
        .unwrap();
    assert_eq!(out.next_eligible_at, Some(now() + TimeDelta::minutes(15)));
}

#[test]
fn namecom_error_envelopes() {
    let ctx = Context::new(now());
    let err = evaluate_response(
        Provider::Namecom,
        &Response::new(403, &fixture("namecom/error-403.json")),
        &ctx,
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Registrar { status: Some(403), message, .. } if message == "Permission Denied")
    );
    let err = evaluate_response(Provider::Namecom, &Response::new(500, "<h1>oops</h1>"), &ctx)
        .unwrap_err();
    assert!(matches!(&err, Error::Http { status: 500, excerpt, .. } if excerpt == "<h1>oops</h1>"));
    let err = interpret_resend(Provider::Namecom, &Response::new(404, r#"{"message":"Not Found","details":"verification 5 is not associated with this account"}"#), &ctx)
        .unwrap_err();
    assert!(err.to_string().contains("not associated"), "{err}");
}

#[test]
fn namecom_resend_plan() {
    let e = eval(Provider::Namecom, "namecom/unverified-page1.json");
    let plan = ResendPlan::for_record(by_email(&e.records, "jane@example.com")).unwrap();
    assert_eq!(plan.operation, ResendOperation::NamecomResend);
    assert_eq!(plan.target, ResendTarget::VerificationId(98_752_463));
}

// ---------------------------------------------------------------- Openprovider

#[test]
fn openprovider_seed_sample_with_unlisted_status() {
    let e = eval(Provider::Openprovider, "openprovider/list-seed.json");
    let r = &e.records[0];
    assert_eq!(
        r.status,
        Status::NotStarted,
        "`unverified` is outside the enum table but means not verified"
    );
    assert_eq!(r.handle.as_deref(), Some("XX123456-XX"));
    assert!(r.domains.is_empty(), "an empty domain is no domain");
    assert_eq!(r.deadline, None);
    assert_eq!(ResendPlan::for_record(r).unwrap().operation, ResendOperation::OpenproviderStart);
}

#[test]
fn openprovider_rows_group_per_email() {
    let e = eval(Provider::Openprovider, "openprovider/list-multi.json");
    assert!(e.row_errors.is_empty(), "{:?}", e.row_errors);
    assert_eq!(e.records.len(), 7);
    assert_eq!(e.page.unwrap().total, Some(9));

    let baker = by_email(&e.records, "baker@example.com");
    assert_eq!(baker.domains, ["bakery.com", "bakery.net", "bakery.shop"]);
    assert_eq!(baker.status, Status::Pending);
    assert_eq!(baker.deadline, Some(at(2026, 3, 3, 10, 0, 0)), "string and epoch forms agree");
    assert_eq!((baker.days_left, baker.urgency), (Some(2), Urgency::Critical));
    assert_eq!(
        ResendPlan::for_record(baker).unwrap().operation,
        ResendOperation::OpenproviderRestart
    );

    let typo = by_email(&e.records, "typo@exmaple.com");
    assert_eq!((typo.status, typo.failure_reason), (Status::Failed, Some(FailureReason::Bounced)));
    assert_eq!((typo.resend.allowed, typo.resend.reason), (false, Some(ResendReason::Bounced)));
    assert_eq!(typo.urgency, Urgency::Critical);
    assert!(!typo.suspended);

    let lapsed = by_email(&e.records, "lapsed@example.com");
    assert_eq!(lapsed.failure_reason, Some(FailureReason::Expired));
    assert!(lapsed.suspended);
    assert_eq!(lapsed.urgency, Urgency::Overdue);

    let fine = by_email(&e.records, "fine@example.com");
    assert_eq!((fine.status, fine.urgency, fine.deadline), (Status::Verified, Urgency::None, None));

    let fresh = by_email(&e.records, "fresh@example.com");
    assert_eq!((fresh.status, fresh.urgency), (Status::NotStarted, Urgency::Info));

    let odd = by_email(&e.records, "odd@example.com");
    assert_eq!(odd.status, Status::Unknown, "`on hold` is not documented");
    assert!(!odd.suspended, "\"false\" as a string is false");

    let gone = by_email(&e.records, "gone@example.com");
    assert_eq!(gone.urgency, Urgency::Overdue);
    assert!(gone.suspended, "past expiration_date Openprovider suspends, even if the flag lags");
}

#[test]
fn openprovider_sorted_for_support_staff() {
    let mut records = eval(Provider::Openprovider, "openprovider/list-multi.json").records;
    records.sort_by(verification_core::by_urgency);
    let order: Vec<&str> = records.iter().map(|r| r.email.as_deref().unwrap()).collect();
    assert_eq!(
        order,
        [
            "lapsed@example.com", // overdue, earliest deadline
            "gone@example.com",   // overdue
            "Baker@Example.com",  // critical, with a deadline
            "typo@exmaple.com",   // critical (bounced), no deadline
            "fresh@example.com",  // info
            "odd@example.com",    // info
            "fine@example.com",   // none
        ]
    );
}

#[test]
fn openprovider_omitted_zero_values() {
    let e = eval(Provider::Openprovider, "openprovider/list-omitted-zero-values.json");
    assert!(e.records.is_empty() && e.row_errors.is_empty());
    assert_eq!(e.page.unwrap().total, Some(0));
    // One contact asked about and no row: no verification on record.
    let ctx = Context::new(now()).single_contact();
    let body = fixture("openprovider/list-omitted-zero-values.json");
    let r = &evaluate(Provider::Openprovider, &body, &ctx).unwrap().records[0];
    assert_eq!(r.status, Status::Unknown);
}

#[test]
fn openprovider_bad_rows_are_reported_beside_good_ones() {
    let e = eval(Provider::Openprovider, "openprovider/list-bad-row.json");
    let emails: Vec<_> = e.records.iter().map(|r| r.email.as_deref().unwrap()).collect();
    assert_eq!(emails, ["ok@example.com", "ok2@example.com"]);
    let idx: Vec<usize> = e.row_errors.iter().map(|r| r.index).collect();
    assert_eq!(idx, [1, 2, 3]);
    assert!(e.row_errors[0].message.contains("31/12/2026"));
    assert!(e.row_errors[1].message.starts_with("`status`:"), "{}", e.row_errors[1]);
    assert_eq!(e.row_errors[2].key.as_deref(), Some("nobody.com"));
}

#[test]
fn openprovider_error_envelope_with_any_status() {
    for status in [200, 401] {
        let err = evaluate_response(
            Provider::Openprovider,
            &Response::new(status, &fixture("openprovider/error-auth.json")),
            &Context::new(now()),
        )
        .unwrap_err();
        assert_eq!(
            err,
            Error::Registrar {
                provider: Provider::Openprovider,
                status: Some(status),
                code: Some("196".into()),
                message: "Authentication/Authorization Failed".into(),
                retry_at: None,
            }
        );
    }
}

#[test]
fn openprovider_start_and_restart_answers() {
    let ctx = Context::new(now());
    let read =
        |name: &str| interpret_resend(Provider::Openprovider, &Response::ok(&fixture(name)), &ctx);
    assert_eq!(read("openprovider/start-20001.json").unwrap().outcome, ResendKind::Sent);
    let already = read("openprovider/start-already-verified.json").unwrap();
    assert_eq!((already.outcome, already.next_eligible_at), (ResendKind::AlreadyVerified, None));
    let ok = read("openprovider/restart-ok.json").unwrap();
    assert_eq!(
        (ok.outcome, ok.next_eligible_at),
        (ResendKind::Sent, Some(now() + TimeDelta::minutes(15)))
    );
    assert_eq!(read("openprovider/restart-not-sent.json").unwrap().outcome, ResendKind::NotSent);
    let err = read("openprovider/restart-unknown-email.json").unwrap_err();
    assert!(matches!(err, Error::Registrar { ref code, ref message, .. }
        if code.as_deref() == Some("1203") && message == "CMN-object cannot be found"));
}

#[test]
fn a_429_to_any_resend_is_throttled_until_the_time_it_gives() {
    let ctx = Context::new(now());
    let reset = (now() + TimeDelta::minutes(9)).timestamp().to_string();
    let headers = [("x-ratelimit-reset", reset.as_str())];
    let body = r#"{"message":"Too many requests","details":"Next eligible at: 2026-03-01T12:09:00+00:00"}"#;
    for p in Provider::ALL {
        let out =
            interpret_resend(p, &Response::new(429, body).with_headers(&headers), &ctx).unwrap();
        assert_eq!(out.outcome, ResendKind::Throttled, "{p}");
        assert_eq!(out.next_eligible_at, Some(now() + TimeDelta::minutes(9)), "{p}");
        // Only the prose says when.
        let out = interpret_resend(p, &Response::new(429, body), &ctx).unwrap();
        assert_eq!(out.next_eligible_at, Some(at(2026, 3, 1, 12, 9, 0)), "{p}");
        assert_eq!(out.message.as_deref(), Some("Too many requests"), "{p}");
    }
    // Openprovider-style body, nothing says when: the cooldown.
    let out = interpret_resend(
        Provider::Openprovider,
        &Response::new(429, r#"{"code":429,"desc":"Slow down","data":""}"#),
        &ctx,
    )
    .unwrap();
    assert_eq!(out.next_eligible_at, Some(now() + TimeDelta::minutes(15)));
    assert_eq!(out.message.as_deref(), Some("Slow down"));
}

// ---------------------------------------------------------------- shapes and syntax

#[test]
fn wrong_provider_is_a_shape_error_naming_what_was_found() {
    let ctx = Context::new(now());
    let op = fixture("openprovider/list-multi.json");
    let err = evaluate(Provider::Namecom, &op, &ctx).unwrap_err();
    let Error::UnexpectedShape { found, .. } = &err else { panic!("{err:?}") };
    assert!(found.contains("code") && found.contains("data"), "{found}");
    let nc = fixture("namecom/unverified-page1.json");
    assert!(matches!(
        evaluate(Provider::Openprovider, &nc, &ctx),
        Err(Error::UnexpectedShape { .. })
    ));
    assert!(matches!(evaluate(Provider::Dna, &nc, &ctx), Err(Error::UnexpectedShape { .. })));
    for body in ["[]", "\"text\"", "42", "null"] {
        for p in Provider::ALL {
            let r = evaluate(p, body, &ctx);
            assert!(r.is_err() || r.as_ref().unwrap().records.is_empty(), "{p} {body}: {r:?}");
        }
    }
}

#[test]
fn invalid_json_says_where() {
    let ctx = Context::new(now());
    let err = evaluate(Provider::Openprovider, "{\"code\": 0,\n \"data\": {", &ctx).unwrap_err();
    let Error::InvalidJson { line, excerpt, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*line, 2);
    assert!(excerpt.starts_with("{\"code\": 0"));
    for body in ["", "<!doctype html><title>Panel</title>", "OK"] {
        assert!(
            matches!(evaluate(Provider::Namecom, body, &ctx), Err(Error::InvalidJson { .. })),
            "{body}"
        );
    }
}

#[test]
fn the_json_contract() {
    let r = one(Provider::Namecom, "namecom/webhook-unverified.json");
    let json = serde_json::to_value(&r).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "provider",
        "email",
        "handle",
        "verificationId",
        "domains",
        "status",
        "failureReason",
        "suspended",
        "deadline",
        "deadlineKind",
        "secondsLeft",
        "daysLeft",
        "urgency",
        "lastNotificationAt",
        "resend",
        "recheckAt",
    ];
    want.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(json["provider"], "namecom");
    assert_eq!(json["status"], "pending");
    assert_eq!(json["urgency"], "overdue");
    assert_eq!(json["deadline"], "2023-04-01T12:00:00Z");
    assert_eq!(json["resend"]["allowed"], true);
    assert!(json["resend"]["nextEligibleAt"].is_null());
    let back: Record = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
    let bounced = by_email(
        &eval(Provider::Openprovider, "openprovider/list-multi.json").records,
        "typo@exmaple.com",
    )
    .clone();
    let json = serde_json::to_value(&bounced).unwrap();
    assert_eq!(json["failureReason"], "bounced");
    assert_eq!(json["resend"]["reason"], "bounced");
    let e = eval(Provider::Namecom, "namecom/unverified-bad-row.json");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["rowErrors"][0]["index"], 0);
    let err = serde_json::to_value(Error::Http {
        provider: Provider::Dna,
        status: 502,
        excerpt: "x".into(),
        retry_at: None,
    })
    .unwrap();
    assert_eq!(err["kind"], "http");
    assert_eq!(err["status"], 502);
}
