// net_turns.test.mjs - how completions reach the VM on Node: those made
// while the VM runs are drained from microtasks, so a message costs no
// extra turn of the event loop, but a script whose I/O always completes at
// once cannot starve it: a chain of drains gives the loop a turn every so
// often. Those of Node's events wait for the check phase, so the events of
// one turn reach the core as one batch, except while one socket alone
// makes them: its reads complete inside the event's handler. (Writes Node takes at once need no
// completion at all: a loop of them is bounded like any busy loop, by the
// slice of steps.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LyngInstance } from '../js-shim/lyng.mjs';
import { createNodeHost } from '../js-shim/node.mjs';
import { JsHost } from '../build/js/constants.mjs';
import { LIMIT, listen, vm } from './net_helpers.mjs';

// Runs `script` as the command line's -e through a fresh instance whose
// Node host is made by `host` (default: createNodeHost) and whose exports
// `exports` may wrap; expects exit code 0, then closes the instance and
// `peer`.
async function runScript(script, peer, { host, exports } = {}) {
  const argv = ['lyng', '--allow-net=127.0.0.1', '-e', script];
  const inst = await LyngInstance.create({ cli: true, env: {}, preopens: {}, output: () => {}, ...(host ? { host } : {}) });
  if (exports) inst.exports = exports(inst.exports);
  const { cli, release } = inst.cliNew(argv);
  try {
    assert.equal(await inst.runCli(cli), 0);
  } finally {
    release();
    inst.close();
    await peer.close();
  }
}

test('a script whose reads all complete at once still lets the event loop turn', LIMIT, async () => {
  const peer = await listen((sock) => sock.write(Buffer.alloc(2000, 7)));
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } });
  // The peer's 2,000 bytes come in one piece, queued before the script's
  // second read: each read(1) is served at once and completes from a
  // microtask; only the bound on the drain chain lets setImmediate run.
  let turns = 0;
  let running = true;
  const count = () => { turns++; if (running) setImmediate(count); };
  setImmediate(count);
  const result = await lyng.eval(`
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", PORT)
    var got = 0
    while (got < 2000) got += s.read(1).size
    s.close()
    got`);
  running = false;
  assert.equal(result, '2000');
  assert.ok(turns >= 10, `the event loop turned ${turns} times during 2,000 reads`);
  lyng.close();
  await peer.close();
});

// An op's id carries its slot's generation in the high bits; past 2,048
// uses of one slot the id has its top bit set and reaches JS as a negative
// i32. Completions still find their op when they go back in a batch.
test('ops keep completing once their ids pass 2^31', LIMIT, async () => {
  const peer = await listen((sock) => sock.on('data', (d) => sock.write(d)));
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } });
  const result = await lyng.eval(`
    import lyng.buffer
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", PORT)
    val msg = Buffer(4)
    var got = 0
    for (i in 0..<3000) {
      s.write(msg)
      var n = 0
      while (n < 4) { n += s.read(4 - n).size }
      got += n
    }
    s.close()
    got`);
  assert.equal(result, '12000');
  lyng.close();
  await peer.close();
});

// The peer answers all N connections in one go once each has sent its byte,
// which each reader does just before it waits: the N answers are then ready
// together in one poll of the event loop, and their reads complete in one
// batch (one call of lyng_wasm_complete_batch), not one batch each.
test('reads of many connections that complete in one turn reach the core as one batch', LIMIT, async () => {
  const N = 8;
  const socks = [];
  let asked = 0;
  const peer = await listen((sock) => {
    socks.push(sock);
    sock.on('data', (d) => {
      asked += d.length;
      if (asked === N) for (const s of socks) s.write('x');
    });
  });
  const script = `
    import lyng.io.net
    val socks = (0..<${N}).map { Net.tcpConnect("127.0.0.1", ${peer.port}) }
    val readers = socks.map { s -> launch { s.writeUtf8("r"); s.read(1).size } }
    var got = 0
    for (r in readers) got += r.await()
    for (s in socks) s.close()
    exit(if (got == ${N}) 0 else 3)`;
  const batches = [];
  await runScript(script, peer, {
    exports: (wasm) => ({ ...wasm, lyng_wasm_complete_batch: (records, n) => { batches.push(n); return wasm.lyng_wasm_complete_batch(records, n); } }),
  });
  assert.ok(Math.max(...batches) >= N, `the ${N} reads came in batches of ${batches.join(', ')}`);
});

