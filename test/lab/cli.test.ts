/**
 * `npm run lesson` as a learner uses it, end to end: the real CLI in a child process, in a throw-away
 * copy of the course (sandbox.ts), on the embedded databases. Each test starts from the untouched
 * starter with no progress, and says what the learner sees and what is left on disk and in `ps`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../lab/cli/args.ts';
import { findLesson, loadLessons } from '../../lab/lessons.ts';
import type { Lesson } from '../../lab/lesson.ts';
import { ROOT } from '../../lab/paths.ts';
import { hashFiles } from '../../lab/progress.ts';
import {
  backups,
  cloneSandbox,
  commit,
  committed,
  createSandbox,
  freshen,
  leftoversIn,
  listeningPorts,
  processesIn,
  read,
  removeSandbox,
  runCli,
  startCli,
  stopAll,
  write,
} from './sandbox.ts';

const LESSON = '01-sql-vs-nosql';
const EXERCISE = `lessons/${LESSON}/exercise.ts`;
const SOLUTION = readFileSync(join(ROOT, 'solutions', LESSON, 'exercise.ts'), 'utf8');
/** The notebook's cell titles, in order, as notebook.ts declares them. */
const CELLS = [...readFileSync(join(ROOT, 'lessons', LESSON, 'notebook.ts'), 'utf8').matchAll(/^cell\((['"])(.*?)\1/gm)].map((m) => m[2] ?? '');
const TIMEOUT = 60_000;

let lesson: Lesson;
let titles: string[];
/** Tasks in the whole course: every lesson on disk counts, not lesson 01 alone. */
let courseTasks: number;
let sandbox: string;
const clones: string[] = [];

const lines = (text: string): string[] => text.split('\n');
/** The report's line for one task, e.g. `  ○  1. Save a user as a row · not started`. */
const taskLine = (n: number, title: string, state: string): string => `${String(n).padStart(2)}. ${title} · ${state}`;

beforeAll(async () => {
  lesson = await findLesson('1');
  titles = lesson.tasks.map((t) => t.title);
  courseTasks = (await loadLessons()).reduce((n, l) => n + l.tasks.length, 0);
  sandbox = createSandbox();
}, TIMEOUT);

beforeEach(() => freshen(sandbox));

afterAll(() => {
  stopAll();
  removeSandbox(sandbox);
  clones.forEach(removeSandbox);
});

describe('npm run lesson, with no lesson', () => {
  it('lists lesson 01 with its title and "not started", and the course progress', async () => {
    const expected = { code: 0, row: /^\s+1\s+SQL vs NoSQL\s.*\bnot started$/, course: new RegExp(`^\\s+Course\\s+\\S+ 0/${courseTasks} tasks$`) };

    const run = await runCli(sandbox, []);

    expect(run.stderr).toBe('');
    expect(lines(run.stdout)).toContainEqual(expect.stringMatching(expected.row));
    expect(lines(run.stdout)).toContainEqual(expect.stringMatching(expected.course));
    expect(run.code).toBe(expected.code);
  }, TIMEOUT);
});

describe('a lesson that does not exist', () => {
  it('says which lesson was meant in one line, without a stack trace, and fails', async () => {
    const run = await runCli(sandbox, ['sql-vs-nosq']);

    const said = lines(run.stderr.trim());
    expect(said).toEqual([expect.stringContaining('There is no lesson "sql-vs-nosq". Did you mean "sql-vs-nosql"')]);
    expect(lines(run.stdout + run.stderr).filter((l) => l.startsWith('    at '))).toEqual([]);
    expect(run.code).not.toBe(0);
  }, TIMEOUT);
});

describe('--help', () => {
  it('prints every option with what it does', async () => {
    const expected = Object.entries(OPTIONS).map(([name, o]) => ({ option: `--${name}`, help: o.help }));

    const run = await runCli(sandbox, ['1', '--help']);

    const printed = expected.filter(({ option, help }) => lines(run.stdout).some((l) => l.includes(option) && l.includes(help)));
    expect(printed).toEqual(expected);
    expect(run.code).toBe(0);
  }, TIMEOUT);
});

describe('--check on the untouched starter', () => {
  it('shows every task as not started, says where to begin, fails, and records the tasks in progress.json', async () => {
    const expected = {
      code: 1,
      tasks: titles.map((t, i) => taskLine(i + 1, t, 'not started')),
      progress: Object.fromEntries(titles.map((t) => [t, 'todo'])),
    };

    const run = await runCli(sandbox, ['1', '--check']);

    expect(expected.tasks.filter((t) => !run.stdout.includes(t)), run.stdout).toEqual([]);
    expect(run.stdout).toContain(`Start with task 1: open ${EXERCISE}`);
    expect(run.stdout).not.toContain('[1/'); // --check skips the notebook
    expect(run.code, run.stderr).toBe(expected.code);
    const progress = JSON.parse(read(sandbox, '.nosql-lab/progress.json')) as Record<string, { tasks: unknown; checkedAt: string }>;
    expect(progress[LESSON]?.tasks).toEqual(expected.progress);
    expect(progress[LESSON]?.checkedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  }, TIMEOUT);
});

describe('--check on a finished exercise', () => {
  it('passes every task, says the lesson is complete, and the list then shows it as done', async () => {
    const expected = {
      code: 0,
      tasks: lesson.tasks.map((t, i) => taskLine(i + 1, t.title, `${t.points}/${t.points} pts`)),
      score: '5/5 tasks · 10/10 points',
      listed: /^\s+1\s+SQL vs NoSQL\s.*✓ done$/,
    };
    write(sandbox, EXERCISE, SOLUTION);

    const run = await runCli(sandbox, ['1', '--check']);

    expect(expected.tasks.filter((t) => !run.stdout.includes(t)), run.stdout).toEqual([]);
    expect(run.stdout).toContain(expected.score);
    expect(run.stdout).toContain('Lesson 1 complete.');
    expect(run.code, run.stderr).toBe(expected.code);

    const list = await runCli(sandbox, []);

    expect(lines(list.stdout)).toContainEqual(expect.stringMatching(expected.listed));
    expect(list.stdout).toMatch(new RegExp(`Course\\s+\\S+ 5/${courseTasks} tasks`));
  }, TIMEOUT);
});

describe('--hint', () => {
  it('shows the first hint of task 1 on the starter, and the second when asked again', async () => {
    const task = lesson.tasks[0];
    const expected = {
      first: [`Task 1: ${task?.title}`, `Hint 1 of ${task?.hints.length}: ${task?.hints[0]}`],
      second: [`Task 1: ${task?.title}`, `Hint 2 of ${task?.hints.length}: ${task?.hints[1]}`],
    };
    expect(task?.title).toBe('Save a user as a row');

    const first = await runCli(sandbox, ['1', '--hint']);
    const second = await runCli(sandbox, ['1', '--hint']);

    // Hints reflow to the terminal's width (80 columns here): compare with the line breaks undone.
    const flat = (text: string): string => text.replace(/\s*\n\s*/g, ' ');
    expect(expected.first.filter((l) => !flat(first.stdout).includes(l)), first.stdout).toEqual([]);
    expect(expected.second.filter((l) => !flat(second.stdout).includes(l)), second.stdout).toEqual([]);
    expect([first.code, second.code]).toEqual([0, 0]);
  }, TIMEOUT);

  it('works with a progress.json written before hints were counted (an entry without "hints")', async () => {
    const earlier = {
      [LESSON]: { hash: hashFiles([join(sandbox, EXERCISE)]), tasks: Object.fromEntries(titles.map((t) => [t, 'todo'])), points: 0, checkedAt: '2026-11-25T14:51:15.960Z' },
    };
    mkdirSync(join(sandbox, '.nosql-lab'), { recursive: true });
    write(sandbox, '.nosql-lab/progress.json', JSON.stringify(earlier));

    const run = await runCli(sandbox, ['1', '--hint']);

    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Hint 1 of ${lesson.tasks[0]?.hints.length}:`);
    expect(run.code).toBe(0);
  }, TIMEOUT);
});

describe('--reset', () => {
  it("saves the learner's file as a timestamped backup, then restores the committed starter", async () => {
    const starter = committed(sandbox, EXERCISE);
    const mine = `${starter}\n// my own work, line 1\nexport const mine = 42;\n`;
    write(sandbox, EXERCISE, mine);

    const run = await runCli(sandbox, ['1', '--reset']);

    const saved = backups(sandbox, LESSON);
    expect(saved).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/)]);
    const backup = `.nosql-lab/backups/${LESSON}/${saved[0]}/exercise.ts`;
    expect(read(sandbox, backup)).toBe(mine);
    expect(read(sandbox, EXERCISE)).toBe(starter);
    expect(run.stdout).toContain(`Saved your version of ${EXERCISE} as ${backup}`);
    expect(run.code, run.stderr).toBe(0);
  }, TIMEOUT);

  it('restores the original starter even after the learner committed their edits, in a clone with an upstream', async () => {
    const clone = cloneSandbox(sandbox);
    clones.push(clone);
    const starter = committed(clone, EXERCISE);
    const mine = `${starter}\nexport const committedByTheLearner = true;\n`;
    write(clone, EXERCISE, mine);
    commit(clone, 'my work');

    const run = await runCli(clone, ['1', '--reset']);

    expect(read(clone, EXERCISE)).toBe(starter);
    const saved = backups(clone, LESSON);
    expect(saved).toHaveLength(1);
    expect(read(clone, `.nosql-lab/backups/${LESSON}/${saved[0]}/exercise.ts`)).toBe(mine);
    expect(run.code, run.stderr).toBe(0);
  }, TIMEOUT);
});

describe('a full lesson run', () => {
  it('says which databases it uses, prints every cell in order, then the task list, and leaves no process behind', async () => {
    const expected = {
      backends: /^MongoDB: .+ · Redis: ioredis-mock · SQL: PGlite$/,
      cells: CELLS.map((title, i) => `[${i + 1}/${CELLS.length}] ${title}`),
      tasks: titles.map((t, i) => taskLine(i + 1, t, 'not started')),
    };
    expect(expected.cells).toHaveLength(12);

    const run = await runCli(sandbox, ['1']);

    // The line breaks between databases when it is wider than the terminal (80 columns here).
    const backendsLine = run.stdout.split('\n').findIndex((l) => l.startsWith('MongoDB: '));
    const joined = lines(run.stdout).slice(backendsLine, backendsLine + 3).join('\n').replace(/\n {2}(?=\S)/g, ' ').split('\n')[0];
    expect(joined).toMatch(expected.backends);
    const cells = lines(run.stdout).flatMap((l) => /^── (\[\d+\/\d+\] .*?) ─+$/.exec(l)?.[1] ?? []);
    expect(cells).toEqual(expected.cells);
    expect(expected.tasks.filter((t) => !run.stdout.includes(t)), run.stdout).toEqual([]);
    expect(run.code, run.stderr).toBe(1);
    expect(await leftoversIn(sandbox)).toEqual([]);
  }, TIMEOUT);
});

describe('Ctrl-C during a lesson', () => {
  it('stops with code 130, says so, and leaves no process and no listening port behind', async () => {
    const cli = startCli(sandbox, ['1']);
    await cli.waitFor(`[1/${CELLS.length}]`);
    const running = processesIn(sandbox);
    const pids = new Set(running.map((p) => Number(p.split(/\s+/, 1)[0])));
    const ports = listeningPorts().filter((p) => p.pid !== undefined && pids.has(p.pid)).map((p) => p.port);
    expect(ports.length, `the MongoDB emulator listens while the lesson runs; processes: ${running.join('\n')}`).toBeGreaterThan(0);

    cli.interrupt();
    const run = await cli.exited;

    // Soft, so one run shows everything that went wrong: a CLI killed before its own handler ran says nothing and leaves its check process.
    expect.soft(run.stderr, "the CLI's own SIGINT handler must run (not a SIGKILL from a wrapper)").toContain('Stopping');
    expect.soft(run.code).toBe(130);
    expect.soft(await leftoversIn(sandbox)).toEqual([]);
    const stillListening = new Set(listeningPorts().map((p) => p.port));
    expect.soft(ports.filter((p) => stillListening.has(p))).toEqual([]);
  }, TIMEOUT);
});

describe('--watch', () => {
  it('checks once, checks again when the exercise is saved, and stops cleanly on Ctrl-C', async () => {
    const cli = startCli(sandbox, ['1', '--watch']);
    await cli.waitFor('0/5 tasks');
    await cli.waitFor('save to re-check');
    const after = cli.stdout().length;

    write(sandbox, EXERCISE, SOLUTION);

    await cli.waitFor('5/5 tasks', { from: after, ms: 30_000 });
    await cli.waitFor('Lesson 1 complete.', { from: after });
    cli.interrupt();
    const run = await cli.exited;
    expect(run.stderr).toContain('Stopping');
    expect(run.code).toBe(130);
    expect(await leftoversIn(sandbox)).toEqual([]);
  }, TIMEOUT);
});
