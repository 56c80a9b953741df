# mk/conformance.mk - `make conformance`: Lyng as upstream defines it, on
# every build. Two parts:
#   - tests/conformance/*.lyng, scripts written from upstream Lyng's docs and
#     unit tests (serialization, JSON, collections, flows, text and math),
#     run on the native build, on Node (bin/lyng) and on WASI;
#   - every >>> block under docs/, file by file, on the native build (the net
#     guide's examples get the loopback reply server, as in make test).
# `make test` runs tests/conformance on ASan and Node as language tests, and
# on WASI through test-conformance-wasi below.
# How far upstream's own examples run is measured apart, by
# tools/upstream_check.mjs, which needs a checkout of upstream.

.PHONY: conformance test-conformance-wasi

TEST_EXTRA += test-conformance-wasi

conformance: $(B)/native/lyng wasm wasi
	node tests/run.mjs --timeout 30 --cmd $(B)/native/lyng --cmd bin/lyng --cmd $(WASI_RUN) conformance/
	@p=0; f=0; \
	for doc in $$(find docs -name '*.md' | sort); do \
	  line=$$($(DOCTEST) $(B)/native/lyng --allow-net=127.0.0.1 -D NET_TEST_TCP_PORT={port} --doctest $$doc 2>/dev/null \
	          | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1); \
	  dp=$$(echo "$$line" | sed -nE 's/^([0-9]+) passed.*/\1/p'); df=$$(echo "$$line" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p'); \
	  printf '  %-28s %4d passed, %d failed\n' "$$doc" "$${dp:-0}" "$${df:-1}"; \
	  p=$$((p + $${dp:-0})); f=$$((f + $${df:-1})); \
	done; \
	echo "$$p passed, $$f failed"; test "$$f" = 0

test-conformance-wasi: wasi
	$(call suite,conformance (wasi),tests/run.mjs,node tests/run.mjs --timeout 30 --cmd $(WASI_RUN) conformance/)
