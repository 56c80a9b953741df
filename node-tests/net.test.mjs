// net.test.mjs - lyng.io.net on Node, through the embedding API: function
// policies, many concurrent connections, a verified bulk echo, the failure
// cases (reset mid-read, close during a read, connect timeout against a full
// backlog, an unresolvable name). Every peer is a
// real socket on 127.0.0.1; every wait is bounded by the test timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { NATIVE_LYNG, hasNative, lyng } from './helpers.mjs';
import { LIMIT, firstLine, listen, vm } from './net_helpers.mjs';

const connectScript = `
import lyng.io.net
val s = Net.tcpConnect("127.0.0.1", PORT)
val line = s.readLine()
s.close()
line`;

test('a function policy allows: it sees kind, host and port', LIMIT, async () => {
  const peer = await listen((s) => s.end('hello\n'));
  const asked = [];
  const { lyng } = await vm({ globals: { PORT: peer.port }, net: (op) => { asked.push(op); return true; } });
  assert.equal(await lyng.eval(connectScript), '"hello"');
  assert.deepEqual(asked, [{ kind: 'TcpConnect', host: '127.0.0.1', port: peer.port }]);
  lyng.close();
  await peer.close();
});

test('a function policy may answer with a promise, and is asked about every operation', LIMIT, async () => {
  const asked = [];
  const policy = async (op) => {
    asked.push(op.kind + ' ' + op.host + ' ' + (op.backlog ?? '-'));
    await new Promise((r) => setTimeout(r, 5));
    return op.kind !== 'UdpSend';
  };
  const { lyng } = await vm({ net: policy });
  const result = await lyng.eval(`
    import lyng.io.net
    import lyng.buffer
    val server = Net.tcpListen(0, "127.0.0.1", 7)
    val u = Net.udpBind(0, "127.0.0.1")
    val sent = try { u.send(Buffer("x"), "127.0.0.1", 9); "sent" } catch (e: IllegalOperationException) { e.message }
    server.close()
    u.close()
    sent`);
  assert.equal(result, '"network access denied: UdpSend(127.0.0.1, 9) by the embedder\'s policy"');
  assert.deepEqual(asked, ['TcpListen 127.0.0.1 7', 'UdpBind 127.0.0.1 -', 'UdpSend 127.0.0.1 -']);
  lyng.close();
});

test('a function policy that denies, throws or rejects refuses the operation', LIMIT, async () => {
  const policies = [() => false, () => { throw new Error('boom'); }, () => Promise.reject(new Error('no')), () => 'yes'];
  for (const net of policies) {
    const { lyng } = await vm({ globals: { PORT: 1 }, net });
    await assert.rejects(lyng.eval(connectScript), (e) => {
      assert.equal(e.lyngClass, 'IllegalOperationException');
      assert.equal(e.message, "network access denied: TcpConnect(127.0.0.1, 1) by the embedder's policy");
      return true;
    });
    lyng.close();
  }
});

test('lists decide first: deny wins over check, allow skips it', LIMIT, async () => {
  const peer = await listen((s) => s.end('ok\n'));
  let asked = 0;
  const check = () => { asked++; return true; };
  const denied = await vm({ globals: { PORT: peer.port }, net: { deny: ['127.0.0.1'], check } });
  await assert.rejects(denied.lyng.eval(connectScript), /matches the deny list of the net option/);
  denied.lyng.close();
  const allowed = await vm({ globals: { PORT: peer.port }, net: { allow: ['127.0.0.1'], check } });
  assert.equal(await allowed.lyng.eval(connectScript), '"ok"');
  allowed.lyng.close();
  assert.equal(asked, 0);
  await peer.close();
});

