// helpers.mjs - shared by the node:test suites: paths and a runner for the
// command line that collects exit code, stdout and stderr.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NODE_LYNG = join(ROOT, 'bin', 'lyng');
export const NATIVE_LYNG = join(ROOT, 'build', 'native', 'lyng');
export const hasNative = existsSync(NATIVE_LYNG);

// Runs a command line (bin/lyng by default) to its end.
export function lyng(args, { input, cwd, cmd = NODE_LYNG } = {}) {
  const r = spawnSync(cmd, args, { input: input ?? '', cwd: cwd ?? ROOT, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

// A fresh directory holding the given files ({ name: text }).
export function tempFiles(files) {
  const dir = mkdtempSync(join(tmpdir(), 'lyng-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
