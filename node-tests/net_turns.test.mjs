// net_turns.test.mjs - how completions reach the VM on Node: they are
// drained from microtasks, so a message costs no extra turn of the event
// loop, but a script whose I/O always completes at once cannot starve it: a
// chain of drains gives the loop a turn every so often. (Writes Node takes
// at once need no completion at all: a loop of them is bounded like any
// busy loop, by the slice of steps.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT, listen, vm } from './net_helpers.mjs';

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
