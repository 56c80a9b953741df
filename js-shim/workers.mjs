// workers.mjs - `lyng --workers N SCRIPT` on Node: the supervisor of N
// copies of bin/lyng, copy i with `-D WORKER=i`, as Node `cluster` workers,
// so the copies may also share a listening port through the primary. The
// rules are those of the native supervisor (src/cli/workers_native.c): a
// copy that crashes (a signal, or any exit status but 0 and 2) starts again
// after a pause that doubles from 100 ms up to 5 s while it keeps crashing
// within 10 s of its start; SIGINT, SIGTERM and SIGHUP go to every copy and
// stop the restarts; the supervisor ends when every copy has ended.
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5000;
const STABLE_MS = 10000;
export const WORKERS_MAX = 1024;
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

// { n, at, width } for "--workers N" / "--workers=N" among the options
// before the script, null when absent; throws a usage message for a bad
// count. argv holds the arguments after the program name.
export function workersOption(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let count;
    let width;
    if (a === '--workers') {
      if (i + 1 >= argv.length) throw new Error('--workers needs a count');
      count = argv[i + 1];
      width = 2;
    } else if (a.startsWith('--workers=')) {
      count = a.slice(10);
      width = 1;
    } else if (a === '-D') {
      i++;
      continue;
    } else if (!a.startsWith('-') || a === '-' || a === '--' || a === '-x' || a === '-e' || a.startsWith('--execute')) {
      return null;
    } else {
      continue;
    }
    const n = /^[0-9]+$/.test(count) ? Number(count) : NaN;
    if (!(n >= 1 && n <= WORKERS_MAX)) throw new Error(`--workers needs a count from 1 to ${WORKERS_MAX}, got '${count}'`);
    return { n, at: i, width };
  }
  return null;
}

// Runs the copies of `script` (bin/lyng's path) with argv minus the
// option; resolves to the exit code. node:cluster (which loads
// child_process, net and dgram) is imported here, not at the top: every
// start of bin/lyng imports this file for workersOption.
export async function runWorkers(script, argv, { n, at, width }) {
  const { default: cluster } = await import('node:cluster');
  const rest = argv.filter((_, i) => i < at || i >= at + width);
  const workers = Array.from({ length: n }, () => ({ proc: null, started: 0, backoff: 0, timer: null, done: false }));
  let stopSignal = null;
  let exitCode = 0;

  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (!workers.every((w) => w.done)) return;
      for (const sig of Object.keys(SIGNALS)) process.removeListener(sig, onSignal);
      resolve(stopSignal ? 128 + SIGNALS[stopSignal] : exitCode);
    };

    function start(i) {
      const w = workers[i];
      w.timer = null;
      cluster.setupPrimary({ exec: script, args: ['-D', `WORKER=${i}`, ...rest], silent: false });
      w.proc = cluster.fork();
      w.started = Date.now();
      w.proc.on('exit', (code, signal) => ended(i, code, signal));
    }

    function ended(i, code, signal) {
      const w = workers[i];
      w.proc = null;
      const crashed = signal != null || (code !== 0 && code !== 2);
      if (!crashed || stopSignal) {
        w.done = true;
        if (code && !stopSignal) exitCode = code;
        finishIfDone();
        return;
      }
      const now = Date.now();
      w.backoff = now - w.started >= STABLE_MS || !w.backoff ? BACKOFF_START_MS : Math.min(w.backoff * 2, BACKOFF_MAX_MS);
      const how = signal != null ? `was killed by signal ${signal}` : `exited with status ${code}`;
      process.stderr.write(`lyng: worker ${i} ${how}; restarting in ${w.backoff} ms\n`);
      w.timer = setTimeout(() => start(i), w.backoff);
    }

    function onSignal(sig) {
      stopSignal = sig;
      for (const w of workers) {
        if (w.timer) { clearTimeout(w.timer); w.timer = null; w.done = true; }
        if (w.proc) w.proc.process.kill(sig);
      }
      finishIfDone();
    }

    for (const sig of Object.keys(SIGNALS)) process.on(sig, onSignal);
    for (let i = 0; i < n; i++) start(i);
  });
}
