//! The staff list's parts, each a small component rendering from the
//! list's [`State`]: the toolbar ([`Filters`], [`BulkBar`], [`ConfirmBulk`]),
//! the panels above the table ([`LoadError`], [`RowErrors`],
//! [`QueuePanel`], [`SkippedPanel`]) and the [`Table`] with its [`Row`]s.
//! None decides anything: the words, filters, sorting and plans come from
//! [`crate::list_model`], the sending from the controller ([`Ctl`]).

use super::{Ctl, Load, State};
use crate::{
    i18n::{self, ListMsg, Messages, Msg},
    list_model::{
        count, csv, problem_text, queue_summary, suspension_splits, QueueState, Queued,
        StatusFilter,
    },
};
use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::{cell::RefCell, collections::HashMap, sync::Arc};
use verification_core::time::rfc3339;
use wasm_bindgen::{JsCast, JsValue};

/// Most upcoming queue entries listed by time (the rest are summarised).
const QUEUE_SHOWN: usize = 12;

/// The controller, for event handlers in reactive closures (which must be
/// `Send`; the controller lives on the main thread only).
pub(super) type Shared = SendWrapper<Ctl>;

thread_local! {
    static DATE_FORMAT: RefCell<Option<(String, js_sys::Function)>> = const { RefCell::new(None) };
}

