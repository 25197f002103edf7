/**
 * The grader's parts that need no learner run: finding learners, spotting cheats, and the report
 * formats (CSV for a grade book, JSON, JUnit parsed as XML). The class itself is graded in
 * test/lab/grade-class.test.ts (`npm run test:grade`).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { learnerAt, learnersIn, SubmissionError } from '#lab/grade/discover.ts';
import { parseLessonList, UsageError } from '#lab/grade/main.ts';
import { csv, junit, REPORT_VERSION, terminalTable, type GradeReport } from '#lab/grade/report.ts';
import type { LearnerGrade } from '#lab/grade/score.ts';
import { cheatsIn } from '#lab/grade/tamper.ts';
import { autogradingJson } from '#lab/grade/classroom.ts';
import { loadLessons } from '#lab/lessons.ts';
import { readRunRecord } from '#lab/testing/run-record.ts';
import { readFileSync } from 'node:fs';
import { ROOT } from '#lab/paths.ts';

function folder(layout: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'grade-discover-'));
  for (const [path, text] of Object.entries(layout)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('finding learners', () => {
  it('recognises a clone, a bare lessons/ folder and a clone one level down, and skips the rest', () => {
    const root = folder({
      'alice/lessons/01-sql-vs-nosql/exercise.ts': '',
      'bob/01-sql-vs-nosql/exercise.ts': '',
      'carol/nosql-lab/lessons/01-sql-vs-nosql/exercise.ts': '',
      'dave/notes.txt': '',
    });

    const { learners, skipped } = learnersIn(root);

    const expected = [
      { name: 'alice', kind: 'clone', lessonsDir: join(root, 'alice', 'lessons') },
      { name: 'bob', kind: 'lessons', lessonsDir: join(root, 'bob') },
      { name: 'carol', kind: 'clone', lessonsDir: join(root, 'carol', 'nosql-lab', 'lessons') },
    ];
    expect(learners.map(({ name, kind, lessonsDir }) => ({ name, kind, lessonsDir }))).toEqual(expected);
    expect(skipped).toEqual(['dave']);
  });

  it('says what it expected when a folder holds no lessons', () => {
    const root = folder({ 'x/readme.md': '' });

    expect(() => learnerAt(join(root, 'x'))).toThrow(SubmissionError);
    expect(() => learnerAt(join(root, 'x'))).toThrow(/expected a clone of the course \(with lessons\/\) or its lessons\/ folder/);
  });
});

describe('--lessons', () => {
  it('takes ranges and lists', () => {
    expect(parseLessonList('1-3,8')).toEqual([1, 2, 3, 8]);
    expect(parseLessonList('5')).toEqual([5]);
  });

  it('refuses anything else with the form it takes', () => {
    expect(() => parseLessonList('one')).toThrow(UsageError);
  });
});

describe('spotting exercise code that reaches for the checks', () => {
  it.each([
    ["import { expect } from 'vitest';", 'imports the test framework'],
    ["const v = await import('vitest');", 'imports the test framework'],
    ['expect.extend({ toEqual: () => ({ pass: true }) });', 'changes the assertions'],
    ["export * from '../../solutions/01-sql-vs-nosql/exercise.ts';", 'refers to the reference solutions'],
    ['Object.prototype.asymmetricMatch = () => true;', 'patches built-in objects'],
    ['globalThis.expect = undefined;', 'patches built-in objects'],
    ['const t = process.env.NOSQL_LAB_TARGET;', "reads the grader's settings"],
  ])('flags %s', (code, reason) => {
    expect(cheatsIn(code)).toContain(reason);
  });

  it('leaves ordinary exercise code, comments and string comparisons alone', () => {
    const code = "// vitest checks this file\nimport type { Db } from 'mongodb';\nexport const same = (a: unknown, b: unknown) => a === b;\nconst note = 'see the solutions page';";

    expect(cheatsIn(code)).toEqual([]);
  });
});

const learner = (name: string, points: number): LearnerGrade => ({
  name,
  path: `/class/${name}`,
  kind: 'lessons',
  points,
  max: 4,
  seconds: 1,
  flags: name === 'mallory' ? [{ kind: 'tampered', file: 'test/01-sql-vs-nosql.test.ts', detail: 'differs' }] : [],
  lessons: [{
    id: '01-sql-vs-nosql',
    number: 1,
    title: 'SQL vs NoSQL',
    points,
    max: 4,
    tasks: [
      { title: 'Save a user as a row', status: 'passed', points: 2, max: 2 },
      { title: 'Save a <user> & "hash"', status: points === 4 ? 'passed' : 'failed', points: points - 2, max: 2, message: 'expected \u0000 <b>1</b> & "2"', hint: "O'Brien" },
    ],
  }],
});

const report: GradeReport = {
  version: REPORT_VERSION,
  gradedAt: '2026-11-26T00:00:00.000Z',
  course: { commit: 'abc', lessons: [{ id: '01-sql-vs-nosql', title: 'SQL vs NoSQL', max: 4 }] },
  learners: [learner('alice', 4), learner('=HYPERLINK("x")', 2), learner('mallory', 2)],
};

describe('reports', () => {
  it('writes one CSV row per learner with lesson points, total and max, defusing spreadsheet formulas', () => {
    const expected = [
      'learner,01-sql-vs-nosql,total,max,flags',
      'alice,4,4,4,',
      `"'=HYPERLINK(""x"")",2,2,4,`,
      'mallory,2,2,4,tampered:test/01-sql-vs-nosql.test.ts',
      '',
    ].join('\n');

    expect(csv(report)).toEqual(expected);
  });

  it('writes JUnit that parses as XML, one testcase per task, failures with their message', () => {
    const text = junit(learner('bob', 2));

    expect(XMLValidator.validate(text)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(text) as {
      testsuites: { '@_tests': string; '@_failures': string; testsuite: { testcase: { '@_name': string; failure?: { '@_message': string } }[] } };
    };
    expect(parsed.testsuites['@_tests']).toBe('2');
    expect(parsed.testsuites['@_failures']).toBe('1');
    const cases = parsed.testsuites.testsuite.testcase;
    expect(cases.map((c) => c['@_name'])).toEqual(['Save a user as a row', 'Save a <user> & "hash"']);
    expect(cases[1]?.failure?.['@_message']).toBe('expected  <b>1</b> & "2"');
  });

  it('prints a table that keeps its columns apart and fits 80 columns with twelve lessons', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `${String(i + 1).padStart(2, '0')}-lesson`);
    const twelve: GradeReport = {
      ...report,
      course: { commit: 'abc', lessons: ids.map((id, i) => ({ id, title: id, max: 10 + (i % 4) })) },
      learners: [
        { ...learner('a-learner-with-a-rather-long-folder-name', 4), lessons: ids.map((id, i) => ({ id, number: i + 1, title: id, points: 10, max: 10 + (i % 4), tasks: [] })), points: 120, max: 138 },
      ],
    };

    const lines = terminalTable(twelve, 80).split('\n');

    expect(lines.filter((l) => l.length > 80)).toEqual([]);
    expect(lines[0]).toMatch(/^learner +01 02 03 04 05 06 07 08 09 10 11 12 +total$/);
    expect(lines[2]).toMatch(/^max +10 11 12 13 10 11 12 13 10 11 12 13 +138$/);
    expect(lines[4]).toMatch(/^a-learner-\S+…( 10){12} +120\/138$/);
  });

  it('has a version field in grades.json', () => {
    expect(JSON.parse(JSON.stringify(report))).toMatchObject({ version: 1 });
  });
});

describe('GitHub Classroom', () => {
  it('.github/classroom/autograding.json has one test per lesson worth its points', async () => {
    const expected = autogradingJson(await loadLessons());

    expect(readFileSync(join(ROOT, '.github', 'classroom', 'autograding.json'), 'utf8')).toEqual(expected);
  });
});

describe('the running-test record (lab/testing/run-record.ts)', () => {
  const record = (lines: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'grade-record-')), 'record.jsonl');
    writeFileSync(file, lines);
    return file;
  };
  const start = (test: string, pid: number): string => `${JSON.stringify({ type: 'start', file: 'a.test.ts', task: 'T', test, pid })}\n`;
  const result = (test: string): string => `${JSON.stringify({ type: 'result', file: 'a.test.ts', task: 'T', test, state: 'passed', errors: [] })}\n`;

  it('keeps the results before a line a kill cut short, and names the test still running', () => {
    const read = readRunRecord<{ task: string; test: string }>(record(`${start('one', 7)}${result('one')}${start('two', 7)}{"type":"res`));

    expect(read.results.map((r) => r.test)).toEqual(['one']);
    expect(read.running).toMatchObject({ test: 'two', pid: 7 });
    expect(read.unfinished.map((s) => s.test)).toEqual(['two']);
  });

  it('names every test a stopped worker left unfinished, when later workers went on', () => {
    const read = readRunRecord<{ task: string; test: string }>(record(`${start('one', 7)}${start('two', 8)}${result('two')}${start('three', 9)}`));

    expect(read.unfinished.map((s) => s.test)).toEqual(['one', 'three']);
    expect(read.running?.test).toBe('three');
  });

  it('is empty when the worker never wrote it', () => {
    expect(readRunRecord(join(tmpdir(), 'no-such-record.jsonl'))).toEqual({ results: [], unfinished: [] });
  });
});
