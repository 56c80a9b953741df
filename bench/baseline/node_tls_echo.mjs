// bench/baseline/node_tls_echo.mjs - the raw Node baseline of the TLS
// benchmarks (node:tls), the same modes and output as bench/net/tls_echo.lyng:
//   node node_tls_echo.mjs server CERT KEY
//   node node_tls_echo.mjs bulk PORT CA TOTAL CHUNK
//   node node_tls_echo.mjs handshakes PORT CA COUNT
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { bulkExchange } from './bulk_exchange.mjs';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const server = tls.createServer({ cert: readFileSync(args[0]), key: readFileSync(args[1]) }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.on('tlsClientError', () => {});
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, () => console.log(`port ${server.address().port}`));
} else {
  // A stuck peer ends the run with an error instead of hanging it.
  setTimeout(() => { console.error('node_tls_echo: deadline passed'); process.exit(1); }, 120000).unref();
  const port = Number(args[0]);
  const ca = readFileSync(args[1]);
  const connect = (cb) => tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, cb);
  if (mode === 'bulk') {
    const total = Number(args[2]);
    const chunk = Number(args[3]);
    const s = connect(() => bulkExchange(s, total, chunk));
  } else if (mode === 'handshakes') {
    let left = Number(args[2]);
    console.log('go');
    const one = () => {
      const s = connect(() => s.write('x'));
      s.once('data', () => {
        s.destroy();
        if (--left === 0) console.log('done');
        else one();
      });
    };
    one();
  } else {
    throw new Error(`mode must be server, bulk or handshakes, not ${mode}`);
  }
}
