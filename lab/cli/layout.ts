/**
 * Fitting text to the terminal: prose reflows to the width of the window (80 columns when stdout is
 * not a terminal), code lines that do not fit are cut with `…` rather than wrapped mid-word.
 * Widths are counted without colour codes.
 */
const ANSI = /\x1b\[[0-9;]*m/g;

/** A `code span` in prose: backticks paired from the left, within one paragraph (it may cross a line break). */
export const CODE_SPAN = /`(?:[^`\n]|\n(?![ \t]*\n))*`/g;

/** The width to write to: NOSQL_LAB_COLUMNS, else the terminal's, else COLUMNS, else 80; never under 40. */
export function columns(stream: NodeJS.WriteStream | undefined = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  const number = (text: string | undefined): number | undefined => {
    const n = Number(text);
    return text && Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const width = number(env.NOSQL_LAB_COLUMNS) ?? (stream?.isTTY ? stream.columns : undefined) ?? number(env.COLUMNS) ?? 80;
  return Math.max(40, Math.min(width, 200));
}

/** Visible length: colour codes take no room, and a character outside the BMP counts once. */
export function visible(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/**
 * Reflows `text` (paragraphs separated by blank lines; lines of a paragraph are joined) to `width`,
 * every line starting with `indent` (the first with `first`, when given). A word longer than the line
 * stays whole on a line of its own. List items (`- `, `* `, `1. `, `• `) start their own line.
 */
export function wrap(text: string, width: number, indent = '', first = indent): string[] {
  const out: string[] = [];
  // A short `code span` stays on one line: a command cut in two is hard to copy. Spans are paired from
  // the left and may cross a line break of the source (not a blank line), so the prose between two spans
  // is never taken for one.
  const kept = text.replace(/\r/g, '').replace(CODE_SPAN, (span) => {
    const joined = span.replace(/\n[ \t]*/g, ' ');
    return joined.length <= 42 ? unbroken(joined) : joined;
  });
  const paragraphs = kept.split(/\n[ \t]*\n/);
  paragraphs.forEach((paragraph, p) => {
    if (p > 0) out.push('');
    // A list item or an indented (code-like) line keeps its own line.
    const items: string[] = [];
    for (const line of paragraph.split('\n')) {
      if (items.length === 0 || /^\s*([-*•]|\d+\.)\s/.test(line) || /^\s{4,}\S/.test(line)) items.push(line.trim());
      else items[items.length - 1] = `${items[items.length - 1]} ${line.trim()}`;
    }
    for (const item of items) {
      let line = out.length === 0 ? first : indent;
      let empty = true;
      for (const word of item.split(/[ \t]+/).filter(Boolean)) {
        if (!empty && visible(line) + 1 + visible(word) > width) {
          out.push(line);
          line = indent;
          empty = true;
        }
        line = empty ? `${line}${word}` : `${line} ${word}`;
        empty = false;
      }
      out.push(line);
    }
  });
  return out.map((l) => l.replace(/\u00a0/g, ' '));
}

/** A phrase wrap() keeps on one line, e.g. a command: `npm run lesson 1 -- --watch`. */
export function unbroken(text: string): string {
  return text.replace(/ /g, '\u00a0');
}

/** Cuts a line that is wider than `width` and ends it with `…` (colour codes are dropped from a cut line). */
export function cut(line: string, width: number): string {
  if (visible(line) <= width) return line;
  return `${[...line.replace(ANSI, '')].slice(0, Math.max(1, width - 1)).join('')}…`;
}
