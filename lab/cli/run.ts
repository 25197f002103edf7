/**
 * `npm run lesson N`: the notebook top to bottom, then the exercise checks. The checks run in a child
 * process that starts with the lesson, so they run while the notebook prints.
 */
import { join } from 'node:path';
import {
  describeBackends,
  mongoStartIsQuick,
  openBackends,
  ownName,
  redisLabel,
  resolveMongoServer,
  sqlLabel,
  type Backends,
  type MongoServer,
} from '../backends/index.ts';
import { freePort } from '../backends/free-port.ts';
import { describeUrl } from '../backends/where.ts';
import { runChecks, verdict, type CheckRun } from '../checks/run.ts';
import { runsInThread } from '../checks/runner.ts';
import { typeCheckInBackground, type CompileError } from '../checks/types.ts';
import { lessonId, type Database, type Lesson } from '../lesson.ts';
import { lessonFolders } from '../lessons.ts';
import { runNotebook } from '../notebook/run.ts';
import { relative, targetDir, type Target } from '../paths.ts';
import { hashFiles, readProgress, updateLesson, type LessonProgress } from '../progress.ts';
import { isExiting, onCleanup } from './cleanup.ts';
import { complete, printReport } from './report.ts';
import { columns, unbroken, wrap } from './layout.ts';
import { bold, dim } from './style.ts';
import { mark, writeTimings } from './timings.ts';

export interface RunOptions {
  readonly target: Target;
  readonly notebook: boolean;
}

export function exerciseFiles(lesson: Lesson, target: Target): string[] {
  return lesson.exercises.map((file) => join(targetDir(target), lessonId(lesson), file));
}

export function header(lesson: Lesson): string {
  const width = columns();
  const title = `Lesson ${String(lesson.number).padStart(2, '0')} · ${lesson.title}`;
  return [
    ...wrap(title, width).map(bold),
    ...wrap(lesson.summary, width).map(dim),
    ...lesson.objectives.flatMap((o) => wrap(o, width, '    ', '  • ').map(dim)),
  ].join('\n');
}

/** The backends line, broken between databases when it does not fit. */
export function backendsLine(summary: string): string {
  const width = columns();
  const parts = summary.split(' · ').map((part) => (part.length <= width - 2 ? unbroken(part) : part));
  return wrap(parts.join(' · '), width, '  ', '').map(dim).join('\n');
}

/**
 * Types and tests of the exercise files, side by side; the result is recorded as progress.
 * `tests` is a check already under way (its thread started early, see runLesson).
 */
export async function check(lesson: Lesson, target: Target, env: NodeJS.ProcessEnv = {}, types?: Promise<CompileError[]>, tests?: () => Promise<CheckRun>): Promise<CheckRun> {
  const typing = types ?? typeCheckInBackground(exerciseFiles(lesson, target));
  // The tests run on a thread of this process (lab/checks/warm.ts), or in a vitest child process, as
  // instructors' `npx vitest` runs them, when the test file needs more of vitest (lab/checks/runner.ts).
  const runner = tests ?? (await testRunner(lesson, target, env));
  const run = { ...(await runner()), typeErrors: await typing };
  recordCheck(lesson, target, run);
  return run;
}

/** The lesson's tests, ready to run: on a thread started now, or in a vitest child process when run. */
async function testRunner(lesson: Lesson, target: Target, env: NodeJS.ProcessEnv): Promise<() => Promise<CheckRun>> {
  if (runsInThread(lesson)) return (await import('../checks/warm.ts')).startThreadCheck(lesson, { target, env });
  return () => runChecks(lesson, { target, env });
}

/**
 * Progress changes only where the check gave a verdict on the learner's code: a backend that is down,
 * a file that does not parse or a task that did not run leaves what was recorded before.
 */
