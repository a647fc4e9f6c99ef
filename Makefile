# libwebsockets, in Rust.  `make` builds, `make test` runs every test, `make install`
# installs (PREFIX, DESTDIR honoured).
PREFIX ?= /usr/local
DESTDIR ?=
CARGO ?= cargo
CC ?= cc
PYTHON ?= python3
LIBDIR := target/release
BUILD := build
SOVERSION := 19
VERSION := 4.3.10

.PHONY: all lib header check-header install uninstall test unit capi capi-valgrind abi-test \
	exports-test matrix abi-prototypes examples clean demo conformance abi-consts clippy \
	fmt-check differential bench bench-quick

all: lib

lib:
	$(CARGO) build --release
	cd $(LIBDIR) && ln -sf libwebsockets.so libwebsockets.so.$(SOVERSION)

# Regenerate the committed header from the Rust definitions.
header: lib
	cp target/libwebsockets.h include/libwebsockets.h

check-header: lib
	@cmp -s target/libwebsockets.h include/libwebsockets.h || { \
	  echo "include/libwebsockets.h is stale: run 'make header' and commit it"; \
	  diff -u include/libwebsockets.h target/libwebsockets.h | head -40; exit 1; }

abi-consts:
	$(PYTHON) tools/gen_abi_consts.py

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(LIBDIR)/libwebsockets.so $(DESTDIR)$(PREFIX)/lib/libwebsockets.so.$(SOVERSION)
	ln -sf libwebsockets.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libwebsockets.so
	install -m 644 $(LIBDIR)/libwebsockets.a $(DESTDIR)$(PREFIX)/lib/libwebsockets.a
	install -m 644 include/libwebsockets.h $(DESTDIR)$(PREFIX)/include/libwebsockets.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' libwebsockets.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libwebsockets.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libwebsockets.so* $(DESTDIR)$(PREFIX)/lib/libwebsockets.a \
	  $(DESTDIR)$(PREFIX)/include/libwebsockets.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/libwebsockets.pc

unit:
	$(CARGO) test --release --lib

# The C API tests and the built-in checks (abi, exports, matrix, install); see
# capi-tests/README.md.  T="name ..." runs only those.
capi: lib
	$(PYTHON) tools/run_capi_tests.py $(T)

capi-valgrind: lib
	VALGRIND=1 $(PYTHON) tools/run_capi_tests.py $(T)

# The differential run: capi-tests/ against Debian's lws 4.1.6 (libwebsockets-dev) and
# against ours; the transcripts must be identical (capi-tests/README.md).  T="name ..."
# runs only those; LWS_ORIG_INCLUDE/LWS_ORIG_LIBDIR point at another original.
differential: lib
	$(PYTHON) tools/run_differential.py $(T)

abi-test: lib
	$(PYTHON) tools/run_capi_tests.py abi

exports-test: lib
	$(PYTHON) tools/run_capi_tests.py exports

matrix: lib
	$(PYTHON) tools/check_matrix.py

# Re-read abi/lws-4.3-prototypes.tsv off lws 4.3's headers: make abi-prototypes LWS_SRC_INCLUDE=dir
abi-prototypes:
	$(PYTHON) tools/gen_abi_prototypes.py --lws-include $(LWS_SRC_INCLUDE)

# Builds examples-c/*.c (the runner does this too, before the drivers that use them).
EXAMPLES_C := $(wildcard examples-c/*.c)
examples: lib
	$(if $(EXAMPLES_C),$(PYTHON) tools/run_capi_tests.py $(patsubst examples-c/%.c,example-build/%,$(EXAMPLES_C)),@echo "no examples-c/*.c")

# The demo: examples-c/demo.c (a page from a mount, a ws chat and a live counter, a form
# parsed by lws_spa, a live dashboard with a built-in load) on http://localhost:7681 until
# Ctrl-C; tools/demo.py builds and runs it.
demo: lib
	$(PYTHON) tools/demo.py

# Autobahn test cases through kosoku, both directions (tools/conformance.py).
conformance: lib
	$(PYTHON) tools/run_capi_tests.py example-build/echo example-build/autobahn-client >/dev/null
	$(PYTHON) tools/conformance.py

test: check-header unit capi differential conformance bench-quick
	@echo "all tests passed"

# The benchmark: ours against Debian's libwebsockets (4.1.6) on examples-c/echo.c, with our
# load generator bench/loadgen; see README's Benchmarks. Writes bench/results.md (+ .json,
# msgs_per_sec.png); about 5 minutes. QUICK=1 (= bench-quick, part of `make test`): one short
# run per size that only checks that everything completes and echoes correctly (~15 s).
bench: lib
	ulimit -n $$(ulimit -Hn) 2>/dev/null || true; $(PYTHON) bench/run.py $(if $(QUICK),--quick)

bench-quick: lib
	$(CARGO) test --release -q --manifest-path bench/loadgen/Cargo.toml
	ulimit -n $$(ulimit -Hn) 2>/dev/null || true; $(PYTHON) bench/run.py --quick

clippy:
	$(CARGO) clippy --release --all-targets -- -D warnings

fmt-check:
	$(CARGO) fmt --check

clean:
	$(CARGO) clean
	rm -rf $(BUILD) bench/loadgen/target
