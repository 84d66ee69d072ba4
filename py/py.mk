# py/py.mk: the Python package `slotwise` (native part `slotwise._native`, built with
# maturin). Included by the root Makefile; run from the repository root:
#
#   make test-py     venv, `pip install ./py` into it (release build), stub checks, pytest
#   make bench-py    benchmark beside redis-py (RedisCluster + hiredis) and valkey-glide
#   make venv-py     only create the venv and install the build/test tools
#
# The venv lives in the target directory ($(CARGO_TARGET_DIR) or target/), outside git.

PY_DIR := py
PY_TARGET := $(or $(CARGO_TARGET_DIR),target)
PY_VENV := $(PY_TARGET)/py-venv
PY_BIN := $(abspath $(PY_VENV))/bin
PY_HARNESS := $(abspath $(PY_TARGET))/debug/slotwise-testcluster
PY_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PY_APT = $(PY_SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(PY_SUDO) apt-get install -y -qq
PY_PIP = $(PY_BIN)/python -m pip install -q --disable-pip-version-check
PY_RUN = cd $(PY_DIR) && SLOTWISE_TESTCLUSTER=$(PY_HARNESS) PYTHONDONTWRITEBYTECODE=1

.PHONY: py-deps venv-py build-py stubs-py test-py bench-py

## py-deps: python3 (Debian package when missing)
py-deps:
	@command -v python3 >/dev/null || { echo "installing python3 from Debian packages"; $(PY_APT) python3; }

# Debian ships venv's pip bootstrap separately (python3-venv): installed when venv fails.
$(PY_VENV)/.tools: $(PY_DIR)/requirements-dev.txt | py-deps
	python3 -m venv --clear $(PY_VENV) 2>/dev/null || { \
		echo "installing python3-venv from Debian packages"; $(PY_APT) python3-venv && \
		python3 -m venv --clear $(PY_VENV); }
	$(PY_PIP) -r $(PY_DIR)/requirements-dev.txt
	@touch $@

venv-py: $(PY_VENV)/.tools

## build-py: `pip install ./py`, as a user would (maturin builds the module in release mode;
## cargo reuses the target directory, so only changed crates compile)
build-py: venv-py
	$(PY_PIP) --force-reinstall --no-deps ./$(PY_DIR)

## stubs-py: the stubs match the compiled module (stubtest) and the package passes mypy --strict
stubs-py: build-py
	$(PY_RUN) $(PY_BIN)/python -m mypy.stubtest slotwise._native
	$(PY_RUN) $(PY_BIN)/python -m mypy

test-py: deps build-py stubs-py
	$(CARGO) build -q -p slotwise-testcluster --bin slotwise-testcluster
	$(PY_RUN) $(PY_BIN)/python -m pytest -q

$(PY_VENV)/.bench: $(PY_DIR)/bench/requirements.txt $(PY_VENV)/.tools
	$(PY_PIP) -r $(PY_DIR)/bench/requirements.txt
	@touch $@

## bench-py: N SETs then N GETs, sequential / pipelines of 64 / asyncio 64 in flight
bench-py: deps build-py $(PY_VENV)/.bench
	$(CARGO) build -q -p slotwise-testcluster --bin slotwise-testcluster
	$(PY_RUN) $(PY_BIN)/python bench/bench.py $(PY_BENCH_ARGS)

test: test-py
bench: bench-py

include $(PY_DIR)/compat/compat.mk
