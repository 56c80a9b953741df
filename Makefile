# Makefile - builds Lyng natively, with sanitizers and to WebAssembly, installs
# what a fresh Debian 12 lacks, and runs every test suite.
#
#   make run     build, then run examples/hello.lyng natively and the
#                networked demo examples/net_demo.lyng on Node
#   make test    build, then run all suites; ends with "N passed, N failed"
#   make help    the other targets
#
# Sources are found with wildcards, so a new .c file is built without
# editing this file. The library is src/lyng, src/net and one host backend
# of src/host; the command line (src/cli) is built on top of it. Files only
# one platform can build are named here: src/cli/main_native.c,
# src/cli/*_native.c, src/host/posix*.c, poll_epoll.c and poll_posix.c are
# native-only, src/cli/wasm_*.c and src/host/js*.c are wasm-only,
# src/cli/*_wasi.c, src/host/wasi*.c and poll_wasi.c belong to the WASI
# command build.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

B := build

# ---- toolchains ----
CLANG ?= clang-19
NATIVE_CC ?= $(shell command -v gcc >/dev/null 2>&1 && echo gcc || echo $(CLANG))
HOST_CC ?= $(NATIVE_CC)
WARN := -Wall -Wextra -Werror
CSTD := -std=c11
INCLUDES := -Isrc -Isrc/include -I$(B)/gen
DEPFLAGS = -MMD -MP

# Hidden by default: only what lyng.h and net.h mark LYNG_API leaves
# liblyng.a (see its rule). With GCC the library is optimised across its
# files at link time (LTO): a socket's round trip crosses the VM, the net
# module and the host through a dozen small functions of other files, which
# it then inlines (echo server of a ping-pong: 7% fewer instructions).
NATIVE_LTO := $(if $(filter gcc%,$(notdir $(firstword $(NATIVE_CC)))),-flto=auto)
NATIVE_CFLAGS := $(CSTD) -O2 $(WARN) -D_DEFAULT_SOURCE -fvisibility=hidden $(NATIVE_LTO) $(INCLUDES)
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_CFLAGS := $(CSTD) -O1 -g $(WARN) -D_DEFAULT_SOURCE $(INCLUDES) $(ASAN_FLAGS)
# The wasm module is built for size (-Oz, then binaryen's wasm-opt -Oz): it
# is downloaded by every page of the playground, and V8 compiles it to
# machine code anyway; the interpreter loses about 7% against -O2. Link-time
# optimisation saves another 3 KiB and runs a little faster. Bulk memory:
# the compiler's block copies and fills (of structs, strings, list items)
# become memory.copy and memory.fill, which the engine runs natively,
# instead of calls into wasi-libc's loops, and src/host/shared_bulk_mem.c
# replaces those loops for libc's own callers: 0.7 KiB less gzip, no slower
# (wasm-opt below already allowed the feature).
WASM_CFLAGS := --target=wasm32-wasi -mbulk-memory $(CSTD) -Oz -flto $(WARN) $(INCLUDES)
# Except the object model, the collector and the allocator (maps, strings,
# instances, every allocation): at -Oz their small lookups stay calls, and
# the object-heavy benchmark ran 13% faster on Node with them at -O2, for
# 3 KiB more gzip. The run loop (vm.c) stays -Oz: at -O2 it ran slower on
# V8, whose optimizing compiler takes longer over the larger function while
# the baseline code goes on running.
WASM_SPEED_SRC := src/lyng/object.c src/lyng/gc.c src/lyng/mem.c
WASM_SPEED_CFLAGS := -O2
# The run loop without lifetime markers: clang ends the lifetime of a
# block's address-taken locals in a cleanup block that jumps out of the
# block pass through, and in vm_run_fiber every instruction's `continue`
# then went to one shared block and a switch on where to go next, which
# V8's optimizing compiler in Node 20 does not thread away. Without them
# each instruction jumps straight back to the dispatch: fib(32) ran 23%
# faster on Node 20, loop sum 19%, closures 13% (Node 24 unchanged). The
# loop's shadow-stack frame grows from 2.2 to 3.0 KiB (nesting through
# vm_call_sync is bounded in bytes, limits.h).
WASM_VM_CFLAGS := -Xclang -disable-lifetime-markers
# wasm-opt inlines every function that has one caller, whatever its size:
# that put vm_run_cold (vm.c) back into the run loop, which V8 must then
# optimize whole again. Above 3000 binaryen size units a one-caller function
# stays a call; vm_run_cold is the only one that large (one function more,
# 14 bytes more gzip). --low-memory-unused: wasm-ld places the data from
# address 1024 on, and the stack and heap above it, so nothing lives in the
# first KiB; binaryen may then fold a constant under 1 KiB added to a
# pointer into the offset of the load or store using it (only a sum that
# wrapped around could have pointed there): 1.5 KiB less gzip.
WASM_OPT_FLAGS := -Oz -ocimfs 3000 --low-memory-unused --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int
# 2 MiB of C stack instead of the linker default of 64 KiB: the compiler and
# the printer of nested values recurse in C, as they do natively, and
# brackets nested LYNG_MAX_NESTING deep must compile (src/lyng/limits.h).
WASM_LDFLAGS := --target=wasm32-wasi -flto -mexec-model=reactor -Wl,-z,stack-size=2097152 -Wl,--strip-debug

