// bench/smoke.mjs - the benchmark harness's test: runs bench/run.mjs with
// tiny sizes (BENCH_QUICK=1) and checks that every row of the report has
// numbers, that results.json is well-formed and that the chart was written.
// Speed is not judged here. Ends with "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build/bench-smoke');
// One entry per benchmark group of run.mjs: a row name pattern and how many
// rows it must produce.
const EXPECTED = [
  [/^(fib|loop|string|list|objects|closures).*: native vs Lua$/, 6],
  [/: Node vs native, Node start subtracted$/, 6], [/: Node vs native, whole$/, 6],
  [/: Node vs native, no code cache, Node start subtracted$/, 6],
  [/^TCP ping-pong/, 3], [/^TCP bulk echo/, 3], [/^TCP 100 connections/, 2],
  [/^UDP echo/, 2], [/^idle connections/, 2], [/^redis-benchmark/, 8], [/^wrk/, 3],
  [/^startup/, 2], [/^createLyng/, 1], [/^wasm size/, 2], [/^command-line wasm size/, 1],
  [/^TLS bulk echo/, 2], [/^TLS handshakes/, 2], [/^HTTP through wrk/, 1],
];
const FIELDS = { name: 'string', ours: 'number', baseline: 'number', unit: 'string', ratio: 'number', target: 'string', ok: 'boolean' };

let passed = 0, failed = 0;
const check = (what, cond, detail = '') => {
  if (cond) passed++;
  else { failed++; console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`); }
};

const run = spawnSync('node', [join(root, 'bench/run.mjs')], {
  cwd: root, encoding: 'utf8', timeout: 120_000,
  env: { ...process.env, BENCH_QUICK: '1', BENCH_OUT: out },
});
check('bench/run.mjs exits with status 0', run.status === 0, `status ${run.status}; ${(run.stdout + run.stderr).split('\n').filter((l) => /FAILED|Error/.test(l)).join('; ').slice(0, 400)}`);

let rows = [];
try {
  rows = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  check('results.json is an array', Array.isArray(rows));
} catch (e) {
  check('results.json parses', false, e.message);
}
for (const [re, n] of EXPECTED) {
  const got = rows.filter((r) => re.test(r.name)).length;
  check(`${n} rows matching ${re}`, got === n, `found ${got}`);
}
for (const r of Array.isArray(rows) ? rows : []) {
  const bad = Object.entries(FIELDS).filter(([k, t]) => typeof r[k] !== t || (t === 'number' && !Number.isFinite(r[k])));
  // Quick sizes make memory per connection noisy, and a time with Node's start
  // subtracted can come out at or below zero on a busy machine when the script
  // itself takes a few milliseconds; other times and rates must be positive.
  const difference = / start subtracted$/.test(r.name);
  const positive = r.unit.includes('connection') || (r.baseline > 0 && (difference || (r.ours > 0 && r.ratio > 0)));
  check(`row '${r.name}' is complete`, bad.length === 0 && positive, bad.map(([k]) => `${k}=${r[k]}`).join(', '));
}
const svg = existsSync(join(out, 'ratios.svg')) ? readFileSync(join(out, 'ratios.svg'), 'utf8') : '';
check('ratios.svg is an SVG with one bar per row', svg.startsWith('<svg') && svg.trim().endsWith('</svg>')
  && (svg.match(/<rect x=/g) || []).length === rows.length);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
