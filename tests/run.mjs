#!/usr/bin/env node
// tests/run.mjs - runs the language tests (tests/**/*.lyng) against one or
// more Lyng command lines and compares what they print with the `// expect`
// comments written in each script. No dependencies beyond Node itself.
//
//   node tests/run.mjs [--cmd "build/native/lyng"] [--cmd "bin/lyng"] [--timeout S] [FILTER...]
//
// Directives understood in a test script (anywhere, in order):
//   // expect: TEXT                 next stdout line must be exactly TEXT
//   // expect error: CLASS: MSG     script ends with this uncaught exception
//   // expect error: CLASS          (exit 1, first stderr line "CLASS: ...")
//   // expect compile error: TEXT   exit 2 and stderr contains TEXT
//   // expect exit: N               the process exits with code N
//   // args: ARG...                 extra command-line options placed before FILE
// Files and folders whose name starts with `_` are modules the tests import,
// not tests. Every test runs once per command; with several commands the runner also
// checks that they all produce the same stdout and exit code.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
let TIMEOUT_MS = 10_000; // per test and command; --timeout SECONDS changes it
const OUTPUT_LIMIT = 4 << 20; // stop collecting after 4 MiB per stream

function parseArgs(argv) {
  const cmds = [];
  const filters = [];
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cmd') cmds.push(argv[++i]);
    else if (a.startsWith('--cmd=')) cmds.push(a.slice(6));
    else if (a === '--timeout') TIMEOUT_MS = Number(argv[++i]) * 1000;
    else if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node tests/run.mjs [--cmd "CMD"]... [--timeout SECONDS] [-v] [FILTER]...');
      process.exit(0);
    } else filters.push(a);
  }
  if (cmds.length === 0) cmds.push('build/native/lyng');
  return { cmds, filters, verbose };
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('_')) continue; // modules that tests import, not tests
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.lyng')) out.push(p);
  }
  return out;
}

// Reads the expectations of one script.
function parseTest(file) {
  const src = readFileSync(file, 'utf8');
  const t = { file, rel: relative(ROOT, file).split(sep).join('/'), stdout: [],
    error: null, compileError: null, exit: null, args: [] };
  for (const raw of src.split('\n')) {
    const line = raw.replace(/\r$/, '');
    let m;
    if ((m = /\/\/ expect: ?(.*)$/.exec(line))) t.stdout.push(m[1]);
    else if ((m = /\/\/ expect error: (.*)$/.exec(line))) t.error = m[1].trim();
    else if ((m = /\/\/ expect compile error: (.*)$/.exec(line))) t.compileError = m[1].trim();
    else if ((m = /\/\/ expect exit: (\d+)/.exec(line))) t.exit = Number(m[1]);
    else if ((m = /^\s*\/\/ args:(.*)$/.exec(line))) t.args.push(...m[1].trim().split(/\s+/).filter(Boolean));
  }
  return t;
}

function splitCmd(cmd) {
  // A small shell-like split: whitespace separates, quotes group.
  const parts = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(cmd))) parts.push(m[1] ?? m[2] ?? m[3]);
  return parts;
}

function run(cmd, test) {
  const [exe, ...pre] = splitCmd(cmd);
  return new Promise((resolve) => {
    let stdout = '', stderr = '', timedOut = false, done = false;
    let child;
    try {
      child = spawn(exe, [...pre, ...test.args, test.rel], {
        cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      });
    } catch (e) {
      resolve({ code: -1, stdout: '', stderr: String(e), timedOut: false });
      return;
    }
    const kill = () => {
      // The whole process group, so a shell wrapper cannot leave children behind.
      try { process.kill(-child.pid, 'SIGKILL'); } catch { try { child.kill('SIGKILL'); } catch { /* gone */ } }
    };
    const timer = setTimeout(() => { timedOut = true; kill(); }, TIMEOUT_MS);
    child.stdout.on('data', (d) => { if (stdout.length < OUTPUT_LIMIT) stdout += d; });
    child.stderr.on('data', (d) => { if (stderr.length < OUTPUT_LIMIT) stderr += d; });
    const finish = (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), signal, stdout, stderr, timedOut });
    };
    child.on('error', (e) => { stderr += String(e); finish(-1, null); });
    child.on('close', finish);
  });
}

