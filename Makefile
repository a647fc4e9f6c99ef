# libwebsockets, in Rust.  `make` builds, `make test` runs every test, `make install`
# installs what lws 4.3 installs, in the same places (README's "Install and link"):
# PREFIX, DESTDIR and the INSTALL_*DIR below are honoured.  `make deb` builds .deb packages.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_LIBDIR ?= $(PREFIX)/lib
INSTALL_INCLUDEDIR ?= $(PREFIX)/include
INSTALL_DOCDIR ?= $(PREFIX)/share/doc/libwebsockets
INSTALL_MANDIR ?= $(PREFIX)/share/man
INSTALL_CMAKEDIR = $(INSTALL_LIBDIR)/cmake/libwebsockets
CARGO ?= cargo
CC ?= cc
PYTHON ?= python3
LIBDIR := target/release
BUILD := build
SOVERSION := 19
VERSION := 4.3.10
DIST := $(BUILD)/dist
OBJCOPY ?= objcopy
LD ?= ld

.PHONY: all lib header check-header dist install install-debug uninstall deb test unit capi capi-valgrind abi-test \
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

# What gets installed, made from the cargo build (which keeps its debug info for profiling):
# - libwebsockets.so.$(SOVERSION): stripped; its debug info goes to a .debug file that
#   `make install-debug` installs where gdb looks for it (LIBDIR/.debug/, found through the
#   .gnu_debuglink section).
# - libwebsockets.a: the staticlib linked into one relocatable object (ld -r) in which only
#   the lws API (the .so's exports) stays global: the Rust runtime inside cannot clash with
#   another Rust static library in the same program.  Debug info and the LLVM bitcode the
#   Rust objects carry for LTO are removed; a C linker has no use for them.
dist: lib
	rm -rf $(DIST) && mkdir -p $(DIST)
	$(OBJCOPY) --only-keep-debug $(LIBDIR)/libwebsockets.so $(DIST)/libwebsockets.so.$(SOVERSION).debug
	$(OBJCOPY) --strip-unneeded --remove-section=.comment \
	  --add-gnu-debuglink=$(DIST)/libwebsockets.so.$(SOVERSION).debug \
	  $(LIBDIR)/libwebsockets.so $(DIST)/libwebsockets.so.$(SOVERSION)
	readelf --dyn-syms -W $(DIST)/libwebsockets.so.$(SOVERSION) | \
	  awk '$$5 == "GLOBAL" && $$7 != "UND" { sub(/@.*/, "", $$8); print $$8 }' > $(DIST)/exports.txt
	$(LD) -r --whole-archive $(LIBDIR)/libwebsockets.a -o $(DIST)/websockets.o
	$(OBJCOPY) --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd \
	  --keep-global-symbols=$(DIST)/exports.txt $(DIST)/websockets.o
	$(OBJCOPY) --strip-unneeded $(DIST)/websockets.o
	rm -f $(DIST)/libwebsockets.a && ar rcs $(DIST)/libwebsockets.a $(DIST)/websockets.o

