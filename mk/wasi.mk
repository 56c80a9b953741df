# mk/wasi.mk - the WASI 0.2 command component build/wasi/lyng.wasm and its
# tests. clang builds a wasm32-wasi core module (command model, main in
# src/cli/main_wasi.c, host in src/host/wasi*.c on the event core host_*.c,
# polled by poll_wasi.c) that imports wasi:sockets,
# wasi:io and wasi:clocks directly; wasi/build.mjs embeds the WIT world
# wasi/wit/world.wit, adapts preview 1 with jco's command adapter and
# transpiles the component for Node (build/wasi/js/, run by wasi/run).

WASI_SRC := $(CORE_SRC) $(filter-out $(CLI_NATIVE_ONLY) $(CLI_WASM_ONLY),$(CLI_SRC)) $(HOST_SHARED) $(HOST_CORE) $(wildcard src/host/wasi*.c) src/host/poll_wasi.c
WASI_OBJ := $(WASI_SRC:%.c=$(B)/wasi/obj/%.o)
# 2 MiB of stack, as the wasm build (Makefile): see src/lyng/limits.h
WASI_LDFLAGS := --target=wasm32-wasi -Wl,-z,stack-size=2097152 -Wl,--strip-debug

.PHONY: wasi test-wasi-lang test-wasi-lang-all test-wasi-doc test-wasi-net
BUILD_EXTRA += wasi
TEST_EXTRA += test-wasi-lang test-wasi-doc test-wasi-net

wasi: $(B)/wasi/js/lyng.js

$(B)/wasi/core.wasm: $(WASI_OBJ)
	$(CLANG) $(WASI_LDFLAGS) -o $@ $^ -lm

# lyng.wasm and js/ are made together; js/lyng.js stands for both.
$(B)/wasi/js/lyng.js: $(B)/wasi/core.wasm wasi/build.mjs wasi/wit/world.wit | setup
	node wasi/build.mjs $< $(B)/wasi

$(WASI_OBJ): | $(PRELUDE_H) $(SETUP_STAMP)

$(B)/wasi/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(WASM_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(WASM_SPEED_SRC:%.c=$(B)/wasi/obj/%.o): WASM_CFLAGS += $(WASM_SPEED_CFLAGS)
$(B)/wasi/obj/src/lyng/vm.o: WASM_CFLAGS += $(WASM_VM_CFLAGS)
$(WASI_OBJ): $(B)/wasm/cflags

-include $(WASI_OBJ:.o=.d)

# ---- tests (all through wasi/run, on loopback) ----
# The language tests run per directory that exercises the host (timers,
# coroutines, errors and exit codes, printing); starting the component in
# Node costs about a second per script, so the full set (make
# test-wasi-lang-all) is too slow for `make test`.
WASI_LANG_SUBSET := coroutines/ errors/ exceptions/ printing/ control_flow/
WASI_RUN := wasi/run

test-wasi-lang: wasi
	$(call suite,wasi language tests,tests/run.mjs,node tests/run.mjs --timeout 30 --cmd $(WASI_RUN) $(WASI_LANG_SUBSET))

test-wasi-lang-all: wasi
	$(call suite,wasi language tests (all),tests/run.mjs,node tests/run.mjs --timeout 30 --cmd $(WASI_RUN))

# The tests/net/ scenarios shared with the native and Node builds.
test-wasi-net: wasi
	$(call suite,wasi net tests,tests/run.mjs,node tests/run.mjs --timeout 30 --cmd $(WASI_RUN) net/)

# The doc tests of docs/*.md, then wasi/test.mjs: the guide's examples run
# with -p, output before a wait, exit codes, a runtime without network.
test-wasi-doc: wasi
	$(call suite,wasi doc tests,$(firstword $(wildcard docs/*.md) docs/*.md),$(DOCTEST) $(WASI_RUN) $(DOCTEST_ARGS))
	$(call suite,wasi command tests,wasi/test.mjs,node wasi/test.mjs)
