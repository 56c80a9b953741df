#!/usr/bin/env node
// bench/run.mjs - `make bench`: measures Lyng against what a user would run
// instead (Lua 5.4, raw Node, a C epoll server), each pair in the same run,
// and reports ratios: a table on stdout, build/bench/results.json and the bar
// chart build/bench/ratios.svg. Absolute numbers vary from run to run on a
// shared machine; the ratios are what the targets are about.
//
//   node bench/run.mjs            full sizes (a few minutes)
//   BENCH_QUICK=1 node bench/run.mjs   tiny sizes: checks that every row
//                                      produces numbers, not how fast
// Environment: BENCH_OUT (output directory, default build/bench),
// BENCH_ONLY (a regular expression: run only the groups whose name matches),
// NODE24 and CHROMIUM (the other platforms, bench/platforms.mjs).
import { mkdirSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, startServer, timeClient, timeCommand, rssBytes, sleep } from './proc.mjs';
import { interleaved } from './stats.mjs';
import { startListening, startRedisServer, redisBenchmark, wrk } from './clients.mjs';
import { makeRow, printTable } from './report.mjs';
import { ratioChart } from './chart.mjs';
import { registerTlsGroups } from './tls.mjs';
import { registerPlatformGroups } from './platforms.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const QUICK = process.env.BENCH_QUICK === '1';
const OUT = process.env.BENCH_OUT || 'build/bench';
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;

// bin/lyng on Node 20 keeps V8's optimized code of its module in a cache
// made by an earlier run (js-shim/code_cache.mjs). The benchmark keeps its
// own, emptied here, so that no run before it decides what is in it: the
// first interpreter run that lasts long enough makes it, as a user's first
// script would. The rows with "no code cache" run with it off
// (LYNG_CODE_CACHE=off, which is also respected here when set by the caller).
const CODE_CACHE_OFF = { ...process.env, LYNG_CODE_CACHE: 'off' };
if (process.env.LYNG_CODE_CACHE !== 'off') {
  process.env.LYNG_CODE_CACHE = resolve(OUT, 'code-cache');
  rmSync(process.env.LYNG_CODE_CACHE, { recursive: true, force: true });
}

// Sizes: full runs are sized so the whole of `make bench` stays well under
// ten minutes on a busy two-core machine; quick runs only prove each row works.
const SIZE = QUICK ? {
  runs: 1, startupRuns: 2, fib: 18, loop: 100_000, strings: 5_000, lists: 5_000, objects: 2_000, closures: 2_000, creates: 2,
  pingpong: 200, bulk: 4 << 20, concurrent: 2_000, udp: 200, idle: 200,
  redisPipelined: 8_000, redisSingle: 300, wrkSeconds: 1, // pipelined: long enough for redis-benchmark's millisecond clock on redis-server
} : {
  // five rounds of each interpreter workload: with three, one slow round of
  // a 0.2 s run on a shared machine moved a row's median by 15%
  runs: 5, startupRuns: 11, fib: 32, loop: 30_000_000, strings: 200_000, lists: 1_000_000, objects: 1_000_000, closures: 1_000_000, creates: 21,
  // the groups of ROUNDS rounds: runs of ping-pong, 100 connections and
  // unpipelined Redis are shorter than with three rounds, for about the
  // same time in all
  pingpong: 12_000, bulk: 1 << 30, concurrent: 60_000, udp: 20_000, idle: 10_000,
  redisPipelined: 200_000, redisSingle: 30_000, wrkSeconds: 5,
};
const NET_RUNS = QUICK ? 1 : 3;
// The groups whose rows moved most between quiet runs take more rounds.
const ROUNDS = QUICK ? 1 : 5;
const CONNS = 100;
// A warm-up run does a quarter of a measured one's work.
const warmSize = (n, warmup) => (warmup ? Math.max(1, Math.round(n / 4)) : n);

const NATIVE = 'build/native/lyng';
const WASM = 'bin/lyng';
const LUA = process.env.LUA || 'lua5.4';
// The C baseline, built by mk/bench.mk.
const C_SERVER = 'build/bench/echo_server';
const C_CLIENT = 'build/bench/echo_client';
const C_HTTP = 'build/bench/http_server';
const NET = ['--allow-net=127.0.0.1'];

