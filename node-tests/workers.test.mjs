// workers.test.mjs - `lyng --workers N`, natively and on Node: every copy
// runs with its WORKER, a crashing copy is restarted with a growing pause,
// SIGTERM reaches every copy and ends the supervisor, bad counts are usage
// errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { lyng, NATIVE_LYNG, NODE_LYNG, tempFiles } from './helpers.mjs';

const RUNTIMES = [['native', NATIVE_LYNG], ['node', NODE_LYNG]].filter(([, cmd]) => existsSync(cmd));

const dir = tempFiles({
  'hello.lyng': 'println("worker " + WORKER + " " + ARGV)\n',
  'crash.lyng': 'throw IllegalStateException("worker " + WORKER + " fails")\n',
  'wait.lyng': 'println("up " + WORKER)\ndelay(60000)\nprintln("not reached")\n',
});

// Starts the supervisor; resolves once `ready` matches its output.
function start(cmd, args, ready) {
  const child = spawn(cmd, args, { cwd: dir });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const readyP = new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (ready(out)) { clearInterval(poll); resolve(); }
    }, 20);
    exited.then(() => { clearInterval(poll); reject(new Error(`exited early: ${out.stdout} ${out.stderr}`)); });
  });
  return { child, out, exited, readyP };
}

for (const [where, cmd] of RUNTIMES) {
  describe(`--workers (${where})`, () => {
    test('each copy runs with its WORKER and the arguments', () => {
      const r = lyng(['--workers', '3', 'hello.lyng', 'a', 'b'], { cmd, cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n').sort(), ['worker 0 [a,b]', 'worker 1 [a,b]', 'worker 2 [a,b]']);
    });

    test('a crashing copy is restarted after a pause that doubles; SIGTERM ends it all', async () => {
      const s = start(cmd, ['--workers=1', 'crash.lyng'], (o) => /restarting in 400 ms/.test(o.stderr));
      await s.readyP;
      s.child.kill('SIGTERM');
      const { code } = await s.exited;
      assert.equal(code, 143);
      const restarts = s.out.stderr.match(/restarting in \d+ ms/g);
      assert.deepEqual(restarts.slice(0, 3), ['restarting in 100 ms', 'restarting in 200 ms', 'restarting in 400 ms']);
      assert.match(s.out.stderr, /worker 0 exited with status 1/);
    });

    test('SIGTERM is passed on to every copy', async () => {
      const s = start(cmd, ['--workers', '2', 'wait.lyng'], (o) => /up 0/.test(o.stdout) && /up 1/.test(o.stdout));
      await s.readyP;
      s.child.kill('SIGTERM');
      const { code } = await s.exited;
      assert.equal(code, 143);
      assert.doesNotMatch(s.out.stdout, /not reached/);
      assert.doesNotMatch(s.out.stderr, /restarting/);
    });

    test('a bad count is a usage error', () => {
      for (const bad of ['0', 'x', '1025']) {
        const r = lyng(['--workers', bad, 'hello.lyng'], { cmd, cwd: dir });
        assert.equal(r.code, 2);
        assert.match(r.stderr, new RegExp(`--workers needs a count from 1 to 1024, got '${bad}'`));
      }
    });
  });
}
