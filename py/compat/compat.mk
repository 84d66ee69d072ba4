# py/compat/compat.mk: redis-py 8.1.0's own tests as the measure of the Python face.
# Included by py/py.mk; run from the repository root:
#
#   make compat-py        the six files on one harness cluster, with redis-py's fixtures and
#                         with py/compat/slotwise_fixtures.py; prints pass counts side by side
#   make compat-py-smoke  the same on a few basic tests (seconds)
#   make compat-py COMPAT_ARGS=--reuse-baseline
#                         slotwise's run only, beside the baseline of an earlier run
#
# The sdist (pip download, cached) and its unpacked tests/ live in $(COMPAT_DIR), outside
# git; redis-py and its test plugins go into the venv as tools, never slotwise dependencies.

COMPAT_VERSION := 8.1.0
COMPAT_DIR := $(PY_TARGET)/compat
COMPAT_SUITE := $(COMPAT_DIR)/redis-$(COMPAT_VERSION)
COMPAT_SDIST := $(COMPAT_DIR)/redis-$(COMPAT_VERSION).tar.gz
# A venv of its own: redis-py's test plugins (pytest-asyncio...) would change how slotwise's
# own suite runs in target/py-venv.
COMPAT_VENV := $(COMPAT_DIR)/venv
COMPAT_BIN := $(abspath $(COMPAT_VENV))/bin
COMPAT_RUN = $(COMPAT_BIN)/python $(PY_DIR)/compat/run.py --harness $(PY_HARNESS) \
	--suite $(COMPAT_SUITE) --out $(COMPAT_DIR)/$(1) $(COMPAT_ARGS)

.PHONY: compat-py compat-py-smoke compat-py-prep

$(COMPAT_SDIST): | $(PY_VENV)/.tools
	mkdir -p $(COMPAT_DIR)
	$(PY_BIN)/python -m pip download -q --disable-pip-version-check --no-binary :all: \
		--no-deps redis==$(COMPAT_VERSION) -d $(COMPAT_DIR)

# only tests/ and pyproject.toml (pytest's settings): the library itself is the installed one
$(COMPAT_SUITE)/.unpacked: $(COMPAT_SDIST)
	rm -rf $(COMPAT_SUITE)
	tar xzf $(COMPAT_SDIST) -C $(COMPAT_DIR) redis-$(COMPAT_VERSION)/tests \
		redis-$(COMPAT_VERSION)/pyproject.toml
	@touch $@

$(COMPAT_VENV)/.tools: $(PY_DIR)/compat/requirements.txt $(PY_DIR)/requirements-dev.txt | $(PY_VENV)/.tools
	python3 -m venv --clear $(COMPAT_VENV)
	$(COMPAT_BIN)/python -m pip install -q --disable-pip-version-check \
		-r $(PY_DIR)/requirements-dev.txt -r $(PY_DIR)/compat/requirements.txt
	@touch $@

# slotwise as a user installs it (cargo reuses the target directory's build)
compat-py-prep: deps $(COMPAT_VENV)/.tools $(COMPAT_SUITE)/.unpacked
	$(COMPAT_BIN)/python -m pip install -q --disable-pip-version-check --force-reinstall \
		--no-deps ./$(PY_DIR)
	$(CARGO) build -q -p slotwise-testcluster --bin slotwise-testcluster

## compat-py: redis-py's tests, baseline beside slotwise (table, failures in target/compat/run)
compat-py: compat-py-prep
	$(call COMPAT_RUN,run)

compat-py-smoke: compat-py-prep
	$(call COMPAT_RUN,smoke) --smoke

# make test runs the smoke list (every test of it must pass under slotwise)
test: compat-py-smoke
