//! What the reseller staff list (`<registrant-verification-list>`) decides,
//! as plain Rust: its configuration, the paging plan, the filters, the
//! virtual-scrolling window, the summary line and the bulk-resend queue.
//!
//! No DOM and no clock here (the view passes `now` in); native unit tests
//! cover every function. The verification rules themselves (status,
//! urgency, ordering, resend operation, rate limits) stay in
//! `verification-core`.

use crate::{
    i18n::{ListMsg, Messages, Msg},
    model::Problem,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use verification_core::{
    by_urgency,
    resend::{RateLimit, ResendPlan, NAMECOM_PER_ACCOUNT, NAMECOM_PER_VERIFICATION},
    time::rfc3339,
    DeadlineKind, Evaluation, NextPage, Provider, Record, Status, Urgency,
};

mod queue;
mod table;
pub use queue::*;
pub use table::*;

/// The height of one row, in CSS pixels. Fixed, so the window of visible
/// rows is arithmetic (see [`window`]); the stylesheet uses the same value.
pub const ROW_HEIGHT: f64 = 44.0;
/// Rows rendered above and below the visible ones, so a fast scroll does
/// not show blank space before the next frame.
pub const OVERSCAN: usize = 8;
/// Rows per request: the most either registrar returns per page.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
/// Most pages read for one load (a safety stop against a backend that
/// always says "there is more").
pub const MAX_PAGES: u32 = 500;

/// The list element's configuration, read from its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListConfig {
    /// `provider`: `namecom` or `openprovider` (DNA has no account list).
    pub provider: Result<Provider, String>,
    /// `list-url`: the backend's list pass-through.
    pub list_url: Option<String>,
    /// `resend-url`: the backend's staff resend endpoint; `contact=` is
    /// appended.
    pub resend_url: Option<String>,
    /// `locale`, when set.
    pub locale: Option<String>,
    /// `strings`: the reseller's wording overrides, as JSON.
    pub strings: Option<String>,
    /// `rate-limit="N/SECONDS"`: an account limit that replaces the
    /// registrar's (a demo and test knob; name.com's 200/3600 otherwise).
    pub rate_limit: Option<RateLimit>,
    /// `page-size`: rows per request (1..=1000, default 1000).
    pub page_size: u32,
    /// `queue-url`: the gateway's staff queue; with it the gateway paces
    /// and sends bulk resends, without it this tab does.
    pub queue_url: Option<String>,
}

impl ListConfig {
    /// Reads the configuration through `attr` (an attribute by name).
    pub fn from_attributes(attr: impl Fn(&str) -> Option<String>) -> ListConfig {
        let text = |name: &str| attr(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let provider = match text("provider") {
            None => Err("the `provider` attribute is missing".to_owned()),
            Some(p) => match p.parse::<Provider>() {
                Ok(Provider::Dna) => Err("Domain Name API has no account-wide list".to_owned()),
                Ok(p) => Ok(p),
                Err(e) => Err(e.to_string()),
            },
        };
        let page_size = text("page-size")
            .and_then(|v| v.parse::<u32>().ok())
            .map_or(DEFAULT_PAGE_SIZE, |n| n.clamp(1, DEFAULT_PAGE_SIZE));
        ListConfig {
            provider,
            list_url: text("list-url"),
            resend_url: text("resend-url"),
            locale: text("locale"),
            strings: text("strings"),
            rate_limit: text("rate-limit").and_then(|v| parse_rate_limit(&v)),
            page_size,
            queue_url: text("queue-url"),
        }
    }

    /// The account-wide limit bulk resends are paced by.
    pub fn account_limit(&self) -> Option<RateLimit> {
        match (&self.provider, self.rate_limit) {
            (_, Some(l)) => Some(l),
            (Ok(Provider::Namecom), None) => Some(NAMECOM_PER_ACCOUNT),
            _ => None,
        }
    }

    /// The per-contact limit (name.com: 1 per 15 minutes per verification;
    /// elsewhere the widget's default cooldown, 15 minutes, so a registrant
    /// is not flooded either).
    pub fn contact_limit(&self) -> RateLimit {
        NAMECOM_PER_VERIFICATION
    }
}

/// Parses `"N/SECONDS"` (e.g. `5/3600`) into a [`RateLimit`].
pub fn parse_rate_limit(s: &str) -> Option<RateLimit> {
    let (max, secs) = s.split_once('/')?;
    let max: usize = max.trim().parse().ok()?;
    let secs: i64 = secs.trim().parse().ok().filter(|s| (1..=86_400 * 7).contains(s))?;
    (max >= 1).then(|| RateLimit { max, window: TimeDelta::seconds(secs) })
}

/// One page to request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageRequest {
    /// name.com: `page` (1-based) and `perPage`.
    Numbered {
        /// `page`.
        page: u32,
        /// `perPage`.
        per_page: u32,
    },
    /// Openprovider: `limit` and `offset`.
    Offset {
        /// `limit`.
        limit: u32,
        /// `offset`.
        offset: u64,
    },
}

