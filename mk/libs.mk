# libs.mk - standalone unit tests: the regular expression engine
# (src/lyng/regex.c) and the doc-test parser (src/cli/doctest.c).
TEST_EXTRA += test-regex-engine test-doctest-parser

$(B)/tools/test_regex: tools/test_regex.c src/lyng/regex.c src/lyng/utf8.c src/lyng/regex.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(CSTD) -O1 $(WARN) $(INCLUDES) -o $@ $(filter %.c,$^)

test-regex-engine: $(B)/tools/test_regex
	$(call suite,regex engine tests,tools/test_regex.c,$(B)/tools/test_regex)
$(B)/tools/test_doctest: tools/test_doctest.c src/cli/doctest.c src/cli/doctest.h | $(SETUP_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(CSTD) -O1 $(WARN) -D_DEFAULT_SOURCE $(INCLUDES) -o $@ $(filter %.c,$^)

test-doctest-parser: $(B)/tools/test_doctest
	$(call suite,doc-test parser tests,tools/test_doctest.c,$(B)/tools/test_doctest)
.PHONY: test-regex-engine test-doctest-parser
