// tls.test.mjs - Net.tlsConnect and Net.tlsListen, natively (the ASan
// builds on epoll and on poll) and on Node (bin/lyng), against `openssl s_server`, a Node TLS
// server and a Node TLS client, with certificates made at test time by
// tools/make_test_certs.sh: verification on and off, an expired
// certificate, an unknown issuer, a wrong name, and 64 MiB echoed through
// TLS and compared byte for byte. Loopback only, ephemeral ports.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { NODE_LYNG, ROOT } from './helpers.mjs';

const ASAN_LYNG = join(ROOT, 'build', 'asan', 'lyng');
const ASAN_POLL_LYNG = join(ROOT, 'build', 'asan-poll', 'lyng');
const RUNTIMES = [['native', ASAN_LYNG], ['native poll', ASAN_POLL_LYNG], ['node', NODE_LYNG]].filter(([, cmd]) => existsSync(cmd));
const BIG = 64 * 1024 * 1024;

// Runs a script to its end without blocking this process's event loop
// (the servers of some tests live here).
function run(cmd, args, { cwd, timeout = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

const SCRIPTS = {
  // Says hello and prints the reply line, or the error.
  'hello.lyng': `import lyng.io.net
val ca = if (CA == "") null else CA
try {
    val s = Net.tlsConnect(HOST, PORT, serverName: NAME, caFile: ca, verify: VERIFY == 1)
    s.writeUtf8("hello tls\\n")
    s.flush()
    println("reply: " + s.readLine())
    s.close()
} catch (e: IllegalOperationException) {
    println("error: " + e.message)
}
`,
  // Echoes N bytes back to the server, then closes.
  'echo_client.lyng': `import lyng.io.net
val s = Net.tlsConnect("localhost", PORT, caFile: "ca.pem")
var total = 0
while (total < N) {
    val b = s.read(1 << 20)
    if (b == null) break
    s.write(b)
    total += b.size
}
s.flush()
println("echoed " + total)
s.close()
`,
  // A TLS echo server for one client; prints its port first.
  'echo_server.lyng': `import lyng.io.net
val server = Net.tlsListen(0, "127.0.0.1", certFile: "server.pem", keyFile: "server.key")
println("port " + server.localAddress().port)
val c = server.accept()
var total = 0
while (true) {
    val b = c.read()
    if (b == null) break
    c.write(b)
    total += b.size
}
c.close()
server.close()
println("served " + total)
`,
};

let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lyng-tls-'));
  const r = spawnSync('bash', [join(ROOT, 'tools', 'make_test_certs.sh'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(dir, name), text);
});
after(() => rmSync(dir, { recursive: true, force: true }));

// `openssl s_server -rev` on an ephemeral port: answers each line reversed.
function sServer(cert, key) {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_server', '-accept', '0', '-cert', cert, '-key', key, '-rev'], { cwd: dir });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /ACCEPT .*:(\d+)/.exec(out);
      if (m) { child.stdout.off('data', onData); resolve({ port: Number(m[1]), stop: () => child.kill() }); }
    };
    child.stdout.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`s_server exited with ${code}: ${out}`)));
  });
}

const hello = (cmd, port, { ca = 'ca.pem', verify = 1, name = 'localhost', host = '127.0.0.1', net = '--allow-net=127.0.0.1' } = {}) =>
  run(cmd, [net, '-D', `HOST=${host}`, '-D', `PORT=${port}`, '-D', `CA=${ca}`, '-D', `VERIFY=${verify}`, '-D', `NAME=${name}`, 'hello.lyng'], { cwd: dir });

