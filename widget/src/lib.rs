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

#![recursion_limit = "512"]
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

#[cfg(all(test, feature = "element", feature = "list"))]
mod tests {
    /// What minifying may do, written out another way: drop comments,
    /// make each run of whitespace one space, then drop the spaces beside
    /// `{ } ; ,`, at the ends, and each block's last `;`.
    fn squeezed(css: &str) -> String {
        let mut rest = css;
        let mut text = String::new();
        while let Some(start) = rest.find("/*") {
            text.push_str(&rest[..start]);
            text.push(' ');
            let end = rest[start + 2..].find("*/").expect("comments close");
            rest = &rest[start + 2 + end + 2..];
        }
        text.push_str(rest);
        let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for c in ['{', '}', ';', ','] {
            text = text
                .replace(&format!(" {c}"), &c.to_string())
                .replace(&format!("{c} "), &c.to_string());
        }
        text.replace(";}", "}")
    }

    #[test]
    fn shipped_stylesheets_are_their_sources_minified() {
        for (shipped, source) in [
            (crate::element::STYLES, include_str!("style.css")),
            (crate::browser::THEME, include_str!("theme.css")),
            (crate::list::LIST_STYLES, include_str!("list/list.css")),
        ] {
            assert_eq!(shipped, squeezed(source));
            assert!(shipped.len() * 5 < source.len() * 4, "at least a fifth smaller");
            // What must survive: strings, spaces between words and in calc().
            assert!(!shipped.contains("/*") && !shipped.contains('\n'));
        }
        assert!(crate::element::STYLES.contains(r#".card[data-tone="ok"]{"#));
    }
}