// How to run a Lyng script natively and on Node. Natively stdout is a pipe,
// which C buffers; stdbuf makes it line-buffered so "go" arrives on time.
const lyngNative = (script, ...args) => ['stdbuf', ['-oL', NATIVE, ...NET, script, ...args]];
const lyngNode = (script, ...args) => [WASM, [...NET, script, ...args]];
const nodeRaw = (script, ...args) => ['node', [script, ...args]];

const rows = [];
const groups = [];
const group = (name, fn) => groups.push({ name, fn });

// ---- interpreter ----
const INTERP = [
  { name: 'fib', label: () => `fib(${SIZE.fib})`, arg: () => SIZE.fib },
  { name: 'loop_sum', label: () => `loop sum ${SIZE.loop}`, arg: () => SIZE.loop },
  { name: 'string_build', label: () => `string build ${SIZE.strings}`, arg: () => SIZE.strings },
  { name: 'list_map', label: () => `list/map ${SIZE.lists}`, arg: () => SIZE.lists },
  { name: 'objects', label: () => `objects ${SIZE.objects}`, arg: () => SIZE.objects },
  { name: 'closures', label: () => `closures ${SIZE.closures}`, arg: () => SIZE.closures },
];

// Lua separates print's arguments by tabs, Lyng by spaces.
const sameOutput = (a, b) => a.trim().split(/\s+/).join(' ') === b.trim().split(/\s+/).join(' ');

group('interpreter', async () => {
  for (const b of INTERP) {
    const arg = String(b.arg());
    let expected = null;
    const check = (who) => ({ seconds, stdout }) => {
      if (expected === null) expected = stdout;
      else if (!sameOutput(stdout, expected)) throw new Error(`${b.name}: ${who} printed '${stdout}', expected '${expected}'`);
      return seconds * 1000;
    };
    const script = `bench/${b.name}.lyng`;
    // Unmeasured: the first workload's run makes the code cache.
    check('node')(await timeCommand(WASM, [script, arg]));
    const r = await interleaved(SIZE.runs, {
      lua: async () => check('lua')(await timeCommand(LUA, [`bench/${b.name}.lua`, arg])),
      native: async () => check('native')(await timeCommand(NATIVE, [script, arg])),
      node: async () => check('node')(await timeCommand(WASM, [script, arg])),
      cold: async () => check('node')(await timeCommand(WASM, [script, arg], CODE_CACHE_OFF)),
      raw: async () => (await timeCommand('node', ['-e', '0'])).seconds * 1000,
    });
    rows.push(makeRow({ name: `${b.label()}: native vs Lua`, ours: r.native, baseline: r.lua, unit: 'ms',
      oursLabel: 'lyng (native)', baselineLabel: 'lua5.4', better: 'lower', target: 1.3 }));
    // The wasm figure counts Node's own start (`node -e 0`, measured in the
    // same runs), which the native binary does not pay: the target is on the
    // time left once it is subtracted; the whole time is reported too.
    const net = { ...r.node, median: r.node.median - r.raw.median, min: r.node.min - r.raw.median, max: r.node.max - r.raw.median };
    rows.push(makeRow({ name: `${b.label()}: Node vs native, Node start subtracted`, ours: net, baseline: r.native, unit: 'ms',
      oursLabel: 'bin/lyng − node -e 0', baselineLabel: 'lyng (native)', better: 'lower', target: 1.6 }));
    rows.push(makeRow({ name: `${b.label()}: Node vs native, whole`, ours: r.node, baseline: r.native, unit: 'ms',
      oursLabel: 'bin/lyng (wasm on Node)', baselineLabel: 'lyng (native)', better: 'lower',
      targetText: 'reported', ok: true }));
    const cold = { ...r.cold, median: r.cold.median - r.raw.median, min: r.cold.min - r.raw.median, max: r.cold.max - r.raw.median };
    rows.push(makeRow({ name: `${b.label()}: Node vs native, no code cache, Node start subtracted`, ours: cold, baseline: r.native,
      unit: 'ms', oursLabel: 'LYNG_CODE_CACHE=off bin/lyng − node -e 0', baselineLabel: 'lyng (native)', better: 'lower',
      targetText: 'reported', ok: true }));
  }
});

