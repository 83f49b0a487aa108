//! `<registrant-verification-list>`: the reseller staff view of every
//! contact of the account. `mount_list(host, shadowRoot)` mounts it; the JS
//! class (`js/list-element.js`) owns the returned [`ListHandle`].
//!
//! It reads every page of the registrar's list through the backend's
//! `list-url` (name.com `page`/`perPage`, Openprovider `limit`/`offset`,
//! stopping by the core's [`verification_core::Page`]), evaluates each page
//! with the core, sorts by urgency, and renders only the rows in view
//! (fixed row height, a spacer, a scroll listener). A bulk resend is
//! queued by the registrar's rate limits ([`list_model::plan_bulk`]) and
//! sent one by one, paced by a timer; the send times of the last hour live
//! in localStorage.
//!
//! Performance marks (`performance.getEntriesByName`): `rvl-load-start`,
//! `rvl-fetched` (the first page's body arrived), `rvl-evaluated`,
//! `rvl-rendered`; measure `rvl-parse-render` spans fetched → rendered.

use crate::i18n::{self, ListMsg, Messages, Msg};
use crate::list_model::{count, problem_text, Skipped, Why};
use crate::{
    browser::{self, Live},
    list_model::{
        counts, days_left_text, filter_rows, plan_bulk, prune_log, queue_summary, rows,
        send_log_key, status_label, summary, window, Filter, ListConfig, ListRow, PageRequest,
        QueueState, Queued, SentAt, StatusFilter, MAX_PAGES, ROW_HEIGHT,
    },
    model::{urgency_str, Problem},
    mounted::Mounted,
};
use chrono::{DateTime, TimeDelta, Utc};
use gloo_net::http::Request;
use leptos::{prelude::*, task::spawn_local};
use send_wrapper::SendWrapper;
use std::{
    cell::{Cell, RefCell},
    collections::{HashMap, HashSet},
    rc::Rc,
    sync::Arc,
    time::Duration,
};
use verification_core::{resend::ResendKind, Context, Evaluation, Provider, Record, RowError};
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, RequestCredentials, ShadowRoot};

/// The list's stylesheet (adopted, so it works under a strict CSP).
pub const LIST_STYLES: &str = include_str!("list.css");

/// Most upcoming queue entries listed by time (the rest are summarised).
const QUEUE_SHOWN: usize = 12;

/// Where loading stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Load {
    /// Pages are being read; how many rows so far.
    Loading(usize),
    /// Every page is in.
    Ready,
    /// A page failed (the rows read before stay).
    Failed(Problem),
}

/// One mounted list. Dropping it (JS: `handle.free()`) unmounts it, aborts
/// requests and stops the queue's timer.
#[wasm_bindgen]
pub struct ListHandle(Mounted<ListConfig, serde_json::Value>);

impl std::fmt::Debug for ListHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListHandle").field("config", &self.0.config()).finish()
    }
}

fn read_config(host: &HtmlElement) -> ListConfig {
    let mut c = ListConfig::from_attributes(|name| host.get_attribute(name));
    c.locale = Some(browser::resolve_locale(host, c.locale.as_deref()));
    c
}

/// Mounts a staff list for `host` into its shadow root `root`.
#[wasm_bindgen]
pub fn mount_list(host: HtmlElement, root: ShadowRoot) -> ListHandle {
    ListHandle(Mounted::new(host, root, LIST_STYLES, read_config, |host, s| {
        let (config, reload, stats) = (s.config, s.again, s.latest);
        view! { <StaffList host config reload stats /> }
    }))
}

#[wasm_bindgen]
impl ListHandle {
    /// Re-reads the attributes; a new provider or list URL reloads.
    #[wasm_bindgen(js_name = attributesChanged)]
    pub fn attributes_changed(&self) {
        self.0.attributes_changed();
    }

    /// Reads every page again.
    pub fn refresh(&self) {
        self.0.again();
    }

    /// `{total, overdue, suspended, rowErrors, pages}` of the last load,
    /// or `null`.
    pub fn stats(&self) -> JsValue {
        self.0.latest()
    }
}

fn mark(name: &str) {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    if let Some(perf) = perf.filter(JsValue::is_object) {
        for (method, args) in [("mark", js_sys::Array::of1(&name.into()))] {
            if let Ok(f) = js_sys::Reflect::get(&perf, &method.into()) {
                if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                    let _ = f.apply(&perf, &args);
                }
            }
        }
    }
}

fn measure(name: &str, start: &str, end: &str) -> Option<f64> {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok()?;
    let f: js_sys::Function =
        js_sys::Reflect::get(&perf, &"measure".into()).ok()?.dyn_into().ok()?;
    let m = f.call3(&perf, &name.into(), &start.into(), &end.into()).ok()?;
    js_sys::Reflect::get(&m, &"duration".into()).ok()?.as_f64()
}

