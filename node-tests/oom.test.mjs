// oom.test.mjs - out of memory without a crash. Past the VM's limit
// (--memory-limit) a script gets an OutOfMemoryException (tests/memory/);
// here the system itself refuses memory below that limit (ulimit -v on the
// native build): the VM falls back on its reserve, makes what it uses its
// limit and throws at the next safe point, where the script can unwind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NATIVE_LYNG, hasNative, tempFiles } from './helpers.mjs';

const script = `
fun fill() {
    val keep = []
    while (true) keep.add("x".repeat(100000) + keep.size)
}
try { fill() } catch (e: OutOfMemoryException) { println("caught") }
println("after: " + [1, 2, 3].map { it * 2 })
fun grow() { var s = "ab"; while (true) s = s + s }
try { grow() } catch (e: OutOfMemoryException) { println("caught again") }
`;

test('native: the system refusing memory is an OutOfMemoryException, not an abort', { skip: !hasNative && 'needs the native build' }, () => {
  const dir = tempFiles({ 'oom.lyng': script });
  // 400 MB of address space, below the default limit of 1 GiB
  const r = spawnSync('bash', ['-c', `ulimit -v 400000; ulimit -c 0; exec "${NATIVE_LYNG}" "${join(dir, 'oom.lyng')}"`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.stdout, 'caught\nafter: [2,4,6]\ncaught again\n', r.stderr);
  assert.equal(r.status, 0);
});