# Native builds use OpenSSL for TLS (src/host/posix_tls.c) without linking
# it: the host loads libssl (dlopen) when a script first uses TLS, so a
# start without TLS does not map it (src/host/posix_tls_lib.h). The
# headers (libssl-dev) are needed to build, libssl to use TLS. The wasm
# builds never use it: on Node TLS is node:tls, elsewhere it is unavailable.
NATIVE_LIBS := -lm -ldl

# ---- sources ----
CORE_SRC := $(wildcard src/lyng/*.c) $(wildcard src/net/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
CLI_NATIVE_ONLY := $(wildcard src/cli/main_native.c src/cli/*_native.c)
CLI_WASM_ONLY := $(wildcard src/cli/wasm_*.c)
CLI_WASI_ONLY := $(wildcard src/cli/*_wasi.c)
HOST_SHARED := $(wildcard src/host/errors.c src/host/shared_*.c)
# The event core (handles, timers, pending ops, the wait loop) under the
# native and WASI backends. The native backend is posix*.c with one poll
# step: poll_epoll.c here, poll_posix.c in the poll build (mk/poll.mk).
HOST_CORE := $(wildcard src/host/host_*.c)
POSIX_HOST := $(HOST_SHARED) $(HOST_CORE) $(wildcard src/host/posix*.c)

NATIVE_LIB_SRC := $(CORE_SRC) $(POSIX_HOST) src/host/poll_epoll.c
NATIVE_CLI_SRC := $(filter-out $(CLI_WASM_ONLY) $(CLI_WASI_ONLY),$(CLI_SRC))
NATIVE_SRC := $(NATIVE_LIB_SRC) $(NATIVE_CLI_SRC)
WASM_LIB_SRC := $(CORE_SRC) $(HOST_SHARED) $(wildcard src/host/js*.c)
WASM_CLI_SRC := $(filter-out $(CLI_NATIVE_ONLY) $(CLI_WASI_ONLY),$(CLI_SRC))

NATIVE_LIB_OBJ := $(NATIVE_LIB_SRC:%.c=$(B)/native/obj/%.o)
NATIVE_CLI_OBJ := $(NATIVE_CLI_SRC:%.c=$(B)/native/obj/%.o)
NATIVE_OBJ := $(NATIVE_LIB_OBJ) $(NATIVE_CLI_OBJ)
ASAN_OBJ := $(NATIVE_SRC:%.c=$(B)/asan/obj/%.o)
WASM_LIB_OBJ := $(WASM_LIB_SRC:%.c=$(B)/wasm/obj/%.o)
WASM_CLI_OBJ := $(WASM_CLI_SRC:%.c=$(B)/wasm/obj/%.o)
WASM_OBJ := $(WASM_LIB_OBJ) $(WASM_CLI_OBJ)
# The JavaScript module of src/include/lyng_constants.h (tools/gen_constants.c)
JS_CONSTANTS := $(B)/js/constants.mjs

PRELUDE_H := $(B)/gen/prelude.h
SETUP_STAMP := $(B)/.setup-apt-done

.PHONY: all build native asan wasm setup test run bench clean help

all: build

help:
	@echo "make run      build, then run examples/hello.lyng natively and examples/net_demo.lyng on Node"
	@echo "make test     build, then run every test suite (one total line at the end)"
	@echo "make build    every build: native, asan, poll, asan-poll, wasm, wasi, the playground, fuzz targets"
	@echo "make native | asan | poll | wasm   one build only (native: liblyng.a and lyng; wasm: lyng.wasm and lyng-cli.wasm)"
	@echo "make setup    install missing packages (apt-get) and npm dependencies"
	@echo "make bench    run the benchmarks (bench/run.mjs, mk/bench.mk)"
	@echo "make conformance   every >>> block under docs/, file by file, on the native build"
	@echo "make clean    remove build/"

# ---- setup: install only what is missing ----
# Each entry is COMMAND:PACKAGE (a package is needed when its command is
# absent and dpkg does not know it) or -:PACKAGE (dpkg only).
SETUP_NEEDS := clang-19:clang-19 wasm-ld-19:lld-19 -:wasi-libc -:libclang-rt-19-dev-wasm32 -:libclang-rt-19-dev \
               wasm-opt:binaryen lua5.4:lua5.4 node:nodejs npm:npm -:libssl-dev openssl:openssl haproxy:haproxy wrk:wrk \
               -:libedit-dev tmux:tmux

# The apt check runs once per build tree (the stamp); the npm check is cheap
# and runs every time, so a removed node_modules is noticed. npm ci creates
# no node_modules when there are no dependencies, hence the mkdir.
setup: $(SETUP_STAMP)
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then \
	  echo "setup: npm ci"; npm ci --no-audit --no-fund; mkdir -p node_modules; touch node_modules; \
	fi

$(SETUP_STAMP):
	@missing=""; \
	for need in $(SETUP_NEEDS); do \
	  cmd=$${need%%:*}; pkg=$${need#*:}; \
	  if [ "$$cmd" != "-" ] && command -v "$$cmd" >/dev/null 2>&1; then continue; fi; \
	  dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
	@mkdir -p $(@D) && touch $@

# ---- areas ----
# Each mk/*.mk adds its own targets. It may append build targets to
# BUILD_EXTRA (made by `make build`) and test targets to TEST_EXTRA (run by
# `make test` after the core suites; each reports through $(call suite,...)).
BUILD_EXTRA :=
TEST_EXTRA :=
-include $(sort $(wildcard mk/*.mk))

# ---- build ----
build: native asan wasm $(BUILD_EXTRA)
native: $(B)/native/liblyng.a $(B)/native/lyng
asan: $(B)/asan/lyng
wasm: $(B)/wasm/lyng.wasm $(B)/wasm/lyng-cli.wasm $(JS_CONSTANTS)

$(B)/tools/gen_constants: tools/gen_constants.c src/include/lyng_constants.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(CSTD) -O1 $(WARN) -Isrc/include -o $@ $<

$(JS_CONSTANTS): $(B)/tools/gen_constants
	@mkdir -p $(@D)
	$(B)/tools/gen_constants $@

$(B)/tools/embed: tools/embed.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(CSTD) -O2 $(WARN) -o $@ $<

# prelude.h also carries the built-in Lyng-source modules (lyng.time). The
# prelude's own source is only for the tool that compiles it to its image
# (tools/prelude_image.c defines LYNG_PRELUDE_SOURCE); the builds carry the
# image instead.
$(PRELUDE_H): src/lyng/prelude.lyng src/lyng/time.lyng $(B)/tools/embed
	@mkdir -p $(@D)
	$(B)/tools/embed lyng_prelude_src src/lyng/prelude.lyng $@.prelude
	$(B)/tools/embed lyng_time_src src/lyng/time.lyng $@.time
	{ echo '#ifdef LYNG_PRELUDE_SOURCE'; cat $@.prelude; echo '#endif'; cat $@.time; } > $@
	@rm -f $@.prelude $@.time

# The prelude's bytecode, compiled at build time (src/lyng/prelude_image.c):
# a tool linked from the native core, with an empty image of its own,
# compiles the prelude and writes the image every build loads at VM start.
PRELUDE_IMAGE_H := $(B)/gen/prelude_image_data.h
PRELUDE_TOOL_OBJ := $(filter-out %/prelude_image.o,$(NATIVE_LIB_OBJ)) $(B)/tools/obj/prelude_image_none.o

# The headers are named as well as tracked (DEPFLAGS): an object built
# before its .d existed must still follow a change of the VM's layout.
PRELUDE_TOOL_HEADERS := $(wildcard src/lyng/*.h src/include/*.h)

$(B)/tools/obj/prelude_image_none.o: src/lyng/prelude_image.c $(PRELUDE_TOOL_HEADERS) | $(PRELUDE_H) $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(NATIVE_CC) $(NATIVE_CFLAGS) $(DEPFLAGS) -DLYNG_PRELUDE_IMAGE_NONE -c $< -o $@
-include $(B)/tools/obj/prelude_image_none.d

$(B)/tools/prelude_image: tools/prelude_image.c $(PRELUDE_TOOL_OBJ) $(PRELUDE_TOOL_HEADERS) $(PRELUDE_H)
	$(NATIVE_CC) $(NATIVE_CFLAGS) -o $@ $(filter %.c %.o,$^) $(NATIVE_LIBS)

$(PRELUDE_IMAGE_H): $(B)/tools/prelude_image
	$< $@

# The C library: one relocatable object of the library's sources in which
# every symbol not marked LYNG_API (so every one not named lyng_*) is made
# local, archived. An embedder links it with $(NATIVE_LIBS).
$(B)/native/liblyng.a: $(NATIVE_LIB_OBJ)
	$(if $(NATIVE_LTO),$(NATIVE_CC) $(NATIVE_CFLAGS) -r -flinker-output=nolto-rel,ld -r) -o $(@:.a=.o) $^
	objcopy --localize-hidden $(@:.a=.o)
	rm -f $@ && ar rcs $@ $(@:.a=.o)
	@rm -f $(@:.a=.o)

# libedit gives the native REPL line editing and history; it is loaded
# (dlopen) when a REPL starts, not linked (src/cli/editline.h).
$(B)/native/lyng: $(NATIVE_CLI_OBJ) $(B)/native/liblyng.a
	$(NATIVE_CC) -o $@ $^ $(NATIVE_LIBS)

$(B)/asan/lyng: $(ASAN_OBJ)
	$(CLANG) $(ASAN_FLAGS) -o $@ $^ $(NATIVE_LIBS)

# lyng.wasm is the library (createLyng, the playground); lyng-cli.wasm adds
# the command line, its REPL and doc tests (bin/lyng), and for bin/lyng's
# cache of V8's compiled code (js-shim/code_cache.mjs) a build id
# (tools/wasm_build_id.mjs) and the run loop as an export, whose tier V8
# can be asked (nothing calls it from outside).
$(B)/wasm/lyng.wasm: $(WASM_LIB_OBJ)
	$(CLANG) $(WASM_LDFLAGS) -o $@.linked $^ -lm
	wasm-opt $(WASM_OPT_FLAGS) $@.linked -o $@
	@rm -f $@.linked

$(B)/wasm/lyng-cli.wasm: $(WASM_LIB_OBJ) $(WASM_CLI_OBJ) tools/wasm_build_id.mjs
	$(CLANG) $(WASM_LDFLAGS) -Wl,--export=vm_run_fiber -Wl,--export=parse_prec -o $@.linked $(filter %.o,$^) -lm
	wasm-opt $(WASM_OPT_FLAGS) $@.linked -o $@
	node tools/wasm_build_id.mjs $@
	@rm -f $@.linked

# The generated header must exist before the first compile; afterwards the
# -MMD dependency files track who includes it. Compiling needs the toolchain,
# so on a fresh machine `make build` installs it first.
$(NATIVE_OBJ) $(ASAN_OBJ) $(WASM_OBJ): | $(PRELUDE_H) $(SETUP_STAMP)

# The native objects are made again when their flags change (the library
# relies on -fvisibility=hidden reaching every object).
$(B)/native/cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(NATIVE_CC) $(NATIVE_CFLAGS)' | cmp -s - $@ || echo '$(NATIVE_CC) $(NATIVE_CFLAGS)' > $@
$(NATIVE_OBJ): $(B)/native/cflags
.PHONY: FORCE

$(B)/native/obj/%.o: %.c
	@mkdir -p $(@D)
	$(NATIVE_CC) $(NATIVE_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(ASAN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/wasm/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(WASM_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(WASM_SPEED_SRC:%.c=$(B)/wasm/obj/%.o): WASM_CFLAGS += $(WASM_SPEED_CFLAGS)
$(B)/wasm/obj/src/lyng/vm.o: WASM_CFLAGS += $(WASM_VM_CFLAGS)

# The wasm objects too are made again when their flags change.
$(B)/wasm/cflags: FORCE
	@mkdir -p $(@D)
	@echo '$(WASM_CFLAGS) speed: $(WASM_SPEED_SRC) $(WASM_SPEED_CFLAGS) vm: $(WASM_VM_CFLAGS)' | cmp -s - $@ || echo '$(WASM_CFLAGS) speed: $(WASM_SPEED_SRC) $(WASM_SPEED_CFLAGS) vm: $(WASM_VM_CFLAGS)' > $@
$(WASM_OBJ): $(B)/wasm/cflags

$(B)/tools/test_format: tools/test_format.c src/lyng/format.c src/lyng/utf8.c src/lyng/mem.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(CSTD) -O1 $(WARN) $(INCLUDES) -o $@ $^ -lm

# Every build's prelude_image.o holds the image (the mk/*.mk builds too).
$(filter %/src/lyng/prelude_image.o,$(NATIVE_OBJ) $(ASAN_OBJ) $(WASM_OBJ) $(WASI_OBJ) $(FUZZ_LIB_OBJ)): $(PRELUDE_IMAGE_H)

-include $(NATIVE_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(WASM_OBJ:.o=.d)

# ---- test ----
# Every suite appends "NAME PASSED FAILED" to $(SUMMARY); a suite whose file
# is missing is skipped with a notice. A suite that exits non-zero without
# reporting a failure counts as one failure, so a crash is never green.
SUMMARY := $(B)/test-summary
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

# $(call suite,NAME,REQUIRED-FILE,COMMAND): count from the last
# "N passed, N failed" line the command prints.
define suite
	@if [ ! -e "$(2)" ]; then echo "== $(1): skipped ($(2) not found)"; exit 0; fi; \
	echo "== $(1)"; \
	rc=0; $(3) 2>&1 | tee $(B)/suite.log || rc=$$?; \
	line=$$(grep -E '^[0-9]+ passed, [0-9]+ failed' $(B)/suite.log | tail -n 1 || true); \
	p=$$(echo "$$line" | sed -nE 's/^([0-9]+) passed.*/\1/p'); p=$${p:-0}; \
	f=$$(echo "$$line" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p'); f=$${f:-0}; \
	if [ "$$rc" != 0 ] && [ "$$f" = 0 ]; then f=1; echo "$(1): exited with status $$rc"; fi; \
	echo "$(1)|$$p|$$f" >> $(SUMMARY)
