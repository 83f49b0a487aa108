//! The rows: filtering, counting, the summary line, the virtual-scrolling
//! window, each row's words, and the CSV export.

use super::*;

/// One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a
/// line break, and never read as a formula by a spreadsheet (a leading
/// `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front).
fn csv_cell(out: &mut String, value: &str) {
    let guarded;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{value}");
        guarded.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// The rows at `positions` as CSV, for a spreadsheet: a UTF-8 byte order
/// mark (so Excel reads accents right), a header of stable column names,
/// CRLF line ends. `status` and `deadline` are the record's own values
/// (the deadline in UTC, RFC 3339); `label` and `left` are the list's words.
pub fn csv(rows: &[ListRow], positions: &[u32], msgs: &Messages) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        "email,domains,status,label,suspended,deadline,deadline_kind,left,handle,verification_id\r\n",
    );
    for &p in positions {
        let r = &rows[p as usize].record;
        let kind = r.deadline_kind.map(|k| match k {
            DeadlineKind::Suspension => "suspension",
            DeadlineKind::LinkExpiry => "linkExpiry",
            DeadlineKind::Estimated => "estimated",
        });
        let cells = [
            r.email.clone().unwrap_or_default(),
            r.domains.join(" "),
            r.status.as_str().to_owned(),
            Badge::of(r).text(msgs),
            (if r.suspended { "yes" } else { "no" }).to_owned(),
            r.deadline.map(|d| rfc3339::format_seconds(&d)).unwrap_or_default(),
            kind.unwrap_or_default().to_owned(),
            days_left_text(r, msgs),
            r.handle.clone().unwrap_or_default(),
            r.verification_id.clone().unwrap_or_default(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_cell(&mut out, c);
        }
        out.push_str("\r\n");
    }
    out
}

/// The filters of the list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// By status.
    pub status: StatusFilter,
    /// `Some(true)`: only suspended; `Some(false)`: only not suspended.
    pub suspended: Option<bool>,
    /// Case-insensitive substring of the email, a domain, the handle or the
    /// verification id.
    pub text: String,
}

/// One contact in the list: the record, a stable id, and what the text
/// filter searches (lowercased once, at load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRow {
    /// The normalized record.
    pub record: Record,
    /// The contact's id in the staff endpoints: the verification id
    /// (name.com), else the email, else the handle.
    pub id: String,
    /// Lowercased email, domains, handle and id, separated by newlines.
    pub haystack: String,
}

impl ListRow {
    /// A row for `record`.
    pub fn new(record: Record) -> ListRow {
        let id = contact_id(&record);
        let mut haystack = String::new();
        for part in record
            .email
            .iter()
            .chain(record.domains.iter())
            .chain(record.handle.iter())
            .chain(record.verification_id.iter())
        {
            haystack.push_str(&part.to_lowercase());
            haystack.push('\n');
        }
        ListRow { record, id, haystack }
    }
}

/// The id the staff endpoints take for a record: the verification id
/// (name.com), else the email, else the handle.
pub fn contact_id(r: &Record) -> String {
    r.verification_id
        .clone()
        .or_else(|| r.email.clone())
        .or_else(|| r.handle.clone())
        .unwrap_or_default()
}

/// Rows for records, most urgent first (core's [`by_urgency`]).
pub fn rows(mut records: Vec<Record>) -> Vec<ListRow> {
    records.sort_by(by_urgency);
    records.into_iter().map(ListRow::new).collect()
}

/// The positions of the rows that pass `filter`, in list order. One pass,
/// no allocation per row.
pub fn filter_rows(rows: &[ListRow], filter: &Filter) -> Vec<u32> {
    let needle = filter.text.trim().to_lowercase();
    rows.iter()
        .enumerate()
        .filter(|(_, row)| {
            filter.status.matches(&row.record)
                && filter.suspended.is_none_or(|s| row.record.suspended == s)
                && (needle.is_empty() || row.haystack.contains(&needle))
        })
        .map(|(i, _)| i as u32)
        .collect()
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every contact loaded.
    pub total: usize,
    /// Deadline passed, not verified.
    pub overdue: usize,
    /// Suspended.
    pub suspended: usize,
    /// Under 48 hours left.
    pub critical: usize,
}

