/** The cell editor: CodeMirror 6 with TypeScript highlighting; Ctrl/Cmd-Enter runs the cell. */
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';

/** `firstLine` numbers the lines as the notebook file does, as the code listing above did. */
export function mountEditor(host: HTMLElement, text: string, firstLine: number, run: () => void): { text(): string; set(text: string): void } {
  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers({ formatNumber: (n) => String(n + firstLine - 1) }),
        history(),
        keymap.of([{ key: 'Mod-Enter', run: () => (run(), true) }, ...defaultKeymap, ...historyKeymap]),
        javascript({ typescript: true }),
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.lineWrapping,
      ],
    }),
  });
  view.focus();
  return {
    text: () => view.state.doc.toString(),
    set: (next) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } }),
  };
}
