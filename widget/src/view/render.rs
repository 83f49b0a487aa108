//! The card rendered natively (Leptos SSR): what the gateway sends before
//! the wasm arrives, from the same components, words and record.

use super::{dates::resolve_markers, Answer, Card, CardState, Config};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use verification_core::resend::LastResend;

/// The card's stylesheets, as the wasm adopts them: the palette, then the
/// widget's own.
pub const CARD_STYLES: [&str; 2] = [crate::browser::THEME, crate::element::STYLES];

/// The card a widget configured as `config` shows after its first status
/// check answered `answer` at `now`, with the resend its browser remembers
/// (`last`: the cooldown it shows), as HTML for its shadow root (without
/// the stylesheets, [`CARD_STYLES`]). Its dates are `<span data-rv-date>`
/// with a UTC fallback, which `define.js` fills in the reader's locale and
/// zone (see `dates`).
pub fn render_card(
    config: Config,
    answer: &Answer,
    now: DateTime<Utc>,
    last: Option<LastResend>,
) -> String {
    let owner = Owner::new();
    let html = owner.with(|| {
        let state = CardState::new(config, now);
        state.first_check(answer, now, last);
        view! { <Card state on_action=|_| {} /> }.to_html()
    });
    drop(owner);
    resolve_markers(&as_drawn(&html))
}

/// `html` as the browser's DOM of the same view reads: Leptos' server
/// renderer writes an absent class (`None`) as `class=""`, which only an
/// attribute can hold.
fn as_drawn(html: &str) -> String {
    html.replace(r#" class="""#, "")
}