// ---- TCP and UDP echo ----
// Each server flavour runs once for all the runs of a group; every client run
// is timed from its "go" to its "done".
// A spec is [cmd, args] for a server printing "port N", or a function that
// starts one and resolves with it.
async function withServers(specs, fn) {
  const servers = {};
  try {
    for (const [k, spec] of Object.entries(specs)) servers[k] = await (typeof spec === 'function' ? spec() : startServer(...spec));
    return await fn(servers);
  } finally {
    for (const s of Object.values(servers)) await s.stop();
  }
}

const SERVER = {
  native: lyngNative('bench/net/echo_server.lyng', 'tcp'),
  node: lyngNode('bench/net/echo_server.lyng', 'tcp'),
  raw: nodeRaw('bench/baseline/node_echo_server.mjs', 'tcp'),
  c: [C_SERVER, []],
};

// Each of these groups warms its servers up with one smaller unmeasured run
// of every client first, the baselines' as ours.
group('tcp ping-pong', async () => {
  // client(m): the command doing m round trips
  const rate = (client) => async ({ warmup }) => {
    const m = warmSize(SIZE.pingpong, warmup);
    return m / await timeClient(...client(m));
  };
  const r = await withServers(SERVER, (s) => interleaved(ROUNDS, {
    node: rate((m) => lyngNode('bench/net/echo_client.lyng', 'pingpong', s.node.port, 4, m)),
    raw: rate((m) => nodeRaw('bench/baseline/node_echo_client.mjs', 'pingpong', s.raw.port, 4, m)),
    native: rate((m) => lyngNative('bench/net/echo_client.lyng', 'pingpong', s.native.port, 4, m)),
    c: rate((m) => [C_CLIENT, ['pingpong', s.c.port, 1, 4, m]]),
  }, { warmup: true }));
  const unit = 'round trips/s';
  rows.push(makeRow({ name: 'TCP ping-pong, 4 B: Node', ours: r.node, baseline: r.raw, unit,
    oursLabel: 'Lyng server + client on Node', baselineLabel: 'raw Node net', better: 'higher', target: 0.85 }));
  rows.push(makeRow({ name: 'TCP ping-pong, 4 B: native vs C', ours: r.native, baseline: r.c, unit,
    oursLabel: 'Lyng server + client, native', baselineLabel: 'C epoll', better: 'higher', target: 1 }));
  rows.push(makeRow({ name: 'TCP ping-pong, 4 B: native vs Node', ours: r.native, baseline: r.raw, unit,
    oursLabel: 'Lyng server + client, native', baselineLabel: 'raw Node net', better: 'higher', target: 1.5 }));
});

group('tcp bulk', async () => {
  const total = SIZE.bulk;
  const CHUNK = 65536;
  // client(bytes): the command echoing that many bytes
  const rate = (client) => async ({ warmup }) => {
    const bytes = warmSize(total, warmup);
    return bytes / (1 << 20) / await timeClient(...client(bytes));
  };
  const r = await withServers(SERVER, (s) => interleaved(ROUNDS, {
    node: rate((b) => lyngNode('bench/net/echo_client.lyng', 'bulk', s.node.port, b, CHUNK)),
    raw: rate((b) => nodeRaw('bench/baseline/node_echo_client.mjs', 'bulk', s.raw.port, b, CHUNK)),
    native: rate((b) => lyngNative('bench/net/echo_client.lyng', 'bulk', s.native.port, b, CHUNK)),
    c: rate((b) => [C_CLIENT, ['bulk', s.c.port, b, CHUNK]]),
  }, { warmup: true }));
  const unit = 'MiB/s';
  const what = `TCP bulk echo, 64 KiB writes, ${total >> 20} MiB`;
  rows.push(makeRow({ name: `${what}: Node`, ours: r.node, baseline: r.raw, unit,
    oursLabel: 'Lyng server + client on Node', baselineLabel: 'raw Node net', better: 'higher', target: 0.95 }));
  rows.push(makeRow({ name: `${what}: native vs C`, ours: r.native, baseline: r.c, unit,
    oursLabel: 'Lyng server + client, native', baselineLabel: 'C epoll', better: 'higher', target: 0.9 }));
  rows.push(makeRow({ name: `${what}: native vs Node`, ours: r.native, baseline: r.raw, unit,
    oursLabel: 'Lyng server + client, native', baselineLabel: 'raw Node net', better: 'higher', target: 1.5 }));
});