function lines(text) {
  const l = text.split('\n');
  if (l.length && l[l.length - 1] === '') l.pop();
  return l;
}

// Returns null when the result matches, else a list of message lines.
function check(test, r) {
  const problems = [];
  if (r.timedOut) return [`timed out after ${TIMEOUT_MS / 1000} s`];
  const out = lines(r.stdout);
  const exp = test.stdout;
  const n = Math.max(out.length, exp.length);
  for (let i = 0; i < n; i++) {
    if (out[i] !== exp[i]) {
      problems.push(`stdout differs at line ${i + 1}:`);
      problems.push(`  expected: ${exp[i] === undefined ? '<end of output>' : JSON.stringify(exp[i])}`);
      problems.push(`  actual:   ${out[i] === undefined ? '<end of output>' : JSON.stringify(out[i])}`);
      const from = Math.max(0, i - 2);
      problems.push('  expected lines ' + (from + 1) + '..: ' + JSON.stringify(exp.slice(from, i + 3)));
      problems.push('  actual lines   ' + (from + 1) + '..: ' + JSON.stringify(out.slice(from, i + 3)));
      break;
    }
  }
  const err1 = lines(r.stderr)[0] ?? '';
  if (test.compileError !== null) {
    if (r.code !== 2) problems.push(`expected exit code 2 (compile error), got ${r.code}`);
    if (!r.stderr.includes(test.compileError)) problems.push(`stderr lacks ${JSON.stringify(test.compileError)}`);
  } else if (test.error !== null) {
    if (r.code !== 1) problems.push(`expected exit code 1 (uncaught exception), got ${r.code}`);
    const want = test.error;
    const ok = want.includes(':') ? err1 === want : (err1 === want || err1.startsWith(want + ':'));
    if (!ok) problems.push(`expected stderr to start with ${JSON.stringify(want)}`);
  } else {
    const want = test.exit ?? 0;
    if (r.code !== want) problems.push(`expected exit code ${want}, got ${r.code}${r.signal ? ' (' + r.signal + ')' : ''}`);
  }
  if (problems.length && r.stderr) {
    problems.push('  stderr: ' + lines(r.stderr).slice(0, 6).join('\n          '));
  }
  return problems.length ? problems : null;
}

async function pool(items, workers, fn) {
  let next = 0;
  const results = new Array(items.length);
  async function worker() {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(workers, items.length) }, worker));
  return results;
}

async function main() {
  const { cmds, filters, verbose } = parseArgs(process.argv.slice(2));
  const tests = findTests(join(ROOT, 'tests')).map(parseTest)
    .filter((t) => filters.length === 0 || filters.some((f) => t.rel.includes(f)));
  if (tests.length === 0) {
    console.error('no tests match');
    process.exit(1);
  }
  const jobs = [];
  for (const t of tests) for (const c of cmds) jobs.push({ t, c });
  const results = await pool(jobs, cpus().length, async (j) => ({ ...j, r: await run(j.c, j.t) }));

  let passed = 0, failed = 0, disagree = 0;
  for (const { t, c, r } of results) {
    const problems = check(t, r);
    if (problems) {
      failed++;
      console.log(`FAIL ${t.rel}  [${c}]`);
      for (const p of problems) console.log('  ' + p);
    } else {
      passed++;
      if (verbose) console.log(`ok   ${t.rel}  [${c}]`);
    }
  }
  if (cmds.length > 1) {
    for (const t of tests) {
      const rs = results.filter((x) => x.t === t);
      const a = rs[0].r;
      for (const { c, r } of rs.slice(1)) {
        if (r.stdout !== a.stdout || r.code !== a.code || r.timedOut !== a.timedOut) {
          disagree++;
          console.log(`DISAGREE ${t.rel}: [${cmds[0]}] exit ${a.code} vs [${c}] exit ${r.code}` +
            (r.stdout !== a.stdout ? ' (stdout differs)' : ''));
        }
      }
    }
  }
  console.log(`${passed} passed, ${failed} failed` + (cmds.length > 1 ? `, ${disagree} disagreements` : ''));
  process.exit(failed || disagree ? 1 : 0);
}

main();
