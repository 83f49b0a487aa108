//! The Leptos components: [`Widget`] (fetching, resending, timers, host
//! events) and [`Card`] (what the registrant sees, from signals).
//!
//! Neither decides anything about verification: the record comes from
//! `verification-core`, and the words and controls from [`crate::model`].

use crate::i18n::{self, Messages, Msg, Part};
use crate::model::{checked_line, event_action, poll_interval, stale_line, EventAction, Stale};
use crate::{
    browser::{self, Answer, Live},
    model::{
        deadline_line, format_countdown, next_check, primary_action, record_changed, resend_note,
        retry_delay, retry_line, single_record, urgency_str, words, ActionKind, Config, Problem,
        ResendPhase, Screen, Tone, MAX_TIMER_SECS,
    },
};
use chrono::{DateTime, Utc};
use gloo_net::http::Request;
use leptos::{either::Either, prelude::*, task::spawn_local};
use send_wrapper::SendWrapper;
use std::{
    cell::Cell,
    rc::Rc,
    sync::{Arc, Mutex},
    time::Duration,
};
use verification_core::{
    evaluate_response,
    resend::{LastResend, ResendKind, ResendPlan},
    time::rfc3339,
    Context, Record, Response,
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{HtmlElement, RequestCredentials};

mod card;
mod controller;
mod dates;
#[cfg(not(target_arch = "wasm32"))]
mod render;

pub use card::{Card, CardProps};
use controller::Controller;
#[cfg(not(target_arch = "wasm32"))]
pub use render::{render_card, CARD_STYLES};

/// The state a [`Card`] renders. All signals: the card re-renders the parts
/// that change.
#[derive(Clone, Copy, Debug)]
pub struct CardState {
    /// The latest record, if a check succeeded.
    pub record: RwSignal<Option<Record>>,
    /// Why the latest check failed, if it did and nothing was shown before
    /// it (a failed re-check of a shown record is `stale`).
    pub problem: RwSignal<Option<Problem>>,
    /// A re-check that failed while a record showed: the record stays on
    /// screen with a quiet line saying so.
    pub stale: RwSignal<Option<Stale>>,
    /// A status check is in flight.
    pub checking: RwSignal<bool>,
    /// Where the latest resend stands.
    pub phase: RwSignal<ResendPhase>,
    /// The clock, ticking every second while a countdown shows.
    pub now: RwSignal<DateTime<Utc>>,
    /// The element's configuration.
    pub config: RwSignal<Config>,
    /// When the widget re-checks by itself after a failed status check.
    pub retry_at: RwSignal<Option<DateTime<Utc>>>,
    /// When the latest status check answered (a record, or "not ready"):
    /// the "still not confirmed at" line, and where the refresh timer counts
    /// from.
    pub checked_at: RwSignal<Option<DateTime<Utc>>>,
    /// The words and date locale, from `config`'s `locale` and `strings`.
    pub messages: Memo<Messages>,
}

/// The widget's words, following its configuration's `locale` and
/// `strings` (see [`i18n::messages_memo`]).
pub fn messages(config: RwSignal<Config>) -> Memo<Messages> {
    i18n::messages_memo(
        "registrant-verification",
        i18n::widget_id,
        move || config.with(|c| c.locale.clone()),
        move || config.with(|c| c.strings.clone()),
    )
}

impl CardState {
    /// A state with nothing loaded yet, at `now`.
    pub fn new(config: Config, now: DateTime<Utc>) -> Self {
        let config = RwSignal::new(config);
        CardState {
            record: RwSignal::new(None),
            problem: RwSignal::new(None),
            stale: RwSignal::new(None),
            checking: RwSignal::new(false),
            phase: RwSignal::new(ResendPhase::Idle),
            now: RwSignal::new(now),
            config,
            retry_at: RwSignal::new(None),
            checked_at: RwSignal::new(None),
            messages: messages(config),
        }
    }

    /// Shows what a widget's first status check shows for `answer` at
    /// `now`, after the resend its browser remembers (`last`) (the
    /// gateway's render before the wasm; the wasm's own first
    /// check goes through [`Controller::check`], which this follows: the
    /// record with the configured domains, or the problem with its
    /// automatic retry).
    pub fn first_check(&self, answer: &Answer, now: DateTime<Utc>, last: Option<LastResend>) {
        let config = self.config.get_untracked();
        let result = config.status_target().and_then(|(provider, _)| {
            controller::evaluate(provider, answer, &status_context(&config, now, last))
        });
        self.now.set(now);
        match result {
            Ok(record) => {
                self.checked_at.set(Some(now));
                self.record.set(Some(config.fill_domains(record)));
            }
            Err(p) => {
                self.failed(p, now, 0);
            }
        }
    }

    /// Shows what a failed status check at `now` came to, after `failures`
    /// failed checks in a row: the problem; or, for a passing outage while
    /// a record shows, the record kept with a quiet line (an outage or a
    /// lost session keeps the registrant's deadline, domains and Resend on
    /// screen; setup problems and "not ready yet" still take the card).
    /// Returns the failures in a row counting this one, and when to check
    /// again by itself (backing off, see `retry_delay`), if it does.
    pub(crate) fn failed(
        &self,
        p: Problem,
        now: DateTime<Utc>,
        failures: u32,
    ) -> (u32, Option<chrono::TimeDelta>) {
        if p.not_ready() {
            self.checked_at.set(Some(now));
        }
        let keep = !p.not_ready()
            && p.retries_by_itself()
            && p.registrant_can_retry()
            && self.problem.with_untracked(Option::is_none)
            && self.record.with_untracked(Option::is_some);
        let failures = failures.saturating_add(u32::from(p.retries_by_itself()));
        let refresh = self.config.with_untracked(|c| c.refresh);
        let delay =
            p.retries_by_itself().then(|| retry_delay(failures, refresh, p.retry_at(), now));
        self.retry_at.set(delay.map(|d| now + d));
        if keep {
            self.stale.set(Some(Stale { problem: p, failed_at: now }));
        } else {
            self.stale.set(None);
            self.problem.set(Some(p));
        }
        (failures, delay)
    }

    /// The screen for the current state.
    pub fn screen(&self) -> Screen {
        self.record.with(|r| self.problem.with(|p| Screen::choose(r.as_ref(), p.as_ref())))
    }

    /// The seconds left in the resend cooldown, if one runs.
    pub fn wait_seconds(&self) -> Option<i64> {
        let now = self.now.get();
        let action = self.messages.with(|m| {
            self.record.with(|r| {
                self.problem.with(|p| {
                    self.phase.with(|ph| {
                        primary_action(self.screen(), p.as_ref(), r.as_ref(), false, ph, now, m)
                    })
                })
            })
        })?;
        action.wait_until.map(|t| (t - now).num_seconds().max(0))
    }

    /// The automatic re-check after a failed status check, while the
    /// problem shows and no check is in flight.
    pub fn pending_retry(&self) -> Option<DateTime<Utc>> {
        let failed = self.problem.with(Option::is_some) || self.stale.with(Option::is_some);
        let showing = failed && !self.checking.get();
        self.retry_at.get().filter(|_| showing)
    }
}

/// What the core is told for a status check of `config`'s contact at
/// `now`, after the resend remembered for it (`last`).
fn status_context(config: &Config, now: DateTime<Utc>, last: Option<LastResend>) -> Context {
    let mut ctx =
        Context::new(now).single_contact().changed_at(config.changed_at).last_resend(last);
    ctx.policy.cooldown = config.cooldown;
    ctx
}

/// A part of the card that follows signals. One boxed type for all of
/// them, so they share one rendering instantiation (each closure type
/// would have its own). `AnyView` is not `Sync`: the shared form `tachys`
/// takes is a mutex.
type Dynamic = Arc<Mutex<dyn FnMut() -> AnyView + Send>>;

fn dynamic(f: impl FnMut() -> AnyView + Send + 'static) -> Dynamic {
    Arc::new(Mutex::new(f))
}

/// A text that follows signals (see [`Dynamic`]).
fn text(f: impl Fn() -> String + Send + 'static) -> Dynamic {
    dynamic(move || text_view(f()))
}

/// `text` as a view; nothing for an empty one (Leptos' server renderer
/// writes an empty text as one space, which keeps `.note:empty` and its
/// kin from matching and makes the gateway's card taller than the wasm's).
fn text_view(text: String) -> AnyView {
    if text.is_empty() {
        ().into_any()
    } else {
        text.into_any()
    }
}

/// Runs `f` now and again whenever a signal it reads changes; its argument
/// is `false` on the first run. One boxed type for every effect here, so
/// they share one instantiation of [`Effect::new`].
fn effect(mut f: Box<dyn FnMut(bool)>) {
    Effect::new(move |prev: Option<()>| f(prev.is_some()));
}

/// `text` with each occurrence of the registrant's address `email` set
/// apart so that it wraps only before its `@` and its dots (or moves to a
/// line of its own), never inside a word or after a hyphen:
/// "not-started@openprovider.example" breaks as "not-started /
/// @openprovider / .example" on a narrow phone.
fn with_address(text: String, email: Option<String>) -> AnyView {
    let Some(email) = email.filter(|e| !e.is_empty() && text.contains(e.as_str())) else {
        return text_view(text);
    };
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find(email.as_str()) {
        parts.push(text_view(rest[..i].to_owned()));
        let pieces = browser::address_view(&email);
        parts.push(view! { <span class="address">{pieces}</span> }.into_any());
        rest = &rest[i + email.len()..];
    }
    parts.push(text_view(rest.to_owned()));
    parts.collect_view().into_any()
}

/// The status icon's mark (drawn inside its circle) for a tone.
fn icon_mark(tone: Tone) -> &'static str {
    match tone {
        Tone::Ok => "M7.5 12.5l3 3 6-7",
        Tone::Info => "M12 11v6M12 7.5v.01",
        Tone::Warning | Tone::Critical | Tone::Error => "M12 7v6M12 16.5v.01",
        Tone::Neutral => "M12 7v5l3 2",
    }
}

