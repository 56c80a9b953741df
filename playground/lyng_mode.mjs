// lyng_mode.mjs - syntax highlighting of Lyng for the editor: a small
// CodeMirror stream tokenizer (keywords, strings, numbers, comments), and
// indentation by the brackets still open (Enter after `{` indents the next
// line; a line starting with a closing bracket goes back).
import { StreamLanguage } from '@codemirror/language';

const KEYWORDS = new Set(['val', 'var', 'fun', 'fn', 'if', 'else', 'when', 'while', 'do', 'for', 'in',
  'return', 'break', 'continue', 'try', 'catch', 'finally', 'throw', 'is', 'as', 'import',
  'this', 'package', 'class']);
const ATOMS = new Set(['true', 'false', 'null', 'void']);

export const lyngLanguage = StreamLanguage.define({
  name: 'lyng',
  startState: () => ({ inComment: false, depth: 0 }),
  copyState: (s) => ({ ...s }),
  indent(state, textAfter, cx) {
    const closing = /^[)\]}]/.test(textAfter) ? 1 : 0;
    return Math.max(0, state.depth - closing) * cx.unit;
  },
  token(stream, state) {
    if (state.inComment) {
      if (stream.skipTo('*/')) { stream.match('*/'); state.inComment = false; } else stream.skipToEnd();
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('//')) { stream.skipToEnd(); return 'comment'; }
    if (stream.match('/*')) { state.inComment = true; return 'comment'; }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
    if (stream.match(/^'(?:[^'\\]|\\.)*'?/)) return 'string';
    if (stream.match(/^(?:0x[0-9a-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)/)) return 'number';
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (KEYWORDS.has(word)) return 'keyword';
      if (ATOMS.has(word)) return 'atom';
      if (/^[A-Z]/.test(word)) return 'typeName';
      return 'variableName';
    }
    const ch = stream.next();
    if ('([{'.includes(ch)) state.depth++;
    else if (')]}'.includes(ch) && state.depth > 0) state.depth--;
    return 'operator';
  },
  languageData: {
    commentTokens: { line: '//', block: { open: '/*', close: '*/' } },
    indentOnInput: /^\s*[)\]}]$/, // a closing bracket typed first on its line goes back
  },
});
