#!/usr/bin/env bash
# Builds the baselines of `make bench` as the widget is built (wasm-release.sh,
# wasm-bindgen target, drop-exports.mjs, wasm-opt flags):
#   bench/tmp/counter     a bare Leptos 0.8 counter (the framework's floor)
#   bench/tmp/core-floor  the core's registrar readers and rules, no UI
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN="${WASM_BINDGEN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}"
WASM_OPT="${WASM_OPT:-$root/tools/node_modules/.bin/wasm-opt}"
cd "$root"
# shellcheck source=widget/wasm-release.sh
. "$root/widget/wasm-release.sh"
# build <package> <out-dir> <out-name>
build() {
  local out="$root/bench/tmp/$2"
  wasm_release -p "$1"
  rm -rf "$out" && mkdir -p "$out"
  "$WASM_BINDGEN" --target web --out-dir "$out" --out-name "$3" \
    "${CARGO_TARGET_DIR:-$root/target}/wasm32-unknown-unknown/release/${1//-/_}.wasm"
  node "$root/widget/drop-exports.mjs" "$out" "$3"
  "$WASM_OPT" -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
    --enable-sign-ext --enable-nontrapping-float-to-int -o "$out/${3}_bg.wasm" "$out/${3}_bg.wasm"
}
build bench-counter counter counter
# Served as the widget is: the glue minified, then precompressed.
(cd "$root/bench/tmp/counter" && node "$root/widget/minify.mjs" . counter.js)
node "$root/widget/precompress.mjs" "$root/bench/tmp/counter"
build bench-core-floor core-floor core_floor
