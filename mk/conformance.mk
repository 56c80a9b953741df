# mk/conformance.mk - `make conformance`: every >>> block under docs/, file by
# file, on the native build (the net guide's examples get the loopback reply
# server, as in make test), then the total.

.PHONY: conformance

conformance: $(B)/native/lyng
	@p=0; f=0; \
	for doc in $$(find docs -name '*.md' | sort); do \
	  line=$$($(DOCTEST) $(B)/native/lyng --allow-net=127.0.0.1 -D NET_TEST_TCP_PORT={port} --doctest $$doc 2>/dev/null \
	          | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1); \
	  dp=$$(echo "$$line" | sed -nE 's/^([0-9]+) passed.*/\1/p'); df=$$(echo "$$line" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p'); \
	  printf '  %-28s %4d passed, %d failed\n' "$$doc" "$${dp:-0}" "$${df:-1}"; \
	  p=$$((p + $${dp:-0})); f=$$((f + $${df:-1})); \
	done; \
	echo "$$p passed, $$f failed"; test "$$f" = 0
