//! The baseline `make bench` compares the widget with: the smallest useful
//! Leptos 0.8 CSR app (a counter), built exactly like the widget.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// A button that counts its clicks.
#[component]
pub fn Counter(
    /// The starting value.
    initial: i32,
) -> impl IntoView {
    let (count, set_count) = signal(initial);
    view! {
        <button id="counter" on:click=move |_| *set_count.write() += 1>
            "Clicked " {count} " times"
        </button>
    }
}

/// Mounts the counter into `<body>`; the page measures from module start to
/// this call returning.
#[wasm_bindgen]
pub fn start() {
    leptos::mount::mount_to_body(|| view! { <Counter initial=0 /> });
}
