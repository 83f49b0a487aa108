#!/usr/bin/env bash
# Fuzzes every target of verification-core for N seconds each (default 60).
#
#   fuzz/run.sh [seconds-per-target] [target...]
#
# Installs cargo-fuzz if missing, builds with `cargo +nightly fuzz build`,
# then runs each target on a fresh copy of its seed corpus (regenerated from
# tests/fixtures by make-seeds.py) with the registrar dictionary, printing
# one line per target:
#
#   evaluate: 123456 execs, no crash
#
# Exits non-zero when any target crashes (a panic or a broken invariant);
# the crash input is then in fuzz/artifacts/<target>/ and its log in
# fuzz/logs/<target>.log. Targets run FUZZ_JOBS at a time (default: the
# number of cores, at most 2).
#
# Environment: FUZZ_JOBS, FUZZ_SANITIZER (default none: the core is safe
# Rust; `address` for ASan), FUZZ_RSS_MB (default 2048), FUZZ_ALLOW (ids of
# contract checks to skip, comma-separated: see README.md).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds="${1:-60}"
shift || true
case "$seconds" in
  '' | *[!0-9]*) echo "usage: fuzz/run.sh [seconds-per-target] [target...]" >&2; exit 2 ;;
esac

all_targets=(evaluate evaluate_response interpret_resend timestamp webhook)
targets=("${@:-${all_targets[@]}}")
sanitizer="${FUZZ_SANITIZER:-none}"
rss_mb="${FUZZ_RSS_MB:-2048}"
cores="$(nproc 2>/dev/null || echo 1)"
jobs="${FUZZ_JOBS:-$((cores < 2 ? cores : 2))}"

# ---------------------------------------------------------------- tools
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

# ---------------------------------------------------------------- build
cd "$root"
build_start=$SECONDS
# -a: keep debug assertions and overflow checks in the fuzzed build.
mkdir -p "$here/logs"
if ! cargo +nightly fuzz build -a -s "$sanitizer" >"$here/logs/build.log" 2>&1; then
  tail -40 "$here/logs/build.log" >&2
  echo "fuzz build failed (log: $here/logs/build.log)" >&2
  exit 1
fi
echo "build: $((SECONDS - build_start)) s"

python3 "$here/make-seeds.py" "$here/seeds" >/dev/null

# ---------------------------------------------------------------- run
run_one() {
  local t="$1"
  local corpus="$here/corpus/$t" artifacts="$here/artifacts/$t/" rc=0
  rm -rf "$corpus" "$here/logs/$t.rc"
  mkdir -p "$corpus" "$artifacts"
  cp "$here/seeds/$t/"* "$corpus/"
  # Same flags as the build above, so this builds nothing.
  cargo +nightly fuzz run -a -s "$sanitizer" "$t" "$corpus" -- \
    -max_total_time="$seconds" -dict="$here/registrar.dict" -print_final_stats=1 \
    -rss_limit_mb="$rss_mb" -timeout=10 -artifact_prefix="$artifacts" \
    >"$here/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$here/logs/$t.rc"
}

run_start=$SECONDS
pending=("${targets[@]}")
while [ "${#pending[@]}" -gt 0 ]; do
  batch=("${pending[@]:0:$jobs}")
  pending=("${pending[@]:$jobs}")
  for t in "${batch[@]}"; do run_one "$t" & done
  wait
done
echo "fuzz: $((SECONDS - run_start)) s (${#targets[@]} targets x ${seconds} s, $jobs at a time)"

# ---------------------------------------------------------------- report
failed=0
for t in "${targets[@]}"; do
  log="$here/logs/$t.log"
  # libFuzzer's final stats (stat::number_of_executed_units; older ones say
  # _runs); a crash skips them, so fall back to the last "#N" status line.
  execs="$(grep -oE 'stat::number_of_executed_(units|runs): *[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)"
  [ -n "$execs" ] || execs="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
  execs="${execs:-0}"
  rc="$(cat "$here/logs/$t.rc" 2>/dev/null || echo 1)"
  if [ "$rc" -eq 0 ]; then
    echo "$t: $execs execs, no crash"
  else
    failed=1
    crash="$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //' || true)"
    why="$(grep -m1 -A1 -E "panicked at" "$log" | tr '\n' ' ' || true)"
    [ -n "$why" ] || why="$(grep -m1 -E "ERROR: libFuzzer|SUMMARY" "$log" || true)"
    echo "$t: $execs execs, CRASH (exit $rc): ${why:-see log}"
    echo "  input: ${crash:-none written}; log: $log"
    if [ -n "$crash" ]; then
      echo "  reproduce: cargo +nightly fuzz run -a -s $sanitizer $t $crash"
    fi
  fi
done
exit "$failed"
