//! [`Card`]: what the registrant sees, drawn from a [`CardState`]'s signals.

use super::*;

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
        let (left, when) = deadline_line(screen(), &r, &dates::dates(&msgs), &msgs)?;
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
                checked_line(screen(), r.as_ref(), p.as_ref(), at, now, &dates::dates(&msgs), &msgs)
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
                    resend_note(r.as_ref(), ph, now.get_untracked(), &dates::dates(&msgs), &msgs)
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
            st.as_ref().map(|st| {
                stale_line(st, checked_at.get(), retry, now.get(), &dates::dates(&msgs), &msgs)
            })
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
                .map(|p| retry_line(p, at, now.get(), &dates::dates(&msgs), &msgs))
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
                    // What it does (`define.js` keeps a press of the
                    // gateway's card for the wasm to carry out).
                    data-action=move || action().map(|a| a.kind.as_str())
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