/// A deadline as "Mar 3, 2026, 1:00 PM" in the browser's zone and the
/// list's locale (one `Intl.DateTimeFormat`, reused).
pub(super) fn format_date(locale: &str, t: DateTime<Utc>) -> String {
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
pub(super) fn format_time(locale: &str, t: DateTime<Utc>) -> String {
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
    date.to_locale_string(locale, &opts).into()
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

/// Offers `text` as a download named `name` (a `Blob` and a temporary
/// link; nothing leaves the browser).
fn download(name: &str, text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let a: web_sys::HtmlAnchorElement = document().create_element("a").ok()?.dyn_into().ok()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// The status and suspension filters and the search box. The status menu
/// offers only choices that match some row, each with its count; the
/// suspension menu shows only when it can split the rows.
#[component]
pub(super) fn Filters(
    /// The list's state (its `filter` is what this sets).
    s: State,
) -> impl IntoView {
    let say = move |m: ListMsg| s.msgs.with(|x| x.text(m));
    let choices = Memo::new(move |_| s.rows.with(|r| StatusFilter::choices(r)));
    let splits = Memo::new(move |_| s.rows.with(|r| suspension_splits(r)));
    // A choice that no longer matches anything (after a reload) goes.
    Effect::new(move |_| {
        let (c, split) = (choices.get(), splits.get());
        let f = s.filter.get_untracked();
        if s.load.with_untracked(|l| *l == Load::Ready)
            && (!c.iter().any(|(x, _)| *x == f.status) || (!split && f.suspended.is_some()))
        {
            s.filter.update(|f| {
                if !c.iter().any(|(x, _)| *x == f.status) {
                    f.status = StatusFilter::Any;
                }
                if !split {
                    f.suspended = None;
                }
            });
        }
    });
    view! {
        <div class="filters" part="filters">
            <label>
                <span>{move || say(ListMsg::Status)}</span>
                <select
                    name="status"
                    prop:value=move || s.filter.with(|f| f.status.as_str())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        s.filter.update(|f| f.status = StatusFilter::parse(&v));
                    }
                >
                    {move || {
                        let m = s.msgs.get();
                        let current = s.filter.with_untracked(|f| f.status);
                        choices
                            .get()
                            .into_iter()
                            .map(|(c, n)| {
                                let text = format!("{} ({})", m.text(c.label()), m.number(count(n)));
                                view! { <option value=c.as_str() selected=c == current>{text}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <Show when=move || splits.get()>
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
            </Show>
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
    }
}

/// The bulk resend button (asking first above
/// [`crate::list_model::CONFIRM_ABOVE`] contacts), the pacing hint, and the
/// CSV export of the rows the filters show.
#[component]
pub(super) fn BulkBar(
    /// The list's state.
    s: State,
    /// The controller (queues the resends).
    ctl: Shared,
    /// The rows shown, in order (what the export writes).
    visible: Memo<Arc<Vec<u32>>>,
) -> impl IntoView {
    let selected = move || s.selected.with(|x| x.len());
    let export = move |_| {
        let rows = s.rows.get_untracked();
        let text = s.msgs.with_untracked(|m| visible.with_untracked(|v| csv(&rows, v, m)));
        let day = verification_core::time::rfc3339::format_seconds(&s.now.get_untracked());
        let day = &day[..day.find('T').unwrap_or(day.len())];
        let provider =
            s.config.with_untracked(|c| c.provider.clone().map(|p| p.as_str()).unwrap_or("list"));
        download(&format!("verification-{provider}-{day}.csv"), &text);
    };
    view! {
        <div class="bulk" part="bulk">
            <button
                type="button"
                class="primary"
                part="button"
                aria-disabled=move || (selected() == 0).then_some("true")
                on:click=move |_| {
                    if selected() > 0 {
                        ctl.ask_bulk();
                    }
                }
            >
                {move || match selected() {
                    0 => s.msgs.with(|m| m.text(Msg::ResendEmail)),
                    n => s.msgs.with(|m| m.count(ListMsg::ResendTo, count(n), &[])),
                }}
            </button>
            <button
                type="button"
                class="secondary"
                part="button export"
                disabled=move || visible.with(|v| v.is_empty())
                on:click=export
            >
                {move || s.msgs.with(|m| m.text(ListMsg::ExportCsv))}
            </button>
            <span class="hint">
                {move || {
                    let c = s.config.get();
                    s.msgs.with(|m| match c.account_limit() {
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
    }
}

/// "Send a verification email to 363 contacts? … the last one goes out in
/// about 1 hour 49 minutes." with Send and Cancel, while a large bulk
/// resend waits for the go.
#[component]
pub(super) fn ConfirmBulk(
    /// The list's state (its `confirm`).
    s: State,
    /// The controller (queues on Send).
    ctl: Shared,
) -> impl IntoView {
    move || {
        let c = s.confirm.get()?;
        let m = s.msgs.get();
        let by_gateway = s.config.with(|c| c.queue_url.is_some());
        let (question, detail) = crate::list_model::confirm_words(
            c.contacts,
            c.last,
            s.now.get_untracked(),
            by_gateway,
            &m,
        );
        let heading = question.clone();
        let send = m.count(ListMsg::ConfirmSend, count(c.emails), &[]);
        let ctl = ctl.clone();
        let ids = c.ids.clone();
        let go = move |_| ctl.resend(&ids);
        Some(view! {
            <div class="confirm" part="confirm" role="group" aria-label=question.clone()>
                <p><strong>{heading}</strong>" "{detail}</p>
                <button type="button" class="primary" part="button" on:click=go>{send}</button>
                <button type="button" class="secondary" part="button" on:click=move |_| s.confirm.set(None)>
                    {m.text(ListMsg::ConfirmCancel)}
                </button>
            </div>
        })
    }
}

/// The load failure, with a retry (the rows read before stay).
#[component]
pub(super) fn LoadError(
    /// The list's state.
    s: State,
    /// The controller (reloads).
    ctl: Shared,
) -> impl IntoView {
    move || {
        let Load::Failed(p) = s.load.get() else { return None };
        let m = s.msgs.get();
        let message = m.fill(ListMsg::LoadError, &[("message", &problem_text(&p, &m))]);
        let ctl = ctl.clone();
        Some(view! {
            <div class="error" part="error" role="alert">
                <p>{message}</p>
                <button type="button" class="secondary" part="button" on:click=move |_| ctl.load()>
                    {m.text(Msg::TryAgain)}
                </button>
            </div>
        })
    }
}

/// The rows the core could not read (the others are listed).
#[component]
pub(super) fn RowErrors(
    /// The list's state.
    s: State,
) -> impl IntoView {
    move || {
        let errs = s.row_errors.get();
        let m = s.msgs.get();
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
    }
}

/// The queue: how many went, what waits until when, what failed, and a
/// cancel button while some wait.
#[component]
pub(super) fn QueuePanel(
    /// The list's state.
    s: State,
    /// The controller (cancels).
    ctl: Shared,
    /// The words' locale, for dates.
    locale: Memo<String>,
) -> impl IntoView {
    move || {
        let q = s.queue.get();
        if q.is_empty() {
            return None;
        }
        let now = s.now.get();
        let loc = locale.get();
        let m = s.msgs.get();
        let text = queue_summary(&q, now, |t| format_date(&loc, t), &m);
        let later = |x: &&Queued| x.state == QueueState::Waiting && x.at > now;
        let upcoming: Vec<Queued> = q.iter().filter(later).take(QUEUE_SHOWN).cloned().collect();
        let more = q.iter().filter(later).count() - upcoming.len();
        let failures: Vec<String> = q
            .iter()
            .filter_map(|x| match &x.state {
                QueueState::Failed(why) => Some(format!("{}: {}", x.email, why.text(&m))),
                _ => None,
            })
            .take(QUEUE_SHOWN)
            .collect();
        let waiting = q.iter().any(|x| x.state == QueueState::Waiting);
        let ctl = ctl.clone();
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
                            let iso = rfc3339::format(&x.at);
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
                            view! { <li data-contact=x.contact.clone()>{parts}</li> }
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
    }
}

/// The selected contacts a resend cannot help, and why.
#[component]
pub(super) fn SkippedPanel(
    /// The list's state.
    s: State,
) -> impl IntoView {
    move || {
        let k = s.skipped.get();
        let m = s.msgs.get();
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
    }
}

/// Each queued contact's state and time, by contact id.
pub(super) type QueueIndex = Memo<HashMap<String, (QueueState, DateTime<Utc>)>>;