impl PageRequest {
    /// The first page for `provider`.
    pub fn first(provider: Provider, size: u32) -> PageRequest {
        match provider {
            Provider::Openprovider => PageRequest::Offset { limit: size, offset: 0 },
            _ => PageRequest::Numbered { page: 1, per_page: size },
        }
    }

    /// `list_url` with this page's query parameters appended.
    pub fn url(&self, list_url: &str) -> String {
        let sep = if list_url.contains('?') { '&' } else { '?' };
        match self {
            PageRequest::Numbered { page, per_page } => {
                format!("{list_url}{sep}page={page}&perPage={per_page}")
            }
            PageRequest::Offset { limit, offset } => {
                format!("{list_url}{sep}limit={limit}&offset={offset}")
            }
        }
    }

    /// The page after this one, by the core's paging facts: name.com's
    /// `nextPage` (only forward; an empty page ends the list), Openprovider
    /// while `offset + limit < total` and the page was not empty.
    pub fn next(&self, evaluation: &Evaluation, rows_on_page: usize) -> Option<PageRequest> {
        if rows_on_page == 0 {
            return None;
        }
        let page = evaluation.page?;
        match *self {
            PageRequest::Numbered { page: current, per_page } => match page.next {
                Some(NextPage::Page(n)) if n > current => {
                    Some(PageRequest::Numbered { page: n, per_page })
                }
                _ => None,
            },
            PageRequest::Offset { limit, offset } => {
                let next = offset + u64::from(limit);
                let total = page.total?;
                (next < total).then_some(PageRequest::Offset { limit, offset: next })
            }
        }
    }
}

/// A status filter choice. Each status choice is a badge's status, so a
/// filter named "Overdue" shows exactly the rows badged "Overdue" (with or
/// without ", suspended"), never the "Expired" ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    /// Every status.
    #[default]
    Any,
    /// Everything that still needs the registrant (not verified).
    Unverified,
    /// Rows whose badge says this status ([`status_label`]).
    Label(ListMsg),
}

/// Every badge status, in the order the menu and the status sort use:
/// most in need of action first.
pub const LABELS: [(ListMsg, &str); 8] = [
    (ListMsg::StatusOverdue, "overdue"),
    (ListMsg::StatusExpired, "expired"),
    (ListMsg::StatusBounced, "bounced"),
    (ListMsg::StatusFailed, "failed"),
    (ListMsg::StatusPending, "pending"),
    (ListMsg::StatusNotStarted, "not_started"),
    (ListMsg::StatusUnknown, "unknown"),
    (ListMsg::StatusVerified, "verified"),
];

fn label_rank(m: ListMsg) -> usize {
    LABELS.iter().position(|(l, _)| *l == m).unwrap_or(LABELS.len())
}

impl StatusFilter {
    /// The `<select>` value of this choice.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Any => "any",
            StatusFilter::Unverified => "unverified",
            StatusFilter::Label(m) => {
                LABELS.iter().find(|(l, _)| *l == m).map_or("any", |(_, v)| v)
            }
        }
    }

    /// Reads a `<select>` value; unknown values mean [`StatusFilter::Any`].
    pub fn parse(s: &str) -> StatusFilter {
        match s {
            "unverified" => StatusFilter::Unverified,
            _ => LABELS
                .iter()
                .find(|(_, v)| *v == s)
                .map_or(StatusFilter::Any, |(l, _)| StatusFilter::Label(*l)),
        }
    }

    /// The menu's label of this choice.
    pub fn label(self) -> ListMsg {
        match self {
            StatusFilter::Any => ListMsg::StatusAny,
            StatusFilter::Unverified => ListMsg::StatusUnverified,
            StatusFilter::Label(m) => m,
        }
    }

    /// The choices that can match `rows`, each with how many it matches:
    /// every status, "not verified" when some rows are verified and some
    /// not, and each badge status present (name.com's list holds no
    /// verified contacts, so it never offers "Verified").
    pub fn choices(rows: &[ListRow]) -> Vec<(StatusFilter, usize)> {
        let mut per_label = [0usize; LABELS.len()];
        for r in rows {
            if let Some(i) = LABELS.iter().position(|(l, _)| *l == status_label(&r.record)) {
                per_label[i] += 1;
            }
        }
        let verified = per_label[LABELS.len() - 1];
        let mut out = vec![(StatusFilter::Any, rows.len())];
        if verified > 0 && verified < rows.len() {
            out.push((StatusFilter::Unverified, rows.len() - verified));
        }
        out.extend(
            LABELS
                .iter()
                .zip(per_label)
                .filter(|(_, n)| *n > 0)
                .map(|((l, _), n)| (StatusFilter::Label(*l), n)),
        );
        out
    }

    fn matches(self, r: &Record) -> bool {
        match self {
            StatusFilter::Any => true,
            StatusFilter::Unverified => r.status != Status::Verified,
            StatusFilter::Label(m) => status_label(r) == m,
        }
    }
}

/// `true` when the suspension filter can split `rows` (some suspended,
/// some not); otherwise the list does not offer it.
pub fn suspension_splits(rows: &[ListRow]) -> bool {
    let suspended = rows.iter().filter(|r| r.record.suspended).count();
    suspended > 0 && suspended < rows.len()
}

