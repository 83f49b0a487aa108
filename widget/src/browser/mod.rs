//! Thin wrappers over the browser: the clock, `Intl` date formatting,
//! localStorage, `crypto.randomUUID`, custom events, and `fetch` with a
//! timeout and an `AbortController`.
//!
//! Every call here tolerates a browser that lacks the feature or refuses it
//! (storage disabled in a sandboxed iframe, an invalid locale tag, an
//! insecure context without `randomUUID`): the widget degrades, it never
//! panics.

use crate::model::{DateFormat, Problem, REQUEST_TIMEOUT_SECS};
use chrono::{DateTime, TimeZone, Utc};
use gloo_net::http::RequestBuilder;
use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::{set_timeout_with_handle, IntervalHandle, TimeoutHandle};
use serde::Serialize;
use std::{
    cell::{Cell, RefCell},
    rc::Rc,
    time::Duration,
};
use verification_core::{
    resend::{LastResend, ResendOutcome},
    Context, Evaluation, Provider, Response,
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, CustomEvent, CustomEventInit, HtmlElement, RequestCredentials};

mod fetch;
pub use fetch::*;

/// The current time, from the browser's clock.
pub fn now() -> DateTime<Utc> {
    ms_to_utc(js_sys::Date::now()).unwrap_or_default()
}

/// Milliseconds since the epoch as a UTC instant.
pub fn ms_to_utc(ms: f64) -> Option<DateTime<Utc>> {
    if !ms.is_finite() {
        return None;
    }
    Utc.timestamp_millis_opt(ms as i64).single()
}

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// `locale` when it is a valid BCP 47 tag, canonicalized.
pub fn valid_locale(tag: &str) -> Option<String> {
    let intl = get(&js_sys::global(), "Intl")?;
    let canon: Function = get(&intl, "getCanonicalLocales")?.dyn_into().ok()?;
    let out = canon.call1(&intl, &JsValue::from_str(tag)).ok()?;
    Array::from(&out).get(0).as_string()
}

/// The locale for a widget: its `locale` attribute, else the closest
/// `[lang]` ancestor, else the document's language, else the browser's.
pub fn resolve_locale(host: &HtmlElement, attribute: Option<&str>) -> String {
    let from_tree = || host.closest("[lang]").ok().flatten().and_then(|e| e.get_attribute("lang"));
    let from_doc = || web_sys::window()?.document()?.document_element()?.get_attribute("lang");
    let from_nav = || web_sys::window()?.navigator().language();
    [attribute.map(str::to_owned), from_tree(), from_doc(), from_nav()]
        .into_iter()
        .flatten()
        .find_map(|tag| valid_locale(tag.trim()))
        .unwrap_or_else(|| "en".to_owned())
}

/// `Intl.DateTimeFormat` in the registrant's locale and time zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intl {
    /// A locale `Intl` accepts (see [`valid_locale`]).
    pub locale: String,
}

impl Intl {
    fn format(&self, t: DateTime<Utc>, options: &[(&str, &str)]) -> String {
        let opts = Object::new();
        for (k, v) in options {
            let _ = Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
        }
        let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        // The locale was validated, so this does not throw.
        date.to_locale_string(&self.locale, &opts).into()
    }

    /// The short name of the reader's time zone at `t` in this locale
    /// ("CET", "EST", "GMT+3"), read with `formatToParts`.
    fn zone_name(&self, t: DateTime<Utc>) -> Option<String> {
        let opts = Object::new();
        let _ = Reflect::set(&opts, &"timeZoneName".into(), &"short".into());
        let locales = Array::of1(&JsValue::from_str(&self.locale));
        let format = js_sys::Intl::DateTimeFormat::new(&locales, &opts);
        let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
        format.format_to_parts(&date).iter().find_map(|part| {
            (get(&part, "type")?.as_string()? == "timeZoneName")
                .then(|| get(&part, "value")?.as_string())
                .flatten()
        })
    }

    fn same_local_day(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        let day = |t: DateTime<Utc>| {
            js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64)).to_date_string()
        };
        day(a) == day(b)
    }
}

impl DateFormat for Intl {
    /// The date and time with the zone's short name: the deadline is in
    /// the reader's zone, and says which ("… at 12:48 AM CET").
    fn date_time(&self, t: DateTime<Utc>) -> String {
        let when = self.format(t, &[("dateStyle", "full"), ("timeStyle", "short")]);
        match self.zone_name(t) {
            Some(zone) => format!("{when} {zone}"),
            None => when,
        }
    }

