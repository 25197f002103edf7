/**
 * `npm run grade`: grades a class with the instructor's own copy of the course.
 *
 *   npm run grade -- submissions/            one sub-folder per learner (a clone, or its lessons/ folder)
 *   npm run grade -- --learner ../alice      one learner
 *   options: --lessons 1-5 (or 1,3,8)  --out grades/  --jobs 2  --timeout 90 (seconds per lesson)
 *            --test-timeout 3 (seconds a test may keep its worker blocked: an infinite loop)
 *
 * Only the exercise files are taken from a submission; each learner runs in a sandboxed workspace
 * with its own databases. Reports go to --out: grades.json, grades.csv, junit/, feedback/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openSql, pgliteSnapshotPath } from '../backends/sql.ts';
import { defaultCacheDir } from '../backends/where.ts';
import { lessonId, type Lesson } from '../lesson.ts';
import { loadLessons } from '../lessons.ts';
import { ROOT } from '../paths.ts';
import { learnerAt, learnersIn, SubmissionError, type Learner } from './discover.ts';
import { REPORT_VERSION, terminalTable, writeReports, type GradeReport } from './report.ts';
import { runLearner } from './run.ts';
import { gradeLesson, type LearnerGrade } from './score.ts';
import { cheatsIn, isSolutionCopy, tamperedFiles, type Flag } from './tamper.ts';
import { buildWorkspace } from './workspace.ts';

const USAGE = 'usage: npm run grade -- <folder of learners> | --learner <folder>  [--lessons 1-5] [--out grades] [--jobs N] [--timeout SECONDS] [--test-timeout SECONDS]';

/** Seconds a test may block its worker while grading (see GradeOptions.testTimeout). */
export const DEFAULT_TEST_TIMEOUT = 3;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface GradeOptions {
  readonly lessons?: readonly number[];
  readonly out: string;
  readonly jobs: number;
  /** Seconds one lesson of one learner may take. */
  readonly timeout: number;
  /**
   * Seconds one test may keep its worker blocked (an infinite loop) before it is stopped; default 3
   * (an honest test takes well under 1 s). A test that waits instead ends at vitest's limit, 10 s.
   */
  readonly testTimeout?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

/** `1-5`, `1,3,8`, `2-4,7` → [1, 2, …]. */
export function parseLessonList(text: string): number[] {
  const numbers = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!range) throw new UsageError(`--lessons takes numbers and ranges such as 1-5 or 1,3,8 (got "${text}").`);
    const from = Number(range[1]);
    const to = Number(range[2] ?? range[1]);
    for (let n = Math.min(from, to); n <= Math.max(from, to); n++) numbers.add(n);
  }
  return [...numbers].sort((a, b) => a - b);
}

function courseCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Environment for a learner's run: the instructor's, less anything that would point the tests elsewhere. */
function learnerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const key of ['NOSQL_LAB_TARGET', 'NOSQL_LAB_RUNNING', 'NODE_OPTIONS', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID']) delete clean[key];
  return clean;
}