// A pipelined batch of requests larger than a socket's first receive
// buffer (512 bytes): readLine takes the whole batch at once, growing the
// buffer, so the replies to the batch leave in one write, not in one for
// the lines that fitted and one for the rest (a second read, a second
// flush). Counted at the socket imports the core calls.
test('the replies to a pipelined batch of lines leave in one write', LIMIT, async () => {
  const LINES = 60; // 60 x 15 bytes: the batch is 900 bytes, one segment on loopback
  const BATCHES = 3;
  const batch = Array.from({ length: LINES }, (_, i) => `GET key-${String(i).padStart(4, '0')}\r\n`).join('');
  let got = '';
  const peer = await listen(async (sock) => {
    sock.setNoDelay(true);
    for (let b = 0; b < BATCHES; b++) {
      const want = (b + 1) * LINES;
      sock.write(batch);
      await new Promise((resolve) => {
        const onData = (d) => {
          got += d;
          if (got.split('\r\n').length - 1 >= want) { sock.off('data', onData); resolve(); }
        };
        sock.on('data', onData);
      });
    }
    sock.end();
  });
  const script = `
    import lyng.io.net
    val c = Net.tcpConnect("127.0.0.1", ${peer.port})
    var answered = 0
    while (true) {
      val line = c.readLine()
      if (line == null) break
      c.writeUtf8("+" + line.substring(4) + "\\r\\n")
      answered++
    }
    c.close()
    exit(if (answered == ${LINES * BATCHES}) 0 else 3)`;
  let writes = 0;
  const host = (env) => {
    const h = createNodeHost(env);
    const { write, write_now: writeNow } = h.imports;
    h.imports.write = (...args) => { writes++; return write(...args); };
    h.imports.write_now = (...args) => { writes++; return writeNow(...args); };
    return h;
  };
  await runScript(script, peer, { host });
  assert.equal(got, batch.repeat(BATCHES).replaceAll('GET ', '+'));
  assert.equal(writes, BATCHES, `the replies to ${BATCHES} batches took ${writes} writes`);
});

// A read asks JS for a block of its own (host_read_block: a region of wasm
// memory that becomes the Buffer returned, uncopied) only when it is large
// enough to have one (JsHost.BLOCK_MIN): messages cost one call to take
// their bytes, not two, while a bulk stream still gets its regions.
test('only reads of BLOCK_MIN bytes or more look for a block of their own', LIMIT, async () => {
  const BULK = 16 << 20;
  const peer = await listen((sock) => {
    sock.setNoDelay(true);
    let n = 0;
    sock.on('data', (d) => {
      n += d.length;
      if (n <= 3 * 32) sock.write(d); // 32 echoes of 3 bytes, then the bulk stream
      else if (n === 3 * 33) sock.end(Buffer.alloc(BULK, 1));
    });
  });
  const script = `
    import lyng.buffer
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", ${peer.port})
    for (i in 0..<32) {
      s.write(Buffer("abc"))
      var got = 0
      while (got < 3) got += s.read(3 - got).size
    }
    s.write(Buffer("abc"))
    var bulk = 0
    while (true) {
      val d = s.read(65536)
      if (d == null) break
      bulk += d.size
    }
    s.close()
    exit(if (bulk == ${BULK}) 0 else 3)`;
  const asked = []; // the lengths of read_take calls without a buffer, and whether a block came back
  const host = (env) => {
    const h = createNodeHost(env);
    const { read_take: readTake } = h.imports;
    h.imports.read_take = (vm, handle, ptr, len) => {
      const r = readTake(vm, handle, ptr, len);
      if (ptr === 0) asked.push([len, r !== 0]);
      return r;
    };
    return h;
  };
  await runScript(script, peer, { host });
  assert.ok(JsHost.BLOCK_MIN > 3);
  assert.deepEqual(asked.filter(([len]) => len < JsHost.BLOCK_MIN), []);
  assert.ok(asked.some(([, block]) => block), `no bulk read of ${asked.length} got a block`);
});

// A read that waits when its socket's bytes arrive, the last socket whose
// events completed a read, completes at once from the read's callback
// (prompt NOW): the core takes its share straight from the Buffer Node read
// into, which every socket shares, and the rest is copied out before the
// next read can write over it. Here each message (10 bytes) meets a read of
// 3; the next message is asked for before the rest is read, so it arrives,
// into that shared Buffer, while the rest waits.
test('bytes a waiting read leaves of a message delivered at once stay whole and in order', LIMIT, async () => {
  const ROUNDS = 8;
  const message = (k) => Array.from({ length: 10 }, (_, i) => String.fromCharCode(97 + ((10 * k + i) % 26))).join('');
  const peer = await listen((sock) => {
    sock.setNoDelay(true);
    let k = 0;
    sock.on('data', (d) => { for (let i = 0; i < d.length; i++) sock.write(message(k++)); });
  });
  const script = `
    import lyng.buffer
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", ${peer.port})
    var text = ""
    s.writeUtf8("g")
    text += (s.read(100) as Buffer).decodeUtf8()
    for (i in 0..<${ROUNDS}) {
      s.writeUtf8("g")
      text += (s.read(3) as Buffer).decodeUtf8()
      s.writeUtf8("g")
      delay(20)
      var want = 17
      while (want > 0) {
        val d = s.read(want) as Buffer
        want -= d.size
        text += d.decodeUtf8()
      }
    }
    s.close()
    exit(if (text.size == ${10 * (2 * ROUNDS + 1)} && text == "${Array.from({ length: 2 * ROUNDS + 1 }, (_, k) => message(k)).join('')}") 0 else 3)`;
  const prompts = [];
  const host = (env) => createNodeHost({ ...env, complete: (vm, op, status, value, prompt) => { prompts.push(prompt); env.complete(vm, op, status, value, prompt); } });
  await runScript(script, peer, { host });
  assert.ok(prompts.includes(2), `no completion went at once: ${prompts.join(', ')}`);
});
