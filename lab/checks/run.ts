/**
 * Runs a lesson's test file in a child vitest process and reports each task's outcome.
 * The child has its own process group, so a learner's infinite loop (which no in-process
 * timeout can interrupt) is stopped by killing the group after the task's time limit.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../lesson.ts';
import { lessonId } from '../lesson.ts';
import { ROOT, STATE_DIR, type Target } from '../paths.ts';
import { onCleanup } from '../cli/cleanup.ts';
import { CHECK_EVENT_TAG, type CheckError, type CheckEvent } from './protocol.ts';
import type { CompileError } from './types.ts';
import { readRunRecord } from '../testing/run-record.ts';
import { CheckCollector } from './collect.ts';

export { stateOf } from './collect.ts';

export interface TestOutcome {
  readonly test: string;
  readonly state: 'passed' | 'failed' | 'skipped';
  readonly errors: readonly CheckError[];
  readonly ms: number;
}

export type TaskState = 'passed' | 'failed' | 'todo' | 'timeout' | 'not-run';

export interface TaskOutcome {
  readonly title: string;
  readonly points: number;
  readonly state: TaskState;
  readonly tests: readonly TestOutcome[];
  readonly logs: readonly string[];
}

export interface CheckRun {
  readonly tasks: readonly TaskOutcome[];
  /** Errors outside any test: the test file or exercise failed to load, unhandled rejections… */
  readonly errors: readonly CheckError[];
  readonly timedOut?: { readonly task: string; readonly test: string; readonly seconds: number };
  /** The child ended without finishing: its last output, for the one-screen message. */
  readonly crashed?: string;
  /** The check process; it leads a process group of its own, with vitest's workers in it. */
  readonly pid?: number;
  /** The compiler's errors in the exercise files (set by the CLI, which checks types beside the tests). */
  readonly typeErrors?: readonly CompileError[];
}

/** Errors that say nothing about the learner's code: a database that is down, a file that did not load. */
const NOT_A_VERDICT = new Set([
  'ExerciseLoadError',
  'MongoUnreachableError',
  'MongoStartError',
  'MongoBinaryUnavailableError',
  'RedisUnreachableError',
  'PostgresUnreachableError',
  'BackendNotReadyError',
  'UnknownMongoChoiceError',
]);

/**
 * What a check says about one task of the learner's code, or undefined when it says nothing (not run, a
 * backend down, a file that did not parse): recorded progress changes only on a verdict.
 */
export function verdict(task: TaskOutcome): Exclude<TaskState, 'not-run'> | undefined {
  if (task.state === 'not-run') return undefined;
  if (task.state === 'failed') {
    const failed = task.tests.filter((t) => t.state === 'failed');
    if (failed.every((t) => t.errors.length > 0 && t.errors.every((e) => NOT_A_VERDICT.has(e.name)))) return undefined;
  }
  return task.state;
}

/** True when an error outside the tests means the run could not judge the code (a backend down…). */
export function isInfrastructure(error: CheckError): boolean {
  return NOT_A_VERDICT.has(error.name) && error.name !== 'ExerciseLoadError';
}

export interface CheckOptions {
  readonly target: Target;
  /** Extra environment, e.g. MONGODB_URI of the server the lesson already started. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long one test may run before it counts as an infinite loop. */
  readonly taskTimeoutMs?: number;
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const REPORTER = join(ROOT, 'lab', 'checks', 'reporter.ts');
/** Start-up, config, and loading the exercise module, before any test starts. */
const LOAD_LIMIT_MS = 20_000;

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

export function runChecks(lesson: Lesson, options: CheckOptions): Promise<CheckRun> {
  const limit = options.taskTimeoutMs ?? 10_000;
  mkdirSync(STATE_DIR, { recursive: true });
  const runningFile = join(STATE_DIR, `running-${process.pid}-${Date.now()}.json`);
  const testFile = join('test', `${lessonId(lesson)}.test.ts`);
  const child = spawn(
    process.execPath,
    // No --experimental.fsModuleCache: once in a while the first run after a change collected no tests at
    // all (seen twice in test/lab/checks.test.ts); the CLI's own checks run on a thread (warm.ts) anyway.
    [VITEST, 'run', testFile, '--reporter', REPORTER, `--testTimeout=${limit}`, '--hookTimeout=30000', '--no-file-parallelism'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env, NOSQL_LAB_TARGET: options.target, NOSQL_LAB_RUNNING: runningFile, FORCE_COLOR: '0' },
    },
  );

  const heard = new CheckCollector();
  let output = '';
  let timedOut: CheckRun['timedOut'];
  const started = Date.now();

  const kill = (): void => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const forget = onCleanup(kill);

  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  child.on('message', (message: unknown) => {
    const event = (message as Record<string, CheckEvent> | null)?.[CHECK_EVENT_TAG];
    if (!event) return;
    heard.hear(event);
  });

  const watchdog = setInterval(() => {
    // vitest's own testTimeout ends async hangs; a loop that blocks the worker needs this. The worker's
    // record is the clock: the reporter's news is batched, and stops when the worker is blocked.
    const since = modifiedAt(runningFile);
    // Read the record only once it has gone quiet for longer than a test may take.
    const record = since !== undefined && Date.now() - since > limit + 2000 ? readRunRecord<TestOutcome & { task: string }>(runningFile) : undefined;
    if (record?.running) {
      for (const result of record.results) heard.add(result.task, result);
      timedOut = { ...record.running, seconds: Math.round(limit / 1000) };
      kill();
    } else if (since === undefined && !heard.heardAny && Date.now() - started > LOAD_LIMIT_MS) {
      timedOut = { task: '', test: 'loading the exercise file', seconds: LOAD_LIMIT_MS / 1000 };
      kill();
    }
  }, 250);

  return new Promise((resolve) => {
    child.on('close', () => {
      clearInterval(watchdog);
      rmSync(runningFile, { force: true });
      forget();
      const tasks = heard.tasks(lesson, timedOut);
      const crashed = !heard.ended && !timedOut ? output.trim().split('\n').slice(-15).join('\n') : undefined;
      resolve({ tasks, errors: heard.errors, ...(child.pid ? { pid: child.pid } : {}), ...(timedOut ? { timedOut } : {}), ...(crashed !== undefined ? { crashed } : {}) });
    });
  });
}
