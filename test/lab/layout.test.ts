/** Text that fits the terminal: prose reflows to the width, code is cut with `…`, never wrapped mid-word. */
import { describe, expect, it } from 'vitest';
import { columns, cut, visible, wrap } from '../../lab/cli/layout.ts';

const stream = (isTTY: boolean, width?: number): NodeJS.WriteStream => ({ isTTY, columns: width }) as unknown as NodeJS.WriteStream;

describe('the width', () => {
  it("is the terminal's, or 80 when stdout is not a terminal (COLUMNS or NOSQL_LAB_COLUMNS can set it)", () => {
    const expected = { tty: 120, pipe: 80, columns: 60, course: 72 };

    const actual = {
      tty: columns(stream(true, 120), {}),
      pipe: columns(stream(false), {}),
      columns: columns(stream(false), { COLUMNS: '60' }),
      course: columns(stream(true, 120), { NOSQL_LAB_COLUMNS: '72' }),
    };

    expect(actual).toEqual(expected);
  });
});

describe('wrap', () => {
  it('reflows a paragraph pre-broken at another width to this one, without splitting words', () => {
    const text = 'SQL keeps data in tables whose columns are fixed up front; MongoDB keeps documents that each\ncarry their own fields; Redis keeps values under keys, in memory.';

    const lines = wrap(text, 40);

    expect(lines.every((l) => visible(l) <= 40)).toBe(true);
    expect(lines.join(' ')).toBe(text.replace('\n', ' '));
  });

  it('keeps a short `code span` (a command) on one line, and blank lines between paragraphs', () => {
    const lines = wrap('Stuck? Run `npm run lesson 1 -- --hint` for a hint.\n\nSecond paragraph.', 24);

    expect(lines).toContain('`npm run lesson 1 -- --hint`');
    expect(lines.slice(-2)).toEqual(['', 'Second paragraph.']);
  });

  it('keeps only real code spans whole: the prose after a long span still wraps', () => {
    const text = 'Use `const found = await users.find(filter).limit(size + 1).toArray();` then keep the first `size` of them.';

    const lines = wrap(text, 40);

    expect(lines.every((l) => visible(l) <= 40)).toBe(true);
  });

  it('pairs the backticks of a span that crosses a line break of the source with each other', () => {
    const text = 'The checks: `npm run lesson\n7` checks them, `npm run lesson 7 -- --hint` helps.';

    const lines = wrap(text, 30);

    expect(lines).toEqual(['The checks: `npm run lesson 7`', 'checks them,', '`npm run lesson 7 -- --hint`', 'helps.']);
  });

  it('starts each list item on its own line, with the indent for the lines that follow', () => {
    const expected = ['  • one two', '    three', '    • four'];

    expect(wrap('• one two three\n• four', 11, '    ', '  ')).toEqual(expected);
  });
});

describe('cut', () => {
  it('ends a line that is too wide with …, counting colour codes as no width', () => {
    const expected = ['short', 'abcdefghi…', '\x1b[2mshort\x1b[22m'];

    expect([cut('short', 10), cut('abcdefghijklmnop', 10), cut('\x1b[2mshort\x1b[22m', 10)]).toEqual(expected);
  });
});
