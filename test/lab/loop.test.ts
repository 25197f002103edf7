/**
 * The learner's loop, end to end in a sandbox (sandbox.ts): type errors come first, recorded progress
 * survives what is not the learner's fault, and every piece of advice the CLI prints works when followed.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findLesson } from '../../lab/lessons.ts';
import type { Lesson } from '../../lab/lesson.ts';
import { ROOT } from '../../lab/paths.ts';
import { backups, committed, createSandbox, freshen, read, removeSandbox, runCli, startCli, stopAll, write } from './sandbox.ts';

const LESSON = '01-sql-vs-nosql';
const EXERCISE = `lessons/${LESSON}/exercise.ts`;
const SOLUTION = readFileSync(join(ROOT, 'solutions', LESSON, 'exercise.ts'), 'utf8');
const TIMEOUT = 90_000;
const HASH_KEY = 'const key = `user:${id}`;';

let lesson: Lesson;
let sandbox: string;

const lines = (text: string): string[] => text.split('\n');
/** The report's text with its line breaks undone, for sentences that wrap at 80 columns. */
const flat = (text: string): string => text.replace(/\s*\n\s*/g, ' ');
const progress = (): Record<string, { tasks: Record<string, string>; hints: Record<string, number>; passed?: Record<string, string> }> =>
  JSON.parse(read(sandbox, '.nosql-lab/progress.json')) as never;

beforeAll(async () => {
  lesson = await findLesson('1');
  sandbox = createSandbox();
}, TIMEOUT);

beforeEach(() => freshen(sandbox));

afterAll(() => {
  stopAll();
  removeSandbox(sandbox);
});

describe('types first', () => {
  it('shows each type error as file:line:col TS#### with its line, runs the tasks, and says the lesson is not complete', async () => {
    write(sandbox, EXERCISE, SOLUTION.replace(HASH_KEY, 'const key: number = `user:${id}`;'));
    const line = SOLUTION.split('\n').findIndex((l) => l.includes(HASH_KEY)) + 1;
    const expected = { first: `${EXERCISE}:${line}:9 TS2322 Type 'string' is not assignable to type 'number'.`, code: 1 };

    const run = await runCli(sandbox, ['1', '--check']);

    expect(flat(run.stdout)).toContain(expected.first);
    expect(lines(run.stdout)).toContainEqual(expect.stringMatching(new RegExp(`^\\s+${line} │ +const key: number = `)));
    expect(run.stdout).toContain('5/5 tasks');
    expect(flat(run.stdout)).toContain('lesson 1 is not complete while it has type errors');
    expect(run.stdout).not.toContain('Lesson 1 complete.');
    expect(run.code).toBe(expected.code);
    expect(progress()[LESSON]).toMatchObject({ typeErrors: 3 });
  }, TIMEOUT);
});

describe('recorded progress', () => {
  it('survives a Redis that is down and a syntax error, and a task that fails afterwards shows as passed before', async () => {
    write(sandbox, EXERCISE, SOLUTION);
    const done = await runCli(sandbox, ['1', '--check']);
    expect(done.code, done.stdout).toBe(0);
    const passed = Object.fromEntries(lesson.tasks.map((t) => [t.title, 'passed']));

    const down = await runCli(sandbox, ['1', '--check'], 50_000, { REDIS_URL: 'redis://127.0.0.1:6399' });
    expect(down.code).not.toBe(0);
    expect(progress()[LESSON]?.tasks).toEqual(passed);
    expect(flat(down.stdout)).toContain('Your progress is kept: 5/5 tasks passed at your last check.');

    write(sandbox, EXERCISE, SOLUTION.replace(HASH_KEY, `${HASH_KEY}\n  const broken = ;`));
    const syntax = await runCli(sandbox, ['1', '--check']);
    expect(syntax.code).not.toBe(0);
    expect(progress()[LESSON]?.tasks).toEqual(passed);

    write(sandbox, EXERCISE, SOLUTION.replace(HASH_KEY, 'const key = `users:${id}`;'));
    const failing = await runCli(sandbox, ['1', '--check']);
    expect(failing.stdout).toContain('3. Save a user as a Redis hash · failing (passed before)');
    const list = await runCli(sandbox, []);
    expect(list.stdout).toMatch(/4\/5 tasks/);
  }, 3 * TIMEOUT);
});

