//! The resend queue. With `queue-url` (the gateway, `serve`) the gateway
//! plans, paces and sends a bulk (or one row's) resend: the list posts the
//! contacts with their operations, shows the gateway's queue and asks for
//! it again every few seconds while something waits (and every 30 s
//! otherwise), so every staff browser sees it and closing the tab loses
//! nothing. Without it this tab does: the resends are planned by the
//! registrar's rate limits ([`plan_bulk`]) and sent one by one, paced by a
//! timer; the send times of the last hour live in localStorage, so a
//! reload does not reset the account budget, and while sends wait, leaving
//! the page asks first.

use super::{Confirm, Ctl};
use crate::{
    browser,
    i18n::ListMsg,
    list_model::{
        finished_since, from_gateway, plan_bulk, prune_log, queue_outcome, send_log_key,
        GatewayQueue, QueueState, Queued, SentAt, Skipped, Why, CONFIRM_ABOVE,
    },
    model::Problem,
};
use chrono::{DateTime, TimeDelta, Utc};
use gloo_net::http::Request;
use leptos::{prelude::*, task::spawn_local};
use serde::Serialize;
use std::{collections::HashSet, time::Duration};
use verification_core::{resend::ResendKind, Context, Record};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use web_sys::RequestCredentials;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_log(key: &str) -> Vec<SentAt> {
    storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .map(|t| SentAt::log_from_json(&t))
        .unwrap_or_default()
}

fn save_log(key: &str, log: &[SentAt]) {
    let text = js_sys::JSON::stringify(&browser::to_js(log)).ok().and_then(|t| t.as_string());
    if let (Some(s), Some(text)) = (storage(), text) {
        let _ = s.set_item(key, &text);
    }
}

/// A `verification-list-resend` event's `detail`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResendDetail<'a> {
    contact: &'a str,
    email: &'a str,
    /// A `ResendKind`'s name, `queued` or `error`.
    outcome: &'a str,
    #[serde(with = "verification_core::time::rfc3339::option")]
    next_eligible_at: Option<DateTime<Utc>>,
    message: Option<String>,
}

/// `{"operation": …}` and the like: a JSON object of string fields.
fn json_object(fields: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        verification_core::json::write_str(&mut out, k);
        out.push(':');
        verification_core::json::write_str(&mut out, v);
    }
    out.push('}');
    out
}

/// `true` while a queued resend has not gone yet.
fn open(q: &Queued) -> bool {
    matches!(q.state, QueueState::Waiting | QueueState::Sending)
}

impl Ctl {
    fn log_key(&self) -> Option<String> {
        let c = self.s.config.get_untracked();
        Some(send_log_key(c.provider.ok()?, c.list_url.as_deref()?))
    }

    /// The plan for resending to `ids` now: what goes when, what is left
    /// out and why. Counts the sends of the last hour and the queue's own
    /// future slots against the limits; contacts already queued are not
    /// queued twice.
    fn plan(&self, ids: &HashSet<String>) -> (Vec<Queued>, Vec<Skipped>) {
        let s = self.s;
        let config = s.config.get_untracked();
        let now = browser::now();
        let mut log = self.log_key().map(|k| load_log(&k)).unwrap_or_default();
        prune_log(&mut log, now, TimeDelta::hours(1));
        let waiting: HashSet<String> = s.queue.with_untracked(|q| {
            log.extend(
                q.iter()
                    .filter(|q| open(q))
                    .map(|q| SentAt { contact: q.contact.clone(), at: q.at }),
            );
            q.iter().filter(|q| open(q)).map(|q| q.contact.clone()).collect()
        });
        let rows = s.rows.get_untracked();
        let chosen: Vec<&Record> = rows
            .iter()
            .filter(|r| ids.contains(&r.id) && !waiting.contains(&r.id))
            .map(|r| &r.record)
            .collect();
        plan_bulk(&chosen, &log, config.account_limit(), config.contact_limit(), now, browser::uuid)
    }

    /// The bulk button: more than [`CONFIRM_ABOVE`] contacts ask first
    /// (saying how long the pacing takes); fewer are queued at once.
    pub(super) fn ask_bulk(&self) {
        let ids = self.s.selected.get_untracked();
        if ids.len() <= CONFIRM_ABOVE {
            return self.resend(&ids);
        }
        let (queued, _) = self.plan(&ids);
        self.s.now.set(browser::now());
        let last = queued.iter().map(|q| q.at).max();
        let contacts = ids.len();
        self.s.confirm.set(Some(Confirm { ids, contacts, emails: queued.len(), last }));
    }

    /// The gateway's queue URL, when the gateway sends (`queue-url`).
    pub(super) fn by_gateway(&self) -> Option<String> {
        self.s.config.with_untracked(|c| c.queue_url.clone())
    }

