// deploy.test.mjs - examples/deploy/: HAProxy in front of `lyng --workers 3`
// running server.lyng, natively. Requests through HAProxy reach every copy;
// a copy killed with SIGKILL costs no failed request (HAProxy sends it
// elsewhere and its health check takes the copy out), and --workers starts
// it again, after which it answers again. Loopback only; bounded waits.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasNative, NATIVE_LYNG, ROOT } from './helpers.mjs';

const N = 3;
const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;

const canListen = (port) => new Promise((resolve) => {
  const s = createServer();
  s.once('error', () => resolve(false));
  s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
});

// `count` consecutive free ports. HAProxy's backend needs fixed ports, so
// they cannot come from port 0: they are chosen at random below the
// kernel's ephemeral range (where no outgoing connection takes a port) and
// checked free, which keeps parallel runs apart.
async function freePorts(count) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 12000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await canListen(first + i);
    if (ok) return first;
  }
  throw new Error('no free ports');
}

// GET through HAProxy on a new connection; resolves { status, body } or
// { error }.
const get = (port, path = '/') => new Promise((resolve) => {
  const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { Connection: 'close' } }, (res) => {
    let body = '';
    res.on('data', (d) => { body += d; });
    res.on('end', () => resolve({ status: res.statusCode, body }));
  });
  req.on('error', (err) => resolve({ error: err.code }));
  req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  req.end();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Asks until every copy in `want` has answered, within `ms`.
async function seeAll(port, want, ms) {
  const seen = new Set();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && want.some((w) => !seen.has(w))) {
    const r = await get(port);
    if (r.status === 200) seen.add(r.body.trim());
    else await sleep(50);
  }
  return seen;
}

const childrenOf = (pid) => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
  try { return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid); } catch { return false; }
}).map(Number);
const cmdline = (pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return []; } };

test('HAProxy balances over lyng --workers and routes around a killed copy', { skip: !hasNative || !haveHaproxy, timeout: 60_000 }, async () => {
  const first = await freePorts(N + 1);
  const listen = first;
  const base = first + 1;
  const start = spawn('bash', [join(ROOT, 'examples', 'deploy', 'start.sh'), String(N), String(listen), String(base)],
    { env: { ...process.env, LYNG: NATIVE_LYNG } });
  let out = '';
  start.stdout.on('data', (d) => { out += d; });
  start.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => start.on('close', (code) => resolve(code)));
  try {
    const everyone = Array.from({ length: N }, (_, i) => `worker ${i}`);
    const seen = await seeAll(listen, everyone, 15_000);
    assert.deepEqual([...seen].sort(), everyone, out);

    // the supervisor is the lyng child of start.sh; worker 1 is its child with WORKER=1
    const supervisor = childrenOf(start.pid).find((p) => cmdline(p).includes('--workers'));
    assert.ok(supervisor, `no supervisor among ${childrenOf(start.pid)}`);
    const victim = childrenOf(supervisor).find((p) => cmdline(p).includes('WORKER=1'));
    assert.ok(victim, 'no worker 1');
    process.kill(victim, 'SIGKILL');

    // no request fails while the copy is down and being restarted
    const answers = [];
    for (let i = 0; i < 3 * N; i++) answers.push(await get(listen));
    assert.deepEqual(answers.filter((r) => r.status !== 200), [], out);

    // --workers restarted it, and HAProxy sends requests to it again
    const back = await seeAll(listen, ['worker 1'], 15_000);
    assert.ok(back.has('worker 1'), out);
    assert.match(out, /worker 1 was killed by signal 9; restarting in 100 ms/);
    const restarted = childrenOf(supervisor).find((p) => cmdline(p).includes('WORKER=1'));
    assert.ok(restarted && restarted !== victim);
  } finally {
    start.kill('SIGTERM');
  }
  const code = await exited;
  assert.equal(code, 0, out);
});