# The generated files (lws_config.h, the libwebsockets/ sub-headers, the .pc files, the
# CMake package) come from tools/install_files.py, for the paths being installed to.
install: dist
	$(PYTHON) tools/install_files.py --out $(DIST)/files --prefix $(PREFIX) \
	  --libdir $(INSTALL_LIBDIR) --includedir $(INSTALL_INCLUDEDIR) \
	  --version $(VERSION) --soversion $(SOVERSION)
	$(PYTHON) tools/header_docs_html.py --out $(DIST)/files/api-reference.html
	$(PYTHON) tools/gen_man_pages.py --out $(DIST)/files/man3
	install -d $(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig $(DESTDIR)$(INSTALL_CMAKEDIR) \
	  $(DESTDIR)$(INSTALL_INCLUDEDIR)/libwebsockets $(DESTDIR)$(INSTALL_DOCDIR) \
	  $(DESTDIR)$(INSTALL_MANDIR)/man3
	install -m 755 $(DIST)/libwebsockets.so.$(SOVERSION) $(DESTDIR)$(INSTALL_LIBDIR)/
	ln -sf libwebsockets.so.$(SOVERSION) $(DESTDIR)$(INSTALL_LIBDIR)/libwebsockets.so
	install -m 644 $(DIST)/libwebsockets.a $(DESTDIR)$(INSTALL_LIBDIR)/
	install -m 644 include/libwebsockets.h $(DIST)/files/include/lws_config.h \
	  $(DESTDIR)$(INSTALL_INCLUDEDIR)/
	install -m 644 $(DIST)/files/include/libwebsockets/*.h $(DESTDIR)$(INSTALL_INCLUDEDIR)/libwebsockets/
	install -m 644 $(DIST)/files/pkgconfig/*.pc $(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/
	install -m 644 $(DIST)/files/cmake/*.cmake $(DESTDIR)$(INSTALL_CMAKEDIR)/
	install -m 644 README.md MATRIX.md $(DIST)/files/api-reference.html $(DESTDIR)$(INSTALL_DOCDIR)/
	install -m 644 $(DIST)/files/man3/*.3 $(DESTDIR)$(INSTALL_MANDIR)/man3/

install-debug: dist
	install -d $(DESTDIR)$(INSTALL_LIBDIR)/.debug
	install -m 644 $(DIST)/libwebsockets.so.$(SOVERSION).debug $(DESTDIR)$(INSTALL_LIBDIR)/.debug/

uninstall:
	rm -f $(DESTDIR)$(INSTALL_LIBDIR)/libwebsockets.so $(DESTDIR)$(INSTALL_LIBDIR)/libwebsockets.so.$(SOVERSION) \
	  $(DESTDIR)$(INSTALL_LIBDIR)/libwebsockets.a \
	  $(DESTDIR)$(INSTALL_LIBDIR)/.debug/libwebsockets.so.$(SOVERSION).debug \
	  $(DESTDIR)$(INSTALL_INCLUDEDIR)/libwebsockets.h $(DESTDIR)$(INSTALL_INCLUDEDIR)/lws_config.h \
	  $(addprefix $(DESTDIR)$(INSTALL_INCLUDEDIR)/libwebsockets/,$(shell cat abi/lws-4.3-subheaders.txt)) \
	  $(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/libwebsockets.pc \
	  $(DESTDIR)$(INSTALL_LIBDIR)/pkgconfig/libwebsockets_static.pc \
	  $(addprefix $(DESTDIR)$(INSTALL_CMAKEDIR)/,libwebsockets-config.cmake \
	    libwebsockets-config-version.cmake LibwebsocketsTargets.cmake LwsCheckRequirements.cmake) \
	  $(DESTDIR)$(INSTALL_DOCDIR)/README.md $(DESTDIR)$(INSTALL_DOCDIR)/MATRIX.md \
	  $(DESTDIR)$(INSTALL_DOCDIR)/api-reference.html
	rm -f $(addprefix $(DESTDIR)$(INSTALL_MANDIR)/man3/,$(shell $(PYTHON) tools/gen_man_pages.py --list))
	-rmdir $(DESTDIR)$(INSTALL_INCLUDEDIR)/libwebsockets $(DESTDIR)$(INSTALL_CMAKEDIR) \
	  $(DESTDIR)$(INSTALL_DOCDIR) $(DESTDIR)$(INSTALL_LIBDIR)/.debug 2>/dev/null || true

# Debian packages libwebsockets-rs$(SOVERSION) (the .so) and libwebsockets-rs-dev (the
# rest), which take the place of Debian's libwebsockets-dev; see tools/make_deb.py.
DEB_OUT ?= $(BUILD)/deb
deb: lib
	$(PYTHON) tools/make_deb.py --version $(VERSION) --soversion $(SOVERSION) --out $(DEB_OUT)

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

# Autobahn test cases through kosoku, both directions (tools/conformance.py): groups 1-7,
# 9, 10 and a subset of the permessage-deflate groups 12/13 (~1 min); FULL=1 runs all of
# 12 and 13 (517 cases each way, ~7 min more, deflate on both sides).
conformance: lib
	$(PYTHON) tools/run_capi_tests.py example-build/echo example-build/autobahn-client >/dev/null
	$(PYTHON) tools/conformance.py

# What `make test` runs: the whole of groups 12 and 13 too (issue 15 asks for them clean
# in make test).
.PHONY: conformance-full
conformance-full: lib
	$(PYTHON) tools/run_capi_tests.py example-build/echo example-build/autobahn-client >/dev/null
	FULL=1 $(PYTHON) tools/conformance.py

# The Autobahn cases over wss://, both directions (kosoku has no TLS: a relay in the
# script adds it).
.PHONY: conformance-tls
conformance-tls: lib
	$(PYTHON) tools/run_capi_tests.py example-build/echo example-build/autobahn-client >/dev/null
	$(PYTHON) tools/conformance_tls.py

test: check-header unit capi differential conformance-full conformance-tls soak bench-quick
	@echo "all tests passed"

# The soak (tools/soak.py): the echo and chat examples under mixed load (checked echoes,
# permessage-deflate, chat broadcasts, HTTP, connection churn, ping floods, slow readers)
# for MINUTES minutes, RSS and descriptors watched; 1 minute in `make test`.
MINUTES ?= 1
.PHONY: soak
soak: lib
	$(PYTHON) tools/run_capi_tests.py example-build/echo example-build/chat >/dev/null
	ulimit -n $$(ulimit -Hn) 2>/dev/null || true; $(PYTHON) tools/soak.py --minutes $(MINUTES)

# AddressSanitizer (tools/run_asan.py): the library built with nightly's -Zsanitizer=address
# into target/asan/, the C tests and examples with -fsanitize=address,undefined, all run;
# a canary first proves an overflow inside the library is reported.  T="name ..." picks.
ASAN_LIBDIR := target/asan/x86_64-unknown-linux-gnu/release
.PHONY: asan
asan:
	RUSTFLAGS="-Zsanitizer=address -Cforce-frame-pointers=yes" CARGO_TARGET_DIR=target/asan \
	  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	  $(CARGO) +nightly build --release --target x86_64-unknown-linux-gnu
	cd $(ASAN_LIBDIR) && ln -sf libwebsockets.so libwebsockets.so.$(SOVERSION)
	$(PYTHON) tools/run_asan.py $(T)

# ThreadSanitizer with the library instrumented too (capi's threads_tsan instruments only
# the C side): the library built with nightly's -Zsanitizer=thread into target/tsan/,
# capi-tests/threads_tsan.c compiled by $(CC) -fsanitize=thread but linked with the LLVM
# TSan runtime nightly ships (the instrumented library calls __tsan_* entry points gcc's
# libtsan lacks), run 3 times; any report fails (exit 66).
TSAN_LIBDIR := target/tsan/x86_64-unknown-linux-gnu/debug
.PHONY: tsan
tsan:
	RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" CARGO_TARGET_DIR=target/tsan \
	  $(CARGO) +nightly build --lib --target x86_64-unknown-linux-gnu
	cd $(TSAN_LIBDIR) && ln -sf libwebsockets.so libwebsockets.so.$(SOVERSION)
	mkdir -p build/tsan
	$(CC) -std=gnu11 -fsanitize=thread -g -Iinclude -c capi-tests/threads_tsan.c \
	  -o build/tsan/threads_tsan.o
	$(CC) build/tsan/threads_tsan.o -Wl,--whole-archive \
	  $$(ls $$(rustc +nightly --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/lib/librustc-*_rt.tsan.a) \
	  -Wl,--no-whole-archive -rdynamic -L$(TSAN_LIBDIR) -lwebsockets -lpthread -ldl -lm -lrt \
	  -o build/tsan/threads_tsan
	for i in 1 2 3; do LD_LIBRARY_PATH=$(TSAN_LIBDIR) build/tsan/threads_tsan >/dev/null || exit 1; done
	@echo "tsan: threads_tsan ran 3 times with the library instrumented, no report"

# The benchmark: ours against Debian's libwebsockets (4.1.6) on examples-c/echo.c, with our
# load generator bench/loadgen; see README's Benchmarks. Writes bench/results.md (+ .json,
# msgs_per_sec.png); about 5 minutes. QUICK=1 (= bench-quick, part of `make test`): one short
# run per size that only checks that everything completes and echoes correctly (~15 s).
# uWebSockets' echo (bench/uws-echo.cpp) is measured beside ours when its sources are at hand:
# UWS_DIR=path of a uWebSockets checkout with its uSockets submodule, else a shallow clone
# into build/bench/ is tried; without either that section is skipped.
bench: lib
	ulimit -n $$(ulimit -Hn) 2>/dev/null || true; $(PYTHON) bench/run.py $(if $(QUICK),--quick)

# Only the compressed-echo row (bench/deflate.py): CPU per message and output/payload
# ratio with permessage-deflate on text-like payloads, ours against the original.
.PHONY: bench-deflate
bench-deflate: lib
	$(PYTHON) bench/deflate.py

# Only the HTTP/2 rows (bench/h2bench.py): h2load's requests/s from bench/h2-serve.c over h2c
# (prior knowledge), h2 over TLS and HTTP/1.1, ours against the original (~1.5 minutes).
.PHONY: bench-h2
bench-h2: lib
	$(PYTHON) bench/h2bench.py

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

# Fuzzing (README's "Fuzzing"): every cargo-fuzz target in fuzz/ for SECS seconds each,
# one after the other, then a summary.  Needs cargo-fuzz and a nightly toolchain (for the
# fuzz crate only).  FUZZ_TARGETS picks some; not part of `make test`.
SECS ?= 60
FUZZ_TARGETS ?=
.PHONY: fuzz fuzz-lib fuzz-build
fuzz-lib:
	{ cat fuzz/lib/Cargo.toml.in; \
	  awk '/^\[dependencies\]/{p=1; print; next} /^\[/{p=0} p' Cargo.toml; } > fuzz/lib/Cargo.toml.new
	cmp -s fuzz/lib/Cargo.toml.new fuzz/lib/Cargo.toml || mv fuzz/lib/Cargo.toml.new fuzz/lib/Cargo.toml
	rm -f fuzz/lib/Cargo.toml.new

fuzz-build: fuzz-lib
	cd fuzz && $(CARGO) +nightly fuzz build -O

fuzz: fuzz-build
	$(PYTHON) tools/run_fuzz.py --secs $(SECS) $(FUZZ_TARGETS)
