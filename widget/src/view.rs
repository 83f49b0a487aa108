//! The Leptos components: [`Widget`] (fetching, resending, timers, host
//! events) and [`Card`] (what the registrant sees, from signals).
//!
//! Neither decides anything about verification: the record comes from
//! `verification-core`, and the words and controls from [`crate::model`].

use crate::i18n::{self, Messages, Msg, Part};
use crate::model::{checked_line, event_action, poll_interval, stale_line, EventAction, Stale};
use crate::{
    browser::{self, Answer, Intl, Live},
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
    resend::{ResendKind, ResendPlan},
    time::rfc3339,
    Context, Record, Response,
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::{HtmlElement, RequestCredentials};

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
    dynamic(move || f().into_any())
}

/// Runs `f` now and again whenever a signal it reads changes; its argument
/// is `false` on the first run. One boxed type for every effect here, so
/// they share one instantiation of [`Effect::new`].
fn effect(mut f: Box<dyn FnMut(bool)>) {
    Effect::new(move |prev: Option<()>| f(prev.is_some()));
}

/// Dates in the locale of the words (see [`Messages::locale`]).
fn intl(msgs: &Messages) -> Intl {
    Intl { locale: msgs.locale().to_owned() }
}

/// `text` with each occurrence of the registrant's address `email` set
/// apart so that it wraps only before its `@` and its dots (or moves to a
/// line of its own), never inside a word or after a hyphen:
/// "not-started@openprovider.example" breaks as "not-started /
/// @openprovider / .example" on a narrow phone.
fn with_address(text: String, email: Option<String>) -> AnyView {
    let Some(email) = email.filter(|e| !e.is_empty() && text.contains(e.as_str())) else {
        return text.into_any();
    };
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find(email.as_str()) {
        parts.push(rest[..i].to_owned().into_any());
        let pieces = browser::address_view(&email);
        parts.push(view! { <span class="address">{pieces}</span> }.into_any());
        rest = &rest[i + email.len()..];
    }
    parts.push(rest.to_owned().into_any());
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

/// The verification card: status headline, one line of explanation, the
/// deadline, the domains at risk, and one primary button.
#[component]
pub fn Card(
    /// What to render.
    state: CardState,
    /// Called when the primary button is pressed (never while it is busy
    /// or disabled).
    on_action: impl Fn(ActionKind) + 'static,
) -> impl IntoView {
    let CardState {
        record,
        problem,
        stale,
        checking,
        phase,
        now,
        config,
        messages,
        checked_at,
        retry_at,
        ..
    } = state;
    let email = move || record.with(|r| r.as_ref().and_then(|r| r.email.clone()));
    let screen = move || state.screen();
    let tone = move || record.with(|r| Tone::of(screen(), r.as_ref()));
    // Plain closures rather than memos: each reader computes them. The
    // words change only with the state (not with the clock), and a memo of
    // them measured +0.9 KB gzip of wasm for sparing four `Intl` date
    // formats per change; the action is cheap to compute.
    let words = move || {
        let msgs = messages.get();
        record.with(|r| problem.with(|p| words(screen(), r.as_ref(), p.as_ref(), &msgs)))
    };
    let action = move || {
        messages.with(|m| {
            record.with(|r| {
                problem.with(|p| {
                    phase.with(|ph| {
                        let checking = checking.get();
                        primary_action(screen(), p.as_ref(), r.as_ref(), checking, ph, now.get(), m)
                    })
                })
            })
        })
    };
    let deadline = move || {
        let msgs = messages.get();
        let r = record.get()?;
        let (left, when) = deadline_line(screen(), &r, &intl(&msgs), &msgs)?;
        let iso = r.deadline.map(|d| rfc3339::format(&d)).unwrap_or_default();
        Some(view! {
            <p class="deadline" part="deadline">
                {left.map(|l| view! { <strong class="left">{l}</strong> })}
                <time datetime=iso>{when}</time>
            </p>
        })
    };
    let domains = move || {
        let heading = words().domains_heading?;
        let list = record.with(|r| r.as_ref().map(|r| r.domains.clone())).unwrap_or_default();
        if list.is_empty() {
            return None;
        }
        let name = heading.clone();
        // A group, not a `<section>`: a named section is a region landmark,
        // and every widget on a page would add one of the same name (axe
        // `landmark-unique` on a panel with several widgets).
        Some(view! {
            <div class="domains" part="domains" role="group" aria-label=name>
                <h3>{heading}</h3>
                <ul>{list.into_iter().map(|d| view! { <li>{d}</li> }.into_any()).collect_view()}</ul>
            </div>
        })
    };
    let edit_link = move || {
        (screen() == Screen::Bounced).then(|| match config.with(|c| c.edit_contact_url.clone()) {
            Some(href) => Either::Left(view! {
                <a class="primary link" part="button link" href=href>
                    {text(move || messages.with(|m| m.text(Msg::CorrectEmail)))}
                </a>
            }),
            None => Either::Right(view! {
                <p class="hint">{text(move || messages.with(|m| m.text(Msg::ContactSupport)))}</p>
            }),
        })
    };
    let checked = move || {
        let msgs = messages.get();
        record.with(|r| {
            problem.with(|p| {
                let (at, now) = (checked_at.get(), now.get_untracked());
                checked_line(screen(), r.as_ref(), p.as_ref(), at, now, &intl(&msgs), &msgs)
            })
        })
    };
    // "Sent": a visible confirmation (colour and mark), besides the live
    // region's announcement.
    let sent = move || {
        phase
            .with(|p| matches!(p, ResendPhase::Done(o) if o.outcome == ResendKind::Sent))
            .then_some("sent")
    };
    let note = dynamic(move || {
        let msgs = messages.get();
        let is_resend = action().is_some_and(|a| a.kind == ActionKind::Resend);
        let verified_now = phase.with(
            |p| matches!(p, ResendPhase::Done(o) if o.outcome == ResendKind::AlreadyVerified),
        );
        if !is_resend && !verified_now {
            return ().into_any();
        }
        let line = record
            .with(|r| {
                phase.with(|ph| {
                    resend_note(r.as_ref(), ph, now.get_untracked(), &intl(&msgs), &msgs)
                })
            })
            .unwrap_or_default();
        with_address(line, email())
    });
    let throttled = move || {
        let by_phase =
            phase.with(|p| matches!(p, ResendPhase::Done(o) if o.outcome == ResendKind::Throttled));
        let by_record = phase.with(|p| *p == ResendPhase::Idle)
            && record.with(|r| {
                r.as_ref().is_some_and(|r| {
                    r.resend.reason == Some(verification_core::ResendReason::Throttled)
                })
            });
        by_phase || by_record
    };
    let countdown = move || {
        let secs = state.wait_seconds()?;
        (!throttled()).then(|| format_countdown(secs))
    };
    // While the button waits, its accessible name says for how long: its
    // label, then the wait in whole minutes (a name that changed with the
    // ticking clock would be announced again and again while the button
    // has focus), or the note saying when the registrar allows another
    // email. The ids are unique within the shadow root.
    let named_by = move || {
        state.wait_seconds()?;
        Some(if throttled() { "rv-action rv-note" } else { "rv-action rv-wait" })
    };
    let wait_minutes = move || {
        let secs = state.wait_seconds()?;
        let minutes = (secs.max(1) + 59) / 60;
        (!throttled()).then(|| messages.with(|m| m.count(Msg::SendAnotherInMinutes, minutes, &[])))
    };
    // A failed re-check of the record on screen: said quietly, the record
    // kept (it counts down every second: not a live region).
    let stale_text = move || {
        let msgs = messages.get();
        let retry = retry_at.get().filter(|_| !checking.get());
        stale.with(|st| {
            st.as_ref()
                .map(|st| stale_line(st, checked_at.get(), retry, now.get(), &intl(&msgs), &msgs))
        })
    };
    // When the widget tries again by itself after a failed check (not a
    // live region: it counts down every second).
    let retry = move || {
        let at = state.pending_retry().filter(|_| stale.with(Option::is_none))?;
        let msgs = messages.get();
        // "Not ready yet" says its next check in the lead already.
        problem.with(|p| {
            p.as_ref()
                .filter(|p| !p.not_ready())
                .map(|p| retry_line(p, at, now.get(), &intl(&msgs), &msgs))
        })
    };
    // The button stays in the DOM and is only `aria-disabled` while busy or
    // cooling down, so keyboard focus stays on it; when a press ends in a
    // state without a button (verified), focus moves to the headline.
    let headline = NodeRef::<leptos::html::H2>::new();
    let pressed = Rc::new(Cell::new(false));
    let was_pressed = pressed.clone();
    effect(Box::new(move |_| {
        if action().is_none() && was_pressed.replace(false) {
            if let Some(h) = headline.get_untracked() {
                let _ = h.focus();
            }
        }
    }));
    let on_action = Rc::new(on_action);
    let click = move |_| {
        if let Some(a) = untrack(action) {
            if !a.busy && a.wait_until.is_none() {
                pressed.set(true);
                on_action(a.kind);
            }
        }
    };

    view! {
        <article
            class="card"
            part="card"
            // The language of the words (screen readers, CSS `uppercase`).
            lang=move || messages.with(|m| m.locale().to_owned())
            // (`Some`: the same value type as the other reactive
            // attributes, so they share one instantiation.)
            data-tone=move || Some(tone().as_str())
            aria-busy=move || (screen() == Screen::Loading).then_some("true")
        >
            <header class="head">
                // The status icon, drawn inline (never `innerHTML`), hidden
                // from assistive technology because the label next to it
                // says the same in words.
                <svg
                    class="icon"
                    part="icon"
                    viewBox="0 0 24 24"
                    width="24"
                    height="24"
                    aria-hidden="true"
                    focusable="false"
                    fill="none"
                    stroke="currentColor"
                    stroke-width="2"
                    stroke-linecap="round"
                    stroke-linejoin="round"
                >
                    <circle cx="12" cy="12" r="10"></circle>
                    <path d=move || Some(icon_mark(tone()))></path>
                </svg>
                <div class="titles" role="status" aria-live="polite" aria-atomic="true" part="status">
                    <p class="label">{text(move || words().label)}</p>
                    <h2 class="headline" tabindex="-1" node_ref=headline>
                        {dynamic(move || with_address(words().headline, email()))}
                    </h2>
                </div>
            </header>
            <p class="lead" hidden=move || words().lead.is_empty()>
                {dynamic(move || with_address(words().lead, email()))}
            </p>
            <p class="checked" part="checked" hidden=move || checked().is_none()>
                {text(move || checked().unwrap_or_default())}
            </p>
            {dynamic(move || deadline().into_any())}
            {dynamic(move || domains().into_any())}
            <p class="stale" part="stale" hidden=move || stale.with(Option::is_none)>
                {text(move || stale_text().unwrap_or_default())}
            </p>
            <div class="actions" part="actions">
                {dynamic(move || edit_link().into_any())}
                <button
                    type="button"
                    id="rv-action"
                    class="primary"
                    part="button"
                    aria-labelledby=named_by
                    hidden=move || action().is_none()
                    aria-disabled=move || {
                        action().is_some_and(|a| a.busy || a.wait_until.is_some()).then_some("true")
                    }
                    on:click=click
                >
                    {text(move || action().map(|a| a.label).unwrap_or_default())}
                </button>
                <p class="note" id="rv-note" role="status" aria-live="polite" data-outcome=sent>
                    {note}
                </p>
                <span id="rv-wait" hidden>{text(move || wait_minutes().unwrap_or_default())}</span>
                <p class="countdown retry" hidden=move || retry().is_none()>
                    {text(move || retry().unwrap_or_default())}
                </p>
                <p class="countdown" id="rv-countdown" hidden=move || countdown().is_none()>
                    // The clock sits where the template says `{countdown}`.
                    {dynamic(move || {
                        messages
                            .with(|m| m.parts(Msg::SendAnotherIn))
                            .into_iter()
                            .map(|part| match part {
                                Part::Value(name) if name == "countdown" => view! {
                                    <span class="clock">{text(move || countdown().unwrap_or_default())}</span>
                                }
                                .into_any(),
                                Part::Value(name) => format!("{{{name}}}").into_any(),
                                Part::Text(text) => text.into_any(),
                            })
                            .collect_view()
                            .into_any()
                    })}
                </p>
            </div>
        </article>
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

/// How long an event that asks for a status check waits, so that a burst
/// of events makes one request.
const EVENT_REFETCH_MS: u64 = 200;

/// The widget's side effects, shared by its event handlers and timers.
#[derive(Clone)]
struct Controller {
    state: CardState,
    live: Rc<Live>,
    host: HtmlElement,
}

impl Controller {
    fn context(&self, config: &Config, now: DateTime<Utc>) -> Context {
        let last = config
            .status_target()
            .ok()
            .and_then(|(provider, url)| browser::load_last_resend(provider, url));
        let mut ctx =
            Context::new(now).single_contact().changed_at(config.changed_at).last_resend(last);
        ctx.policy.cooldown = config.cooldown;
        ctx
    }

    fn report(&self, problem: &Problem, during: &str) {
        let detail = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&detail, &JsValue::from_str(k), &v);
        };
        set("kind", problem.kind().into());
        set("message", problem.message_in(&self.state.messages.get_untracked()).into());
        set("status", problem.status().map_or(JsValue::NULL, JsValue::from));
        set("detail", problem.detail().into());
        set("during", during.into());
        if problem.for_developer() {
            browser::warn(&format!("<registrant-verification>: {}", problem.detail()));
        }
        let retry_at = self.state.retry_at.get_untracked().filter(|_| during == "status");
        set("retryAt", retry_at.map_or(JsValue::NULL, |t| rfc3339::format(&t).into()));
        browser::dispatch(&self.host, "verification-error", &detail);
    }

    /// Loads the status now (and schedules the next check).
    fn check(&self) {
        let this = self.clone();
        spawn_local(async move { this.check_now().await });
    }

    async fn check_now(&self) {
        let s = self.state;
        let config = s.config.get_untracked();
        self.cancel_recheck();
        let (provider, url) = match config.status_target() {
            Ok(t) => t,
            Err(p) => {
                s.problem.set(Some(p.clone()));
                self.report(&p, "status");
                return;
            }
        };
        let generation = self.live.generation.get() + 1;
        self.live.generation.set(generation);
        s.retry_at.set(None);
        s.checking.set(true);
        let request = |token: Option<&str>| {
            let r = Request::get(url)
                .header("Accept", "application/json")
                .credentials(RequestCredentials::SameOrigin);
            browser::with_bearer(r, token)
        };
        let answer = browser::authorized(&self.live, &self.host, request, None).await;
        if !self.live.alive() || self.live.generation.get() != generation {
            return;
        }
        s.checking.set(false);
        let now = browser::now();
        s.now.set(now);
        let ctx = self.context(&config, now);
        let Some(answer) = browser::answered(answer) else { return };
        let result = answer.and_then(|a| evaluate(provider, &a, &ctx));
        match result {
            Ok(record) => {
                self.live.failures.set(0);
                s.checked_at.set(Some(now));
                s.stale.set(None);
                self.show(record, now, &config);
            }
            Err(p) => {
                if p.not_ready() {
                    s.checked_at.set(Some(now));
                }
                // A record on screen stays there through a failed re-check
                // (an outage, a lost session): the registrant keeps their
                // deadline, domains and Resend, with a quiet line. Setup
                // problems and "not ready yet" still take the card.
                let keep = !p.not_ready()
                    && p.retries_by_itself()
                    && p.registrant_can_retry()
                    && s.problem.with_untracked(Option::is_none)
                    && s.record.with_untracked(Option::is_some);
                // Re-check by itself, backing off (see `retry_delay`).
                let delay = p.retries_by_itself().then(|| {
                    let failures = self.live.failures.get().saturating_add(1);
                    self.live.failures.set(failures);
                    retry_delay(failures, config.refresh, p.retry_at(), now)
                });
                s.retry_at.set(delay.map(|d| now + d));
                if keep {
                    s.stale.set(Some(Stale { problem: p.clone(), failed_at: now }));
                } else {
                    s.stale.set(None);
                    s.problem.set(Some(p.clone()));
                }
                self.report(&p, "status");
                if let Some(delay) = delay {
                    self.schedule(delay.to_std().unwrap_or(Duration::from_secs(5)));
                }
            }
        }
    }

    /// Checks again after `after` (at most [`MAX_TIMER_SECS`]), or, if the
    /// page is hidden then, as soon as it shows again.
    fn schedule(&self, after: Duration) {
        let after = after.min(Duration::from_secs(MAX_TIMER_SECS.unsigned_abs()));
        self.cancel_recheck();
        let token = self.live.recheck_token.get();
        let this = self.clone();
        let fire = move || {
            // A timer that was superseded does nothing, even if clearing
            // it did not work (a fake clock's timer ids may not round-trip
            // through the i32 handle).
            if !this.live.alive() || this.live.recheck_token.get() != token {
                return;
            }
            if browser::page_hidden() {
                this.live.due.set(true);
            } else {
                this.check();
            }
        };
        if let Ok(handle) = set_timeout_with_handle(fire, after) {
            if let Some(old) = self.live.recheck.replace(Some(handle)) {
                old.clear();
            }
        }
    }

    /// Re-plans the refresh timer when the stream opened or failed: from
    /// the last successful check, at the interval now in force. A failed
    /// check's retry, and a check in flight, plan their own.
    fn replan(&self) {
        let s = self.state;
        if s.checking.get_untracked() || s.problem.with_untracked(Option::is_some) {
            return;
        }
        let Some(record) = s.record.get_untracked() else { return };
        let refresh = s.config.with_untracked(|c| c.refresh);
        let now = browser::now();
        // (The problem is none here, so this is the last successful check.)
        let last = s.checked_at.get_untracked().unwrap_or(now);
        match next_check(Some(&record), poll_interval(refresh, self.live.streaming.get()), last) {
            Some(wait) => {
                let left = (last + wait - now).max(chrono::TimeDelta::zero());
                self.schedule(left.to_std().unwrap_or_default());
            }
            None => self.cancel_recheck(),
        }
    }

    /// Opens the `events-url` stream, unless there is none, the page is
    /// hidden, or one is open already.
    fn connect(&self) {
        let live = &self.live;
        if !live.alive() || browser::page_hidden() {
            return;
        }
        if live.stream.borrow().as_ref().is_some_and(|s| !s.is_closed()) {
            return;
        }
        let Some(url) = self.state.config.with_untracked(|c| c.events_url.clone()) else {
            return;
        };
        live.close_stream();
        live.stream_mark.set(live.generation.get());
        let (a, b, c) = (self.clone(), self.clone(), self.clone());
        let stream = browser::EventStream::open(
            &self.host,
            &url,
            move || a.stream_opened(),
            move |closed| b.stream_failed(closed),
            move |data| c.stream_event(&data),
        );
        *live.stream.borrow_mut() = stream;
    }

    /// Closes the stream; the refresh timer takes over.
    fn disconnect(&self) {
        let was = self.live.streaming.get();
        self.live.close_stream();
        if was {
            self.replan();
        }
    }

    /// The stream is open: the refresh timer slows down. If nothing was
    /// checked since it began to (re)connect, an event may have been
    /// missed meanwhile: check once.
    fn stream_opened(&self) {
        let live = &self.live;
        if !live.alive() {
            return;
        }
        let was = live.streaming.replace(true);
        if live.generation.get() == live.stream_mark.get() {
            self.check();
        } else if !was {
            self.replan();
        }
    }

    /// The stream failed: back to the normal refresh. The browser
    /// reconnects by itself unless it gave up (`closed`: an answer other
    /// than an event stream); then the stream is opened again when the tab
    /// shows again or `events-url` changes.
    fn stream_failed(&self, _closed: bool) {
        let live = &self.live;
        if !live.alive() {
            return;
        }
        live.stream_mark.set(live.generation.get());
        if live.streaming.replace(false) {
            self.replan();
        }
    }

    /// One event: a verified record is shown at once; any other readable
    /// one for this contact asks for one status check (a burst of events
    /// makes one request); anything else is ignored, with one warning on
    /// the console.
    fn stream_event(&self, data: &str) {
        let s = self.state;
        if !self.live.alive() {
            return;
        }
        let config = s.config.get_untracked();
        let Ok((provider, _)) = config.status_target() else { return };
        let now = browser::now();
        let ctx = self.context(&config, now);
        let reading = evaluate_response(provider, &Response::ok(data), &ctx);
        match s.record.with_untracked(|prev| event_action(prev.as_ref(), reading)) {
            EventAction::Apply(record) => self.apply_event(record, now, &config),
            // Its own timer: the answer of a check in flight (which may
            // predate the event) must not cancel it.
            EventAction::Refetch if !self.live.refetch_queued.replace(true) => {
                let this = self.clone();
                let fire = move || {
                    if this.live.alive() && this.live.refetch_queued.replace(false) {
                        if browser::page_hidden() {
                            this.live.due.set(true);
                        } else {
                            this.check();
                        }
                    }
                };
                set_timeout(fire, Duration::from_millis(EVENT_REFETCH_MS));
            }
            EventAction::Refetch => {}
            EventAction::Ignore(why) => {
                if !self.live.warned.replace(true) {
                    browser::warn(&format!(
                        "<registrant-verification>: ignored an event from events-url ({why}); \
                         further unusable events are ignored silently"
                    ));
                }
            }
        }
    }

    /// Shows a record an event carried, as a status check would.
    fn apply_event(&self, record: Record, now: DateTime<Utc>, config: &Config) {
        let s = self.state;
        self.cancel_recheck();
        // A check in flight read the status before this event: its answer
        // is dropped (see `check_now`).
        self.live.generation.set(self.live.generation.get() + 1);
        self.live.failures.set(0);
        s.checked_at.set(Some(now));
        s.checking.set(false);
        s.retry_at.set(None);
        s.now.set(now);
        self.show(record, now, config);
    }

    /// Shows a record (from a status check or an event): clears the
    /// problem, tells the page when it changed, schedules the next check.
    fn show(&self, record: Record, now: DateTime<Utc>, config: &Config) {
        let s = self.state;
        let record = config.fill_domains(record);
        // Verified ends a suspension: a later verification of this contact
        // must not start out "suspended" from the memory of this one.
        if record.status == verification_core::Status::Verified {
            if let Ok((provider, url)) = config.status_target() {
                browser::forget_suspension(provider, url);
            }
        }
        let changed = s.record.with_untracked(|prev| record_changed(prev.as_ref(), &record));
        let detail = changed.then(|| browser::to_js(&record));
        let streaming = self.live.streaming.get();
        let wait = next_check(Some(&record), poll_interval(config.refresh, streaming), now);
        s.problem.set(None);
        s.record.set(Some(record));
        if let Some(detail) = detail {
            browser::dispatch(&self.host, "verification-change", &detail);
        }
        if let Some(wait) = wait {
            self.schedule(wait.to_std().unwrap_or(Duration::from_secs(5)));
        }
    }

    /// Cancels the scheduled re-check, if any: at most one is pending.
    fn cancel_recheck(&self) {
        self.live.recheck_token.set(self.live.recheck_token.get().wrapping_add(1));
        if let Some(t) = self.live.recheck.take() {
            t.clear();
        }
    }

    /// Sends the verification email again (one intent, one key).
    fn resend(&self) {
        // Claim the intent before yielding to the event loop, so two clicks
        // in one task (or a double click) are one intent, one request.
        if self.live.sending.replace(true) {
            return;
        }
        let this = self.clone();
        spawn_local(async move {
            this.resend_now().await;
            this.live.sending.set(false);
        });
    }

    async fn resend_now(&self) {
        let s = self.state;
        let config = s.config.get_untracked();
        let Some(record) = s.record.get_untracked() else { return };
        let Ok(plan) = ResendPlan::for_record(&record) else { return };
        let Ok((provider, status_url)) = config.status_target() else { return };
        let Some(resend_url) = config.resend_url.clone() else {
            let p = Problem::Config("the `resend-url` attribute is missing".into());
            s.phase.set(ResendPhase::Failed(p.clone()));
            self.report(&p, "resend");
            return;
        };
        s.phase.set(ResendPhase::Sending);
        let key = browser::intent_key(provider, status_url);
        // The operation is a fixed ASCII word: nothing to escape.
        let body = format!(r#"{{"operation":"{}"}}"#, plan.operation.as_str());
        let request = |token: Option<&str>| {
            let r = Request::post(&resend_url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("X-Requested-With", "registrant-verification")
                .header("X-Idempotency-Key", &key)
                .credentials(RequestCredentials::SameOrigin);
            browser::with_bearer(r, token)
        };
        let mut answer =
            browser::authorized(&self.live, &self.host, &request, Some(body.clone())).await;
        // The same intent is running elsewhere (another instance of the
        // gateway, another tab): ask again with the same key for its answer.
        for _ in 0..10 {
            if !browser::in_progress(&answer) || !self.live.alive() {
                break;
            }
            browser::sleep(1000).await;
            answer =
                browser::authorized(&self.live, &self.host, &request, Some(body.clone())).await;
        }
        if !self.live.alive() {
            return;
        }
        let now = browser::now();
        s.now.set(now);
        let ctx = self.context(&config, now);
        let Some(answer) = browser::answered(answer) else { return };
        let result = answer.and_then(|a| a.interpret_resend(provider, &ctx).map_err(Problem::Core));
        if result.as_ref().map_or_else(Problem::settles_intent, |_| true) {
            browser::settle_intent(provider, status_url);
        }
        match result {
            Ok(outcome) => {
                if let Some(last) = outcome.to_last_resend(now) {
                    // A new email does not lift a suspension: the record
                    // stays suspended until the registrar says verified.
                    let last = last.while_suspended(record.suspended);
                    browser::save_last_resend(provider, status_url, &last);
                }
                browser::dispatch(&self.host, "verification-resend", &browser::to_js(&outcome));
                s.phase.set(ResendPhase::Done(outcome));
                self.check_now().await;
            }
            Err(p) => {
                s.phase.set(ResendPhase::Failed(p.clone()));
                self.report(&p, "resend");
            }
        }
    }
}

fn evaluate(
    provider: verification_core::Provider,
    a: &Answer,
    ctx: &Context,
) -> Result<Record, Problem> {
    single_record(a.evaluate(provider, ctx).map_err(Problem::Core)?)
}
