//! The bulk resend: the plan (who is sent, who is skipped and why), the
//! queue's states and summary, the gateway's queue read back, and the send
//! log that keeps the pace under the registrar's limits across reloads.

use super::*;

/// One row of the gateway's staff queue (`queue-url`), as it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayQueued {
    /// The contact id ([`contact_id`]).
    pub contact: String,
    /// The registrar operation.
    pub operation: String,
    /// When it goes (or went).
    pub at: DateTime<Utc>,
    /// `waiting`, `sending`, `sent`, `failed` or `done`.
    pub state: String,
    /// Why it did not go.
    pub detail: Option<String>,
}

/// The gateway's queue answer, `{"items": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayQueue {
    /// Its rows.
    pub items: Vec<GatewayQueued>,
}

impl GatewayQueue {
    /// Reads the gateway's answer with the core's JSON reader.
    ///
    /// # Errors
    /// What is wrong with it, naming the row and field: "`items[2].at`: not
    /// a timestamp".
    pub fn from_json(text: &str) -> Result<GatewayQueue, String> {
        use verification_core::json::{parse, Value};
        let value = parse(text).map_err(|e| e.to_string())?;
        let items = value.get("items").and_then(Value::items).ok_or("no `items` list")?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let text = |key: &str| -> Result<String, String> {
                item.get(key)
                    .and_then(Value::str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("`items[{i}].{key}`: not a string"))
            };
            let at = text("at")?;
            let at = rfc3339::parse_utc(&at)
                .ok_or_else(|| format!("`items[{i}].at`: not a timestamp"))?;
            let detail = match item.get("detail") {
                None => None,
                Some(d) if d.is_null() => None,
                Some(_) => Some(text("detail")?),
            };
            out.push(GatewayQueued {
                contact: text("contact")?,
                operation: text("operation")?,
                at,
                state: text("state")?,
                detail,
            });
        }
        Ok(GatewayQueue { items: out })
    }
}

/// The rows of `next` (the gateway's queue now) that finished since `prev`
/// (as it was): waiting or being sent then, sent, failed or done now. Each
/// is one `verification-list-resend` event, as this tab's own sends are.
pub fn finished_since<'a>(prev: &[Queued], next: &'a [Queued]) -> Vec<&'a Queued> {
    let open = |q: &Queued| matches!(q.state, QueueState::Waiting | QueueState::Sending);
    next.iter()
        .filter(|n| !open(n) && prev.iter().any(|p| p.contact == n.contact && open(p)))
        .collect()
}

/// The `outcome` of a finished queue row, as `verification-list-resend`
/// names it.
pub fn queue_outcome(state: &QueueState) -> &'static str {
    match state {
        QueueState::Sent => "sent",
        QueueState::Done(_) => "already_verified",
        QueueState::Failed(_) => "not_sent",
        QueueState::Waiting | QueueState::Sending => "queued",
    }
}

/// The gateway's queue as the list shows it: each row's email from the
/// list's rows (the gateway keeps ids only), its state in the list's terms.
pub fn from_gateway(q: GatewayQueue, rows: &[ListRow]) -> Vec<Queued> {
    q.items
        .into_iter()
        .map(|g| {
            let email = rows
                .iter()
                .find(|r| r.id == g.contact)
                .and_then(|r| r.record.email.clone())
                .unwrap_or_else(|| g.contact.clone());
            let why = |d: Option<String>, fallback: ListMsg| {
                d.map_or(Why::Said(fallback), Why::Registrar)
            };
            let state = match g.state.as_str() {
                "waiting" => QueueState::Waiting,
                "sending" => QueueState::Sending,
                "sent" => QueueState::Sent,
                "done" if g.detail.as_deref() == Some("already verified") => {
                    QueueState::Done(Why::Said(ListMsg::SkipVerified))
                }
                "done" => QueueState::Done(why(g.detail, ListMsg::SkipVerified)),
                _ => QueueState::Failed(why(g.detail, ListMsg::RowNotSent)),
            };
            let operation = ["start", "restart", "resend"]
                .into_iter()
                .find(|o| *o == g.operation)
                .unwrap_or("resend");
            Queued { contact: g.contact, email, operation, key: String::new(), at: g.at, state }
        })
        .collect()
}

