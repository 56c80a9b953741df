#!/usr/bin/env node
// tests/limit/run.mjs - walks every size limit of the compiler and the VM on
// both sides of its edge. The scripts are too big to keep in the repository,
// so each case generates its script into build/limit/ and says what it must
// print, or at which line and column it must fail to compile.
//
//   node tests/limit/run.mjs [--cmd "build/asan/lyng"]... [FILTER...]
//
// The limits themselves are named once, in src/lyng/limits.h; this file reads
// them from there. Everything else (constants, code size, members, fields,
// enum entries, arguments, literal sizes, locals, globals) has no limit but
// memory, and is checked well past any 16-bit encoding.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'build', 'limit');
const TIMEOUT_MS = 120_000;

function limit(name) {
  const h = readFileSync(join(ROOT, 'src/lyng/limits.h'), 'utf8');
  const m = h.match(new RegExp(`#define ${name} (\\d+)\\b`));
  if (!m) throw new Error(`${name} not found in src/lyng/limits.h`);
  return Number(m[1]);
}
const MAX_PARAMS = limit('LYNG_MAX_PARAMS');
const MAX_UPVALUES = limit('LYNG_MAX_UPVALUES');
const MAX_NESTING = limit('LYNG_MAX_NESTING');
const MAX_VALUE_DEPTH = limit('LYNG_MAX_VALUE_DEPTH');
const MAX_REGEX_REPEAT = limit('LYNG_MAX_REGEX_REPEAT');
const MAX_REGEX_GROUPS = limit('LYNG_MAX_REGEX_GROUPS');
const MAX_REGEX_NESTING = limit('LYNG_MAX_REGEX_NESTING');
const MAX_REGEX_PROGRAM = limit('LYNG_MAX_REGEX_PROGRAM');

const range = (n) => Array.from({ length: n }, (_, i) => i);
// k items a line, so that no line is huge and errors have a line to point at
const lines = (items, k = 10) => range(Math.ceil(items.length / k)).map((i) => items.slice(i * k, i * k + k).join(', ')).join(',\n');

const nestError = `brackets nested more than ${MAX_NESTING} levels deep`;