test('a Lyng server with launch serves 1,000 concurrent connections', LIMIT, async () => {
  const N = 1000;
  const port = firstLine(/^port (\d+)$/);
  const { lyng } = await vm({ net: 'permit-all', globals: { N } }, port.onLine);
  const served = lyng.eval(`
    import lyng.io.net
    val server = Net.tcpListen(0, "127.0.0.1", 2048)
    println("port " + server.localAddress().port)
    val handlers = (1..N).map {
        val c = server.accept()
        launch {
            try {
                val line = c.readLine()
                c.writeUtf8("echo " + line + "\\n")
                1
            } finally { c.close() }
        }
    }
    server.close()
    handlers.sumOf { it.await() }`);
  const p = Number((await port.seen)[1]);
  // every client connects before any is answered: all N are open at once
  const clients = [];
  for (let i = 0; i < N; i++) {
    clients.push(new Promise((resolve, reject) => {
      const s = net.connect(p, '127.0.0.1');
      let got = '';
      s.setEncoding('utf8');
      s.on('connect', () => s.write(`c${i}\n`));
      s.on('data', (d) => { got += d; });
      s.on('end', () => resolve(got));
      s.on('error', reject);
    }));
  }
  const replies = await Promise.all(clients);
  replies.forEach((r, i) => assert.equal(r, `echo c${i}\n`));
  assert.equal(await served, String(N));
  lyng.close();
});

// A Lyng server echoing one connection in 64 KiB reads, after `wait`
// (a statement run once the connection is accepted); it answers the total.
const echoOneConnection = (wait) => `
    import lyng.io.net
    val server = Net.tcpListen(0, "127.0.0.1")
    println("port " + server.localAddress().port)
    val c = server.accept()
    ${wait}
    var total = 0
    while (true) {
        val chunk = c.read(65536)
        if (chunk == null) break
        total += chunk.size
        c.write(chunk)
    }
    c.close()
    server.close()
    total`;

// Sends data to the port in 64 KiB writes, honouring back-pressure like a
// careful client, and hashes what comes back; onFlushed(n) follows the
// bytes the kernel took, onConnect runs once connected.
function echoThrough(port, data, { onFlushed = () => {}, onConnect = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const hash = createHash('sha256');
    let n = 0;
    s.on('data', (d) => { hash.update(d); n += d.length; if (n === data.length) s.end(); });
    s.on('close', () => resolve({ n, digest: hash.digest('hex') }));
    s.on('error', reject);
    let off = 0;
    const pump = () => {
      while (off < data.length) {
        const piece = data.subarray(off, off + 65536);
        const ok = s.write(piece, () => onFlushed(piece.length));
        off += piece.length;
        if (!ok) { s.once('drain', pump); return; }
      }
    };
    s.on('connect', () => { pump(); onConnect(); });
  });
}

test('64 MiB echoed through a Lyng server come back byte for byte', LIMIT, async () => {
  const SIZE = 64 * 1024 * 1024;
  const port = firstLine(/^port (\d+)$/);
  const { lyng } = await vm({ net: 'permit-all' }, port.onLine);
  const served = lyng.eval(echoOneConnection(''));
  const data = randomBytes(SIZE);
  const received = await echoThrough(Number((await port.seen)[1]), data);
  assert.equal(received.n, SIZE);
  assert.equal(received.digest, createHash('sha256').update(data).digest('hex'));
  assert.equal(await served, String(SIZE));
  lyng.close();
});

