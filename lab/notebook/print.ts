/** How a cell looks in the terminal: a numbered title rule, the prose, then the code with line numbers. */
import { bold, cyan, dim } from '../cli/style.ts';
import type { NotebookContext } from './context.ts';

const WIDTH = 78;

export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** `code` in prose shows in cyan, the way docs show it. */
function prose(text: string): string {
  return dedent(text).replace(/`([^`]+)`/g, (_, code: string) => cyan(code));
}

export function elapsed(ctx: NotebookContext): string {
  return `${(performance.now() - ctx.startedAt).toFixed(0)} ms`;
}

export function printCell(ctx: NotebookContext | undefined, title: string, text?: string): void {
  const out: string[] = [];
  if (ctx && ctx.index >= 0) out.push(dim(`   ⏱ ${elapsed(ctx)}`));
  const n = ctx ? ctx.index + 2 : 0;
  const head = ctx ? `[${n}/${ctx.cells.length}] ${title}` : title;
  out.push('', bold(`── ${head} ${'─'.repeat(Math.max(3, WIDTH - head.length - 4))}`));
  if (text) out.push(prose(text), '');
  const source = ctx?.cells[n - 1];
  if (source && source.lines.length > 0) {
    const width = String(source.lines[source.lines.length - 1]?.n ?? 0).length;
    for (const line of source.lines) out.push(dim(`${String(line.n).padStart(width)} │ `) + line.text);
    out.push(dim(`${' '.repeat(width)} ▼`));
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