    /// Asks the gateway's queue (`GET`, `POST` with `body`, `DELETE`) and
    /// shows what it answers; a failure is reported as any list error.
    async fn gateway_queue(&self, url: &str, method: &str, body: Option<String>) {
        let build = |token: Option<&str>| {
            let r = match method {
                "POST" => Request::post(url).header("Content-Type", "application/json"),
                "DELETE" => Request::delete(url),
                _ => Request::get(url),
            }
            .header("Accept", "application/json")
            .header("X-Requested-With", "registrant-verification")
            .credentials(RequestCredentials::SameOrigin);
            browser::with_bearer(r, token)
        };
        let answer = browser::authorized(&self.live, &self.host, build, body).await;
        if !self.live.alive() {
            return;
        }
        let s = self.s;
        match browser::answered(answer) {
            Some(Ok(a)) if (200..300).contains(&a.status) => {
                match GatewayQueue::from_json(&a.body) {
                    Ok(q) => {
                        s.now.set(browser::now());
                        let rows = s.rows.get_untracked();
                        let next = from_gateway(q, &rows);
                        // What the gateway finished since the last look
                        // is told as this tab's own sends are.
                        let m = s.msgs.get_untracked();
                        let events: Vec<JsValue> = s.queue.with_untracked(|prev| {
                            finished_since(prev, &next)
                                .into_iter()
                                .map(|q| {
                                    let message = match &q.state {
                                        QueueState::Failed(w) | QueueState::Done(w) => {
                                            Some(w.text(&m))
                                        }
                                        _ => None,
                                    };
                                    browser::to_js(&ResendDetail {
                                        contact: &q.contact,
                                        email: &q.email,
                                        outcome: queue_outcome(&q.state),
                                        next_eligible_at: None,
                                        message,
                                    })
                                })
                                .collect()
                        });
                        s.queue.set(next);
                        for detail in events {
                            browser::dispatch(&self.host, "verification-list-resend", &detail);
                        }
                    }
                    Err(e) => self.error_event(
                        &Problem::BadRows(format!("the gateway's queue: {e}")),
                        "queue",
                    ),
                }
            }
            Some(Ok(a)) => {
                let provider = s.config.with_untracked(|c| c.provider.clone());
                if let Ok(p) = provider {
                    let ctx = Context::new(browser::now());
                    if let Err(e) = a.interpret_resend(p, &ctx) {
                        self.error_event(&Problem::Core(e), "queue");
                    }
                }
            }
            Some(Err(p)) => self.error_event(&p, "queue"),
            None => {}
        }
    }

    /// With `queue-url`: reads the gateway's queue now and again (every 5 s
    /// while something waits or is being sent, else every 30 s) for as long
    /// as the list is mounted. One loop per list.
    pub(super) fn follow_gateway(&self) {
        if self.by_gateway().is_none() || self.syncing.replace(true) {
            return;
        }
        let this = self.clone();
        spawn_local(async move {
            while this.live.alive() {
                let Some(url) = this.by_gateway() else { break };
                this.gateway_queue(&url, "GET", None).await;
                let busy = this.s.queue.try_with_untracked(|q| q.iter().any(open)) == Some(true);
                browser::sleep(if busy { 5_000 } else { 30_000 }).await;
            }
            this.syncing.set(false);
        });
    }

    /// Queues a resend to every contact of `ids` and starts sending (here,
    /// or by the gateway with `queue-url`).
    pub(super) fn resend(&self, ids: &HashSet<String>) {
        let s = self.s;
        s.confirm.set(None);
        s.now.set(browser::now());
        let (queued, skipped) = self.plan(ids);
        s.skipped.set(skipped);
        if let Some(url) = self.by_gateway() {
            let items: Vec<String> = queued
                .iter()
                .map(|q| json_object(&[("contact", &q.contact), ("operation", q.operation)]))
                .collect();
            s.selected.update(|sel| sel.retain(|id| !ids.contains(id)));
            if items.is_empty() {
                return;
            }
            let body = format!("{{\"items\":[{}]}}", items.join(","));
            let this = self.clone();
            spawn_local(async move {
                this.gateway_queue(&url, "POST", Some(body)).await;
                this.follow_gateway();
            });
            return;
        }
        s.queue.update(|q| {
            q.retain(|q| !matches!(q.state, QueueState::Sent | QueueState::Done(_)));
            q.extend(queued);
            q.sort_by_key(|q| q.at);
        });
        s.selected.update(|sel| sel.retain(|id| !ids.contains(id)));
        self.pump();
    }

    /// Drops every queued resend that has not gone yet.
    pub(super) fn cancel(&self) {
        if let Some(url) = self.by_gateway() {
            let this = self.clone();
            spawn_local(async move { this.gateway_queue(&url, "DELETE", None).await });
            return;
        }
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
        let body = json_object(&[("operation", item.operation)]);
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
            Ok(o) => ResendDetail {
                contact: &item.contact,
                email: &item.email,
                outcome: o.outcome.as_str(),
                next_eligible_at: o.next_eligible_at,
                message: o.message.clone(),
            },
            Err(p) => ResendDetail {
                contact: &item.contact,
                email: &item.email,
                outcome: "error",
                next_eligible_at: None,
                message: Some(s.msgs.with_untracked(|m| p.message_in(m))),
            },
        };
        let detail = browser::to_js(&detail);
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
        browser::dispatch(&self.host, "verification-list-resend", &detail);
    }

    /// While resends wait in this tab, leaving the page asks first (the
    /// browser's own "Leave site?" dialog): closing the tab would drop
    /// them. (With `queue-url` they wait in the gateway: no question.)
    /// Returns the listener, to remove on unmount.
    pub(super) fn guard_leaving(&self) -> Option<Closure<dyn FnMut(web_sys::Event)>> {
        let (queue, config) = (self.s.queue, self.s.config);
        let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let here = config.try_with_untracked(|c| c.queue_url.is_none()) == Some(true);
            if here
                && queue.try_with_untracked(|q| q.iter().any(|x| x.state == QueueState::Waiting))
                    == Some(true)
            {
                ev.prevent_default();
                // Older browsers show the dialog only with a return value.
                let _ = js_sys::Reflect::set(&ev, &"returnValue".into(), &JsValue::from_str(""));
            }
        });
        web_sys::window()?
            .add_event_listener_with_callback("beforeunload", cb.as_ref().unchecked_ref())
            .ok()?;
        Some(cb)
    }
}
