// playground.test.mjs - the playground page in a real headless Chromium:
// loading, the example menu, errors with line and column, Stop, Ctrl+Enter,
// share links, the browser host's networking answers, and a screenshot
// (build/playground-screenshot.png) of a finished example.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { finishedRun, openPlayground, ROOT } from './browser.mjs';

let pg;
before(async () => { pg = await openPlayground(); });
after(async () => { await pg?.close(); });

// Runs a test body on a fresh page and checks that nothing went to the console.
async function onPage(body, hash) {
  const page = await pg.newPage(hash);
  try {
    await body(page);
    assert.deepEqual(page.problems, [], 'console errors');
  } finally {
    await page.close();
  }
}

async function runExample(page, id) {
  await page.selectOption('#examples', id);
  await page.click('#run');
  return finishedRun(page);
}

test('the page loads with an editor, the menu and no console errors', () => onPage(async (page) => {
  assert.equal(await page.title(), 'Lyng playground');
  assert.ok(await page.locator('.cm-editor .cm-lineNumbers').isVisible(), 'line numbers');
  const ids = await page.$$eval('#examples option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(ids, ['basics', 'classes', 'coroutines', 'net', 'error', 'endless']);
  assert.equal(await page.isDisabled('#stop'), true);
  assert.equal(await page.evaluate(() => typeof window.createLyng), 'function');
}));

test('the bundle imports nothing by a bare module specifier', () => {
  const js = readFileSync(join(ROOT, 'build/playground/playground.js'), 'utf8');
  // import "x", import(...)"x", import ... from "x", export ... from "x"
  const re = /(?<![\w$."'])import\s*\(?\s*["']([^"']+)["']|(?<![\w$."'])(?:import|export)\s*[\w$*{][^;"']*?\bfrom\s*["']([^"']+)["']/g;
  const specifiers = [...js.matchAll(re)].map((m) => m[1] ?? m[2]);
  assert.deepEqual(specifiers.filter((s) => !/^(\.{0,2}\/|https?:)/.test(s)), []);
});

test('example: language basics', () => onPage(async (page) => {
  const r = await runExample(page, 'basics');
  assert.equal(r.state, 'done', r.output);
  const lines = r.output.split('\n');
  for (const want of ['Hello from Lyng in your browser!', 'Hello, world!', 'Hi, friend!', 'squares: 1 4 9 16 25 36',
    'sum of even squares: 56', '  Peru -> Lima', '⇒ "the biggest square is medium"']) {
    assert.ok(lines.includes(want), `missing ${JSON.stringify(want)} in:\n${r.output}`);
  }
}));

test('example: classes, enums, lazy values and a flow loop', () => onPage(async (page) => {
  const r = await runExample(page, 'classes');
  assert.equal(r.state, 'done', r.output);
  assert.deepEqual(r.output.split('\n').slice(0, 5), ['distinct: 2', '10H beats 3S: true', 'card 3S', 'dealt 10H',
    '⇒ [3S,10H,10H]']);
}));

test('example: coroutines with launch and delay', () => onPage(async (page) => {
  const r = await runExample(page, 'coroutines');
  assert.equal(r.state, 'done', r.output);
  assert.deepEqual(r.output.split('\n').slice(0, 9), ['both started', 'tortoise: step 1', 'hare: step 1', 'hare: step 2',
    'hare: step 3', 'hare done', 'tortoise: step 2', 'tortoise: step 3', 'tortoise done']);
  await page.screenshot({ path: join(ROOT, 'build/playground-screenshot.png') });
  assert.ok(statSync(join(ROOT, 'build/playground-screenshot.png')).size > 10_000);
}));

test('example: the net capability check shows false', () => onPage(async (page) => {
  const r = await runExample(page, 'net');
  assert.equal(r.state, 'done', r.output);
  assert.deepEqual(r.output.split('\n').slice(0, 5), ['supported: false', 'tcp: false', 'tcp server: false', 'udp: false',
    'tcpConnect: tcpConnect failed: raw sockets are not available in the browser']);
}));

test('example: an uncaught exception shows its line and column', () => onPage(async (page) => {
  const r = await runExample(page, 'error');
  assert.equal(r.state, 'error');
  assert.match(r.output, /^4\n/);
  assert.match(r.output, /ArithmeticException at line 5, column \d+/);
  assert.match(r.output, /division by zero/);
  // the editor's cursor is put on the failing line
  assert.equal(await page.evaluate(() => document.querySelector('.cm-activeLine')?.textContent.trim()),
    'return total / list.size');
}));

test('a compile error shows its line and column', () => onPage(async (page) => {
  await page.evaluate(() => window.playground.setCode('val x = 1\nprintln(]\n'));
  await page.click('#run');
  const r = await finishedRun(page);
  assert.equal(r.state, 'error');
  assert.match(r.output, /Compile error at line 2, column 9/);
  assert.match(r.output, /expected an expression but found '\]'/);
}));

test('Stop ends an endless loop at once, and the page stays responsive', (t) => onPage(async (page) => {
  await page.selectOption('#examples', 'endless');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('output').textContent.includes('still counting'), null,
    { timeout: 20_000 });
  // the page answers while the script runs: how late do its own timers fire?
  const lateness = await page.evaluate(async () => {
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 0));
      worst = Math.max(worst, performance.now() - t0);
    }
    return Math.round(worst);
  });
  assert.equal(await page.evaluate(() => document.getElementById('status').dataset.state), 'running');
  assert.ok(lateness < 1_000, `a page timer waited ${lateness} ms`);
  t.diagnostic(`while the loop runs, a page timer waits at most ${lateness} ms`);
  const t0 = Date.now();
  await page.click('#stop');
  const r = await finishedRun(page, 5_000);
  const ms = Date.now() - t0;
  assert.equal(r.state, 'stopped');
  assert.match(r.output, /Stopped\.$/);
  assert.ok(ms < 2_000, `Stop took ${ms} ms`);
  t.diagnostic(`from the click on Stop to the stopped state: ${ms} ms`);
  // and the next run works
  await page.evaluate(() => window.playground.setCode('println("after stop")'));
  await page.click('#run');
  assert.match((await finishedRun(page)).output, /^after stop\n/);
}));

