// cli_slice.test.mjs - the command line run in slices (cliNew's slice, as
// bin/lyng sets it): a long script gives Node's event loop turns while it
// computes, and ends with the same results as one run without a break;
// createLyng on Node does the same for evals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LyngInstance } from '../js-shim/lyng.mjs';
import { lyng } from './helpers.mjs';

// Runs argv on one instance; counts the event loop turns (setImmediate)
// taken while it ran. Exit codes carry the verdicts: nothing is printed.
async function runSliced(argv, slice) {
  const inst = await LyngInstance.create({ cli: true, args: argv, env: {}, preopens: { '/': '/' } });
  inst.chdir(process.cwd());
  const { cli, release } = inst.cliNew(argv, { slice });
  let turns = 0;
  let running = true;
  const tick = () => { if (running) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  try {
    const code = await inst.runCli(cli);
    return { code, turns };
  } finally {
    running = false;
    release();
    inst.close();
  }
}

const LOOP = `
var sum = 0
for (i in 0..<200000) sum += i % 7
fun fib(n) = if (n < 2) n else fib(n - 1) + fib(n - 2)
exit(if (sum == 599994 && fib(18) == 2584) 0 else 3)
`;

test('a sliced script lets the event loop run while it computes, with the same result', async () => {
  const sliced = await runSliced(['lyng', '-e', LOOP], 1000);
  assert.equal(sliced.code, 0);
  assert.ok(sliced.turns >= 10, `only ${sliced.turns} event loop turns during ~200,000 steps in slices of 1,000`);
});

test('without a slice the same script runs in one go', async () => {
  const whole = await runSliced(['lyng', '-e', LOOP], 0);
  assert.equal(whole.code, 0);
  assert.ok(whole.turns <= 2, `${whole.turns} event loop turns without a slice`);
});

test('slices do not reorder timers, exceptions or exit codes', async () => {
  const timers = `
var order = []
launch { delay(20); order.add("late") }
launch { delay(1); order.add("early") }
var n = 0
for (i in 0..<50000) n += 1
delay(40)
exit(if (order == ["early", "late"] && n == 50000) 0 else 3)
`;
  assert.equal((await runSliced(['lyng', '-e', timers], 500)).code, 0);
  const thrown = 'var k = 0\nfor (i in 0..<30000) k += 1\nthrow IllegalStateException("after " + k)';
  assert.equal((await runSliced(['lyng', '-e', thrown], 500)).code, 1);
  assert.equal((await runSliced(['lyng', '-e', 'for (i in 0..<30000) { if (i == 29999) exit(7) }'], 500)).code, 7);
});

test('bin/lyng runs a script longer than one slice (2^20 steps) to its end', () => {
  const r = lyng(['-e', 'var s = 0\nfor (i in 0..<3000000) s += i\nprintln(s)']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '4499998500000\n');
  assert.equal(r.code, 0);
});

test('createLyng on Node evaluates in slices: timers run during a long eval', async () => {
  const { createLyng } = await import('../js-shim/index.mjs');
  const l = await createLyng({ stdout: () => {}, stderr: () => {} });
  let turns = 0;
  let running = true;
  const tick = () => { if (running) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  try {
    assert.equal(await l.eval('var s = 0\nfor (i in 0..<3000000) s += i\ns'), '4499998500000');
  } finally {
    running = false;
    l.close();
  }
  assert.ok(turns >= 2, `${turns} event loop turns during 3,000,000 loop steps`);
});
