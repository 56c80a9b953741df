# mk/node_cli.mk - bin/lyng's bundle: js-shim/cli.mjs and the modules it
# imports as one ES module, build/js/lyng-cli.mjs, made by esbuild. bin/lyng
# runs it while it is newer than every js-shim module. lyng.mjs finds the
# wasm modules relative to its own URL, so in the bundle import.meta.url
# stands for the URL js-shim/cli.mjs would have.

CLI_BUNDLE := $(B)/js/lyng-cli.mjs
BUILD_EXTRA += $(CLI_BUNDLE)

$(CLI_BUNDLE): $(wildcard js-shim/*.mjs) $(JS_CONSTANTS) package-lock.json | setup
	@mkdir -p $(@D)
	node_modules/.bin/esbuild js-shim/cli.mjs --bundle --platform=node --format=esm --target=node20 \
	  --log-level=warning --outfile=$@ --define:import.meta.url=__lyngShimUrl \
	  --banner:js='const __lyngShimUrl = new URL("../../js-shim/cli.mjs", import.meta.url).href;'
