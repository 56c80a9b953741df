// lyng.mjs - loads lyng.wasm (the library) or lyng-cli.wasm (the library
// and the command line, for bin/lyng) and drives it. Each Module is
// compiled once per process; every VM (or command line) gets its own
// Instance, with its own WASI and host state, so nothing but the Module is
// shared.
//
// The completion loop: host imports never call back into wasm. They queue
// completions here; the queue is drained from a microtask, once the event
// that produced them (and any wasm call) has returned, so a burst of socket
// events is delivered as one batch and a message costs no extra turn of the
// event loop. After each batch the VM runs once (lyng_wasm_run or
// lyng_wasm_cli_step). A chain of microtask drains is bounded: every
// MICRO_DRAINS batches, and whenever a sliced script yields, the next batch
// waits for a later turn, so timers and I/O are never starved.

import { CliStep, HostError, ReplStep, Status } from '../build/js/constants.mjs';
import { decodeValue, encodeValue } from './values.mjs';

export { ReplStep, Status };
const {
  DONE: LYNG_DONE, WAITING: LYNG_WAITING, ERROR: LYNG_ERROR, COMPILE_ERROR: LYNG_COMPILE_ERROR,
  EXIT: LYNG_EXIT, YIELDED: LYNG_YIELDED, INCOMPLETE: LYNG_INCOMPLETE,
} = Status;

// A later turn of the event loop. Browsers have no setImmediate, and their
// nested setTimeout(0) waits 4 ms, which would idle a sliced script most of
// the time; a MessageChannel message is a task without that clamp.
const later = globalThis.setImmediate ?? (() => {
  if (typeof MessageChannel === 'undefined') return (fn) => setTimeout(fn, 0);
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  return (fn) => { waiting.push(fn); channel.port2.postMessage(0); };
})();

// The check phase of Node's event loop, which runs once the poll phase has
// handed over every event of the turn (#complete). Browsers have none.
const afterEvents = globalThis.setImmediate ?? null;

// A microtask through a settled promise: Node's queueMicrotask wraps each
// callback in an AsyncResource (run in its scope, destroyed after), which
// cost about a tenth of the CPU of a ping-pong on Node.
const settled = Promise.resolve();

const MICRO_DRAINS = 64;
// The `prompt` of a completion that an event handler delivers at once (#complete).
export const NOW = 2;
// Completions handed to the core per wasm call (#deliver).
const BATCH = 256;
// Queue entries (four per completion) whose array a drain keeps for reuse.
const SPARE_MAX = 4 * 1024;

// Steps (loop back-edges and calls) a script on Node runs before the event
// loop gets a turn (bin/lyng, and createLyng for each eval). V8 first runs
// wasm code from its baseline compiler and replaces a hot function with
// optimized code in the background, but a call already running stays in the
// old code: without slices the interpreter loop, entered once, would run a
// whole script unoptimized (2-3x slower). 2^20 steps take a few
// milliseconds, so a yield costs well under 1%.
export const NODE_SLICE_STEPS = 1 << 20;
// A command line starts with shorter slices: V8 compiles the interpreter
// loop while the script starts (tens of milliseconds), and the call of the
// loop then running keeps its baseline code to the end of its slice, which
// at 2^20 steps of baseline code is itself tens of milliseconds. 64 slices
// of 2^16 steps cover the compile; then the slice asked for applies.
const WARMUP_SLICE_STEPS = 1 << 16;
const WARMUP_SLICES = 64;

// lyng_task_status asks about a task and the coroutines it launched.
const WITH_COROUTINES = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// An uncaught Lyng exception (or compile error) surfacing in JavaScript.
export class LyngError extends Error {
  constructor(lyngClass, message, lyngStack) {
    super(message);
    this.name = 'LyngError';
    this.lyngClass = lyngClass;
    this.lyngStack = lyngStack;
  }
}

const modulePromises = new Map(); // 'lyng' | 'lyng-cli' -> Promise<WebAssembly.Module>

