// bench/proc.mjs - starting and timing the processes a benchmark consists
// of. Every process has a deadline and is killed when the harness ends, so a
// stuck server or client fails the run instead of hanging it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const live = new Set();
const DEFAULT_DEADLINE_MS = 120_000;
const SERVER_DEADLINE_MS = 480_000;

function killAll() {
  for (const p of live) { try { p.kill('SIGKILL'); } catch { /* already gone */ } }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

// A running process whose stdout is read line by line; waitFor(re) resolves
// with the match of the first line (from now on or already seen) matching re.
export function start(cmd, args, { deadlineMs = DEFAULT_DEADLINE_MS, stdin = 'ignore', env = process.env } = {}) {
  const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], env });
  live.add(child);
  const lines = [];
  const waiters = [];
  let stderr = '';
  let pending = '';
  const h = { child, lines, stderr: () => stderr, exited: null };
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  // a command that cannot start reports as one that ended at once
  child.on('error', (e) => { stderr += e.message; });
  child.stderr.on('data', (d) => { if (stderr.length < 4096) stderr += d; });
  child.stdout.on('data', (d) => {
    const now = performance.now();
    pending += d;
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      lines.push({ line, at: now });
      for (const w of [...waiters]) {
        const m = w.re.exec(line);
        if (m) { waiters.splice(waiters.indexOf(w), 1); w.resolve({ match: m, at: now }); }
      }
    }
  });
  h.exited = new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    live.delete(child);
    for (const w of waiters) w.reject(new Error(`${describe(cmd, args)} ended (${code ?? signal}) before printing ${w.re}: ${stderr.trim().slice(0, 300)}`));
    waiters.length = 0;
    resolve({ code, signal, at: performance.now() });
  }));
  h.waitFor = (re) => {
    for (const l of lines) { const m = re.exec(l.line); if (m) return Promise.resolve({ match: m, at: l.at }); }
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`${describe(cmd, args)} has ended`));
    return new Promise((resolve, reject) => waiters.push({ re, resolve, reject }));
  };
  h.stop = async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); await h.exited; };
  return h;
}

export function describe(cmd, args) {
  return [cmd, ...args].join(' ');
}

// Starts a server that prints "port N" and returns it with its port.
// It serves every run of its group, so it gets a longer deadline.
export async function startServer(cmd, args, { env } = {}) {
  const h = start(cmd, args, { deadlineMs: SERVER_DEADLINE_MS, env });
  const { match } = await h.waitFor(/^port (\d+)$/);
  h.port = Number(match[1]);
  return h;
}

// Runs a client that prints "go" and then "done"; returns the seconds
// between the two lines, and fails unless the client exits with status 0.
export async function timeClient(cmd, args) {
  const h = start(cmd, args);
  const go = await h.waitFor(/^go$/);
  const done = await h.waitFor(/^done$/);
  const { code, at: exitAt } = await h.exited;
  if (code !== 0) throw new Error(`${describe(cmd, args)} exited with ${code}: ${h.stderr().trim().slice(0, 300)}`);
  // A client quicker than one read of its output prints both lines into the
  // same chunk, which shows no interval at all; its exit, seen later, bounds
  // the work from above.
  const end = done.at > go.at ? done.at : exitAt;
  return (end - go.at) / 1000;
}

// Runs a command to its end; returns its wall time in seconds and stdout.
export async function timeCommand(cmd, args, env = process.env) {
  const t0 = performance.now();
  const h = start(cmd, args, { env });
  const { code } = await h.exited;
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${describe(cmd, args)} exited with ${code}: ${h.stderr().trim().slice(0, 300)}`);
  return { seconds, stdout: h.lines.map((l) => l.line).join('\n') };
}

// Resident memory of a live process, in bytes.
export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
