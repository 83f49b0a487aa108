// Property tests: the deadline math holds for every instant, and no input
// makes an adapter panic.

use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use verification_core::{
    deadline::{CRITICAL_SECONDS, WARNING_SECONDS},
    evaluate, evaluate_response, interpret_resend,
    webhook::verify_signature,
    Context, Provider, Record, Response, Status, Urgency,
};

/// Instants between 2000 and 2100, to the second.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..4_102_444_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

/// A name.com page with one contact whose deadline is `verify_by`.
fn namecom_page(verify_by: &str) -> String {
    json!({
        "unverifiedContacts": [{
            "verificationId": 7, "createDate": "2026-01-01T00:00:00Z", "verifyBy": verify_by,
            "email": "p@example.com", "domains": ["p.com"]
        }],
        "from": 1, "to": 1, "lastPage": 1, "nextPage": null, "totalCount": 1
    })
    .to_string()
}

fn record_at(body: &str, ctx: &Context) -> Record {
    evaluate(Provider::Namecom, body, ctx).unwrap().records.remove(0)
}

proptest! {
    #[test]
    fn days_left_never_negative_and_never_increases(
        deadline in instant(), now in instant(), step in 0i64..40 * 86_400,
    ) {
        let body = namecom_page(&deadline.to_rfc3339());
        let earlier = record_at(&body, &Context::new(now));
        let later = record_at(&body, &Context::new(now + TimeDelta::seconds(step)));
        let (d1, d2) = (earlier.days_left.unwrap(), later.days_left.unwrap());
        prop_assert!(d1 >= 0 && d2 >= 0);
        prop_assert!(d2 <= d1, "days_left went from {} to {}", d1, d2);
        prop_assert!(later.urgency >= earlier.urgency, "urgency fell as time passed");
    }

    #[test]
    fn urgency_matches_seconds_left(deadline in instant(), offset in -40i64 * 86_400..40 * 86_400) {
        let now = deadline - TimeDelta::seconds(offset);
        let r = record_at(&namecom_page(&deadline.to_rfc3339()), &Context::new(now));
        let s = r.seconds_left.unwrap();
        prop_assert_eq!(s, offset);
        let days = if s <= 0 { 0 } else { (s + 86_399) / 86_400 };
        prop_assert_eq!(r.days_left, Some(days));
        let want = if s <= 0 {
            Urgency::Overdue
        } else if s < CRITICAL_SECONDS {
            Urgency::Critical
        } else if s <= WARNING_SECONDS {
            Urgency::Warning
        } else {
            Urgency::Info
        };
        prop_assert_eq!(r.urgency, want);
        prop_assert_eq!(r.suspended, s <= 0);
        prop_assert_eq!(r.status, Status::Pending);
    }

    #[test]
    fn offset_and_utc_forms_of_one_instant_agree(
        deadline in instant(), now in instant(), minutes in -14i32 * 60..=14 * 60,
    ) {
        let zone = FixedOffset::east_opt(minutes * 60).unwrap();
        let local = deadline.with_timezone(&zone);
        let forms = [
            deadline.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            deadline.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            deadline.format("%Y-%m-%d %H:%M:%S").to_string(),
            local.to_rfc3339(),
            local.format("%Y-%m-%dT%H:%M:%S%z").to_string(),
            deadline.timestamp().to_string(),
        ];
        let ctx = Context::new(now);
        let first = record_at(&namecom_page(&forms[0]), &ctx);
        for form in &forms[1..] {
            prop_assert_eq!(&record_at(&namecom_page(form), &ctx), &first, "{}", form);
        }
        // A zone-less value read in a configured zone is the same instant too.
        let naive = local.format("%Y-%m-%d %H:%M:%S").to_string();
        prop_assert_eq!(&record_at(&namecom_page(&naive), &ctx.clone().zone(zone)), &first);
        // And so is an Openprovider row with the same deadline as epoch seconds.
        let op = json!({"code": 0, "data": {"results": [{
            "email": "p@example.com", "status": "in progress", "expiration_date": deadline.timestamp()
        }], "total": 1}}).to_string();
        let r = &evaluate(Provider::Openprovider, &op, &ctx).unwrap().records[0];
        prop_assert_eq!((r.deadline, r.seconds_left, r.urgency), (first.deadline, first.seconds_left, first.urgency));
    }
}

/// Keys the adapters look for, so generated JSON reaches deep paths.
const KEYS: &[&str] = &[
    "unverifiedContacts",
    "verificationId",
    "verifyBy",
    "email",
    "domains",
    "nextPage",
    "to",
    "totalCount",
    "message",
    "details",
    "eventName",
    "verification",
    "status",
    "sent",
    "nextEligibleAt",
    "code",
    "desc",
    "data",
    "results",
    "total",
    "success",
    "domain",
    "handle",
    "description",
    "is_suspended",
    "expiration_date",
    "VerificationStatus",
    "ExpirationDate",
    "LastNotificationDate",
    "ContactEmail",
    "ExternalId",
    "OperationResult",
    "ErrorCode",
    "d",
];

