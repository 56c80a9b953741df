// node.mjs - the `lyng_host` imports for Node: timers and the clock
// (timers.mjs), output of embedded VMs and the capability mask, plus the
// socket imports of node_net.mjs. Imports only record work and return;
// results go through env.complete(vm, op, status, value), which queues them
// so that wasm is never re-entered from inside an import.
import { createNetImports } from './node_net.mjs';
import { createTimerImports } from './timers.mjs';

// host.h: HOST_CAP_TCP | HOST_CAP_TCP_SERVER | HOST_CAP_UDP | HOST_CAP_RESOLVE
const ALL_CAPS = 1 | 2 | 4 | 8;

// env: { memory() -> WebAssembly.Memory, complete(vm, op, status, value),
//        output(stream, bytes) }
export function createNodeHost(env) {
  const { closeAll, ...net } = createNetImports(env);
  const timers = createTimerImports(env);

  const imports = {
    ...net,
    ...timers.imports,
    caps: () => ALL_CAPS,
    where: () => 0, // the default, "on this platform"
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
