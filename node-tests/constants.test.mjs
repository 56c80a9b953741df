// constants.test.mjs - the numbers C and JavaScript share come from one list
// (src/include/lyng_constants.h): the generated build/js/constants.mjs holds
// every entry of the header, no JavaScript file spells one of them again,
// and a status crossing the wasm boundary reads on the C side as the name
// JavaScript meant.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';

import { createLyng } from '../js-shim/index.mjs';
import { ROOT } from './helpers.mjs';

const constants = await import('../build/js/constants.mjs');
const header = readFileSync(join(ROOT, 'src/include/lyng_constants.h'), 'utf8');

// The X(NAME, VALUE...) entries of one map in the header.
function entries(map) {
  const start = header.indexOf(`#define ${map}(X)`);
  assert.ok(start >= 0, `${map} is in the header`);
  const end = header.indexOf('\n\n', start);
  const body = header.slice(start, end === -1 ? undefined : end);
  return Object.fromEntries([...body.matchAll(/\bX\(\s*([A-Z_0-9]+)\s*,\s*(-?\d+)/g)].map(([, n, v]) => [n, Number(v)]));
}

test('the generated module holds every entry of the header', () => {
  const maps = { Status: 'LYNG_STATUS_MAP', HostError: 'LYNG_HOST_ERROR_MAP', HostCap: 'LYNG_HOST_CAP_MAP',
    ValueTag: 'LYNG_VALUE_TAG_MAP', JsHost: 'LYNG_JS_HOST_MAP', CliStep: 'LYNG_CLI_STEP_MAP',
    ReplStep: 'LYNG_REPL_STEP_MAP' };
  for (const [name, map] of Object.entries(maps)) {
    const fromHeader = entries(map);
    assert.ok(Object.keys(fromHeader).length > 0, `${map} has entries`);
    assert.deepEqual({ ...constants[name] }, fromHeader, `${name} matches ${map}`);
  }
});

test('no JavaScript file writes a shared number by hand', () => {
  const files = [
    ...readdirSync(join(ROOT, 'js-shim')).filter((f) => f.endsWith('.mjs')).map((f) => join('js-shim', f)),
    ...readdirSync(join(ROOT, 'playground')).filter((f) => f.endsWith('.mjs')).map((f) => join('playground', f)),
    'bin/lyng',
  ];
  const patterns = [
    [/\bE[A-Z_]+\s*:\s*-\d+/, 'an error code in an object literal'],
    [/complete\([^)]*,\s*-\d+\s*,/, 'a negative completion status'],
    [/\b(LYNG|HOST|CLI|REPL)_[A-Z_]+\s*=\s*-?\d+/, 'a constant named as in C'],
    [/\bstatus\s*[!=]==?\s*-?[1-9]/, 'a status compared with a number'],
    [/\bconst\s+[A-Z_]+\s*=\s*-\d+/, 'a negative constant (an answer to C)'],
  ];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [re, what] of patterns) assert.ok(!re.test(text), `${file} has ${what}: ${text.match(re)?.[0]}`);
  }
});

test('a refused connection on Node reads ECONNREFUSED in Lyng', async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve)); // nothing listens there now
  const lyng = await createLyng({ stdout: () => {}, net: { allow: ['127.0.0.1'] } });
  try {
    const message = await lyng.evaluate(`
      import lyng.io.net
      try { Net.tcpConnect("127.0.0.1", ${port}); "connected" } catch (e) { e.message }`);
    // node_net.mjs completes with HostError.ECONNREFUSED; C names the number
    assert.match(message, /failed: ECONNREFUSED$/);
  } finally {
    lyng.close();
  }
});