for (const [where, cmd] of RUNTIMES) {
  describe(`TLS client (${where}) against openssl s_server`, () => {
    let good, expired;
    before(async () => {
      good = await sServer('server.pem', 'server.key');
      expired = await sServer('expired.pem', 'expired.key');
    });
    after(() => { good?.stop(); expired?.stop(); });

    test('verified with the CA file', async () => {
      const r = await hello(cmd, good.port);
      assert.equal(r.stdout, 'reply: slt olleh\n', r.stderr);
      assert.equal(r.code, 0);
    });
    test('an address as the server name is checked against the certificate', async () => {
      const r = await hello(cmd, good.port, { name: '127.0.0.1' });
      assert.equal(r.stdout, 'reply: slt olleh\n', r.stderr);
    });
    test('unknown issuer', async () => {
      const r = await hello(cmd, good.port, { ca: 'other_ca.pem' });
      assert.equal(r.stdout, `error: tlsConnect 127.0.0.1:${good.port} failed: certificate from an unknown issuer\n`, r.stderr);
    });
    test('the system store does not know the test CA either', async () => {
      const r = await hello(cmd, good.port, { ca: '' });
      assert.match(r.stdout, /failed: certificate from an unknown issuer/);
    });
    test('name mismatch', async () => {
      const r = await hello(cmd, good.port, { name: 'wrong.example' });
      assert.equal(r.stdout, `error: tlsConnect 127.0.0.1:${good.port} failed: certificate name mismatch\n`, r.stderr);
    });
    test('expired certificate', async () => {
      const r = await hello(cmd, expired.port);
      assert.equal(r.stdout, `error: tlsConnect 127.0.0.1:${expired.port} failed: certificate expired or not yet valid\n`, r.stderr);
    });
    test('verify = false accepts all of them', async () => {
      for (const [port, name, ca] of [[good.port, 'wrong.example', ''], [expired.port, 'localhost', 'other_ca.pem']]) {
        const r = await hello(cmd, port, { verify: 0, name, ca });
        assert.equal(r.stdout, 'reply: slt olleh\n', r.stderr);
      }
    });
    test('the access policy sees a TcpConnect', async () => {
      const r = await hello(cmd, good.port, { net: '--deny-net=127.0.0.1' });
      assert.match(r.stdout, /network access denied: TcpConnect\(127\.0\.0\.1, \d+\)/, r.stderr);
    });
  });

  describe(`TLS (${where}) with Node's tls`, () => {
    test('64 MiB from a Node TLS server, echoed back and compared', async () => {
      const data = randomBytes(BIG);
      const want = createHash('sha256').update(data).digest('hex');
      const got = createHash('sha256');
      let received = 0;
      let resolveDone;
      const doneP = new Promise((r) => { resolveDone = r; });
      const server = tls.createServer({ cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server.key')) }, (sock) => {
        sock.on('data', (d) => { got.update(d); received += d.length; if (received >= BIG) resolveDone(); });
        sock.on('error', () => {});
        sock.write(data);
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      try {
        const r = await run(cmd, ['--allow-net=localhost,127.0.0.1', '-D', `PORT=${server.address().port}`, '-D', `N=${BIG}`, 'echo_client.lyng'], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `echoed ${BIG}\n`);
        // the bytes still on their way get a while; a loss fails, never hangs
        await Promise.race([doneP, new Promise((r) => setTimeout(r, 10_000).unref())]);
        assert.equal(received, BIG);
        assert.equal(got.digest('hex'), want);
      } finally {
        server.close();
      }
    });

    test('a Lyng TLS server, verified by a Node client', async () => {
      const child = spawn(cmd, ['--allow-net=127.0.0.1', 'echo_server.lyng'], { cwd: dir });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      const port = await new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          const m = /port (\d+)/.exec(out);
          if (m) { clearInterval(poll); resolve(Number(m[1])); }
        }, 20);
        child.on('exit', (code) => { clearInterval(poll); reject(new Error(`server exited with ${code}`)); });
      });
      const payload = randomBytes(1 << 20);
      const echoed = await new Promise((resolve, reject) => {
        const chunks = [];
        let n = 0;
        const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(join(dir, 'ca.pem')) }, () => {
          assert.equal(sock.authorized, true);
          sock.write(payload);
        });
        sock.on('data', (d) => { chunks.push(d); n += d.length; if (n >= payload.length) { sock.end(); resolve(Buffer.concat(chunks)); } });
        sock.on('error', reject);
      });
      assert.ok(echoed.equals(payload));
      const code = await new Promise((r) => child.on('close', r));
      assert.equal(code, 0);
      assert.equal(out, `port ${port}\nserved ${payload.length}\n`);
    });

    test('close keeps what was sent, though the peer talks after it', async () => {
      // The server reads nothing for 400 ms and meanwhile sends a byte every
      // 10 ms that the script never reads. Closing a descriptor with unread
      // bytes (or getting bytes after closing it) makes the kernel reset the
      // connection and drop what it has not sent: the close must wait for
      // the peer instead.
      const SIZE = 2 * 1024 * 1024;
      let received = 0;
      let resolveDone;
      const doneP = new Promise((r) => { resolveDone = r; });
      const server = tls.createServer({ cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server.key')) }, (sock) => {
        sock.pause();
        const ticker = setInterval(() => { if (sock.writable) sock.write('z'); }, 10);
        setTimeout(() => sock.resume(), 400);
        const finish = (how) => { clearInterval(ticker); resolveDone(how); };
        sock.on('data', (d) => { received += d.length; });
        sock.on('end', () => finish('end'));
        sock.on('error', (e) => finish(e.code));
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const script = `import lyng.io.net
val s = Net.tlsConnect("localhost", ${server.address().port}, caFile: "ca.pem")
val line = "x".repeat(1023) + "\\n"
for (i in 1..${SIZE / 1024}) s.writeUtf8(line)
s.flush()
s.close()
println("sent")`;
      try {
        const r = await run(cmd, ['--allow-net=localhost,127.0.0.1', '-e', script], { cwd: dir });
        assert.equal(r.stdout, 'sent\n', r.stderr);
        const how = await Promise.race([doneP, new Promise((r) => setTimeout(() => r('no end within 10 s'), 10_000).unref())]);
        assert.equal(how, 'end');
        assert.equal(received, SIZE);
      } finally {
        server.close();
      }
    });

    test('timeoutMillis covers the handshake', async () => {
      // a plain TCP listener that never answers the TLS greeting
      const script = `import lyng.io.net
val silent = Net.tcpListen(0, "127.0.0.1")
try { Net.tlsConnect("127.0.0.1", silent.localAddress().port, timeoutMillis: 300) }
catch (e: IllegalOperationException) { println(e.message.replace(silent.localAddress().port.toString(), "PORT")) }
silent.close()`;
      const r = await run(cmd, ['--allow-net=127.0.0.1', '-e', script], { cwd: dir });
      assert.equal(r.stdout, 'tlsConnect 127.0.0.1:PORT failed: ETIMEDOUT\n', r.stderr);
    });

    test('a listener whose certificate cannot be loaded fails with a reason', async () => {
      const r = await run(cmd, ['--allow-net=127.0.0.1', '-e', 'import lyng.io.net\nNet.tlsListen(0, "127.0.0.1", certFile: "missing.pem", keyFile: "server.key")'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /tlsListen 127\.0\.0\.1:0 failed: cannot load the certificate, key or CA file/);
    });
  });
}

