// embed_values.test.mjs - createLyng's values across the boundary
// (evaluate, globals, functions), limits, evaluations side by side on one
// VM, and the range checks that keep numbers exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLyng, LyngError } from '../js-shim/index.mjs';

const quiet = { stdout: () => {}, stderr: () => {} };

test('evaluate returns JS values', async () => {
  const lyng = await createLyng(quiet);
  assert.equal(await lyng.evaluate('40 + 2'), 42);
  assert.equal(await lyng.evaluate('9007199254740991'), Number.MAX_SAFE_INTEGER);
  assert.equal(await lyng.evaluate('9007199254740992'), 9007199254740992n);
  assert.equal(await lyng.evaluate('-9223372036854775807 - 1'), -(2n ** 63n));
  assert.equal(await lyng.evaluate('1.5 * 2'), 3);
  assert.equal(await lyng.evaluate('0.1 + 0.2'), 0.1 + 0.2);
  assert.equal(await lyng.evaluate('"x" + 1'), 'x1');
  assert.equal(await lyng.evaluate('1 < 2'), true);
  assert.equal(await lyng.evaluate('null'), null);
  assert.equal(await lyng.evaluate('val unused = 1'), 1);
  assert.equal(await lyng.evaluate('void'), undefined);
  assert.equal(await lyng.evaluate("'c'"), 'c');
  assert.deepEqual(await lyng.evaluate('["a,b", "c"]'), ['a,b', 'c']);
  assert.deepEqual(await lyng.evaluate('["a", "b", "c"]'), ['a', 'b', 'c']);
  assert.deepEqual(await lyng.evaluate('Map("k" => [1, null], 2 => "two")'), new Map([['k', [1, null]], [2, 'two']]));
  assert.deepEqual(await lyng.evaluate('Set(1, 2)'), new Set([1, 2]));
  assert.deepEqual(await lyng.evaluate('import lyng.buffer\nBuffer(1, 2, 255)'), Uint8Array.of(1, 2, 255));
  assert.equal(await lyng.evaluate('1..3'), '1..3');
  // a list that contains itself comes back with the repeat as text
  const cyc = await lyng.evaluate('val l = [1]; l.add(l); l');
  assert.equal(cyc[0], 1);
  assert.equal(typeof cyc[1], 'string');
  lyng.close();
});

test('an instance becomes its toJsonObject(), else its public fields', async () => {
  const lyng = await createLyng(quiet);
  assert.deepEqual(await lyng.evaluate(`
    class Point(val x, var y) { private val secret = 1; protected val mine = 2; val sum = x + y }
    Point(1, 2)`), { x: 1, y: 2 });
  assert.deepEqual(await lyng.evaluate(`
    class Money(val cents) { fun toJsonObject() { Map("amount" => cents / 100.0, "currency" => "EUR") } }
    Money(250)`), { amount: 2.5, currency: 'EUR' });
  assert.deepEqual(await lyng.evaluate('[Point(0, 1)]'), [{ x: 0, y: 1 }]);
  lyng.close();
});

test('globals take the same values, exactly', async () => {
  const lyng = await createLyng({
    ...quiet,
    globals: {
      I: 7, BIG: 2n ** 63n - 1n, NEG: -(2n ** 63n), R: 2.5, S: 'text', B: false, NIL: null,
      L: [1, 'two', [3]], M: new Map([[1, 'one']]), O: { a: 1, b: [true] }, U: Uint8Array.of(9, 8), SET: new Set(['x']),
    },
  });
  assert.equal(await lyng.evaluate('I + 1'), 8);
  assert.equal(await lyng.evaluate('BIG'), 2n ** 63n - 1n);
  assert.equal(await lyng.evaluate('NEG'), -(2n ** 63n));
  assert.equal(await lyng.evaluate('R::class.name + " " + (R * 2)'), 'Real 5.0');
  assert.equal(await lyng.evaluate('S.size + (B ? 1 : 0)'), 4);
  assert.equal(await lyng.evaluate('NIL == null'), true);
  assert.equal(await lyng.evaluate('L[2][0] + L.size'), 6);
  assert.equal(await lyng.evaluate('M[1]'), 'one');
  assert.equal(await lyng.evaluate('O["b"][0]'), true);
  assert.equal(await lyng.evaluate('U[0] + U.size'), 11);
  assert.equal(await lyng.evaluate('SET.contains("x")'), true);
  lyng.close();
});

