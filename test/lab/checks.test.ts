/**
 * The lesson runner's checks on broken learner code: each mistake a learner can make is reported
 * as one plain sentence about their own file, and nothing hangs or is left running.
 * Each case copies the lesson 01 solution, breaks it on purpose, and runs the real check process.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../../lab/checks/explain.ts';
import { runChecks, type CheckRun } from '../../lab/checks/run.ts';
import { checkInThread, WarmChecks } from '../../lab/checks/warm.ts';
import { cachedTypeErrors, typeCheck } from '../../lab/checks/types.ts';
import { findLesson } from '../../lab/lessons.ts';
import { SOLUTIONS_DIR, STATE_DIR } from '../../lab/paths.ts';
import { starterText } from '../../lab/starters.ts';

const LESSON = '01-sql-vs-nosql';
const fixtures = join(STATE_DIR, 'fixtures', `checks-${process.pid}`);
const solution = readFileSync(join(SOLUTIONS_DIR, LESSON, 'exercise.ts'), 'utf8');

/** Writes a broken copy of the solution as a target folder and returns its path. */
function broken(name: string, edits: ReadonlyArray<readonly [string, string]>): string {
  let text = solution;
  for (const [from, to] of edits) {
    expect(text, `the fixture edit needs "${from}" in the solution`).toContain(from);
    text = text.replace(from, to);
  }
  const dir = join(fixtures, name);
  mkdirSync(join(dir, LESSON), { recursive: true });
  writeFileSync(join(dir, LESSON, 'exercise.ts'), text);
  return dir;
}

type Runner = typeof runChecks;
/** The CLI checks on a thread of its own process; instructors' runs (and NOSQL_LAB_CHECKS=process) use a vitest child. */
const RUNNERS: ReadonlyArray<readonly [string, Runner]> = [
  ['a vitest child process', runChecks],
  ['a thread of the CLI', checkInThread],
];
let runner: Runner = runChecks;

async function check(target: string, taskTimeoutMs?: number): Promise<CheckRun> {
  const lesson = await findLesson('1');
  return runner(lesson, { target, ...(taskTimeoutMs ? { taskTimeoutMs } : {}) });
}

const ROW = 'export async function saveUserRow(sql: Sql, user: User): Promise<number> {';
const DOC = 'export async function saveUserDocument(db: Db, user: User): Promise<ObjectId> {';

/** Process groups of check runs: killed after the tests, so a failing test leaves no spinning worker. */
const groups: number[] = [];

/** `pid pgid ppid args` of the processes still in process group `pgid`, after a moment for killed ones to go. */
async function survivorsOf(pgid: number): Promise<string[]> {
  const { execFileSync } = await import('node:child_process');
  const list = (): string[] =>
    execFileSync('ps', ['-eo', 'pid=,pgid=,ppid=,stat=,args='], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => {
        const [, group, , stat] = l.split(/\s+/);
        return Number(group) === pgid && !stat?.startsWith('Z');
      });
  for (let i = 0; i < 10 && list().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return list();
}

afterAll(() => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  rmSync(fixtures, { recursive: true, force: true });
});