test('Ctrl+Enter in the editor runs the script', () => onPage(async (page) => {
  await page.evaluate(() => window.playground.setCode('println(6 * 7)\n"answer"'));
  await page.click('.cm-content');
  await page.keyboard.press('Control+Enter');
  const r = await finishedRun(page);
  assert.equal(r.output, '42\n⇒ "answer"');
}));

test('a share link round-trips the script', async () => {
  const script = '// ünïcödé, "quotes", #hash & ampersand + plus / slash\nprintln("λ ok ✓")\n';
  let link;
  await onPage(async (page) => {
    await page.evaluate((s) => window.playground.setCode(s), script);
    await page.click('#share');
    link = await page.inputValue('#share-link');
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#code=[A-Za-z0-9_-]+$/);
    assert.equal(await page.evaluate(() => location.href), link);
  });
  await onPage(async (page) => {
    assert.equal(await page.evaluate(() => window.playground.getCode()), script);
    await page.click('#run');
    assert.equal((await finishedRun(page)).output, 'λ ok ✓\n⇒ void');
  }, link.slice(link.indexOf('#')));
});

test('networking in a page: checks are false and a connect raises a clear exception', () => onPage(async (page) => {
  const r = await page.evaluate(async () => {
    const lyng = await window.createLyng();
    try {
      const caps = await lyng.eval('import lyng.io.net\n' +
        '[Net.isSupported(), Net.isTcpAvailable(), Net.isTcpServerAvailable(), Net.isUdpAvailable()]');
      let error = null;
      try {
        await lyng.eval('Net.tcpConnect("127.0.0.1", 1)');
      } catch (e) {
        error = { name: e.name, lyngClass: e.lyngClass, message: e.message };
      }
      const caught = await lyng.eval('try { Net.udpBind(0) ; "bound" } catch (e: IllegalOperationException) { e.message }');
      const tls = await lyng.eval('[Net.isTlsAvailable(), Net.isReusePortAvailable(), ' +
        'try { Net.tlsConnect("127.0.0.1", 1) } catch (e: IllegalOperationException) { e.message }]');
      return { caps, error, caught, tls };
    } finally {
      lyng.close();
    }
  });
  assert.equal(r.caps, '[false,false,false,false]');
  assert.deepEqual(r.error, { name: 'LyngError', lyngClass: 'IllegalOperationException',
    message: 'tcpConnect failed: raw sockets are not available in the browser' });
  assert.equal(r.caught, '"udpBind failed: raw sockets are not available in the browser"');
  /* a String inside a List prints without quotes */
  assert.equal(r.tls, '[false,false,tlsConnect failed: raw sockets are not available in the browser]');
}));

test('Ctrl+Enter while a script runs replaces it with the new run', () => onPage(async (page) => {
  await page.selectOption('#examples', 'endless');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('output').textContent.includes('still counting'), null,
    { timeout: 20_000 });
  await page.evaluate(() => window.playground.setCode('delay(50)\nprintln("second run")'));
  await page.click('.cm-content');
  await page.keyboard.press('Control+Enter');
  const r = await finishedRun(page);
  assert.equal(r.state, 'done');
  assert.equal(r.output, 'second run\n⇒ void');
}));

