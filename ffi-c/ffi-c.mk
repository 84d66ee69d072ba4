# ffi-c/ffi-c.mk: the C library (libslotwise.so, libslotwise.a, slotwise.h): header check,
# C tests, install and benchmark. Included by the root Makefile; run from the repository
# root:
#
#   make test-c                   header up to date, C tests (shared, static, valgrind)
#   make header-c                 regenerate ffi-c/include/slotwise.h with cbindgen
#   make install-c PREFIX=/opt/x  header, libraries and slotwise.pc (also: make install)
#   make bench-c                  C benchmark beside hiredis and redis-benchmark --cluster

FFI_C := ffi-c
FFI_C_TARGET := $(or $(CARGO_TARGET_DIR),target)
FFI_C_LIBDIR := $(FFI_C_TARGET)/release
FFI_C_OUT := $(FFI_C_TARGET)/ffi-c
FFI_C_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FFI_C_APT = $(FFI_C_SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(FFI_C_SUDO) apt-get install -y -qq

# cbindgen is pinned and installed into the target directory (no global install). A debug
# build: it compiles in a quarter of the time and reads this small crate in under a second.
CBINDGEN_VERSION := 0.29.4
FFI_C_CBINDGEN := $(FFI_C_TARGET)/ffi-c-tools/bin/cbindgen
FFI_C_CBINDGEN_RUN = $(FFI_C_CBINDGEN) --quiet --config $(FFI_C)/cbindgen.toml --crate slotwise-ffi $(FFI_C)

FFI_C_CFLAGS := -Wall -Wextra -Werror -pthread -I$(FFI_C)/include
# What the static library needs besides libc (`cargo rustc -- --print native-static-libs`).
FFI_C_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl
# Programs linked against libslotwise.so need it by its SONAME (see build.rs), which cargo's
# output directory does not provide: the tests load it through a link by that name in
# FFI_C_RUNLIB.
FFI_C_RUNLIB := $(FFI_C_OUT)/lib
FFI_C_SHARED_LINK = -L$(abspath $(FFI_C_LIBDIR)) -lslotwise -Wl,-rpath,$(abspath $(FFI_C_RUNLIB))
FFI_C_STATIC_LINK = $(FFI_C_LIBDIR)/libslotwise.a $(FFI_C_STATIC_LIBS)
FFI_C_TESTS := test_commands test_pipeline test_errors test_threads test_cluster_ops test_issue11
FFI_C_TESTCLUSTER := $(FFI_C_TARGET)/debug/slotwise-testcluster
FFI_C_OPS := $(FFI_C_TARGET)/debug/examples/c-cluster-ops

PREFIX ?= /usr/local
# The version written into slotwise.pc and the installed library's file name: the header's
# version macros (which ffi-c/src/version.rs keeps equal to the crate's version).
FFI_C_VERSION = $(shell awk '/^\#define SLOTWISE_VERSION_(MAJOR|MINOR|PATCH) /{v = v s $$3; s = "."} END {print v}' $(FFI_C)/include/slotwise.h)
# The shared library's SONAME, set by ffi-c/build.rs from the same major version.
FFI_C_SONAME = libslotwise.so.$(firstword $(subst ., ,$(FFI_C_VERSION)))

.PHONY: lib-c header-c check-header-c c-test-deps c-bench-deps c-harness build-tests-c \
	test-c check-install-c install-c install bench-c

lib-c:
	$(CARGO) build --release -p slotwise-ffi

$(FFI_C_CBINDGEN):
	$(CARGO) install --debug cbindgen --version $(CBINDGEN_VERSION) --locked --root $(FFI_C_TARGET)/ffi-c-tools

## header-c: regenerate the committed header from the Rust sources
header-c: $(FFI_C_CBINDGEN)
	$(FFI_C_CBINDGEN_RUN) --output $(FFI_C)/include/slotwise.h

## check-header-c: the committed header is what cbindgen generates, and compiles as C and C++
check-header-c: $(FFI_C_CBINDGEN)
	@mkdir -p $(FFI_C_OUT)
	$(FFI_C_CBINDGEN_RUN) --output $(FFI_C_OUT)/slotwise.h
	@diff -u $(FFI_C)/include/slotwise.h $(FFI_C_OUT)/slotwise.h || { \
		echo "ffi-c/include/slotwise.h is not what cbindgen generates: run 'make header-c' and commit it"; \
		exit 1; }
	$(CC) -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c $(FFI_C)/include/slotwise.h
	@if command -v c++ >/dev/null; then \
		echo "c++ -Wall -Wextra -Werror -fsyntax-only -x c++ $(FFI_C)/include/slotwise.h"; \
		c++ -Wall -Wextra -Werror -fsyntax-only -x c++ $(FFI_C)/include/slotwise.h; fi

c-test-deps:
	@missing=""; \
	command -v $(CC) >/dev/null || missing="$$missing gcc"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v readelf >/dev/null || missing="$$missing binutils"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing from Debian packages"; $(FFI_C_APT) $$missing; fi

c-bench-deps:
	@missing=""; \
	[ -f /usr/include/hiredis/hiredis.h ] || missing="$$missing libhiredis-dev"; \
	command -v redis-benchmark >/dev/null || missing="$$missing redis-tools"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing from Debian packages"; $(FFI_C_APT) $$missing; fi

## c-harness: the cluster CLI and the helper that moves slots and fails over mid-test
c-harness:
	$(CARGO) build -p slotwise-testcluster --bin slotwise-testcluster
	$(CARGO) build -p slotwise-ffi --example c-cluster-ops

## build-tests-c: every C test twice, against the shared and against the static library
build-tests-c: lib-c
	@mkdir -p $(FFI_C_OUT)/shared $(FFI_C_OUT)/static $(FFI_C_RUNLIB)
	ln -sf $(abspath $(FFI_C_LIBDIR))/libslotwise.so $(FFI_C_RUNLIB)/$(FFI_C_SONAME)
	@for t in $(FFI_C_TESTS); do \
		echo "cc $(FFI_C)/tests/$$t.c (shared, static)"; \
		$(CC) $(FFI_C_CFLAGS) -o $(FFI_C_OUT)/shared/$$t $(FFI_C)/tests/$$t.c $(FFI_C_SHARED_LINK) && \
		$(CC) $(FFI_C_CFLAGS) -o $(FFI_C_OUT)/static/$$t $(FFI_C)/tests/$$t.c $(FFI_C_STATIC_LINK) || exit 1; \
	done

## test-c: header check, C tests against a real cluster (shared, static, valgrind), and the
## example built from an installed copy with pkg-config (the install checked first)
test-c: deps c-test-deps check-header-c build-tests-c c-harness
	rm -rf $(FFI_C_OUT)/prefix
	$(MAKE) --no-print-directory install-c PREFIX=$(abspath $(FFI_C_OUT)/prefix)
	PKG_CONFIG_PATH=$(abspath $(FFI_C_OUT)/prefix)/lib/pkgconfig sh -c \
		'$(CC) -Wall -Wextra -Werror -o $(FFI_C_OUT)/hello $(FFI_C)/examples/hello.c $$(pkg-config --cflags --libs slotwise) -Wl,-rpath,$(abspath $(FFI_C_OUT)/prefix)/lib'
	$(MAKE) --no-print-directory check-install-c
	bash $(FFI_C)/tests/run-tests.sh $(FFI_C_OUT) $(FFI_C_TESTCLUSTER) $(FFI_C_OPS) $(FFI_C_OUT)/hello

## check-install-c: the copy test-c installed has its SONAME, its links, and the example
## built from it with pkg-config needs it by the SONAME (run-tests.sh then runs the example)
check-install-c:
	@lib=$(abspath $(FFI_C_OUT)/prefix)/lib; real=libslotwise.so.$(FFI_C_VERSION); \
	soname=$$(readelf -d $$lib/$$real | sed -n 's/.*(SONAME).*\[\(.*\)\]$$/\1/p'); \
	if [ "$$soname" != "$(FFI_C_SONAME)" ]; then \
		echo "$$lib/$$real: SONAME is '$$soname', expected $(FFI_C_SONAME) (see ffi-c/build.rs)"; \
		exit 1; fi; \
	if [ "$$(readlink $$lib/$(FFI_C_SONAME))" != $$real ] || \
		[ "$$(readlink $$lib/libslotwise.so)" != $(FFI_C_SONAME) ]; then \
		echo "$$lib: expected links $(FFI_C_SONAME) -> $$real and libslotwise.so -> $(FFI_C_SONAME)"; \
		ls -l $$lib; exit 1; fi; \
	if ! readelf -d $(FFI_C_OUT)/hello | sed -n 's/.*(NEEDED).*\[\(.*\)\]$$/\1/p' | \
		grep -qxF $(FFI_C_SONAME); then \
		echo "$(FFI_C_OUT)/hello does not need $(FFI_C_SONAME):"; readelf -d $(FFI_C_OUT)/hello; \
		exit 1; fi; \
	echo "installed $$real (SONAME $(FFI_C_SONAME)) with links $(FFI_C_SONAME) and libslotwise.so; hello needs $(FFI_C_SONAME)"

## install-c: header, shared library (libslotwise.so.X.Y.Z, with links libslotwise.so.X and
## libslotwise.so), static library and slotwise.pc under PREFIX (DESTDIR-aware)
install-c: lib-c
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(FFI_C)/include/slotwise.h $(DESTDIR)$(PREFIX)/include/slotwise.h
	install -m 755 $(FFI_C_LIBDIR)/libslotwise.so $(DESTDIR)$(PREFIX)/lib/libslotwise.so.$(FFI_C_VERSION)
	ln -sfn libslotwise.so.$(FFI_C_VERSION) $(DESTDIR)$(PREFIX)/lib/$(FFI_C_SONAME)
	ln -sfn $(FFI_C_SONAME) $(DESTDIR)$(PREFIX)/lib/libslotwise.so
	install -m 644 $(FFI_C_LIBDIR)/libslotwise.a $(DESTDIR)$(PREFIX)/lib/libslotwise.a
	strip --strip-debug $(DESTDIR)$(PREFIX)/lib/libslotwise.so.$(FFI_C_VERSION) $(DESTDIR)$(PREFIX)/lib/libslotwise.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(FFI_C_VERSION)|' \
		$(FFI_C)/slotwise.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/slotwise.pc
	@# The loader finds libslotwise.so.X in a system directory such as /usr/local/lib only
	@# through its cache: refresh it, unless staging into DESTDIR (the package's own install
	@# runs ldconfig) or not root (then run `sudo ldconfig`). Other prefixes need
	@# -Wl,-rpath,$(PREFIX)/lib or LD_LIBRARY_PATH.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then echo ldconfig; ldconfig; \
	elif [ -z "$(DESTDIR)" ]; then \
		echo "not root: run 'sudo ldconfig' if $(PREFIX)/lib is in the loader's search path"; fi

install: install-c

## bench-c: the C benchmark against one cluster beside hiredis and redis-benchmark --cluster
bench-c: deps c-bench-deps lib-c c-harness
	@mkdir -p $(FFI_C_OUT)
	$(CC) -O2 $(FFI_C_CFLAGS) -o $(FFI_C_OUT)/bench_c $(FFI_C)/bench/bench.c $(FFI_C_STATIC_LINK) -lhiredis
	bash $(FFI_C)/bench/run-bench.sh $(FFI_C_OUT)/bench_c $(FFI_C_TESTCLUSTER) $(FFI_C_TARGET)/bench-summary/ffi-c.md

test: test-c
bench: bench-c
