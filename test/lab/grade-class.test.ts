/**
 * `npm run grade` on a made-up class (lab/grade/fixtures.ts): complete, half-done and untouched work,
 * a learner who rewrote the tests, and hostile submissions — each must get exactly the points its
 * honest work earns, with the reason, and grading must go on. Slow (it grades 15 learners), so it has
 * its own run: `npm run test:grade`, which CI runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { learnersIn } from '#lab/grade/discover.ts';
import { makeClass, type Kind } from '#lab/grade/fixtures.ts';
import { grade } from '#lab/grade/main.ts';
import type { GradeReport } from '#lab/grade/report.ts';
import type { LearnerGrade } from '#lab/grade/score.ts';
import { findLesson } from '#lab/lessons.ts';

const KINDS: Kind[] = [
  'complete', 'half', 'untouched', 'tampered-tests',
  'loop', 'promise-bomb', 'memory', 'exit', 'deleter', 'reader',
  'extend-cheat', 'hidden-extend-cheat', 'answer-key', 'prototype-cheat', 'forged-record',
];

const lesson = await findLesson('1');
const total = lesson.tasks.reduce((n, t) => n + t.points, 0);
const first = lesson.tasks[0]?.points ?? 0;
const half = lesson.tasks.slice(0, Math.floor(lesson.tasks.length / 2)).reduce((n, t) => n + t.points, 0);

let report: GradeReport;
let canary = '';
let before = '';
let after = '';
const byKind = (kind: Kind): LearnerGrade => {
  const found = report.learners.find((l) => l.name.endsWith(`-${kind}`));
  if (!found) throw new Error(`no learner of kind ${kind} in the report`);
  return found;
};
const statuses = (kind: Kind): string[] => byKind(kind).lessons[0]?.tasks.map((t) => t.status) ?? [];

/** Every file's path, size, time and content hash: any write to the submissions changes it. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(`${path} ${statSync(path).mtimeMs} ${createHash('sha1').update(readFileSync(path)).digest('hex')}`);
    }
  };
  walk(dir);
  return out.sort().join('\n');
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'grade-class-'));
  const dir = join(root, 'submissions');
  canary = join(root, 'canary', 'must-survive.txt');
  makeClass(dir, [lesson], KINDS, canary);
  before = snapshot(dir);
  report = await grade(learnersIn(dir).learners, { out: join(root, 'grades'), jobs: 2, timeout: 60, lessons: [1], log: () => undefined });
  after = snapshot(dir);
}, 600_000);

describe('honest work gets exactly its points', () => {
  it('a complete submission gets every point, and is flagged as a copy of the reference solution', () => {
    const learner = byKind('complete');

    expect({ points: learner.points, max: learner.max }).toEqual({ points: total, max: total });
    expect(learner.flags.map((f) => f.kind)).toEqual(['solution-copy']);
  });

  it('a half-done submission gets the points of the tasks it did', () => {
    expect(byKind('half').points).toBe(half);
  });

  it('an untouched starter gets 0, every task "not started"', () => {
    expect(byKind('untouched').points).toBe(0);
    expect(statuses('untouched')).toEqual(lesson.tasks.map(() => 'todo'));
  });

  it('a learner who rewrote the tests and config is graded as if untouched, and flagged', () => {
    const learner = byKind('tampered-tests');

    expect(learner.points).toBe(0);
    expect(learner.flags.map((f) => `${f.kind} ${f.file}`).sort()).toEqual(['tampered test/01-sql-vs-nosql.test.ts', 'tampered vitest.config.ts']);
  });
});

describe('hostile code costs only the task it is in, and grading goes on', () => {
  it.each([
    ['loop', ['timeout']],
    ['promise-bomb', ['timeout', 'crashed']],
    ['memory', ['crashed']],
    ['exit', ['failed']],
    ['deleter', ['failed']],
    ['reader', ['failed']],
  ] as const)('%s: the first task fails with a reason, the others pass', (kind, allowed) => {
    const learner = byKind(kind);
    const [firstTask, ...rest] = learner.lessons[0]?.tasks ?? [];

    expect(learner.points).toBe(total - first);
    expect(allowed).toContain(firstTask?.status);
    expect(firstTask?.message).toBeTruthy();
    expect(rest.map((t) => t.status)).toEqual(rest.map(() => 'passed'));
  });

  it('the file the deleter aimed at is still there, and the reader got nothing', () => {
    expect(existsSync(canary)).toBe(true);
    expect(byKind('reader').lessons[0]?.tasks[0]?.message).toMatch(/outside its sandbox/);
  });

  it('no submission was written to', () => {
    expect(after).toEqual(before);
  });
});

describe('cheats score 0 on the cheating lesson, with the reason', () => {
  it.each(['extend-cheat', 'hidden-extend-cheat', 'answer-key', 'prototype-cheat', 'forged-record'] as const)('%s', (kind) => {
    const learner = byKind(kind);

    expect(learner.points).toBe(0);
    expect(learner.lessons[0]?.tasks.every((t) => t.message)).toBe(true);
  });
});

describe('a loop in every lesson', () => {
  // The first hang stops the run that holds every lesson; the next one is met with a worker per
  // lesson, and only that worker is stopped (lab/grade/run.ts): each lesson still loses one task only.
  let second: Awaited<ReturnType<typeof findLesson>>;
  let looped: LearnerGrade;

  beforeAll(async () => {
    second = await findLesson('2');
    const root = mkdtempSync(join(tmpdir(), 'grade-loops-'));
    makeClass(join(root, 'submissions'), [lesson, second], ['loop'], join(root, 'canary', 'keep.txt'));
    const graded = await grade(learnersIn(join(root, 'submissions')).learners, { out: join(root, 'grades'), jobs: 1, timeout: 60, lessons: [1, 2], log: () => undefined });
    looped = graded.learners[0] as LearnerGrade;
  }, 600_000);

  it('costs the first task of each lesson, with the reason, and nothing else', () => {
    const statuses = looped.lessons.map((l) => l.tasks.map((t) => t.status));

    expect(statuses).toEqual([lesson, second].map((l) => l.tasks.map((_, i) => (i === 0 ? 'timeout' : 'passed'))));
    expect(looped.lessons.map((l) => l.tasks[0]?.message)).toEqual([expect.stringMatching(/did not finish within 3 s/), expect.stringMatching(/did not finish within 3 s/)]);
  });
});
