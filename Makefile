# slotwise: `make demo` and `make test` take a fresh Debian machine from clone to a running
# demo and a green test run. Both install what they need (redis-server from Debian packages,
# and for the bindings a Python venv, npm packages, C libraries).

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: test demo deps rust-checks rust-tests bench fuzz clean

## deps: install redis-server and redis-cli from Debian packages when missing
deps:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then \
		echo "installing redis-server and redis-tools from Debian packages"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server redis-tools; \
	fi
	@redis-server --version

## test: everything CI checks (formatting, lints, Rust tests, then each binding's suite)
test: deps rust-checks rust-tests

rust-checks:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The Python and Node crates are cdylibs loaded by their runtimes; their suites run under
# pytest and node (see py/py.mk, node/node.mk).
# `--benches` without `cargo bench` runs every benchmark once on tiny inputs (a smoke test:
# the end-to-end benchmark starts its own cluster and checks every mode and client works).
rust-tests:
	$(CARGO) test --workspace --exclude slotwise-py --exclude slotwise-node
	$(CARGO) test -p slotwise-benches --benches

## demo: start a local cluster and show the client at work through resharding and failover
demo: deps
	$(CARGO) run --release -q -p slotwise-testcluster --example demo

## bench: criterion micro-benchmarks and end-to-end benchmarks beside peer clients
bench: deps
	$(CARGO) bench -p slotwise-benches

## fuzz: run the decoder fuzz target for a minute (needs nightly and cargo-fuzz)
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	cd core && $(CARGO) +nightly fuzz run decode -- -max_total_time=60

clean:
	$(CARGO) clean

# Each binding adds its own targets and hooks itself into `test` and `bench`.
-include ffi-c/ffi-c.mk py/py.mk node/node.mk tools/commands/commands.mk
