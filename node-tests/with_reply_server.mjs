#!/usr/bin/env node
// with_reply_server.mjs - runs a command while a loopback TCP server answers
// every message with "reply:" and the bytes received. The doc tests of
// docs/lyng.io.net.md talk to it; every "{port}" in the command's arguments
// becomes the server's port. Exits with the command's exit code.
//
//   node node-tests/with_reply_server.mjs CMD [ARGS...]
import net from 'node:net';
import { spawn } from 'node:child_process';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: with_reply_server.mjs CMD [ARGS...]   ({port} in ARGS is replaced)');
  process.exit(2);
}

const server = net.createServer((sock) => {
  sock.on('data', (chunk) => sock.write(Buffer.concat([Buffer.from('reply:'), chunk])));
  sock.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  const port = String(server.address().port);
  const child = spawn(cmd, args.map((a) => a.replaceAll('{port}', port)), { stdio: 'inherit' });
  child.on('error', (err) => {
    console.error(`with_reply_server: cannot run ${cmd}: ${err.message}`);
    server.close();
    process.exitCode = 127;
  });
  child.on('exit', (code, signal) => {
    server.close();
    process.exitCode = code ?? (signal ? 128 : 1);
  });
});
