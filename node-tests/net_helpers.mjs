// net_helpers.mjs - what the lyng.io.net suites share: a VM whose printed
// lines are collected, and a loopback Node server.
import net from 'node:net';
import { createLyng } from '../js-shim/index.mjs';

export const LIMIT = { timeout: 60_000 };

// A VM whose printed lines are collected; `onLine` sees each complete line.
export async function vm(options = {}, onLine = () => {}) {
  const lines = [];
  let partial = '';
  const lyng = await createLyng({
    stdout: (text) => {
      partial += text;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        lines.push(line);
        onLine(line);
      }
    },
    ...options,
  });
  return { lyng, lines };
}

// Resolves with the first printed line that matches `re`.
export function firstLine(re) {
  let resolve;
  const seen = new Promise((r) => { resolve = r; });
  return { seen, onLine: (line) => { const m = line.match(re); if (m) resolve(m); } };
}

export async function listen(handler) {
  const server = net.createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}
