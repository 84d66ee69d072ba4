# slotwise: `make demo` and `make test` take a fresh Debian machine from clone to a running
# demo and a green test run. Both install what they need (redis-server from Debian packages).

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CARGO ?= cargo

.PHONY: test demo deps rust-checks rust-tests bench fuzz clean

## deps: install redis-server and redis-cli from Debian packages when missing
deps:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then \
		echo "installing redis-server and redis-tools from Debian packages"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server redis-tools; \
	fi
	@redis-server --version

## test: everything CI checks (formatting, lints, all tests)
test: deps rust-checks rust-tests

rust-checks:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-tests:
	$(CARGO) test --workspace

## demo: start a local cluster and show the client at work
demo: deps
	$(CARGO) run --release -q -p slotwise-testcluster --example demo

## bench: criterion micro-benchmarks beside redis-rs, with ratios printed
bench: deps
	$(CARGO) bench -p slotwise-benches

## fuzz: run the decoder fuzz target for a minute (needs nightly and cargo-fuzz)
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	cd core && $(CARGO) +nightly fuzz run decode -- -max_total_time=60

clean:
	$(CARGO) clean
