#!/usr/bin/env node
// run.mjs - runs the browser test files (browser-tests/*.test.mjs) with
// node's test runner, one file at a time (each starts its own Chromium):
// the spec report on stdout, a TAP copy in build/browser-tests.tap, and a
// last line "N passed, N failed" for the Makefile's summary.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './browser.mjs';

const TAP = join(ROOT, 'build/browser-tests.tap');
const files = readdirSync(join(ROOT, 'browser-tests')).filter((f) => f.endsWith('.test.mjs')).sort()
  .map((f) => join('browser-tests', f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${TAP}`, ...files], { cwd: ROOT, stdio: 'inherit' });

let tap = '';
try { tap = readFileSync(TAP, 'utf8'); } catch { /* the runner did not start */ }
const count = (name) => Number([...tap.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
const passed = count('pass');
let failed = count('fail') + count('cancelled');
if (r.status !== 0 && failed === 0) failed = 1; // a crash is never green
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
