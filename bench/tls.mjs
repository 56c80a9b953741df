// bench/tls.mjs - the benchmark groups of TLS and of several processes,
// registered by bench/run.mjs:
//   tls bulk         256 MiB echoed through TLS (64 KiB writes), Lyng client
//                    and server against node:tls client and server
//   tls handshakes   sequential connections, each a full handshake (ECDSA
//                    P-256 certificate, verified) and one byte echoed
//   workers          wrk against examples/deploy/server.lyng, two copies
//                    sharing the port (lyng --workers 2, reusePort) against
//                    one copy
// The certificates are made for the run (tools/make_test_certs.sh).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { start, timeClient } from './proc.mjs';
import { interleaved, summarize } from './stats.mjs';
import { makeRow } from './report.mjs';

// withServers(specs, fn) is run.mjs's: starts the servers, runs fn, stops them.
export function registerTlsGroups({ group, rows, quick, out, runs, native, node, withServers }) {
  const certs = join(out, 'certs');
  const ca = join(certs, 'ca.pem');
  const makeCerts = () => {
    const r = spawnSync('bash', ['tools/make_test_certs.sh', certs], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`make_test_certs.sh: ${r.stderr}`);
  };
  const SCRIPT = 'bench/net/tls_echo.lyng';
  const RAW = 'bench/baseline/node_tls_echo.mjs';
  const servers = () => ({
    native: native(SCRIPT, 'server', join(certs, 'server.pem'), join(certs, 'server.key')),
    node: node(SCRIPT, 'server', join(certs, 'server.pem'), join(certs, 'server.key')),
    raw: ['node', [RAW, 'server', join(certs, 'server.pem'), join(certs, 'server.key')]],
  });
  const clients = (s, ...args) => ({
    native: native(SCRIPT, args[0], s.native.port, ca, ...args.slice(1)),
    node: node(SCRIPT, args[0], s.node.port, ca, ...args.slice(1)),
    raw: ['node', [RAW, args[0], s.raw.port, ca, ...args.slice(1)]],
  });
  const pushRows = (what, r, unit) => {
    rows.push(makeRow({ name: `${what}: native vs Node tls`, ours: r.native, baseline: r.raw, unit,
      oursLabel: 'Lyng server + client, native (OpenSSL)', baselineLabel: 'raw Node tls', better: 'higher', target: 1 }));
    rows.push(makeRow({ name: `${what}: Node vs Node tls`, ours: r.node, baseline: r.raw, unit,
      oursLabel: 'Lyng server + client on Node', baselineLabel: 'raw Node tls', better: 'higher', target: 0.8 }));
  };

  group('tls bulk', async () => {
    makeCerts();
    const total = quick ? 4 << 20 : 256 << 20;
    const rate = ([cmd, args]) => async () => total / (1 << 20) / await timeClient(cmd, args);
    const r = await withServers(servers(), (s) => {
      const c = clients(s, 'bulk', total, 65536);
      return interleaved(runs, { native: rate(c.native), node: rate(c.node), raw: rate(c.raw) });
    });
    pushRows(`TLS bulk echo, 64 KiB writes, ${total >> 20} MiB`, r, 'MiB/s');
  });

  group('tls handshakes', async () => {
    makeCerts();
    const count = quick ? 10 : 500;
    const rate = ([cmd, args]) => async () => count / await timeClient(cmd, args);
    const r = await withServers(servers(), (s) => {
      const c = clients(s, 'handshakes', count);
      return interleaved(runs, { native: rate(c.native), node: rate(c.node), raw: rate(c.raw) });
    });
    pushRows(`TLS handshakes, one at a time, ${count}`, r, 'handshakes/s');
  });

  group('workers', async () => {
    const port = await new Promise((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    const seconds = quick ? 1 : 5;
    const server = (copies) => {
      const [cmd, args] = native('examples/deploy/server.lyng');
      const defs = ['-D', `BASE_PORT=${port}`, '-D', 'SHARED=1'];
      // one copy is run as copy 0 of --workers would be, without a supervisor
      return copies === 1 ? [cmd, [...args.slice(0, -1), '-D', 'WORKER=0', ...defs, args.at(-1)]]
        : [cmd, [...args.slice(0, -1), '--workers', String(copies), ...defs, args.at(-1)]];
    };
    const measure = (copies) => async () => {
      const [cmd, args] = server(copies);
      const h = start(cmd, args);
      try {
        for (let i = 0; i < copies; i++) await h.waitFor(new RegExp(`^worker ${i} listening on`));
        const w = spawnSync('wrk', ['-t2', '-c64', `-d${seconds}s`, `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
        const m = /Requests\/sec:\s+([\d.]+)/.exec(w.stdout ?? '');
        if (w.status !== 0 || !m) throw new Error(`wrk: ${w.stderr || w.stdout}`);
        if (/Non-2xx|Socket errors/.test(w.stdout)) throw new Error(`wrk saw errors: ${w.stdout}`);
        return Number(m[1]);
      } finally {
        await h.stop();
      }
    };
    const samples = { one: [], two: [] };
    for (let i = 0; i < runs; i++) {
      samples.one.push(await measure(1)());
      samples.two.push(await measure(2)());
    }
    rows.push(makeRow({ name: 'HTTP through wrk (2 threads, 64 connections): --workers 2 vs one copy',
      ours: summarize(samples.two), baseline: summarize(samples.one), unit: 'requests/s',
      oursLabel: 'lyng --workers 2 (reusePort), native', baselineLabel: 'one copy, native', better: 'higher', target: 1,
      note: 'two cores shared by wrk and the copies (and anything else on the machine)' }));
  });
}
