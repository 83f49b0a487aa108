//! Paging: reads every page of the registrar's list through `list-url`
//! (name.com `page`/`perPage`, Openprovider `limit`/`offset`), stopping by
//! the core's [`verification_core::Page`], evaluates each page with the
//! core and hands the rows, most urgent first, to the list's state.
//!
//! Performance marks (`performance.getEntriesByName`): `rvl-load-start`,
//! `rvl-fetched` (the first page's body arrived), `rvl-evaluated`,
//! `rvl-rendered`; measure `rvl-parse-render` spans fetched → rendered.

use super::{Ctl, ListStats, Load};
use crate::{
    browser,
    list_model::{counts, rows, PageRequest, MAX_PAGES},
    model::Problem,
};
use chrono::{DateTime, Utc};
use gloo_net::http::Request;
use leptos::{prelude::*, task::spawn_local};
use std::time::Duration;
use verification_core::{Context, Evaluation, Provider, Record, RowError};
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

fn mark(name: &str) {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    if let Some(perf) = perf.filter(JsValue::is_object) {
        if let Ok(f) = js_sys::Reflect::get(&perf, &"mark".into()) {
            if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                let _ = f.call1(&perf, &name.into());
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

impl Ctl {
    /// Reads every page again (a newer load supersedes an older one).
    pub(super) fn load(&self) {
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
        let stats = ListStats {
            total: c.total,
            overdue: c.overdue,
            suspended: c.suspended,
            critical: c.critical,
            row_errors: errors.len(),
            pages,
            parse_render_ms: None,
        };
        s.now.set(now);
        s.rows.set(std::sync::Arc::new(sorted));
        s.row_errors.set(errors);
        s.selected.update(|sel| sel.clear());
        s.load.set(Load::Ready);
        let _ = self.host.set_attribute("data-state", "ready");
        self.stats.set(Some(stats.clone()));
        // With `queue-url`, the gateway's queue (which names rows by id:
        // their emails come from the rows just read).
        self.follow_gateway();
        // After the DOM update, layout and paint: mark the first render.
        let host = self.host.clone();
        request_animation_frame(move || {
            set_timeout(
                move || {
                    mark("rvl-rendered");
                    let ms = measure("rvl-parse-render", "rvl-fetched", "rvl-rendered");
                    let detail = ListStats { parse_render_ms: Some(ms), ..stats };
                    browser::dispatch(&host, "verification-list-load", &browser::to_js(&detail));
                },
                Duration::ZERO,
            );
        });
    }
}

/// Merges Openprovider pages into one envelope so the core groups rows of
/// one email across page boundaries (and numbers row errors list-wide).
fn merge_openprovider(bodies: &[String], now: DateTime<Utc>) -> Option<Evaluation> {
    use verification_core::json::{canonical, parse};
    let mut out = String::from(r#"{"code":0,"desc":"","data":{"results":["#);
    let mut total = None;
    let mut first = true;
    for body in bodies {
        let env = parse(body).ok()?;
        let data = env.get("data")?;
        total = data.get("total").filter(|t| !t.is_null()).map(canonical).or(total);
        for row in data.get("results")?.items()? {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(row.raw);
        }
    }
    out.push_str("],\"total\":");
    out.push_str(total.as_deref().unwrap_or("null"));
    out.push_str("}}");
    verification_core::evaluate(Provider::Openprovider, &out, &Context::new(now)).ok()
}
