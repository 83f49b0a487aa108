//! `<registrant-verification-list>`: the reseller staff view of every
//! contact of the account. `mount_list(host, shadowRoot)` mounts it; the JS
//! class (`js/list-element.js`) owns the returned [`ListHandle`].
//!
//! The list is split the way the Leptos examples split an app:
//!
//! - this module: the element's handle, the list's [`State`] (signals) and
//!   [`StaffList`], which composes the parts;
//! - [`load`]: paging (every page of `list-url`, evaluated by the core);
//! - [`queue`]: the resend queue (planned by the registrar's limits, sent
//!   one by one, a confirmation above a few contacts);
//! - [`parts`]: the components (filters, bulk bar, panels, table, row).
//!
//! Only the rows in view are rendered (fixed row height, a spacer, a
//! scroll listener); on a narrow element rows are taller and keep contact,
//! status and deadline.

use crate::{
    browser::{self, Live},
    i18n::{self, ListMsg, Messages},
    list_model::{
        count, counts, summary, Filter, ListConfig, ListRow, QueueState, Queued, Skipped, Sort,
        ROW_HEIGHT,
    },
    model::Problem,
    mounted::Mounted,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use parts::{BulkBar, ConfirmBulk, Filters, LoadError, QueuePanel, RowErrors, SkippedPanel};
use send_wrapper::SendWrapper;
use std::{
    cell::Cell,
    collections::{HashMap, HashSet},
    rc::Rc,
    sync::Arc,
    time::Duration,
};
use table::{visible_rows, Table};
use verification_core::RowError;
use wasm_bindgen::{prelude::*, JsCast};
use web_sys::{HtmlElement, ShadowRoot};

mod load;
mod parts;
mod queue;
mod table;

/// The list's stylesheet (adopted, so it works under a strict CSP).
pub const LIST_STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/list.css"));

/// The row height on a narrow element (a phone): the email on up to two
/// lines and the domains, then the badge, the deadline and the Resend.
const NARROW_ROW_HEIGHT: f64 = 100.0;
/// Below this width (CSS pixels) the element lays rows out for a phone.
const NARROW_BELOW: i32 = 640;

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
pub struct ListHandle(Mounted<ListConfig, ListStats>);

/// What a load found: `handle.stats()` and the `verification-list-load`
/// event's `detail` (which adds `parseRenderMs`, `null` where the browser
/// did not measure it).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListStats {
    total: usize,
    overdue: usize,
    suspended: usize,
    critical: usize,
    row_errors: usize,
    pages: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_render_ms: Option<Option<f64>>,
}

/// A `verification-list-error` event's `detail`.
#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    kind: &'static str,
    message: String,
    status: Option<u16>,
    detail: String,
    during: &'a str,
}

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

/// The signals the list renders from.
#[derive(Clone, Copy)]
struct State {
    config: RwSignal<ListConfig>,
    rows: RwSignal<Arc<Vec<ListRow>>>,
    row_errors: RwSignal<Vec<RowError>>,
    load: RwSignal<Load>,
    filter: RwSignal<Filter>,
    sort: RwSignal<Sort>,
    selected: RwSignal<HashSet<String>>,
    queue: RwSignal<Vec<Queued>>,
    skipped: RwSignal<Vec<Skipped>>,
    /// A large bulk resend waiting for the go.
    confirm: RwSignal<Option<Confirm>>,
    now: RwSignal<DateTime<Utc>>,
    /// The words and date locale, from the config's `locale` and `strings`.
    msgs: Memo<Messages>,
}

/// A bulk resend that asks first: the contacts selected when it asked (what
/// Send sends, whatever the selection is by then), how many emails the
/// plan sends, and when the last goes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Confirm {
    ids: HashSet<String>,
    contacts: usize,
    emails: usize,
    last: Option<DateTime<Utc>>,
}

/// The list's side effects: loading ([`load`]), the resend queue
/// ([`queue`]).
#[derive(Clone)]
struct Ctl {
    s: State,
    live: Rc<Live>,
    host: HtmlElement,
    generation: Rc<Cell<u64>>,
    pump_timer: Rc<Cell<Option<TimeoutHandle>>>,
    pumping: Rc<Cell<bool>>,
    /// The gateway's queue is being followed (`queue-url`).
    syncing: Rc<Cell<bool>>,
    stats: ArcRwSignal<Option<ListStats>>,
}