// The read side of back-pressure, on an accepted socket (Node gives those
// no onread option; node_net.mjs sets one under Node's own keys): while
// the script does not read, the socket stops reading, so the peer's writes
// stall once the kernel's buffers are full; then everything arrives, in order.
test('a socket the script does not read stops the peer; then all of it arrives', LIMIT, async () => {
  const SIZE = 48 * 1024 * 1024;
  const port = firstLine(/^port (\d+)$/);
  const { lyng } = await vm({ net: 'permit-all' }, port.onLine);
  const served = lyng.eval(echoOneConnection('delay(700)'));
  const data = randomBytes(SIZE);
  let flushed = 0;
  let stalledAt = -1;
  const received = await echoThrough(Number((await port.seen)[1]), data, {
    onFlushed: (n) => { flushed += n; },
    onConnect: () => setTimeout(() => { stalledAt = flushed; }, 500),
  });
  // the kernel's buffers on loopback hold a few MiB, the shim at most a
  // MiB more: far below what the peer had to send
  assert.ok(stalledAt >= 0 && stalledAt < SIZE / 2, `the peer was not held back: ${stalledAt} bytes flushed`);
  assert.equal(received.n, SIZE);
  assert.equal(received.digest, createHash('sha256').update(data).digest('hex'));
  assert.equal(await served, String(SIZE));
  lyng.close();
});

test('a peer reset during a pending read raises ECONNRESET and closes the socket', LIMIT, async () => {
  const peer = await listen((s) => setTimeout(() => s.resetAndDestroy(), 50));
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } });
  const result = await lyng.eval(`
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", PORT)
    val e = assertThrows(IllegalOperationException) { s.read(100) }
    [e.message, s.isOpen()]`);
  assert.equal(result, '[read failed: ECONNRESET,false]');
  lyng.close();
  await peer.close();
});

// The shim replaces Node's own 'end' listener of a socket with one that
// calls it and then reports EOF (js-shim/node_net.mjs, listenEnd).
test('a peer\'s FIN ends reads on connected and accepted sockets, during a read or before it, and ours follows', LIMIT, async () => {
  const peerSaw = [];
  const peer = await listen((s) => {
    s.on('end', () => peerSaw.push('connected socket ended'));
    s.write('early');
    s.end(); // the FIN is there before the script reads
  });
  const ready = firstLine(/^port (\d+)$/);
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } }, ready.onLine);
  const running = lyng.eval(`
    import lyng.io.net
    fun drain(s) {
      var got = ""
      while (true) { val d = s.read(100); if (d == null) break; got += d.decodeUtf8() }
      got
    }
    val c = Net.tcpConnect("127.0.0.1", PORT)
    delay(50)
    val first = drain(c)
    val server = Net.tcpListen(0, "127.0.0.1")
    println("port " + server.localAddress().port)
    val a = server.accept()
    val second = drain(a) // waits in a read when the FIN comes
    [first, second, c.read(10), a.read(10)]`);
  const [, port] = await ready.seen;
  const client = net.connect(Number(port), '127.0.0.1');
  const clientEnded = new Promise((resolve) => client.on('end', resolve));
  client.on('connect', () => setTimeout(() => client.end('late'), 50));
  assert.equal(await running, '[early,late,null,null]');
  await clientEnded; // Node ends our side once the peer's FIN came
  assert.deepEqual(peerSaw, ['connected socket ended']);
  client.destroy();
  lyng.close();
  await peer.close();
});

test('closing a socket while a read is pending fails that read', LIMIT, async () => {
  const peer = await listen(() => {});
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } });
  const result = await lyng.eval(`
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", PORT)
    val reader = launch { try { s.read(10); "read returned" } catch (e: IllegalOperationException) { e.message } }
    delay(20)
    s.close()
    s.close()
    [reader.await(), s.isOpen()]`);
  assert.equal(result, '[read failed: ECLOSED,false]');
  lyng.close();
  await peer.close();
});

