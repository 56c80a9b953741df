// timers.mjs - the timer half of the `lyng_host` imports (timer, cancel,
// now), shared by the Node and browser hosts: a timer completes its op
// through env.complete once its deadline has passed.
import { HostError } from '../build/js/constants.mjs';

// setTimeout takes at most 2^31-1 ms; longer delays are re-armed in steps.
const MAX_TIMEOUT = 0x7fffffff;

// env: { complete(vm, op, status, value) }. Returns { imports, clearAll }.
export function createTimerImports(env) {
  const timers = new Map(); // `${vm}:${op}` -> { timeout, vm, op }

  function arm(key, entry, deadline) {
    const left = Math.ceil(deadline - performance.now());
    entry.timeout = setTimeout(() => {
      // Node may fire up to a millisecond early: a delay never ends early
      if (deadline - performance.now() > 0) { arm(key, entry, deadline); return; }
      timers.delete(key);
      env.complete(entry.vm, entry.op, 0, 0);
    }, Math.min(Math.max(left, 0), MAX_TIMEOUT));
  }

  const imports = {
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
        env.complete(vm, op, HostError.ECANCELED, 0);
      }
      // a socket op is cancelled by closing its handle (host.h)
    },
  };

  function clearAll() {
    for (const entry of timers.values()) clearTimeout(entry.timeout);
    timers.clear();
  }

  return { imports, clearAll };
}
