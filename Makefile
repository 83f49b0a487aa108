# Registrant verification widget: build, demo and test.
#
#   make demo   builds the widget package and runs the demo panel + sandbox
#   make test   runs every check and test (what CI runs)
#
# Every target installs what it needs and skips what is already there, so a
# fresh machine needs nothing installed by hand.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8080
WASM_TARGET := wasm32-unknown-unknown
# The release wasm is built on this nightly (widget/wasm-release.sh).
export WASM_NIGHTLY := nightly-2026-05-20
# The CLI must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
CARGO_BIN := $(HOME)/.cargo/bin
NODE_BIN := tools/node_modules/.bin
export WASM_BINDGEN := $(CARGO_BIN)/wasm-bindgen
export WASM_OPT := $(CURDIR)/$(NODE_BIN)/wasm-opt
export CHROMIUM := /usr/bin/chromium
export CHROMEDRIVER := /usr/bin/chromedriver
PKG := widget/pkg

.PHONY: help
help:
	@echo "make demo       build the widget and run the demo on http://127.0.0.1:$(PORT)/"
	@echo "make test       every check and test (fmt, clippy, unit, property, wasm, node, browser)"
	@echo "make package    build the npm package into $(PKG) (and its .tgz)"
	@echo "make release    the gateway binary to deploy (target/server/verification-www)"
	@echo "make gateway-demo  the gateway beside the demo's sandbox, with a panel on another origin"
	@echo "make bench      size and speed report against a bare Leptos counter (bench/latest.md)"
	@echo "make fuzz       fuzz every adapter for 5 minutes each (make fuzz-smoke: 10 s each)"
	@echo "make load       bounded load report of the gateway on loopback"
	@echo "make tools      install the toolchain pieces (idempotent)"

# ---------------------------------------------------------------- tools

.PHONY: tools rust-tools node-tools browser php postgres
tools: rust-tools node-tools browser php postgres

rust-tools:
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)
	@rustup run $(WASM_NIGHTLY) rustc --version >/dev/null 2>&1 \
	  && rustup component list --installed --toolchain $(WASM_NIGHTLY) | grep -q '^rust-src' \
	  || rustup toolchain install $(WASM_NIGHTLY) --profile minimal --component rust-src
	@if [ "$$($(WASM_BINDGEN) --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 5 minutes)"; \
	  cargo install wasm-bindgen-cli --version "=$(WASM_BINDGEN_VERSION)"; \
	fi

node-tools: tools/node_modules/.installed
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund
	touch $@

browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ]; then \
	  echo "installing Debian's chromium and chromium-driver"; \
	  apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# The WHMCS token snippet's test runs it with Debian's php-cli.
php:
	@if ! command -v php >/dev/null; then \
	  echo "installing Debian's php-cli"; \
	  apt-get update -qq && apt-get install -y -qq php-cli >/dev/null; \
	fi

# The store's tests start throwaway PostgreSQL clusters (initdb + pg_ctl
# as the postgres user, on a free port, removed afterwards): Debian's
# postgresql provides the programs; no system-wide server is used.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql (for the PostgreSQL store's tests)"; \
	  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
	fi

# ---------------------------------------------------------------- build

.PHONY: package
package: rust-tools node-tools
	bash widget/build.sh

.PHONY: demo gateway-demo release
demo: package
	cargo run -q -p verification-www -- demo --port $(PORT) --widget-dir $(PKG)

# The gateway as a reseller runs it, beside the demo's sandbox, with a
# panel page on another origin and its own token endpoint (ports 8080,
# 8443, 3000; www/examples/panel/try-gateway.mjs).
gateway-demo: package
	cargo build -q -p verification-www --bin verification-www
	node www/examples/panel/try-gateway.mjs

# The binary to deploy: target/server/verification-www (optimised,
# panics unwind), and the widget's files in widget/pkg.
release: package
	cargo build --locked --profile server -p verification-www --bin verification-www
	@echo "the gateway: target/server/verification-www; the widget's files: $(PKG)"

# ---------------------------------------------------------------- checks

.PHONY: test lint fmt-check clippy test-rust test-wasm test-node test-npm test-e2e
test: lint test-rust package test-wasm test-node test-npm test-e2e fuzz-smoke
	@echo "make test: all checks passed"

lint: fmt-check clippy

fmt-check:
	cargo fmt --all -- --check

clippy: rust-tools
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p verification-core -p verification-widget --target $(WASM_TARGET) -- -D warnings
	# Each element's wasm on its own (what widget/build.sh builds).
	cargo clippy -p verification-widget --target $(WASM_TARGET) --no-default-features --features element -- -D warnings
	cargo clippy -p verification-widget --target $(WASM_TARGET) --no-default-features --features list -- -D warnings

test-rust: postgres
	cargo test --workspace
	# The registrant's build: English compiled in, the other languages added.
	cargo test -p verification-widget --lib --no-default-features --features element i18n::unbundled
	RUSTDOCFLAGS="-D warnings" cargo doc -p verification-core -p verification-gateway -p verification-sandbox -p verification-www --no-deps -q

test-wasm: rust-tools browser
	CHROMEDRIVER=$(CHROMEDRIVER) WASM_BINDGEN_TEST_TIMEOUT=120 \
	  cargo test -p verification-widget --target $(WASM_TARGET)

test-node: package
	cargo build -q -p verification-core --example evaluate
	node --test widget/tests/node.mjs tests/npm/consumer.test.mjs

# The packed tarball as npm consumers use it, in Chromium: a fresh Vite 7 +
# TypeScript app (npm install of vite/typescript: --prefer-offline, npm's
# cache), and the unpacked files behind plain script tags.
test-npm: package browser node-tools
	node --test tests/npm/vite.test.mjs tests/npm/script-tag.test.mjs

test-e2e: package browser node-tools php postgres
	cargo build -q -p verification-www --bin verification-www --example pg_cluster
	node --test --test-concurrency=1 tests/e2e/

.PHONY: fuzz fuzz-smoke load
# Coverage-guided fuzzing of every adapter entry point and the webhook check
# (cargo-fuzz on nightly; fuzz/README.md). `make test` runs a 10 s smoke of
# each target; `make fuzz` runs each for 5 minutes and prints executions.
fuzz:
	bash fuzz/run.sh 300

fuzz-smoke:
	@if rustup run nightly rustc --version >/dev/null 2>&1; then \
	  bash fuzz/run.sh 10; \
	else \
	  echo "fuzz smoke SKIPPED: no nightly toolchain on this machine (cargo-fuzz needs it)"; \
	fi

# A bounded load report on loopback (a report, not a test): the gateway's
# status reads per second, p50/p99 and upstream calls per read, per
# provider, one instance.
load:
	cargo run -q --release -p verification-www --example gateway_load

.PHONY: bench
# A report, not a test: sizes and speeds against a bare Leptos counter built
# the same way, saved as bench/latest.md and bench/latest.json.
bench: package browser node-tools
	bash bench/build-baselines.sh
	cargo build -q -p verification-www
	cargo bench -q -p verification-core --bench evaluate -- --noplot
	node bench/report.mjs