export function recordCheck(lesson: Lesson, target: Target, run: CheckRun): LessonProgress | undefined {
  if (target !== 'lessons') return undefined;
  const now = new Date().toISOString();
  const verdicts = run.tasks.flatMap((t) => {
    const v = verdict(t);
    return v ? [[t.title, v] as const] : [];
  });
  if (verdicts.length === 0) return undefined;
  return updateLesson(lessonId(lesson), (current) => {
    const tasks = { ...current.tasks, ...Object.fromEntries(verdicts) };
    const passed = { ...current.passed, ...Object.fromEntries(verdicts.filter(([, v]) => v === 'passed').map(([title]) => [title, now])) };
    return {
      ...current,
      hash: hashFiles(exerciseFiles(lesson, target)),
      tasks,
      passed,
      points: lesson.tasks.filter((t) => tasks[t.title] === 'passed').reduce((sum, t) => sum + t.points, 0),
      typeErrors: run.typeErrors?.length ?? 0,
      checkedAt: now,
    };
  });
}

export function reportFile(lesson: Lesson, target: Target): string {
  return relative(exerciseFiles(lesson, target)[0] ?? '');
}

/** The one backends line, for a run without the notebook (the checks open Redis and SQL themselves). */
function summaryLine(lesson: Lesson, mongo: MongoServer | undefined): string {
  const has = (d: Database): boolean => lesson.databases.includes(d);
  return describeBackends({
    ...(has('mongo') ? { mongo: mongo?.label ?? `MONGODB_URI (${describeUrl(process.env.MONGODB_URI ?? '')})` } : {}),
    ...(has('redis') ? { redis: redisLabel() } : {}),
    ...(has('sql') ? { sql: sqlLabel() } : {}),
  });
}

/** The lesson after this one, if the course has it. */
export function nextLesson(lesson: Lesson): number | undefined {
  return lessonFolders().map((f) => Number(f.slice(0, 2))).find((n) => n > lesson.number);
}

/** Runs one lesson; resolves to the process exit code (0 when every task passes and the file type-checks). */
export async function runLesson(lesson: Lesson, options: RunOptions): Promise<number> {
  process.stdout.write(`${header(lesson)}\n`);
  mark('start');
  const before = readProgress()[lessonId(lesson)];
  // The compiler works on a worker thread while the notebook prints.
  const types = typeCheckInBackground(exerciseFiles(lesson, options.target));
  // The checks run in their own process, on the MongoDB this one starts. When that start is quick they
  // begin at once, given its address (a port chosen up front: the driver waits the moment it takes to
  // appear); when mongod must be downloaded first, they wait for it.
  const port = lesson.databases.includes('mongo') && !process.env.MONGODB_URI ? await freePort() : undefined;
  const checkEnv = port ? { MONGODB_URI: `mongodb://127.0.0.1:${port}/` } : {};
  // The check thread starts loading at once, even when its tests must wait for mongod to be downloaded.
  const tests = await testRunner(lesson, options.target, checkEnv);
  const startChecks = (): Promise<CheckRun> => check(lesson, options.target, checkEnv, types, tests).finally(() => mark('checks'));
  const early = port === undefined || (await mongoStartIsQuick()) ? startChecks() : undefined;
  const starting = port ? resolveMongoServer(process.env, { port }) : undefined;
  void starting?.then((server) => onCleanup(() => server.stop()), () => undefined);
  let backends: Backends | undefined;
  if (options.notebook) {
    // Redis and SQL open while MongoDB is still starting.
    // On real servers the notebook works in a schema, database and key prefix of its own, removed at the end.
    backends = await openBackends(lesson.databases, { isolate: ownName(`notebook_${lessonId(lesson)}`), ...(starting ? { mongoServer: starting } : {}) });
    onCleanup(() => backends?.close());
  }
  const mongoServer = await starting;
  const checking = early ?? startChecks();
  if (backends) {
    process.stdout.write(`${backendsLine(backends.summary)}\n`);
    mark('backends');
    await runNotebook(lesson, backends);
  } else {
    process.stdout.write(`${backendsLine(summaryLine(lesson, mongoServer))}\n`);
  }
  mark('cells');
  const run = await checking;
  if (isExiting()) return 130;
  await backends?.close();
  await mongoServer?.stop();
  printReport(lesson, run, reportFile(lesson, options.target), { before, next: nextLesson(lesson) });
  mark('end');
  writeTimings();
  return complete(run) ? 0 : 1;
}
