// package.test.mjs - the npm package as a user gets it: `npm pack`, then an
// offline install of the tarball into an empty folder (its one dependency
// packed from node_modules beside it), then both entries imported and run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ROOT } from './helpers.mjs';

const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'],
  { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });

test('the packed package installs offline and both entries import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lyng-pack-'));
  try {
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT))[0];
    const files = packed.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'build/wasm/lyng.wasm', 'build/wasm/lyng-cli.wasm',
      'build/js/constants.mjs', 'build/js/lyng-cli.cjs', 'js-shim/index.mjs',
      'js-shim/browser.mjs', 'js-shim/index.d.ts', 'bin/lyng', 'bin/package.json']) assert.ok(files.includes(f), `${f} is packed`);
    // every file the README links to is in the package
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [, link] of readme.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)) {
      assert.ok(files.includes(link), `README links ${link}, which is packed`);
    }
    const shim = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir,
      join(ROOT, 'node_modules', '@bjorn3', 'browser_wasi_shim')], ROOT))[0];
    const app = join(dir, 'app');
    execFileSync('mkdir', [app]);
    npm(['install', '--offline', '--no-save', join(dir, packed.filename), join(dir, shim.filename)], app);
    const script = `
      import { createLyng } from 'lyng';
      import * as browser from 'lyng/browser';
      import { createRequire } from 'node:module';
      const pkg = createRequire(import.meta.url)('lyng/package.json');
      const lyng = await createLyng({ stdout: () => {} });
      const v = await lyng.evaluate('[1, 2, 3].map { it * 2 }');
      lyng.close();
      console.log(JSON.stringify({ v, browser: typeof browser.createLyng, name: pkg.name, license: pkg.license }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { v: [2, 4, 6], browser: 'function', name: 'lyng', license: 'Apache-2.0' });
    // the command line runs from its bundle: without the module it was
    // bundled from, it still starts
    rmSync(join(app, 'node_modules', 'lyng', 'js-shim', 'cli.mjs'));
    const cli = execFileSync(join(app, 'node_modules', '.bin', 'lyng'), ['-e', 'println(6 * 7)'], { cwd: app, encoding: 'utf8' });
    assert.equal(cli, '42\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