test('tcpConnect honours timeoutMillis against a listener whose backlog is full', { ...LIMIT, skip: !hasNative && 'needs build/native/lyng' }, async () => {
  // The listener is a native Lyng process that never accepts: once its
  // backlog is full the kernel drops further SYNs, so connects hang.
  const holder = spawn(NATIVE_LYNG, ['--allow-net=127.0.0.1', '-e', `
    import lyng.io.net
    val server = Net.tcpListen(0, "127.0.0.1", 1)
    println(server.localAddress().port)
    delay(20000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      holder.stdout.once('data', (d) => resolve(Number(String(d).trim())));
      holder.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    });
    const fillers = [];
    for (let i = 0; i < 8; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    const { lyng } = await vm({ net: 'permit-all', globals: { PORT: port } });
    const started = performance.now();
    const result = await lyng.eval(`
      import lyng.io.net
      try { Net.tcpConnect("127.0.0.1", PORT, 300); "connected" } catch (e: IllegalOperationException) { e.message }`);
    const took = performance.now() - started;
    assert.equal(result, `"tcpConnect 127.0.0.1:${port} failed: ETIMEDOUT"`);
    assert.ok(took >= 250 && took < 5000, `the timeout took ${took} ms`);
    fillers.forEach((s) => s.destroy());
    lyng.close();
  } finally {
    holder.kill();
  }
});

test('a name no resolver could answer fails with ENOTFOUND without a lookup', LIMIT, async () => {
  const { lyng } = await vm({ net: 'permit-all' });
  const result = await lyng.eval(`
    import lyng.io.net
    ["bad..name", "no such host", "-dash.example"].map { h ->
        try { Net.tcpConnect(h, 80); "connected" } catch (e: IllegalOperationException) { e.message }
    }`);
  assert.equal(result, '[tcpConnect bad..name:80 failed: ENOTFOUND,tcpConnect no such host:80 failed: ENOTFOUND,tcpConnect -dash.example:80 failed: ENOTFOUND]');
  lyng.close();
});

test('the networked demo of `make run` prints the same on Node and natively', LIMIT, () => {
  const expected = [
    'sockets here: tcp=true server=true udp=true',
    'echo server listening on 127.0.0.1 (ephemeral port)',
    'ada got [HELLO FROM ADA,BYE FROM ADA]',
    'grace got [HELLO FROM GRACE,BYE FROM GRACE]',
    'linus got [HELLO FROM LINUS,BYE FROM LINUS]',
    'udp reply: ping-pong',
    'refused: network access denied: TcpConnect([::1], 7); run with --allow-net or --allow-net=[::1] to allow it',
    '',
  ].join('\n');
  const args = ['--allow-net=127.0.0.1', 'examples/net_demo.lyng'];
  const onNode = lyng(args);
  assert.equal(onNode.stderr, '');
  assert.equal(onNode.stdout, expected);
  assert.equal(onNode.code, 0);
  if (hasNative) assert.equal(lyng(args, { cmd: NATIVE_LYNG }).stdout, expected);
  const denied = lyng(['examples/net_demo.lyng']);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /network access denied: TcpListen\(127\.0\.0\.1, 0\); run with --allow-net/);
});

test('writes suspend while the peer does not read, and finish when it does', LIMIT, async () => {
  const TOTAL = 64 * 1024 * 1024;
  let peerSocket;
  let received = 0;
  const peer = await listen((s) => {
    peerSocket = s;
    s.pause();
    s.on('data', (d) => { received += d.length; });
  });
  const probe = firstLine(/^stalled at (\d+)$/);
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port, TOTAL } }, probe.onLine);
  const done = lyng.eval(`
    import lyng.io.net
    import lyng.buffer
    val s = Net.tcpConnect("127.0.0.1", PORT)
    val chunk = Buffer(65536)
    var written = 0
    val writer = launch {
        while (written < TOTAL) { s.write(chunk); written += chunk.size }
        s.flush()
    }
    delay(500)
    println("stalled at " + written)
    writer.await()
    s.close()
    written`);
  const stalledAt = Number((await probe.seen)[1]);
  // kernel socket buffers hold a few MiB on loopback; the shim adds at most
  // its high-water mark, so the writer must be parked far below 64 MiB
  assert.ok(stalledAt < 16 * 1024 * 1024, `the writer was not held back: ${stalledAt} bytes written`);
  peerSocket.resume();
  assert.equal(await done, String(TOTAL));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(received, TOTAL);
  lyng.close();
  await peer.close();
});
