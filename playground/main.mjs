// main.mjs - the Lyng playground page: a CodeMirror editor, Run/Stop, the
// example menu, the output pane and share links (the script, base64url
// encoded, in the URL's #code= fragment). Each run gets a fresh VM from
// js-shim/browser.mjs; Stop closes it, which ends the script at once (the
// VM runs in slices, so the click is handled between two of them).
// The script is kept in localStorage; output is added to the page once per
// animation frame; a runtime error marks its line in the editor.
// window.createLyng is the browser createLyng, for the console and tests.
import { basicSetup, EditorView } from 'codemirror';
import { indentWithTab } from '@codemirror/commands';
import { EditorSelection, Prec, StateEffect, StateField } from '@codemirror/state';
import { Decoration, keymap } from '@codemirror/view';
import { createLyng as createBrowserLyng } from '../js-shim/browser.mjs';
import { examples } from './examples.mjs';
import { lyngLanguage } from './lyng_mode.mjs';

const WASM_URL = new URL('./lyng.wasm', import.meta.url);
const SCRIPT_NAME = 'main.lyng';
const OUTPUT_LIMIT = 200_000; // characters kept in the output pane
const STORAGE_KEY = 'lyng-playground-script';

export function createLyng(options = {}) {
  return createBrowserLyng({ module: WASM_URL, ...options });
}
window.createLyng = createLyng;

const $ = (id) => document.getElementById(id);
const ui = {
  editor: $('editor'), output: $('output'), status: $('status'), run: $('run'), stop: $('stop'),
  share: $('share'), shareLink: $('share-link'), examples: $('examples'),
};

// ---- share links ----
export function encodeScript(text) {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeScript(code) {
  const bin = atob(code.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function scriptFromUrl() {
  const m = /[#&]code=([A-Za-z0-9_-]*)/.exec(location.hash);
  if (!m) return null;
  try { return decodeScript(m[1]); } catch { return null; }
}

function storedScript() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; } // storage may be disabled
}

// ---- the line of a runtime error ----
const markError = StateEffect.define(); // a line number, or null to clear
const errorLine = Decoration.line({ class: 'cm-lyng-error-line' });
const errorField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none; // the line may have moved: the mark goes
    for (const e of tr.effects) {
      if (!e.is(markError)) continue;
      marks = e.value == null || e.value > tr.state.doc.lines ? Decoration.none
        : Decoration.set([errorLine.range(tr.state.doc.line(e.value).from)]);
    }
    return marks;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// ---- the editor ----
let saveTimer = null;
const view = new EditorView({
  parent: ui.editor,
  doc: scriptFromUrl() ?? storedScript() ?? examples[0].code,
  extensions: [
    Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => { run(); return true; } }])),
    basicSetup,
    keymap.of([indentWithTab]), // Tab indents; Escape then Tab leaves the editor
    lyngLanguage,
    errorField,
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        try { localStorage.setItem(STORAGE_KEY, getCode()); } catch { /* storage full or disabled */ }
      }, 300);
    }),
    EditorView.theme({ '&': { height: '100%' }, '.cm-scroller': { fontFamily: 'var(--mono)' } }),
  ],
});