    fn time(&self, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
        if Intl::same_local_day(t, now) {
            self.format(t, &[("timeStyle", "short")])
        } else {
            self.format(t, &[("dateStyle", "medium"), ("timeStyle", "short")])
        }
    }
}

/// `true` while the page is hidden (a background tab, a minimised window),
/// read through the `document.hidden` property as the page sees it.
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| Reflect::get(&d, &JsValue::from_str("hidden")).ok())
        .is_some_and(|h| h.is_truthy())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The last resend remembered for this contact, so a cooldown survives a
/// reload.
pub fn load_last_resend(provider: Provider, status_url: &str) -> Option<LastResend> {
    let key = crate::model::last_resend_key(provider, status_url);
    let text = storage()?.get_item(&key).ok().flatten()?;
    LastResend::from_json(&text)
}

/// Remembers the last resend for this contact.
pub fn save_last_resend(provider: Provider, status_url: &str, last: &LastResend) {
    let key = crate::model::last_resend_key(provider, status_url);
    let text = js_sys::JSON::stringify(&to_js(last)).ok().and_then(|t| t.as_string());
    if let (Some(s), Some(text)) = (storage(), text) {
        let _ = s.set_item(&key, &text);
    }
}

/// An email address as both elements show it: its pieces
/// ([`crate::model::address_parts`]) `nowrap`, with a `<wbr>` between, so
/// it wraps only before its `@` and dots; a piece too long for any line
/// gets `class="long"` (the stylesheets let it break anywhere).
pub fn address_view(email: &str) -> impl leptos::prelude::IntoView {
    use leptos::prelude::*;
    crate::model::address_parts(email)
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            let long = (p.chars().count() > crate::model::LONG_ADDRESS_PART).then_some("long");
            let p = p.to_owned();
            view! { {(n > 0).then(|| view! { <wbr /> })}<span class=long>{p}</span> }
        })
        .collect_view()
}

/// Forgets that the remembered resend was made while suspended (the
/// contact verified since).
pub fn forget_suspension(provider: Provider, status_url: &str) {
    if let Some(last) = load_last_resend(provider, status_url).filter(|l| l.suspended) {
        save_last_resend(provider, status_url, &last.while_suspended(false));
    }
}

/// The idempotency key of the unanswered resend intent, or a new one
/// (stored until the intent gets a definite answer).
pub fn intent_key(provider: Provider, status_url: &str) -> String {
    let key = crate::model::intent_key(provider, status_url);
    if let Some(existing) = storage().and_then(|s| s.get_item(&key).ok().flatten()) {
        if !existing.is_empty() {
            return existing;
        }
    }
    let fresh = uuid();
    if let Some(s) = storage() {
        let _ = s.set_item(&key, &fresh);
    }
    fresh
}

/// Forgets the intent's key: the server answered it.
pub fn settle_intent(provider: Provider, status_url: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&crate::model::intent_key(provider, status_url));
    }
}