/// A row's badge: its status as staff read it and whether its domains are
/// suspended, said in one badge ("Overdue, suspended").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Badge {
    /// The status ([`status_label`]).
    pub status: ListMsg,
    /// The domains are suspended.
    pub suspended: bool,
}

impl Badge {
    /// The badge of `r`.
    pub fn of(r: &Record) -> Badge {
        Badge { status: status_label(r), suspended: r.suspended }
    }

    /// The badge's words in `msgs`' language.
    pub fn text(self, msgs: &Messages) -> String {
        let status = msgs.text(self.status);
        if self.suspended {
            msgs.fill(ListMsg::WithSuspended, &[("status", &status)])
        } else {
            status
        }
    }
}

/// The column a list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Most urgent first (the core's order); the list's default.
    #[default]
    Urgency,
    /// By email, in natural order ("synthetic-103" before "-1038").
    Contact,
    /// By badge status, most in need of action first.
    Status,
    /// By deadline, earliest first; rows without one last.
    Deadline,
    /// By queued send time; rows not queued last.
    Queue,
}

/// How the list is sorted: a column and a direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub key: SortKey,
    /// Reversed.
    pub descending: bool,
}

impl Sort {
    /// The sort after a click on `key`'s header: that column ascending, or
    /// the other direction when it is the column already.
    pub fn toggled(self, key: SortKey) -> Sort {
        if self.key == key {
            Sort { key, descending: !self.descending }
        } else {
            Sort { key, descending: false }
        }
    }

    /// The header's `aria-sort` for `key`.
    pub fn aria(self, key: SortKey) -> &'static str {
        match (self.key == key, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }
}

