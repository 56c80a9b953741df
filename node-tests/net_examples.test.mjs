// net_examples.test.mjs - the four examples of docs/lyng.io.net.md, each
// saved as a file and run as a user would: `lyng --allow-net -D
// NET_TEST_TCP_PORT=<port> -p FILE` prints exactly the `>>>` line, on Node
// and natively; without --allow-net the same file exits 1 with a denial.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { NATIVE_LYNG, NODE_LYNG, ROOT, hasNative, lyng, tempFiles } from './helpers.mjs';

// Indented blocks whose last line is ">>> result".
function examples(markdown) {
  const lines = markdown.split('\n');
  const found = [];
  lines.forEach((line, i) => {
    const m = line.match(/^ {4}>>> (.*)$/);
    if (!m) return;
    let start = i;
    while (start > 0 && (lines[start - 1].startsWith('    ') || lines[start - 1] === '')) start--;
    while (lines[start] === '') start++;
    const source = lines.slice(start, i).map((l) => l.slice(4)).join('\n') + '\n';
    found.push({ line: start + 1, source, expected: m[1] });
  });
  return found;
}

const docs = examples(readFileSync(join(ROOT, 'docs', 'lyng.io.net.md'), 'utf8'));
let server;
let port;

before(async () => {
  server = net.createServer((sock) => {
    sock.on('data', (chunk) => sock.write(Buffer.concat([Buffer.from('reply:'), chunk])));
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => new Promise((r) => server.close(r)));

test('the guide has the four examples of the module documentation', () => {
  assert.equal(docs.length, 4);
});

const builds = [['bin/lyng', NODE_LYNG], ...(hasNative ? [['native', NATIVE_LYNG]] : [])];
for (const [buildName, cmd] of builds) {
  docs.forEach(({ line, source, expected }) => {
    test(`${buildName}: the example at docs/lyng.io.net.md:${line} prints ${expected}`, async () => {
      const dir = tempFiles({ 'example.lyng': source });
      const file = join(dir, 'example.lyng');
      // asynchronously: the reply server lives in this process
      const allowed = await lyngAsync(cmd, ['--allow-net', '-D', `NET_TEST_TCP_PORT=${port}`, '-p', file]);
      assert.equal(allowed.stderr, '');
      assert.equal(allowed.stdout, expected + '\n');
      assert.equal(allowed.code, 0);
      const denied = lyng(['-D', `NET_TEST_TCP_PORT=${port}`, '-p', file], { cmd });
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /network access denied: \w+\(127\.0\.0\.1, \d+\); run with --allow-net/);
    });
  });
}

// Runs a command line without blocking this process's event loop.
function lyngAsync(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
