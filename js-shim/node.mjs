// node.mjs - the `lyng_host` imports for Node: timers, the clock, output of
// embedded VMs and the capability mask, plus the socket imports of
// node_net.mjs. Imports only record work and return; results go through
// env.complete(vm, op, status, value), which queues them so that wasm is
// never re-entered from inside an import.
import { createNetImports } from './node_net.mjs';

const ECANCELED = -1;
// setTimeout takes at most 2^31-1 ms; longer delays are re-armed in steps.
const MAX_TIMEOUT = 0x7fffffff;
// host.h: HOST_CAP_TCP | HOST_CAP_TCP_SERVER | HOST_CAP_UDP | HOST_CAP_RESOLVE
const ALL_CAPS = 1 | 2 | 4 | 8;

// env: { memory() -> WebAssembly.Memory, complete(vm, op, status, value),
//        output(stream, bytes) }
export function createNodeHost(env) {
  const timers = new Map(); // `${vm}:${op}` -> { timeout, vm, op }
  const { closeAll, ...net } = createNetImports(env);

  function arm(key, entry, deadline) {
    const left = deadline - performance.now();
    entry.timeout = setTimeout(() => {
      if (deadline - performance.now() > 1) { arm(key, entry, deadline); return; }
      timers.delete(key);
      env.complete(entry.vm, entry.op, 0, 0);
    }, Math.min(Math.max(left, 0), MAX_TIMEOUT));
  }

  const imports = {
    ...net,
    caps: () => ALL_CAPS,
    where: () => 0, // the default, "on this platform"
    now: () => performance.now(),
    timer(vm, op, ms) {
      const key = `${vm}:${op}`;
      const entry = { timeout: null, vm, op };
      timers.set(key, entry);
      arm(key, entry, performance.now() + ms);
    },
    cancel(vm, op) {
      const key = `${vm}:${op}`;
      const entry = timers.get(key);
      if (entry) {
        clearTimeout(entry.timeout);
        timers.delete(key);
        env.complete(vm, op, ECANCELED, 0);
      }
      // a socket op is cancelled by closing its handle (host.h)
    },
    output(stream, ptr, len) {
      env.output(stream, new Uint8Array(env.memory().buffer, ptr, len));
    },
  };

  // Releases everything the instance still holds: timers and sockets.
  function dispose() {
    for (const entry of timers.values()) clearTimeout(entry.timeout);
    timers.clear();
    closeAll();
  }

  return { imports, dispose };
}
