// node.mjs - the `lyng_host` imports for Node: timers and the clock
// (timers.mjs), output of embedded VMs and the capability mask, plus the
// socket imports of node_net.mjs. Imports only record work and return;
// results go through env.complete(vm, op, status, value), which queues them
// so that wasm is never re-entered from inside an import.
import { HostCap } from '../build/js/constants.mjs';
import { createNetImports } from './node_net.mjs';
import { builtinsReady, reusePortSupport } from './node_tls.mjs';
import { createTimerImports } from './timers.mjs';

// Settled (or null) once the socket imports can load Node's built-in modules.
export { builtinsReady };

// Everything, but reusePort only where this Node has it.
const reusePort = reusePortSupport();
const ALL_CAPS = HostCap.TCP | HostCap.TCP_SERVER | HostCap.UDP | HostCap.RESOLVE | HostCap.TLS
  | (reusePort.ok ? HostCap.REUSE_PORT : 0);
const encoder = new TextEncoder();

// env: { memory() -> WebAssembly.Memory, complete(vm, op, status, value),
//        output(stream, bytes), alloc(n) / release(ptr) of wasm memory }
export function createNodeHost(env) {
  const { closeAll, ...net } = createNetImports(env);
  const timers = createTimerImports(env);

  const imports = {
    ...net,
    ...timers.imports,
    caps: (_vm) => ALL_CAPS, // parameters as in the wasm type (lyng.mjs says why)
    where: (_vm, _ptr, _len) => 0, // the default, "on this platform"
    missing(vm, cap, ptr, len) {
      if (cap !== HostCap.REUSE_PORT || reusePort.ok) return 0;
      const { written } = encoder.encodeInto(reusePort.why, new Uint8Array(env.memory().buffer, ptr, len));
      return written;
    },
    output(stream, ptr, len) {
      env.output(stream, new Uint8Array(env.memory().buffer, ptr, len));
    },
  };

  // Releases everything the instance still holds: timers and sockets.
  function dispose() {
    timers.clearAll();
    closeAll();
  }

  return { imports, dispose };
}
