// build.mjs - bundles the playground into OUT (default build/playground/):
// index.html, style.css, playground.js (main.mjs with CodeMirror, the WASI
// shim and js-shim, one ES module without bare specifiers) and lyng.wasm.
//
//   node playground/build.mjs [OUT]
//
// js-shim/lyng.mjs reaches Node-only modules (node_wasi.mjs, node:fs, the
// Node host) through dynamic imports that a page never takes; they are replaced
// by an empty module here so nothing of Node ends up in the bundle.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = resolve(process.argv[2] ?? join(ROOT, 'build/playground'));

const nodeOnly = {
  name: 'node-only',
  setup(build) {
    build.onResolve({ filter: /^node:|\/node(_wasi)?\.mjs$/ }, (args) => ({ path: args.path, namespace: 'node-only' }));
    build.onLoad({ filter: /.*/, namespace: 'node-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not available in a browser`)});`,
      loader: 'js',
    }));
  },
};

await mkdir(OUT, { recursive: true });
await esbuild.build({
  entryPoints: [join(ROOT, 'playground/main.mjs')],
  outfile: join(OUT, 'playground.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'linked',
  plugins: [nodeOnly],
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) await copyFile(join(ROOT, 'playground', f), join(OUT, f));
await copyFile(join(ROOT, 'build/wasm/lyng.wasm'), join(OUT, 'lyng.wasm'));
console.log(`playground: built ${OUT}`);
