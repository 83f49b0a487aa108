use chrono::{TimeDelta, TimeZone, Utc};
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

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let ctx = Context::new(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap());
    let pages =
        [(Provider::Openprovider, openprovider_page()), (Provider::Namecom, namecom_page())];
    for (p, body) in &pages {
        for _ in 0..n {
            black_box(evaluate(*p, black_box(body), &ctx).ok());
        }
    }
}
