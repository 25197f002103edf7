/**
 * `npm run lesson N`: the notebook top to bottom, then the exercise checks. The checks run in a child
 * process that starts with the lesson, so they run while the notebook prints.
 */
import { join } from 'node:path';
import {
  describeBackends,
  mongoStartIsQuick,
  openBackends,
  redisLabel,
  resolveMongoServer,
  sqlLabel,
  type Backends,
  type MongoServer,
} from '../backends/index.ts';
import { freePort } from '../backends/free-port.ts';
import { describeUrl } from '../backends/where.ts';
import { runChecks, type CheckRun } from '../checks/run.ts';
import { lessonId, type Database, type Lesson } from '../lesson.ts';
import { runNotebook } from '../notebook/run.ts';
import { relative, targetDir, type Target } from '../paths.ts';
import { hashFiles, updateLesson } from '../progress.ts';
import { onCleanup } from './cleanup.ts';
import { printReport, score } from './report.ts';
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
  const title = `Lesson ${String(lesson.number).padStart(2, '0')} · ${lesson.title}`;
  return [bold(title), dim(lesson.summary), ...lesson.objectives.map((o) => dim(`  • ${o}`))].join('\n');
}

export async function check(lesson: Lesson, target: Target, env: NodeJS.ProcessEnv = {}): Promise<CheckRun> {
  const run = await runChecks(lesson, { target, env });
  recordCheck(lesson, target, run);
  return run;
}

export function recordCheck(lesson: Lesson, target: Target, run: CheckRun): void {
  if (target !== 'lessons') return;
  updateLesson(lessonId(lesson), (current) => ({
    ...current,
    hash: hashFiles(exerciseFiles(lesson, target)),
    tasks: Object.fromEntries(run.tasks.map((t) => [t.title, t.state])),
    points: score(run).points,
    checkedAt: new Date().toISOString(),
  }));
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

/** Runs one lesson; resolves to the process exit code (0 when every task passes). */
export async function runLesson(lesson: Lesson, options: RunOptions): Promise<number> {
  process.stdout.write(`${header(lesson)}\n`);
  mark('start');
  // The checks run in their own process, on the MongoDB this one starts. When that start is quick they
  // begin at once, given its address (a port chosen up front: the driver waits the moment it takes to
  // appear); when mongod must be downloaded first, they wait for it.
  const port = lesson.databases.includes('mongo') && !process.env.MONGODB_URI ? await freePort() : undefined;
  const startChecks = (): Promise<CheckRun> =>
    check(lesson, options.target, port ? { MONGODB_URI: `mongodb://127.0.0.1:${port}/` } : {}).finally(() => mark('checks'));
  const early = port === undefined || (await mongoStartIsQuick()) ? startChecks() : undefined;
  const starting = port ? resolveMongoServer(process.env, { port }) : undefined;
  void starting?.then((server) => onCleanup(() => server.stop()), () => undefined);
  let backends: Backends | undefined;
  if (options.notebook) {
    // Redis and SQL open while MongoDB is still starting.
    backends = await openBackends(lesson.databases, starting ? { mongoServer: starting } : {});
    onCleanup(() => backends?.close());
  }
  const mongoServer = await starting;
  const checking = early ?? startChecks();
  if (backends) {
    process.stdout.write(`${dim(backends.summary)}\n`);
    mark('backends');
    await runNotebook(lesson, backends);
  } else {
    process.stdout.write(`${dim(summaryLine(lesson, mongoServer))}\n`);
  }
  mark('cells');
  const run = await checking;
  await backends?.close();
  await mongoServer?.stop();
  printReport(lesson, run, reportFile(lesson, options.target));
  mark('end');
  writeTimings();
  return score(run).tasks === run.tasks.length && run.errors.length === 0 ? 0 : 1;
}