test('createLyng slices: the same result with and without, and a bad slice is refused', (t) => onPage(async (page) => {
  const r = await page.evaluate(async () => {
    const src = 'var s = 0\nfor (i in 0..<2000000) { s += i }\ns';
    const out = {};
    // the first pass warms up the browser's wasm compiler
    for (const [name, options] of [['warm-up', {}], ['unsliced', { slice: 0 }], ['sliced', {}]]) {
      const lyng = await window.createLyng(options);
      const t0 = performance.now();
      let turns = 0;
      const tick = setInterval(() => { turns++; }, 0);
      out[name] = { value: await lyng.eval(src), ms: Math.round(performance.now() - t0) };
      clearInterval(tick);
      out[name].turns = turns; // how often the page's own timers ran meanwhile
      lyng.close();
    }
    try {
      await window.createLyng({ slice: -1 });
      out.bad = 'accepted';
    } catch (e) {
      out.bad = `${e.name}: ${e.message}`;
    }
    return out;
  });
  assert.equal(r.unsliced.value, '1999999000000');
  assert.equal(r.sliced.value, '1999999000000');
  assert.equal(r.unsliced.turns, 0, 'an unsliced run keeps the page busy');
  assert.ok(r.sliced.turns > 0, 'a sliced run lets the page run its timers');
  assert.match(r.bad, /^TypeError: createLyng: slice must be/);
  t.diagnostic(`2M loop iterations: ${r.unsliced.ms} ms unsliced, ${r.sliced.ms} ms in slices ` +
    `(${r.sliced.turns} page timer turns in between)`);
}));

// Speed is the benchmarks' business; this test pins the mechanism that
// makes printing cheap: output reaches the page in batches, once per
// animation frame, not as one page update per line. It prints the time.
test('2,000 printed lines reach the page in batches, in order', (t) => onPage(async (page) => {
  const r0 = await page.evaluate(async () => {
    window.playground.setCode('1'); // compiles the wasm module: not part of the measure
    await window.playground.run();
    window.playground.setCode('for (i in 1..2000) println("line " + i)');
    let updates = 0;
    const seen = new MutationObserver((records) => { updates += records.length; });
    seen.observe(document.getElementById('output'), { childList: true });
    const t0 = performance.now();
    await window.playground.run();
    const ms = performance.now() - t0;
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    seen.disconnect();
    return { ms, updates };
  });
  const r = await finishedRun(page);
  assert.equal(r.state, 'done', r.output);
  const lines = r.output.split('\n').filter((l) => l.startsWith('line '));
  assert.equal(lines.length, 2000, r.output.slice(-200));
  assert.deepEqual(lines.slice(0, 3), ['line 1', 'line 2', 'line 3']);
  assert.equal(lines[1999], 'line 2000');
  // one update per frame at most (plus clearing and the result line); 2,000
  // lines in 500 updates would need the run to last 8 s at 60 frames a second
  assert.ok(r0.updates < 500, `${r0.updates} page updates for 2,000 lines`);
  t.diagnostic(`2,000 lines in ${Math.round(r0.ms)} ms, ${r0.updates} page updates`);
}));

test('Enter after { indents, Tab indents and stays in the editor', () => onPage(async (page) => {
  await page.evaluate(() => window.playground.setCode(''));
  await page.click('.cm-content');
  await page.keyboard.type('fun f() {');
  await page.keyboard.press('Enter'); // the closing brace comes by itself, a line below
  await page.keyboard.type('return 1');
  let code = await page.evaluate(() => window.playground.getCode());
  assert.equal(code, 'fun f() {\n  return 1\n}');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.type('x');
  code = await page.evaluate(() => window.playground.getCode());
  assert.equal(code, 'fun f() {\n  return 1\n}\n  x');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('cm-content')), true);
}));

test('the script is kept across a reload', () => onPage(async (page) => {
  await page.evaluate(() => window.playground.setCode('println("kept " + 42)'));
  await page.waitForFunction(() => localStorage.getItem('lyng-playground-script') === 'println("kept " + 42)');
  await page.reload();
  await page.waitForFunction(() => window.playground);
  assert.equal(await page.evaluate(() => window.playground.getCode()), 'println("kept " + 42)');
  await page.evaluate(() => localStorage.clear());
}));

test('a runtime error marks its line in the editor', () => onPage(async (page) => {
  await page.evaluate(() => window.playground.setCode('val a = 1\nval b = 2\nthrow IllegalStateException("boom")\nprintln(a)'));
  await page.click('#run');
  const r = await finishedRun(page);
  assert.equal(r.state, 'error');
  const marked = await page.$$eval('.cm-line.cm-lyng-error-line', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(marked, ['throw IllegalStateException("boom")']);
  await page.keyboard.type(' '); // an edit removes the mark
  assert.equal(await page.locator('.cm-lyng-error-line').count(), 0);
  await page.evaluate(() => localStorage.clear());
}));
