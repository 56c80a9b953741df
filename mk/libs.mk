# libs.mk - standalone test of the regular expression engine (src/lyng/regex.c).
TEST_EXTRA += test-regex-engine

$(B)/tools/test_regex: tools/test_regex.c src/lyng/regex.c src/lyng/utf8.c src/lyng/regex.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(CSTD) -O1 $(WARN) $(INCLUDES) -o $@ $(filter %.c,$^)

test-regex-engine: $(B)/tools/test_regex
	$(call suite,regex engine tests,tools/test_regex.c,$(B)/tools/test_regex)
.PHONY: test-regex-engine
