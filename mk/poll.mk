# mk/poll.mk - the native build on the portable poll backend: the same
# posix*.c host with its poll step in src/host/poll_posix.c (plain POSIX
# poll) instead of epoll, as it runs on macOS, the BSDs and other Unixes.
# The host's files are compiled with -D_POSIX_C_SOURCE=200809L and no
# _GNU_SOURCE or _DEFAULT_SOURCE, which proves they need nothing Linux
# adds (posix_compat.c then takes its POSIX forms); the rest of the binary
# is the native build's objects. make test runs the net tests on it, plain
# and under ASan/UBSan.

POLL_HOST_SRC := $(POSIX_HOST) src/host/poll_posix.c
POSIX_STRICT := -D_POSIX_C_SOURCE=200809L
POLL_OBJ := $(filter-out $(B)/native/obj/src/host/%,$(NATIVE_OBJ)) $(POLL_HOST_SRC:%.c=$(B)/poll/obj/%.o)
ASAN_POLL_OBJ := $(filter-out $(B)/asan/obj/src/host/%,$(ASAN_OBJ)) $(POLL_HOST_SRC:%.c=$(B)/asan-poll/obj/%.o)

.PHONY: poll asan-poll test-poll
BUILD_EXTRA += poll asan-poll
TEST_EXTRA += test-poll

poll: $(B)/poll/lyng
asan-poll: $(B)/asan-poll/lyng

$(B)/poll/lyng: $(POLL_OBJ)
	$(NATIVE_CC) -o $@ $^ $(NATIVE_LIBS)

$(B)/asan-poll/lyng: $(ASAN_POLL_OBJ)
	$(CLANG) $(ASAN_FLAGS) -o $@ $^ $(NATIVE_LIBS)

$(POLL_OBJ) $(ASAN_POLL_OBJ): | $(PRELUDE_H) $(SETUP_STAMP)

$(B)/poll/obj/%.o: %.c
	@mkdir -p $(@D)
	$(NATIVE_CC) $(CSTD) -O2 $(WARN) $(POSIX_STRICT) $(INCLUDES) $(DEPFLAGS) -c $< -o $@

$(B)/asan-poll/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(CSTD) -O1 -g $(WARN) $(POSIX_STRICT) $(INCLUDES) $(ASAN_FLAGS) $(DEPFLAGS) -c $< -o $@

-include $(POLL_HOST_SRC:%.c=$(B)/poll/obj/%.d) $(POLL_HOST_SRC:%.c=$(B)/asan-poll/obj/%.d)

# The net scenarios of the language tests and the net guide's examples
# under ASan/UBSan, then the stress test (reduced, as in mk/native.mk) on
# the optimised build. TLS on this backend is in node-tests/tls.test.mjs.
POLL_NET_DOC := docs/lyng.io.net.md
test-poll: $(B)/poll/lyng $(B)/asan-poll/lyng $(B)/stress/stress_client
	$(call suite,poll: net tests,tests/run.mjs,$(ASAN_ENV) node tests/run.mjs --cmd $(B)/asan-poll/lyng net/)
	$(call suite,poll: net doc tests,$(POLL_NET_DOC),$(ASAN_ENV) $(DOCTEST) $(B)/asan-poll/lyng --allow-net=127.0.0.1 -D NET_TEST_TCP_PORT={port} --doctest $(POLL_NET_DOC))
	$(call suite,poll: stress (reduced),tests/stress/run.sh,bash tests/stress/run.sh $(B)/poll/lyng $(B)/stress/stress_client 1000 1000)
