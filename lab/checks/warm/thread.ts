/**
 * Inside the warm runner's thread: runs a lesson's test file with @vitest/runner each time the main
 * thread asks, reporting each test as it starts and ends. Modules stay loaded between runs, and
 * useBackends keeps its databases open (NOSQL_LAB_WARM), so a re-check costs the tests and little else.
 * The test file and the exercise are imported afresh each run (a `?run=N` query).
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { startTests, type File, type Task, type Test, type VitestRunner } from '@vitest/runner';
import type { CheckError, CheckEvent } from '../protocol.ts';

interface RunRequest {
  readonly type: 'run';
  readonly file: string;
  readonly run: number;
  readonly testTimeout: number;
}

function post(event: CheckEvent | { type: 'start'; task: string; test: string }): void {
  parentPort?.postMessage(event);
}

/** The top-level `describe` is the task; the rest of the path names the test (as reporter.ts). */
function names(test: Task): { task: string; test: string } {
  const path: string[] = [];
  for (let t: Task | undefined = test; t && !('filepath' in t); t = t.suite) path.unshift(t.name);
  return { task: path[0] ?? test.name, test: path.slice(1).join(' › ') || test.name };
}

function plain(error: unknown): CheckError {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; stack?: unknown; diff?: unknown; expected?: unknown; actual?: unknown };
  return {
    name: String(e.name ?? 'Error'),
    message: String(e.message ?? error),
    ...(e.stack ? { stack: String(e.stack) } : {}),
    ...(typeof e.diff === 'string' ? { diff: e.diff } : {}),
  };
}

let current: string | undefined;

// What vitest does in its workers: an exit in learner code is an error of the test, not the end of the runner.
process.exit = ((code?: number) => {
  throw new Error(`process.exit unexpectedly called with "${code ?? 'undefined'}"`);
}) as typeof process.exit;

for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]) => post({ type: 'log', task: current, text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') });
}

const unhandled: CheckError[] = [];
process.on('unhandledRejection', (reason) => unhandled.push({ ...plain(reason), name: 'UnhandledRejection' }));

function runner(request: RunRequest): VitestRunner {
  return {
    config: {
      root: process.cwd(),
      setupFiles: [],
      name: undefined,
      passWithNoTests: false,
      testNamePattern: undefined,
      allowOnly: true,
      sequence: { shuffle: false, concurrent: false, seed: 0, hooks: 'stack', setupFiles: 'list' },
      chaiConfig: undefined,
      maxConcurrency: 1,
      testTimeout: request.testTimeout,
      hookTimeout: 30_000,
      retry: 0,
      includeTaskLocation: false,
      diffOptions: { expand: false },
      tags: [],
      tagsFilter: undefined,
      strictTags: false,
    },
    async importFile(filepath: string) {
      (globalThis as { __nosqlLabRun?: number }).__nosqlLabRun = request.run;
      await import(`${pathToFileURL(filepath).href}?run=${request.run}`);
    },
    onBeforeRunTask(test: Test) {
      const n = names(test);
      current = n.task;
      post({ type: 'start', ...n });
    },
    onAfterRunTask(test: Test) {
      const result = test.result;
      const state = result?.state === 'fail' ? 'failed' : result?.state === 'pass' ? 'passed' : 'skipped';
      post({ type: 'result', ...names(test), state, errors: (result?.errors ?? []).map(plain), ms: result?.duration ?? 0 });
      current = undefined;
    },
  } as unknown as VitestRunner;
}

parentPort?.on('message', async (request: RunRequest) => {
  if (request.type !== 'run') return;
  unhandled.length = 0;
  let files: File[] = [];
  try {
    files = await startTests([request.file], runner(request));
  } catch (error) {
    post({ type: 'error', errors: [plain(error)] });
  }
  const fileErrors = files.flatMap((f) => f.result?.errors ?? []).map(plain);
  if (fileErrors.length > 0) post({ type: 'error', errors: fileErrors });
  // Let a rejection from the last test reach the handler before the run is called over.
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (unhandled.length > 0) post({ type: 'error', errors: [...unhandled] });
  post({ type: 'end' });
});
