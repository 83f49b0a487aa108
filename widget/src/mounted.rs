//! What both elements' wasm handles are: a Leptos view mounted into the
//! element's shadow root, the configuration read from its attributes, a
//! counter the view watches for "load again now", and the latest result
//! the element exposes as a property. `element.rs` and `list/mod.rs` wrap one
//! each in their `#[wasm_bindgen]` handle (exports cannot be generic).

use crate::browser;
use leptos::{mount::mount_to, prelude::*, tachys::view::any_view::AnyViewState};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlElement, ShadowRoot};

/// The signals a mounted view is given.
pub struct Signals<C: 'static, O: 'static> {
    /// The configuration, updated when attributes change.
    pub config: ArcRwSignal<C>,
    /// Bumped to ask for a load now (`element.refresh()`).
    pub again: ArcRwSignal<u32>,
    /// The latest result (the `record` / `stats` property).
    pub latest: ArcRwSignal<Option<O>>,
}

/// One mounted view. Dropping it (JS: `handle.free()`) unmounts it, which
/// aborts its requests and stops its timers.
pub struct Mounted<C: 'static, O: 'static> {
    host: HtmlElement,
    read: fn(&HtmlElement) -> C,
    signals: Signals<C, O>,
    _view: UnmountHandle<AnyViewState>,
}

impl<C, O> Mounted<C, O>
where
    C: PartialEq + Clone + Send + Sync + 'static,
    O: Serialize + Send + Sync + 'static,
{
    /// Adopts the palette and `styles` into `root`, reads the configuration
    /// with `read`, and mounts what `view` builds from the host and signals.
    pub fn new<V: IntoView + 'static>(
        host: HtmlElement,
        root: ShadowRoot,
        styles: &'static str,
        read: fn(&HtmlElement) -> C,
        view: impl FnOnce(HtmlElement, Signals<C, O>) -> V + 'static,
    ) -> Self {
        browser::adopt_styles(&root, styles);
        let signals = Signals {
            config: ArcRwSignal::new(read(&host)),
            again: ArcRwSignal::new(0),
            latest: ArcRwSignal::new(None),
        };
        let given = Signals {
            config: signals.config.clone(),
            again: signals.again.clone(),
            latest: signals.latest.clone(),
        };
        let for_view = host.clone();
        let view = mount_to(root.unchecked_into(), move || view(for_view, given).into_any());
        Mounted { host, read, signals, _view: view }
    }

    /// Re-reads the attributes (the element coalesces changes into one
    /// call); the view sees a change only when the configuration differs.
    pub fn attributes_changed(&self) {
        let next = (self.read)(&self.host);
        if self.signals.config.with_untracked(|c| *c != next) {
            self.signals.config.set(next);
        }
    }

    /// Asks the view to load again now.
    pub fn again(&self) {
        self.signals.again.update(|n| *n = n.wrapping_add(1));
    }

    /// The latest result as a plain object, or `null`.
    pub fn latest(&self) -> JsValue {
        self.signals.latest.with_untracked(|r| r.as_ref().map_or(JsValue::NULL, browser::to_js))
    }

    /// The current configuration.
    pub fn config(&self) -> C {
        self.signals.config.get_untracked()
    }
}
