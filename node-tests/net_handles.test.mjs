// net_handles.test.mjs - no socket outlives its VM: close() releases what a
// running script holds, and finalizers close sockets that became garbage.
// A file of its own, so no other test's sockets are counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT, firstLine, listen, vm } from './net_helpers.mjs';

// Node's own view of what keeps the process alive.
function netHandles() {
  return process.getActiveResourcesInfo().filter((r) => /TCP|UDP|Pipe/.test(r)).length;
}

test('close() releases every socket, even while the script is still running', LIMIT, async () => {
  const before = netHandles();
  const peer = await listen(() => {});
  const ready = firstLine(/^ready$/);
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } }, ready.onLine);
  const running = lyng.eval(`
    import lyng.io.net
    val server = Net.tcpListen(0, "127.0.0.1")
    val out = Net.tcpConnect("127.0.0.1", PORT)
    val inside = Net.tcpConnect("127.0.0.1", server.localAddress().port)
    val accepted = server.accept()
    val u = Net.udpBind(0, "127.0.0.1")
    launch { u.receive(100) }
    launch { server.accept() }
    println("ready")
    accepted.read(10)`);
  await ready.seen;
  assert.ok(netHandles() >= before + 5, 'the script holds sockets: ' + process.getActiveResourcesInfo().join(' '));
  lyng.close();
  await assert.rejects(running, /closed while a script was running/);
  await peer.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(netHandles(), before);
});

test('sockets that become garbage are closed by their finalizers', LIMIT, async () => {
  const peer = await listen(() => {});
  const before = netHandles();
  const { lyng } = await vm({ net: 'permit-all', globals: { PORT: peer.port } });
  await lyng.eval(`
    import lyng.io.net
    for (i in 1..200) { Net.tcpConnect("127.0.0.1", PORT) }
    // allocate until the collector has run several times
    var junk = []
    for (i in 1..200000) { junk = [i, "x" + i] }
    "done"`);
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(netHandles() < before + 200, `finalizers closed sockets (${netHandles() - before} open)`);
  lyng.close();
  await peer.close();
});