describe.each(RUNNERS)('checks run on %s', (_, chosen) => {
  beforeAll(() => {
    runner = chosen;
  });

  describe('a learner file that does not parse', () => {
    it('fails every task with the syntax error and its line, instead of crashing the run', async () => {
      const target = broken('syntax', [[DOC, `${DOC}\n  const x = ;`]]);
      const line = solution.split('\n').indexOf(DOC) + 2;

      const run = await check(target);

      expect(run.tasks.map((t) => t.state)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
      const error = run.tasks[0]?.tests[0]?.errors[0];
      expect(error?.message).toContain('could not be loaded');
      expect(error?.message).toContain(`exercise.ts:${line}:`);
    }, 60_000);
  });

  describe('learner code that misbehaves at run time', () => {
    it('names a thrown string, a process.exit, a missing export and an un-awaited rejection, and still runs the other tasks', async () => {
      const target = broken('misbehaves', [
        [ROW, `${ROW}\n  if (user.name) throw 'oops';`],
        [DOC, `${DOC}\n  if (user.name) process.exit(3);`],
        ['export async function saveUserHash(', 'export async function saveUserHashRenamed('],
        ['export async function findOrdersJoined(sql: Sql, email: string): Promise<Order[]> {', "export async function findOrdersJoined(sql: Sql, email: string): Promise<Order[]> {\n  void Promise.reject(new Error('nobody awaited me'));"],
      ]);

      const run = await check(target);

      const headline = (task: number): string => explain(run.tasks[task]?.tests.find((t) => t.state === 'failed')?.errors[0] ?? { name: '', message: '' }).headline;
      expect(run.tasks.map((t) => t.state)).toEqual(['failed', 'failed', 'failed', 'passed', 'passed']);
      expect(headline(0)).toMatch(/threw "oops", which is not an Error/);
      expect(headline(1)).toMatch(/called process\.exit\(3\)/);
      expect(headline(2)).toMatch(/has no export named `saveUserHash`.*saveUserHashRenamed/);
      expect(run.errors.map((e) => explain(e).headline)).toEqual([expect.stringMatching(/rejected and nothing awaited it: "nobody awaited me"/)]);
    }, 60_000);
  });

  describe('an infinite loop in learner code', () => {
    it('is stopped after the time limit, names the task it was in, and leaves no process behind', async () => {
      const target = broken('loop', [[DOC, `${DOC}\n  while (user.name) { /* forever */ }`]]);

      const run = await check(target, 2000);

      expect(run.timedOut).toMatchObject({ task: 'Save a user as a document', seconds: 2 });
      expect(run.tasks.map((t) => t.state)).toEqual(['passed', 'timeout', 'not-run', 'not-run', 'not-run']);
      // The check process leads its own process group; vitest's worker (the one in the loop) is in it, and
      // stays in it when it is orphaned. Nothing of that group may be left.
      if (chosen === runChecks) {
        expect(run.pid).toBeGreaterThan(0);
        groups.push(run.pid ?? 0);
        expect(await survivorsOf(run.pid ?? 0)).toEqual([]);
      }
    }, 60_000);
  });

  describe('the untouched starter', () => {
    it('shows every task as not started (TODO), not as a crash', async () => {
      const dir = join(fixtures, 'starter');
      mkdirSync(join(dir, LESSON), { recursive: true });
      writeFileSync(join(dir, LESSON, 'exercise.ts'), starterText(`lessons/${LESSON}/exercise.ts`));

      const run = await check(dir);

      expect(run.errors).toEqual([]);
      expect(run.tasks.map((t) => t.state)).toEqual(['todo', 'todo', 'todo', 'todo', 'todo']);
    }, 60_000);
  });
});

describe('the warm runner of --watch, between saves', () => {
  it('sees a save of a module the exercise imports, not only of the exercise itself', async () => {
    const HASH = 'const key = `user:${id}`;';
    const dir = broken('helper', [
      [HASH, 'const key = `${PREFIX}${id}`;'],
      ["import type { Sql }", "import { PREFIX } from './keys.js';\nimport type { Sql }"],
    ]);
    const helper = join(dir, LESSON, 'keys.ts');
    writeFileSync(helper, "export const PREFIX = 'usr:';\n");
    const checks = new WarmChecks(await findLesson('1'), dir, {});
    try {
      const hash = async (): Promise<string | undefined> => (await checks.run()).tasks.find((t) => t.title === 'Save a user as a Redis hash')?.state;
      expect(await hash()).toBe('failed');
      writeFileSync(helper, "export const PREFIX = 'user:';\n");
      expect(await hash()).toBe('passed');
    } finally {
      await checks.close();
    }
  }, 60_000);
});

describe('type-check verdicts kept between one-shot runs', () => {
  it('keeps one per set of files, so moving between lessons checks neither again, and forgets one whose file changed', () => {
    const files = ['a', 'b'].map((name) => join(broken(`types-${name}`, []), LESSON, 'exercise.ts'));
    const [a = '', b = ''] = files;
    expect(typeCheck([a])).toEqual([]);
    expect(typeCheck([b])).toEqual([]);
    expect(cachedTypeErrors([a])).toEqual([]);
    expect(cachedTypeErrors([b])).toEqual([]);
    writeFileSync(a, solution.replace(ROW, `${ROW}\n  const wrong: number = 'text';`));
    expect(cachedTypeErrors([a])).toBeUndefined();
    expect(typeCheck([a]).map((e) => e.code)).toContain('TS2322');
    expect(cachedTypeErrors([b])).toEqual([]);
  }, 60_000);
});