describe('advice that works when followed', () => {
  it('"no export named" names `--reset --task N`, which restores that function from the starter and keeps the rest', async () => {
    write(sandbox, EXERCISE, SOLUTION.replace('export async function saveUserHash(', 'export async function saveUserHashRenamed('));

    const run = await runCli(sandbox, ['1', '--check']);
    const advice = /`(npm run lesson 1 -- --reset --task (\d))`/.exec(flat(run.stdout));
    expect(advice?.[2]).toBe('3');
    const reset = await runCli(sandbox, ['1', '--reset', '--task', advice?.[2] ?? '']);

    expect(reset.code, reset.stderr).toBe(0);
    const text = read(sandbox, EXERCISE);
    expect(text).toContain("return todo('saveUserHash: write the fields to the hash of this user')");
    expect(text).toContain('rows[0]!.id; // INSERT … RETURNING yields exactly one row'); // task 1's answer is kept
    expect(backups(sandbox, LESSON)).toHaveLength(1);
    const after = await runCli(sandbox, ['1', '--check']);
    expect(after.stdout).toContain('3. Save a user as a Redis hash · not started');
    expect(after.stdout).toContain('1. Save a user as a row · 2/2 pts');
    expect(after.stdout).not.toContain('Type errors');
  }, 2 * TIMEOUT);

  it('a promise that never settles fails its task with a sentence that says what is missing; the other tasks run', async () => {
    write(sandbox, EXERCISE, SOLUTION.replace(
      'export async function saveUserRow(sql: Sql, user: User): Promise<number> {',
      'export async function saveUserRow(sql: Sql, user: User): Promise<number> {\n  if (user.name) await new Promise(() => {});',
    ));

    const run = await runCli(sandbox, ['1', '--check']);

    expect(flat(run.stdout)).toContain('`saveUserRow`: this promise never settled — is a `resolve` or `await` missing? (stopped after 2 s)');
    expect(run.stdout).toContain('1. Save a user as a row · failing');
    expect(run.stdout).toContain('2. Save a user as a document · 2/2 pts');
  }, TIMEOUT);

  it('a deleted exercise file gets one plain sentence that says how to get it back, and that works', async () => {
    rmSync(join(sandbox, EXERCISE));

    const run = await runCli(sandbox, ['1', '--check']);

    expect(flat(run.stdout)).toContain(`${EXERCISE} is not there: was it deleted or renamed? \`npm run lesson 1 -- --reset\` puts the starter back.`);
    expect(run.stdout + run.stderr).not.toMatch(/Cannot find module|file:\/\//);
    const reset = await runCli(sandbox, ['1', '--reset']);
    expect(reset.code).toBe(0);
    expect(read(sandbox, EXERCISE)).toBe(committed(sandbox, EXERCISE));
  }, TIMEOUT);

  it('--hint on a file with a syntax error says so and spends no hint', async () => {
    write(sandbox, EXERCISE, `${committed(sandbox, EXERCISE)}\nconst broken = ;\n`);

    const run = await runCli(sandbox, ['1', '--hint']);

    expect(flat(run.stdout)).toContain('no hint was used');
    expect(run.code).toBe(1);
    write(sandbox, EXERCISE, committed(sandbox, EXERCISE));
    const next = await runCli(sandbox, ['1', '--hint']);
    expect(flat(next.stdout)).toContain(`Hint 1 of ${lesson.tasks[0]?.hints.length}:`);
  }, TIMEOUT);

  it.each([
    [['1', '--hint', '--reset'], '--hint and --reset do different things: use one at a time.'],
    [['1', '--check', '--hint'], '--check does not go with --hint: use one at a time.'],
    [['1', '--task', '2'], '--task goes with --reset: `npm run lesson 1 -- --reset --task 3` restores task 3 only.'],
  ])('refuses %j in one line and changes nothing', async (args, sentence) => {
    const before = read(sandbox, EXERCISE);

    const run = await runCli(sandbox, args);

    expect(run.stderr.trim()).toBe(sentence);
    expect(run.code).toBe(2);
    expect(read(sandbox, EXERCISE)).toBe(before);
  }, TIMEOUT);

  it('an unknown option gets a sentence and the usage line, not Node\'s parser text', async () => {
    const run = await runCli(sandbox, ['1', '--bogus']);

    expect(lines(run.stderr.trim())).toEqual(['There is no option --bogus.', expect.stringMatching(/^Usage: npm run lesson \[N\] \[-- --watch\|/)]);
    expect(run.code).toBe(2);
  }, TIMEOUT);
});

describe('Ctrl-C in the middle of the notebook', () => {
  it('prints no error from the database clients it closed', async () => {
    const cli = startCli(sandbox, ['1']);
    await cli.waitFor('[4/');

    cli.interrupt();
    const run = await cli.exited;

    expect(run.code).toBe(130);
    expect(run.stdout + run.stderr).not.toMatch(/MongoClientClosedError|MongoNotConnectedError|notebook stopped|Unexpected error/);
  }, TIMEOUT);
});

describe('the terminal', () => {
  it('gets no line wider than its width and no colour codes when stdout is not a terminal', async () => {
    const width = 60;

    const run = await runCli(sandbox, ['1'], 50_000, { NO_COLOR: '', NOSQL_LAB_COLUMNS: String(width) });

    const wide = lines(run.stdout).filter((l) => [...l].length > width);
    expect(wide).toEqual([]);
    expect(run.stdout.includes('\x1b[')).toBe(false);
    expect(run.stdout).toContain('[12/12]');
  }, TIMEOUT);
});
