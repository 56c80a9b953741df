// The benchmark harness's rounds (bench/stats.mjs): every side is measured
// the same number of times, each round starts one side further on, a
// warm-up run of every side is made first and dropped, and samples that
// are objects are summarised field by field.
import test from 'node:test';
import assert from 'node:assert/strict';
import { interleaved, summarize } from '../bench/stats.mjs';

test('summarize gives the median with the minimum and maximum', () => {
  assert.deepEqual(summarize([5, 1, 3]), { median: 3, min: 1, max: 5, n: 3 });
  assert.deepEqual(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
});

test('rounds rotate the order of the sides and drop the warm-up runs', async () => {
  const calls = [];
  let next = 0;
  const side = (k) => async ({ warmup }) => { calls.push(`${k}${warmup ? '*' : ''}`); return next++; };
  const r = await interleaved(3, { a: side('a'), b: side('b'), c: side('c') }, { warmup: true });
  assert.deepEqual(calls, ['a*', 'b*', 'c*', 'a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
  // samples 3..11 in call order: a got 3, 8, 10; b 4, 6, 11; c 5, 7, 9
  assert.deepEqual(r.a, { median: 8, min: 3, max: 10, n: 3 });
  assert.deepEqual(r.b, { median: 6, min: 4, max: 11, n: 3 });
  assert.deepEqual(r.c, { median: 7, min: 5, max: 9, n: 3 });
});

test('without warm-up every run counts, and object samples are summarised per field', async () => {
  let i = 0;
  const r = await interleaved(2, { x: async ({ warmup }) => { assert.equal(warmup, false); i++; return { SET: i, GET: 10 * i }; } });
  assert.deepEqual(r.x.SET, { median: 1.5, min: 1, max: 2, n: 2 });
  assert.deepEqual(r.x.GET, { median: 15, min: 10, max: 20, n: 2 });
});
