/** How a cell looks in the terminal: a numbered title rule, the prose, then the code with line numbers. */
import { CODE_SPAN, columns, cut, wrap } from '../cli/layout.ts';
import { bold, cyan, dim } from '../cli/style.ts';
import type { NotebookContext } from './context.ts';

export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/**
 * Prose reflows to the terminal's width (the source's own line breaks are not kept, blank lines are);
 * `code` in prose shows in cyan, the way docs show it.
 */
function prose(text: string, width = columns()): string {
  return wrap(dedent(text), width)
    .join('\n')
    .replace(CODE_SPAN, (span) => span.slice(1, -1).split('\n').map(cyan).join('\n'));
}

export function elapsed(ctx: NotebookContext): string {
  return `${(performance.now() - ctx.startedAt).toFixed(0)} ms`;
}

export function printCell(ctx: NotebookContext | undefined, title: string, text?: string): void {
  const out: string[] = [];
  if (ctx && ctx.index >= 0) out.push(dim(`   ⏱ ${elapsed(ctx)}`));
  const n = ctx ? ctx.index + 2 : 0;
  const width = columns();
  const head = ctx ? `[${n}/${ctx.cells.length}] ${title}` : title;
  out.push('', bold(cut(`── ${head} ${'─'.repeat(Math.max(3, width - 2 - head.length - 4))}`, width)));
  if (text) out.push(prose(text), '');
  const source = ctx?.cells[n - 1];
  if (source && source.lines.length > 0) {
    const gutter = String(source.lines[source.lines.length - 1]?.n ?? 0).length;
    // A code line that does not fit is cut with `…`: wrapping code mid-word would change what it says.
    for (const line of source.lines) out.push(dim(`${String(line.n).padStart(gutter)} │ `) + cut(line.text, width - gutter - 3));
    out.push(dim(`${' '.repeat(gutter)} ▼`));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (ctx) {
    ctx.index += 1;
    ctx.startedAt = performance.now();
  }
}

export function printNote(text: string): void {
  process.stdout.write(`${prose(text)}\n`);
}
