// bench/baseline/node_echo_server.mjs - the raw Node baseline server: what a
// Node programmer writes with `net` and `dgram`, no framework. It prints
// "port N" once listening, and "accepted N" when the N-th TCP client arrived.
//   node node_echo_server.mjs tcp [REPORT_AT]    TCP echo
//   node node_echo_server.mjs udp                UDP echo
import net from 'node:net';
import dgram from 'node:dgram';

const [mode = 'tcp', reportAt = '0'] = process.argv.slice(2);

if (mode === 'udp') {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  sock.bind(0, '127.0.0.1', () => console.log(`port ${sock.address().port}`));
} else {
  let accepted = 0;
  const server = net.createServer({ noDelay: true }, (s) => {
    s.on('data', (d) => { if (!s.write(d)) { s.pause(); s.once('drain', () => s.resume()); } });
    s.on('error', () => s.destroy());
    if (++accepted === Number(reportAt)) console.log(`accepted ${accepted}`);
  });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, () => console.log(`port ${server.address().port}`));
}
