// bench/clients.mjs - the real clients of the benchmarks: redis-benchmark
// against a Redis-protocol server and wrk against an HTTP server, each run
// to its end and its rate parsed; plus starting the servers they measure
// (the Lyng examples, node:http, redis-server) on loopback ports.
import net from 'node:net';
import { start } from './proc.mjs';

// A free loopback port, for a server (redis-server) that cannot pick one.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Starts a server that prints "... on 127.0.0.1:PORT" once listening
// (examples/http_server.lyng, examples/redis_server.lyng, the node:http
// baseline); resolves with it and its port.
export async function startListening(cmd, args) {
  const h = start(cmd, args, { deadlineMs: 480_000 });
  const { match } = await h.waitFor(/ on 127\.0\.0\.1:(\d+)$/);
  h.port = Number(match[1]);
  return h;
}

// redis-server on a free port, without persistence.
export async function startRedisServer() {
  const port = await freePort();
  const h = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--protected-mode', 'no', '--loglevel', 'warning'], { deadlineMs: 480_000 });
  h.port = port;
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) return h;
    await new Promise((r) => setTimeout(r, 50));
  }
  await h.stop();
  throw new Error(`redis-server did not listen on ${port}: ${h.stderr().trim().slice(0, 300)}`);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function output(cmd, args) {
  const h = start(cmd, args, { deadlineMs: 120_000 });
  const { code, signal } = await h.exited;
  const text = h.lines.map((l) => l.line).join('\n');
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}: ${(h.stderr() || text).trim().slice(0, 300)}`);
  return text;
}

// redis-benchmark -t set,get: { SET, GET } requests per second. A run
// shorter than redis-benchmark's clock (milliseconds) reports "inf", which
// is no rate: a measured run fails on it, a warm-up run (whose figures are
// dropped; a quarter of a quick run's pipelined requests take under a
// millisecond on redis-server) returns what it got.
export async function redisBenchmark(port, { requests, clients = 50, pipeline = 1, warmup = false }) {
  const text = await output('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get',
    '-n', String(requests), '-c', String(clients), '-P', String(pipeline), '--csv']);
  const rates = {};
  for (const line of text.split('\n')) {
    const m = /^"(SET|GET)","([\d.]+)"/.exec(line);
    if (m) rates[m[1]] = Number(m[2]);
  }
  if (!warmup && !(rates.SET > 0 && rates.GET > 0)) throw new Error(`redis-benchmark printed no SET/GET rates: ${text.slice(0, 300)}`);
  return rates;
}

// wrk: requests per second, and the errors it counted (socket errors and
// answers other than 2xx), which must be none.
export async function wrk(port, { connections = 50, seconds = 5, path = '/' }) {
  const text = await output('wrk', ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, `http://127.0.0.1:${port}${path}`]);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const total = /^\s*(\d+) requests in/m.exec(text);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (!rate) throw new Error(`wrk printed no rate: ${text.slice(0, 300)}`);
  return {
    rate: Number(rate[1]),
    requests: total ? Number(total[1]) : 0,
    errors: (errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0),
    text,
  };
}
