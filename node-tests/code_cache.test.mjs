// code_cache.test.mjs - bin/lyng's cache of V8's compiled code
// (js-shim/code_cache.mjs): lyng-cli.wasm carries its build id
// (tools/wasm_build_id.mjs); a run long enough for V8 to have optimized the
// interpreter loop writes the cache, the next run loads it (and leaves the
// file as it is unless it optimized functions the file lacks, which it then
// adds), a damaged file is replaced, short runs, runs that optimized the
// parser and LYNG_CODE_CACHE=off write nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, NODE_LYNG } from './helpers.mjs';
import { buildId, checksum } from '../js-shim/code_cache.mjs';

const CLI_WASM = join(ROOT, 'build', 'wasm', 'lyng-cli.wasm');
// The V8 version code_cache.mjs uses its cache on (Node 20's).
const CACHING = /^11\.3\./.test(process.versions.v8);

// About five million steps: the command line's 64 slices of 65,536 and a
// few of a million.
const LONG = `
var sum = 0
for (i in 0..<5000000) sum += i % 7
println(sum)
`;

const tempDir = () => mkdtempSync(join(tmpdir(), 'lyng-cache-'));

// bin/lyng on this Node with the given environment (HOME and the cache
// variables replaced, so that the user's own cache is never touched).
function run(args, env) {
  const home = tempDir();
  const r = spawnSync(process.execPath, [NODE_LYNG, ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, HOME: home, XDG_CACHE_HOME: '', LYNG_CODE_CACHE: '', ...env },
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, home };
}

const files = (dir) => (existsSync(dir) ? readdirSync(dir) : []);

test('lyng-cli.wasm starts with a build id: the SHA-256 of the module without it', () => {
  const bytes = readFileSync(CLI_WASM);
  assert.equal(bytes[8], 0, 'a custom section right after the header');
  let size = 0;
  let body = 9;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[body++];
    size |= (b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  const name = bytes.subarray(body + 1, body + 1 + bytes[body]).toString();
  assert.equal(name, 'lyng.build');
  const id = bytes.subarray(body + 1 + bytes[body], body + size);
  assert.equal(id.length, 16);
  const rest = Buffer.concat([bytes.subarray(0, 8), bytes.subarray(body + size)]);
  assert.equal(id.toString('hex'), createHash('sha256').update(rest).digest('hex').slice(0, 32));
  assert.equal(buildId(bytes), id.toString('hex'));
  assert.ok(WebAssembly.validate(rest), 'the module without the section is the module');
});

test('lyng-cli.wasm exports the run loop, whose tier the cache asks V8 about', () => {
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(CLI_WASM)));
  assert.ok(exports.some((e) => e.name === 'vm_run_fiber' && e.kind === 'function'));
});