endef

NODE_TEST_TAP := $(B)/node-tests.tap
# The test files are named, not their folder: Node 21 and later take the
# arguments of --test as files or glob patterns and no longer search a
# folder (Node 24 ran `node --test node-tests/` as one failing script).
NODE_TEST_FILES := $(sort $(wildcard node-tests/*.test.mjs))
# The net guide's examples talk to a loopback reply server on NET_TEST_TCP_PORT.
DOCTEST := node node-tests/with_reply_server.mjs
DOCTEST_ARGS := --allow-net=127.0.0.1 -D NET_TEST_TCP_PORT={port} --doctest docs/*.md

test: setup build $(if $(wildcard tools/test_format.c),$(B)/tools/test_format)
	@rm -f $(SUMMARY)
	$(call suite,language tests,tests/run.mjs,$(ASAN_ENV) node tests/run.mjs --cmd $(B)/asan/lyng --cmd bin/lyng)
	$(call suite,doc tests (native),$(firstword $(wildcard docs/*.md) docs/*.md),$(DOCTEST) $(B)/native/lyng $(DOCTEST_ARGS))
	$(call suite,doc tests (node),$(firstword $(wildcard docs/*.md) docs/*.md),$(DOCTEST) bin/lyng $(DOCTEST_ARGS))
	$(call suite,format tests,tools/test_format.c,$(B)/tools/test_format)
	@if [ -z "$(NODE_TEST_FILES)" ]; then echo "== node tests: skipped (node-tests/ is empty)"; exit 0; fi; \
	echo "== node tests"; rc=0; \
	node --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=tap --test-reporter-destination=$(NODE_TEST_TAP) $(NODE_TEST_FILES) || rc=$$?; \
	p=$$(sed -nE 's/^# pass ([0-9]+)$$/\1/p' $(NODE_TEST_TAP) | tail -n 1); p=$${p:-0}; \
	f=$$(sed -nE 's/^# fail ([0-9]+)$$/\1/p' $(NODE_TEST_TAP) | tail -n 1); f=$${f:-0}; \
	if [ "$$rc" != 0 ] && [ "$$f" = 0 ]; then f=1; echo "node tests: exited with status $$rc"; fi; \
	echo "node tests|$$p|$$f" >> $(SUMMARY)
	@for t in $(TEST_EXTRA); do $(MAKE) --no-print-directory $$t || echo "$$t|0|1" >> $(SUMMARY); done
	@echo; echo "== summary"; \
	awk -F'|' '{ printf "  %-24s %5d passed, %d failed\n", $$1, $$2, $$3; p += $$2; f += $$3 } \
	  END { printf "%d passed, %d failed\n", p, f; exit (f > 0) }' $(SUMMARY)

# ---- run ----
# The tour of the language natively, then the networked demo on Node (it
# opens sockets on 127.0.0.1 only, which --allow-net=127.0.0.1 permits).
run: setup build
	@echo "== build/native/lyng examples/hello.lyng"; $(B)/native/lyng examples/hello.lyng
	@echo; echo "== bin/lyng --allow-net=127.0.0.1 examples/net_demo.lyng   (wasm on Node)"
	@bin/lyng --allow-net=127.0.0.1 examples/net_demo.lyng

clean:
	rm -rf $(B)
