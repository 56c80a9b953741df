# mk/bench.mk - benchmarks: `make bench` measures Lyng against Lua 5.4, raw
# Node, a C epoll echo server, node:http and a C HTTP server (driven by wrk) and redis-server
# (driven by redis-benchmark), and writes build/bench/results.json and
# build/bench/ratios.svg (see bench/run.mjs). `make test` runs a quick smoke
# of the same harness (tiny sizes, numbers and JSON checked, speed not).

.PHONY: bench bench-baseline bench-smoke

# redis-benchmark and redis-cli (wrk is in the Makefile's list) drive the benchmarks
# and node-tests/real_clients.test.mjs; redis-server is their baseline.
SETUP_NEEDS += redis-server:redis-server redis-benchmark:redis-tools redis-cli:redis-tools

BENCH_C := $(B)/bench/echo_server $(B)/bench/echo_client $(B)/bench/http_server

bench-baseline: $(BENCH_C)

$(B)/bench/%: bench/baseline/%.c bench/baseline/loopback.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(NATIVE_CC) $(CSTD) -O2 $(WARN) -o $@ $<

bench: setup build $(BENCH_C)
	node bench/run.mjs

bench-smoke: $(BENCH_C)
	$(call suite,bench smoke,bench/smoke.mjs,node bench/smoke.mjs)

TEST_EXTRA += bench-smoke
