#!/usr/bin/env node
// upstream_check.mjs - how much of upstream Lyng's own examples run here.
//
//   node tools/upstream_check.mjs UPSTREAM [--cmd BIN]... [--all-tests] [--verbose] [--only SUBSTR]
//
// UPSTREAM is a checkout of sergeych/lyng: a work tree, or a git directory
// (bare or mirror; files are read with `git show HEAD:path`). Two sets are
// measured, each file by file, on every --cmd (default build/native/lyng and
// bin/lyng):
//   - docs/*.md: each `>>>` block, run as its own one-block Markdown file by
//     `BIN --doctest` (so the same comparison rules as our own doc tests);
//   - lynglib/src/commonTest/kotlin/*.kt (with --all-tests also its
//     subdirectories): every Lyng snippet passed to `eval("""...""")` whose
//     result the Kotlin test does not inspect and that is not expected to
//     fail, and whose test function does not first give the scope values of
//     its own (addConst, addFn...); it passes when the script exits with
//     status 0 (the snippets check themselves with assert/assertEquals).
//     Snippets evaluated in one
//     test function on a shared scope (`scope.eval(...)`) run as one script.
// A block or snippet gets 20 s. Nothing here is part of `make test`.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const cmds = [];
let root = null, allTests = false, verbose = false, only = null, jobs = 2;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--cmd') cmds.push(args[++i]);
  else if (a === '--all-tests') allTests = true;
  else if (a === '--verbose') verbose = true;
  else if (a === '--only') only = args[++i];
  else if (a === '--jobs') jobs = Number(args[++i]) || 2;
  else if (!root) root = a;
  else { console.error(`unexpected argument ${a}`); process.exit(2); }
}
if (!root) {
  console.error('usage: node tools/upstream_check.mjs UPSTREAM [--cmd BIN]... [--all-tests] [--verbose] [--only SUBSTR] [--jobs N]');
  process.exit(2);
}
if (cmds.length === 0) cmds.push('build/native/lyng', 'bin/lyng');

