//! The Rust half of `<registrant-verification>`: `mount(host, shadowRoot)`
//! mounts the widget into the element's shadow root and returns a
//! [`WidgetHandle`]; the JS class (`js/element.js`) owns the handle and
//! frees it on disconnect, which unmounts the view, aborts requests and
//! stops timers. Every element has its own handle and state.

use crate::{
    browser,
    i18n::{self, Catalog, Msg},
    model::Config,
    mounted::Mounted,
    view::Widget,
};
use leptos::prelude::*;
use verification_core::Record;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot};

/// The widget's stylesheet (adopted, so it works under a strict CSP).
pub const STYLES: &str = include_str!(concat!(env!("OUT_DIR"), "/style.css"));

/// One mounted widget. Dropping it (JS: `handle.free()`) unmounts it.
#[wasm_bindgen]
pub struct WidgetHandle(Mounted<Config, Record>);

impl std::fmt::Debug for WidgetHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WidgetHandle").field("config", &self.0.config()).finish()
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
    WidgetHandle(Mounted::new(host, root, STYLES, read_config, |host, s| {
        let (config, recheck, record) = (s.config, s.again, s.latest);
        view! { <Widget host config recheck record /> }
    }))
}

/// Adds the words of the language `code` from `js/locales/<code>.js` (its
/// default export as JSON); every mounted widget's words follow. Returns
/// how many ids were read (0 in a build with every language compiled in).
#[wasm_bindgen(js_name = addCatalog)]
pub fn add_catalog(code: &str, json: &str) -> usize {
    i18n::add_catalog(code, json, |id| Msg::from_id(id).map(Catalog::id))
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Re-reads the attributes (the element coalesces changes into one
    /// call). A new provider, status URL, `changed-at` or cooldown reloads.
    #[wasm_bindgen(js_name = attributesChanged)]
    pub fn attributes_changed(&self) {
        self.0.attributes_changed();
    }

    /// Checks the status again now.
    pub fn refresh(&self) {
        self.0.again();
    }

    /// The latest record as a plain object, or `null`.
    pub fn record(&self) -> JsValue {
        self.0.latest()
    }
}
