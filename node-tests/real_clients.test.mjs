// real_clients.test.mjs - the example servers answer real clients: the
// Redis-protocol server (examples/redis_server.lyng) redis-cli and a short
// pipelined redis-benchmark, the HTTP server (examples/http_server.lyng)
// wrk and hand-written keep-alive and pipelined requests. Natively under
// ASan and on Node, on loopback, a few hundred requests each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { ROOT, NODE_LYNG } from './helpers.mjs';
import { startListening, redisBenchmark, wrk } from '../bench/clients.mjs';

const ASAN_LYNG = join(ROOT, 'build', 'asan', 'lyng');
const RUNTIMES = [['native (ASan)', ASAN_LYNG], ['Node', NODE_LYNG]].filter(([, cmd]) => existsSync(cmd));
const LIMIT = { timeout: 120_000 };

function cli(port, args, input) {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { input, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\n$/, '');
}

// Sends `text` at once and collects what arrives until the server closes
// the connection.
function exchange(port, text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => { got += d; });
    s.on('end', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(20_000, () => { s.destroy(); reject(new Error(`no end after: ${got}`)); });
    s.write(text);
  });
}

for (const [name, cmd] of RUNTIMES) {
  test(`redis_server.lyng answers redis-cli and redis-benchmark (${name})`, LIMIT, async () => {
    const server = await startListening(cmd, ['--allow-net=127.0.0.1', join(ROOT, 'examples/redis_server.lyng'), '0']);
    try {
      const p = server.port;
      assert.equal(cli(p, ['ping']), 'PONG');
      assert.equal(cli(p, ['set', 'greeting', 'hello world']), 'OK');
      assert.equal(cli(p, ['get', 'greeting']), 'hello world');
      assert.equal(cli(p, ['get', 'missing']), '');
      // a value with CR LF inside is a bulk string of its length, not a line
      assert.equal(cli(p, ['-x', 'set', 'binary'], 'a\r\nb'), 'OK');
      assert.equal(cli(p, ['--no-raw', 'get', 'binary']), '"a\\r\\nb"');
      assert.equal(cli(p, ['exists', 'greeting', 'missing']), '1');
      assert.equal(cli(p, ['del', 'greeting']), '1');
      assert.match(cli(p, ['nosuch']), /^ERR unknown command 'NOSUCH'/);
      const rates = await redisBenchmark(p, { requests: 300, clients: 4, pipeline: 8 });
      assert.ok(rates.SET > 0 && rates.GET > 0);
      assert.equal(cli(p, ['get', 'key:__rand_int__']).length, 3); // the benchmark's 3-byte value
      assert.equal(cli(p, ['dbsize']), '2');
    } finally {
      await server.stop();
    }
  });

  test(`http_server.lyng answers wrk and pipelined keep-alive requests (${name})`, LIMIT, async () => {
    const server = await startListening(cmd, ['--allow-net=127.0.0.1', join(ROOT, 'examples/http_server.lyng'), '0']);
    try {
      const p = server.port;
      const get = (path, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
      const two = await exchange(p, get('/a') + `POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello` + get('/c', 'Connection: close\r\n'));
      const bodies = [...two.matchAll(/HTTP\/1\.1 200 OK\r\n[^]*?\r\n\r\n(Hello from Lyng: \/\w)\n/g)].map((m) => m[1]);
      assert.deepEqual(bodies, ['Hello from Lyng: /a', 'Hello from Lyng: /b', 'Hello from Lyng: /c']);
      assert.match(await exchange(p, 'NONSENSE\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n/);
      const res = await wrk(p, { connections: 4, seconds: 1 });
      assert.equal(res.errors, 0, res.text);
      assert.ok(res.requests > 0, res.text);
    } finally {
      await server.stop();
    }
  });
}
