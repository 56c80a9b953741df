// cli.mjs - the `lyng` command line on Node, which bin/lyng runs: the same
// C command line as the native binary (src/cli/cli.c), compiled with the
// library into build/wasm/lyng-cli.wasm and driven step by step from Node's
// event loop. With no arguments on a terminal it starts the REPL of
// src/cli/repl.c. `make build` bundles this module and the ones it imports
// into build/js/lyng-cli.cjs, which bin/lyng loads when it is up to date.
import { LyngInstance, NODE_SLICE_STEPS, ReplStep } from './lyng.mjs';
import { runWorkers, workersOption } from './workers.mjs';
import { openCodeCache } from './code_cache.mjs';

const argv = ['lyng', ...process.argv.slice(2)];

// The whole file system is visible, as it is to the native binary; relative
// paths resolve against the current directory (see lyng_wasm_chdir).
const preopens = { '/': '/' };

// History in the file the native REPL keeps with libedit (~/.lyng_history,
// or $LYNG_HISTORY), in libedit's format: a header line, then one entry a
// line with spaces, tabs, newlines and backslashes written as octal escapes.
const HISTORY_HEADER = '_HiStOrY_V2_';
const HISTORY_SIZE = 1000;

async function historyFile() {
  const { homedir } = await import('node:os');
  return process.env.LYNG_HISTORY || `${homedir()}/.lyng_history`;
}

async function loadHistory(file) {
  const { readFileSync } = await import('node:fs');
  let text;
  try { text = readFileSync(file, 'utf8'); } catch { return []; }
  const lines = text.split('\n').filter((l) => l && l !== HISTORY_HEADER);
  const unescape = (l) => l.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return lines.map(unescape).reverse().slice(0, HISTORY_SIZE); // readline keeps the newest first
}

async function saveHistory(file, history) {
  const { writeFileSync } = await import('node:fs');
  const escape = (l) => l.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  const body = history.slice(0, HISTORY_SIZE).reverse().map(escape).join('\n');
  try { writeFileSync(file, `${HISTORY_HEADER}\n${body}${body ? '\n' : ''}`); } catch { /* a read-only home */ }
}

// The REPL is src/cli/repl.c, as natively; this only reads the terminal
// with Node's readline (line editing, history) and hands lines over. Lines
// typed while a statement runs wait until it ends; Ctrl-C stops it.
async function repl(inst, cli) {
  const { createInterface, clearLine, cursorTo } = await import('node:readline');
  const e = inst.exports;
  const r = e.lyng_wasm_repl_new(cli);
  inst.flush();
  if (!r) return 70;
  const file = await historyFile();
  const rl = createInterface({
    input: process.stdin, output: process.stdout, terminal: true,
    history: await loadHistory(file), historySize: HISTORY_SIZE,
  });
  const prompt = () => {
    rl.setPrompt(inst.cString(e.lyng_wasm_repl_prompt(r)));
    rl.prompt(true);
  };
  let promptShown = false;
  // a coroutine prints while the prompt is shown: clear the prompt line,
  // and draw it again (with what was typed) after the output
  inst.onReplPrint = () => {
    if (!promptShown) return;
    promptShown = false;
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
  };
  let busy = false;
  const queued = [];
  return new Promise((resolve) => {
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      inst.stopRepl();
      inst.flush();
      saveHistory(file, rl.history).finally(() => {
        rl.close();
        e.lyng_wasm_repl_free(r);
        resolve(code);
      });
    };
    const feed = (line) => {
      if (e.lyng_wasm_repl_feed(r, inst.alloc(line)[0]) === ReplStep.QUIT) return finish(0);
      inst.flush();
      if (e.lyng_wasm_repl_busy(r)) {
        busy = true;
        promptShown = false;
        inst.wake();
      } else {
        promptShown = true;
        prompt();
      }
    };
    inst.driveRepl(() => {
      const st = e.lyng_wasm_repl_step(r);
      inst.flush();
      if (st === ReplStep.QUIT) {
        finish(e.lyng_wasm_repl_exit_code(r));
        return st;
      }
      if (busy && !e.lyng_wasm_repl_busy(r)) {
        busy = false;
        while (queued.length && !busy && !done) { feed(queued.shift()); busy = !!e.lyng_wasm_repl_busy(r); }
        if (!busy && !promptShown) { promptShown = true; prompt(); }
      } else if (!busy && !promptShown) {
        promptShown = true;
        prompt();
      }
      return st;
    });
    rl.on('line', (line) => {
      if (done) return;
      if (busy) queued.push(line);
      else feed(line);
    });
    rl.on('SIGINT', () => {
      if (busy) {
        process.stdout.write('\n');
        e.lyng_wasm_repl_interrupt(r);
        inst.wake();
      } else {
        e.lyng_wasm_repl_interrupt(r);
        rl.write(null, { ctrl: true, name: 'u' });
        process.stdout.write('^C\n');
        prompt();
      }
    });
    rl.on('close', () => { process.stdout.write('\n'); finish(0); });
    promptShown = true;
    prompt();
  });
}

