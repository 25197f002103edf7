/**
 * The warm runner for `--watch`: a worker thread that keeps the test file's modules and databases loaded
 * between saves and runs the lesson's tests with vitest's own runner (warm/thread.ts), so a re-check
 * costs about the tests themselves. A learner's infinite loop is stopped by terminating the thread;
 * the next check starts a new one. The test file, the exercise and every module of the learner's folder
 * they import are imported afresh each run (warm/hooks.mjs), so a save of any of them is seen.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { ROOT, targetDir, type Target } from '../paths.ts';
import { onCleanup } from '../cli/cleanup.ts';
import type { CheckEvent } from './protocol.ts';
import { CheckCollector } from './collect.ts';
import type { CheckRun } from './run.ts';

type ThreadEvent = CheckEvent | { type: 'start'; task: string; test: string };

export class WarmChecks {
  private worker: Worker | undefined;
  private runs = 0;

  constructor(
    private readonly lesson: Lesson,
    private readonly target: Target,
    private readonly env: NodeJS.ProcessEnv,
    private readonly taskTimeoutMs = 10_000,
    /**
     * Keep the databases open between runs (watch mode). A one-shot check closes them at the end of its
     * run instead, so PGlite shuts down cleanly and its data-directory slot is free and clean for the next run.
     */
    private readonly keepOpen = true,
  ) {}

  private start(): Worker {
    const worker = new Worker(new URL('./warm/thread.mjs', import.meta.url), {
      // The learner's folder: its modules are imported afresh each run (warm/hooks.mjs).
      workerData: { freshDirs: [targetDir(this.target)] },
      env: { ...process.env, ...this.env, NOSQL_LAB_TARGET: this.target, NOSQL_LAB_WARM: this.keepOpen ? '1' : '0', NOSQL_LAB_RUNNING: 'warm', FORCE_COLOR: '0' },
      stdout: true,
      stderr: true,
    });
    // The thread's own output is reported through events; what escapes (a crash) is kept for the message.
    worker.stdout.resume();
    worker.stderr.resume();
    return worker;
  }

  /** Opens the thread and its modules ahead of the first save. */
  warm(): void {
    this.worker ??= this.start();
  }

  run(): Promise<CheckRun> {
    const worker = (this.worker ??= this.start());
    const lesson = this.lesson;
    const heard = new CheckCollector();
    let running: { task: string; test: string; since: number } | undefined;
    let timedOut: CheckRun['timedOut'];
    this.runs += 1;

    return new Promise<CheckRun>((resolve) => {
      const finish = (crashed?: string): void => {
        clearInterval(watchdog);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        worker.off('error', onError);
        const tasks = heard.tasks(lesson, timedOut);
        resolve({ tasks, errors: heard.errors, ...(timedOut ? { timedOut } : {}), ...(crashed ? { crashed } : {}) });
      };
      const onMessage = (event: ThreadEvent): void => {
        if (event.type === 'start') {
          running = { task: event.task, test: event.test, since: Date.now() };
          return;
        }
        if (event.type === 'result') running = undefined;
        heard.hear(event);
        if (event.type === 'end') finish();
      };
      const onExit = (code: number): void => {
        this.worker = undefined;
        if (!timedOut) finish(`The check thread stopped (exit code ${code}).`);
        else finish();
      };
      const onError = (error: Error): void => {
        this.worker = undefined;
        heard.error({ name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
        finish();
      };
      // An async hang ends at the test's own timeout; a loop that blocks the thread needs this.
      const watchdog = setInterval(() => {
        if (running && Date.now() - running.since > this.taskTimeoutMs + 1500) {
          timedOut = { task: running.task, test: running.test, seconds: Math.round(this.taskTimeoutMs / 1000) };
          running = undefined;
          void worker.terminate();
        }
      }, 200);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.postMessage({ type: 'run', file: join(ROOT, 'test', `${lessonId(lesson)}.test.ts`), run: this.runs, testTimeout: this.taskTimeoutMs });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

/**
 * One check on a fresh thread (a one-shot `npm run lesson N`): no second process, no vitest start-up.
 * It starts the thread (tsx and the test runner) at once; the returned
 * function runs the check, which can wait for a database the lesson is still starting.
 */
export function startThreadCheck(lesson: Lesson, options: { target: Target; env?: NodeJS.ProcessEnv; taskTimeoutMs?: number }): () => Promise<CheckRun> {
  const checks = new WarmChecks(lesson, options.target, options.env ?? {}, options.taskTimeoutMs, false);
  const forget = onCleanup(() => checks.close());
  checks.warm();
  return async () => {
    try {
      return await checks.run();
    } finally {
      forget();
      await checks.close();
    }
  };
}

export function checkInThread(lesson: Lesson, options: { target: Target; env?: NodeJS.ProcessEnv; taskTimeoutMs?: number }): Promise<CheckRun> {
  return startThreadCheck(lesson, options)();
}
