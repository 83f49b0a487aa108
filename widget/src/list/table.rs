//! The staff list's [`Table`]: its sortable headers and its rows, drawn
//! in a window of the filtered, sorted rows (the rest is spacing).

use super::{Load, State};
use crate::{
    i18n::ListMsg,
    list_model::{days_left_text, window, Badge, Filter, QueueState, Sort, SortKey},
    model::urgency_str,
};
use leptos::prelude::*;
use std::sync::Arc;
use verification_core::time::rfc3339;

use super::parts::*;

/// One column header: a button that sorts by the column (again: the other
/// way), with `aria-sort` on the header cell.
#[component]
fn SortHeader(
    /// The list's state (its `sort`).
    s: State,
    /// The column.
    key: SortKey,
    /// Its name.
    label: ListMsg,
    /// The cell's class.
    class: &'static str,
) -> impl IntoView {
    // The direction's arrow is drawn by the stylesheet from `aria-sort`.
    let aria = move || s.sort.with(|o| o.aria(key));
    view! {
        <span class=format!("cell {class}") role="columnheader" aria-sort=aria>
            <button type="button" class="sort" on:click=move |_| s.sort.update(|o| *o = o.toggled(key))>
                {move || s.msgs.with(|m| m.text(label))}
            </button>
        </span>
    }
}

