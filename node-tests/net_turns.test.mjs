// net_turns.test.mjs - how completions reach the VM on Node: they are
// drained from microtasks, so a message costs no extra turn of the event
// loop, but a script that never waits for I/O cannot starve it: a chain of
// drains gives the loop a turn every so often.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT, listen, vm } from './net_helpers.mjs';

test('a script whose writes all complete at once still lets the event loop turn', LIMIT, async () => {
  let received = 0;
  const peer = await listen((sock) => sock.on('data', (d) => { received += d.length; }));
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } });
  // Each flush() of a 1-byte write is taken by the kernel at once and
  // completes from a microtask; only the bound on the drain chain lets
  // setImmediate run.
  let turns = 0;
  let running = true;
  const count = () => { turns++; if (running) setImmediate(count); };
  setImmediate(count);
  const result = await lyng.eval(`
    import lyng.buffer
    import lyng.io.net
    val s = Net.tcpConnect("127.0.0.1", PORT)
    val one = Buffer(1)
    for (i in 0..<2000) { s.write(one); s.flush() }
    s.close()
    "written"`);
  running = false;
  assert.equal(result, '"written"');
  assert.ok(turns >= 10, `the event loop turned ${turns} times during 2,000 writes`);
  for (let i = 0; i < 100 && received < 2000; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(received, 2000);
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
