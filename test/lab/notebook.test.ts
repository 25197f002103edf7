/**
 * How a notebook file is cut into cells for printing: what a learner sees above each cell's output.
 */
import { describe, expect, it } from 'vitest';
import { splitCells } from '../../lab/notebook/source.ts';
import { format, table } from '../../lab/notebook/show.ts';

const NOTEBOOK = [
  "import { cell, note, show } from '#lab/notebook/index.ts';", //  1
  '', //  2
  "cell('First', `Prose for the first cell,", //  3
  'over two lines.`);', //  4
  '', //  5
  'const a = 1;', //  6
  '// #region docs-snippet', //  7
  'show(a);', //  8
  '// #endregion docs-snippet', //  9
  "note(`Said between two lines", // 10
  'of code.`);', // 11
  'show(a + 1);', // 12
  '', // 13
  "cell('Second');", // 14
  'show(2);', // 15
].join('\n');

describe('splitting a notebook into cells', () => {
  it('gives each cell() the code after it, up to the next cell, with its line numbers', () => {
    const expected = [
      { lines: [{ n: 6, text: 'const a = 1;' }, { n: 8, text: 'show(a);' }, { n: 12, text: 'show(a + 1);' }] },
      { lines: [{ n: 15, text: 'show(2);' }] },
    ];

    expect(splitCells(NOTEBOOK)).toEqual(expected);
  });

  it('leaves out what comes before the first cell (imports)', () => {
    const cells = splitCells(NOTEBOOK);

    expect(cells.flatMap((c) => c.lines.map((l) => l.text))).not.toContain(expect.stringContaining('import'));
  });

  it('returns no cells for a file without cell() calls', () => {
    expect(splitCells('const x = 1;\nshow(x);\n')).toEqual([]);
  });
});

describe('showing values', () => {
  it('prints rows as a table, NULL for null and blank for a missing column', () => {
    const expected = [
      '┌────┬───────┬───────┐',
      '│ id │ name  │ email │',
      '├────┼───────┼───────┤',
      '│ 1  │ Alice │ a@x   │',
      '│ 2  │ Bob   │ NULL  │',
      '│ 3  │ Cy    │       │',
      '└────┴───────┴───────┘',
    ].join('\n');

    expect(table([{ id: 1, name: 'Alice', email: 'a@x' }, { id: 2, name: 'Bob', email: null }, { id: 3, name: 'Cy' }])).toBe(expected);
  });

  it('prints a query result ({ rows }) as its rows, and nested documents inspected, not flattened', () => {
    expect(format({ rows: [{ n: 1 }], rowCount: 1 })).toContain('│ n │');
    expect(format([{ name: 'Bob', preferences: { theme: 'dark' } }])).toContain("preferences: { theme: 'dark' }");
  });
});