impl Ctl {
    fn error_event(&self, p: &Problem, during: &str) {
        let message = self.s.msgs.with_untracked(|m| p.message_in(m));
        let detail =
            ErrorDetail { kind: p.kind(), message, status: p.status(), detail: p.detail(), during };
        if p.for_developer() {
            browser::warn(&format!("<registrant-verification-list>: {}", p.detail()));
        }
        browser::dispatch(&self.host, "verification-list-error", &browser::to_js(&detail));
    }
}

#[component]
fn StaffList(
    host: HtmlElement,
    config: ArcRwSignal<ListConfig>,
    reload: ArcRwSignal<u32>,
    stats: ArcRwSignal<Option<ListStats>>,
) -> impl IntoView {
    let config = RwSignal::from(config);
    let msgs = i18n::messages_memo(
        "registrant-verification-list",
        i18n::list_id,
        move || config.with(|c| c.locale.clone()),
        move || config.with(|c| c.strings.clone()),
    );
    let say = move |m: ListMsg| msgs.with(|x| x.text(m));
    let s = State {
        msgs,
        config,
        rows: RwSignal::new(Arc::new(Vec::new())),
        row_errors: RwSignal::new(Vec::new()),
        load: RwSignal::new(Load::Loading(0)),
        filter: RwSignal::new(Filter::default()),
        sort: RwSignal::new(Sort::default()),
        selected: RwSignal::new(HashSet::new()),
        queue: RwSignal::new(Vec::new()),
        skipped: RwSignal::new(Vec::new()),
        confirm: RwSignal::new(None),
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
        syncing: Rc::new(Cell::new(false)),
        stats,
    };
    {
        let live = SendWrapper::new(live.clone());
        let timer = SendWrapper::new(ctl.pump_timer.clone());
        let leaving = SendWrapper::new(ctl.guard_leaving());
        on_cleanup(move || {
            live.shutdown();
            if let Some(t) = (**timer).take() {
                t.clear();
            }
            if let (Some(cb), Some(w)) = (leaving.take(), web_sys::window()) {
                let _ = w.remove_event_listener_with_callback(
                    "beforeunload",
                    cb.as_ref().unchecked_ref(),
                );
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

    // Each queued contact's state, for its row and the queue sort.
    let queue_index = Memo::new(move |_| {
        s.queue.with(|q| {
            q.iter()
                .map(|x| (x.contact.clone(), (x.state.clone(), x.at)))
                .collect::<HashMap<String, (QueueState, DateTime<Utc>)>>()
        })
    });
    // Filtering and sorting: one pass over the rows per change.
    let visible = visible_rows(s, queue_index);
    let count_all = Memo::new(move |_| s.rows.with(|r| counts(r)));
    // Dates in the locale of the words (see `Messages::locale`).
    let locale = Memo::new(move |_| msgs.with(|m| m.locale().to_owned()));

    // A phone-wide element lays rows out taller (see `NARROW_ROW_HEIGHT`).
    let viewport = NodeRef::<leptos::html::Div>::new();
    let narrow = RwSignal::new(false);
    let measure = move || {
        if let Some(el) = viewport.get_untracked() {
            let w = el.client_width();
            if w > 0 {
                narrow.set(w < NARROW_BELOW);
            }
        }
    };
    Effect::new(move |_| {
        viewport.track();
        measure();
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let row_h = Memo::new(move |_| if narrow.get() { NARROW_ROW_HEIGHT } else { ROW_HEIGHT });

    let summary_text = move || {
        let shown = visible.with(|v| v.len());
        msgs.with(|m| match s.load.get() {
            Load::Loading(n) => m.fill(ListMsg::Loading, &[("n", &m.number(count(n)))]),
            Load::Failed(_) if s.rows.with(|r| r.is_empty()) => m.text(ListMsg::NoneLoaded),
            _ => summary(&count_all.get(), shown, m),
        })
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

    let ctl = SendWrapper::new(ctl);
    view! {
        <section
            class="list"
            part="list"
            lang=move || msgs.with(|m| m.locale().to_owned())
            aria-label=move || say(ListMsg::ListLabel)
            data-narrow=move || narrow.get().then_some("true")
        >
            <div class="toolbar" part="toolbar">
                <p class="summary" part="summary" role="status" aria-live="polite">{summary_text}</p>
                <Filters s />
                <BulkBar s ctl=ctl.clone() visible />
            </div>
            <ConfirmBulk s ctl=ctl.clone() />
            <LoadError s ctl=ctl.clone() />
            <RowErrors s />
            <QueuePanel s ctl=ctl.clone() locale />
            <SkippedPanel s />
            <Table s ctl visible queue_index locale row_h viewport />
        </section>
    }
}
