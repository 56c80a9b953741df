// reuse_port.test.mjs - Net.tcpListen(..., reusePort: true) and
// Net.isReusePortAvailable(): natively two listeners share a port (and
// without the flag the second is refused); on a Node without the listen
// option the call raises IllegalOperationException naming the version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reusePortSupport } from '../js-shim/node_tls.mjs';
import { hasNative, lyng, NATIVE_LYNG } from './helpers.mjs';

const TWO_LISTENERS = (flag) => `import lyng.io.net
println(Net.isReusePortAvailable())
val a = Net.tcpListen(0, "127.0.0.1", reusePort: ${flag})
val port = a.localAddress().port
try {
    val b = Net.tcpListen(port, "127.0.0.1", reusePort: ${flag})
    println("shared " + (b.localAddress().port == port))
    b.close()
} catch (e: IllegalOperationException) {
    println(e.message.replace(port.toString(), "PORT"))
}
a.close()
`;

test('natively, reusePort lets two listeners share a port', { skip: !hasNative }, () => {
  const r = lyng(['--allow-net=127.0.0.1', '-e', TWO_LISTENERS('true')], { cmd: NATIVE_LYNG });
  assert.equal(r.stdout, 'true\nshared true\n', r.stderr);
});

test('natively, without reusePort the second listener is refused', { skip: !hasNative }, () => {
  const r = lyng(['--allow-net=127.0.0.1', '-e', TWO_LISTENERS('false')], { cmd: NATIVE_LYNG });
  assert.equal(r.stdout, 'true\ntcpListen 127.0.0.1:PORT failed: EADDRINUSE\n', r.stderr);
});

test('on Node, reusePort follows the running Node version', () => {
  const r = lyng(['--allow-net=127.0.0.1', '-e', TWO_LISTENERS('true')]);
  if (reusePortSupport().ok) {
    assert.equal(r.stdout, 'true\nshared true\n', r.stderr);
  } else {
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'false\n');
    assert.match(r.stderr, new RegExp(`tcpListen failed: reusePort is not available: it needs Node 22\\.12 or 23\\.1 or later \\(this is Node ${process.versions.node.replace(/\./g, '\\.')}\\)`));
  }
});
