/**
 * Makes a lesson page's notebook runnable: each `.nb-cell` (rendered by lab/docs/expand.ts) gets
 * Run, Run all above, Reset and Edit, and its output appears under it the way the terminal prints
 * it. The editor (CodeMirror) is only downloaded when a reader first edits a cell.
 */
import { PageRunner } from './runner.ts';

interface Cell {
  readonly root: HTMLElement;
  readonly original: string;
  readonly firstLine: number;
  readonly live: HTMLElement;
  readonly buttons: HTMLButtonElement[];
  editor?: { text(): string; set(text: string): void };
}

type Editor = NonNullable<Cell['editor']>;

function button(label: string, title: string, action: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `nb-button nb-${action}`;
  b.textContent = label;
  b.title = title;
  b.dataset.action = action;
  return b;
}

function codeOf(root: HTMLElement): HTMLElement | null {
  return root.querySelector<HTMLElement>('.nb-source + div[class*="language-ts"]');
}

export class NotebookPage {
  private readonly runner = new PageRunner();
  private readonly cells: Cell[] = [];
  private readonly statusLine: HTMLElement;
  private busy = false;

  constructor(roots: HTMLElement[]) {
    this.statusLine = document.createElement('div');
    this.statusLine.className = 'nb-status';
    this.statusLine.setAttribute('role', 'status');
    this.runner.onStatus = (text) => {
      this.statusLine.textContent = text;
      this.statusLine.classList.toggle('nb-status-on', text !== '');
    };
    document.body.append(this.statusLine);
    for (const root of roots) this.enhance(root);
  }

  private enhance(root: HTMLElement): void {
    const block = codeOf(root);
    if (!block) return;
    const original = (block.querySelector('code')?.textContent ?? '').replace(/\n$/, '');
    const firstLine = Number(/lines (\d+)/.exec(root.querySelector('.nb-source')?.textContent ?? '')?.[1] ?? 1);
    const bar = document.createElement('div');
    bar.className = 'nb-toolbar';
    const buttons = [
      button('▶ Run', 'Run this cell in the page', 'run'),
      button('Run all above', 'Reset the databases, then run every cell above this one', 'above'),
      button('Edit', 'Edit this cell’s code', 'edit'),
      button('Reset', 'Empty the databases and forget every cell’s variables', 'reset'),
    ];
    bar.append(...buttons);
    const live = document.createElement('div');
    live.className = 'nb-live';
    live.hidden = true;
    block.after(bar, live);
    const cell: Cell = { root, original, firstLine, live, buttons };
    this.cells.push(cell);
    bar.addEventListener('click', (event) => {
      const action = (event.target as HTMLElement).closest<HTMLButtonElement>('button')?.dataset.action;
      if (action === 'run') void this.exclusive(() => this.run(cell));
      else if (action === 'above') void this.exclusive(() => this.runAbove(cell));
      else if (action === 'reset') void this.exclusive(() => this.resetAll());
      else if (action === 'edit') void this.edit(cell);
    });
    root.classList.add('nb-runnable');
  }

  /** Starts the worker ahead of the first click, once the page is idle. */
  warm(): void {
    this.runner.start();
  }

  private async exclusive(work: () => Promise<unknown>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    for (const c of this.cells) for (const b of c.buttons) b.disabled = true;
    try {
      await work();
    } finally {
      this.busy = false;
      for (const c of this.cells) for (const b of c.buttons) b.disabled = false;
    }
  }

  private code(cell: Cell): string {
    return cell.editor ? cell.editor.text() : cell.original;
  }

  /** Runs one cell; its output replaces the captured one. */
  async run(cell: Cell): Promise<boolean> {
    const live = cell.live;
    live.replaceChildren();
    live.hidden = false;
    cell.root.classList.add('nb-ran');
    live.dataset.state = 'running';
    let out: HTMLElement | undefined;
    const output = (text: string): void => {
      if (!out) {
        const pre = document.createElement('pre');
        pre.className = 'nb-live-output';
        out = document.createElement('code');
        pre.append(out);
        live.append(pre);
      }
      out.textContent += text;
    };
    const note = (text: string): void => {
      out = undefined;
      const p = document.createElement('p');
      p.className = 'nb-live-note';
      p.textContent = text;
      live.append(p);
    };
    const result = await this.runner.run(this.code(cell), cell.firstLine, { output, note });
    if (!result.ok) {
      const error = document.createElement('pre');
      error.className = 'nb-live-error';
      error.textContent = result.error ?? 'The cell failed.';
      live.append(error);
    }
    live.dataset.state = result.ok ? 'done' : 'failed';
    live.dataset.ms = result.ms.toFixed(0);
    return result.ok;
  }

  private async runAbove(cell: Cell): Promise<void> {
    await this.resetAll();
    for (const c of this.cells) {
      if (c === cell) break;
      if (!(await this.run(c))) break;
    }
  }

  private async resetAll(): Promise<void> {
    await this.runner.reset();
    for (const c of this.cells) {
      c.live.hidden = true;
      c.live.replaceChildren();
      delete c.live.dataset.state;
      c.root.classList.remove('nb-ran');
    }
  }

  private async edit(cell: Cell): Promise<void> {
    if (cell.editor) return;
    const block = codeOf(cell.root);
    if (!block) return;
    const { mountEditor } = await import('./editor.ts');
    const host = document.createElement('div');
    host.className = 'nb-editor';
    block.after(host);
    block.hidden = true;
    const editor: Editor = mountEditor(host, cell.original, cell.firstLine, () => void this.exclusive(() => this.run(cell)));
    cell.editor = editor;
  }

  dispose(): void {
    this.runner.dispose();
    this.statusLine.remove();
  }
}

let page: NotebookPage | undefined;

/** Called after every route change: (re)builds the runnable cells of the page now shown. */
export function mountNotebook(): void {
  page?.dispose();
  page = undefined;
  const roots = [...document.querySelectorAll<HTMLElement>('.nb-cell')];
  if (roots.length === 0) return;
  page = new NotebookPage(roots);
  const warm = (): void => page?.warm();
  if ('requestIdleCallback' in window) window.requestIdleCallback(warm, { timeout: 300 });
  else setTimeout(warm, 50);
}
