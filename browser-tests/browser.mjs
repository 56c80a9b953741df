// browser.mjs - what the browser tests share: a headless Debian Chromium
// (CHROMIUM overrides /usr/bin/chromium) driven by playwright-core, and the
// built playground (build/playground/, or PLAYGROUND_DIR) served on
// 127.0.0.1. Each page records its console errors and uncaught exceptions.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../playground/serve.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXECUTABLE = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DIR = process.env.PLAYGROUND_DIR ?? join(ROOT, 'build/playground');

// Resolves with { browser, url, newPage(), close() }.
export async function openPlayground() {
  if (!existsSync(join(DIR, 'index.html'))) throw new Error(`${DIR}/index.html is missing; run \`make build\``);
  if (!existsSync(EXECUTABLE)) throw new Error(`${EXECUTABLE} is missing; run \`make browser-setup\``);
  const { server, url } = await serveStatic(DIR);
  let browser;
  try {
    // --no-sandbox: Chromium's sandbox cannot start as root (tests run as root in CI)
    browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ['--no-sandbox'], timeout: 30_000 });
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    browser,
    url,
    // A page with the playground loaded; page.problems lists console errors.
    async newPage(hash = '') {
      const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
      page.setDefaultTimeout(15_000);
      page.problems = [];
      page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
      await page.goto(url + hash);
      await page.waitForFunction(() => typeof window.createLyng === 'function' && window.playground);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

// Waits until the playground's run ends; resolves with { state, status,
// output }: output is the pane as lines, printed text as it is, then one
// line per block (result, error, "Stopped.").
export async function finishedRun(page, timeout = 15_000) {
  await page.waitForFunction(() => document.getElementById('status').dataset.state !== 'running', null, { timeout });
  return page.evaluate(() => {
    let text = '';
    for (const el of document.getElementById('output').children) {
      if (el.tagName === 'SPAN') text += el.textContent;
      else text += (text && !text.endsWith('\n') ? '\n' : '') + el.innerText.replace(/\n+$/, '') + '\n';
    }
    const status = document.getElementById('status');
    return { state: status.dataset.state, status: status.textContent, output: text.replace(/\n$/, '') };
  });
}
