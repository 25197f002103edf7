/**
 * Splits a notebook file into cells. A cell starts at a line whose code begins with `cell(`;
 * its code is every following line up to the next cell, without `note(…)` calls, whose
 * text is shown as prose instead.
 */
export interface CellSource {
  /** 1-based line of the first code line shown. */
  readonly firstLine: number;
  readonly lines: readonly string[];
}

const CELL_START = /^\s*cell\(/;
const NOTE_START = /^\s*note\(/;

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
    const shown: string[] = [];
    let firstLine = i + 1;
    while (i < lines.length && !CELL_START.test(lines[i] ?? '')) {
      if (NOTE_START.test(lines[i] ?? '')) {
        i = callEnd(lines, i) + 1;
        continue;
      }
      if (shown.length === 0 && (lines[i] ?? '').trim() === '') {
        i++;
        firstLine = i + 1;
        continue;
      }
      shown.push(lines[i] ?? '');
      i++;
    }
    while (shown.length > 0 && (shown[shown.length - 1] ?? '').trim() === '') shown.pop();
    cells.push({ firstLine, lines: shown });
  }
  return cells;
}
