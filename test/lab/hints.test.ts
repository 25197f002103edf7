/**
 * The code a task's last hint gives the learner must compile where they would type it: each code span
 * of every lesson's last hints, placed at the end of the solution's functions (lab/grading/hints.ts).
 * A lesson added later is covered without a change here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkHintCode, codeSpans, lastHintCode, looksLikeCode } from '../../lab/grading/hints.ts';
import { loadLessons } from '../../lab/lessons.ts';
import type { Lesson } from '../../lab/lesson.ts';

const lessons = await loadLessons();
const KNOWN = JSON.parse(readFileSync(new URL('./hints-known.json', import.meta.url), 'utf8')) as { lesson: string; task: string; code: string }[];

describe('the code in the last hint of every task', () => {
  it('type-checks inside the lesson solution, for every lesson in the course', () => {
    const expected: unknown[] = [];

    // Known: spans listed in test/lab/hints-known.json, to be rewritten (empty now: every last hint of
    // lessons 01–12 compiles). Any other failing span fails here.
    const problems = checkHintCode(lessons).filter((p) => !KNOWN.some((k) => k.lesson === p.lesson && k.task === p.task && k.code === p.code));

    expect(problems).toEqual(expected);
  }, 60_000);

  it('lists as known only hint code that still fails, so the list only shrinks', () => {
    const failing = checkHintCode(lessons);

    const fixed = KNOWN.filter((k) => !failing.some((p) => k.lesson === p.lesson && k.task === p.task && k.code === p.code));
    expect(fixed).toEqual([]);
  }, 60_000);

  /** Lesson 01 with one task, its first, whose only hint is `hint`. */
  function lessonOneWithHint(hint: string): Lesson {
    const lesson = lessons.find((l) => l.number === 1) as Lesson;
    const first = lesson.tasks[0];
    if (!first) throw new Error('lesson 01 has no task');
    return { ...lesson, tasks: [{ ...first, hints: [hint] }] };
  }

  it('finds code to check in the last hints of lesson 01', () => {
    const spans = lastHintCode(lessons.filter((l) => l.number === 1));

    expect(spans.length).toBeGreaterThanOrEqual(5);
  });

  it('fails a hint whose code does not compile there (rows[0].id under noUncheckedIndexedAccess, a [...] sketch)', () => {
    const broken = lessonOneWithHint('Almost there: `sql.query(\'SELECT 1\', [...])`, then `return rows[0].id;`');

    const problems = checkHintCode([broken]);

    const expected = [
      expect.objectContaining({ code: "sql.query('SELECT 1', [...])", errors: [expect.stringMatching(/does not parse/)] }),
      expect.objectContaining({ code: 'return rows[0].id;', errors: [expect.stringMatching(/^TS2532 /)] }),
    ];
    expect(problems).toEqual(expected);
  }, 60_000);

  it('passes code that narrows where the learner types it, even after a span that returns', () => {
    const narrowing = lessonOneWithHint('Almost there: `return rows;` and `const found = await db.collection<UserWithOrders>(\'users\').findOne({ email }); return found === null ? [] : found.orders;`');

    const problems = checkHintCode([narrowing]);

    expect(problems).toEqual([]);
  }, 60_000);
});

describe('what counts as code in a hint', () => {
  it('takes expressions and statements (an upper-case namespace too), and leaves names, SQL, Redis commands, key patterns and … sketches', () => {
    const spans = codeSpans('Use `insertOne`, `SELECT * FROM t`, `HSET user:1 a b`, `user:<id>`, `f(…)`, `rows[0]!.id`, `a ?? b`, `BSON.EJSON.parse(text)` and `await redis.hset(key, fields)`.');

    const expected = ['rows[0]!.id', 'a ?? b', 'BSON.EJSON.parse(text)', 'await redis.hset(key, fields)'];
    expect(spans.filter(looksLikeCode)).toEqual(expected);
  });
});
