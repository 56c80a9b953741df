#!/usr/bin/env node
// bench/create_lyng.mjs - how long `await createLyng()` takes once a first
// instance exists (the module is compiled and cached): each later call makes
// its own wasm instance and VM and loads the prelude. Prints the median of
// N such calls in milliseconds, each ready to eval (`1`). Argument: N.
import { performance } from 'node:perf_hooks';
import { createLyng } from '../js-shim/index.mjs';

const n = Number(process.argv[2] || 20);
const first = await createLyng({ stdout: () => {} });
await first.eval('1');
first.close();
const times = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const lyng = await createLyng({ stdout: () => {} });
  await lyng.eval('1');
  times.push(performance.now() - t0);
  lyng.close();
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median: times[n >> 1], min: times[0], max: times[n - 1], n }));
