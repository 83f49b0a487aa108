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
- [`api`]: `evaluate()` for JS;
- [`list_model`] and [`list`]: `<registrant-verification-list>`, the
  reseller staff list (`mount_list(host, shadowRoot)`).
*/

#![warn(missing_docs)]

pub mod api;
pub mod browser;
pub mod element;
pub mod list;
pub mod list_model;
pub mod model;
pub mod view;