// The first use of the global Response makes Node load its fetch
// implementation (undici), which costs tens of milliseconds at every start;
// it is only looked at for an object that is neither bytes nor a URL.
function isResponse(source) {
  if (source == null || typeof source !== 'object') return false;
  if (source instanceof URL || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return false;
  return typeof Response !== 'undefined' && source instanceof Response;
}

// The compiled module `name`, cached. `source` (bytes, a Response or a URL)
// is only used by the first call; by default build/wasm/NAME.wasm of this
// package is read. sync: bytes are compiled on this thread (the command
// line: with lazy compilation and validation V8 only decodes the module,
// and a compile job on another thread had to wait for a free core on a busy
// machine, 5-13 ms of wall time at a load of 7 for the same CPU time).
export function loadModule(source, name = 'lyng', sync = false) {
  let modulePromise = modulePromises.get(name);
  if (!modulePromise) {
    modulePromise = (async () => {
      if (source instanceof WebAssembly.Module) return source;
      if (isResponse(source)) return WebAssembly.compileStreaming(source);
      let bytes = source;
      if (!bytes || bytes instanceof URL || typeof bytes === 'string') {
        const url = bytes ?? new URL(`../build/wasm/${name}.wasm`, import.meta.url);
        if (typeof process !== 'undefined' && process.versions?.node) {
          // sync: node:fs is loaded anyway (WASI output), node:fs/promises
          // would cost a few ms more to load than the read takes
          const { readFileSync } = await nodeFs();
          try {
            bytes = readFileSync(url);
          } catch (err) {
            if (err.code !== 'ENOENT') throw err;
            throw new Error(`lyng: ${err.path ?? url} is missing; build it with \`make build\``);
          }
        } else {
          return WebAssembly.compileStreaming(fetch(url));
        }
      }
      return sync ? new WebAssembly.Module(bytes) : WebAssembly.compile(bytes);
    })();
    modulePromises.set(name, modulePromise);
    modulePromise.catch(() => modulePromises.delete(name)); // allow a retry
  }
  return modulePromise;
}

// node:fs, without the namespace object of import(), whose creation
// reads every export, the lazy ReadStream among them: that loads node:stream
// and a dozen modules behind it (process.getBuiltinModule: Node 20.16+).
const nodeFs = async () => process.getBuiltinModule?.('node:fs') ?? import('node:fs');

// Keeps Node's event loop turning while an instance is made. What create
// awaits is V8's work (module loading, compiling, instantiating), which no
// libuv handle stands for; with nothing else pending the loop then stops,
// and before it looks again Node drains V8's platform: it blocks until
// every job on V8's worker threads has finished (NodePlatform::DrainTasks),
// compile and GC jobs that have nothing to do with what is awaited. Seen as
// the main thread asleep 20-35 ms before a script's first step (strace).
// A timer keeps the loop alive, and V8 wakes it when its results are in.
// Gone before create returns: the first step then runs in the same turn.
function holdEventLoop() {
  if (typeof process === 'undefined' || !process.versions?.node) return null;
  return setInterval(() => {}, 2 ** 30);
}

// The WASI imports on Node (node_wasi.mjs): the command line reads scripts
// and modules through the preopened directories; stdout and stderr are
// written synchronously, as the native binary writes them. The modules
// import neither arguments nor the environment (the command line gets its
// arguments through lyng_wasm_cli_new).
async function nodeWasi({ preopens }) {
  const [fs, path, { createNodeWasi }] = await Promise.all([
    nodeFs(),
    process.getBuiltinModule?.('node:path') ?? import('node:path'),
    import('./node_wasi.mjs'),
  ]);
  // node:tty (for isatty) is loaded on the first question where Node has
  // process.getBuiltinModule; before, now
  const tty = process.getBuiltinModule ? null : await import('node:tty');
  const isatty = (fd) => (tty ?? process.getBuiltinModule('node:tty')).isatty(fd);
  return createNodeWasi({ fs, path, preopens, isatty });
}

// One wasm instance with its host. Options:
//   host(env) -> { imports, dispose }   the lyng_host imports (default: node.mjs)
//   output(stream, bytes)               where embedded VMs print (stream 1 or 2)
//   preopens                            { guest: host } directories for WASI (the command line reads files)
//   wasi                                a ready { imports, initialize } instead of node_wasi.mjs
//   module                              the wasm bytes/Module/URL for loadModule
//   cli                                 true: lyng-cli.wasm, with the command line (cliNew)
export class LyngInstance {
  static async create(options = {}) {
    const hold = holdEventLoop();
    try {
      return await LyngInstance.#create(options);
    } finally {
      if (hold) clearInterval(hold);
    }
  }

  static async #create(options) {
    // V8 compiles the library's module on other threads while Node loads
    // the JS modules of the host (the command line's on this thread, see
    // loadModule): the three are awaited together.
    const [module, wasi, makeHost] = await Promise.all([
      loadModule(options.module, options.cli ? 'lyng-cli' : 'lyng', options.cli),
      options.wasi ?? nodeWasi({ preopens: options.preopens ?? {} }),
      options.host ?? import('./node.mjs').then(async (m) => { await m.builtinsReady; return m.createNodeHost; }),
    ]);
    const self = new LyngInstance(options);
    self.host = makeHost({
      memory: () => self.memory,
      complete: (vm, op, status, value, prompt) => self.#complete(vm, op, status, value, prompt),
      output: (stream, bytes) => self.#output(stream, bytes),
      alloc: (n) => self.exports.lyng_wasm_alloc(n),
      release: (ptr) => self.exports.lyng_wasm_free(ptr),
    });
    // Each import declares exactly the parameters of its wasm type: V8
    // (Node 20) compiles a wrapper for each signature when instantiating,
    // and one more for a JS function of another length.
    const lyngHost = {
      ...self.host.imports,
      net_ask: (vm, op, kindPtr, hostPtr, port, backlog) => self.#ask(vm, op, kindPtr, hostPtr, port, backlog),
      call: (vm, op, fn, argsPtr, len) => self.#call(vm, op, fn, argsPtr, len),
      repl_print: () => self.onReplPrint?.(),
    };
    const instance = await WebAssembly.instantiate(module, { ...wasi.imports, lyng_host: lyngHost });
    self.exports = instance.exports;
    self.memory = instance.exports.memory;
    wasi.initialize(instance);
    return self;
  }

  // Completions wait as {vm, op, status, value} in #queue's first #queued
  // entries. A drain swaps #queue with #spare, which arrivals during the
  // drain fill, so the two arrays are reused: none is made per event.
  #queue = [];
  #queued = 0;
  #spare = [];
  #records = 0; // BATCH completion records in wasm memory (#deliver)
  #recordView = null;
  #scheduled = false;
  #microDrains = 0; // drains since the event loop last had a turn
  // A drain that finds nothing scheduled any more was done early (a
  // completion delivered at once, #complete): the VM has run since.
  #drainNow = () => { if (this.#scheduled) this.#drain(); };
  #drainLater = () => { this.#microDrains = 0; if (this.#scheduled) this.#drain(); };
  #draining = false; // a batch is delivered or the VM runs (#complete)
  #waitingForCheck = false; // the drain scheduled is the check phase's (#complete)
  #drive = null;
  #closed = false;
  #onOutput;
  #askers = new Map(); // vm -> policy function (setNetAsk)
  #callers = new Map(); // vm -> (fn, args) => value | Promise (setCallHandler)
  #tasks = new Map(); // task -> { vm, done(outcome) } (startTask)
  #warmups = new Map(); // cli -> { slice, left }: short slices still to run (cliNew)
  onReplPrint = null; // the REPL is about to print over its prompt
  #decoders = [null, new TextDecoder(), new TextDecoder()];

  constructor(options) {
    this.#onOutput = options.output ?? null;
  }

  // ---- completions ----
  // A completion made while a batch is delivered or the VM runs (a write
  // the kernel took at once, bytes already received) is drained from a
  // microtask, in the same turn. One that an event of Node makes (bytes
  // received, a write called back, a timer) waits for the check phase
  // (setImmediate), after every event libuv's poll handed over in this
  // turn: a server's many connections then reach the core as one batch and
  // one run of the VM, not one each (a microtask per event cost 8 % more
  // CPU with 100 connections). A `prompt` one is drained from a microtask
  // regardless (node_net.mjs: a large read, as libuv reads a busy socket up
  // to 32 times per turn, which would fill its queue to the high-water mark
  // and pause it; or the event of a socket that alone makes them, with
  // nothing to batch); a drain already waiting for the check phase then
  // finds less to do.
  // Made by an event, it also restarts the count of drains in a row: the
  // event loop is turning, so the chain's bound has nothing to protect.
  // prompt NOW: made by an event handler of Node's, outside any wasm call,
  // with nothing of its own left to do that the VM could disturb
  // (node_net.mjs): the queue is delivered and the VM run at once, as
  // raw Node runs a 'data' listener, instead of from a microtask queued
  // for it (a promise reaction per message).
  #complete(vm, op, status, value, prompt = false) {
    if (this.#closed) return;
    const q = this.#queue;
    const n = this.#queued;
    q[n] = vm;
    q[n + 1] = op;
    q[n + 2] = status;
    q[n + 3] = Number(value);
    this.#queued = n + 4;
    if (prompt && !this.#draining) this.#microDrains = 0;
    if (prompt === NOW && !this.#draining) {
      this.#drain();
    } else if (this.#draining || prompt || !afterEvents) {
      this.#schedule();
    } else if (!this.#scheduled) {
      this.#scheduled = this.#waitingForCheck = true;
      afterEvents(this.#drainLater);
    }
  }

  // Drains the queue and runs the VM soon: from a microtask, or on a later
  // turn when `yieldTurn` (a script whose slice ran out, resumed with an
  // empty queue) or when the chain of microtask drains is long.
  #schedule(yieldTurn = false) {
    if (this.#scheduled && (yieldTurn || !this.#waitingForCheck)) return;
    this.#scheduled = true;
    this.#waitingForCheck = false;
    if (!yieldTurn && this.#microDrains < MICRO_DRAINS) {
      this.#microDrains++;
      settled.then(this.#drainNow);
    } else {
      later(this.#drainLater);
    }
  }

  // A policy question from the core: the answer, sync or async, is
  // delivered as a completion like any host op; a throwing or rejecting
  // policy denies.
  #ask(vm, op, kindPtr, hostPtr, port, backlog) {
    const fn = this.#askers.get(vm);
    const question = { kind: this.cString(kindPtr), host: this.cString(hostPtr), port, backlog: backlog || undefined };
    if (question.backlog === undefined) delete question.backlog;
    Promise.resolve()
      .then(() => (fn ? fn(question) : false))
      .then((ok) => ok === true, () => false)
      .then((ok) => this.#complete(vm, op, ok ? 0 : HostError.EACCES, 0));
  }

  // A Lyng call of a JS function: the arguments are decoded, the result
  // (or rejection) encoded and delivered later, never from inside the call.
  #call(vm, op, fn, argsPtr, len) {
    const handler = this.#callers.get(vm);
    const args = decodeValue(this.bytes().slice(argsPtr, argsPtr + len));
    const failure = (err) => [0, encoder.encode(err instanceof Error ? `${err.name}: ${err.message}` : String(err))];
    Promise.resolve()
      .then(() => handler(fn, args))
      .then((value) => [1, encodeValue(value, 'the result of a JS function')])
      .catch(failure)
      .then(([ok, bytes]) => {
        if (this.#closed) return;
        const [p, n] = this.alloc(bytes);
        try { this.exports.lyng_wasm_complete_call(vm, op, ok, p, n); } finally { this.free(p); }
        this.#schedule();
      });
  }

  #drain() {
    this.#scheduled = this.#waitingForCheck = false;
    if (this.#closed) return;
    const q = this.#queue;
    const n = this.#queued;
    this.#queue = this.#spare;
    this.#queued = 0;
    this.#spare = n <= SPARE_MAX ? q : []; // a burst's long array is not kept
    const drive = this.#drive;
    this.#draining = true;
    try {
      try {
        this.#deliver(q, n);
      } catch (err) { // a trap inside the core: fail the run in progress
        if (drive) drive.fail(err);
        else throw err;
        return;
      }
      if (drive) drive.run();
    } finally {
      this.#draining = false;
    }
  }

  // Hands the queued completions to the core through records in wasm
  // memory, BATCH at a time: one wasm call per batch, not one per event.
  // The records live as long as the instance; their view is made again only
  // when the memory grew (which replaces its ArrayBuffer).
  #deliver(q, count) {
    if (!count) return;
    const e = this.exports;
    if (!this.#records) {
      this.#records = e.lyng_wasm_alloc(BATCH * 32);
      if (!this.#records) throw new Error('lyng: out of wasm memory');
    }
    for (let start = 0; start < count; start += 4 * BATCH) {
      const end = Math.min(count, start + 4 * BATCH);
      // a view of memory that grew since reads as empty (its ArrayBuffer
      // was detached): that test costs no call of the memory's buffer getter
      if (!this.#recordView || this.#recordView.length === 0) {
        this.#recordView = new Float64Array(this.memory.buffer, this.#records, 4 * BATCH);
      }
      const view = this.#recordView;
      for (let i = start; i < end; i++) view[i - start] = q[i];
      e.lyng_wasm_complete_batch(this.#records, (end - start) / 4);
    }
  }

  // Calls `step` now and after every batch of completions until it returns
  // a value other than undefined; resolves with that value. One loop runs at
  // a time per instance.
  #loop(step) {
    return new Promise((resolve, reject) => {
      const drive = {
        run: () => {
          let result;
          try {
            result = step();
          } catch (err) {
            drive.fail(err);
            return;
          }
          if (result !== undefined) {
            this.#drive = null;
            resolve(result);
          }
        },
        fail: (err) => {
          this.#drive = null;
          reject(err);
        },
      };
      this.#drive = drive;
      drive.run();
    });
  }

  #output(stream, bytes) {
    const text = this.#decoders[stream === 2 ? 2 : 1].decode(bytes, { stream: true });
    if (!text) return;
    if (this.#onOutput) this.#onOutput(stream, text);
    else (stream === 2 ? process.stderr : process.stdout).write(text);
  }

  // ---- memory helpers (views are rebuilt on every use: memory may grow) ----
  bytes() { return new Uint8Array(this.memory.buffer); }

  // Copies text (or bytes) into fresh wasm memory: [ptr, len]; NUL-terminated.
  alloc(text) {
    const data = typeof text === 'string' ? encoder.encode(text) : text;
    const ptr = this.exports.lyng_wasm_alloc(data.length + 1);
    if (!ptr) throw new Error('lyng: out of wasm memory');
    const mem = this.bytes();
    mem.set(data, ptr);
    mem[ptr + data.length] = 0;
    return [ptr, data.length];
  }

  free(ptr) { if (ptr) this.exports.lyng_wasm_free(ptr); }

  cString(ptr) {
    if (!ptr) return '';
    const mem = this.bytes();
    let end = ptr;
    while (mem[end] !== 0) end++;
    return decoder.decode(mem.subarray(ptr, end));
  }

  // ---- embedding ----
  newVm() {
    const vm = this.exports.lyng_wasm_new();
    if (!vm) throw new Error('lyng: cannot create a VM');
    return vm;
  }

  defineInt(vm, name, value) {
    const [p] = this.alloc(name);
    try { this.exports.lyng_wasm_define_int(vm, p, BigInt(value)); } finally { this.free(p); }
  }

  defineString(vm, name, value) {
    const [p] = this.alloc(name);
    const [v, len] = this.alloc(value);
    try { this.exports.lyng_wasm_define_string(vm, p, v, len); } finally { this.free(p); this.free(v); }
  }

  // allow/deny: the comma-separated lists of net.h, or null.
  setNetPolicy(vm, allow, deny) {
    const [a] = allow == null ? [0] : this.alloc(allow);
    const [d] = deny == null ? [0] : this.alloc(deny);
    try { this.exports.lyng_wasm_set_net_policy(vm, a, d); } finally { this.free(a); this.free(d); }
  }

  // fn(op) -> boolean | Promise<boolean> decides what the lists leave open;
  // null turns asking off.
  setNetAsk(vm, fn) {
    if (fn) this.#askers.set(vm, fn);
    else this.#askers.delete(vm);
    this.exports.lyng_wasm_set_net_ask(vm, fn ? 1 : 0);
  }

  // handler(fn, args) answers Lyng's calls of the functions defined with
  // defineFunction (fn is their number).
  setCallHandler(vm, handler) { this.#callers.set(vm, handler); }

  defineFunction(vm, name, fn) {
    const [p] = this.alloc(name);
    try { this.exports.lyng_wasm_define_host_function(vm, p, fn); } finally { this.free(p); }
  }

  // Defines a global from a JS value (values.mjs); throws RangeError or
  // TypeError for a value Lyng cannot hold exactly.
  defineValue(vm, name, value) {
    const bytes = encodeValue(value, `global ${name}`);
    const [p] = this.alloc(name);
    const [v, len] = this.alloc(bytes);
    try { this.exports.lyng_wasm_define_bytes(vm, p, v, len); } finally { this.free(p); this.free(v); }
  }

  // Starts a script beside those already running on the VM (lyng_start)
  // and resolves, when it and the coroutines it launched are done, with
  // { status, result, value, errorClass, errorMessage, exitCode }: value is
  // the script's value as a JS value. limits: { steps, ms } end it with an
  // Exception when it runs longer.
  startTask(vm, source, name = '<eval>', limits = {}) {
    const [n, nlen] = this.alloc(name);
    const [s, slen] = this.alloc(source);
    const out = this.exports.lyng_wasm_alloc(4);
    let status;
    let task;
    try {
      status = this.exports.lyng_wasm_start(vm, n, nlen, s, slen, out);
      task = new DataView(this.memory.buffer).getUint32(out, true);
    } finally {
      this.free(n);
      this.free(s);
      this.free(out);
    }
    if (status !== LYNG_WAITING) {
      return Promise.resolve(this.#outcome(vm, 0, status === LYNG_INCOMPLETE ? LYNG_COMPILE_ERROR : status));
    }
    if (limits.steps) this.exports.lyng_wasm_task_set_step_limit(vm, task, limits.steps);
    return new Promise((resolve) => {
      let timer = null;
      if (limits.ms) {
        timer = setTimeout(() => {
          if (this.#closed || !this.#tasks.has(task)) return;
          const [m] = this.alloc(`the time limit of ${limits.ms} ms was reached`);
          try { this.exports.lyng_wasm_task_stop(vm, task, m); } finally { this.free(m); }
          this.#schedule();
        }, limits.ms);
      }
      this.#tasks.set(task, { vm, done: (outcome) => { clearTimeout(timer); resolve(outcome); } });
      if (!this.#drive) this.#drive = { run: () => this.#runTasks(), fail: (err) => this.#failTasks(err) };
      this.#schedule();
    });
  }

  #outcome(vm, task, status) {
    const e = this.exports;
    const failed = status === LYNG_ERROR || status === LYNG_COMPILE_ERROR;
    const outcome = {
      status,
      result: this.cString(e.lyng_wasm_result(vm)),
      value: undefined,
      errorClass: failed ? this.cString(e.lyng_wasm_error_class(vm)) : null,
      errorMessage: failed ? this.cString(e.lyng_wasm_error_message(vm)) : null,
      exitCode: status === LYNG_EXIT ? e.lyng_wasm_exit_code(vm) : null,
    };
    if (status === LYNG_DONE) {
      const lenPtr = e.lyng_wasm_alloc(4);
      try {
        const ptr = e.lyng_wasm_task_result(vm, task, lenPtr);
        const len = new DataView(this.memory.buffer).getUint32(lenPtr, true);
        outcome.value = decodeValue(this.bytes().slice(ptr, ptr + len));
      } finally {
        this.free(lenPtr);
      }
    }
    return outcome;
  }

  // The drive while tasks run: every VM with a task runs once, then each
  // task is asked whether it is done.
  #runTasks() {
    const e = this.exports;
    const vms = new Set([...this.#tasks.values()].map((t) => t.vm));
    let yielded = false;
    for (const vm of vms) if (e.lyng_wasm_run_tasks(vm) === LYNG_YIELDED) yielded = true;
    for (const [task, t] of [...this.#tasks]) {
      const st = e.lyng_wasm_task_status(t.vm, task, WITH_COROUTINES);
      if (st === LYNG_WAITING) continue;
      const outcome = this.#outcome(t.vm, task, st);
      e.lyng_wasm_task_free(t.vm, task);
      this.#tasks.delete(task);
      t.done(outcome);
    }
    if (this.#tasks.size === 0) this.#drive = null;
    else if (yielded) this.#schedule(true);
  }

  #failTasks(err) {
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    this.#drive = null;
    for (const t of tasks) t.done({ status: LYNG_ERROR, result: String(err?.stack ?? err), errorClass: 'InternalError', errorMessage: String(err?.message ?? err) });
  }

  // ---- the REPL of the command line (src/cli/repl.c) ----
  // step() runs after every batch of host events until stopRepl(); it
  // returns what lyng_wasm_repl_step said.
  driveRepl(step) {
    this.#drive = { run: () => { if (step() === ReplStep.AGAIN) this.#schedule(true); }, fail: (err) => { throw err; } };
  }

  stopRepl() { this.#drive = null; }

  // Runs the REPL's step soon (after a line started a statement).
  wake() { this.#schedule(); }

  // Runs a script to its end. Resolves with { status, result, errorClass,
  // errorMessage, exitCode } (status is one of Status).
  async evaluate(vm, source, name = '<eval>') {
    const [n, nlen] = this.alloc(name);
    const [s, slen] = this.alloc(source);
    let status;
    try {
      status = this.exports.lyng_wasm_eval(vm, n, nlen, s, slen);
    } finally {
      this.free(n);
      this.free(s);
    }
    if (status === LYNG_WAITING) {
      status = await this.#loop(() => {
        const st = this.exports.lyng_wasm_run(vm);
        if (st === LYNG_YIELDED) this.#schedule(true);
        return st === LYNG_WAITING || st === LYNG_YIELDED ? undefined : st;
      });
    }
    const e = this.exports;
    return {
      status,
      result: this.cString(e.lyng_wasm_result(vm)),
      errorClass: status === LYNG_ERROR || status === LYNG_COMPILE_ERROR ? this.cString(e.lyng_wasm_error_class(vm)) : null,
      errorMessage: status === LYNG_ERROR || status === LYNG_COMPILE_ERROR ? this.cString(e.lyng_wasm_error_message(vm)) : null,
      exitCode: status === LYNG_EXIT ? e.lyng_wasm_exit_code(vm) : null,
    };
  }

  // Makes evaluate() give the event loop a turn every `steps` loop
  // iterations and calls (lyng_set_slice); 0 runs a script without a break.
  setSlice(vm, steps) { this.exports.lyng_wasm_set_slice(vm, steps); }

  freeVm(vm) { if (vm && !this.#closed) this.exports.lyng_wasm_free_vm(vm); }

  // ---- the command line ----
  // Returns { cli, release }: argv stays in wasm memory until release().
  // slice: as for setSlice, for every VM the command line makes.
  cliNew(argv, { slice = 0 } = {}) {
    const strings = argv.map((a) => this.alloc(a)[0]);
    const table = this.exports.lyng_wasm_alloc(4 * strings.length + 4);
    const view = new DataView(this.memory.buffer);
    strings.forEach((p, i) => view.setUint32(table + 4 * i, p, true));
    view.setUint32(table + 4 * strings.length, 0, true);
    const cli = this.exports.lyng_wasm_cli_new(strings.length, table);
    if (slice > WARMUP_SLICE_STEPS) {
      this.exports.lyng_wasm_cli_set_slice(cli, WARMUP_SLICE_STEPS);
      this.#warmups.set(cli, { slice, left: WARMUP_SLICES });
    } else if (slice) {
      this.exports.lyng_wasm_cli_set_slice(cli, slice);
    }
    const release = () => {
      if (this.#closed) return;
      this.#warmups.delete(cli);
      this.exports.lyng_wasm_cli_free(cli);
      strings.forEach((p) => this.free(p));
      this.free(table);
    };
    return { cli, release };
  }

  // Runs the command line to its end; resolves with the exit code.
  runCli(cli) {
    return this.#loop(() => {
      const code = this.exports.lyng_wasm_cli_step(cli);
      if (code >= 0) return code;
      if (code === CliStep.YIELDED) { // the slice ran out: go on after one turn
        const warmup = this.#warmups.get(cli);
        if (warmup && --warmup.left === 0) {
          this.#warmups.delete(cli);
          this.exports.lyng_wasm_cli_set_slice(cli, warmup.slice);
        }
        this.#schedule(true);
        return undefined;
      }
      // The script now waits for an event, maybe for long (a server): what it
      // printed so far is shown now, not when it ends.
      this.exports.lyng_wasm_flush();
      return undefined;
    });
  }

  // Sets the directory relative paths resolve against (WASI starts at "/").
  chdir(dir) {
    const [p] = this.alloc(dir);
    try { return this.exports.lyng_wasm_chdir(p) === 0; } finally { this.free(p); }
  }

  flush() { if (!this.#closed) this.exports.lyng_wasm_flush(); }

  // Stops every timer and socket; the instance is unusable afterwards.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#queued = 0;
    this.host.dispose();
    if (this.#drive) this.#drive.fail(new Error('lyng: the instance was closed while a script was running'));
  }
}
