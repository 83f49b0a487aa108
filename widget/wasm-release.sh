# Sourced by widget/build.sh and bench/build-baselines.sh: the one way a
# release wasm is built, so the widget and its baselines are built alike.
#
# A pinned nightly rebuilds std for the wasm with panics as immediate
# aborts (no panic messages, locations or formatting pulled in by them)
# and std's size-optimised code paths. A panic was already an abort
# (`panic = "abort"`); it now traps without a message. Measured on the
# registrant's wasm (issue 15): 234.3 -> 207.6 KB gzip, 548.0 -> 474.3 KB
# raw; immediate abort alone 211.3 KB gzip.
WASM_NIGHTLY="${WASM_NIGHTLY:-nightly-2026-05-20}"

# wasm_release <cargo build arguments>
wasm_release() {
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    cargo +"$WASM_NIGHTLY" build --release --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size "$@"
}
