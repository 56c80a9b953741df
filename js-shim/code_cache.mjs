// code_cache.mjs - bin/lyng's cache of V8's optimized code for
// lyng-cli.wasm. V8 runs a wasm function first as baseline (Liftoff) code
// and compiles it with its optimizing compiler (TurboFan) once it has run
// for a while; the interpreter loop reaches that point in its first
// milliseconds, but its compile then takes 15-60 ms on another thread while
// the baseline code, 3-4 times slower on this loop, keeps running the
// script, and every run pays that again. After a run that ran long enough
// for the loop to be optimized, the compiled module is written to a file;
// later runs load it and start with the optimized loop and whatever else
// was optimized; a later run that optimizes more (another kind of script:
// string building optimizes the collector and the search) writes it again.
// Nothing else is optimized ahead: the functions the saving runs had used
// are compiled by Liftoff when the file is loaded, the rest lazily.
//
// V8 offers this (the code cache of Chrome) to JavaScript only through its
// test functions %SerializeWasmModule and %DeserializeWasmModule, so the
// cache is used only on the V8 version it was tested and measured with,
// Node 20's. On Node 24 (V8 13.6) it works but does not pay: loading the
// file cost `-e 1` 4 ms of CPU, and V8 13.6 inlines calls into the loop by
// the counts Liftoff's code collected, so the cached loop carries the
// inlining of the run that saved it (a fib run's made objects 6% slower).
// V8 rejects a file made by another V8 version, with other V8 flags or for
// another CPU; the file's name holds the module's build id (a hash of its
// bytes, tools/wasm_build_id.mjs), the V8 version and the architecture, and
// a header of ours holds the length and a checksum of the code: V8 checks
// its own header but not the machine code after it, so a file cut short or
// changed on disk would otherwise be run as it is.
// Files are written whole under a temporary name, then renamed; the
// directory keeps the newest eight.
//
// Where: $LYNG_CODE_CACHE (a directory), else $XDG_CACHE_HOME/lyng, else
// ~/.cache/lyng; LYNG_CODE_CACHE=off turns the cache off.

const SECTION_NAME = 'lyng.build';
const MAGIC = 'lyngv8c2';
const HEADER = MAGIC.length + 8; // then the code's length and checksum
// The V8 version whose test functions behave as used here (Node 20); Node
// 24's do too (13.6), but the cache slowed it (above).
const TESTED_V8 = /^11\.3\./;

// FNV-1a over the code's 32-bit words (and its last bytes): a fraction of a
// millisecond for the cache's 60-130 KB, where a cryptographic hash would
// first load node:crypto. It guards against damage, not against someone who
// can write the user's cache directory (who could change ~/.profile too).
export function checksum(code) {
  if (code.byteOffset & 3) code = code.slice();
  const words = new Int32Array(code.buffer, code.byteOffset, code.length >> 2);
  let h = 0x811c9dc5 ^ code.length;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  for (let i = words.length << 2; i < code.length; i++) h = Math.imul(h ^ code[i], 0x01000193);
  return h >>> 0;
}

// The build id of tools/wasm_build_id.mjs (hex), or null.
export function buildId(bytes) {
  if (bytes.length < 12 || bytes[8] !== 0) return null;
  let at = 9;
  while (bytes[at] & 0x80) at++; // the section's size
  const nameLen = bytes[++at];
  const name = new TextDecoder().decode(bytes.subarray(at + 1, at + 1 + nameLen));
  if (name !== SECTION_NAME) return null;
  at += 1 + nameLen;
  return Buffer.from(bytes.subarray(at, at + 16)).toString('hex');
}

function cacheDir(env) {
  const dir = env.LYNG_CODE_CACHE;
  if (dir === 'off') return null;
  if (dir) return dir;
  if (env.XDG_CACHE_HOME) return `${env.XDG_CACHE_HOME}/lyng`;
  return env.HOME ? `${env.HOME}/.cache/lyng` : null;
}

