// index.mjs - the JavaScript embedding API of Lyng:
//
//   import { createLyng } from 'lyng';
//   const lyng = await createLyng({ functions: { fetchText: async (url) => '...' } });
//   await lyng.evaluate('[1, 2].map { it * 10 }');   // -> [10, 20]
//   await lyng.eval('"a" + 1');                      // -> '"a1"' (inspect() text)
//   lyng.close();
//
// Every createLyng() owns one VM in its own wasm instance; globals and
// declarations persist from one call to the next. Each call starts at once
// as a coroutine of its own beside those still running (a server started by
// one call does not hold up the next); calls that never wait run in call
// order. Values cross as values.mjs describes.
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

// { steps, ms }: each a whole number >= 0 (0 or absent: no limit).
function checkLimits(limits, where) {
  if (limits == null) return {};
  if (typeof limits !== 'object') throw new TypeError(`${where}: limits must be { steps, ms }`);
  const out = {};
  for (const key of ['steps', 'ms']) {
    const v = limits[key];
    if (v == null) continue;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || (typeof v === 'bigint' && BigInt(n) !== v)) {
      throw new RangeError(`${where}: limits.${key} must be a whole number from 0 to 2^53-1, got ${String(v)}`);
    }
    if (n) out[key] = n;
  }
  return out;
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
// Every option createLyng takes, on any platform (`slice` matters in the
// browser only): a misspelt one is an error, not a silently open default.
const OPTIONS = ['stdout', 'stderr', 'globals', 'functions', 'net', 'limits', 'module', 'slice'];

export async function createLyngOn(platform, options = {}) {
  for (const key of Object.keys(options ?? {})) {
    if (!OPTIONS.includes(key)) throw new TypeError(`createLyng: unknown option '${key}'; the options are ${OPTIONS.join(', ')}`);
  }
  const { stdout, stderr, globals = {}, functions = {}, net, module } = options;
  const out = sink(stdout, platform.stdout);
  const err = sink(stderr, platform.stderr);
  const policy = netPolicy(net);
  const limits = checkLimits(options.limits, 'createLyng');
  const fns = Object.entries(functions ?? {});
  for (const [name, fn] of fns) {
    if (typeof fn !== 'function') throw new TypeError(`createLyng: functions.${name} must be a function`);
  }
  const inst = await LyngInstance.create({
    module,
    host: platform.host,
    wasi: platform.wasi?.(out, err),
    output: (stream, text) => (stream === 2 ? err : out)(text),
  });
  const vm = inst.newVm();
  try {
    if (platform.slice) inst.setSlice(vm, platform.slice);
    inst.setNetPolicy(vm, policy.allow, policy.deny);
    if (policy.check) inst.setNetAsk(vm, policy.check);
    for (const [name, value] of Object.entries(globals ?? {})) inst.defineValue(vm, name, value);
    fns.forEach(([name], i) => inst.defineFunction(vm, name, i));
    inst.setCallHandler(vm, (i, args) => fns[i][1](...args));
  } catch (e) {
    inst.freeVm(vm);
    inst.close();
    throw e;
  }

  let closed = false;

  async function run(source, name, callLimits) {
    if (closed) throw new Error('lyng: eval after close()');
    const r = await inst.startTask(vm, String(source), name, { ...limits, ...checkLimits(callLimits, 'evaluate') });
    switch (r.status) {
      case Status.DONE:
        return r;
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
    // Resolves with the script's value as a JS value.
    async evaluate(source, { name = '<eval>', limits: callLimits } = {}) {
      return (await run(source, name, callLimits)).value;
    },
    // Resolves with inspect() of the script's value.
    async eval(source, { name = '<eval>', limits: callLimits } = {}) {
      return (await run(source, name, callLimits)).result;
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