thread_local! {
    static DATE_FORMAT: RefCell<Option<(String, js_sys::Function)>> = const { RefCell::new(None) };
}

/// A deadline as "Mar 3, 2026, 1:00 PM" in the browser's zone and the
/// list's locale (one `Intl.DateTimeFormat`, reused).
fn format_date(locale: &str, t: DateTime<Utc>) -> String {
    DATE_FORMAT.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|(l, _)| l != locale) {
            let opts = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
            let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
            let f = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::of1(&locale.into()), &opts);
            *cell = Some((locale.to_owned(), f.format()));
        }
        let (_, f) = cell.as_ref().expect("set above");
        let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        f.call1(&JsValue::NULL, &date).ok().and_then(|s| s.as_string()).unwrap_or_default()
    })
}

/// A time of day ("1:30 AM") in the browser's zone.
fn format_time(locale: &str, t: DateTime<Utc>) -> String {
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
    date.to_locale_string(locale, &opts).into()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_log(key: &str) -> Vec<SentAt> {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn save_log(key: &str, log: &[SentAt]) {
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(log)) {
        let _ = s.set_item(key, &text);
    }
}

/// The signals the list renders from.
#[derive(Clone, Copy)]
struct State {
    config: RwSignal<ListConfig>,
    rows: RwSignal<Arc<Vec<ListRow>>>,
    row_errors: RwSignal<Vec<RowError>>,
    load: RwSignal<Load>,
    filter: RwSignal<Filter>,
    selected: RwSignal<HashSet<String>>,
    queue: RwSignal<Vec<Queued>>,
    skipped: RwSignal<Vec<Skipped>>,
    now: RwSignal<DateTime<Utc>>,
    /// The words and date locale, from the config's `locale` and `strings`.
    msgs: Memo<Messages>,
}

/// The list's side effects: loading, the resend queue.
#[derive(Clone)]
struct Ctl {
    s: State,
    live: Rc<Live>,
    host: HtmlElement,
    generation: Rc<Cell<u64>>,
    pump_timer: Rc<Cell<Option<TimeoutHandle>>>,
    pumping: Rc<Cell<bool>>,
    stats: ArcRwSignal<Option<serde_json::Value>>,
}

impl Ctl {
    fn error_event(&self, p: &Problem, during: &str) {
        let message = self.s.msgs.with_untracked(|m| p.message_in(m));
        let detail = serde_json::json!({
            "kind": p.kind(), "message": message, "status": p.status(),
            "detail": p.detail(), "during": during,
        });
        browser::dispatch(&self.host, "verification-list-error", &browser::to_js(&detail));
    }

    fn load(&self) {
        let gen = self.generation.get() + 1;
        self.generation.set(gen);
        let this = self.clone();
        spawn_local(async move { this.load_all(gen).await });
    }

    async fn load_all(&self, gen: u64) {
        let s = self.s;
        let config = s.config.get_untracked();
        let _ = self.host.set_attribute("data-state", "loading");
        s.load.set(Load::Loading(0));
        let fail = |p: Problem| {
            let _ = self.host.set_attribute("data-state", "error");
            s.load.set(Load::Failed(p.clone()));
            self.error_event(&p, "list");
        };
        let provider = match config.provider.clone() {
            Ok(p) => p,
            Err(e) => return fail(Problem::Config(e)),
        };
        let Some(list_url) = config.list_url.clone() else {
            return fail(Problem::Config("the `list-url` attribute is missing".into()));
        };
        mark("rvl-load-start");
        let mut request = PageRequest::first(provider, config.page_size);
        let mut records: Vec<Record> = Vec::new();
        let mut errors: Vec<RowError> = Vec::new();
        let mut raw_pages: Vec<String> = Vec::new();
        let mut pages = 0u32;
        let mut now = browser::now();
        for _ in 0..MAX_PAGES {
            let url = request.url(&list_url);
            let get = |token: Option<&str>| {
                let r = Request::get(&url)
                    .header("Accept", "application/json")
                    .credentials(RequestCredentials::SameOrigin);
                browser::with_bearer(r, token)
            };
            let answer = browser::authorized(&self.live, &self.host, get, None).await;
            if self.generation.get() != gen || !self.live.alive() {
                return;
            }
            let answer = match browser::answered(answer) {
                Some(Ok(a)) => a,
                Some(Err(p)) => return fail(p),
                None => return,
            };
            if pages == 0 {
                mark("rvl-fetched");
            }
            pages += 1;
            now = browser::now();
            let ev: Evaluation = match answer.evaluate(provider, &Context::new(now)) {
                Ok(ev) => ev,
                Err(e) => return fail(Problem::Core(e)),
            };
            let on_page = ev.records.len() + ev.row_errors.len();
            let next = request.next(&ev, on_page);
            // Row positions across the whole list, not per page.
            let base = match request {
                PageRequest::Numbered { page, per_page } => {
                    (page.saturating_sub(1) as usize) * per_page as usize
                }
                PageRequest::Offset { offset, .. } => offset as usize,
            };
            if provider == Provider::Openprovider {
                // Rows of one email may straddle pages: keep the bodies and
                // let the core group them all at once below.
                raw_pages.push(answer.body);
            } else {
                errors.extend(ev.row_errors.into_iter().map(|mut e| {
                    e.index += base;
                    e
                }));
            }
            records.extend(ev.records);
            s.load.set(Load::Loading(records.len()));
            match next {
                Some(n) => request = n,
                None => break,
            }
        }
        if raw_pages.len() > 1 {
            match merge_openprovider(&raw_pages, now) {
                Some(ev) => {
                    records = ev.records;
                    errors = ev.row_errors;
                }
                None => return fail(Problem::Config("pages could not be merged".into())),
            }
        } else if let Some(body) = raw_pages.first() {
            if let Ok(ev) = verification_core::evaluate(provider, body, &Context::new(now)) {
                errors = ev.row_errors;
            }
        }
        let sorted = rows(records);
        mark("rvl-evaluated");
        let c = counts(&sorted);
        let stats = serde_json::json!({
            "total": c.total, "overdue": c.overdue, "suspended": c.suspended,
            "critical": c.critical, "rowErrors": errors.len(), "pages": pages,
        });
        s.now.set(now);
        s.rows.set(Arc::new(sorted));
        s.row_errors.set(errors);
        s.selected.update(|sel| sel.clear());
        s.load.set(Load::Ready);
        let _ = self.host.set_attribute("data-state", "ready");
        self.stats.set(Some(stats.clone()));
        // After the DOM update, layout and paint: mark the first render.
        let host = self.host.clone();
        request_animation_frame(move || {
            set_timeout(
                move || {
                    mark("rvl-rendered");
                    let ms = measure("rvl-parse-render", "rvl-fetched", "rvl-rendered");
                    let mut detail = stats;
                    detail["parseRenderMs"] = serde_json::json!(ms);
                    browser::dispatch(&host, "verification-list-load", &browser::to_js(&detail));
                },
                Duration::ZERO,
            );
        });
    }

    fn log_key(&self) -> Option<String> {
        let c = self.s.config.get_untracked();
        Some(send_log_key(c.provider.ok()?, c.list_url.as_deref()?))
    }

    /// Queues a resend to every selected contact.
    fn bulk_resend(&self) {
        let s = self.s;
        let config = s.config.get_untracked();
        let Some(key) = self.log_key() else { return };
        let now = browser::now();
        s.now.set(now);
        let mut log = load_log(&key);
        prune_log(&mut log, now, TimeDelta::hours(1));
        let selected = s.selected.get_untracked();
        let waiting: HashSet<String> = s.queue.with_untracked(|q| {
            q.iter()
                .filter(|q| matches!(q.state, QueueState::Waiting | QueueState::Sending))
                .map(|q| q.contact.clone())
                .collect()
        });
        // The queue's own future slots count against the limit too.
        s.queue.with_untracked(|q| {
            log.extend(
                q.iter()
                    .filter(|q| matches!(q.state, QueueState::Waiting | QueueState::Sending))
                    .map(|q| SentAt { contact: q.contact.clone(), at: q.at }),
            );
        });
        let rows = s.rows.get_untracked();
        let chosen: Vec<&Record> = rows
            .iter()
            .filter(|r| selected.contains(&r.id) && !waiting.contains(&r.id))
            .map(|r| &r.record)
            .collect();
        let (queued, skipped) = plan_bulk(
            &chosen,
            &log,
            config.account_limit(),
            config.contact_limit(),
            now,
            browser::uuid,
        );
        s.skipped.set(skipped);
        s.queue.update(|q| {
            q.retain(|q| !matches!(q.state, QueueState::Sent | QueueState::Done(_)));
            q.extend(queued);
            q.sort_by_key(|q| q.at);
        });
        s.selected.update(|sel| sel.clear());
        self.pump();
    }

    /// Drops every queued resend that has not gone yet.
    fn cancel(&self) {
        if let Some(t) = self.pump_timer.take() {
            t.clear();
        }
        self.s.queue.update(|q| q.retain(|q| q.state != QueueState::Waiting));
    }

    /// Sends what is due, one at a time, then sleeps until the next slot.
    fn pump(&self) {
        if let Some(t) = self.pump_timer.take() {
            t.clear();
        }
        if self.pumping.get() || !self.live.alive() {
            return;
        }
        let now = browser::now();
        self.s.now.set(now);
        let due = self.s.queue.with_untracked(|q| {
            q.iter().position(|q| q.state == QueueState::Waiting && q.at <= now)
        });
        if let Some(i) = due {
            self.pumping.set(true);
            let this = self.clone();
            spawn_local(async move {
                this.send_one(i).await;
                this.pumping.set(false);
                this.pump();
            });
            return;
        }
        let next = self.s.queue.with_untracked(|q| {
            q.iter().filter(|q| q.state == QueueState::Waiting).map(|q| q.at).min()
        });
        if let Some(at) = next {
            let ms = (at - now).num_milliseconds().clamp(0, 24 * 3_600_000) as u64;
            let this = self.clone();
            let t = set_timeout_with_handle(move || this.pump(), Duration::from_millis(ms + 5));
            self.pump_timer.set(t.ok());
        }
    }

    async fn send_one(&self, i: usize) {
        let s = self.s;
        let config = s.config.get_untracked();
        let Some(item) = s.queue.with_untracked(|q| q.get(i).cloned()) else { return };
        let set_state = |state: QueueState, at: Option<DateTime<Utc>>| {
            s.queue.update(|q| {
                if let Some(x) = q.iter_mut().find(|x| x.key == item.key) {
                    x.state = state;
                    if let Some(at) = at {
                        x.at = at;
                    }
                }
            });
        };
        let (Ok(provider), Some(resend_url)) = (config.provider.clone(), config.resend_url.clone())
        else {
            let p = Problem::Config("the `resend-url` attribute is missing".into());
            set_state(QueueState::Failed(Why::Problem(p)), None);
            return;
        };
        set_state(QueueState::Sending, None);
        let sep = if resend_url.contains('?') { '&' } else { '?' };
        let contact: String = js_sys::encode_uri_component(&item.contact).into();
        let url = format!("{resend_url}{sep}contact={contact}");
        let body = serde_json::json!({ "operation": item.operation }).to_string();
        let post = |token: Option<&str>| {
            let r = Request::post(&url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("X-Requested-With", "registrant-verification")
                .header("X-Idempotency-Key", &item.key)
                .credentials(RequestCredentials::SameOrigin);
            browser::with_bearer(r, token)
        };
        let sent_at = browser::now();
        let answer = browser::authorized(&self.live, &self.host, post, Some(body)).await;
        if !self.live.alive() {
            return;
        }
        let now = browser::now();
        s.now.set(now);
        let Some(answer) = browser::answered(answer) else { return };
        let result = answer
            .and_then(|a| a.interpret_resend(provider, &Context::new(now)).map_err(Problem::Core));
        let detail = match &result {
            Ok(o) => serde_json::json!({
                "contact": item.contact, "email": item.email, "outcome": o.outcome,
                "nextEligibleAt": o.next_eligible_at, "message": o.message,
            }),
            Err(p) => serde_json::json!({
                "contact": item.contact, "email": item.email, "outcome": "error",
                "nextEligibleAt": null, "message": s.msgs.with_untracked(|m| p.message_in(m)),
            }),
        };
        match result {
            Ok(o) => match o.outcome {
                ResendKind::Sent => {
                    if let Some(key) = self.log_key() {
                        let mut log = load_log(&key);
                        prune_log(&mut log, now, TimeDelta::hours(1));
                        log.push(SentAt { contact: item.contact.clone(), at: sent_at });
                        save_log(&key, &log);
                    }
                    set_state(QueueState::Sent, Some(sent_at));
                }
                // Throttled: the registrar says when; go again then, with
                // the same intent (a 429 is not stored under its key).
                ResendKind::Throttled => match o.next_eligible_at.filter(|t| *t > now) {
                    Some(t) if t - now <= TimeDelta::hours(2) => {
                        set_state(QueueState::Waiting, Some(t));
                        s.queue.update(|q| q.sort_by_key(|q| q.at));
                    }
                    _ => set_state(QueueState::Failed(Why::Said(ListMsg::RowThrottled)), None),
                },
                ResendKind::AlreadyVerified => {
                    set_state(QueueState::Done(Why::Said(ListMsg::SkipVerified)), None)
                }
                ResendKind::NotSent => set_state(
                    QueueState::Failed(
                        o.message.map_or(Why::Said(ListMsg::RowNotSent), Why::Registrar),
                    ),
                    None,
                ),
            },
            Err(p) => {
                set_state(QueueState::Failed(Why::Problem(p.clone())), None);
                self.error_event(&p, "resend");
            }
        }
        browser::dispatch(&self.host, "verification-list-resend", &browser::to_js(&detail));
    }
}

/// Merges Openprovider pages into one envelope so the core groups rows of
/// one email across page boundaries (and numbers row errors list-wide).
fn merge_openprovider(bodies: &[String], now: DateTime<Utc>) -> Option<Evaluation> {
    #[derive(serde::Deserialize)]
    struct Env<'a> {
        #[serde(borrow)]
        data: Data<'a>,
    }
    #[derive(serde::Deserialize)]
    struct Data<'a> {
        #[serde(borrow)]
        results: &'a serde_json::value::RawValue,
        total: Option<serde_json::Value>,
    }
    let mut out = String::from(r#"{"code":0,"desc":"","data":{"results":["#);
    let mut total = None;
    let mut first = true;
    for body in bodies {
        let env: Env<'_> = serde_json::from_str(body).ok()?;
        total = env.data.total.or(total);
        let inner = env.data.results.get().trim();
        let inner = inner.strip_prefix('[')?.strip_suffix(']')?.trim();
        if inner.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(inner);
    }
    out.push_str("],\"total\":");
    out.push_str(&total.map_or("null".to_owned(), |t| t.to_string()));
    out.push_str("}}");
    verification_core::evaluate(Provider::Openprovider, &out, &Context::new(now)).ok()
}

#[component]
fn StaffList(
    host: HtmlElement,
    config: ArcRwSignal<ListConfig>,
    reload: ArcRwSignal<u32>,
    stats: ArcRwSignal<Option<serde_json::Value>>,
) -> impl IntoView {
    let config = RwSignal::from(config);
    let msgs = i18n::messages_memo(
        "registrant-verification-list",
        i18n::list_id,
        move || config.with(|c| c.locale.clone()),
        move || config.with(|c| c.strings.clone()),
    );
    // The list's words, as reactive text.
    let say = move |m: ListMsg| msgs.with(|x| x.text(m));
    let said = move |m: Msg| msgs.with(|x| x.text(m));
    let s = State {
        msgs,
        config,
        rows: RwSignal::new(Arc::new(Vec::new())),
        row_errors: RwSignal::new(Vec::new()),
        load: RwSignal::new(Load::Loading(0)),
        filter: RwSignal::new(Filter::default()),
        selected: RwSignal::new(HashSet::new()),
        queue: RwSignal::new(Vec::new()),
        skipped: RwSignal::new(Vec::new()),
        now: RwSignal::new(browser::now()),
    };
    let live = Live::new();
    let ctl = Ctl {
        s,
        live: live.clone(),
        host: host.clone(),
        generation: Rc::new(Cell::new(0)),
        pump_timer: Rc::new(Cell::new(None)),
        pumping: Rc::new(Cell::new(false)),
        stats,
    };
    {
        let live = SendWrapper::new(live.clone());
        let timer = SendWrapper::new(ctl.pump_timer.clone());
        on_cleanup(move || {
            live.shutdown();
            if let Some(t) = (**timer).take() {
                t.clear();
            }
        });
    }

    // Load on mount and when the provider or URL changes, or on refresh().
    let target = Memo::new(move |_| {
        s.config.with(|c| (c.provider.clone(), c.list_url.clone(), c.page_size))
    });
    {
        let ctl = ctl.clone();
        Effect::new(move |_| {
            target.with(|_| ());
            reload.track();
            ctl.load();
        });
    }

    // Filtering: one pass over the rows per change.
    let visible = Memo::new(move |_| {
        let rows = s.rows.get();
        Arc::new(s.filter.with(|f| filter_rows(&rows, f)))
    });
    let count_all = Memo::new(move |_| s.rows.with(|r| counts(r)));

    // Virtual scrolling: the viewport's scroll position and height.
    let scroll_top = RwSignal::new(0.0f64);
    let viewport_h = RwSignal::new(560.0f64);
    let viewport = NodeRef::<leptos::html::Div>::new();
    let span = Memo::new(move |_| {
        let n = visible.with(|v| v.len());
        window(scroll_top.get(), viewport_h.get(), ROW_HEIGHT, n)
    });
    Effect::new(move |_| {
        if let Some(el) = viewport.get() {
            let h = f64::from(el.client_height());
            if h > 0.0 {
                viewport_h.set(h);
            }
        }
    });
    // A new filter starts at the top.
    Effect::new(move |prev: Option<()>| {
        s.filter.track();
        if prev.is_some() {
            if let Some(el) = viewport.get_untracked() {
                el.set_scroll_top(0);
            }
            scroll_top.set(0.0);
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = viewport.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            let h = f64::from(el.client_height());
            if h > 0.0 && h != viewport_h.get_untracked() {
                viewport_h.set(h);
            }
        }
    };

    // Each queued contact's state, for its row.
    let queue_index = Memo::new(move |_| {
        s.queue.with(|q| {
            q.iter()
                .map(|x| (x.contact.clone(), (x.state.clone(), x.at)))
                .collect::<HashMap<String, (QueueState, DateTime<Utc>)>>()
        })
    });
    // Dates in the locale of the words (see `Messages::locale`).
    let locale = Memo::new(move |_| msgs.with(|m| m.locale().to_owned()));

    let summary_text = move || {
        let shown = visible.with(|v| v.len());
        msgs.with(|m| match s.load.get() {
            Load::Loading(n) => m.fill(ListMsg::Loading, &[("n", &m.number(count(n)))]),
            Load::Failed(_) if s.rows.with(|r| r.is_empty()) => m.text(ListMsg::NoneLoaded),
            _ => summary(&count_all.get(), shown, m),
        })
    };
    let load_error = move || match s.load.get() {
        Load::Failed(p) => Some(msgs.with(|m| problem_text(&p, m))),
        _ => None,
    };
    // Reactive closures must be `Send`; the controller lives on the main
    // thread only.
    let sw = SendWrapper::new(ctl.clone());

    // Selection: the header box selects every contact the filter shows.
    let all_shown_selected = move || {
        let rows = s.rows.get();
        visible.with(|v| {
            !v.is_empty()
                && s.selected.with(|sel| v.iter().all(|&i| sel.contains(&rows[i as usize].id)))
        })
    };
    let toggle_all = move |ev: web_sys::Event| {
        let on = event_target_checked(&ev);
        let rows = s.rows.get_untracked();
        s.selected.update(|sel| {
            visible.with_untracked(|v| {
                for &i in v.iter() {
                    let id = &rows[i as usize].id;
                    if on {
                        sel.insert(id.clone());
                    } else {
                        sel.remove(id);
                    }
                }
            });
        });
    };
    let selected_count = move || s.selected.with(HashSet::len);
    let bulk = {
        let ctl = ctl.clone();
        move |_| ctl.bulk_resend()
    };
    // Re-check the queue's clock every few seconds while it has work, so the
    // panel's "sending now" and times stay current.
    {
        let ticker: Rc<Cell<Option<IntervalHandle>>> = Rc::new(Cell::new(None));
        let busy = Memo::new(move |_| {
            s.queue.with(|q| {
                q.iter().any(|x| matches!(x.state, QueueState::Waiting | QueueState::Sending))
            })
        });
        let t2 = SendWrapper::new(ticker.clone());
        on_cleanup(move || {
            if let Some(t) = (**t2).take() {
                t.clear();
            }
        });
        Effect::new(move |_| {
            if let Some(t) = ticker.take() {
                t.clear();
            }
            if busy.get() {
                let tick = move || s.now.set(browser::now());
                ticker.set(set_interval_with_handle(tick, Duration::from_secs(15)).ok());
            }
        });
    }

    let sw_queue = sw.clone();
    let queue_panel = move || {
        let q = s.queue.get();
        if q.is_empty() {
            return None;
        }
        let now = s.now.get();
        let loc = locale.get();
        let m = msgs.get();
        let text = queue_summary(&q, now, |t| format_date(&loc, t), &m);
        let upcoming: Vec<Queued> = q
            .iter()
            .filter(|x| x.state == QueueState::Waiting && x.at > now)
            .take(QUEUE_SHOWN)
            .cloned()
            .collect();
        let more = q.iter().filter(|x| x.state == QueueState::Waiting && x.at > now).count()
            - upcoming.len();
        let failures: Vec<String> = q
            .iter()
            .filter_map(|x| match &x.state {
                QueueState::Failed(why) => Some(format!("{}: {}", x.email, why.text(&m))),
                _ => None,
            })
            .take(QUEUE_SHOWN)
            .collect();
        let waiting = q.iter().any(|x| x.state == QueueState::Waiting);
        let ctl = sw_queue.clone();
        Some(view! {
            <section class="queue" part="queue" aria-label=m.text(ListMsg::QueueLabel)>
                <p class="queue-summary" role="status" aria-live="polite">
                    <strong>{m.text(ListMsg::QueueTitle)}</strong>
                    " "
                    {text}
                </p>
                {(!upcoming.is_empty()).then(|| view! {
                    <ol class="queue-list">
                        {upcoming.into_iter().map(|x| {
                            let iso = x.at.to_rfc3339();
                            let when = format_date(&loc, x.at);
                            // "{email} at {time}", each value in its element.
                            let parts = m.parts(ListMsg::QueueItem).into_iter().map(|p| match p {
                                i18n::Part::Value(v) if v == "email" => view! {
                                    <span class="queue-email">{x.email.clone()}</span>
                                }.into_any(),
                                i18n::Part::Value(v) if v == "time" => view! {
                                    <time datetime=iso.clone()>{when.clone()}</time>
                                }.into_any(),
                                i18n::Part::Value(v) => format!("{{{v}}}").into_any(),
                                i18n::Part::Text(t) => t.into_any(),
                            }).collect_view();
                            view! {
                                <li data-contact=x.contact.clone()>{parts}</li>
                            }
                        }).collect_view()}
                    </ol>
                })}
                {(more > 0).then(|| view! { <p class="queue-more">{m.count(ListMsg::QueueMore, count(more), &[])}</p> })}
                {(!failures.is_empty()).then(|| view! {
                    <ul class="queue-failures">
                        {failures.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
                    </ul>
                })}
                {waiting.then(|| view! {
                    <button type="button" class="secondary" part="button" on:click=move |_| ctl.cancel()>
                        {m.text(ListMsg::QueueCancel)}
                    </button>
                })}
            </section>
        })
    };

    let skipped_panel = move || {
        let k = s.skipped.get();
        let m = msgs.get();
        (!k.is_empty()).then(|| {
            view! {
                <details class="skipped">
                    <summary>{m.count(ListMsg::NotQueued, count(k.len()), &[])}</summary>
                    <ul>
                        {k.into_iter().take(50).map(|k| {
                            view! { <li>{format!("{}: {}", k.contact, m.text(k.reason))}</li> }
                        }).collect_view()}
                    </ul>
                </details>
            }
        })
    };

    let row_errors_panel = move || {
        let errs = s.row_errors.get();
        let m = msgs.get();
        (!errs.is_empty()).then(|| {
            let n = errs.len();
            view! {
                <aside class="row-errors" part="row-errors" role="note">
                    <p>
                        <strong>{m.count(ListMsg::RowsUnreadable, count(n), &[])}</strong>
                        " "
                        {m.text(ListMsg::OtherRowsListed)}
                    </p>
                    <ul>
                        {errs.into_iter().take(50).map(|e| {
                            let key = e.key.clone().map(|k| format!(" ({k})")).unwrap_or_default();
                            let row = format!("{}{key}", m.number(count(e.index + 1)));
                            let text = m.fill(ListMsg::RowError, &[("row", &row), ("message", &e.message)]);
                            view! { <li>{text}</li> }
                        }).collect_view()}
                    </ul>
                </aside>
            }
        })
    };

    let row_view = move |(pos, idx): (usize, u32)| {
        let rows = s.rows.get_untracked();
        let row = rows[idx as usize].clone();
        let r = &row.record;
        let id = row.id.clone();
        let email = r.email.clone().unwrap_or_else(|| row.id.clone());
        let domains = r.domains.join(", ");
        // Words and dates follow `locale` and `strings` (the row stays).
        let deadline = r.deadline.map(|d| (d.to_rfc3339(), move || format_date(&locale.get(), d)));
        let record = r.clone();
        let left = move || msgs.with(|m| days_left_text(&record, m));
        let label = status_label(r);
        let label = move || say(label);
        let urgency = urgency_str(r.urgency);
        let suspended = r.suspended;
        let id_check = id.clone();
        let id_toggle = id.clone();
        let id_queue = id.clone();
        let checked = move || s.selected.with(|sel| sel.contains(&id_check));
        let toggle = move |ev: web_sys::Event| {
            let on = event_target_checked(&ev);
            s.selected.update(|sel| {
                if on {
                    sel.insert(id_toggle.clone());
                } else {
                    sel.remove(&id_toggle);
                }
            });
        };
        let queue_cell = move || {
            let loc = locale.get();
            queue_index.with(|qi| {
                qi.get(&id_queue).map(|(state, at)| match state {
                    QueueState::Waiting => {
                        let now = s.now.get();
                        let time = if (*at - now).num_hours() < 20 {
                            format_time(&loc, *at)
                        } else {
                            format_date(&loc, *at)
                        };
                        msgs.with(|m| m.fill(ListMsg::QueuedFor, &[("time", &time)]))
                    }
                    QueueState::Sending => say(ListMsg::RowSending),
                    QueueState::Sent => say(ListMsg::RowSent),
                    QueueState::Done(w) | QueueState::Failed(w) => msgs.with(|m| w.text(m)),
                })
            })
        };
        let select = email.clone();
        let label_for =
            move || msgs.with(|m| m.fill(ListMsg::SelectContact, &[("email", &select)]));
        view! {
            <div
                class="row"
                part="row"
                role="row"
                aria-rowindex=(pos + 2).to_string()
                data-urgency=urgency
                data-contact=id
                style:top=format!("{}px", pos as f64 * ROW_HEIGHT)
            >
                <span class="cell check" role="cell">
                    <input type="checkbox" aria-label=label_for prop:checked=checked on:change=toggle />
                </span>
                <span class="cell who" role="cell">
                    <span class="email">{email}</span>
                    <span class="domains">{domains}</span>
                </span>
                <span class="cell status" role="cell">
                    <span class="badge" data-urgency=urgency>{label}</span>
                    {suspended.then(|| view! { <span class="badge suspended">{move || say(ListMsg::StatusSuspended)}</span> })}
                </span>
                <span class="cell deadline" role="cell">
                    {deadline.map(|(iso, text)| view! { <time datetime=iso>{text}</time> })}
                    <span class="left">{left}</span>
                </span>
                <span class="cell queue-state" role="cell">{queue_cell}</span>
            </div>
        }
    };

    view! {
        <section
            class="list"
            part="list"
            lang=move || msgs.with(|m| m.locale().to_owned())
            aria-label=move || say(ListMsg::ListLabel)
        >
            <div class="toolbar" part="toolbar">
                <p class="summary" part="summary" role="status" aria-live="polite">{summary_text}</p>
                <div class="filters" part="filters">
                    <label>
                        <span>{move || say(ListMsg::Status)}</span>
                        <select
                            name="status"
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                s.filter.update(|f| f.status = StatusFilter::parse(&v));
                            }
                        >
                            {StatusFilter::CHOICES.iter().map(|(c, label)| view! {
                                <option value=c.as_str()>{move || say(*label)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span>{move || say(ListMsg::StatusSuspended)}</span>
                        <select
                            name="suspended"
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                s.filter.update(|f| f.suspended = match v.as_str() {
                                    "yes" => Some(true),
                                    "no" => Some(false),
                                    _ => None,
                                });
                            }
                        >
                            <option value="any">{move || say(ListMsg::SuspendedAny)}</option>
                            <option value="yes">{move || say(ListMsg::StatusSuspended)}</option>
                            <option value="no">{move || say(ListMsg::NotSuspended)}</option>
                        </select>
                    </label>
                    <label class="search">
                        <span>{move || say(ListMsg::SearchLabel)}</span>
                        <input
                            type="search"
                            name="q"
                            autocomplete="off"
                            placeholder=move || say(ListMsg::Search)
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                s.filter.update(|f| f.text = v);
                            }
                        />
                    </label>
                </div>
                <div class="bulk" part="bulk">
                    <button
                        type="button"
                        class="primary"
                        part="button"
                        aria-disabled=move || (selected_count() == 0).then_some("true")
                        on:click=move |ev| {
                            if selected_count() > 0 {
                                bulk(ev);
                            }
                        }
                    >
                        {move || match selected_count() {
                            0 => said(Msg::ResendEmail),
                            n => msgs.with(|m| m.count(ListMsg::ResendTo, count(n), &[])),
                        }}
                    </button>
                    <span class="hint">
                        {move || {
                            let c = s.config.get();
                            msgs.with(|m| match c.account_limit() {
                                Some(l) => {
                                    let max = m.number(count(l.max));
                                    let window = window_words(l.window, m);
                                    m.fill(ListMsg::PacedAccount, &[("max", &max), ("window", &window)])
                                }
                                None => m.text(ListMsg::PacedContact),
                            })
                        }}
                    </span>
                </div>
            </div>
            {move || load_error().map(|msg| {
                let ctl = sw.clone();
                view! {
                <div class="error" part="error" role="alert">
                    <p>{msgs.with(|m| m.fill(ListMsg::LoadError, &[("message", &msg)]))}</p>
                    <button type="button" class="secondary" part="button" on:click=move |_| ctl.load()>{said(Msg::TryAgain)}</button>
                </div>
            }})}
            {row_errors_panel}
            {queue_panel}
            {skipped_panel}
            <div
                class="table"
                part="table"
                role="table"
                aria-label=move || say(ListMsg::TableLabel)
                aria-rowcount=move || (visible.with(|v| v.len().max(1)) + 1).to_string()
            >
                <div class="row head" part="header" role="row" aria-rowindex="1">
                    <span class="cell check" role="columnheader">
                        <input
                            type="checkbox"
                            aria-label=move || say(ListMsg::SelectAllShown)
                            prop:checked=all_shown_selected
                            on:change=toggle_all
                        />
                    </span>
                    <span class="cell who" role="columnheader">{move || say(ListMsg::ColumnContact)}</span>
                    <span class="cell status" role="columnheader">{move || say(ListMsg::Status)}</span>
                    <span class="cell deadline" role="columnheader">{move || say(ListMsg::ColumnDeadline)}</span>
                    <span class="cell queue-state" role="columnheader">{move || say(ListMsg::ColumnResend)}</span>
                </div>
                <div class="viewport" part="viewport" node_ref=viewport on:scroll=on_scroll role="rowgroup">
                    <div
                        class="spacer"
                        style:height=move || format!("{}px", visible.with(|v| v.len()) as f64 * ROW_HEIGHT)
                    >
                        <For
                            each=move || {
                                let (start, end) = span.get();
                                let v = visible.get();
                                (start..end).map(|p| (p, v[p])).collect::<Vec<_>>()
                            }
                            key=|(pos, idx)| ((*pos as u64) << 32) | u64::from(*idx)
                            children=row_view
                        />
                    </div>
                    {move || {
                        let empty = visible.with(|v| v.is_empty()) && s.load.get() == Load::Ready;
                        // A row of the table (a rowgroup may hold rows only).
                        empty.then(|| view! {
                            <div class="empty" role="row" aria-rowindex="2">
                                <p role="cell">{move || say(ListMsg::NoMatch)}</p>
                            </div>
                        })
                    }}
                </div>
            </div>
        </section>
    }
}

/// A rate limit's window as "per …" says it: "hour", "2 hours", ...
fn window_words(w: TimeDelta, msgs: &Messages) -> String {
    match w.num_seconds() {
        3600 => msgs.text(ListMsg::WindowHour),
        s if s % 3600 == 0 => msgs.count(ListMsg::WindowHours, s / 3600, &[]),
        s if s % 60 == 0 => msgs.count(ListMsg::WindowMinutes, s / 60, &[]),
        s => msgs.count(ListMsg::WindowSeconds, s, &[]),
    }
}
