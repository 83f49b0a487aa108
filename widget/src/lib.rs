/*!
The `<registrant-verification>` widget: a Leptos (CSR) view compiled to
wasm32, mounted by a small JS custom element (`js/element.js`) into an open
shadow root, plus the UI-less JS API (`evaluate`).

Every verification rule (status mapping, deadlines, urgency, resend policy,
reading registrar answers) is `verification-core`'s. This crate adds:

- [`model`]: plain functions that choose what a registrant sees (screen,
  words, button, countdown) from a record and the request state; unit-tested
  natively;
- [`view`]: the components ([`view::Widget`], [`view::Card`]);
- [`element`]: `mount(host, shadowRoot)` and its [`element::WidgetHandle`];
- [`browser`]: the clock, `Intl`, localStorage, events, `fetch`;
- [`i18n`]: the words in six languages, plural rules, the reseller's
  `strings` overrides;
- [`api`]: `evaluate()` for JS;
- [`mounted`]: what both elements' handles are (view, config, reload,
  latest result);
- [`list_model`] and [`list`]: `<registrant-verification-list>`, the
  reseller staff list (`mount_list(host, shadowRoot)`).

Features `element` (the widget and `evaluate`) and `list` (the staff list)
are both on by default; the npm package builds each into its own wasm so a
registrant's page never loads the staff list.
*/

#![warn(missing_docs)]

#[cfg(feature = "element")]
pub mod api;
pub mod browser;
#[cfg(feature = "element")]
pub mod element;
pub mod i18n;
#[cfg(feature = "list")]
pub mod list;
#[cfg(feature = "list")]
pub mod list_model;
pub mod model;
pub mod mounted;
#[cfg(feature = "element")]
pub mod view;
