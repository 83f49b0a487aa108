#!/usr/bin/env bash
# Builds the baseline counter into bench/tmp/counter with the widget's
# release profile, wasm-bindgen target and wasm-opt flags.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/tmp/counter"
WASM_BINDGEN="${WASM_BINDGEN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}"
WASM_OPT="${WASM_OPT:-$root/tools/node_modules/.bin/wasm-opt}"
cd "$root"
cargo build --release --target wasm32-unknown-unknown -p bench-counter
rm -rf "$out" && mkdir -p "$out"
"$WASM_BINDGEN" --target web --out-dir "$out" --out-name counter \
  "${CARGO_TARGET_DIR:-$root/target}/wasm32-unknown-unknown/release/bench_counter.wasm"
"$WASM_OPT" -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
  --enable-sign-ext --enable-nontrapping-float-to-int -o "$out/counter_bg.wasm" "$out/counter_bg.wasm"
