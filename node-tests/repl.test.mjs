// repl.test.mjs - the interactive REPL (src/cli/repl.c) in a real terminal:
// tmux runs it, types keys and reads the screen. The same tests run the
// native binary (libedit) and bin/lyng (Node's readline): multi-line input,
// arrows and history (kept across sessions), Ctrl-C stopping a statement
// while the session keeps its state, and a coroutine that runs on between
// prompts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { hasNative, NATIVE_LYNG, NODE_LYNG } from './helpers.mjs';

const SOCKET = `lyng-repl-test-${process.pid}`; // a private tmux server
const tmux = (...args) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const home = mkdtempSync(join(tmpdir(), 'lyng-repl-'));
after(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  rmSync(home, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function screen(name) {
  return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', name);
}

// Waits until the screen matches; fails with the screen after 45 s (a
// loaded machine can take seconds to start Node and compile the wasm).
async function waitFor(name, re, what) {
  for (const end = Date.now() + 45_000; Date.now() < end;) {
    const s = screen(name);
    if (re.test(s)) return s;
    await sleep(50);
  }
  assert.fail(`${what}: ${re} never appeared; the screen:\n${screen(name)}`);
}

const count = (s, re) => (s.match(new RegExp(re.source, re.flags.replace('g', '') + 'g')) ?? []).length;

function start(name, cmd, history) {
  tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '50',
    `env HOME=${home} LYNG_HISTORY=${history} ${cmd}; echo "[exit $?]"; sleep 60`);
}

const keys = (name, ...k) => tmux('send-keys', '-t', name, ...k);
const line = (name, text) => { keys(name, '-l', text); keys(name, 'Enter'); };

const commands = [['native', NATIVE_LYNG, hasNative], ['node', NODE_LYNG, true]];

for (const [label, cmd, present] of commands) {
  describe(`REPL (${label})`, { skip: !present && 'not built' }, () => {
    const history = join(home, `history-${label}`);

    test('editing, history, multi-line input, Ctrl-C and a background coroutine', async () => {
      const s = `${label}-1`;
      start(s, cmd, history);
      await waitFor(s, /Lyng \S+\. Type :help for help/, 'the banner');
      await waitFor(s, /lyng> $/m, 'the prompt');

      // an input the compiler sees ending early asks for more
      line(s, 'val x =');
      await waitFor(s, /^\.\.\.\.> $/m, 'the continuation prompt');
      line(s, '41 + 1');
      await waitFor(s, /^42$/m, 'the value of a multi-line input');

      // declarations echo what they declare
      line(s, 'fun twice(n) { n * 2 }');
      await waitFor(s, /^fun twice$/m, 'the echo of a declaration');

      // the arrows edit the line: "x - 2", cursor left once, "1" -> x - 12
      keys(s, '-l', 'x - 2');
      keys(s, 'Left');
      keys(s, '-l', '1');
      keys(s, 'Enter');
      await waitFor(s, /^30$/m, 'an edited line');

      // the up arrow brings the last line back
      keys(s, 'Up');
      keys(s, 'Enter');
      await waitFor(s, /^30\n(.*\n)*30$/m, 'a line from the history');

      // Ctrl-C stops a running statement; the session keeps its state
      line(s, 'while (true) { }');
      await sleep(300);
      keys(s, 'C-c');
      await waitFor(s, /Exception: interrupted/, 'the interrupted statement');
      line(s, 'twice(x)');
      await waitFor(s, /^84$/m, 'state kept after Ctrl-C');

      // Ctrl-C at a continuation prompt drops the partial input
      line(s, 'listOf(1,');
      await waitFor(s, /^\.\.\.\.> $/m, 'the continuation prompt');
      const emptyPrompts = count(screen(s), /^lyng> *$/m);
      keys(s, 'C-c');
      // keys sent in the same instant as Ctrl-C may be read before the
      // interrupt is seen and dropped with the partial input; a user sees
      // the fresh prompt first
      for (const end = Date.now() + 45_000; count(screen(s), /^lyng> *$/m) === emptyPrompts && Date.now() < end;) await sleep(50);
      line(s, '"after"');
      await waitFor(s, /^"after"$/m, 'a fresh input after Ctrl-C');

      // a coroutine launched at the prompt runs on; the prompt answers meanwhile
      line(s, 'launch { delay(1500); println("tick " + x) }');
      line(s, '1 + 2');
      const before = await waitFor(s, /^3$/m, 'an answer while the coroutine waits');
      assert.equal(count(before, /^tick 42$/m), 0, 'the prompt did not wait for the coroutine');
      await waitFor(s, /^tick 42$/m, 'the coroutine printing between prompts');

      line(s, ':help');
      await waitFor(s, /Ctrl-C +stop the running input/, 'the help text');
      line(s, ':quit');
      await waitFor(s, /\[exit 0\]/, 'leaving with :quit');
    });

    test('history is kept across sessions', async () => {
      const s = `${label}-2`;
      start(s, cmd, history);
      await waitFor(s, /lyng> $/m, 'the prompt');
      assert.match(readFileSync(history, 'utf8'), /:quit/);
      keys(s, 'Up'); // the last line of the session before: ":quit"
      keys(s, 'Up');
      keys(s, 'Enter'); // ":help"
      await waitFor(s, /Ctrl-C +stop the running input/, 'a line of the last session');
      keys(s, 'C-d');
      await waitFor(s, /\[exit 0\]/, 'leaving with Ctrl-D');
    });
  });
}
