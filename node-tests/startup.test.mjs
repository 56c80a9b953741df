// startup.test.mjs - what `bin/lyng -e 1` leaves out at start: Node's ES
// module loader, node:wasi and node:module, and the socket and terminal
// modules (loaded when a script first needs them); and the wasm imports
// declaring exactly the parameters of their wasm types (V8 compiles one
// more wrapper at instantiation for a function of another length).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { LyngInstance } from '../js-shim/lyng.mjs';
import { hasNative, NATIVE_LYNG, NODE_LYNG, ROOT, tempFiles } from './helpers.mjs';

const WATCH = `const before = new Set(process.moduleLoadList);
process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)))));`;

// The built-in modules a process loaded after `--require`d code ran.
function modulesLoaded(args) {
  const dir = tempFiles({ 'watch.cjs': WATCH, 'empty.cjs': '' });
  const r = spawnSync(process.execPath, ['--require', join(dir, 'watch.cjs'), ...args(dir)], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stderr).map((m) => m.replace(/^NativeModule /, ''));
}

test('bin/lyng -e 1 loads no module loader, WASI, socket or terminal module Node itself does not', () => {
  const baseline = new Set(modulesLoaded((dir) => [join(dir, 'empty.cjs')]));
  const loaded = modulesLoaded(() => [NODE_LYNG, '-e', '1']).filter((m) => !baseline.has(m));
  for (const m of ['internal/modules/esm/loader', 'internal/fs/promises', 'wasi', 'module', 'net', 'tls', 'dns', 'dgram', 'readline', 'tty', 'os', 'cluster']) {
    assert.ok(!loaded.includes(m), `${m} is loaded: ${loaded.join(' ')} (is build/js/lyng-cli.cjs older than js-shim? make build)`);
  }
});

// The parameter counts of the imported functions of a wasm module.
function importArities(file) {
  const b = readFileSync(file);
  let p = 8;
  const leb = () => { let r = 0; let s = 0; let x; do { x = b[p++]; r |= (x & 127) << s; s += 7; } while (x & 128); return r >>> 0; };
  const name = () => { const n = leb(); const s = b.subarray(p, p + n).toString(); p += n; return s; };
  const types = [];
  const arities = [];
  while (p < b.length) {
    const id = b[p++];
    const end = leb() + p;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        p++; // 0x60, a function type
        const params = leb();
        p += params;
        const results = leb(); // p += leb() would add to the p from before the read
        p += results;
        types.push(params);
      }
    } else if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const module = name();
        const field = name();
        if (b[p++] === 0) arities.push([module, field, types[leb()]]);
        else throw new Error('only functions are imported');
      }
    }
    p = end;
  }
  return arities;
}

test('every import of lyng.wasm and lyng-cli.wasm declares the parameters of its wasm type', async () => {
  for (const [name, cli] of [['lyng', false], ['lyng-cli', true]]) {
    const file = join(ROOT, 'build', 'wasm', `${name}.wasm`);
    let imports = null;
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = (module, given) => { imports = given; return instantiate(module, given); };
    try {
      const inst = await LyngInstance.create({ cli, module: readFileSync(file) });
      inst.close();
    } finally {
      WebAssembly.instantiate = instantiate;
    }
    for (const [module, field, params] of importArities(file)) {
      assert.equal(imports[module][field].length, params, `${name}.wasm ${module}.${field}`);
    }
  }
});

// The native binary loads libedit only for the REPL and OpenSSL only for
// TLS (src/cli/editline.h, src/host/posix_tls_lib.h): running a script maps
// neither, as the dynamic loader's log (LD_DEBUG, glibc) shows.
test('build/native/lyng running a script loads neither libedit nor libssl', { skip: (!hasNative || process.platform !== 'linux') && 'no native build on Linux' }, () => {
  const r = spawnSync(NATIVE_LYNG, ['-e', 'println(1)'], { encoding: 'utf8', env: { ...process.env, LD_DEBUG: 'files' } });
  assert.equal(r.stdout, '1\n', r.stderr);
  assert.match(r.stderr, /libc\.so/); // the log is there...
  assert.doesNotMatch(r.stderr, /libedit|libssl|libcrypto/); // ...without them
});

// bin/lyng, its bundle and (if given) the wasm module in a directory of
// their own, outside a git checkout (the bundle is then always run).
function bundleTree({ wasm }) {
  const dir = mkdtempSync(join(tmpdir(), 'lyng-cache-'));
  for (const f of ['bin/lyng', 'bin/package.json', 'build/js/lyng-cli.cjs', ...(wasm ? ['build/wasm/lyng-cli.wasm'] : [])]) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  return dir;
}
const cacheOf = (dir) => join(dir, 'build', 'js', `lyng-cli-${process.version}-${process.arch}.cache`);

test('bin/lyng caches V8\'s code for the bundle and runs with it', () => {
  const dir = bundleTree({ wasm: true });
  const run = () => spawnSync(process.execPath, [join(dir, 'bin', 'lyng'), '-e', 'println(6 * 7)'], { encoding: 'utf8' });
  const first = run();
  assert.equal(first.stdout, '42\n', first.stderr);
  const made = statSync(cacheOf(dir));
  const second = run();
  assert.equal(second.stdout, '42\n', second.stderr);
  // a cache V8 rejected would have been written again
  assert.equal(statSync(cacheOf(dir)).mtimeMs, made.mtimeMs);
});

// bin/lyng compiles the bundle as a vm.Script, whose import() calls would
// fail without an experimental loader.
test('the bundle makes no import() call', () => {
  assert.doesNotMatch(readFileSync(join(ROOT, 'build', 'js', 'lyng-cli.cjs'), 'utf8'), /\bimport\(/);
});

// V8 checks only the length of the source a cache was made from.
test('a cache made from another bundle of the same length is not used', () => {
  const dir = bundleTree({ wasm: false });
  const run = () => spawnSync(process.execPath, [join(dir, 'bin', 'lyng'), '-e', '1'], { encoding: 'utf8' });
  assert.match(run().stderr, /is missing; build it with/);
  assert.ok(existsSync(cacheOf(dir)));
  const file = join(dir, 'build', 'js', 'lyng-cli.cjs');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('build it with'));
  writeFileSync(file, text.replace('build it with', 'BUILD IT WITH'));
  assert.match(run().stderr, /is missing; BUILD IT WITH/);
});
