// bench/baseline/node_echo_client.mjs - the raw Node baseline client. It
// prints "go" once connected and "done" when the work is finished, so the
// harness times only the exchange.
//   node node_echo_client.mjs pingpong PORT SIZE COUNT   one connection, one
//                                                        message in flight
//   node node_echo_client.mjs bulk PORT TOTAL CHUNK      write TOTAL bytes in
//                                                        CHUNK writes, read all back
//   node node_echo_client.mjs udp PORT SIZE COUNT        UDP, one datagram in flight
import net from 'node:net';
import dgram from 'node:dgram';
import { bulkExchange } from './bulk_exchange.mjs';

const [mode, portArg, a, b] = process.argv.slice(2);
const port = Number(portArg);
// A stuck peer ends the run with an error instead of hanging it.
setTimeout(() => { console.error('node_echo_client: deadline passed'); process.exit(1); }, 120000).unref();

function pingpong(size, count) {
  const msg = Buffer.alloc(size, 'x');
  const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
    console.log('go');
    let left = count, got = 0;
    s.on('data', (d) => {
      got += d.length;
      while (got >= size) {
        got -= size;
        if (--left === 0) { console.log('done'); s.end(); return; }
        s.write(msg);
      }
    });
    s.write(msg);
  });
}

function bulk(total, chunk) {
  const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => bulkExchange(s, total, chunk));
}

function udp(size, count) {
  const msg = Buffer.alloc(size, 'u');
  const s = dgram.createSocket('udp4');
  let left = count;
  s.on('message', () => {
    if (--left === 0) { console.log('done'); s.close(); return; }
    s.send(msg, port, '127.0.0.1');
  });
  s.bind(0, '127.0.0.1', () => { console.log('go'); s.send(msg, port, '127.0.0.1'); });
}

if (mode === 'pingpong') pingpong(Number(a), Number(b));
else if (mode === 'bulk') bulk(Number(a), Number(b));
else if (mode === 'udp') udp(Number(a), Number(b));
else { console.error('usage: node_echo_client.mjs pingpong|bulk|udp PORT ...'); process.exit(2); }
