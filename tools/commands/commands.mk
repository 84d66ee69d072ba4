# tools/commands/commands.mk: the command table. Included by the root Makefile; run from the
# repository root:
#
#   make command-table-dump   dump a local redis-server's COMMAND / COMMAND DOCS into
#                             core/data/commands/redis-<major.minor>.json, then regenerate
#   make command-table        regenerate core/src/command/generated*.rs from core/data/commands
#   make check-command-table  the committed generated files are what the generator writes
#                             (part of `make test`, through rust-checks)

COMMANDS_TOOLS := tools/commands
COMMANDS_GENERATED := core/src/command
COMMANDS_CHECK_OUT := $(or $(CARGO_TARGET_DIR),target)/command-table
COMMANDS_FILES := generated.rs generated_samples.rs

.PHONY: command-table-dump command-table check-command-table

command-table-dump: deps
	python3 $(COMMANDS_TOOLS)/dump.py --out core/data/commands
	$(MAKE) --no-print-directory command-table

command-table:
	python3 $(COMMANDS_TOOLS)/generate.py --out $(COMMANDS_GENERATED)

check-command-table:
	@rm -rf $(COMMANDS_CHECK_OUT) && mkdir -p $(COMMANDS_CHECK_OUT)
	python3 $(COMMANDS_TOOLS)/generate.py --out $(COMMANDS_CHECK_OUT)
	@for f in $(COMMANDS_FILES); do \
		diff -u $(COMMANDS_GENERATED)/$$f $(COMMANDS_CHECK_OUT)/$$f >/dev/null || { \
			diff -u $(COMMANDS_GENERATED)/$$f $(COMMANDS_CHECK_OUT)/$$f | head -40; \
			echo "$(COMMANDS_GENERATED)/$$f differs from what tools/commands/generate.py writes" \
				"from core/data/commands: run 'make command-table' and commit the result"; \
			exit 1; }; \
	done
	@echo "command table: generated files up to date"

rust-checks: check-command-table