// The load comes from the C client for every server, so only the server
// differs between the compared numbers.
group('tcp concurrent', async () => {
  const { c: _c, ...servers } = SERVER;
  const rate = (port) => async ({ warmup }) => {
    const n = warmSize(SIZE.concurrent, warmup);
    return n / await timeClient(C_CLIENT, ['pingpong', port, CONNS, 32, n]);
  };
  const r = await withServers(servers, (s) => interleaved(ROUNDS, {
    native: rate(s.native.port), node: rate(s.node.port), raw: rate(s.raw.port),
  }, { warmup: true }));
  const unit = 'requests/s';
  const what = `TCP ${CONNS} connections, 32 B requests`;
  rows.push(makeRow({ name: `${what}: native server`, ours: r.native, baseline: r.raw, unit,
    oursLabel: 'Lyng server, native', baselineLabel: 'raw Node server', better: 'higher', target: 0.8 }));
  rows.push(makeRow({ name: `${what}: Node server`, ours: r.node, baseline: r.raw, unit,
    oursLabel: 'Lyng server on Node', baselineLabel: 'raw Node server', better: 'higher', target: 0.9 }));
});

group('udp', async () => {
  const rate = (client) => async ({ warmup }) => {
    const m = warmSize(SIZE.udp, warmup);
    return m / await timeClient(...client(m));
  };
  const r = await withServers({
    native: lyngNative('bench/net/echo_server.lyng', 'udp'),
    node: lyngNode('bench/net/echo_server.lyng', 'udp'),
    raw: nodeRaw('bench/baseline/node_echo_server.mjs', 'udp'),
  }, (s) => interleaved(NET_RUNS, {
    native: rate((m) => lyngNative('bench/net/echo_client.lyng', 'udp', s.native.port, 32, m)),
    node: rate((m) => lyngNode('bench/net/echo_client.lyng', 'udp', s.node.port, 32, m)),
    raw: rate((m) => nodeRaw('bench/baseline/node_echo_client.mjs', 'udp', s.raw.port, 32, m)),
  }, { warmup: true }));
  const unit = 'datagrams/s';
  const what = 'UDP echo, 32 B, one in flight';
  rows.push(makeRow({ name: `${what}: native`, ours: r.native, baseline: r.raw, unit,
    oursLabel: 'Lyng server + client, native', baselineLabel: 'raw Node dgram', better: 'higher', target: 0.8 }));
  rows.push(makeRow({ name: `${what}: Node`, ours: r.node, baseline: r.raw, unit,
    oursLabel: 'Lyng server + client on Node', baselineLabel: 'raw Node dgram', better: 'higher', target: 0.8 }));
});

