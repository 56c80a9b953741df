// embed.test.mjs - the JavaScript embedding API: createLyng, eval, errors,
// output capture, globals, several VMs at once and close().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLyng, LyngError } from '../js-shim/index.mjs';

async function capture(options = {}) {
  const out = [];
  const err = [];
  const lyng = await createLyng({ stdout: (t) => out.push(t), stderr: (t) => err.push(t), ...options });
  return { lyng, out: () => out.join(''), err: () => err.join('') };
}

test('eval resolves with inspect() of the final value', async () => {
  const { lyng } = await capture();
  assert.equal(await lyng.eval('1 + 2'), '3');
  assert.equal(await lyng.eval('"a" + "b"'), '"ab"');
  assert.equal(await lyng.eval('[1, "x"]'), '[1,x]');
  lyng.close();
});

test('output goes to the stdout callback', async () => {
  const { lyng, out } = await capture();
  await lyng.eval('println("hello"); print("no newline")');
  assert.equal(out(), 'hello\nno newline');
  lyng.close();
});

test('stdout may be a stream-like object', async () => {
  const chunks = [];
  const lyng = await createLyng({ stdout: { write: (t) => chunks.push(t) } });
  await lyng.eval('println("via write")');
  assert.equal(chunks.join(''), 'via write\n');
  lyng.close();
});

test('declarations persist from one eval to the next', async () => {
  const { lyng } = await capture();
  await lyng.eval('var counter = 10');
  await lyng.eval('counter += 5');
  assert.equal(await lyng.eval('counter'), '15');
  lyng.close();
});

test('globals: integers become Int, strings String', async () => {
  const { lyng } = await capture({ globals: { N: 41, BIG: 9007199254740993n, S: 'txt' } });
  assert.equal(await lyng.eval('[N + 1, N::class.name, S::class.name, S]'), '[42,Int,String,txt]');
  assert.equal(await lyng.eval('BIG'), '9007199254740993');
  lyng.close();
});

test('an uncaught exception rejects with LyngError', async () => {
  const { lyng } = await capture();
  await assert.rejects(lyng.eval('throw IllegalArgumentException("bad input")', { name: 'check.lyng' }), (e) => {
    assert.ok(e instanceof LyngError);
    assert.ok(e instanceof Error);
    assert.equal(e.lyngClass, 'IllegalArgumentException');
    assert.equal(e.message, 'bad input');
    assert.match(e.lyngStack, /check\.lyng:1/);
    return true;
  });
  // the VM is still usable afterwards
  assert.equal(await lyng.eval('2 * 21'), '42');
  lyng.close();
});

test('a compile error rejects with LyngError naming line and column', async () => {
  const { lyng } = await capture();
  await assert.rejects(lyng.eval('val x = (1 +', { name: 'broken.lyng' }), (e) => {
    assert.ok(e instanceof LyngError);
    assert.match(e.message, /broken\.lyng:1:\d+/);
    return true;
  });
  lyng.close();
});

test('eval waits for timers and coroutines', async () => {
  const { lyng, out } = await capture();
  const t0 = Date.now();
  const r = await lyng.eval('val d = launch { delay(40); println("in coroutine"); 7 }\nprintln("main")\nd.await() * 6');
  assert.equal(r, '42');
  assert.equal(out(), 'main\nin coroutine\n');
  assert.ok(Date.now() - t0 >= 35);
  lyng.close();
});

test('two VMs run at the same time without sharing state', async () => {
  const a = await capture({ globals: { WHO: 'a' } });
  const b = await capture({ globals: { WHO: 'b' } });
  await a.lyng.eval('var x = 1');
  await b.lyng.eval('var x = 100');
  const [ra, rb] = await Promise.all([
    a.lyng.eval('delay(30); println(WHO); x + 1'),
    b.lyng.eval('delay(5); println(WHO); x + 1'),
  ]);
  assert.equal(ra, '2');
  assert.equal(rb, '101');
  assert.equal(a.out(), 'a\n');
  assert.equal(b.out(), 'b\n');
  a.lyng.close();
  b.lyng.close();
});

test('evals on one VM run side by side; those that never wait in call order', async () => {
  const { lyng, out } = await capture();
  const p1 = lyng.eval('delay(30); println("waited")');
  const p2 = lyng.eval('println("first")');
  const p3 = lyng.eval('println("second")');
  await Promise.all([p1, p2, p3]);
  assert.equal(out(), 'first\nsecond\nwaited\n');
  lyng.close();
});

test('eval after close() rejects; close() twice is harmless', async () => {
  const { lyng } = await capture();
  lyng.close();
  lyng.close();
  await assert.rejects(lyng.eval('1'));
});

test('an unknown option is refused, naming it and the options there are', async () => {
  await assert.rejects(createLyng({ allowNet: ['127.0.0.1'] }),
    (e) => e instanceof TypeError && /unknown option 'allowNet'/.test(e.message) && /\bnet\b/.test(e.message));
  const lyng = await createLyng({ net: 'denyAll', limits: { steps: 0 }, globals: {}, functions: {} });
  assert.equal(await lyng.eval('1 + 1'), '2');
  lyng.close();
});

test('a bad global is refused', async () => {
  await assert.rejects(createLyng({ globals: { X: () => 1 } }), TypeError);
  await assert.rejects(createLyng({ globals: { X: Symbol('s') } }), TypeError);
});

test('close() while a script waits rejects its eval', async () => {
  const { lyng } = await capture();
  const p = lyng.eval('delay(10000); 1');
  setTimeout(() => lyng.close(), 20);
  await assert.rejects(p, /closed/);
});
