# mk/browser.mk - the browser area: build/playground/ (the playground page,
# bundled by playground/build.mjs from playground/ and js-shim/), `make
# playground` to serve it on 127.0.0.1, and the browser tests
# (browser-tests/, playwright-core driving Debian's headless chromium).

PLAYGROUND_DIR := $(B)/playground
PLAYGROUND_SRC := $(wildcard playground/*.mjs playground/*.html playground/*.css) $(wildcard js-shim/*.mjs)
PLAYGROUND_PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

BUILD_EXTRA += playground-build
TEST_EXTRA += browser-test

.PHONY: playground playground-build browser-setup browser-test

playground-build: $(PLAYGROUND_DIR)/index.html

# The bundler comes from node_modules, hence setup first (it only checks
# when nothing is missing).
$(PLAYGROUND_DIR)/index.html: $(PLAYGROUND_SRC) $(B)/wasm/lyng.wasm $(JS_CONSTANTS) package-lock.json | setup
	node playground/build.mjs $(PLAYGROUND_DIR)

playground: playground-build
	node playground/serve.mjs $(PLAYGROUND_DIR) --port $(PLAYGROUND_PORT)

# Chromium is installed from apt only when it is missing.
browser-setup:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "setup: installing chromium"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

browser-test: browser-setup playground-build
	$(call suite,browser tests,browser-tests/run.mjs,CHROMIUM=$(CHROMIUM) node browser-tests/run.mjs)