test('a long run writes the cache, the next run loads it and leaves it as it is', () => {
  const dir = tempDir();
  const first = run(['-e', LONG], { LYNG_CODE_CACHE: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, '14999995\n');
  if (!CACHING) {
    assert.deepEqual(files(dir), [], `no cache on V8 ${process.versions.v8}`);
    return;
  }
  const id = buildId(readFileSync(CLI_WASM));
  const name = `lyng-cli-${id}-v8-${process.versions.v8}-${process.arch}.bin`;
  assert.deepEqual(files(dir), [name]);
  const file = join(dir, name);
  const data = readFileSync(file);
  assert.equal(data.toString('latin1', 0, 8), 'lyngv8c2');
  assert.equal(data.readUInt32LE(8), data.length - 16);
  assert.equal(data.readUInt32LE(12), checksum(data.subarray(16)));
  const written = statSync(file).mtimeMs;

  const second = run(['-e', LONG], { LYNG_CODE_CACHE: dir });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, '14999995\n');
  assert.equal(statSync(file).mtimeMs, written, 'loaded, so not written again');
  assert.deepEqual(files(dir), [name]);

  // A file cut short, one of ours holding no code V8 accepts, and one with
  // a byte of its machine code changed (V8 checks only its own header):
  // each is passed over, the script runs as without it, and a good file
  // replaces it.
  const flipped = Buffer.from(data);
  flipped[16 + ((data.length - 16) >> 1)] ^= 0x40;
  const filler = Buffer.alloc(data.length - 16, 7);
  const filled = Buffer.concat([data.subarray(0, 12), Buffer.alloc(4), filler]);
  filled.writeUInt32LE(checksum(filler), 12);
  for (const damage of [() => truncateSync(file, data.length - 100),
    () => writeFileSync(file, filled), () => writeFileSync(file, flipped)]) {
    damage();
    utimesSync(file, 1000, 1000);
    const again = run(['-e', LONG], { LYNG_CODE_CACHE: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '14999995\n');
    const fixed = readFileSync(file);
    assert.notEqual(statSync(file).mtimeMs, 1000 * 1000, 'written anew');
    assert.equal(fixed.readUInt32LE(8), fixed.length - 16);
    assert.equal(fixed.readUInt32LE(12), checksum(fixed.subarray(16)));
  }
});

// Strings built, joined and searched: the collector, concatenation and the
// search run long enough for V8 to optimize them, which LONG's loop alone
// does not call.
const STRINGS = `
val parts = []
for (i in 0..<200000) parts.add("item" + i.toString() + ";")
val text = parts.joinToString("")
var hits = 0
for (i in 0..<10) if (text.contains("item" + (199999 - i * 7) + ";")) hits++
println(text.length, hits)
`;

test('a run that optimized functions the loaded cache lacks writes it again, with them', () => {
  if (!CACHING) return;
  const dir = tempDir();
  const first = run(['-e', LONG], { LYNG_CODE_CACHE: dir });
  assert.equal(first.code, 0, first.stderr);
  const [name] = files(dir);
  const file = join(dir, name);
  const before = readFileSync(file);
  utimesSync(file, 1000, 1000);
  const strings = run(['-e', STRINGS], { LYNG_CODE_CACHE: dir });
  assert.equal(strings.code, 0, strings.stderr);
  assert.equal(strings.stdout, '2088890 10\n');
  assert.deepEqual(files(dir), [name]);
  const after = readFileSync(file);
  assert.notEqual(statSync(file).mtimeMs, 1000 * 1000, 'written anew');
  assert.ok(after.length > before.length, `${after.length} bytes after ${before.length}`);
  assert.equal(after.readUInt32LE(8), after.length - 16);
  assert.equal(after.readUInt32LE(12), checksum(after.subarray(16)));
  // The file written is loaded: the loop's script runs with it and, having
  // nothing to add, leaves it as it is.
  utimesSync(file, 2000, 2000);
  const again = run(['-e', LONG], { LYNG_CODE_CACHE: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, '14999995\n');
  assert.equal(statSync(file).mtimeMs, 2000 * 1000, 'loaded, so not written again');
});

// A script whose compile runs long enough for V8 to optimize the parser,
// then LONG's loop; and brackets nested as deep as src/lyng/limits.h allows.
const PARSING = `var x = 0\n${Array.from({ length: 20000 }, (_, i) => `x = x + ${i} * (x - 3) / 7 % 11\n`).join('')}${LONG}`;
const MAX_NESTING = Number(readFileSync(join(ROOT, 'src/lyng/limits.h'), 'utf8').match(/#define LYNG_MAX_NESTING (\d+)/)[1]);
const NESTED = `${'if (true) {\n'.repeat(MAX_NESTING - 1)}println(1)\n${'}\n'.repeat(MAX_NESTING - 1)}`;

test("a run that optimized the parser writes no cache: its code overflows V8's stack on the deepest brackets", () => {
  if (!CACHING) return;
  const dir = tempDir();
  const script = join(dir, 'parsing.lyng');
  writeFileSync(script, PARSING);
  const nested = join(dir, 'nested.lyng');
  writeFileSync(nested, NESTED);
  const cache = join(dir, 'cache');
  const parsing = run([script], { LYNG_CODE_CACHE: cache });
  assert.equal(parsing.code, 0, parsing.stderr);
  assert.equal(parsing.stdout, '14999995\n');
  assert.deepEqual(files(cache), [], 'nothing written');
  // Nor added to a file made by another run.
  run(['-e', LONG], { LYNG_CODE_CACHE: cache });
  const [name] = files(cache);
  utimesSync(join(cache, name), 1000, 1000);
  assert.equal(run([script], { LYNG_CODE_CACHE: cache }).stdout, '14999995\n');
  assert.equal(statSync(join(cache, name)).mtimeMs, 1000 * 1000, 'left as it was');
  const deep = run([nested], { LYNG_CODE_CACHE: cache });
  assert.equal(deep.stderr, '');
  assert.equal(deep.stdout, '1\n');
});

test('the directory keeps the newest eight files of the cache', () => {
  if (!CACHING) return;
  const dir = tempDir();
  const old = [];
  for (let i = 0; i < 9; i++) {
    const f = join(dir, `lyng-cli-${String(i).repeat(32)}-v8-${process.versions.v8}-${process.arch}.bin`);
    writeFileSync(f, 'old');
    utimesSync(f, 1000 + i, 1000 + i);
    old.push(f);
  }
  writeFileSync(join(dir, 'notes.txt'), 'not ours');
  const r = run(['-e', LONG], { LYNG_CODE_CACHE: dir });
  assert.equal(r.stdout, '14999995\n');
  const left = files(dir);
  assert.equal(left.length, 9, left.join(' '));
  assert.ok(left.includes('notes.txt'));
  assert.ok(!existsSync(old[0]) && !existsSync(old[1]), 'the two oldest went');
  assert.ok(old.slice(2).every((f) => existsSync(f)));
});

test('a short run writes no cache', () => {
  const dir = tempDir();
  const r = run(['-e', 'println(6 * 7)'], { LYNG_CODE_CACHE: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '42\n');
  assert.deepEqual(files(dir), []);
});

test('the cache is under XDG_CACHE_HOME or ~/.cache, and LYNG_CODE_CACHE=off turns it off', () => {
  const xdg = tempDir();
  const a = run(['-e', LONG], { XDG_CACHE_HOME: xdg });
  assert.equal(a.stdout, '14999995\n');
  assert.equal(files(join(xdg, 'lyng')).length, CACHING ? 1 : 0);
  const b = run(['-e', LONG], {});
  assert.equal(b.stdout, '14999995\n');
  assert.equal(files(join(b.home, '.cache', 'lyng')).length, CACHING ? 1 : 0);
  const c = run(['-e', LONG], { LYNG_CODE_CACHE: 'off' });
  assert.equal(c.stdout, '14999995\n');
  assert.deepEqual(files(join(c.home, '.cache')), []);
});
