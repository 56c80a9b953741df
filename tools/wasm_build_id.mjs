// tools/wasm_build_id.mjs - gives a wasm module its build id: a custom
// section named "lyng.build" placed first (right after the 8-byte header),
// holding the first 16 bytes of the SHA-256 of the module without it.
// bin/lyng keys its cache of V8's compiled code by this id
// (js-shim/code_cache.mjs), which it then reads in a few bytes instead of
// hashing 400 KiB at every start. The id only depends on the module's
// bytes, so the build stays reproducible; running the tool again on its
// own output replaces the section with the same one.
//
//   node tools/wasm_build_id.mjs FILE.wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

export const SECTION_NAME = 'lyng.build';
export const ID_BYTES = 16;

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

function readUleb(bytes, at) {
  let n = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    n += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [n, at];
  }
}

// The module's bytes without a leading build-id section (if it has one).
export function withoutBuildId(bytes) {
  if (bytes[8] !== 0) return bytes;
  const [size, body] = readUleb(bytes, 9);
  const [nameLen, name] = readUleb(bytes, body);
  if (Buffer.from(bytes.subarray(name, name + nameLen)).toString() !== SECTION_NAME) return bytes;
  return Buffer.concat([bytes.subarray(0, 8), bytes.subarray(body + size)]);
}

export function buildId(bytes) {
  return createHash('sha256').update(withoutBuildId(bytes)).digest().subarray(0, ID_BYTES);
}

export function addBuildId(bytes) {
  const plain = withoutBuildId(bytes);
  const name = Buffer.from(SECTION_NAME);
  const payload = Buffer.concat([Buffer.from(uleb(name.length)), name, buildId(plain)]);
  const section = Buffer.concat([Buffer.from([0, ...uleb(payload.length)]), payload]);
  return Buffer.concat([plain.subarray(0, 8), section, plain.subarray(8)]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  writeFileSync(file, addBuildId(readFileSync(file)));
}
