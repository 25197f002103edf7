/**
 * Splits a notebook file into cells. A cell starts at a line whose code begins with `cell(`;
 * its code is every following line up to the next cell, without `note(…)` calls (shown as prose
 * instead) and without `// #region` markers (which are for the docs site's snippet imports).
 */
export interface SourceLine {
  /** 1-based line number in the notebook file. */
  readonly n: number;
  readonly text: string;
}

export interface CellSource {
  readonly lines: readonly SourceLine[];
}

const CELL_START = /^\s*cell\(/;
const NOTE_START = /^\s*note\(/;
const REGION = /^\s*\/\/\s*#(end)?region\b/;

/** Index of the line on which a call that starts at `start` ends (backticks balanced, ends in `)` or `);`). */
function callEnd(lines: readonly string[], start: number): number {
  let backticks = 0;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? '';
    backticks += (line.match(/(?<!\\)`/g) ?? []).length;
    if (backticks % 2 === 0 && /\)\s*;?\s*(\/\/.*)?$/.test(line)) return i;
  }
  return lines.length - 1;
}

export function splitCells(text: string): CellSource[] {
  const lines = text.split('\n');
  const cells: CellSource[] = [];
  let i = 0;
  while (i < lines.length && !CELL_START.test(lines[i] ?? '')) i++;
  while (i < lines.length) {
    i = callEnd(lines, i) + 1;
    const shown: SourceLine[] = [];
    while (i < lines.length && !CELL_START.test(lines[i] ?? '')) {
      const line = lines[i] ?? '';
      if (NOTE_START.test(line)) {
        i = callEnd(lines, i) + 1;
        continue;
      }
      if (!REGION.test(line) && (shown.length > 0 || line.trim() !== '')) shown.push({ n: i + 1, text: line });
      i++;
    }
    while (shown.length > 0 && (shown[shown.length - 1]?.text ?? '').trim() === '') shown.pop();
    cells.push({ lines: shown });
  }
  return cells;
}