/// Counts the loaded rows.
pub fn counts(rows: &[ListRow]) -> Counts {
    let mut c = Counts { total: rows.len(), ..Counts::default() };
    for r in rows {
        match r.record.urgency {
            Urgency::Overdue => c.overdue += 1,
            Urgency::Critical => c.critical += 1,
            _ => {}
        }
        c.suspended += usize::from(r.record.suspended);
    }
    c
}

/// `1204` → `"1,204"` (English grouping; see [`Messages::number`]).
pub fn thousands(n: usize) -> String {
    Messages::english().number(count(n))
}

/// A count as the `i64` plural messages take.
pub fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The summary line: "1,204 contacts, 37 overdue, 12 suspended", plus
/// "showing 80" when a filter hides some.
pub fn summary(c: &Counts, shown: usize, msgs: &Messages) -> String {
    let mut s = format!(
        "{}, {}",
        msgs.count(ListMsg::Contacts, count(c.total), &[]),
        msgs.count(ListMsg::CountOverdue, count(c.overdue), &[])
    );
    if c.suspended > 0 {
        s.push_str(", ");
        s.push_str(&msgs.count(ListMsg::CountSuspended, count(c.suspended), &[]));
    }
    if shown != c.total {
        s.push(' ');
        s.push_str(&msgs.count(ListMsg::Showing, count(shown), &[]));
    }
    s
}

/// The rows to render: `[start, end)` of `count` rows, for a viewport
/// `height` pixels tall scrolled to `scroll_top`, with [`OVERSCAN`] rows
/// either side.
pub fn window(scroll_top: f64, height: f64, row_height: f64, count: usize) -> (usize, usize) {
    if count == 0 || row_height <= 0.0 {
        return (0, 0);
    }
    let top = if scroll_top.is_finite() { scroll_top.max(0.0) } else { 0.0 };
    let height = if height.is_finite() { height.max(0.0) } else { 0.0 };
    let first = ((top / row_height).floor() as usize).min(count - 1);
    let visible = (height / row_height).ceil() as usize + 1;
    let start = first.saturating_sub(OVERSCAN);
    let end = (first + visible + OVERSCAN).min(count);
    (start, end)
}

/// "3 days left", "20 hours left", "overdue by 2 days", or "" without a
/// deadline. A link's validity (Domain Name API) counts the link's days,
/// never days before suspension; an estimated deadline says it is one.
pub fn days_left_text(r: &Record, msgs: &Messages) -> String {
    let Some(secs) = r.seconds_left else { return String::new() };
    if r.status == Status::Verified {
        return String::new();
    }
    if r.deadline_kind == Some(DeadlineKind::LinkExpiry) {
        return if secs <= 0 {
            msgs.text(ListMsg::LinkExpired)
        } else {
            msgs.count(ListMsg::LinkValidDays, r.days_left.unwrap_or(0), &[])
        };
    }
    let left = if secs < 0 {
        // Whole hours or days past the deadline, counted down alike (23 h
        // 30 min is "23 hours", 31 h is "1 day"); the first hour is "1 hour".
        let over = -secs;
        if over < 86_400 {
            msgs.count(ListMsg::OverdueByHours, (over / 3_600).max(1), &[])
        } else {
            msgs.count(ListMsg::OverdueByDays, over / 86_400, &[])
        }
    } else if secs < verification_core::deadline::CRITICAL_SECONDS {
        msgs.count(Msg::HoursLeft, (secs + 3_599) / 3_600, &[])
    } else {
        msgs.count(Msg::DaysLeft, r.days_left.unwrap_or(0), &[])
    };
    if r.deadline_kind == Some(DeadlineKind::Estimated) {
        return msgs.fill(ListMsg::EstimatedLeft, &[("left", &left)]);
    }
    left
}

/// The status as staff read it.
pub fn status_label(r: &Record) -> ListMsg {
    match (r.status, r.failure_reason) {
        (Status::NotStarted, _) => ListMsg::StatusNotStarted,
        (Status::Pending, _) if r.urgency == Urgency::Overdue => ListMsg::StatusOverdue,
        (Status::Pending, _) => ListMsg::StatusPending,
        (Status::Verified, _) => ListMsg::StatusVerified,
        (Status::Failed, Some(verification_core::FailureReason::Bounced)) => ListMsg::StatusBounced,
        (Status::Failed, Some(verification_core::FailureReason::Expired)) => ListMsg::StatusExpired,
        (Status::Failed, None) => ListMsg::StatusFailed,
        (Status::Unknown, _) => ListMsg::StatusUnknown,
    }
}
