#!/usr/bin/env node
// wasi/test.mjs - checks of the WASI command component that the language
// and doc test runners cannot express, each through wasi/run on loopback:
//   - the lyng.io.net guide's examples, each as a script run with
//     `wasi/run --allow-net -D NET_TEST_TCP_PORT=<port> -p FILE`, must print
//     exactly their `>>>` line (a reply server answers on the port);
//   - a server's output printed before it waits is readable while it waits;
//   - the exit code given to exit() survives the component boundary;
//   - a runtime that grants no network makes the checks false and the
//     operations raise the clear exception.
// Ends with "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN = join(ROOT, 'wasi', 'run');
const TIMEOUT_MS = 30_000;
let passed = 0, failed = 0;

function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : '\n  ' + detail}`);
}

// Runs wasi/run to its end (killed after TIMEOUT_MS); env adds variables.
function run(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(RUN, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// The examples of docs/lyng.io.net.md: indented blocks that end in `>>>`.
function guideExamples() {
  const lines = readFileSync(join(ROOT, 'docs', 'lyng.io.net.md'), 'utf8').split('\n');
  const out = [];
  let block = [];
  for (const line of lines) {
    if (line.startsWith('    >>> ')) {
      out.push({ code: block.join('\n') + '\n', expect: line.slice(8) });
      block = [];
    } else if (line.startsWith('    ') || (line === '' && block.length)) {
      block.push(line.slice(4));
    } else {
      block = [];
    }
  }
  return out.filter((e) => e.code.includes('import lyng.io.net'));
}

function replyServer() {
  const server = net.createServer((sock) => {
    sock.on('data', (chunk) => sock.write(Buffer.concat([Buffer.from('reply:'), chunk])));
    sock.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function testGuideExamples() {
  const dir = join(ROOT, 'build', 'wasi', 'examples');
  mkdirSync(dir, { recursive: true });
  const server = await replyServer();
  const port = server.address().port;
  const examples = guideExamples();
  check('the guide has its four examples', examples.length === 4, `found ${examples.length}`);
  for (const [i, ex] of examples.entries()) {
    const file = join(dir, `example${i + 1}.lyng`);
    writeFileSync(file, ex.code);
    const r = await run(['--allow-net', '-D', `NET_TEST_TCP_PORT=${port}`, '-p', file]);
    check(`guide example ${i + 1} prints ${ex.expect}`, r.code === 0 && r.stdout === ex.expect + '\n',
      `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
  }
  server.close();
}

// A server prints its port and waits in accept(): the line must arrive
// while it waits (the guest's stdio buffer is flushed before each wait),
// so a client can use it to connect.
async function testOutputBeforeWait() {
  const code = 'import lyng.io.net\n' +
    'val server = Net.tcpListen(0, "127.0.0.1")\n' +
    'println("listening " + server.localAddress().port)\n' +
    'val c = server.accept()\n' +
    'println("accepted")\n' +
    'c.close()\nserver.close()\n';
  const child = spawn(RUN, ['--allow-net', '-e', code], { cwd: ROOT });
  let stdout = '';
  let connected = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  child.stdout.on('data', (d) => {
    stdout += d;
    const m = /^listening (\d+)\n/.exec(stdout);
    if (m && !connected) {
      connected = true;
      const sock = net.connect(Number(m[1]), '127.0.0.1');
      sock.on('error', () => {});
      sock.on('connect', () => sock.end());
    }
  });
  const exit = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  check('output printed before a wait is readable during it', connected && exit === 0 && /\naccepted\n$/.test(stdout),
    `connected ${connected}, exit ${exit}, stdout ${JSON.stringify(stdout)}`);
}

async function testExitCode() {
  const r = await run(['-e', 'println("bye")\nexit(3)']);
  check('exit(3) exits with 3', r.code === 3 && r.stdout === 'bye\n', `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}`);
}

// LYNG_WASI_DENY_NET=1 makes wasi/run grant no network, as a WASI runtime
// started without network access would.
async function testNoNetwork() {
  const env = { LYNG_WASI_DENY_NET: '1' };
  const caps = await run(['--allow-net', '-p', '-e',
    'import lyng.io.net\n[Net.isSupported(), Net.isTcpAvailable(), Net.isTcpServerAvailable(), Net.isUdpAvailable()]'], env);
  check('without network the checks are false', caps.code === 0 && caps.stdout === '[false,false,false,false]\n',
    `exit ${caps.code}, stdout ${JSON.stringify(caps.stdout)}, stderr ${JSON.stringify(caps.stderr.slice(0, 300))}`);
  const op = await run(['--allow-net', '-e', 'import lyng.io.net\nNet.tcpConnect("127.0.0.1", 9)'], env);
  check('without network an operation raises IllegalOperationException',
    op.code === 1 && /^IllegalOperationException: /.test(op.stderr), `exit ${op.code}, stderr ${JSON.stringify(op.stderr.slice(0, 300))}`);
}

await testGuideExamples();
await testOutputBeforeWait();
await testExitCode();
await testNoNetwork();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
