// heap_top.test.mjs - the native command line keeps the top of malloc's heap
// (main_native.c sets glibc's trim threshold): large blocks of mixed sizes
// that the collector frees together no longer make glibc give the heap's
// top back to the system, so a script that keeps allocating them faults
// its pages in once, not again after every few collections. The page
// faults of a short and a long run of the same script must differ by
// little; with glibc's default (trimming at 128 KiB) 40,000 buffers of
// 40-94 KB faulted in ~3,000 pages more than 2,000 did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_LYNG, hasNative, tempFiles } from './helpers.mjs';

const script = `
import lyng.buffer
val n = ARGV[0].toInt()
var seen = 0
for (i in 0..<n) seen += Buffer(40000 + (i % 7) * 9000).size
println("done " + seen)
delay(60000)
`;

// The minor page faults of a run with n buffers, read from /proc while the
// script waits at its end.
function faults(file, n) {
  return new Promise((resolve, reject) => {
    const child = spawn(NATIVE_LYNG, [file, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        // fields after the command name, which is in parentheses: minflt is the 10th field
        const minflt = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
        resolve({ out, minflt });
      } catch (e) {
        reject(e);
      } finally {
        child.kill();
      }
    });
    child.on('error', reject);
  });
}

const linux = existsSync('/proc/self/stat');

test('native: large blocks freed by collections do not fault their pages in again', { skip: (!hasNative && 'needs the native build') || (!linux && 'needs /proc') }, async () => {
  const file = join(tempFiles({ 'churn.lyng': script }), 'churn.lyng');
  const short = await faults(file, 2000);
  const long = await faults(file, 40000);
  assert.match(short.out, /^done \d+\n$/);
  assert.match(long.out, /^done \d+\n$/);
  // 38,000 more buffers, 2.5 GB more allocated: under 400 more pages (1.6 MB)
  assert.ok(long.minflt - short.minflt < 400, `faults: ${short.minflt} for 2,000 buffers, ${long.minflt} for 40,000`);
});