// lyng-cli.wasm through bin/lyng's code cache (code_cache.mjs), or null if
// the file cannot be read: LyngInstance.create then reads it and reports.
async function openModule() {
  const fs = process.getBuiltinModule?.('node:fs') ?? await import('node:fs');
  let bytes;
  try {
    bytes = fs.readFileSync(new URL('../build/wasm/lyng-cli.wasm', import.meta.url));
  } catch {
    return null;
  }
  return openCodeCache(bytes, fs);
}

async function main(bin) {
  let workers;
  try {
    workers = workersOption(argv.slice(1));
  } catch (err) {
    process.stderr.write(`lyng: ${err.message}\n`);
    return 2;
  }
  if (workers) {
    return runWorkers(bin, argv.slice(1), workers);
  }
  const codeCache = await openModule();
  const inst = await LyngInstance.create({ cli: true, preopens, module: codeCache?.module });
  inst.chdir(process.cwd());
  const { cli } = inst.cliNew(argv, { slice: NODE_SLICE_STEPS });
  let code;
  if (inst.exports.lyng_wasm_cli_wants_repl(cli) && process.stdin.isTTY) {
    code = await repl(inst, cli);
  } else {
    // Node leaves the event loop when nothing is pending; a script still
    // waiting then can never be woken (the native binary would hang).
    let finished = false;
    const onBeforeExit = () => {
      if (finished) return;
      finished = true;
      inst.flush();
      process.stderr.write('lyng: the script waits for an event that can never happen\n');
      process.exit(1);
    };
    process.once('beforeExit', onBeforeExit);
    code = await inst.runCli(cli);
    finished = true;
    process.removeListener('beforeExit', onBeforeExit);
  }
  inst.flush();
  // Written only once V8 has optimized the run loop (code_cache.mjs).
  if (code === 0) codeCache?.save(inst.exports);
  // The command line is not freed: the process ends here, and the wasm
  // memory with it. Freeing every object the script left one by one is
  // pure loss (100 ms after a script that kept 200000 strings); close()
  // still closes the sockets and timers the script left open.
  inst.close();
  return code;
}

// A copy started by --workers (a cluster worker) holds an IPC channel to
// its supervisor, which would keep it alive after the script ended; and
// leaving the cluster by disconnecting exits with status 0. So a copy exits
// explicitly, once its output is written (writes to pipes and files are
// synchronous on Linux).
const leaveCluster = () => { if (process.connected) process.exit(process.exitCode); };

// Runs the command line of this process; bin: the path of bin/lyng, which
// --workers starts again for each copy. bin/lyng has set V8's flags.
export function runCommandLine(bin) {
  main(bin).then(
    (code) => { process.exitCode = code; leaveCluster(); },
    (err) => {
      const missing = /is missing; build it/.test(err?.message);
      process.stderr.write(missing ? `${err.message}\n` : `lyng: internal error: ${err?.stack ?? err}\n`);
      process.exitCode = 70;
      leaveCluster();
    },
  );
}
