//! The widget's side effects: status reads, resends, timers, the live
//! stream, host attributes and events, shared by its handlers.

use super::*;

/// How long an event that asks for a status check waits, so that a burst
/// of events makes one request.
pub(super) const EVENT_REFETCH_MS: u64 = 200;

/// The widget's side effects, shared by its event handlers and timers.
#[derive(Clone)]
pub(super) struct Controller {
    pub(super) state: CardState,
    pub(super) live: Rc<Live>,
    pub(super) host: HtmlElement,
}

impl Controller {
    pub(super) fn context(&self, config: &Config, now: DateTime<Utc>) -> Context {
        let last = config
            .status_target()
            .ok()
            .and_then(|(provider, url)| browser::load_last_resend(provider, url));
        status_context(config, now, last)
    }

    pub(super) fn report(&self, problem: &Problem, during: &str) {
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
    pub(super) fn check(&self) {
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
                if self.live.pressed.replace(false) {
                    self.carry_out_press(now);
                }
            }
            Err(p) => {
                let (failures, delay) = s.failed(p.clone(), now, self.live.failures.get());
                self.live.failures.set(failures);
                self.report(&p, "status");
                if let Some(delay) = delay {
                    self.schedule(delay.to_std().unwrap_or(Duration::from_secs(5)));
                }
            }
        }
    }

    /// Checks again after `after` (at most [`MAX_TIMER_SECS`]), or, if the
    /// page is hidden then, as soon as it shows again.
    pub(super) fn schedule(&self, after: Duration) {
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
    pub(super) fn replan(&self) {
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
    pub(super) fn connect(&self) {
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
    pub(super) fn disconnect(&self) {
        let was = self.live.streaming.get();
        self.live.close_stream();
        if was {
            self.replan();
        }
    }

    /// The stream is open: the refresh timer slows down. If nothing was
    /// checked since it began to (re)connect, an event may have been
    /// missed meanwhile: check once.
    pub(super) fn stream_opened(&self) {
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
    pub(super) fn stream_failed(&self, _closed: bool) {
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
    pub(super) fn stream_event(&self, data: &str) {
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
    pub(super) fn apply_event(&self, record: Record, now: DateTime<Utc>, config: &Config) {
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
    pub(super) fn show(&self, record: Record, now: DateTime<Utc>, config: &Config) {
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

    /// Sends the email the registrant asked for on the card painted before
    /// the wasm, if Resend is what the card now offers and it is not
    /// waiting (a cooldown the wasm knows of, say, from an earlier send).
    fn carry_out_press(&self, now: DateTime<Utc>) {
        let s = self.state;
        let offered = s.messages.with_untracked(|m| {
            s.record.with_untracked(|r| {
                s.phase.with_untracked(|ph| {
                    primary_action(s.screen(), None, r.as_ref(), false, ph, now, m)
                })
            })
        });
        if offered
            .is_some_and(|a| a.kind == ActionKind::Resend && !a.busy && a.wait_until.is_none())
        {
            self.resend();
        }
    }

    /// Cancels the scheduled re-check, if any: at most one is pending.
    pub(super) fn cancel_recheck(&self) {
        self.live.recheck_token.set(self.live.recheck_token.get().wrapping_add(1));
        if let Some(t) = self.live.recheck.take() {
            t.clear();
        }
    }

    /// Sends the verification email again (one intent, one key).
    pub(super) fn resend(&self) {
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

pub(super) fn evaluate(
    provider: verification_core::Provider,
    a: &Answer,
    ctx: &Context,
) -> Result<Record, Problem> {
    single_record(a.evaluate(provider, ctx).map_err(Problem::Core)?)
}