/// The table: a header whose columns sort, and only the rows in view
/// (fixed row height, a spacer, a scroll listener).
#[component]
pub(super) fn Table(
    /// The list's state.
    s: State,
    /// The controller (per-row resends).
    ctl: Shared,
    /// The rows shown, in order.
    visible: Memo<Arc<Vec<u32>>>,
    /// Each queued contact's state.
    queue_index: QueueIndex,
    /// The words' locale, for dates.
    locale: Memo<String>,
    /// The row height in CSS pixels (taller on a phone).
    row_h: Memo<f64>,
    /// The scrolling viewport, for its size.
    viewport: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    let say = move |m: ListMsg| s.msgs.with(|x| x.text(m));
    // Virtual scrolling: the viewport's scroll position and height.
    let scroll_top = RwSignal::new(0.0f64);
    let viewport_h = RwSignal::new(560.0f64);
    let span = Memo::new(move |_| {
        let n = visible.with(|v| v.len());
        window(scroll_top.get(), viewport_h.get(), row_h.get(), n)
    });
    Effect::new(move |_| {
        if let Some(el) = viewport.get() {
            let h = f64::from(el.client_height());
            if h > 0.0 {
                viewport_h.set(h);
            }
        }
    });
    // A new filter or sort starts at the top.
    Effect::new(move |prev: Option<()>| {
        s.filter.track();
        s.sort.track();
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
    let row = move |(pos, idx): (usize, u32)| {
        view! { <Row s ctl=ctl.clone() pos idx queue_index locale row_h /> }
    };
    view! {
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
                <SortHeader s key=SortKey::Contact label=ListMsg::ColumnContact class="who" />
                <SortHeader s key=SortKey::Status label=ListMsg::Status class="status" />
                <SortHeader s key=SortKey::Deadline label=ListMsg::ColumnDeadline class="deadline" />
                <SortHeader s key=SortKey::Queue label=ListMsg::ColumnResend class="queue-state" />
            </div>
            <div class="viewport" part="viewport" node_ref=viewport on:scroll=on_scroll role="rowgroup">
                <div
                    class="spacer"
                    style:height=move || format!("{}px", visible.with(|v| v.len()) as f64 * row_h.get())
                >
                    <For
                        each=move || {
                            let (start, end) = span.get();
                            let v = visible.get();
                            (start..end).map(|p| (p, v[p])).collect::<Vec<_>>()
                        }
                        key=|(pos, idx)| ((*pos as u64) << 32) | u64::from(*idx)
                        children=row
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
    }
}

/// One contact: select box, email (wrapping only at `@` and dots) and
/// domains (the whole list on hover and focus), one badge for status and
/// suspension, the deadline, and its queue state or a resend button.
#[component]
fn Row(
    /// The list's state.
    s: State,
    /// The controller (this row's resend).
    ctl: Shared,
    /// Its position among the rows shown.
    pos: usize,
    /// Its index in `s.rows`.
    idx: u32,
    /// Each queued contact's state.
    queue_index: QueueIndex,
    /// The words' locale, for dates.
    locale: Memo<String>,
    /// The row height in CSS pixels.
    row_h: Memo<f64>,
) -> impl IntoView {
    let rows = s.rows.get_untracked();
    let row = rows[idx as usize].clone();
    let r = &row.record;
    let id = row.id.clone();
    let email = r.email.clone().unwrap_or_else(|| row.id.clone());
    let domains = r.domains.join(", ");
    // Words and dates follow `locale` and `strings` (the row stays).
    let deadline = r.deadline.map(|d| (rfc3339::format(&d), move || format_date(&locale.get(), d)));
    let record = r.clone();
    let left = move || s.msgs.with(|m| days_left_text(&record, m));
    let badge = Badge::of(r);
    let urgency = urgency_str(r.urgency);
    let can_resend = verification_core::resend::ResendPlan::for_record(r).is_ok();
    let (id_check, id_toggle, id_queue, id_send) = (id.clone(), id.clone(), id.clone(), id.clone());
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
    let queued = move || {
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
                    s.msgs.with(|m| m.fill(ListMsg::QueuedFor, &[("time", &time)]))
                }
                QueueState::Sending => s.msgs.with(|m| m.text(ListMsg::RowSending)),
                QueueState::Sent => s.msgs.with(|m| m.text(ListMsg::RowSent)),
                QueueState::Done(w) | QueueState::Failed(w) => s.msgs.with(|m| w.text(m)),
            })
        })
    };
    let (select, resend_to) = (email.clone(), email.clone());
    let label_for = move || s.msgs.with(|m| m.fill(ListMsg::SelectContact, &[("email", &select)]));
    let resend_label =
        move || s.msgs.with(|m| m.fill(ListMsg::RowResendTo, &[("email", &resend_to)]));
    let send = move |_| ctl.resend(&std::iter::once(id_send.clone()).collect());
    let queue_cell = move || {
        match queued() {
        Some(text) => text.into_any(),
        None if can_resend => view! {
            <button type="button" class="row-resend" aria-label=resend_label.clone() on:click=send.clone()>
                {move || s.msgs.with(|m| m.text(ListMsg::RowResend))}
            </button>
        }
        .into_any(),
        None => ().into_any(),
    }
    };
    let full = domains.clone();
    view! {
        <div
            class="row"
            part="row"
            role="row"
            aria-rowindex=(pos + 2).to_string()
            data-urgency=urgency
            data-contact=id
            style:top=move || format!("{}px", pos as f64 * row_h.get())
        >
            <span class="cell check" role="cell">
                <input type="checkbox" aria-label=label_for prop:checked=checked on:change=toggle />
            </span>
            <span class="cell who" role="cell">
                <span class="email">{crate::browser::address_view(&email)}</span>
                // Focusable, with the whole list on hover and focus (the
                // cell cuts it to one line).
                <span class="domains" tabindex="0" title=full.clone() aria-label=full>{domains}</span>
            </span>
            <span class="cell status" role="cell">
                <span class="badge" data-urgency=urgency data-suspended=badge.suspended.then_some("true")>
                    {move || s.msgs.with(|m| badge.text(m))}
                </span>
            </span>
            <span class="cell deadline" role="cell">
                {deadline.map(|(iso, text)| view! { <time datetime=iso>{text}</time> })}
                <span class="left">{left}</span>
            </span>
            <span class="cell queue-state" role="cell">{queue_cell}</span>
        </div>
    }
}

/// The rows that pass the filter, in the chosen order.
pub(super) fn visible_rows(s: State, queue_index: QueueIndex) -> Memo<Arc<Vec<u32>>> {
    Memo::new(move |_| {
        let rows = s.rows.get();
        let mut v = s.filter.with(|f: &Filter| crate::list_model::filter_rows(&rows, f));
        let sort: Sort = s.sort.get();
        if sort.key == SortKey::Queue {
            queue_index.with(|qi| {
                crate::list_model::sort_positions(&rows, &mut v, sort, |id| {
                    qi.get(id).filter(|(st, _)| *st == QueueState::Waiting).map(|(_, at)| *at)
                });
            });
        } else {
            crate::list_model::sort_positions(&rows, &mut v, sort, |_| None);
        }
        Arc::new(v)
    })
}
