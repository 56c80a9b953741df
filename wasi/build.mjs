// build.mjs - turns the clang core module into the WASI 0.2 command
// component and transpiles it to JavaScript for Node.
//
//   node wasi/build.mjs CORE.wasm OUT_DIR
//
// Writes OUT_DIR/lyng.wasm (the component, runnable by any WASI 0.2 host
// such as wasmtime) and OUT_DIR/js/ (the same component as an ES module
// over @bytecodealliance/preview2-shim, which wasi/run loads).
// The WIT world is wasi/wit/world.wit; its dependencies are the WASI 0.2.12
// packages that jco ships, copied next to it because a WIT package finds
// its dependencies in a deps/ folder.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// jco's WIT parser reads files through the preview-2 filesystem shim, which
// no longer preopens "/" by default: without this every path is missing.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
_setPreopens({ '/': '/' });
const { componentEmbed, componentNew, transpile } = await import('@bytecodealliance/jco');

const [core, outDir] = process.argv.slice(2);
if (!core || !outDir) {
  console.error('usage: node wasi/build.mjs CORE.wasm OUT_DIR');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const jcoLib = fileURLToPath(new URL('../lib', import.meta.resolve('@bytecodealliance/jco')));

const witDir = resolve(outDir, 'wit');
rmSync(witDir, { recursive: true, force: true });
mkdirSync(join(witDir, 'deps'), { recursive: true });
cpSync(join(here, 'wit', 'world.wit'), join(witDir, 'world.wit'));
for (const pkg of ['io', 'clocks', 'sockets', 'cli', 'filesystem', 'random'])
  cpSync(join(jcoLib, 'wit', 'builtin', '0.2.12', `wasi-${pkg}`), join(witDir, 'deps', pkg), { recursive: true });

const embedded = await componentEmbed({ binary: readFileSync(core), witPath: witDir, world: 'lyng' });
const adapter = readFileSync(join(jcoLib, 'wasi_snapshot_preview1.command.wasm'));
const component = await componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
writeFileSync(resolve(outDir, 'lyng.wasm'), component);

const jsDir = resolve(outDir, 'js');
rmSync(jsDir, { recursive: true, force: true });
mkdirSync(jsDir, { recursive: true });
const { files } = await transpile(component, { name: 'lyng', noTypescript: true, wasiShim: true, quiet: true });
for (const [name, bytes] of Object.entries(files)) {
  mkdirSync(dirname(join(jsDir, name)), { recursive: true });
  writeFileSync(join(jsDir, name), bytes);
}
writeFileSync(join(jsDir, 'package.json'), '{ "type": "module" }\n');
