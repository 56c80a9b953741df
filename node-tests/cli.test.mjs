// cli.test.mjs - the `lyng` command line on Node (bin/lyng running the C
// command line in wasm): options, ARGV, exit codes, doc tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hasNative, lyng, NATIVE_LYNG, tempFiles } from './helpers.mjs';

test('-p prints inspect() of the final value after the output', () => {
  const r = lyng(['-p', '-e', 'println("out"); [1 + 2, "a" + "b"]']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'out\n[3,ab]\n');
  assert.equal(r.code, 0);
});

test('without -p the final value is not printed', () => {
  const r = lyng(['-e', 'println("only this"); 42']);
  assert.equal(r.stdout, 'only this\n');
  assert.equal(r.code, 0);
});

test('-x, -e, --execute and --execute= all run code', () => {
  for (const args of [['-x', '6 * 7'], ['-e', '6 * 7'], ['--execute', '6 * 7'], ['--execute=6 * 7']]) {
    const r = lyng(['-p', ...args]);
    assert.equal(r.stdout, '42\n', args.join(' '));
    assert.equal(r.code, 0, args.join(' '));
  }
});

test('exit code 1 and the exception on stderr for an uncaught exception', () => {
  const r = lyng(['-e', 'println("before"); throw IllegalStateException("boom")']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'before\n');
  assert.match(r.stderr.split('\n')[0], /^IllegalStateException: boom/);
});

test('exit code 2 for a compile error, with line and column', () => {
  const r = lyng(['-e', 'val x = (1 +']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /:1:\d+/);
  assert.equal(r.stdout, '');
});

test('exit code 2 for usage errors', () => {
  assert.equal(lyng(['--no-such-option']).code, 2);
  assert.equal(lyng(['-e']).code, 2);
  assert.equal(lyng(['-D', 'not an assignment', '-e', '1']).code, 2);
  assert.equal(lyng(['--doctest']).code, 2);
});

test('exit(n) becomes the process exit code', () => {
  const r = lyng(['-e', 'println("bye"); exit(3)']);
  assert.equal(r.stdout, 'bye\n');
  assert.equal(r.code, 3);
});

test('a missing script file is reported', () => {
  const r = lyng(['no-such-file.lyng']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no-such-file\.lyng/);
});

test('files that cannot be read are reported as the native binary reports them', () => {
  // a directory opens but cannot be read; a missing file does not open
  const dir = tempFiles({ 'ok.lyng': 'println("ok")' });
  const cases = [[dir, /^lyng: cannot read '.*': Is a directory\n$/], [join(dir, 'none.lyng'), /^lyng: cannot open '.*none\.lyng': No such file or directory\n$/]];
  for (const [path, expected] of cases) {
    const r = lyng([path]);
    assert.match(r.stderr, expected);
    assert.equal(r.code, 2);
    if (hasNative) assert.deepEqual(r, lyng([path], { cmd: NATIVE_LYNG }));
  }
});

test('-D defines an Int when the value is one, else a String', () => {
  const r = lyng(['-D', 'N=5', '-DS=abc', '-D', 'M=-12', '-D', 'R=1.5', '-p', '-e',
    '[N::class.name, S::class.name, M::class.name, R::class.name, N + 1, S + 1, M]']);
  assert.equal(r.stdout, '[Int,String,Int,String,6,abc1,-12]\n');
  assert.equal(r.code, 0);
});

test('ARGV holds the arguments after the code or the script', () => {
  assert.equal(lyng(['-p', '-e', 'ARGV', 'a', 'b c']).stdout, '[a,b c]\n');
  assert.equal(lyng(['-p', '-e', 'ARGV']).stdout, '[]\n');
  const dir = tempFiles({ 'args.lyng': 'println(ARGV.size)\nARGV' });
  const r = lyng(['-p', 'args.lyng', 'x', '-y', '--z'], { cwd: dir });
  assert.equal(r.stdout, '3\n[x,-y,--z]\n');
});

test('-- stops option parsing, so a script name may start with a dash', () => {
  const dir = tempFiles({ '-odd-name.lyng': 'println("odd " + ARGV)' });
  const r = lyng(['--', '-odd-name.lyng', 'q'], { cwd: dir });
  assert.equal(r.stdout, 'odd [q]\n');
  assert.equal(r.code, 0);
});

test('a #! first line is ignored', () => {
  const dir = tempFiles({ 'tool.lyng': '#!/usr/bin/env lyng\nprintln("shebang ok")\n' });
  const r = lyng([join(dir, 'tool.lyng')]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'shebang ok\n');
  assert.equal(r.code, 0);
});

test('relative and absolute script paths both work', () => {
  const dir = tempFiles({ 'rel.lyng': 'println("found")' });
  assert.equal(lyng(['rel.lyng'], { cwd: dir }).stdout, 'found\n');
  assert.equal(lyng([join(dir, 'rel.lyng')]).stdout, 'found\n');
});

test('a script is read from stdin when it is not a terminal', () => {
  const r = lyng([], { input: 'println(40 + 2)\n' });
  assert.equal(r.stdout, '42\n');
  assert.equal(r.code, 0);
});

test('timers: delay() suspends and resumes the script', () => {
  const r = lyng(['-p', '-e', 'val d = launch { delay(30); "late" }\nprintln("first")\nd.await()']);
  assert.equal(r.stdout, 'first\n"late"\n');
  assert.equal(r.code, 0);
});

const DOC = `# Examples

Passing blocks:

    1 + 2
    >>> 3

Some text.

    println("hi")
    "x"
    >>> hi
    >>> "x"

A failing block:

    2 * 2
    >>> 5
`;

test('--doctest reports counts and exits 1 when a block fails', () => {
  const dir = tempFiles({ 'doc.md': DOC });
  const r = lyng(['--doctest', 'doc.md'], { cwd: dir });
  assert.match(r.stdout.trimEnd().split('\n').at(-1), /^2 passed, 1 failed$/);
  assert.match(r.stdout + r.stderr, /doc\.md/);
  assert.equal(r.code, 1);
});

test('--doctest exits 0 when every block passes, across several files', () => {
  const ok = DOC.slice(0, DOC.indexOf('A failing block'));
  const dir = tempFiles({ 'a.md': ok, 'b.md': ok });
  const r = lyng(['--doctest', 'a.md', 'b.md'], { cwd: dir });
  assert.match(r.stdout.trimEnd().split('\n').at(-1), /^4 passed, 0 failed$/);
  assert.equal(r.code, 0);
});

test('--help and --version', () => {
  const h = lyng(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /usage: lyng/);
  assert.match(h.stdout, /--doctest/);
  const v = lyng(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^lyng \d+\.\d+\.\d+/);
});

test('no ExperimentalWarning or other Node noise on stderr', () => {
  const r = lyng(['-e', '1']);
  assert.equal(r.stderr, '');
});

test('printing after the heap has grown large works on Node', () => {
  // node:wasi's own fd_write crashed the process once linear memory grew
  const r = lyng(['-e', 'var parts = []; for (i in 0..<1500000) parts.add(i); val n = parts.size; parts = null; println(n)']);
  assert.equal(r.signal, null);
  assert.equal(r.stdout, '1500000\n');
  assert.equal(r.code, 0);
});