/// A random v4 UUID: `crypto.randomUUID()`, or built from
/// `getRandomValues` where `randomUUID` is missing (insecure contexts).
pub fn uuid() -> String {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if let Some(c) = &crypto {
        if get(c, "randomUUID").is_some() {
            return c.random_uuid();
        }
    }
    let mut b = [0u8; 16];
    match &crypto {
        Some(c) if c.get_random_values_with_u8_array(&mut b).is_ok() => {}
        _ => {
            for (i, x) in b.iter_mut().enumerate() {
                *x = (js_sys::Math::random() * 256.0) as u8 ^ i as u8;
            }
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Serializes a value for JS: plain objects (not `Map`s) and `null` for
/// `None`, as the record contract says (serde-wasm-bindgen's JSON-compatible
/// serializer: the wasm's one serializer, no JSON text in between).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// Whether the registrant pressed Resend on the card painted before the
/// wasm (`define.js` marks the element); the mark is taken, so the press
/// is carried out once.
pub fn take_pressed(host: &HtmlElement) -> bool {
    let key = js_sys::Symbol::for_("registrant-verification:pressed");
    let pressed = Reflect::get(host, &key).ok().and_then(|v| v.as_string());
    if pressed.is_some() {
        let _ = Reflect::delete_property(host, &key);
    }
    pressed.as_deref() == Some("resend")
}

/// Dispatches `name` on `host`, bubbling and composed, with `detail`.
pub fn dispatch(host: &HtmlElement, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}

/// A server-sent event stream (`EventSource`): same credentials as the
/// status request (cookies for same-origin URLs only). Reads the named
/// event `verification` and unnamed `message` events. The browser
/// reconnects by itself after a network error (`on_error(false)`); an
/// answer other than `200 text/event-stream` closes it for good
/// (`on_error(true)`). Dropping the value closes the stream and removes
/// its listeners, so no callback runs afterwards.
pub struct EventStream {
    source: web_sys::EventSource,
    listeners: Vec<(&'static str, Listener)>,
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("url", &self.source.url()).finish()
    }
}

/// The event names an [`EventStream`] delivers to its `on_data`.
pub const STREAM_EVENTS: [&str; 2] = ["verification", "message"];

impl EventStream {
    /// Opens `url`; `None` when the browser refuses it (an invalid URL, no
    /// `EventSource`). With a token (`host` gives one), the stream is read
    /// with `fetch` by `element.js`, so it carries `Authorization` (an
    /// `EventSource` cannot): the same events, states and `close()`.
    pub fn open(
        host: &HtmlElement,
        url: &str,
        on_open: impl FnMut() + 'static,
        on_error: impl FnMut(bool) + 'static,
        on_data: impl FnMut(String) + 'static,
    ) -> Option<EventStream> {
        let key = js_sys::Symbol::for_("registrant-verification:stream");
        let with_token = Reflect::get(host, &key)
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .and_then(|f| f.call1(host, &JsValue::from_str(url)).ok())
            .filter(|v| v.is_object());
        let source = match with_token {
            // Duck-typed: `readyState`, `close()`, `url` and events, as an
            // EventSource has them.
            Some(stream) => stream.unchecked_into::<web_sys::EventSource>(),
            None => {
                get(&js_sys::global(), "EventSource")?;
                web_sys::EventSource::new(url).ok()?
            }
        };
        let mut stream = EventStream { source, listeners: Vec::new() };
        let mut on_open = on_open;
        stream.listen("open", move |_| on_open());
        let mut on_error = on_error;
        stream.listen("error", move |e| {
            let closed = e
                .target()
                .map(|t| t.unchecked_into::<web_sys::EventSource>())
                .is_none_or(|s| s.ready_state() == web_sys::EventSource::CLOSED);
            on_error(closed);
        });
        let on_data = Rc::new(RefCell::new(on_data));
        for name in STREAM_EVENTS {
            let on_data = on_data.clone();
            stream.listen(name, move |e| {
                let data = e
                    .dyn_ref::<web_sys::MessageEvent>()
                    .and_then(|m| m.data().as_string())
                    .unwrap_or_default();
                if let Ok(mut f) = on_data.try_borrow_mut() {
                    f(data);
                }
            });
        }
        Some(stream)
    }

    /// `true` once the browser gave up on the stream (or it was closed).
    pub fn is_closed(&self) -> bool {
        self.source.ready_state() == web_sys::EventSource::CLOSED
    }

    fn listen(&mut self, name: &'static str, f: impl FnMut(web_sys::Event) + 'static) {
        let cb = Listener::new(f);
        if self.source.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref()).is_ok() {
            self.listeners.push((name, cb));
        }
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.close();
        for (name, cb) in self.listeners.drain(..) {
            let _ =
                self.source.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        }
    }
}

/// `console.warn(message)`.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}

/// The palette both elements share (light and dark, `--rv-*` overrides).
pub const THEME: &str = include_str!(concat!(env!("OUT_DIR"), "/theme.css"));

/// Adopts the shared palette and an element's own stylesheet into `root`
/// (constructable `CSSStyleSheet`s, no `<style>` element: works under a
/// CSP without `'unsafe-inline'`). Each sheet is parsed once per page and
/// shared by every element's shadow root.
pub fn adopt_styles(root: &web_sys::ShadowRoot, own: &'static str) {
    let sheets = js_sys::Array::new();
    for css in [THEME, own] {
        if let Some(sheet) = shared_sheet(css) {
            sheets.push(&sheet);
        }
    }
    root.set_adopted_style_sheets(&sheets);
}

/// The stylesheet for `css`, built on first use.
fn shared_sheet(css: &'static str) -> Option<web_sys::CssStyleSheet> {
    thread_local! {
        static SHEETS: RefCell<Vec<(*const u8, web_sys::CssStyleSheet)>> =
            const { RefCell::new(Vec::new()) };
    }
    SHEETS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, sheet)) = cache.iter().find(|(at, _)| *at == css.as_ptr()) {
            return Some(sheet.clone());
        }
        let sheet = web_sys::CssStyleSheet::new().ok()?;
        sheet.replace_sync(css).ok()?;
        cache.push((css.as_ptr(), sheet.clone()));
        Some(sheet)
    })
}
