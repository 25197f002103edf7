/**
 * Runs a lesson's test file in a child vitest process and reports each task's outcome.
 * The child has its own process group, so a learner's infinite loop (which no in-process
 * timeout can interrupt) is stopped by killing the group after the task's time limit.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../lesson.ts';
import { lessonId } from '../lesson.ts';
import { ROOT, STATE_DIR, type Target } from '../paths.ts';
import { onCleanup } from '../cli/cleanup.ts';
import { CHECK_EVENT_TAG, type CheckError, type CheckEvent } from './protocol.ts';

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

function isTodo(errors: readonly CheckError[]): boolean {
  return errors.length > 0 && errors.every((e) => e.name === 'TodoError' || e.message.startsWith('TODO:'));
}

function stateOf(tests: readonly TestOutcome[]): TaskState {
  const failed = tests.filter((t) => t.state === 'failed');
  if (tests.length === 0) return 'not-run';
  if (failed.length === 0) return tests.some((t) => t.state === 'passed') ? 'passed' : 'not-run';
  return failed.every((t) => isTodo(t.errors)) ? 'todo' : 'failed';
}

/** The test the worker last started (its own record), else the last one the reporter heard of. */
function whereStuck(file: string, fallback: { task: string; test: string }): { task: string; test: string } {
  try {
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as { task?: string; test?: string };
    return { task: recorded.task ?? fallback.task, test: recorded.test ?? fallback.test };
  } catch {
    return { task: fallback.task, test: fallback.test };
  }
}

export function runChecks(lesson: Lesson, options: CheckOptions): Promise<CheckRun> {
  const limit = options.taskTimeoutMs ?? 10_000;
  mkdirSync(STATE_DIR, { recursive: true });
  const runningFile = join(STATE_DIR, `running-${process.pid}-${Date.now()}.json`);
  const testFile = join('test', `${lessonId(lesson)}.test.ts`);
  const child = spawn(
    process.execPath,
    [VITEST, 'run', testFile, '--reporter', REPORTER, `--testTimeout=${limit}`, '--hookTimeout=30000', '--no-file-parallelism'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env, NOSQL_LAB_TARGET: options.target, NOSQL_LAB_RUNNING: runningFile, FORCE_COLOR: '0' },
    },
  );

  const outcomes = new Map<string, TestOutcome[]>();
  const logs = new Map<string, string[]>();
  const errors: CheckError[] = [];
  const running = new Map<string, { task: string; test: string; since: number }>();
  let output = '';
  let ended = false;
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
    if (event.type === 'start') running.set(`${event.task}\u0000${event.test}`, { ...event, since: Date.now() });
    if (event.type === 'result') {
      running.delete(`${event.task}\u0000${event.test}`);
      outcomes.set(event.task, [...(outcomes.get(event.task) ?? []), event]);
    }
    if (event.type === 'log' && event.task) logs.set(event.task, [...(logs.get(event.task) ?? []), event.text]);
    if (event.type === 'error') {
      // The same unhandled rejection often fires once per test that calls the function: say it once.
      for (const error of event.errors) if (!errors.some((e) => e.message === error.message && e.name === error.name)) errors.push(error);
    }
    if (event.type === 'end') ended = true;
  });

  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const run of running.values()) {
      // vitest's own testTimeout handles async hangs; this catches loops that block its timer.
      if (now - run.since > limit + 2000) {
        timedOut = { ...whereStuck(runningFile, run), seconds: Math.round(limit / 1000) };
        kill();
        return;
      }
    }
    if (running.size === 0 && outcomes.size === 0 && now - started > LOAD_LIMIT_MS) {
      timedOut = { task: '', test: 'loading the exercise file', seconds: LOAD_LIMIT_MS / 1000 };
      kill();
    }
  }, 200);

  return new Promise((resolve) => {
    child.on('close', () => {
      clearInterval(watchdog);
      rmSync(runningFile, { force: true });
      forget();
      const known = new Set(lesson.tasks.map((t) => t.title));
      const tasks = lesson.tasks.map((task): TaskOutcome => {
        const tests = outcomes.get(task.title) ?? [];
        const state = timedOut?.task === task.title ? 'timeout' : stateOf(tests);
        return { title: task.title, points: task.points, state, tests, logs: logs.get(task.title) ?? [] };
      });
      for (const [title, tests] of outcomes) {
        if (!known.has(title)) {
          errors.push({ name: 'LessonError', message: `test/${lessonId(lesson)}.test.ts has a describe('${title}') that matches no task in lesson.ts (${tests.length} tests).` });
        }
      }
      const crashed = !ended && !timedOut ? output.trim().split('\n').slice(-15).join('\n') : undefined;
      resolve({ tasks, errors, ...(timedOut ? { timedOut } : {}), ...(crashed !== undefined ? { crashed } : {}) });
    });
  });
}