/// Orders `positions` (rows' indices, in the list's urgency order) by
/// `sort`, stably: ties keep the urgency order. Rows without a deadline or
/// a queued time stay last in either direction. `queued_at` is a row id's
/// queued send time.
pub fn sort_positions(
    rows: &[ListRow],
    positions: &mut [u32],
    sort: Sort,
    queued_at: impl Fn(&str) -> Option<DateTime<Utc>>,
) {
    use std::cmp::Ordering;
    let row = |p: &u32| &rows[*p as usize];
    let dir = |o: Ordering| if sort.descending { o.reverse() } else { o };
    // `None` last whatever the direction.
    let last_none = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| match (a, b) {
        (Some(x), Some(y)) => dir(x.cmp(&y)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match sort.key {
        SortKey::Urgency => {
            if sort.descending {
                positions.reverse();
            }
        }
        SortKey::Contact => positions.sort_by(|a, b| {
            let name = |p: &u32| row(p).record.email.as_deref().unwrap_or(&row(p).id);
            dir(verification_core::natural_cmp(name(a), name(b)))
        }),
        SortKey::Status => positions.sort_by(|a, b| {
            let (x, y) = (Badge::of(&row(a).record), Badge::of(&row(b).record));
            dir(label_rank(x.status)
                .cmp(&label_rank(y.status))
                .then_with(|| y.suspended.cmp(&x.suspended)))
        }),
        SortKey::Deadline => {
            positions.sort_by(|a, b| last_none(row(a).record.deadline, row(b).record.deadline));
        }
        SortKey::Queue => {
            positions.sort_by(|a, b| last_none(queued_at(&row(a).id), queued_at(&row(b).id)));
        }
    }
}

/// A bulk resend of more than this many contacts asks first.
pub const CONFIRM_ABOVE: usize = 10;

/// "1 hour 49 minutes", "12 minutes" (rounded up to the minute); from two
/// days on, in days ("55 days", rounded up).
pub fn duration_words(d: TimeDelta, msgs: &Messages) -> String {
    let secs = d.num_seconds().max(0);
    if secs >= 2 * 86_400 {
        return msgs.count(ListMsg::WindowDays, (secs + 86_399) / 86_400, &[]);
    }
    let minutes = (secs + 59) / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => msgs.count(ListMsg::WindowMinutes, m.max(1), &[]),
        (h, 0) => msgs.count(ListMsg::WindowHours, h, &[]),
        (h, m) => format!(
            "{} {}",
            msgs.count(ListMsg::WindowHours, h, &[]),
            msgs.count(ListMsg::WindowMinutes, m, &[])
        ),
    }
}

/// The confirmation of a bulk resend of `n` contacts whose last send is
/// planned at `last`: the question, and how long the pacing takes (and, as
/// `by_gateway` says, whether this page must stay open meanwhile).
pub fn confirm_words(
    n: usize,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    by_gateway: bool,
    msgs: &Messages,
) -> (String, String) {
    let question = msgs.count(ListMsg::ConfirmBulk, count(n), &[]);
    let paced = if by_gateway { ListMsg::ConfirmPacedGateway } else { ListMsg::ConfirmPaced };
    let detail = match last.map(|t| t - now).filter(|d| *d >= TimeDelta::minutes(1)) {
        Some(d) => msgs.fill(paced, &[("duration", &duration_words(d, msgs))]),
        None => msgs.text(ListMsg::ConfirmNow),
    };
    (question, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use verification_core::{evaluate, Context, Page, ResendState};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn en() -> Messages {
        Messages::english()
    }

    fn record(email: &str, status: Status, hours_left: Option<i64>, suspended: bool) -> Record {
        let deadline = hours_left.map(|h| now() + TimeDelta::hours(h));
        let secs = hours_left.map(|h| h * 3600);
        let urgency = match (status, secs) {
            (Status::Verified, _) => Urgency::None,
            (_, Some(s)) if s < 0 => Urgency::Overdue,
            (_, Some(s)) if s < 48 * 3600 => Urgency::Critical,
            (_, Some(s)) if s <= 7 * 86400 => Urgency::Warning,
            _ => Urgency::Info,
        };
        Record {
            provider: Provider::Namecom,
            email: Some(email.to_owned()),
            handle: None,
            verification_id: Some(format!("{}", 1000 + email.len())),
            domains: vec![format!("{}.com", email.split('@').next().unwrap())],
            status,
            failure_reason: None,
            suspended,
            deadline,
            deadline_kind: deadline.map(|_| DeadlineKind::Suspension),
            seconds_left: secs,
            days_left: secs.map(|s| ((s + 86_399) / 86_400).max(0)),
            urgency,
            last_notification_at: None,
            resend: if status == Status::Verified {
                ResendState::blocked(verification_core::ResendReason::Verified, None)
            } else {
                ResendState::allowed()
            },
            recheck_at: None,
        }
    }

    fn sample() -> Vec<ListRow> {
        rows(vec![
            record("late@x.com", Status::Pending, Some(-30), true),
            record("soon@x.com", Status::Pending, Some(20), false),
            record("week@x.com", Status::Pending, Some(100), false),
            record("calm@y.org", Status::NotStarted, Some(300), false),
            record("done@y.org", Status::Verified, None, false),
        ])
    }

    #[test]
    fn config_reads_attributes() {
        let attrs = |n: &str| match n {
            "provider" => Some("name.com".to_owned()),
            "list-url" => Some(" /api/namecom/list ".to_owned()),
            "rate-limit" => Some("5/3600".to_owned()),
            "page-size" => Some("5000".to_owned()),
            _ => None,
        };
        let c = ListConfig::from_attributes(attrs);
        assert_eq!(c.provider, Ok(Provider::Namecom));
        assert_eq!(c.list_url.as_deref(), Some("/api/namecom/list"));
        assert_eq!(c.page_size, 1000);
        assert_eq!(c.account_limit(), Some(RateLimit { max: 5, window: TimeDelta::hours(1) }));
        let dna = ListConfig::from_attributes(|n| (n == "provider").then(|| "dna".to_owned()));
        assert!(dna.provider.is_err());
        let op = ListConfig::from_attributes(|n| (n == "provider").then(|| "openprovider".into()));
        assert_eq!(op.account_limit(), None);
        assert_eq!(parse_rate_limit("0/60"), None);
        assert_eq!(parse_rate_limit("x"), None);
        assert_eq!(parse_rate_limit("3/0"), None);
    }

    #[test]
    fn paging_plan_follows_the_core() {
        let first = PageRequest::first(Provider::Namecom, 1000);
        assert_eq!(first.url("/api/namecom/list"), "/api/namecom/list?page=1&perPage=1000");
        let ev = |total, next| Evaluation {
            records: vec![],
            row_errors: vec![],
            page: Some(Page { total, next }),
        };
        assert_eq!(
            first.next(&ev(Some(3000), Some(NextPage::Page(2))), 1000),
            Some(PageRequest::Numbered { page: 2, per_page: 1000 })
        );
        // A backwards or absent nextPage, or an empty page, ends the list.
        assert_eq!(first.next(&ev(Some(3000), Some(NextPage::Page(1))), 1000), None);
        assert_eq!(first.next(&ev(Some(3000), None), 1000), None);
        assert_eq!(first.next(&ev(Some(3000), Some(NextPage::Page(2))), 0), None);

        let op = PageRequest::first(Provider::Openprovider, 1000);
        assert_eq!(op.url("/l?x=1"), "/l?x=1&limit=1000&offset=0");
        let second = op.next(&ev(Some(1500), None), 1000).unwrap();
        assert_eq!(second, PageRequest::Offset { limit: 1000, offset: 1000 });
        assert_eq!(second.next(&ev(Some(1500), None), 500), None);
        assert_eq!(op.next(&ev(Some(1000), None), 1000), None);
        assert_eq!(op.next(&ev(None, None), 1000), None);
    }

    #[test]
    fn paging_plan_on_real_payloads() {
        let body = r#"{"unverifiedContacts":[{"verificationId":1,"verifyBy":"2026-03-05T00:00:00Z","email":"a@b.c","domains":["a.com"]}],"from":1,"to":1,"lastPage":2,"nextPage":2,"totalCount":2}"#;
        let ev = evaluate(Provider::Namecom, body, &Context::new(now())).unwrap();
        let next = PageRequest::first(Provider::Namecom, 1).next(&ev, ev.records.len());
        assert_eq!(next, Some(PageRequest::Numbered { page: 2, per_page: 1 }));
    }

    #[test]
    fn rows_are_sorted_most_urgent_first() {
        let r = sample();
        let emails: Vec<_> = r.iter().map(|r| r.record.email.clone().unwrap()).collect();
        assert_eq!(emails, ["late@x.com", "soon@x.com", "week@x.com", "calm@y.org", "done@y.org"]);
    }

    #[test]
    fn filters_narrow_the_list() {
        let r = sample();
        let f = |status, suspended, text: &str| {
            filter_rows(&r, &Filter { status, suspended, text: text.to_owned() })
        };
        assert_eq!(f(StatusFilter::Any, None, ""), vec![0, 1, 2, 3, 4]);
        assert_eq!(f(StatusFilter::Unverified, None, ""), vec![0, 1, 2, 3]);
        let overdue = StatusFilter::Label(ListMsg::StatusOverdue);
        assert_eq!(f(overdue, None, ""), vec![0]);
        assert_eq!(f(StatusFilter::Label(ListMsg::StatusNotStarted), None, ""), vec![3]);
        assert_eq!(f(StatusFilter::Any, Some(true), ""), vec![0]);
        assert_eq!(f(StatusFilter::Any, Some(false), "").len(), 4);
        assert_eq!(f(StatusFilter::Any, None, " Y.ORG "), vec![3, 4]);
        assert_eq!(f(StatusFilter::Any, None, "week.com"), vec![2]);
        assert_eq!(f(StatusFilter::Unverified, None, "y.org"), vec![3]);
        assert_eq!(StatusFilter::parse("overdue"), overdue);
        for choice in [StatusFilter::Any, StatusFilter::Unverified]
            .into_iter()
            .chain(LABELS.iter().map(|(l, _)| StatusFilter::Label(*l)))
        {
            assert_eq!(StatusFilter::parse(choice.as_str()), choice);
        }
    }

    #[test]
    fn filters_offer_only_what_can_match_named_as_the_badges() {
        let r = sample();
        let labels = |rows: &[ListRow]| -> Vec<(&'static str, usize)> {
            StatusFilter::choices(rows).into_iter().map(|(c, n)| (c.as_str(), n)).collect()
        };
        assert_eq!(
            labels(&r),
            [
                ("any", 5),
                ("unverified", 4),
                ("overdue", 1),
                ("pending", 2),
                ("not_started", 1),
                ("verified", 1)
            ]
        );
        // name.com's list: only unverified contacts, every overdue one
        // suspended. No "Verified", no "not verified", no suspension menu.
        let nc = rows(vec![
            record("a@x.com", Status::Pending, Some(-30), true),
            record("b@x.com", Status::Pending, Some(-3), true),
            record("c@x.com", Status::Pending, Some(90), false),
        ]);
        assert_eq!(labels(&nc), [("any", 3), ("overdue", 2), ("pending", 1)]);
        assert!(suspension_splits(&nc));
        let all_overdue = rows(vec![record("a@x.com", Status::Pending, Some(-30), true)]);
        assert!(!suspension_splits(&all_overdue));
        // An expired row is badged "Expired" and is not in "Overdue".
        let mut expired = record("e@x.com", Status::Failed, Some(-30), true);
        expired.failure_reason = Some(verification_core::FailureReason::Expired);
        let mixed = rows(vec![expired, record("a@x.com", Status::Pending, Some(-30), true)]);
        let f = |status| filter_rows(&mixed, &Filter { status, ..Filter::default() });
        assert_eq!(f(StatusFilter::Label(ListMsg::StatusOverdue)).len(), 1);
        assert_eq!(f(StatusFilter::Label(ListMsg::StatusExpired)).len(), 1);
        // One badge says both.
        let badge = Badge::of(&mixed[0].record);
        assert!(badge.suspended);
        let words: Vec<String> = mixed.iter().map(|r| Badge::of(&r.record).text(&en())).collect();
        assert!(words.contains(&"Overdue, suspended".to_owned()), "{words:?}");
        assert!(words.contains(&"Expired, suspended".to_owned()), "{words:?}");
    }

    #[test]
    fn sorting_by_each_column() {
        let mut recs = vec![
            record("synthetic-1043@x.com", Status::Pending, Some(-3), true),
            record("synthetic-103@x.com", Status::Pending, Some(200), false),
            record("synthetic-1038@x.com", Status::NotStarted, None, false),
            record("done@x.com", Status::Verified, None, false),
        ];
        recs[2].deadline = None;
        let r = rows(recs);
        let order = |sort: Sort, queued: &[(&str, i64)]| -> Vec<String> {
            let mut v: Vec<u32> = (0..r.len() as u32).collect();
            sort_positions(&r, &mut v, sort, |id| {
                queued
                    .iter()
                    .find(|(e, _)| {
                        r.iter().any(|x| x.id == id && x.record.email.as_deref() == Some(*e))
                    })
                    .map(|(_, m)| now() + TimeDelta::minutes(*m))
            });
            v.iter().map(|&i| r[i as usize].record.email.clone().unwrap()).collect()
        };
        let by = |key, descending| Sort { key, descending };
        assert_eq!(
            order(by(SortKey::Contact, false), &[]),
            ["done@x.com", "synthetic-103@x.com", "synthetic-1038@x.com", "synthetic-1043@x.com"]
        );
        assert_eq!(
            order(by(SortKey::Contact, true), &[]),
            ["synthetic-1043@x.com", "synthetic-1038@x.com", "synthetic-103@x.com", "done@x.com"]
        );
        // Status: most in need of action first; verified last.
        assert_eq!(order(by(SortKey::Status, false), &[])[0], "synthetic-1043@x.com");
        assert_eq!(order(by(SortKey::Status, false), &[])[3], "done@x.com");
        // Deadline: earliest first; none last both ways.
        let d = order(by(SortKey::Deadline, false), &[]);
        assert_eq!(&d[..2], ["synthetic-1043@x.com", "synthetic-103@x.com"]);
        let d = order(by(SortKey::Deadline, true), &[]);
        assert_eq!(&d[..2], ["synthetic-103@x.com", "synthetic-1043@x.com"]);
        // Queue: by queued time, not queued last.
        let q = order(by(SortKey::Queue, false), &[("done@x.com", 30), ("synthetic-103@x.com", 5)]);
        assert_eq!(&q[..2], ["synthetic-103@x.com", "done@x.com"]);
        // The header toggles direction.
        let s = Sort::default().toggled(SortKey::Contact);
        assert_eq!((s.aria(SortKey::Contact), s.aria(SortKey::Status)), ("ascending", "none"));
        assert_eq!(s.toggled(SortKey::Contact).aria(SortKey::Contact), "descending");
        // The default order is urgency with names in natural order.
        let tie = rows(vec![
            record("synthetic-1043@x.com", Status::NotStarted, None, false),
            record("synthetic-103@x.com", Status::NotStarted, None, false),
        ]);
        assert_eq!(tie[0].record.email.as_deref(), Some("synthetic-103@x.com"));
    }

    #[test]
    fn a_bad_gateway_queue_says_where() {
        let e = |t| GatewayQueue::from_json(t).unwrap_err();
        assert_eq!(e(r#"{"item":[]}"#), "no `items` list");
        assert_eq!(
            e(r#"{"items":[{"contact":"1","operation":"resend","at":"soon","state":"sent"}]}"#),
            "`items[0].at`: not a timestamp"
        );
        assert_eq!(
            e(
                r#"{"items":[{"contact":1,"operation":"resend","at":"2026-03-01T12:00:00Z","state":"sent"}]}"#
            ),
            "`items[0].contact`: not a string"
        );
        assert!(e(r#"{"items":["#).starts_with("EOF while parsing"), "{}", e(r#"{"items":["#));
        assert_eq!(GatewayQueue::from_json(r#"{"items":[]}"#), Ok(GatewayQueue::default()));
    }

    #[test]
    fn the_send_log_reads_back_what_it_writes() {
        let log = vec![
            SentAt { contact: "a".into(), at: now() },
            SentAt { contact: "b\"c".into(), at: now() + TimeDelta::milliseconds(1500) },
        ];
        let text = serde_json::to_string(&log).unwrap();
        assert_eq!(SentAt::log_from_json(&text), log);
        // What chrono's serde wrote before reads too; junk is an empty log.
        let old = format!(r#"[{{"contact":"a","at":"{}"}}]"#, now().to_rfc3339());
        assert_eq!(SentAt::log_from_json(&old), log[..1]);
        assert_eq!(SentAt::log_from_json("nope"), []);
        assert_eq!(SentAt::log_from_json(r#"[{"contact":"a"},{"contact":"b","at":"x"}]"#), []);
    }

    #[test]
    fn whole_second_timestamps_as_chrono_wrote_them() {
        for t in [now(), now() + TimeDelta::milliseconds(1999), DateTime::<Utc>::MIN_UTC] {
            let ours = verification_core::time::rfc3339::format_seconds(&t);
            assert_eq!(ours, t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
    }

    #[test]
    fn the_gateways_queue_reads_in_the_lists_terms() {
        let r = rows(vec![record("late@x.com", Status::Pending, Some(-30), true)]);
        let id = r[0].id.clone();
        let q = GatewayQueue::from_json(&format!(
            r#"{{"items":[
              {{"contact":"{id}","operation":"resend","at":"2026-03-01T12:00:00Z","state":"sent","detail":null}},
              {{"contact":"777","operation":"resend","at":"2026-03-01T13:00:00Z","state":"waiting"}},
              {{"contact":"778","operation":"resend","at":"2026-03-01T12:00:00Z","state":"failed","detail":"Resend throttled"}},
              {{"contact":"779","operation":"start","at":"2026-03-01T12:00:00Z","state":"done","detail":"already verified"}}
            ]}}"#
        ))
        .unwrap();
        let shown = from_gateway(q, &r);
        assert_eq!(shown[0].email, "late@x.com", "the email from the list's rows");
        assert_eq!(shown[0].state, QueueState::Sent);
        assert_eq!((shown[1].email.as_str(), &shown[1].state), ("777", &QueueState::Waiting));
        assert_eq!(shown[2].state, QueueState::Failed(Why::Registrar("Resend throttled".into())));
        assert_eq!(shown[3].state, QueueState::Done(Why::Said(ListMsg::SkipVerified)));
        assert_eq!(shown[3].operation, "start");
        // What finished since the last look: one event each.
        let mut before = shown.clone();
        before[0].state = QueueState::Sending;
        before[2].state = QueueState::Waiting;
        let done: Vec<(&str, &str)> = finished_since(&before, &shown)
            .into_iter()
            .map(|q| (q.contact.as_str(), queue_outcome(&q.state)))
            .collect();
        assert_eq!(done, [(id.as_str(), "sent"), ("778", "not_sent")]);
        assert!(finished_since(&shown, &shown).is_empty(), "nothing new, nothing told");
    }

    #[test]
    fn csv_export_is_safe_for_spreadsheets() {
        let mut recs = vec![record("a@x.com", Status::Pending, Some(-30), true)];
        let mut evil = record("=cmd@x.com", Status::Pending, Some(30), false);
        evil.domains = vec!["x.com".into(), "y,\"z\".com".into()];
        recs.push(evil);
        let r = rows(recs);
        let text = csv(&r, &[0, 1], &en());
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "email,domains,status,label,suspended,deadline,deadline_kind,left,handle,verification_id"
        );
        assert!(
            lines[1].starts_with(
                "a@x.com,a.com,pending,\"Overdue, suspended\",yes,2026-02-28T06:00:00Z,suspension,"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("'=cmd@x.com,\"x.com y,\"\"z\"\".com\",pending,"),
            "{}",
            lines[2]
        );
        assert_eq!(lines.len(), 4, "a CRLF after each row");
        // Only the rows given, in the order given.
        assert_eq!(csv(&r, &[1], &en()).matches("\r\n").count(), 2);
    }

    #[test]
    fn a_large_bulk_resend_says_how_long_it_takes() {
        let (q, d) = confirm_words(363, Some(now() + TimeDelta::minutes(109)), now(), false, &en());
        assert_eq!(q, "Send a verification email to 363 contacts?");
        assert!(d.contains("about 1 hour 49 minutes"), "{d}");
        assert!(d.contains("Keep this page open"), "{d}");
        let (_, d) = confirm_words(363, Some(now() + TimeDelta::minutes(109)), now(), true, &en());
        assert!(d.contains("you may close this page"), "{d}");
        let (_, d) = confirm_words(12, Some(now()), now(), false, &en());
        assert_eq!(d, "They go out now.");
        assert_eq!(duration_words(TimeDelta::minutes(120), &en()), "2 hours");
        assert_eq!(duration_words(TimeDelta::seconds(61), &en()), "2 minutes");
        assert_eq!(duration_words(TimeDelta::hours(47), &en()), "47 hours");
        assert_eq!(duration_words(TimeDelta::hours(1318), &en()), "55 days");
    }

    #[test]
    fn summary_counts() {
        let r = sample();
        let c = counts(&r);
        assert_eq!(c, Counts { total: 5, overdue: 1, suspended: 1, critical: 1 });
        assert_eq!(summary(&c, 5, &en()), "5 contacts, 1 overdue, 1 suspended");
        let big = Counts { total: 1204, overdue: 37, suspended: 0, critical: 0 };
        assert_eq!(summary(&big, 80, &en()), "1,204 contacts, 37 overdue (showing 80)");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn window_math() {
        // 10 rows fit; at the top, the overscan is below only.
        assert_eq!(window(0.0, 440.0, 44.0, 3000), (0, 11 + OVERSCAN));
        // Scrolled to row 100.
        assert_eq!(window(4400.0, 440.0, 44.0, 3000), (100 - OVERSCAN, 111 + OVERSCAN));
        // At the bottom the window ends at the last row.
        let (s, e) = window(3000.0 * 44.0 - 440.0, 440.0, 44.0, 3000);
        assert_eq!(e, 3000);
        assert!(s < 2990 && e - s < 40);
        // Past the end (a filter shrank the list): the last rows, never empty.
        let (s, e) = window(1e9, 440.0, 44.0, 5);
        assert!(s < e && e == 5);
        assert_eq!(window(0.0, 440.0, 44.0, 0), (0, 0));
        assert_eq!(window(f64::NAN, f64::NAN, 44.0, 10), (0, 1 + OVERSCAN));
    }

    #[test]
    fn days_left_words() {
        assert_eq!(
            days_left_text(&record("a@b", Status::Pending, Some(20), false), &en()),
            "20 hours left"
        );
        assert_eq!(
            days_left_text(&record("a@b", Status::Pending, Some(100), false), &en()),
            "5 days left"
        );
        assert_eq!(
            days_left_text(&record("a@b", Status::Pending, Some(-30), false), &en()),
            "overdue by 1 day"
        );
        assert_eq!(
            days_left_text(&record("a@b", Status::Pending, Some(-3), false), &en()),
            "overdue by 3 hours"
        );
        // Hours and days are counted the same way: completed ones.
        let over = |secs: i64| {
            let mut r = record("a@b", Status::Pending, Some(-1), false);
            r.seconds_left = Some(-secs);
            days_left_text(&r, &en())
        };
        assert_eq!(over(600), "overdue by 1 hour");
        assert_eq!(over(23 * 3_600), "overdue by 23 hours");
        assert_eq!(over(23 * 3_600 + 1_800), "overdue by 23 hours");
        assert_eq!(over(24 * 3_600), "overdue by 1 day");
        assert_eq!(over(31 * 3_600), "overdue by 1 day");
        assert_eq!(over(48 * 3_600), "overdue by 2 days");
        assert_eq!(days_left_text(&record("a@b", Status::Verified, None, false), &en()), "");
        // A link's validity counts the link's days, never days before
        // suspension; an estimate says so.
        let kind = |hours, kind| {
            let mut r = record("a@b", Status::Pending, Some(hours), false);
            r.deadline_kind = Some(kind);
            days_left_text(&r, &en())
        };
        assert_eq!(kind(100, DeadlineKind::LinkExpiry), "link valid 5 more days");
        assert_eq!(kind(-3, DeadlineKind::LinkExpiry), "link expired");
        assert_eq!(kind(100, DeadlineKind::Estimated), "5 days left (estimated)");
        assert_eq!(kind(-30, DeadlineKind::Estimated), "overdue by 1 day (estimated)");
    }

    #[test]
    fn list_words_in_french() {
        let fr = Messages::new("fr-BE", &crate::i18n::Overrides::none());
        let c = Counts { total: 1204, overdue: 1, suspended: 2, critical: 0 };
        assert_eq!(
            summary(&c, 1, &fr),
            "1\u{202f}204 contacts, 1 en retard, 2 suspendus (1 affiché)"
        );
        let days = |h| days_left_text(&record("a@b", Status::Pending, Some(h), false), &fr);
        assert_eq!(days(-30), "en retard de 1 jour");
        assert_eq!(days(-3), "en retard de 3 heures");
        assert_eq!(days(100), "Il reste 5 jours");
        assert_eq!(fr.text(StatusFilter::Any.label()), "Tous les statuts");
        assert_eq!(en().text(StatusFilter::Any.label()), "Any status");
        let r = record("a@b", Status::Failed, None, false);
        assert_eq!(fr.text(status_label(&r)), "Échec");
        let config = Problem::Config("the `list-url` attribute is missing".into());
        assert!(problem_text(&config, &en()).contains("`list-url` attribute is missing"));
        let why = Why::Problem(Problem::Network);
        assert_eq!(
            why.text(&en()),
            "Could not reach the server. It may be down; we will try again."
        );
        assert_eq!(
            Why::Said(ListMsg::RowThrottled).text(&fr),
            "limité par le bureau d’enregistrement"
        );
    }

    #[test]
    fn bulk_plan_respects_limits() {
        let r = sample();
        let recs: Vec<&Record> = r.iter().map(|r| &r.record).collect();
        let limit = RateLimit { max: 2, window: TimeDelta::hours(1) };
        let log = vec![SentAt { contact: "other".into(), at: now() - TimeDelta::minutes(30) }];
        let mut n = 0;
        let (queue, skipped) =
            plan_bulk(&recs, &log, Some(limit), NAMECOM_PER_VERIFICATION, now(), || {
                n += 1;
                format!("k{n}")
            });
        assert_eq!(skipped.len(), 1, "the verified one");
        assert_eq!(en().text(skipped[0].reason), "already verified");
        let at: Vec<_> = queue.iter().map(|q| q.at).collect();
        // One slot left in this hour, the next when the logged send leaves
        // the window, then an hour after the first of ours.
        assert_eq!(
            at,
            vec![
                now(),
                now() + TimeDelta::minutes(30),
                now() + TimeDelta::hours(1),
                now() + TimeDelta::minutes(90)
            ]
        );
        assert!(queue.iter().all(|q| q.operation == "resend" && q.state == QueueState::Waiting));
        let keys: std::collections::HashSet<_> = queue.iter().map(|q| q.key.clone()).collect();
        assert_eq!(keys.len(), 4, "one idempotency key per intent");
        assert_eq!(
            queue_summary(&queue, now(), |t| t.format("%H:%M").to_string(), &en()),
            "0 sent, 1 sending now, 3 queued from 12:30 to 13:30"
        );
    }

    #[test]
    fn bulk_plan_waits_for_a_contacts_own_cooldown() {
        let r = record("late@x.com", Status::Pending, Some(-30), true);
        let id = contact_id(&r);
        let log = vec![SentAt { contact: id, at: now() - TimeDelta::minutes(5) }];
        let (queue, _) = plan_bulk(
            &[&r],
            &log,
            Some(NAMECOM_PER_ACCOUNT),
            NAMECOM_PER_VERIFICATION,
            now(),
            String::new,
        );
        assert_eq!(queue[0].at, now() + TimeDelta::minutes(10));
        let (free, _) = plan_bulk(&[&r], &[], None, NAMECOM_PER_VERIFICATION, now(), String::new);
        assert_eq!(free[0].at, now());
    }

    #[test]
    fn send_log_is_pruned_to_the_window() {
        let mut log = vec![
            SentAt { contact: "a".into(), at: now() - TimeDelta::minutes(61) },
            SentAt { contact: "b".into(), at: now() - TimeDelta::minutes(59) },
        ];
        prune_log(&mut log, now(), TimeDelta::hours(1));
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].contact, "b");
    }
}
