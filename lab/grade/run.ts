/**
 * Runs one learner's tests in their workspace, in a child vitest process with its own process group.
 * A test that hangs (an infinite loop blocks the worker; no in-process timeout can stop it) or a worker
 * that dies (out of memory) costs that one task: the group is killed, the task is marked, and the tasks
 * not yet run are run again in a fresh process, until every task has an outcome or the learner's time
 * is up.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../paths.ts';
import type { Workspace } from './workspace.ts';

export interface TestError {
  readonly name: string;
  readonly message: string;
}

export interface TestResult {
  /** The test file's name, e.g. `01-sql-vs-nosql.test.ts`. */
  readonly file: string;
  readonly task: string;
  readonly test: string;
  readonly state: 'passed' | 'failed';
  readonly errors: readonly TestError[];
}

/** A task that produced no result of its own: it hung, or its worker died under it. */
export interface Stopped {
  readonly file: string;
  readonly task: string;
  readonly test: string;
  readonly reason: string;
}

export interface LearnerRun {
  readonly results: readonly TestResult[];
  readonly stopped: readonly Stopped[];
  /** True when the learner's whole time ran out before every task had an outcome. */
  readonly outOfTime: boolean;
}

export interface RunOptions {
  /** file → the task titles in it, in order. */
  readonly tasks: ReadonlyMap<string, readonly string[]>;
  readonly testTimeoutMs: number;
  /** For the learner as a whole, reruns included. */
  readonly deadline: number;
  readonly env: NodeJS.ProcessEnv;
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Attempt {
  readonly results: TestResult[];
  readonly running?: { file: string; task: string; test: string };
  readonly hung: boolean;
  readonly exitOutput: string;
  readonly outOfTime: boolean;
}

function readRecord(file: string): { results: TestResult[]; running?: { file: string; task: string; test: string } } {
  const results: TestResult[] = [];
  let running: { file: string; task: string; test: string } | undefined;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { results };
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { type: string } & TestResult;
      if (entry.type === 'start') running = { file: entry.file, task: entry.task, test: entry.test };
      if (entry.type === 'result') {
        results.push({ file: entry.file, task: entry.task, test: entry.test, state: entry.state, errors: entry.errors });
        running = undefined;
      }
    } catch {
      // A line cut short by a kill: the rest of the record still counts.
    }
  }
  return running ? { results, running } : { results };
}

function attempt(ws: Workspace, files: readonly string[], pattern: string, n: number, options: RunOptions): Promise<Attempt> {
  const record = join(ws.scratch, `record-${n}.jsonl`);
  rmSync(record, { force: true });
  const child = spawn(
    process.execPath,
    [VITEST, 'run', ...files.map((f) => `test/${f}`), '--config', join(ws.dir, 'vitest.config.ts'), '--reporter=dot', `--testNamePattern=${pattern}`],
    {
      cwd: ws.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...options.env, NOSQL_LAB_TARGET: ws.lessonsDir, NOSQL_LAB_RUNNING: record, TMPDIR: join(ws.scratch, 'tmp'), FORCE_COLOR: '0', NO_COLOR: '1' },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000)));
  let hung = false;
  let outOfTime = false;
  const kill = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const started = Date.now();
  const watchdog = setInterval(() => {
    let quietFor = Date.now() - started;
    try {
      quietFor = Date.now() - statSync(record).mtimeMs;
    } catch {
      // No record yet: the run is still starting (backends, the first import).
    }
    if (Date.now() > options.deadline) {
      outOfTime = true;
      kill();
    } else if (quietFor > options.testTimeoutMs + 2000 && readRecord(record).running) {
      hung = true;
      kill();
    }
  }, 250);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearInterval(watchdog);
      const { results, running } = readRecord(record);
      resolve({ results, hung, outOfTime, exitOutput: output, ...(running ? { running } : {}) });
    });
  });
}

/** Why a worker died, in words, from vitest's last output. */
function crashReason(output: string): string {
  if (/heap out of memory|Reached heap limit|ERR_WORKER_OUT_OF_MEMORY/i.test(output)) return 'the test process ran out of memory (is something allocating without end?)';
  if (/ERR_ACCESS_DENIED|Access to this API has been restricted/.test(output)) return 'the exercise code reached outside its sandbox (files, processes or threads it may not use)';
  return 'the test process stopped unexpectedly';
}

export async function runLearner(ws: Workspace, options: RunOptions): Promise<LearnerRun> {
  const results: TestResult[] = [];
  const stopped: Stopped[] = [];
  const done = (file: string, task: string): boolean =>
    results.some((r) => r.file === file && r.task === task) || stopped.some((s) => s.file === file && s.task === task);
  for (let n = 1; ; n++) {
    const pending = [...options.tasks].map(([file, tasks]) => [file, tasks.filter((t) => !done(file, t))] as const).filter(([, tasks]) => tasks.length > 0);
    if (pending.length === 0) return { results, stopped, outOfTime: false };
    if (Date.now() > options.deadline) return { results, stopped, outOfTime: true };
    const titles = [...new Set(pending.flatMap(([, tasks]) => tasks))];
    const pattern = `^(?:${titles.map(escape).join('|')}) `;
    const run = await attempt(ws, pending.map(([file]) => file), pattern, n, options);
    for (const result of run.results) if (!results.some((r) => r.file === result.file && r.task === result.task && r.test === result.test)) results.push(result);
    if (run.outOfTime) return { results, stopped, outOfTime: true };
    if (run.running) {
      const reason = run.hung
        ? `did not finish within ${Math.round(options.testTimeoutMs / 1000)} s — an infinite loop, or a wait that never ends?`
        : crashReason(run.exitOutput);
      stopped.push({ ...run.running, reason });
      continue;
    }
    // Every pending task either ran or cannot: a file that failed before any test (it did not load).
    const progressed = pending.some(([file, tasks]) => tasks.some((t) => done(file, t)));
    if (!progressed) {
      for (const [file, tasks] of pending) for (const task of tasks) stopped.push({ file, task, test: '', reason: crashReason(run.exitOutput) });
    }
  }
}
