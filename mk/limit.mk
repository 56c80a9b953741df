# mk/limit.mk - the limits suite: tests/limit/run.mjs generates scripts at
# and past every size limit (src/lyng/limits.h) and runs them on the ASan
# build and on Node.
.PHONY: test-limit

test-limit: $(B)/asan/lyng wasm
	$(call suite,limits,tests/limit/run.mjs,$(ASAN_ENV) node tests/limit/run.mjs --cmd $(B)/asan/lyng --cmd bin/lyng)

TEST_EXTRA += test-limit