const getCode = () => view.state.doc.toString();
function setCode(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function goTo(line, column) {
  const doc = view.state.doc;
  if (line < 1 || line > doc.lines) return;
  const l = doc.line(line);
  const pos = Math.min(l.from + Math.max(column - 1, 0), l.to);
  view.dispatch({ selection: EditorSelection.cursor(pos), scrollIntoView: true });
  view.focus();
}

// ---- output ----
// Printed text waits in `pending` and is added once per animation frame, as
// one text node per run of the same stream: a script that prints thousands
// of lines then costs a few layouts instead of one per line. Blocks (the
// result, an error) and the end of a run add what waits first.
let pending = [];
let frame = 0;

function append(text, kind) {
  const last = pending[pending.length - 1];
  if (last && last.kind === kind) last.text += text;
  else pending.push({ kind, text });
  if (!frame) frame = requestAnimationFrame(flushOutput);
}

function flushOutput() {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  if (!pending.length) return;
  const parts = pending;
  pending = [];
  const fragment = document.createDocumentFragment();
  let last = ui.output.lastElementChild;
  for (const { kind, text } of parts) {
    if (last && last.tagName === 'SPAN' && last.classList.contains(kind) && !fragment.childNodes.length) {
      last.append(text); // continues the text already shown
      continue;
    }
    const span = document.createElement('span');
    span.className = kind;
    span.textContent = text;
    fragment.append(span);
    last = span;
  }
  ui.output.append(fragment);
  trimOutput();
  ui.output.scrollTop = ui.output.scrollHeight;
}

// Keeps the pane under OUTPUT_LIMIT characters by dropping its oldest parts.
function trimOutput() {
  let size = ui.output.textContent.length;
  while (size > OUTPUT_LIMIT && ui.output.firstElementChild && ui.output.firstElementChild !== ui.output.lastElementChild) {
    size -= ui.output.firstElementChild.textContent.length;
    ui.output.firstElementChild.remove();
  }
}

function clearOutput() {
  pending = [];
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  ui.output.replaceChildren();
}

function block(kind, ...children) {
  flushOutput();
  const div = document.createElement('div');
  div.className = kind;
  div.append(...children);
  ui.output.append(div);
  ui.output.scrollTop = ui.output.scrollHeight;
  return div;
}

function setStatus(state, text) {
  if (state !== 'running') flushOutput();
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  const running = state === 'running';
  ui.run.disabled = running;
  ui.stop.disabled = !running;
}

// The first "main.lyng:LINE:COL" of an error report.
function locationOf(err) {
  const m = new RegExp(`${SCRIPT_NAME.replace('.', '\\.')}:(\\d+):(\\d+)`).exec(`${err.lyngStack ?? ''}\n${err.message}`);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

function showError(err) {
  if (err.lyngClass === 'Exit') {
    block('exit', `the script called exit(${err.exitCode})`);
    return;
  }
  const where = locationOf(err);
  const head = document.createElement('div');
  head.className = 'error-head';
  head.textContent = err.lyngClass === 'SyntaxError' || !err.lyngClass ? 'Compile error' : err.lyngClass;
  if (where) {
    const link = document.createElement('a');
    link.href = '#';
    link.className = 'error-location';
    link.textContent = `line ${where.line}, column ${where.column}`;
    link.addEventListener('click', (e) => { e.preventDefault(); goTo(where.line, where.column); });
    head.append(' at ', link);
  }
  const body = document.createElement('pre');
  body.textContent = err.lyngStack || err.message;
  block('error', head, body);
  if (where) {
    view.dispatch({ effects: markError.of(where.line) });
    goTo(where.line, where.column);
  }
}

// ---- running ----
// The run in progress: { lyng, stopped, superseded }. A superseded run (a
// new Run, or another example chosen) leaves the page to its successor.
let current = null;

function supersede() {
  if (!current) return;
  current.superseded = true;
  stop();
}

async function run() {
  supersede();
  const job = { lyng: null, stopped: false, superseded: false };
  current = job;
  clearOutput();
  view.dispatch({ effects: markError.of(null) });
  setStatus('running', 'Running…');
  const started = performance.now();
  const took = () => `${Math.round(performance.now() - started)} ms`;
  try {
    job.lyng = await createLyng({ stdout: (t) => append(t, 'out'), stderr: (t) => append(t, 'err') });
    if (job.stopped) throw new Error('stopped');
    const value = await job.lyng.eval(getCode(), { name: SCRIPT_NAME });
    const result = block('result');
    const arrow = document.createElement('span');
    arrow.className = 'arrow';
    arrow.textContent = '⇒ ';
    result.append(arrow, value);
    setStatus('done', `Done in ${took()}`);
  } catch (err) {
    if (job.superseded) return;
    if (job.stopped) {
      block('stopped', 'Stopped.');
      setStatus('stopped', `Stopped after ${took()}`);
    } else if (err && err.name === 'LyngError') {
      showError(err);
      setStatus('error', `Failed after ${took()}`);
    } else {
      block('error', String(err?.message ?? err));
      setStatus('error', 'Internal error');
    }
  } finally {
    job.lyng?.close();
    if (current === job) current = null;
  }
}

function stop() {
  const job = current;
  if (!job) return;
  job.stopped = true;
  current = null;
  job.lyng?.close(); // rejects the running eval at once
}

// ---- menu, buttons, share ----
for (const ex of examples) {
  const opt = document.createElement('option');
  opt.value = ex.id;
  opt.textContent = ex.title;
  ui.examples.append(opt);
}
ui.examples.addEventListener('change', () => {
  const ex = examples.find((e) => e.id === ui.examples.value);
  if (!ex) return;
  supersede();
  setCode(ex.code);
  clearOutput();
  setStatus('idle', 'Ready: press Run or Ctrl+Enter');
  view.focus();
});

ui.run.addEventListener('click', () => run());
ui.stop.addEventListener('click', () => stop());
ui.share.addEventListener('click', async () => {
  const url = `${location.origin}${location.pathname}#code=${encodeScript(getCode())}`;
  history.replaceState(null, '', url);
  ui.shareLink.value = url;
  ui.shareLink.hidden = false;
  ui.shareLink.select();
  try {
    await navigator.clipboard.writeText(url);
    ui.share.textContent = 'Link copied';
  } catch {
    ui.share.textContent = 'Link below';
  }
  setTimeout(() => { ui.share.textContent = 'Share'; }, 1500);
});
window.addEventListener('hashchange', () => {
  const text = scriptFromUrl();
  if (text !== null && text !== getCode()) setCode(text);
});

window.playground = { getCode, setCode, run, stop };
setStatus('idle', 'Ready: press Run or Ctrl+Enter');
const shown = scriptFromUrl() ?? storedScript();
ui.examples.value = examples.find((e) => e.code === (shown ?? examples[0].code))?.id ?? '';
