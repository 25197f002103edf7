/** Pretty output for notebook cells: tables for rows, coloured inspection for everything else. */
import { inspect } from 'node:util';
import { columns, cut } from '../cli/layout.ts';
import { colours, dim } from '../cli/style.ts';

const MAX_CELL = 48;

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function cellText(value: unknown): string {
  const text = typeof value === 'string' ? value : inspect(value, { depth: 2, breakLength: Infinity, compact: true, colors: false });
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** Renders rows as a text table; `null` cells print as NULL, missing ones stay blank. */
export function table(rows: readonly Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const body = rows.map((row) => columns.map((c) => (c in row ? (row[c] === null ? 'NULL' : cellText(row[c])) : '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `│ ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ')} │`;
  const rule = (l: string, m: string, r: string): string => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`;
  return [rule('┌', '┬', '┐'), line(columns), rule('├', '┼', '┤'), ...body.map(line), rule('└', '┴', '┘')].join('\n');
}

/** Output fits the terminal: a table wider than the window is cut at its edge with `…`. */
export function format(value: unknown, width = columns()): string {
  const rows = isPlainRecord(value) && Array.isArray(value.rows) ? value.rows : value;
  if (Array.isArray(rows) && rows.length > 0 && rows.every(isPlainRecord)) {
    const nested = rows.some((row) => Object.values(row).some((v) => isPlainRecord(v) || Array.isArray(v)));
    if (!nested) return `${table(rows).split('\n').map((l) => cut(l, width)).join('\n')}\n${dim(`(${rows.length} row${rows.length === 1 ? '' : 's'})`)}`;
  }
  if (typeof value === 'string') return value;
  const text = inspect(value, { depth: 6, colors: colours, compact: 3, breakLength: width, sorted: false });
  return text.split('\n').map((l) => cut(l, width)).join('\n');
}
