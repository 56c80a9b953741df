#!/usr/bin/env node
// bench/eval_time.mjs - one interpreter workload through createLyng on Node,
// timed as bench/platforms.mjs times it in Chromium: a ready instance
// (module compiled, prelude loaded, a first eval done), then the script
// with ARGV = [ARG], from the call to its end. Prints { ms, out }.
// Arguments: SCRIPT ARG.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createLyng } from '../js-shim/index.mjs';

const [script, arg] = process.argv.slice(2);
const source = readFileSync(script, 'utf8');
let out = '';
const lyng = await createLyng({ stdout: (text) => { out += text; }, globals: { ARGV: [arg] } });
await lyng.eval('1');
const t0 = performance.now();
await lyng.eval(source, { name: script });
const ms = performance.now() - t0;
lyng.close();
console.log(JSON.stringify({ ms, out }));
