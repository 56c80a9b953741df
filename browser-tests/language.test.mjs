// language.test.mjs - the language tests of tests/ (every directory but
// tests/net/, whose scripts need sockets) run in Chromium through the
// page's window.createLyng, one fresh VM each, and are checked against the
// same directives as tests/run.mjs: "// expect:" lines of output,
// "// expect error: CLASS[: MSG]", "// expect compile error: TEXT" and
// "// expect exit: N". They run twice: with the page's usual slices, and
// with a slice of 3 steps, so that the VM yields to the page all the time
// (the output must not change: slicing never reorders coroutines).
// Scripts that need the command line are left out: tests/modules*/ (files
// beside the script, atExit), those with "// args:" and those starting with a "#!" line (which only the
// command line skips; an embedder's source is run as given).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { openPlayground, ROOT } from './browser.mjs';

// Per script: tests/run.mjs allows 10 s; a slice of 3 steps is slower, and
// the machine may be busy. With slices of 3 steps the VM yields to the page
// about once per instruction: tests/memory/size_classes.lyng took 13-27 s
// that way at a load of 10, so that run gets more time.
const TIMEOUT_MS = { usual: 30_000, 'slice 3': 90_000 };

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('_')) continue; // modules that tests import
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.lyng')) out.push(p);
  }
  return out;
}

function parseTest(file) {
  const source = readFileSync(file, 'utf8');
  const t = { rel: relative(ROOT, file).split(sep).join('/'), source, stdout: [], error: null,
    compileError: null, exit: null, args: false };
  for (const line of source.split('\n')) {
    let m;
    if ((m = /\/\/ expect: ?(.*?)\r?$/.exec(line))) t.stdout.push(m[1]);
    else if ((m = /\/\/ expect error: (.*)$/.exec(line))) t.error = m[1].trim();
    else if ((m = /\/\/ expect compile error: (.*)$/.exec(line))) t.compileError = m[1].trim();
    else if ((m = /\/\/ expect exit: (\d+)/.exec(line))) t.exit = Number(m[1]);
    else if (/^\s*\/\/ args:/.test(line)) t.args = true;
  }
  return t;
}

const tests = findTests(join(ROOT, 'tests')).map(parseTest)
  .filter((t) => !t.rel.startsWith('tests/net/') && !t.rel.startsWith('tests/modules') && !t.args && !t.source.startsWith('#!'));

// Runs every script in the page, one after another; resolves with
// { rel -> { stdout, value, error: { lyngClass, message, report, exitCode } | null, timedOut } }.
async function runAll(page, slice, timeoutMs) {
  return page.evaluate(async ({ scripts, timeoutMs, slice }) => {
    const results = {};
    for (const { rel, source } of scripts) {
      let stdout = '';
      const started = performance.now();
      const lyng = await window.createLyng({ stdout: (t) => { stdout += t; }, stderr: () => {}, slice });
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
      try {
        const r = await Promise.race([lyng.eval(source, { name: rel }).then((value) => ({ value })), timeout]);
        results[rel] = r === 'timeout' ? { stdout, timedOut: true } : { stdout, value: r.value, error: null };
      } catch (e) {
        results[rel] = { stdout, error: { lyngClass: e.lyngClass ?? null, message: e.message,
          report: e.lyngStack ?? '', exitCode: e.exitCode ?? null } };
      } finally {
        clearTimeout(timer);
        lyng.close();
        results[rel].ms = Math.round(performance.now() - started);
      }
    }
    return results;
  }, { scripts: tests.map(({ rel, source }) => ({ rel, source })), timeoutMs, slice });
}

let pg;
let page;
const results = {};
const SLICES = { usual: undefined, 'slice 3': 3 };
before(async () => {
  pg = await openPlayground();
  page = await pg.newPage();
  for (const [name, slice] of Object.entries(SLICES)) results[name] = await runAll(page, slice, TIMEOUT_MS[name]);
}, { timeout: 600_000 });
after(async () => { await pg?.close(); });

test('the language tests are found', () => {
  assert.ok(tests.length >= 100, `only ${tests.length} scripts`);
});

for (const t of tests) for (const name of Object.keys(SLICES)) {
  test(name === 'usual' ? t.rel : `${t.rel} (${name})`, () => {
    const r = results[name][t.rel];
    assert.ok(r, 'no result');
    assert.ok(!r.timedOut, `timed out after ${TIMEOUT_MS[name]} ms`);
    const lines = r.stdout.split('\n');
    if (lines.at(-1) === '') lines.pop();
    assert.deepEqual(lines, t.stdout, 'stdout');
    const e = r.error;
    if (t.compileError !== null) {
      assert.ok(e && e.lyngClass !== 'Exit', 'expected a compile error');
      assert.ok(e.message.includes(t.compileError), `${JSON.stringify(e.message)} lacks ${JSON.stringify(t.compileError)}`);
    } else if (t.error !== null) {
      assert.ok(e && e.lyngClass !== 'Exit', `expected ${t.error}`);
      const first = e.report.split('\n')[0];
      const ok = t.error.includes(':') ? first === t.error : first === t.error || first.startsWith(`${t.error}:`);
      assert.ok(ok, `expected ${JSON.stringify(t.error)}, got ${JSON.stringify(first)}`);
    } else if (t.exit !== null && t.exit !== 0) {
      assert.equal(e?.exitCode, t.exit, `expected exit(${t.exit}), got ${JSON.stringify(e)}`);
    } else {
      assert.ok(e === null || (e.lyngClass === 'Exit' && e.exitCode === 0), `unexpected ${JSON.stringify(e)}`);
    }
  });
}

test('no console errors while the language tests ran', (t) => {
  assert.deepEqual(page.problems, []);
  for (const [name, byScript] of Object.entries(results)) {
    const all = Object.entries(byScript);
    const total = all.reduce((sum, [, r]) => sum + r.ms, 0);
    const slowest = all.sort((a, b) => b[1].ms - a[1].ms).slice(0, 3).map(([rel, r]) => `${rel} ${r.ms} ms`);
    t.diagnostic(`${name} slices: ${all.length} scripts in ${total} ms; slowest: ${slowest.join(', ')}`);
  }
});
