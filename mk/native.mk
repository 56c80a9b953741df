# mk/native.mk - the native build's extra checks: libFuzzer targets (make
# fuzz), the 10,000-connection stress test (make stress), and the quick
# versions of both plus a valgrind run that `make test` includes.

.PHONY: fuzz fuzz-build stress test-fuzz-smoke test-step-limit test-valgrind test-stress

# valgrind checks one net scenario in `make test`
SETUP_NEEDS += valgrind:valgrind
# strace shows that running a script opens only the modules it imports
# (node-tests/modules_on_demand.test.mjs)
SETUP_NEEDS += strace:strace

# ---- fuzzing ----
# Every fuzz/fuzz_NAME.c is one libFuzzer target with its seed corpus in
# fuzz/corpus/NAME/. The runtime is instrumented for coverage and built
# with ASan and UBSan; each target links only its own file and the common one.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(filter-out fuzz/fuzz_common.c,$(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(CSTD) -O1 -g $(WARN) -D_DEFAULT_SOURCE $(INCLUDES) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_SRC := $(CORE_SRC) $(POSIX_HOST) src/host/poll_epoll.c src/cli/doctest.c fuzz/fuzz_common.c
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(B)/fuzz/obj/%.o)
# Options for every run: a hung input is a finding after 10 s; inputs stay
# small, as scripts are.
FUZZ_OPTS := -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1

fuzz-build: $(FUZZ_BINS)

$(FUZZ_LIB_OBJ) $(FUZZ_TARGETS:%=$(B)/fuzz/obj/fuzz/fuzz_%.o): | $(PRELUDE_H) $(SETUP_STAMP)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(NATIVE_LIBS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(B)/fuzz/obj/fuzz/fuzz_%.d)

# New inputs go to build/fuzz/work/NAME, so the committed seeds stay small.
# A crash leaves its input in build/fuzz/crash-* and stops with an error.
fuzz: setup $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(B)/fuzz/work/$$t; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  $(B)/fuzz/fuzz_$$t $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(B)/fuzz/crash-$$t- \
	    $(B)/fuzz/work/$$t fuzz/corpus/$$t > $(B)/fuzz/$$t.log 2>&1 || { tail -n 40 $(B)/fuzz/$$t.log; exit 1; }; \
	  echo "$$t: $$(sed -nE 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/$$t.log) executions, 0 crashes"; \
	done

# The long run: every target at once at the lowest priority, for
# FUZZ_SECONDS given on the command line or else FUZZ_LONG_SECONDS each,
# seeded with the whole test corpus and the docs' examples (fuzz/seeds.sh)
# and the token dictionary fuzz/lyng.dict; prints executions and coverage.
FUZZ_LONG_SECONDS ?= 1800
.PHONY: fuzz-long
fuzz-long: setup $(FUZZ_BINS)
	@bash fuzz/long.sh $(B)/fuzz $(if $(filter command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),$(FUZZ_LONG_SECONDS)) $(FUZZ_TARGETS)

# The step budget the fuzz targets rely on, checked on the ASan runtime.
$(B)/fuzz/step_limit_test: $(B)/fuzz/obj/fuzz/step_limit_test.o $(FUZZ_LIB_OBJ)
	$(CLANG) $(FUZZ_SAN) -o $@ $^ $(NATIVE_LIBS)
$(B)/fuzz/obj/fuzz/step_limit_test.o: | $(PRELUDE_H) $(SETUP_STAMP)

test-step-limit: $(B)/fuzz/step_limit_test
	$(call suite,step limit,fuzz/step_limit_test.c,$(ASAN_ENV) timeout 60 $(B)/fuzz/step_limit_test)

# make test: every seed once, then a few seconds of fuzzing per target.
test-fuzz-smoke: $(FUZZ_BINS)
	$(call suite,fuzz smoke,fuzz/fuzz_common.c,bash fuzz/smoke.sh $(B)/fuzz $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS))

# ---- valgrind ----
# One net scenario under memcheck on the optimised binary: no error, no leak
# of any kind at exit.
VALGRIND_SCENARIO := tests/net/tcp_roundtrip.lyng
test-valgrind: $(B)/native/lyng
	$(call suite,valgrind,$(VALGRIND_SCENARIO),bash tests/stress/valgrind.sh $(B)/native/lyng $(VALGRIND_SCENARIO))

# ---- stress ----
STRESS_CONNECTIONS ?= 10000
STRESS_CYCLES ?= 10000
$(B)/stress/stress_client: tests/stress/stress_client.c | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(NATIVE_CC) $(CSTD) -O2 $(WARN) -D_GNU_SOURCE -o $@ $<

# V8's young generation (16 MiB semi-spaces by default) makes a Node
# server's RSS swing by 10 MiB from one moment to the next, as much as the
# soak's margin; with small semi-spaces what remains is what the server keeps.
SOAK_NODE_ENV := NODE_OPTIONS=--max-semi-space-size=1

# The soak: SOAK_CYCLES connect/echo/close cycles against a Lyng server,
# natively and on Node; its descriptors and RSS must end within 10% of the
# baseline taken after SOAK_WARMUP cycles (time for Node's heaps and the
# VM's collector to reach their working size: Node's RSS grows for about
# 10,000 cycles, then stays).
SOAK_CYCLES ?= 100000
SOAK_WARMUP ?= 20000

stress: setup $(B)/native/lyng wasm $(B)/stress/stress_client
	@bash tests/stress/run.sh $(B)/native/lyng $(B)/stress/stress_client $(STRESS_CONNECTIONS) $(STRESS_CYCLES)
	@echo "== soak, native"; bash tests/stress/soak.sh $(B)/native/lyng $(B)/stress/stress_client $(SOAK_WARMUP) $(SOAK_CYCLES)
	@echo "== soak, Node"; $(SOAK_NODE_ENV) bash tests/stress/soak.sh bin/lyng $(B)/stress/stress_client $(SOAK_WARMUP) $(SOAK_CYCLES)

test-stress: $(B)/native/lyng wasm $(B)/stress/stress_client
	$(call suite,stress (reduced),tests/stress/run.sh,bash tests/stress/run.sh $(B)/native/lyng $(B)/stress/stress_client 1000 1000)
	$(call suite,soak native (reduced),tests/stress/soak.sh,bash tests/stress/soak.sh $(B)/native/lyng $(B)/stress/stress_client 2000 5000)
	$(call suite,soak Node (reduced),tests/stress/soak.sh,$(SOAK_NODE_ENV) bash tests/stress/soak.sh bin/lyng $(B)/stress/stress_client 15000 5000)

BUILD_EXTRA += $(FUZZ_BINS) $(B)/fuzz/step_limit_test $(B)/stress/stress_client
TEST_EXTRA += test-fuzz-smoke test-step-limit test-valgrind test-stress
