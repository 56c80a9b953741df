// parity.test.mjs - the Node command line and the native binary give the
// same output and exit code for the same arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NATIVE_LYNG, hasNative, lyng } from './helpers.mjs';

const CASES = [
  ['-p', '-e', '[1 + 2, "a" + "b", 2.5, null, true]'],
  ['-p', '-D', 'N=7', '-e', 'N * 6'],
  ['-e', 'throw IllegalArgumentException("bad")'],
  ['-e', 'val = 3'],
  ['-p', '-e', 'ARGV', 'one', 'two'],
  ['-e', 'exit(4)'],
  ['--version'],
  ['--help'],
];

for (const args of CASES) {
  test(`same result natively and on Node: lyng ${args.join(' ')}`, { skip: !hasNative && 'build/native/lyng not built' }, () => {
    const node = lyng(args);
    const native = lyng(args, { cmd: NATIVE_LYNG });
    assert.equal(node.code, native.code);
    assert.equal(node.stdout, native.stdout);
    assert.equal(node.stderr.split('\n')[0], native.stderr.split('\n')[0]);
  });
}
