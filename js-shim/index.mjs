// index.mjs - the JavaScript embedding API of Lyng:
//
//   import { createLyng } from 'lyng';
//   const lyng = await createLyng({ stdout: (text) => out.push(text) });
//   await lyng.eval('1 + 2');          // -> '3' (inspect() of the result)
//   lyng.close();
//
// Every createLyng() owns one VM in its own wasm instance; globals and
// declarations persist from one eval to the next. Evals run one at a time,
// in call order.
import { LyngError, LyngInstance, NODE_SLICE_STEPS, Status } from './lyng.mjs';

export { LyngError };

export const permitAll = Object.freeze({ allow: ['*'] });
export const denyAll = Object.freeze({ allow: [] });

// A policy as the C core takes it: comma-separated allow and deny lists,
// plus an optional function asked about whatever the lists leave open.
function netPolicy(net) {
  if (net == null || net === 'denyAll' || net === 'deny-all') return { allow: null, deny: null };
  if (net === 'permitAll' || net === 'permit-all') return { allow: '*', deny: null };
  if (typeof net === 'function') return { allow: null, deny: null, check: net };
  const list = (v) => (v == null ? null : Array.isArray(v) ? v.join(',') : String(v));
  if (Array.isArray(net) || typeof net === 'string') return { allow: list(net), deny: null };
  if (typeof net === 'object') {
    const allow = list(net.allow);
    if (net.check != null && typeof net.check !== 'function') throw new TypeError('createLyng: net.check must be a function');
    return { allow: allow === '' ? null : allow, deny: list(net.deny), check: net.check };
  }
  throw new TypeError('createLyng: net must be "permit-all", "deny-all", a list, { allow, deny, check } or a function');
}

function sink(target, fallback) {
  if (target == null) return fallback;
  if (typeof target === 'function') return target;
  if (typeof target.write === 'function') return (text) => target.write(text);
  throw new TypeError('createLyng: stdout/stderr must be a function or have a write() method');
}

export function createLyng(options = {}) {
  return createLyngOn({
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    slice: NODE_SLICE_STEPS,
  }, options);
}

// createLyng for any platform (browser.mjs uses it). platform: { stdout,
// stderr } (the default sinks), and optionally host (as LyngInstance.create
// takes it), wasi(out, err) (makes the WASI imports, given the sinks) and
// slice (see LyngInstance.setSlice).
export async function createLyngOn(platform, options = {}) {
  const { stdout, stderr, globals = {}, net, module } = options;
  const out = sink(stdout, platform.stdout);
  const err = sink(stderr, platform.stderr);
  const policy = netPolicy(net);
  const inst = await LyngInstance.create({
    module,
    host: platform.host,
    wasi: platform.wasi?.(out, err),
    output: (stream, text) => (stream === 2 ? err : out)(text),
  });
  const vm = inst.newVm();
  if (platform.slice) inst.setSlice(vm, platform.slice);
  inst.setNetPolicy(vm, policy.allow, policy.deny);
  if (policy.check) inst.setNetAsk(vm, policy.check);
  for (const [name, value] of Object.entries(globals)) {
    if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) inst.defineInt(vm, name, value);
    else if (typeof value === 'string') inst.defineString(vm, name, value);
    else {
      inst.freeVm(vm);
      inst.close();
      throw new TypeError(`createLyng: global ${name} must be an integer or a string`);
    }
  }

  let closed = false;
  let last = Promise.resolve();

  async function evalOne(source, name) {
    if (closed) throw new Error('lyng: eval after close()');
    const r = await inst.evaluate(vm, String(source), name);
    switch (r.status) {
      case Status.DONE:
        return r.result;
      case Status.EXIT: {
        const e = new LyngError('Exit', `the script called exit(${r.exitCode})`, '');
        e.exitCode = r.exitCode;
        throw e;
      }
      default:
        throw new LyngError(r.errorClass || 'Exception', r.errorMessage || r.result, r.result);
    }
  }

  return {
    eval(source, { name = '<eval>' } = {}) {
      const p = last.then(() => evalOne(source, name));
      last = p.catch(() => {});
      return p;
    },
    get netPolicy() { return policy; },
    close() {
      if (closed) return;
      closed = true;
      inst.freeVm(vm);
      inst.close();
    },
  };
}
