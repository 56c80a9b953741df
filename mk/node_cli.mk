# mk/node_cli.mk - bin/lyng's bundle: js-shim/cli.mjs and the modules it
# imports as one CommonJS module, build/js/lyng-cli.cjs, made by esbuild.
# bin/lyng requires it while it is newer than every js-shim module. Node
# loads a CommonJS entry without its ES module loader (resolving, loading
# and linking through promises), a few milliseconds sooner on Node 20.
# lyng.mjs finds the wasm modules relative to its own URL, so in the bundle
# import.meta.url stands for the URL js-shim/cli.mjs would have. The bundle
# has no import(): bin/lyng compiles it as a vm.Script (to cache V8's code
# for it), whose import() calls would need an experimental loader; esbuild
# makes each a require() of the built-in module.

CLI_BUNDLE := $(B)/js/lyng-cli.cjs
BUILD_EXTRA += $(CLI_BUNDLE)

$(CLI_BUNDLE): $(wildcard js-shim/*.mjs) $(JS_CONSTANTS) package-lock.json | setup
	@mkdir -p $(@D)
	node_modules/.bin/esbuild js-shim/cli.mjs --bundle --platform=node --format=cjs --target=node20 --supported:dynamic-import=false \
	  --log-level=warning --outfile=$@ --define:import.meta.url=__lyngShimUrl \
	  --banner:js='const __lyngShimUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "../../js-shim/cli.mjs")).href;'