const WORDS: &[&str] = &[
    "in progress",
    "Pending",
    "NotValidated",
    "verified",
    "failed",
    "bounced",
    "expired",
    "unverified",
    "0000-00-00 00:00:00",
    "2026-03-01T12:00:00Z",
    "2026-03-01 12:00:00",
    "",
    "contact.verification.status_change",
    "Next eligible at: 2026-01-20T21:49:58+00:00",
    "/Date(1772712000000+0300)/",
    "ERROR",
    "SUCCESS",
    "\u{0}",
    "é",
    "9999999999999999999",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
            }),
        ]
    })
}

fn exercise(body: &str, status: u16, now: DateTime<Utc>) {
    let headers = [("x-ratelimit-reset", "1e300"), ("retry-after", "-5")];
    for p in Provider::ALL {
        for ctx in [Context::new(now), Context::new(now).single_contact().changed_at(Some(now))] {
            let resp = Response::new(status, body).with_headers(&headers);
            let _ = evaluate(p, body, &ctx);
            let _ = evaluate_response(p, &resp, &ctx);
            let _ = interpret_resend(p, &resp, &ctx);
            if let Ok(e) = evaluate(p, body, &ctx) {
                // Whatever came out is serialisable for JS.
                serde_json::to_string(&e).unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(v in json_value(), status in prop::sample::select(&[200u16, 204, 400, 401, 403, 404, 429, 500, 502][..]), now in instant()) {
        exercise(&v.to_string(), status, now);
        // Wrapped the ways registrars wrap.
        exercise(&json!({"code": 0, "data": {"results": [v.clone()]}}).to_string(), status, now);
        exercise(&json!({"unverifiedContacts": [v.clone()], "nextPage": 2}).to_string(), status, now);
        exercise(&json!({"d": v}).to_string(), status, now);
    }

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}", now in instant()) {
        exercise(&s, 200, now);
        let _ = verify_signature(&s, "https://x/", &s, "t", now, Some(TimeDelta::seconds(300)));
        let _ = verification_core::time::parse_timestamp(&s, FixedOffset::east_opt(0).unwrap());
        let _ = verification_core::time::find_timestamp(&s);
    }

    #[test]
    fn extreme_dates_never_panic(n in any::<i64>(), now in instant()) {
        let body = namecom_page(&n.to_string());
        let _ = evaluate(Provider::Namecom, &body, &Context::new(now));
        let body = json!({"code": 0, "data": {"results": [{"email": "a@b.c", "status": "in progress", "expiration_date": n}]}}).to_string();
        let _ = evaluate(Provider::Openprovider, &body, &Context::new(now));
        let far = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let _ = evaluate(Provider::Namecom, &namecom_page("9999-12-31T23:59:59Z"), &Context::new(far));
    }
}

/// A name.com contact row, and an Openprovider row, from a few numbers.
fn rows_for(provider: Provider, seeds: &[(u32, i64)]) -> Vec<Value> {
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    seeds
        .iter()
        .map(|&(i, hours)| {
            let at = base + TimeDelta::hours(hours);
            match provider {
                Provider::Namecom => json!({
                    "verificationId": 1000 + i, "verifyBy": at.to_rfc3339(),
                    "email": format!("r{i}@example.com"),
                    "domains": (0..=(i % 3)).map(|d| format!("s{i}-{d}.com")).collect::<Vec<_>>(),
                }),
                _ => {
                    let status =
                        ["in progress", "not verified", "verified", "failed"][(i % 4) as usize];
                    json!({
                    "handle": format!("XX{i:06}-XX"), "email": format!("r{i}@example.com"),
                    "domain": format!("s{i}.com"), "is_suspended": i % 7 == 0,
                    "status": status,
                    "description": if i % 5 == 0 { "bounced" } else { "" },
                    "expiration_date": at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    })
                }
            }
        })
        .collect()
}

fn page_of(provider: Provider, rows: Vec<Value>) -> String {
    let n = rows.len();
    match provider {
        Provider::Namecom => json!({"unverifiedContacts": rows, "from": 1, "to": n,
                                    "nextPage": null, "totalCount": n}),
        _ => json!({"code": 0, "desc": "", "data": {"results": rows, "total": n}}),
    }
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A row that does not even deserialize sends the page down the
    /// row-by-row path; the other rows come out exactly as the one-pass
    /// path reads them without it, and the bad row is reported at its index.
    #[test]
    fn one_bad_row_changes_nothing_else(
        seeds in prop::collection::vec((0u32..10_000, -500i64..500), 1..40),
        at in any::<prop::sample::Index>(),
        now in instant(),
    ) {
        for provider in [Provider::Namecom, Provider::Openprovider] {
            let ctx = Context::new(now);
            let clean = rows_for(provider, &seeds);
            let expected = evaluate(provider, &page_of(provider, clean.clone()), &ctx).unwrap();
            prop_assert!(expected.row_errors.is_empty());
            let index = at.index(clean.len() + 1);
            let mut dirty = clean;
            dirty.insert(index, json!({"email": "bad@example.com", "domains": {"not": "a list"},
                                       "domain": ["not", "a", "name"]}));
            let got = evaluate(provider, &page_of(provider, dirty), &ctx).unwrap();
            prop_assert_eq!(&got.records, &expected.records);
            prop_assert_eq!(got.row_errors.len(), 1);
            prop_assert_eq!(got.row_errors[0].index, index);
            prop_assert_eq!(got.row_errors[0].key.as_deref(), Some("bad@example.com"));
        }
    }
}

/// One Openprovider row of `owner@shop.example` from a few numbers: any
/// status (the documented ones and an unknown one), reason, suspension flag
/// and expiration date (a date, the zero date, or none).
fn owner_row(
    i: usize,
    (status, reason, suspended, hours): (usize, usize, bool, Option<i64>),
) -> Value {
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let status = ["in progress", "not verified", "verified", "failed", "on hold"][status % 5];
    let expiration = match hours {
        Some(h) => (base + TimeDelta::hours(h)).format("%Y-%m-%d %H:%M:%S").to_string(),
        None => "0000-00-00 00:00:00".into(),
    };
    let description = ["", "expired", "bounced"][reason % 3];
    json!({
        "email": "owner@shop.example", "handle": "OW100001-XX", "domain": format!("d{i}.example"),
        "status": status, "description": description,
        "is_suspended": suspended, "expiration_date": expiration,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Merging the rows of one contact never yields a later deadline, a
    /// lower urgency, or less suspension than the most urgent row alone
    /// would, and it is verified only when every row is.
    #[test]
    fn merging_rows_never_hides_the_most_urgent_one(
        rows in prop::collection::vec(
            (0usize..5, 0usize..3, prop::bool::weighted(0.2), prop::option::of(-200i64..800)),
            1..6,
        ),
        now in (0i64..600).prop_map(|h| Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + TimeDelta::hours(h)),
    ) {
        let ctx = Context::new(now);
        let rows: Vec<Value> = rows.into_iter().enumerate().map(|(i, r)| owner_row(i, r)).collect();
        let alone: Vec<Record> = rows
            .iter()
            .map(|row| evaluate(Provider::Openprovider, &page_of(Provider::Openprovider, vec![row.clone()]), &ctx)
                .unwrap().records.remove(0))
            .collect();
        let merged = evaluate(Provider::Openprovider, &page_of(Provider::Openprovider, rows), &ctx).unwrap();
        prop_assert_eq!(merged.records.len(), 1);
        let m = &merged.records[0];
        let earliest = alone.iter().filter_map(|r| r.deadline).min();
        prop_assert_eq!(m.deadline, earliest, "the earliest deadline of any row is kept");
        let most = alone.iter().map(|r| r.urgency).max().unwrap();
        prop_assert!(m.urgency >= most, "urgency {:?} below a row's {:?}", m.urgency, most);
        prop_assert!(m.suspended || alone.iter().all(|r| !r.suspended));
        prop_assert_eq!(
            m.status == Status::Verified,
            alone.iter().all(|r| r.status == Status::Verified)
        );
        if alone.iter().any(|r| r.status == Status::Failed) {
            prop_assert!(m.failure_reason.is_some() || alone.iter().all(|r| r.failure_reason.is_none()));
        }
    }
}

mod natural_order {
    use proptest::prelude::*;
    use std::cmp::Ordering;
    use verification_core::natural_cmp;

    #[test]
    fn names_sort_as_people_read_them() {
        let mut names = vec![
            "synthetic-1043@x",
            "synthetic-103@x",
            "synthetic-1038@x",
            "Synthetic-2@x",
            "synthetic-10@x",
            "synthetic-007@x",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            [
                "Synthetic-2@x",
                "synthetic-007@x",
                "synthetic-10@x",
                "synthetic-103@x",
                "synthetic-1038@x",
                "synthetic-1043@x"
            ]
        );
    }

    proptest! {
        // A total order: antisymmetric, equal only for equal strings, and
        // transitive on any three names.
        #[test]
        fn natural_cmp_is_a_total_order(a in "[a-c0-9-]{0,8}", b in "[a-c0-9-]{0,8}", c in "[a-c0-9-]{0,8}") {
            prop_assert_eq!(natural_cmp(&a, &b), natural_cmp(&b, &a).reverse());
            prop_assert_eq!(natural_cmp(&a, &b) == Ordering::Equal, a == b);
            if natural_cmp(&a, &b) != Ordering::Greater && natural_cmp(&b, &c) != Ordering::Greater {
                prop_assert_ne!(natural_cmp(&a, &c), Ordering::Greater);
            }
        }
    }
}