/// The registrant verification widget: loads the status from `status-url`,
/// re-checks while action is pending, resends through `resend-url`, and
/// reports to the host page through attributes and events.
#[component]
pub fn Widget(
    /// The `<registrant-verification>` element (for `data-*` attributes and
    /// events).
    host: HtmlElement,
    /// The configuration, updated when attributes change.
    config: ArcRwSignal<Config>,
    /// Bumped to ask for a re-check now (`element.refresh()`).
    recheck: ArcRwSignal<u32>,
    /// The latest record, shared with the element's `record` property.
    record: ArcRwSignal<Option<Record>>,
) -> impl IntoView {
    let config = RwSignal::from(config);
    let state = CardState {
        record: RwSignal::from(record),
        problem: RwSignal::new(None),
        stale: RwSignal::new(None),
        checking: RwSignal::new(false),
        phase: RwSignal::new(ResendPhase::Idle),
        now: RwSignal::new(browser::now()),
        config,
        retry_at: RwSignal::new(None),
        checked_at: RwSignal::new(None),
        messages: messages(config),
    };
    let live = Live::new();
    live.pressed.set(browser::take_pressed(&host));
    {
        let live = SendWrapper::new(live.clone());
        on_cleanup(move || live.shutdown());
    }
    let ctl = Controller { state, live: live.clone(), host: host.clone() };

    // Re-check when the tab becomes visible and a check fell due meanwhile.
    {
        let ctl = ctl.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            // A hidden tab keeps no event stream open; a visible one opens
            // it again (and catches up once, see `stream_opened`).
            if browser::page_hidden() {
                ctl.disconnect();
                return;
            }
            if ctl.live.due.replace(false) {
                ctl.check();
            }
            ctl.connect();
        });
        let _ = document()
            .add_event_listener_with_callback("visibilitychange", cb.as_ref().unchecked_ref());
        *live.on_visible.borrow_mut() = Some(cb);
    }

    // Listen to `events-url` (if any) from mount on, and anew when it
    // changes.
    {
        let ctl = ctl.clone();
        // (It compares the URL itself: cheaper in code than a memo.)
        let mut listening = None;
        effect(Box::new(move |_| {
            let url = Some(state.config.with(|c| c.events_url.clone()));
            if url == listening {
                return;
            }
            listening = url;
            ctl.disconnect();
            ctl.connect();
        }));
    }

    // Load on mount, and again when the contact's address or the timing
    // changes (a new `refresh` interval applies from this check on), or a
    // re-check is asked for. The effect runs on any change of the
    // configuration, and compares what it last loaded for itself (a memo
    // of its own type would cost more code).
    {
        let ctl = ctl.clone();
        let recheck = recheck.clone();
        let mut loaded = None;
        effect(Box::new(move |rerun| {
            let target = state.config.with(|c| {
                (
                    c.provider.clone(),
                    c.status_url.clone(),
                    c.changed_at,
                    c.cooldown,
                    c.refresh,
                    c.domains.clone(),
                )
            });
            let now = Some((target, recheck.get()));
            if now == loaded {
                return;
            }
            loaded = now;
            if rerun {
                ctl.state.phase.set(ResendPhase::Idle);
                ctl.live.failures.set(0);
            }
            ctl.check();
        }));
    }

    // Reflect the state on the host: `data-status`, `data-urgency`, and
    // `data-error` (the problem's kind: `timeout`, `network`, `http`...).
    {
        let host = host.clone();
        effect(Box::new(move |_| {
            let screen = state.screen();
            let _ = state.problem.with(|p| {
                state.stale.with(|st| match p.as_ref().or(st.as_ref().map(|st| &st.problem)) {
                    Some(p) => host.set_attribute("data-error", p.kind()),
                    None => host.remove_attribute("data-error"),
                })
            });
            let _ = state.record.with(|r| {
                let _ = host.set_attribute("data-status", screen.data_status(r.as_ref()));
                match r.as_ref().filter(|_| screen != Screen::Problem) {
                    Some(r) => host.set_attribute("data-urgency", urgency_str(r.urgency)),
                    None => host.remove_attribute("data-urgency"),
                }
            });
        }));
    }

    // Tick every second while a resend countdown or an automatic retry runs.
    {
        let live = live.clone();
        // (It compares whether it counts itself: cheaper in code than a memo.)
        let mut was_counting = None;
        effect(Box::new(move |_| {
            let counting = state.wait_seconds().is_some() || state.pending_retry().is_some();
            if was_counting == Some(counting) {
                return;
            }
            was_counting = Some(counting);
            // As for re-checks: a superseded ticker that still fires (its
            // clear did not work) does nothing.
            live.ticker_token.set(live.ticker_token.get().wrapping_add(1));
            if let Some(t) = live.ticker.take() {
                t.clear();
            }
            if counting {
                let (now, token, me) = (state.now, live.ticker_token.get(), live.clone());
                let tick = move || {
                    if me.alive() && me.ticker_token.get() == token {
                        now.set(browser::now());
                    }
                };
                live.ticker.set(set_interval_with_handle(tick, Duration::from_secs(1)).ok());
            }
        }));
    }

    let on_action = move |kind: ActionKind| match kind {
        ActionKind::Retry | ActionKind::Recheck => ctl.check(),
        ActionKind::Resend => ctl.resend(),
    };
    view! { <Card state on_action /> }
}