test('numbers with no exact Int value are a RangeError', async () => {
  for (const v of [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n + 5n, 1e20, 2 ** 63, Number.MAX_SAFE_INTEGER + 1]) {
    await assert.rejects(createLyng({ ...quiet, globals: { V: v } }), RangeError, String(v));
  }
  for (const limits of [{ steps: 1.5 }, { ms: -1 }, { steps: 2 ** 60 }]) {
    await assert.rejects(createLyng({ ...quiet, limits }), RangeError);
  }
  await assert.rejects(createLyng({ ...quiet, globals: { F: () => 1 } }), TypeError);
  const lyng = await createLyng({ ...quiet, functions: { huge: () => 1e20 } });
  await assert.rejects(lyng.evaluate('huge()'), /RangeError.*1000000000000000000000*.*beyond 2\^53/);
  lyng.close();
});

test('JS functions are callable from Lyng, with promises', async () => {
  const seen = [];
  const lyng = await createLyng({
    ...quiet,
    functions: {
      add: (a, b) => a + b,
      record: (...args) => { seen.push(args); },
      later: (x) => new Promise((r) => setTimeout(() => r(x * 2), 20)),
      fail: async () => { throw new Error('no such thing'); },
      reject: () => Promise.reject(new TypeError('bad')),
    },
  });
  assert.equal(await lyng.evaluate('add(1, 2) + later(20)'), 43);
  assert.equal(await lyng.evaluate('record(1, "a", [true], Map("k" => 2)); "done"'), 'done');
  assert.deepEqual(seen, [[1, 'a', [true], new Map([['k', 2]])]]);
  assert.equal(await lyng.evaluate('try { fail() } catch (e) { e.message }'), 'Error: no such thing');
  await assert.rejects(lyng.evaluate('reject()'), (e) => e instanceof LyngError && /TypeError: bad/.test(e.message));
  // other coroutines run while one waits for JS
  assert.deepEqual(await lyng.evaluate(`
    val order = []
    val a = launch { order.add("js " + later(1)) }
    val b = launch { order.add("lyng") }
    a.await(); b.await()
    order`), ['lyng', 'js 2']);
  lyng.close();
});

test('limits stop a call, and the VM stays usable', async () => {
  const lyng = await createLyng({ ...quiet, limits: { ms: 10_000 } });
  await assert.rejects(lyng.evaluate('var i = 0; while (true) { i++ }', { limits: { steps: 50_000 } }),
    /the step limit of 50000 was reached/);
  assert.ok(await lyng.evaluate('i') >= 40_000);
  const t0 = Date.now();
  await assert.rejects(lyng.evaluate('while (true) { }', { limits: { ms: 100 } }), /the time limit of 100 ms was reached/);
  await assert.rejects(lyng.evaluate('delay(60000)', { limits: { ms: 50 } }), /the time limit of 50 ms was reached/);
  assert.ok(Date.now() - t0 < 5000);
  // a coroutine launched by a stopped call stops with it
  await assert.rejects(lyng.evaluate('launch { while (true) { } }; 1', { limits: { steps: 10_000 } }), /step limit/);
  assert.equal(await lyng.evaluate('1 + 1', { limits: { steps: 1000 } }), 2);
  lyng.close();
});

test('calls run side by side: a waiting one does not hold up the next', async () => {
  const lyng = await createLyng(quiet);
  const slow = lyng.evaluate('delay(400); "slow"');
  const t0 = Date.now();
  assert.equal(await lyng.evaluate('"fast"'), 'fast');
  assert.ok(Date.now() - t0 < 300, 'the second call did not wait for the first');
  assert.equal(await slow, 'slow');
  // calls that never wait run in call order, and see each other's declarations
  const [a, b] = await Promise.all([lyng.evaluate('var shared = 1; shared'), lyng.evaluate('shared + 1')]);
  assert.deepEqual([a, b], [1, 2]);
  lyng.close();
});
