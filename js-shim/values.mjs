// values.mjs - Lyng values as JavaScript values, through the byte format
// of src/include/lyng.h ("values as bytes"): results of evaluate(), globals,
// and the arguments and results of JS functions called from Lyng.
//
// Lyng -> JS: Int -> number, or BigInt beyond Number.MAX_SAFE_INTEGER;
// Real, String, Bool, null (void -> undefined); List -> Array; Map -> Map;
// Set -> Set; Buffer -> Uint8Array; an instance -> its toJsonObject() (or
// its public fields) as a plain object; anything else -> its inspect() text.
// JS -> Lyng: the reverse; a safe integer or a BigInt in the 64-bit range
// is an Int, any other finite number a Real (an integral Number beyond
// 2^53 is refused: it has lost its exact value); a plain object becomes a
// Map with String keys.

import { ValueTag as T } from '../build/js/constants.mjs';

const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function decodeValue(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => { const n = view.getUint32(at, true); at += 4; return n; };
  const read = () => {
    const tag = bytes[at++];
    switch (tag) {
      case T.NULL: return null;
      case T.VOID: return undefined;
      case T.FALSE: return false;
      case T.TRUE: return true;
      case T.INT: {
        const n = view.getBigInt64(at, true);
        at += 8;
        return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      case T.REAL: { const r = view.getFloat64(at, true); at += 8; return r; }
      case T.STRING: case T.OTHER: {
        const n = u32();
        const s = decoder.decode(bytes.subarray(at, at + n));
        at += n;
        return s;
      }
      case T.BUFFER: { const n = u32(); const b = bytes.slice(at, at + n); at += n; return b; }
      case T.LIST: { const n = u32(); const a = new Array(n); for (let i = 0; i < n; i++) a[i] = read(); return a; }
      case T.SET: { const n = u32(); const s = new Set(); for (let i = 0; i < n; i++) s.add(read()); return s; }
      case T.MAP: { const n = u32(); const m = new Map(); for (let i = 0; i < n; i++) { const k = read(); m.set(k, read()); } return m; }
      case T.OBJECT: { const n = u32(); const o = {}; for (let i = 0; i < n; i++) { const k = read(); o[k] = read(); } return o; }
      default: throw new Error(`lyng: unknown value tag ${tag}`);
    }
  };
  return read();
}

// Throws RangeError for a number that has no exact Lyng value and
// TypeError for what Lyng cannot hold (functions, symbols, cycles).
export function encodeValue(value, where = 'value') {
  const parts = [];
  let size = 0;
  const push = (u8) => { parts.push(u8); size += u8.length; };
  const tag = (t) => push(Uint8Array.of(t));
  const u32 = (n) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); push(b); };
  const text = (t, s) => { const b = encoder.encode(s); tag(t); u32(b.length); push(b); };
  const int = (n) => {
    if (n < INT_MIN || n > INT_MAX) throw new RangeError(`lyng: ${where}: ${n} is outside the range of Int (64 bits)`);
    const b = new Uint8Array(9);
    b[0] = T.INT;
    new DataView(b.buffer).setBigInt64(1, n, true);
    push(b);
  };
  const open = new Set();
  const write = (v) => {
    if (v === null) return tag(T.NULL);
    if (v === undefined) return tag(T.VOID);
    switch (typeof v) {
      case 'boolean': return tag(v ? T.TRUE : T.FALSE);
      case 'bigint': return int(v);
      case 'number': {
        if (Number.isInteger(v)) {
          if (!Number.isSafeInteger(v)) {
            throw new RangeError(`lyng: ${where}: ${v} is an integer beyond 2^53 that a Number cannot hold exactly; pass a BigInt`);
          }
          return int(BigInt(v));
        }
        const b = new Uint8Array(9);
        b[0] = T.REAL;
        new DataView(b.buffer).setFloat64(1, v, true);
        return push(b);
      }
      case 'string': return text(T.STRING, v);
      case 'object': break;
      default: throw new TypeError(`lyng: ${where}: a ${typeof v} has no Lyng value`);
    }
    if (v instanceof Uint8Array) { tag(T.BUFFER); u32(v.length); return push(v); }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      const b = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      tag(T.BUFFER); u32(b.length); return push(b);
    }
    if (open.has(v)) throw new TypeError(`lyng: ${where}: a value that contains itself has no Lyng value`);
    open.add(v);
    if (Array.isArray(v)) { tag(T.LIST); u32(v.length); for (const x of v) write(x); }
    else if (v instanceof Map) { tag(T.MAP); u32(v.size); for (const [k, x] of v) { write(k); write(x); } }
    else if (v instanceof Set) { tag(T.SET); u32(v.size); for (const x of v) write(x); }
    else {
      const keys = Object.keys(v);
      tag(T.OBJECT); u32(keys.length);
      for (const k of keys) { text(T.STRING, k); write(v[k]); }
    }
    open.delete(v);
  };
  write(value);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
