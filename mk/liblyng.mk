# mk/liblyng.mk - checks of the C library build/native/liblyng.a: it
# exports only names that start with lyng_ (tools/check_lib_symbols.sh),
# and a program written against lyng.h and net.h alone links with it and
# runs scripts through lyng_run and lyng_host_wait (tools/test_embed.c).

.PHONY: test-liblyng
BUILD_EXTRA += $(B)/tools/test_embed
TEST_EXTRA += test-liblyng

$(B)/tools/test_embed: tools/test_embed.c $(B)/native/liblyng.a
	@mkdir -p $(@D)
	$(NATIVE_CC) $(CSTD) -O1 $(WARN) -Isrc -Isrc/include -o $@ $< $(B)/native/liblyng.a $(NATIVE_LIBS)

test-liblyng: $(B)/native/liblyng.a $(B)/tools/test_embed
	$(call suite,library symbols,tools/check_lib_symbols.sh,sh tools/check_lib_symbols.sh $(B)/native/liblyng.a)
	$(call suite,library embedding,tools/test_embed.c,timeout 60 $(B)/tools/test_embed)