/// One resend the list sent (remembered for an hour in localStorage, so a
/// reload does not reset the account budget).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SentAt {
    /// The contact id ([`contact_id`]).
    pub contact: String,
    /// When the request went out.
    #[serde(with = "verification_core::time::rfc3339")]
    pub at: DateTime<Utc>,
}

impl SentAt {
    /// A send log as its `Serialize` wrote it (`[{contact, at}]`); entries
    /// that do not read are left out, anything else is an empty log.
    pub fn log_from_json(text: &str) -> Vec<SentAt> {
        use verification_core::json::{parse, Value};
        let Ok(value) = parse(text) else { return Vec::new() };
        value
            .items()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| {
                let contact = e.get("contact").and_then(Value::str)?.to_owned();
                let at = rfc3339::parse_utc(e.get("at").and_then(Value::str)?)?;
                Some(SentAt { contact, at })
            })
            .collect()
    }
}

/// The localStorage key of the send log of one list.
pub fn send_log_key(provider: Provider, list_url: &str) -> String {
    format!("registrant-verification-list:sent:{provider}:{list_url}")
}

/// Keeps the sends of the last `window` (the longest limit's window).
pub fn prune_log(log: &mut Vec<SentAt>, now: DateTime<Utc>, window: TimeDelta) {
    log.retain(|s| s.at > now - window && s.at <= now + TimeDelta::minutes(1));
}

/// Where a queued resend stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueueState {
    /// Waiting for its slot.
    Waiting,
    /// The request is in flight.
    Sending,
    /// The registrar sent the email.
    Sent,
    /// The registrar answered without sending (throttled past the retry,
    /// already verified, not sent) or the request failed; says why.
    Failed(Why),
    /// Nothing to send: verified already.
    Done(Why),
}

/// Why a queued resend did not go, put in words when shown (so a new
/// `locale` re-words it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// One of the list's own reasons.
    Said(ListMsg),
    /// The registrar's own words (not translated).
    Registrar(String),
    /// The request failed.
    Problem(Problem),
}

impl Why {
    /// The reason in `msgs`' language.
    pub fn text(&self, msgs: &Messages) -> String {
        match self {
            Why::Said(m) => msgs.text(*m),
            Why::Registrar(s) => s.clone(),
            Why::Problem(p) => problem_text(p, msgs),
        }
    }
}

/// What failed, for staff: the registrant's words and, for an answer the
/// core rejected, its technical description.
pub fn problem_text(p: &Problem, msgs: &Messages) -> String {
    match p {
        Problem::Core(e) => format!("{} ({e})", p.message_in(msgs)),
        // Set up wrong, or blocked: staff get what to pass on to whoever
        // set the page up (the registrant's neutral words say nothing).
        Problem::Config(_) | Problem::Blocked { .. } => p.detail(),
        other => other.message_in(msgs),
    }
}

/// One contact in the bulk-resend queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// The contact id ([`contact_id`]).
    pub contact: String,
    /// The contact's email, for display.
    pub email: String,
    /// The registrar operation (`{"operation": ...}`).
    pub operation: &'static str,
    /// The idempotency key of this intent (`X-Idempotency-Key`), reused
    /// when the same intent is retried.
    pub key: String,
    /// When it may go.
    pub at: DateTime<Utc>,
    /// Where it stands.
    pub state: QueueState,
}

/// Why a selected contact was left out of a bulk resend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The contact's email or id.
    pub contact: String,
    /// Why.
    pub reason: ListMsg,
}