test('on WASI, TLS and reusePort are reported missing and raise', { skip: !existsSync(join(ROOT, 'build', 'wasi', 'lyng.wasm')) }, async () => {
  const script = `import lyng.io.net
println([Net.isTlsAvailable(), Net.isReusePortAvailable()])
try { Net.tlsConnect("127.0.0.1", 1) } catch (e: IllegalOperationException) { println(e.message) }
try { Net.tlsListen(0, "127.0.0.1", "cert.pem", "key.pem") } catch (e: IllegalOperationException) { println(e.message) }
try { Net.tcpListen(0, "127.0.0.1", reusePort: true) } catch (e: IllegalOperationException) { println(e.message) }`;
  const r = await run(join(ROOT, 'wasi', 'run'), ['--allow-net=127.0.0.1', '-e', script], { cwd: ROOT });
  assert.equal(r.stdout, '[false,false]\ntlsConnect failed: TLS is not available on this platform\n' +
    'tlsListen failed: TLS is not available on this platform\ntcpListen failed: reusePort is not available on this platform\n', r.stderr);
});

// The release build loads OpenSSL when a script first makes a TLS context
// (src/host/posix_tls_lib.h): the dynamic loader's log (LD_DEBUG, glibc)
// names libssl only then, and a handshake through the loaded library works.
const NATIVE_LYNG = join(ROOT, 'build', 'native', 'lyng');
describe('native release build: OpenSSL loaded on first use', { skip: !existsSync(NATIVE_LYNG) || process.platform !== 'linux' }, () => {
  const loaderLog = { ...process.env, LD_DEBUG: 'files' };
  let good;
  before(async () => { good = await sServer('server.pem', 'server.key'); });
  after(() => good?.stop());

  test('a script without TLS does not load libssl', () => {
    const r = spawnSync(NATIVE_LYNG, ['-e', 'println(1)'], { encoding: 'utf8', env: loaderLog });
    assert.equal(r.stdout, '1\n', r.stderr);
    assert.match(r.stderr, /libc\.so/); // the log is there...
    assert.doesNotMatch(r.stderr, /libssl/); // ...without libssl
  });

  test('a TLS listener loads it', () => {
    const script = 'import lyng.io.net\nval s = Net.tlsListen(0, "127.0.0.1", certFile: "server.pem", keyFile: "server.key")\nprintln("listening")\ns.close()';
    const r = spawnSync(NATIVE_LYNG, ['--allow-net=127.0.0.1', '-e', script], { cwd: dir, encoding: 'utf8', env: loaderLog });
    assert.equal(r.stdout, 'listening\n', r.stderr);
    assert.match(r.stderr, /libssl\.so/);
  });

  test('a verified client handshake and reply', async () => {
    const r = await hello(NATIVE_LYNG, good.port);
    assert.equal(r.stdout, 'reply: slt olleh\n', r.stderr);
    assert.equal(r.code, 0);
  });
});
