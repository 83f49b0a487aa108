//! Evaluating a full page of each registrar: parse, read every row, apply
//! the rules. `make bench` reports these figures; the budget is under 1 ms
//! per 1000 rows.

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use std::hint::black_box;
use verification_core::{evaluate, Context, Provider};

/// 1000 Openprovider rows: 400 emails with 1-4 domains each, mixed statuses.
fn openprovider_page() -> String {
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let statuses = ["in progress", "not verified", "verified", "failed"];
    let results: Vec<_> = (0..1000)
        .map(|i| {
            let contact = i * 2 / 5;
            let deadline = base + TimeDelta::hours(i64::from(contact % 400) - 48);
            json!({
                "description": if contact % 4 == 3 { "bounced" } else { "" },
                "domain": format!("shop-{i}.com"),
                "email": format!("owner{contact}@example.com"),
                "expiration_date": deadline.format("%Y-%m-%d %H:%M:%S").to_string(),
                "handle": format!("XX{contact:06}-XX"),
                "is_suspended": false,
                "status": statuses[(contact % 4) as usize],
            })
        })
        .collect();
    json!({"code": 0, "desc": "", "data": {"results": results, "total": 1000}}).to_string()
}

/// 1000 name.com contacts, 1-3 domains each.
fn namecom_page() -> String {
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let contacts: Vec<_> = (0..1000)
        .map(|i: i64| {
            let verify_by = base + TimeDelta::hours(i % 400 - 48);
            json!({
                "verificationId": 98_000_000 + i,
                "createDate": (verify_by - TimeDelta::days(15)).to_rfc3339(),
                "verifyBy": verify_by.to_rfc3339(),
                "email": format!("registrant{i}@example.com"),
                "domains": (0..=(i % 3)).map(|d| format!("site{i}-{d}.com")).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"unverifiedContacts": contacts, "from": 1, "to": 1000, "lastPage": 1,
           "nextPage": null, "totalCount": 1000})
    .to_string()
}

fn bench(c: &mut Criterion) {
    let ctx = Context::new(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap());
    let mut group = c.benchmark_group("evaluate_1000");
    group.throughput(Throughput::Elements(1000));
    for (name, provider, body) in [
        ("openprovider", Provider::Openprovider, openprovider_page()),
        ("namecom", Provider::Namecom, namecom_page()),
    ] {
        let check = evaluate(provider, &body, &ctx).expect("the generated page is valid");
        assert!(check.row_errors.is_empty() && !check.records.is_empty());
        group.bench_function(name, |b| {
            b.iter(|| evaluate(provider, black_box(&body), &ctx).expect("valid"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