// The test functions, compiled once --allow-natives-syntax is on (cli.mjs
// sets it before anything is compiled); null where they are not to be used.
function natives() {
  if (!TESTED_V8.test(process.versions.v8)) return null;
  try {
    return {
      serialize: new Function('m', 'return %SerializeWasmModule(m)'),
      deserialize: new Function('data', 'wire', 'return %DeserializeWasmModule(data, wire)'),
      // Whether an exported function runs TurboFan's code.
      optimized: new Function('f', 'return %IsTurboFanFunction(f)'),
    };
  } catch {
    return null; // the flag is off
  }
}

// Files of builds and Node versions gone by are never read again: the
// newest few are kept (written anew when used again).
const KEEP = 8;

function prune(fs, dir) {
  const ours = fs.readdirSync(dir).filter((f) => /^lyng-cli-.*\.bin$/.test(f))
    .map((f) => ({ f, t: fs.statSync(`${dir}/${f}`).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of ours.slice(KEEP)) fs.rmSync(`${dir}/${f}`, { force: true });
}

// The command line's module: { module, save(exports) }, the module loaded
// from the cache if it holds a usable one, else compiled from `bytes`
// (lyng-cli.wasm). save, called at the end of a run that went well, writes
// the cache if the module holds more optimized code than was loaded and
// the run loop (which lyng-cli.wasm exports for this question alone) has
// TurboFan's code by now (a run too short for that has nothing worth
// keeping, and a module without any TurboFan code would be a fatal error
// for V8's serializer) and the parser does not.
export function openCodeCache(bytes, fs, env = process.env) {
  const compile = () => new WebAssembly.Module(bytes);
  const id = buildId(bytes);
  const dir = cacheDir(env);
  const v8 = id && dir ? natives() : null;
  if (!v8) return { module: compile(), save() {} };
  const file = `${dir}/lyng-cli-${id}-v8-${process.versions.v8}-${process.arch}.bin`;
  // The loaded file's length: a run that optimized more functions than it
  // held (another workload's) writes the module again, so the file comes
  // to hold the optimized code of every kind of script run, where the first
  // run's alone would leave string building or a collector running
  // baseline code on every later run.
  let loaded = 0;
  let module = null;
  try {
    const data = fs.readFileSync(file);
    const length = data.readUInt32LE(MAGIC.length);
    if (data.toString('latin1', 0, MAGIC.length) === MAGIC && data.length === HEADER + length) {
      const code = new Uint8Array(length);
      code.set(data.subarray(HEADER));
      if (checksum(code) === data.readUInt32LE(MAGIC.length + 4)) {
        const wire = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
        module = v8.deserialize(code.buffer, wire) ?? null;
        if (module) loaded = length;
      }
    }
  } catch { /* no file, or not ours */ }
  module ??= compile();
  return {
    module,
    save(exports) {
      try {
        if (!exports.vm_run_fiber || v8.optimized(exports.vm_run_fiber) !== true) return;
        // The parser optimized (by a script of a megabyte or more) takes
        // more of V8's native stack than its baseline code, and brackets
        // nested as deep as the language allows (LYNG_MAX_NESTING) then
        // overflow it: such a module is not kept, whatever else it holds.
        if (!exports.parse_prec || v8.optimized(exports.parse_prec) !== false) return;
        // Serializing copies the optimized code only (0.1 ms for 100 KB);
        // V8 never drops a function's optimized code, so more bytes than
        // were loaded means functions optimized by this run.
        const code = new Uint8Array(v8.serialize(module));
        if (code.length <= loaded) return;
        const header = Buffer.alloc(HEADER);
        header.write(MAGIC, 'latin1');
        header.writeUInt32LE(code.length, MAGIC.length);
        header.writeUInt32LE(checksum(code), MAGIC.length + 4);
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        try {
          fs.writeFileSync(tmp, Buffer.concat([header, code]));
          fs.renameSync(tmp, file);
        } finally {
          fs.rmSync(tmp, { force: true });
        }
        prune(fs, dir);
      } catch { /* a read-only or full disk: no cache */ }
    },
  };
}