// ---- reading the checkout: a work tree or a git directory ----
const isWorkTree = existsSync(join(root, 'docs')) && statSync(join(root, 'docs')).isDirectory();
function listFiles(dir, recursive) {
  if (isWorkTree) {
    const out = [];
    const walk = (d) => {
      for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory()) { if (recursive) walk(p); } else out.push(p);
      }
    };
    if (existsSync(join(root, dir))) walk(dir);
    return out.sort();
  }
  const out = execFileSync('git', ['--git-dir', root, 'ls-tree', '-r', '--name-only', 'HEAD', `${dir}/`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return out.split('\n').filter((p) => p && (recursive || !p.slice(dir.length + 1).includes('/'))).sort();
}
function readText(path) {
  if (isWorkTree) return readFileSync(join(root, path), 'utf8');
  return execFileSync('git', ['--git-dir', root, 'show', `HEAD:${path}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

// ---- doc blocks: the same block rules as src/cli/doctest.c ----
function docBlocks(md) {
  const lines = md.split('\n');
  const blocks = [];
  let fence = null, cur = null, prevBlank = true;
  // Upstream writes several examples in one indented block: code, its
  // `>>>` lines, then the next example's code. Each becomes its own block.
  const isExp = (l) => /^>>>( |$)/.test(l.replace(/^( {4}|\t)/, ''));
  const flush = () => {
    if (cur) {
      let start = cur.line, part = [], seenExp = false;
      const emit = () => {
        while (part.length && part[part.length - 1].trim() === '') part.pop();
        if (part.some(isExp)) blocks.push({ line: start, lines: part });
      };
      cur.lines.forEach((l, k) => {
        if (seenExp && !isExp(l) && l.trim() !== '') { emit(); start = cur.line + k; part = []; seenExp = false; }
        if (part.length === 0 && l.trim() === '') { start++; return; }
        part.push(l);
        if (isExp(l)) seenExp = true;
      });
      emit();
    }
    cur = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(l);
    if (fence) { if (f && f[1][0] === fence[0] && f[1].length >= fence.length) fence = null; prevBlank = false; continue; }
    if (f && !cur) { fence = f[1]; continue; }
    const indented = /^( {4}|\t)/.test(l);
    if (cur) {
      if (indented || l.trim() === '') { cur.lines.push(l); continue; }
      flush();
    } else if (indented && prevBlank) {
      cur = { line: i + 1, lines: [l] };
      continue;
    }
    prevBlank = l.trim() === '';
  }
  flush();
  return blocks;
}

// ---- Kotlin test snippets ----
// Walks the Kotlin text keeping a stack of open braces (with the text in
// front of each), skipping strings, so an eval can be placed: which test
// function holds it, and whether an assertFails/assertThrows encloses it.
function ktSnippets(src) {
  const out = [];
  const stack = [];
  let i = 0, lastStmt = 0, fn = '', fnStart = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); if (i < 0) break; continue; }
    if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2); if (i < 0) break; i += 2; continue; }
    if (c === '"' && src.startsWith('"""', i)) {
      const end = src.indexOf('"""', i + 3);
      if (end < 0) break;
      let e = end + 3;
      while (src[e] === '"') e++;
      const body = src.slice(i + 3, e - 3);
      const before = src.slice(lastStmt, i);
      const m = /(?:^|[^\w.])(?:([\w.]+)\.)?eval\(\s*$/.exec(before);
      if (m) {
        const pre = before.slice(0, m.index + (m[0][0] === '(' || /\w/.test(m[0][0]) ? 0 : 1));
        // statement-level: nothing but whitespace, `{`, `=`-less context before it
        const statement = /^[\s{;]*$/.test(pre) || /(runTest|=\s*runTest)\s*\{\s*$/.test(pre) || /->\s*$/.test(pre);
        const failing = stack.some((s) => /assertFails|assertThrows|assertFailsWith|expectFail|shouldThrow|assertNull|assertTrue|assertFalse|assertEquals|assertIs|catch|try/.test(s.label));
        const tail = src.slice(e, e + 40);
        const simpleEnd = /^\s*(\.trimIndent\(\))?\s*\)/.test(tail);
        // a snippet that uses what the Kotlin test put into its scope is not self-contained
        const hosted = /\.(addConst|addFn|addVoidFn|addItem|addPackage|addTextPackages|bind\w*)\(|importManager|ObjTest/.test(src.slice(fnStart, i));
        out.push({ fn, receiver: m[1] || '', body, ok: statement && !failing && simpleEnd && !hosted, line: src.slice(0, i).split('\n').length });
      }
      i = e;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && src[i] !== '"' && src[i] !== '\n') { if (src[i] === '\\') i++; i++; }
      i++;
      continue;
    }
    if (c === "'") {
      const m = /^'(\\.[^']*|[^'\\])'/.exec(src.slice(i, i + 12));
      i += m ? m[0].length : 1;
      continue;
    }
    if (c === '{') {
      const label = src.slice(Math.max(lastStmt, i - 200), i);
      const fm = /fun\s+`?([\w ]+?)`?\s*\(/.exec(label);
      if (fm && stack.length <= 1) { fn = fm[1]; fnStart = i; }
      stack.push({ label });
      i++; lastStmt = i;
      continue;
    }
    if (c === '}') { stack.pop(); i++; lastStmt = i; continue; }
    if (c === ';' || c === '\n') { if (c === ';' || !/[,(=+\-*/&|.]\s*$/.test(src.slice(lastStmt, i))) lastStmt = i + 1; i++; continue; }
    i++;
  }
  return out;
}

function trimIndent(s) {
  const lines = s.split('\n');
  while (lines.length && lines[0].trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const ind = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)[0].length));
  return lines.map((l) => l.slice(Number.isFinite(ind) ? ind : 0)).join('\n') + '\n';
}
// Kotlin raw-string templates: ${'$'} and ${"$"} are a dollar sign; any other
// $name or ${...} is filled in by Kotlin, so such a snippet cannot run alone.
function kotlinRaw(s) {
  const t = s.replace(/\$\{'\$'\}|\$\{"\$"\}/g, '\u0000');
  if (/\$[\w{]/.test(t)) return null;
  return t.replace(/\u0000/g, '$');
}

function testUnits(path, src) {
  const units = [];
  const shared = new Map();
  const snippets = ktSnippets(src);
  // a scope some of whose evals are expected to fail (or are not
  // runnable) is left out as a whole: the rest depends on them
  const spoiled = new Set(snippets.filter((s) => s.receiver && !s.ok).map((s) => `${s.fn}|${s.receiver}`));
  for (const s of snippets) {
    if (!s.ok || (s.receiver && spoiled.has(`${s.fn}|${s.receiver}`))) continue;
    const body = kotlinRaw(s.body);
    if (body === null) continue;
    const text = trimIndent(body);
    if (s.receiver && !/^(net\.sergeych\.lyng)$/.test(s.receiver)) {
      const key = `${s.fn}|${s.receiver}`;
      if (shared.has(key)) { shared.get(key).text += text; continue; }
      const u = { name: `${path}:${s.line}`, text };
      shared.set(key, u);
      units.push(u);
    } else units.push({ name: `${path}:${s.line}`, text });
  }
  return units;
}

// ---- running ----
const tmp = mkdtempSync(join(tmpdir(), 'lyng-upstream-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
function run(cmd, argv, ms = 20000) {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { if (out.length < 1 << 16) out += d; });
    p.stderr.on('data', (d) => { if (out.length < 1 << 16) out += d; });
    const t = setTimeout(() => { out += '\n(timed out)'; p.kill('SIGKILL'); }, ms);
    p.on('close', (code) => { clearTimeout(t); resolve({ code, out }); });
    p.on('error', (e) => { clearTimeout(t); resolve({ code: -1, out: String(e) }); });
  });
}
async function pool(items, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) { const k = next++; await fn(items[k], k); } };
  await Promise.all(Array.from({ length: jobs }, worker));
}

const docFiles = listFiles('docs', true).filter((p) => p.endsWith('.md'));
const testFiles = listFiles('lynglib/src/commonTest/kotlin', allTests).filter((p) => p.endsWith('.kt'));
const work = [];
for (const p of docFiles) {
  if (only && !p.includes(only)) continue;
  for (const b of docBlocks(readText(p))) {
    const md = '\n'.repeat(b.line - 1) + b.lines.join('\n') + '\n';
    work.push({ set: 'docs', file: p, name: `${p}:${b.line}`, kind: 'md', text: md });
  }
}
for (const p of testFiles) {
  if (only && !p.includes(only)) continue;
  for (const u of testUnits(p, readText(p))) work.push({ set: 'tests', file: p, name: u.name, kind: 'lyng', text: u.text });
}

const results = {}; // cmd -> set -> file -> [pass, total]
for (const cmd of cmds) {
  results[cmd] = { docs: {}, tests: {} };
  await pool(work, async (w) => {
    // each in a folder of its own: the command line looks for modules beside a script
    const dir = join(tmp, `u${seq++}`);
    mkdirSync(dir);
    const f = join(dir, `snippet.${w.kind === 'md' ? 'md' : 'lyng'}`);
    writeFileSync(f, w.text);
    const r = w.kind === 'md' ? await run(cmd, ['--doctest', f]) : await run(cmd, [f]);
    const ok = r.code === 0;
    const bucket = (results[cmd][w.set][w.file] ??= [0, 0]);
    bucket[1]++;
    if (ok) bucket[0]++;
    else if (verbose) console.log(`FAIL ${cmd} ${w.name}\n${r.out.replaceAll(f, w.name).split('\n').slice(0, 12).map((l) => '    ' + l).join('\n')}`);
  });
}

const pct = (p, t) => (t ? ((100 * p) / t).toFixed(1) : '-');
for (const cmd of cmds) {
  console.log(`\n== ${cmd}`);
  for (const set of ['docs', 'tests']) {
    let P = 0, T = 0;
    console.log(`  ${set === 'docs' ? 'doc examples' : 'unit-test snippets'}:`);
    for (const [file, [p, t]] of Object.entries(results[cmd][set]).sort()) {
      console.log(`    ${file.replace('lynglib/src/commonTest/kotlin/', '').padEnd(44)} ${String(p).padStart(4)}/${String(t).padEnd(4)} ${pct(p, t).padStart(5)}%`);
      P += p; T += t;
    }
    console.log(`    ${'total'.padEnd(44)} ${String(P).padStart(4)}/${String(T).padEnd(4)} ${pct(P, T).padStart(5)}%`);
  }
}
