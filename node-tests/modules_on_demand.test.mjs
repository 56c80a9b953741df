// modules_on_demand.test.mjs - `lyng dir/x.lyng` reads only the files its
// imports name, when they run: unrelated files below dir (clashing names,
// wrong package lines, text that is not Lyng) change nothing, natively and
// on Node, and natively strace shows no directory listed and no other file
// opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_LYNG, NODE_LYNG, hasNative, lyng, tempFiles } from './helpers.mjs';

// A script beside a tree of junk: 200 folders that each clash with a file of
// the same module name, declare wrong packages or do not parse.
function scriptAmongJunk(script) {
  const dir = tempFiles({ 'x.lyng': script });
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'used.lyng'), 'package lib.used\nfun used() = "used"\n');
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(dir, `junk${i}`, 'deep'), { recursive: true });
    writeFileSync(join(dir, `junk${i}`, 'm.lyng'), `package elsewhere${i}\nval = (((\n`);
    writeFileSync(join(dir, `junk${i}.m.lyng`), 'package junk.m\n');
    writeFileSync(join(dir, `junk${i}`, 'deep', 'x.lyng'), 'not lyng }}}\n');
  }
  return dir;
}

const cmds = [['node', NODE_LYNG], ...(hasNative ? [['native', NATIVE_LYNG]] : [])];

for (const [label, cmd] of cmds) {
  test(`${label}: a script runs whatever lies beside it`, () => {
    const dir = scriptAmongJunk('println(1)\n');
    const r = lyng([join(dir, 'x.lyng')], { cmd });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '1\n');
    assert.equal(r.code, 0);
  });

  test(`${label}: an import finds its file among the junk when it runs`, () => {
    const dir = scriptAmongJunk('println("first")\nimport lib.used\nprintln(used())\nimport junk7.m\n');
    const r = lyng([join(dir, 'x.lyng')], { cmd });
    assert.equal(r.stdout, 'first\nused\n');
    assert.match(r.stderr, /^IllegalStateException: module 'junk7\.m': .*junk7\/m\.lyng declares package elsewhere7, but its place makes it junk7\.m/);
    assert.equal(r.code, 1);
  });
}

test('native: only the script and the imported file are opened, no folder is listed', { skip: !hasNative || spawnSync('strace', ['-V']).error ? 'needs the native build and strace' : false }, () => {
  const dir = scriptAmongJunk('import lib.used\nprintln(used())\n');
  const log = join(dir, 'trace.log');
  const r = spawnSync('strace', ['-f', '-o', log, '-e', 'trace=open,openat,getdents64,getdents', NATIVE_LYNG, join(dir, 'x.lyng')], { encoding: 'utf8' });
  assert.equal(r.stdout, 'used\n');
  const trace = readFileSync(log, 'utf8');
  assert.doesNotMatch(trace, /getdents/);
  const opened = [...trace.matchAll(/open(?:at)?\([^"]*"([^"]+)"/g)].map((m) => m[1]).filter((p) => p.startsWith(dir));
  assert.deepEqual(opened.sort(), [join(dir, 'lib', 'used.lyng'), join(dir, 'x.lyng')].sort());
});
