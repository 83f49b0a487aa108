//! The Rust half of `<registrant-verification>`: `mount(host, shadowRoot)`
//! mounts the widget into the element's shadow root and returns a
//! [`WidgetHandle`]; the JS class (`js/element.js`) owns the handle and
//! frees it on disconnect, which unmounts the view, aborts requests and
//! stops timers. Every element has its own handle and state.

use crate::{browser, model::Config, view::Widget};
use leptos::{mount::mount_to, prelude::*, tachys::view::any_view::AnyViewState};
use verification_core::Record;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot};

/// The widget's stylesheet (adopted, so it works under a strict CSP).
pub const STYLES: &str = include_str!("style.css");

/// One mounted widget. Dropping it (JS: `handle.free()`) unmounts it.
#[wasm_bindgen]
pub struct WidgetHandle {
    host: HtmlElement,
    config: ArcRwSignal<Config>,
    recheck: ArcRwSignal<u32>,
    record: ArcRwSignal<Option<Record>>,
    _view: UnmountHandle<AnyViewState>,
}

impl std::fmt::Debug for WidgetHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WidgetHandle").field("config", &self.config.get_untracked()).finish()
    }
}

/// Reads the element's attributes, resolving the locale from the page
/// when the `locale` attribute is absent.
pub fn read_config(host: &HtmlElement) -> Config {
    let mut config = Config::from_attributes(|name| host.get_attribute(name));
    config.locale = Some(browser::resolve_locale(host, config.locale.as_deref()));
    config
}

/// Mounts a widget for `host` into its shadow root `root`.
#[wasm_bindgen]
pub fn mount(host: HtmlElement, root: ShadowRoot) -> WidgetHandle {
    browser::adopt_styles(&root, STYLES);
    let config = ArcRwSignal::new(read_config(&host));
    let recheck = ArcRwSignal::new(0);
    let record = ArcRwSignal::new(None);
    let view = {
        let (host, config, recheck, record) =
            (host.clone(), config.clone(), recheck.clone(), record.clone());
        mount_to(root.unchecked_into(), move || {
            view! { <Widget host config recheck record /> }.into_any()
        })
    };
    WidgetHandle { host, config, recheck, record, _view: view }
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Re-reads the attributes (the element coalesces changes into one
    /// call). A new provider, status URL, `changed-at` or cooldown reloads.
    #[wasm_bindgen(js_name = attributesChanged)]
    pub fn attributes_changed(&self) {
        let next = read_config(&self.host);
        if self.config.with_untracked(|c| *c != next) {
            self.config.set(next);
        }
    }

    /// Checks the status again now.
    pub fn refresh(&self) {
        self.recheck.update(|n| *n = n.wrapping_add(1));
    }

    /// The latest record as a plain object, or `null`.
    pub fn record(&self) -> JsValue {
        self.record.with_untracked(|r| r.as_ref().map_or(JsValue::NULL, browser::to_js))
    }
}
