// browser.mjs - the browser host of lyng.wasm and its createLyng:
//
//   import { createLyng } from './browser.mjs';
//   const lyng = await createLyng({ stdout: (text) => show(text) });
//   await lyng.eval('1 + 2');          // -> '3'
//
// The same API as index.mjs. WASI preview 1 comes from
// @bjorn3/browser_wasi_shim, timers from timers.mjs (the page's setTimeout).
// A browser page cannot open raw sockets: the capability mask is 0, so
// lyng.io.net raises IllegalOperationException "... raw sockets are not
// available in the browser" before any socket import is reached; the socket
// imports still exist (the module imports them) and fail every op.
// Scripts run in slices so a long loop never freezes the page; close()
// stops a running script at once.
import { ConsoleStdout, File, OpenFile, WASI } from '@bjorn3/browser_wasi_shim';
import { HostError } from '../build/js/constants.mjs';
import { createLyngOn, denyAll, LyngError, permitAll } from './index.mjs';
import { createTimerImports } from './timers.mjs';

export { denyAll, LyngError, permitAll };

const WHERE = new TextEncoder().encode('in the browser');
const { EUNSUPPORTED } = HostError;
// Loop iterations and calls between two turns of the page's event loop:
// about 10 ms of work, so input and Stop are handled promptly.
const SLICE_STEPS = 100_000;

// env: { memory() -> WebAssembly.Memory, complete(vm, op, status, value),
//        output(stream, bytes) } (see lyng.mjs)
export function createBrowserHost(env) {
  const timers = createTimerImports(env);
  const refuse = (vm, op) => env.complete(vm, op, EUNSUPPORTED, 0);

  const imports = {
    ...timers.imports,
    caps: () => 0,
    where(vm, ptr, cap) {
      const n = Math.min(WHERE.length, cap);
      new Uint8Array(env.memory().buffer, ptr, n).set(WHERE.subarray(0, n));
      return n;
    },
    output(stream, ptr, len) {
      env.output(stream, new Uint8Array(env.memory().buffer, ptr, len));
    },
    // sockets: unreachable while caps is 0, and refused if reached anyway
    resolve: refuse,
    resolve_take: () => 0,
    tcp_connect: refuse,
    tcp_listen: refuse,
    tls_connect: refuse,
    tls_listen: refuse,
    missing: () => 0,
    tcp_accept: refuse,
    read: refuse,
    read_take: () => 0,
    write: refuse,
    write_now: () => 0,
    close() {},
    addr: () => EUNSUPPORTED,
    udp_bind: refuse,
    udp_send: refuse,
    udp_send_now: () => 0,
    udp_recv: refuse,
    udp_sender: () => 0,
  };

  return { imports, dispose: () => timers.clearAll() };
}

// WASI preview 1, which the C library of the module uses for the clock and
// for files (module folders): a page has no files, and stdout/stderr of C
// stdio go to the same sinks as the script's output.
function browserWasi(out, err) {
  const decoders = [new TextDecoder(), new TextDecoder()];
  const sink = (i, fn) => new ConsoleStdout((bytes) => fn(decoders[i].decode(bytes, { stream: true })));
  const wasi = new WASI(['lyng'], [], [new OpenFile(new File([])), sink(0, out), sink(1, err)]);
  return {
    imports: { wasi_snapshot_preview1: wasi.wasiImport },
    initialize: (instance) => wasi.initialize(instance),
  };
}

// Options as in index.mjs; `module` is the URL (or bytes, Response, Module)
// of lyng.wasm, by default build/wasm/lyng.wasm next to js-shim/. Without
// stdout/stderr, output goes to the console. `slice` sets how many loop
// iterations and calls run between two turns of the event loop.
export function createLyng(options = {}) {
  const { slice = SLICE_STEPS } = options;
  if (!Number.isInteger(slice) || slice < 0 || slice > 0xffffffff) {
    return Promise.reject(new TypeError('createLyng: slice must be an integer from 0 (no slices) to 2^32-1'));
  }
  return createLyngOn({
    stdout: (text) => console.log(text.replace(/\n$/, '')),
    stderr: (text) => console.error(text.replace(/\n$/, '')),
    host: createBrowserHost,
    wasi: browserWasi,
    slice,
  }, options);
}