// Memory of a server holding N idle connections, each with a pending read:
// the growth of its resident set from listening to having accepted all N,
// each read after a settle. The two servers on V8 (raw Node's and Lyng's on
// Node) have bench/collect_on_signal.cjs preloaded and run a full collection
// before each read: an idle server allocates nothing, so without one the
// figure keeps whatever young garbage the connections' arrival left, which
// moved a single Node reading by up to 1.6 KiB per connection from one
// process to the next. The native server has no such garbage to shed. A
// reading is one fresh server; the rounds start the servers in turns.
const COLLECT_ON_SIGNAL = join(root, 'bench/collect_on_signal.cjs');
const IDLE_ROUNDS = QUICK ? 1 : 3;
group('idle connections', async () => {
  const n = SIZE.idle;
  const perConnection = ([cmd, args], { v8 = false } = {}) => async () => {
    const env = v8 ? { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${COLLECT_ON_SIGNAL}"` } : undefined;
    const server = await startServer(cmd, [...args, n], { env });
    let collections = 0;
    const settled = async (ms) => {
      await sleep(ms);
      if (v8) {
        server.child.kill('SIGUSR2');
        await server.waitFor(new RegExp(`^collected ${++collections}$`));
      }
      return rssBytes(server.child.pid);
    };
    let client = null;
    try {
      const before = await settled(200);
      client = start(C_CLIENT, ['idle', server.port, n], { stdin: 'pipe' });
      await server.waitFor(/^accepted \d+$/);
      await client.waitFor(/^connected \d+$/);
      return (await settled(QUICK ? 100 : 500) - before) / n / 1024;
    } finally {
      await server.stop();
      if (client) {
        client.child.stdin.end();
        await client.exited;
      }
    }
  };
  const r = await interleaved(IDLE_ROUNDS, {
    native: perConnection(SERVER.native),
    node: perConnection(SERVER.node, { v8: true }),
    raw: perConnection(SERVER.raw, { v8: true }),
  });
  const unit = 'KiB/connection';
  const what = `idle connections, memory at ${n}`;
  rows.push(makeRow({ name: `${what}: native`, ours: r.native, baseline: r.raw, unit,
    oursLabel: 'Lyng server, native', baselineLabel: 'raw Node server', better: 'lower', target: 1 }));
  rows.push(makeRow({ name: `${what}: Node`, ours: r.node, baseline: r.raw, unit,
    oursLabel: 'Lyng server on Node', baselineLabel: 'raw Node server', better: 'lower', target: 1 }));
});

// ---- real clients: redis-benchmark and wrk ----
// The servers are the examples a user would start (examples/redis_server.lyng,
// examples/http_server.lyng), natively and on Node, beside redis-server and
// node:http, all started once per group and measured in turns.
group('redis-benchmark', async () => {
  const specs = {
    native: () => startListening(...lyngNative('examples/redis_server.lyng', 0)),
    node: () => startListening(...lyngNode('examples/redis_server.lyng', 0)),
    redis: startRedisServer,
  };
  const unit = 'requests/s';
  await withServers(specs, async (s) => {
    for (const pipeline of [16, 1]) {
      const requests = pipeline > 1 ? SIZE.redisPipelined : SIZE.redisSingle;
      // { SET, GET } rates per server; the servers are warmed up once, before
      // the first (pipelined) rounds
      const r = await interleaved(ROUNDS, Object.fromEntries(Object.keys(specs).map((k) => [k, ({ warmup }) =>
        redisBenchmark(s[k].port, { requests: warmSize(requests, warmup), clients: 50, pipeline, warmup })])),
      { warmup: pipeline > 1 });
      const what = `redis-benchmark -c 50 ${pipeline > 1 ? `-P ${pipeline}` : 'unpipelined'}`;
      for (const cmd of ['SET', 'GET']) {
        const base = r.redis[cmd];
        rows.push(makeRow({ name: `${what}, ${cmd}: native`, ours: r.native[cmd], baseline: base, unit,
          oursLabel: 'examples/redis_server.lyng, native', baselineLabel: 'redis-server', better: 'higher',
          target: pipeline > 1 ? 0.35 : 1 }));
        rows.push(makeRow({ name: `${what}, ${cmd}: Node`, ours: r.node[cmd], baseline: base, unit,
          oursLabel: 'examples/redis_server.lyng on Node', baselineLabel: 'redis-server', better: 'higher',
          target: pipeline > 1 ? 0.2 : 0.8 }));
      }
    }
  });
});

group('wrk', async () => {
  const specs = {
    native: () => startListening(...lyngNative('examples/http_server.lyng', 0)),
    node: () => startListening(...lyngNode('examples/http_server.lyng', 0)),
    raw: () => startListening(...nodeRaw('bench/baseline/node_http_server.mjs', 0)),
    // the least any server can do under the same wrk: what bounds the native row's ratio
    c: () => startListening(C_HTTP, [0]),
  };
  // the warm-up is one second of wrk against each server
  const r = await withServers(specs, (s) => interleaved(NET_RUNS, Object.fromEntries(Object.keys(specs).map((k) => [k, async ({ warmup }) => {
    const res = await wrk(s[k].port, { connections: 50, seconds: warmup ? 1 : SIZE.wrkSeconds });
    if (res.errors) throw new Error(`wrk against ${k}: ${res.errors} errors\n${res.text}`);
    return res.rate;
  }])), { warmup: true }));
  const unit = 'requests/s';
  const what = 'wrk -c 50, HTTP/1.1 keep-alive';
  rows.push(makeRow({ name: `${what}: native`, ours: r.native, baseline: r.raw, unit,
    oursLabel: 'examples/http_server.lyng, native', baselineLabel: 'node:http', better: 'higher', target: 3 }));
  rows.push(makeRow({ name: `${what}: Node`, ours: r.node, baseline: r.raw, unit,
    oursLabel: 'examples/http_server.lyng on Node', baselineLabel: 'node:http', better: 'higher', target: 1.2 }));
  rows.push(makeRow({ name: `${what}: C epoll reference`, ours: r.c, baseline: r.raw, unit,
    oursLabel: 'bench/baseline/http_server.c', baselineLabel: 'node:http', better: 'higher',
    targetText: 'reported', ok: true }));
});

group('startup', async () => {
  const ms = (cmd, args) => async () => (await timeCommand(cmd, args)).seconds * 1000;
  const r = await interleaved(SIZE.startupRuns, {
    native: ms(NATIVE, ['-e', '1']),
    lua: ms(LUA, ['-e', '']),
    node: ms(WASM, ['-e', '1']),
    raw: ms('node', ['-e', '0']),
  });
  rows.push(makeRow({ name: 'startup: native vs Lua', ours: r.native, baseline: r.lua, unit: 'ms',
    oursLabel: 'lyng -e 1', baselineLabel: "lua5.4 -e ''", better: 'lower', target: 2 }));
  rows.push(makeRow({ name: 'startup: Node', ours: r.node, baseline: r.raw, unit: 'ms',
    oursLabel: 'bin/lyng -e 1', baselineLabel: 'node -e 0', better: 'lower',
    targetText: '≤ node + 20 ms', ok: r.node.median - r.raw.median <= 20 }));
});

// A second createLyng() in the same process: the compiled module is reused,
// each call makes a wasm instance and a VM with its prelude.
group('createLyng', async () => {
  const { stdout } = await timeCommand('node', ['bench/create_lyng.mjs', String(SIZE.creates)]);
  const r = JSON.parse(stdout);
  const limit = { median: 15, min: 15, max: 15, n: 1 };
  rows.push(makeRow({ name: 'createLyng() after the first', ours: r, baseline: limit, unit: 'ms',
    oursLabel: 'await createLyng() + eval', baselineLabel: 'budget', better: 'lower', target: 1 }));
});

group('wasm size', async () => {
  const bytes = readFileSync('build/wasm/lyng.wasm');
  const kib = (n) => ({ median: n / 1024, min: n / 1024, max: n / 1024, n: 1 });
  const gz = gzipSync(bytes, { level: 9 }).length;
  rows.push(makeRow({ name: 'wasm size, raw', ours: kib(statSync('build/wasm/lyng.wasm').size),
    baseline: kib(300 * 1024), unit: 'KiB', oursLabel: 'build/wasm/lyng.wasm', baselineLabel: 'budget',
    better: 'lower', target: 1 }));
  rows.push(makeRow({ name: 'wasm size, gzip -9', ours: kib(gz), baseline: kib(160 * 1024), unit: 'KiB',
    oursLabel: 'gzip -9 build/wasm/lyng.wasm', baselineLabel: 'budget', better: 'lower', target: 1 }));
  // bin/lyng's module: the library plus the command line (src/cli)
  const cliGz = gzipSync(readFileSync('build/wasm/lyng-cli.wasm'), { level: 9 }).length;
  rows.push(makeRow({ name: 'command-line wasm size, gzip -9', ours: kib(cliGz), baseline: kib(gz), unit: 'KiB',
    oursLabel: 'gzip -9 build/wasm/lyng-cli.wasm', baselineLabel: 'gzip -9 build/wasm/lyng.wasm', better: 'lower',
    targetText: 'reported', ok: true }));
});

registerTlsGroups({ group, rows, quick: QUICK, out: OUT, runs: NET_RUNS, native: lyngNative, node: lyngNode, withServers });
registerPlatformGroups({ group, rows, size: SIZE, interp: INTERP, native: NATIVE, wasm: WASM });

// ---- run ----
mkdirSync(OUT, { recursive: true });
const t0 = performance.now();
const failures = [];
for (const g of groups) {
  if (ONLY && !ONLY.test(g.name)) continue;
  const tg = performance.now();
  process.stderr.write(`bench: ${g.name} ...`);
  try {
    await g.fn();
    process.stderr.write(` ${((performance.now() - tg) / 1000).toFixed(1)} s\n`);
  } catch (e) {
    process.stderr.write(' failed\n');
    failures.push(`${g.name}: ${e.message}`);
  }
}
printTable(rows, { quick: QUICK });
for (const f of failures) console.log(`FAILED ${f}`);
const results = join(OUT, 'results.json');
writeFileSync(results, JSON.stringify(rows, null, 2) + '\n');
writeFileSync(join(OUT, 'ratios.svg'), ratioChart(rows, { title: `Lyng vs baselines${QUICK ? ' (quick sizes)' : ''}` }));
console.log(`\n${results}, ${join(OUT, 'ratios.svg')}; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exitCode = failures.length ? 1 : 0;