/// Plans a bulk resend of `records`: the registrar operation of each (the
/// core's [`ResendPlan`]), skipping those a resend cannot help, and when each
/// may go so that no rolling window of `account` holds more than its `max`
/// (counting `log`, the sends of the last hour) and no contact gets two
/// within `per_contact`. Slots are in order; `key` makes each intent's
/// idempotency key.
pub fn plan_bulk(
    records: &[&Record],
    log: &[SentAt],
    account: Option<RateLimit>,
    per_contact: RateLimit,
    now: DateTime<Utc>,
    mut key: impl FnMut() -> String,
) -> (Vec<Queued>, Vec<Skipped>) {
    let mut skipped = Vec::new();
    // (earliest allowed by the contact's own limit, record, operation)
    let mut todo: Vec<(DateTime<Utc>, &Record, &'static str)> = Vec::new();
    for r in records {
        let plan = match ResendPlan::for_record(r) {
            Ok(p) => p,
            Err(reason) => {
                let name = r.email.clone().unwrap_or_else(|| contact_id(r));
                skipped.push(Skipped { contact: name, reason: skip_reason(reason) });
                continue;
            }
        };
        let id = contact_id(r);
        let own: Vec<DateTime<Utc>> =
            log.iter().filter(|s| s.contact == id).map(|s| s.at).collect();
        let mut earliest = per_contact.schedule(&own, 1, now).first().copied().unwrap_or(now);
        if let Some(t) = r.resend.next_eligible_at.filter(|_| !r.resend.allowed) {
            earliest = earliest.max(t);
        }
        todo.push((earliest, r, plan.operation.as_str()));
    }
    // Contacts free now first, in the order given; delayed ones after.
    todo.sort_by_key(|(t, _, _)| *t);
    let mut times: Vec<DateTime<Utc>> = log.iter().map(|s| s.at).collect();
    let slots: Vec<DateTime<Utc>> = match account {
        None => todo.iter().map(|(t, _, _)| (*t).max(now)).collect(),
        Some(limit) => {
            let free = todo.iter().take_while(|(t, _, _)| *t <= now).count();
            let mut slots = limit.schedule(&times, free, now);
            times.extend(slots.iter().copied());
            for (earliest, _, _) in &todo[free..] {
                let start = (*earliest).max(slots.last().copied().unwrap_or(now));
                let at = limit.schedule(&times, 1, start).first().copied().unwrap_or(start);
                times.push(at);
                slots.push(at);
            }
            slots
        }
    };
    let queue = todo
        .into_iter()
        .zip(slots)
        .map(|((_, r, op), at)| Queued {
            contact: contact_id(r),
            email: r.email.clone().unwrap_or_else(|| contact_id(r)),
            operation: op,
            key: key(),
            at,
            state: QueueState::Waiting,
        })
        .collect();
    (queue, skipped)
}

fn skip_reason(reason: verification_core::ResendReason) -> ListMsg {
    use verification_core::ResendReason as R;
    match reason {
        R::Verified => ListMsg::SkipVerified,
        R::Bounced => ListMsg::SkipBounced,
        R::AwaitingRegistrar => ListMsg::SkipAwaitingRegistrar,
        R::MissingContact => ListMsg::SkipMissingContact,
        R::Cooldown | R::Throttled => ListMsg::SkipCoolingDown,
    }
}

/// What the queue panel says: how many wait, and until when.
pub fn queue_summary(
    queue: &[Queued],
    now: DateTime<Utc>,
    fmt: impl Fn(DateTime<Utc>) -> String,
    msgs: &Messages,
) -> String {
    let waiting: Vec<&Queued> = queue.iter().filter(|q| q.state == QueueState::Waiting).collect();
    let sent = queue.iter().filter(|q| q.state == QueueState::Sent).count();
    let failed = queue.iter().filter(|q| matches!(q.state, QueueState::Failed(_))).count();
    let mut parts = vec![msgs.count(ListMsg::QueueSent, count(sent), &[])];
    if !waiting.is_empty() {
        let later: Vec<&&Queued> = waiting.iter().filter(|q| q.at > now).collect();
        let due = waiting.len() - later.len();
        if due > 0 {
            parts.push(msgs.count(ListMsg::QueueSendingNow, count(due), &[]));
        }
        if let (Some(first), Some(last)) = (later.first(), later.last()) {
            let n = count(later.len());
            if first.at == last.at {
                parts.push(msgs.count(ListMsg::QueueQueuedFor, n, &[("time", &fmt(first.at))]));
            } else {
                let (from, to) = (fmt(first.at), fmt(last.at));
                let args = [("from", from.as_str()), ("to", to.as_str())];
                parts.push(msgs.count(ListMsg::QueueQueuedFromTo, n, &args));
            }
        }
    }
    if failed > 0 {
        parts.push(msgs.count(ListMsg::QueueNotSent, count(failed), &[]));
    }
    parts.join(", ")
}