async function gradeOne(learner: Learner, lessons: readonly Lesson[], base: string, options: GradeOptions): Promise<LearnerGrade> {
  const started = Date.now();
  const testTimeoutMs = Math.min(10_000, options.timeout * 1000);
  const ws = buildWorkspace(base, learner, lessons, { testTimeoutMs });
  try {
    const flags: Flag[] = [...tamperedFiles(learner, lessons)];
    const cheats = new Map<string, string[]>();
    for (const lesson of lessons) {
      const id = lessonId(lesson);
      for (const file of lesson.exercises) {
        const path = join(learner.lessonsDir, id, file);
        if (!existsSync(path)) continue;
        const source = readFileSync(path, 'utf8');
        const found = cheatsIn(source);
        const shown = relative(learner.root, path);
        if (found.length > 0) {
          cheats.set(id, [...(cheats.get(id) ?? []), ...found]);
          flags.push({ kind: 'cheat', file: shown, detail: `not graded: it ${found.join(' and ')}` });
        }
        if (isSolutionCopy(lesson, file, source)) flags.push({ kind: 'solution-copy', file: shown, detail: 'the same as the reference solution, comments and spacing aside' });
      }
    }
    // Lessons with nothing to run (missing or flagged) are not run at all.
    const runnable = lessons.filter((l) => !ws.missing.has(lessonId(l)) && !cheats.has(lessonId(l)));
    const tasks = new Map(runnable.map((l) => [`${lessonId(l)}.test.ts`, l.tasks.map((t) => t.title)] as const));
    const run = await runLearner(ws, {
      tasks,
      testTimeoutMs,
      blockedMs: Math.min(testTimeoutMs, (options.testTimeout ?? DEFAULT_TEST_TIMEOUT) * 1000),
      deadline: Date.now() + options.timeout * 1000 * Math.max(1, runnable.length),
      env: learnerEnv(options.env ?? process.env),
    });
    const graded = lessons.map((lesson) =>
      gradeLesson(lesson, run, { missing: ws.missing.get(lessonId(lesson)) ?? [], cheats: cheats.get(lessonId(lesson)) ?? [] }),
    );
    return {
      name: learner.name,
      path: learner.root,
      kind: learner.kind,
      points: graded.reduce((n, l) => n + l.points, 0),
      max: graded.reduce((n, l) => n + l.max, 0),
      lessons: graded,
      flags,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    ws.remove();
  }
}

/**
 * The workers may not write node_modules/.cache (workspace.ts), so PGlite starts in memory from its
 * start-up snapshot there: make the snapshot now, once, when it is missing (a fresh course copy).
 */
async function ensurePgliteSnapshot(env: NodeJS.ProcessEnv): Promise<void> {
  if (env['DATABASE_URL']?.trim()) return;
  if (existsSync(await pgliteSnapshotPath(defaultCacheDir()))) return;
  const sql = await openSql(env, { slots: false });
  await sql.close();
}

/** Runs `work` over `items` with at most `jobs` at once, keeping the order of the results. */
async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

export async function grade(learners: readonly Learner[], options: GradeOptions): Promise<GradeReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const all = await loadLessons();
  const lessons = options.lessons ? all.filter((l) => options.lessons?.includes(l.number)) : all;
  if (lessons.length === 0) throw new UsageError(`No lesson matches --lessons; the course has ${all.map((l) => l.number).join(', ')}.`);
  await ensurePgliteSnapshot(learnerEnv(options.env ?? process.env));
  const base = mkdtempSync(join(tmpdir(), 'nosql-lab-grade-'));
  const cleanup = (): void => rmSync(base, { recursive: true, force: true });
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    let finished = 0;
    const graded = await pool(learners, options.jobs, async (learner) => {
      const result = await gradeOne(learner, lessons, base, options);
      finished += 1;
      log(`[${finished}/${learners.length}] ${learner.name}: ${result.points}/${result.max} points in ${result.seconds} s`);
      return result;
    });
    return {
      version: REPORT_VERSION,
      gradedAt: new Date().toISOString(),
      course: { commit: courseCommit(), lessons: lessons.map((l) => ({ id: lessonId(l), title: l.title, max: l.tasks.reduce((n, t) => n + t.points, 0) })) },
      learners: graded,
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    cleanup();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      learner: { type: 'string' },
      lessons: { type: 'string' },
      out: { type: 'string', default: 'grades' },
      jobs: { type: 'string' },
      timeout: { type: 'string', default: '90' },
      'test-timeout': { type: 'string', default: String(DEFAULT_TEST_TIMEOUT) },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ((positionals.length === 0) === (values.learner === undefined) || positionals.length > 1) throw new UsageError(USAGE);
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs takes a whole number of 1 or more (got "${values.jobs}").`);
  if (!Number.isFinite(timeout) || timeout < 5) throw new UsageError(`--timeout takes seconds per lesson, 5 or more (got "${values.timeout}").`);
  const testTimeout = Number(values['test-timeout']);
  if (!Number.isFinite(testTimeout) || testTimeout < 1) throw new UsageError(`--test-timeout takes seconds per test, 1 or more (got "${values['test-timeout']}").`);
  const lessons = values.lessons === undefined ? undefined : parseLessonList(values.lessons);
  let learners: Learner[];
  if (values.learner !== undefined) learners = [learnerAt(values.learner)];
  else {
    const found = learnersIn(positionals[0] ?? '');
    for (const name of found.skipped) process.stderr.write(`skipped ${name}: no lessons in it\n`);
    learners = found.learners;
  }
  if (learners.length === 0) throw new SubmissionError(`No learner's work in ${positionals[0]}: each sub-folder should be a clone of the course or its lessons/ folder.`);
  const out = resolve(values.out);
  const started = Date.now();
  const report = await grade(learners, {
    out,
    jobs,
    timeout,
    testTimeout,
    ...(lessons ? { lessons } : {}),
  });
  const written = writeReports(report, out);
  process.stdout.write(`\n${terminalTable(report)}\n\n`);
  process.stdout.write(`Graded ${report.learners.length} learner${report.learners.length === 1 ? '' : 's'} in ${Math.round((Date.now() - started) / 1000)} s. Reports: ${written.map((w) => relative(process.cwd(), w) || '.').join(', ')}\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const known = error instanceof UsageError || error instanceof SubmissionError || (error instanceof Error && error.name === 'ParseError') || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
      process.stderr.write(`${known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      if (known && !(error instanceof UsageError)) process.stderr.write(`${USAGE}\n`);
      process.exit(known ? 2 : 1);
    },
  );
}