// Each case: a script, and either the lines it prints (out) or a compile
// error (err: text, line, col) that the first stderr line must show as
// "FILE:LINE:COL: syntax error: TEXT".
const cases = {
  // ---- no limit but memory ----
  many_constants: () => ({
    src: `val xs = [\n${lines(range(70000).map((i) => `"s${i}"`))}\n]\nprintln(xs.size)\nprintln(xs[69999])\n`,
    out: ['70000', 's69999'],
  }),
  many_constants_in_function: () => ({
    src: `fun f() {\n  val xs = [\n${lines(range(70000).map((i) => `${i}.5`))}\n  ]\n  return xs[69999]\n}\nprintln(f())\n`,
    out: ['69999.5'],
  }),
  long_script: () => ({
    src: `var x = 0\n${range(70000).map((i) => `x += ${i % 7}`).join('\n')}\nprintln(x)\n`,
    out: [String(range(70000).reduce((s, i) => s + (i % 7), 0))],
  }),
  long_jumps: () => ({
    // a forward jump over, and a loop back-edge across, 40,000 statements
    src: `var x = 0\nvar i = 0\nwhile (i < 3) {\n  i++\n  if (i == 2) continue\n${range(40000).map(() => '  x++').join('\n')}\n}\nprintln(x)\n`,
    out: ['80000'],
  }),
  many_methods_300: () => ({
    src: `class C {\n${range(300).map((i) => `  fun m${i}() = ${i}`).join('\n')}\n}\nprintln(C().m299() + C().m0())\n`,
    out: ['299'],
  }),
  many_methods: () => ({
    src: `class C {\n${range(70000).map((i) => `  fun m${i}() = ${i}`).join("\n")}\n  fun all() = m69999() + m17()\n}\nprintln(C().all())\n`,
    out: ["70016"],
  }),
  many_fields: () => ({
    src: `class C {\n${range(70000).map((i) => `  var f${i} = ${i}`).join("\n")}\n}\nval c = C()\nc.f69999 += 1\nprintln(c.f69999 + c.f1)\n`,
    out: ["70001"],
  }),
  many_constructor_fields: () => ({
    // constructor parameters, so as many as LYNG_MAX_PARAMS
    src: `class P(${range(MAX_PARAMS).map((i) => `val p${i}`).join(', ')})\nval p = P(${range(MAX_PARAMS).join(', ')})\nprintln(p.p${MAX_PARAMS - 1})\n`,
    out: [String(MAX_PARAMS - 1)],
  }),
  many_enum_entries: () => ({
    src: `enum E {\n${lines(range(70000).map((i) => `E${i}`))}\n}\nprintln(E.E69999.ordinal)\nprintln(E.entries.size)\n`,
    out: ['69999', '70000'],
  }),
  spread_arguments: () => ({
    src: 'fun cnt(xs...) = xs.size\nval big = (0..<100000).toList()\nprintln(cnt(...big))\nprintln(max(...big))\n',
    out: ['100000', '99999'],
  }),
  many_arguments: () => ({
    src: `fun cnt(xs...) = xs.size\nprintln(cnt(\n${lines(range(70000).map(String))}\n))\n`,
    out: ['70000'],
  }),
  long_list_literal: () => ({
    src: `val xs = [\n${lines(range(100000).map(String), 50)}\n]\nprintln(xs.size)\nprintln(xs.last())\n`,
    out: ['100000', '99999'],
  }),
  long_map_literal: () => ({
    src: `val m = Map(\n${lines(range(70000).map((i) => `"k${i}" => ${i}`))}\n)\nprintln(m.size)\nprintln(m["k69999"])\n`,
    out: ['70000', '69999'],
  }),
  long_string: () => ({
    src: `val s = "${'ab'.repeat(500000)}"\nprintln(s.length)\n`,
    out: ['1000000'],
  }),
  long_multiline_string: () => ({
    src: `val s = "\n${range(10000).map((i) => `    line ${i}`).join('\n')}\n    "\nprintln(s.lines().size)\nprintln(s.lines().last())\n`,
    out: ['10000', 'line 9999'],
  }),
  many_interpolations: () => ({
    src: `val a = 1\nval s = "${range(70000).map(() => '$a').join('')}"\nprintln(s.length)\n`,
    out: ['70000'],
  }),
  many_locals: () => ({
    src: `fun f() {\n${range(70000).map((i) => `  val v${i} = ${i}`).join('\n')}\n  return v69999 + v0\n}\nprintln(f())\n`,
    out: ['69999'],
  }),
  many_globals: () => ({
    src: `${range(70000).map((i) => `val g${i} = ${i}`).join('\n')}\nprintln(g69999)\n`,
    out: ['69999'],
  }),

  many_destructured_names: () => ({
    src: `val [\n${lines(range(70000).map((i) => `d${i}`))}\n] = (0..<70000).toList()\nprintln(d69999 + d1)\n`,
    out: ['70000'],
  }),
  many_destructured_names_in_function: () => ({
    src: `fun f() {\n  val [\n${lines(range(70000).map((i) => `d${i}`))}, rest...\n  ] = (0..<70002).toList()\n  return d69999 + rest.size\n}\nprintln(f())\n`,
    out: ['70001'],
  }),
  many_destructured_assignments: () => ({
    src: `${range(70000).map((i) => `var a${i} = 0`).join('\n')}\n[${range(70000).map((i) => `a${i}`).join(', ')}] = (0..<70000).toList()\nprintln(a69999 - a1)\n`,
    out: ['69998'],
  }),
  deep_destructuring: () => ({
    // a pattern as deep as brackets go, the value as deep
    src: `val ${'['.repeat(MAX_NESTING - 1)}x${']'.repeat(MAX_NESTING - 1)} = ${'['.repeat(MAX_NESTING - 1)}8${']'.repeat(MAX_NESTING - 1)}\nprintln(x)\n`,
    out: ['8'],
  }),
  too_deep_destructuring: () => ({
    src: `val ${'['.repeat(MAX_NESTING + 1)}x${']'.repeat(MAX_NESTING + 1)} = 0\n`,
    err: nestError, line: 1, col: 5 + MAX_NESTING,
  }),
  many_delegated_globals: () => ({
    // read through their delegates by a function declared above them
    src: `fun total() = d0 + d69999\n${range(70000).map((i) => `val d${i} by lazy { ${i} }`).join('\n')}\nprintln(total())\n`,
    out: ['69999'],
  }),
  many_bases: () => ({
    // each base initialised once, each base's method callable bare from the body
    src: `var inits = 0\n${range(2000).map((i) => `open class B${i} { init { inits++ }\n  fun f${i}() = ${i} }`).join('\n')}\nclass C : ${range(2000).map((i) => `B${i}()`).join(', ')} {\n  fun all() = f0() + f1999()\n}\nprintln(C().all())\nprintln(inits)\n`,
    out: ['1999', '2000'],
  }),
  many_ancestors: () => ({
    // a chain of 2,000 classes and a second base: every one in the linearisation, each initialised once
    src: `var inits = 0\nopen class A0 { init { inits++ }\n  fun root() = 7 }\n${range(1999).map((i) => `open class A${i + 1} : A${i}() { init { inits++ } }`).join('\n')}\ninterface Mixin\nclass Deep : A1999(), Mixin {\n  fun r() = root()\n}\nval d = Deep()\nprintln(d.r())\nprintln(inits)\nprintln(d is A0 && d is Mixin)\n`,
    out: ['7', '2000', 'true'],
  }),

  // ---- native code calling Lyng, nested: the C stack (LYNG_SYNC_STACK) ----
  deep_user_equals: () => ({
    // == on a field of the class with equals() nests native and Lyng calls
    src: `class Box(val inner: Box?) {\n  override fun equals(other) = other is Box && inner == other.inner\n  override fun hashCode() = 1 + (inner?.hashCode() ?: 0)\n}\nvar a: Box? = null\nvar b: Box? = null\nfor (i in 0..<500) { a = Box(a); b = Box(b) }\nprintln(a == b)\nprintln(a.hashCode() == b.hashCode() && Map(a => 1)[b] == 1)\n`,
    out: ['true', 'true'],
  }),
  too_deep_user_equals: () => ({
    src: `class Box(val inner: Box?) {\n  override fun equals(other) = other is Box && inner == other.inner\n}\nvar a: Box? = null\nvar b: Box? = null\nfor (i in 0..<100000) { a = Box(a); b = Box(b) }\nval e = assertThrows { a == b }\nprintln(e::class.name)\nprintln(e.message.startsWith("stack overflow: equals called from native code nested"))\n`,
    out: ['StackOverflowException', 'true'],
  }),

  // ---- values nested inside each other, walked recursively in C ----
  max_value_depth: () => ({
    // lists N deep around a 1: equal, printed whole, through JSON and Lynon and back
    src: `import lyng.serialization\nfun nest(n) { var x = [1]; for (i in 2..n) x = [x]; x }\nval a = nest(${MAX_VALUE_DEPTH})\nval b = nest(${MAX_VALUE_DEPTH})\nprintln(a == b)\nprintln(a.hashCode() == b.hashCode())\nprintln(a.toString() == "[".repeat(${MAX_VALUE_DEPTH}) + "1" + "]".repeat(${MAX_VALUE_DEPTH}))\nprintln(Json.parse(a.toJsonString()) == b)\nprintln(Lynon.decode(Lynon.encode(a)) == b)\n`,
    out: ['true', 'true', 'true', 'true', 'true'],
  }),
  too_deep_value: () => ({
    src: `import lyng.serialization\nfun nest(n) { var x = [1]; for (i in 2..n) x = [x]; x }\nval a = nest(${MAX_VALUE_DEPTH + 1})\nval b = nest(${MAX_VALUE_DEPTH + 1})\nval e = assertThrows { a == b }\nprintln(e::class.name + ": " + e.message)\nprintln(assertThrows { a.toJsonString() }.message)\nprintln(assertThrows { Lynon.encode(a) }.message)\nprintln(assertThrows { Json.parse("[".repeat(${MAX_VALUE_DEPTH + 1}) + "1" + "]".repeat(${MAX_VALUE_DEPTH + 1})) }::class.name)\nprintln(a.toString().contains("[...]"))\nprintln(a == a)\n`,
    out: [`StackOverflowException: values nested deeper than ${MAX_VALUE_DEPTH} levels`,
      `toJsonString: nested deeper than ${MAX_VALUE_DEPTH} levels`, `Lynon.encode: nested deeper than ${MAX_VALUE_DEPTH} levels`,
      'IllegalArgumentException', 'true', 'true'],
  }),

  // ---- parameters: a 16-bit count in every function ----
  max_parameters: () => ({
    src: `fun f(\n${lines(range(MAX_PARAMS).map((i) => `p${i}`))}\n) = p${MAX_PARAMS - 1} - p1\nprintln(f(\n${lines(range(MAX_PARAMS).map(String))}\n))\n`,
    out: [String(MAX_PARAMS - 2)],
  }),
  too_many_parameters: () => {
    // the parameter past the limit is the first of line 1 + MAX_PARAMS / 10 + 1
    const ps = range(MAX_PARAMS + 1).map((i) => `p${i}`);
    return {
      src: `fun f(\n${lines(ps)}\n) = 0\n`,
      err: `a function has more than ${MAX_PARAMS} parameters`,
      line: 2 + Math.floor(MAX_PARAMS / 10),
      col: 1 + (MAX_PARAMS % 10) * ((`p${MAX_PARAMS}`).length + 2),
    };
  },

  // ---- captured variables: a 16-bit count in every function ----
  max_captured: () => ({
    src: `fun outer() {\n${range(MAX_UPVALUES).map((i) => `  val c${i} = ${i}`).join('\n')}\n  val f = {\n    var s = 0\n${range(MAX_UPVALUES).map((i) => `    s += c${i}`).join('\n')}\n    s\n  }\n  return f()\n}\nprintln(outer())\n`,
    out: [String((MAX_UPVALUES * (MAX_UPVALUES - 1)) / 2)],
  }),
  too_many_captured: () => {
    const n = MAX_UPVALUES + 1;
    return {
      src: `fun outer() {\n${range(n).map((i) => `  val c${i} = ${i}`).join('\n')}\n  val f = {\n    var s = 0\n${range(n).map((i) => `    s += c${i}`).join('\n')}\n    s\n  }\n  return f()\n}\n`,
      err: `a function captures more than ${MAX_UPVALUES} variables`,
      line: 1 + n + 2 + n, // the use of the last variable
      col: 10,
    };
  },

  // ---- nesting: brackets of every kind, any mix ----
  max_nesting_parens: () => ({
    src: `println(${'('.repeat(MAX_NESTING - 1)}7${')'.repeat(MAX_NESTING - 1)})\n`,
    out: ['7'],
  }),
  too_deep_parens: () => ({
    src: `val x = 1\nprintln(${'('.repeat(MAX_NESTING)}7${')'.repeat(MAX_NESTING)})\n`,
    err: nestError, line: 2, col: 9 + MAX_NESTING - 1,
  }),
  max_nesting_lists: () => ({
    src: `val x = ${'['.repeat(MAX_NESTING)}1${']'.repeat(MAX_NESTING)}\nprintln(x.size)\n`,
    out: ['1'],
  }),
  too_deep_lists: () => ({
    src: `val x = ${'['.repeat(MAX_NESTING + 1)}1${']'.repeat(MAX_NESTING + 1)}\n`,
    err: nestError, line: 1, col: 9 + MAX_NESTING,
  }),
  max_nesting_blocks: () => ({
    src: `${range(MAX_NESTING - 1).map(() => 'if (true) {').join('\n')}\nprintln(1)\n${'}\n'.repeat(MAX_NESTING - 1)}`,
    out: ['1'],
  }),
  too_deep_blocks: () => ({
    src: `${range(MAX_NESTING).map(() => 'if (true) {').join('\n')}\nprintln(1)\n${'}\n'.repeat(MAX_NESTING)}`,
    err: nestError, line: MAX_NESTING + 1, col: 8,
  }),
  max_nesting_lambdas: () => ({
    src: `val f = ${'{ -> '.repeat(MAX_NESTING)}5${' }'.repeat(MAX_NESTING)}\nvar g = f\n${'g = g()\n'.repeat(MAX_NESTING - 1)}println(g())\n`,
    out: ['5'],
  }),
  too_deep_lambdas: () => ({
    src: `val f = ${'{ -> '.repeat(MAX_NESTING + 1)}5${' }'.repeat(MAX_NESTING + 1)}\n`,
    err: nestError, line: 1, col: 9 + 5 * MAX_NESTING,
  }),
  max_nesting_functions: () => ({
    src: `${range(MAX_NESTING - 1).map((i) => `fun f${i}() {`).join('\n')}\nprintln(9)\n${'}\n'.repeat(MAX_NESTING - 1)}\nprintln(3)\n`,
    out: ['3'],
  }),
  max_nesting_mixed: () => {
    // lists in parentheses in lists...: every other level a grouping
    const open = range(MAX_NESTING).map((i) => (i % 2 ? '(' : '[')).join('');
    const close = range(MAX_NESTING).reverse().map((i) => (i % 2 ? ')' : ']')).join('');
    return { src: `val x = ${open}4${close}\nprintln(x.size)\n`, out: ['1'] };
  },
  max_nesting_conditionals: () => ({
    // three parser levels a bracket: the deepest recursion per level
    src: `val x = ${'if (true) ('.repeat(MAX_NESTING - 1)}5${') else 0'.repeat(MAX_NESTING - 1)}\nprintln(x)\n`,
    out: ['5'],
  }),
  max_nesting_maps: () => ({
    src: `val x = ${'Map("a" => '.repeat(MAX_NESTING)}1${')'.repeat(MAX_NESTING)}\nprintln(x.size)\n`,
    out: ['1'],
  }),
  max_nesting_interpolation: () => ({
    src: `val x = ${'"${'.repeat(MAX_NESTING)}1${'}"'.repeat(MAX_NESTING)}\nprintln(x)\n`,
    out: ['1'],
  }),
  too_deep_interpolation: () => ({
    src: `val y = 2\nval x = ${'"${'.repeat(MAX_NESTING + 1)}1${'}"'.repeat(MAX_NESTING + 1)}\n`,
    err: nestError, line: 2, col: null,
  }),
  // ---- regular expressions: the cost of one search (src/lyng/limits.h) ----
  max_regex_repeat: () => ({
    src: `val r = Regex("a{${MAX_REGEX_REPEAT}}")\nprintln(r.matches("a" * ${MAX_REGEX_REPEAT}))\nprintln(r.matches("a" * ${MAX_REGEX_REPEAT - 1}))\n`,
    out: ['true', 'false'],
  }),
  too_big_regex_repeat: () => ({
    src: `try { Regex("a{1,${MAX_REGEX_REPEAT + 1}}") } catch (e: IllegalArgumentException) { println(e.message) }\n`,
    out: [`invalid regex "a{1,${MAX_REGEX_REPEAT + 1}}": repetition count above ${MAX_REGEX_REPEAT} at position 1`],
  }),
  max_regex_groups: () => ({
    // empty groups: two instructions each, so the thread lists fit too
    src: `val m = Regex("()" * ${MAX_REGEX_GROUPS} + "x").find("ax")\nprintln(m.groups.size)\n`,
    out: [String(MAX_REGEX_GROUPS + 1)],
  }),
  too_many_regex_groups: () => ({
    src: `try { Regex("()" * ${MAX_REGEX_GROUPS + 1}) } catch (e: IllegalArgumentException) { println(e.message) }\n`,
    out: [`invalid regex "${'()'.repeat(39)}(...": more than ${MAX_REGEX_GROUPS} capturing groups at position ${2 * MAX_REGEX_GROUPS}`],
  }),
  too_big_regex_threads: () => ({
    // a group around each letter: three instructions a group, past the
    // thread lists' room (instructions x capture slots)
    src: `try { Regex("(a)" * ${MAX_REGEX_GROUPS}) } catch (e: IllegalArgumentException) { println(e.message) }\n`,
    out: [`invalid regex "${'(a)'.repeat(26)}(...": pattern too large: ${3 * MAX_REGEX_GROUPS + 3} instructions times ${2 * MAX_REGEX_GROUPS + 2} capture slots is more than ${limit('LYNG_MAX_REGEX_THREAD_CELLS')}`],
  }),
  max_regex_nesting: () => ({
    src: `val p = "(?:" * ${MAX_REGEX_NESTING} + "ab" + ")" * ${MAX_REGEX_NESTING}\nprintln(Regex(p).matches("ab"))\n`,
    out: ['true'],
  }),
  too_deep_regex: () => ({
    src: `val p = "(?:" * ${MAX_REGEX_NESTING + 1} + "ab" + ")" * ${MAX_REGEX_NESTING + 1}\ntry { Regex(p) } catch (e: IllegalArgumentException) { println(e.message) }\n`,
    out: [`invalid regex "${'(?:'.repeat(26)}(...": groups nested more than ${MAX_REGEX_NESTING} levels deep at position ${3 * MAX_REGEX_NESTING}`],
  }),
  max_regex_program: () => ({
    // one instruction a letter, three around the pattern (two saves, match)
    src: `val r = Regex("a" * ${MAX_REGEX_PROGRAM - 3})\nprintln(r.matches("a" * ${MAX_REGEX_PROGRAM - 3}))\n`,
    out: ['true'],
  }),
  too_big_regex_program: () => ({
    src: `try { Regex("a" * ${MAX_REGEX_PROGRAM - 2}) } catch (e: IllegalArgumentException) { println(e.message) }\n`,
    out: [`invalid regex "${'a'.repeat(79)}...": pattern needs more than ${MAX_REGEX_PROGRAM} instructions at position ${MAX_REGEX_PROGRAM - 2}`],
  }),
  too_big_regex_expansion: () => ({
    src: `try { Regex("(?:[ab]{${MAX_REGEX_REPEAT}}){${MAX_REGEX_REPEAT}}") } catch (e: IllegalArgumentException) { println(e.message) }\n`,
    out: [`invalid regex "(?:[ab]{${MAX_REGEX_REPEAT}}){${MAX_REGEX_REPEAT}}": pattern needs more than ${MAX_REGEX_PROGRAM} instructions at position ${String(MAX_REGEX_REPEAT).length + 10}`],
  }),
  // without brackets the parser's own recursion is bounded: an error, no crash
  long_prefix_chain: () => ({
    src: `val x = ${'- '.repeat(3 * MAX_NESTING)}1\nprintln(x)\n`,
    out: ['1'],
  }),
  long_assignment_chain: () => ({
    src: `var a = 0\nvar b = 0\n${'a = b = '.repeat(3 * MAX_NESTING / 2)}1\nprintln(a + b)\n`,
    out: ['2'],
  }),
  too_long_prefix_chain: () => ({
    src: `val x = ${'- '.repeat(100000)}1\n`,
    err: 'expression nested too deeply', line: 1, col: null,
  }),
  too_long_assignment_chain: () => ({
    src: `var a = 0\n${'a = '.repeat(100000)}1\n`,
    err: 'expression nested too deeply', line: 2, col: null,
  }),
};

function splitCmd(cmd) {
  return cmd.match(/(?:[^\s"]+|"[^"]*")+/g).map((s) => s.replace(/^"|"$/g, ''));
}

function run(cmd, file) {
  return new Promise((resolve) => {
    const [exe, ...args] = splitCmd(cmd);
    const p = spawn(exe, [...args, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { if (out.length < 1 << 20) out += d; });
    p.stderr.on('data', (d) => { if (err.length < 1 << 20) err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), TIMEOUT_MS);
    p.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}

function check(c, file, r) {
  if (c.out) {
    const got = r.out.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '');
    if (r.code !== 0) return `exit ${r.code ?? r.signal}: ${r.err.split('\n').slice(0, 3).join(' | ')}`;
    if (JSON.stringify(got) !== JSON.stringify(c.out)) return `printed ${JSON.stringify(got).slice(0, 200)}, expected ${JSON.stringify(c.out)}`;
    return null;
  }
  const first = r.err.split('\n')[0];
  if (r.code !== 2) return `exit ${r.code ?? r.signal}, expected 2 (compile error): ${first.slice(0, 200)}`;
  const where = c.col == null ? `${file}:${c.line}:` : `${file}:${c.line}:${c.col}:`;
  if (!first.startsWith(where) || !first.endsWith(`syntax error: ${c.err}`))
    return `stderr ${JSON.stringify(first.slice(0, 200))}, expected "${where}... syntax error: ${c.err}"`;
  return null;
}

async function main() {
  const cmds = [], filters = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cmd') cmds.push(argv[++i]);
    else filters.push(argv[i]);
  }
  if (!cmds.length) cmds.push('build/asan/lyng');
  mkdirSync(OUT, { recursive: true });
  let passed = 0, failed = 0;
  for (const [name, make] of Object.entries(cases)) {
    if (filters.length && !filters.some((f) => name.includes(f))) continue;
    const c = make();
    const file = `build/limit/${name}.lyng`;
    writeFileSync(join(ROOT, file), c.src);
    for (const cmd of cmds) {
      const t0 = Date.now();
      const problem = check(c, file, await run(cmd, file));
      const ms = Date.now() - t0;
      if (problem) { failed++; console.log(`FAIL ${name} [${cmd}] ${problem}`); }
      else { passed++; console.log(`ok   ${name} [${cmd}] ${ms} ms`); }
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
