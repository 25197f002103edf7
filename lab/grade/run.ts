/**
 * Runs one learner's tests in their workspace, in a child vitest process with its own process group.
 * The first attempt runs every test file in one worker (no per-file process: most learners need
 * nothing more). A test that blocks its worker (an infinite loop: no in-process timeout can stop it;
 * the worker's heartbeat stops) or a worker that dies (out of memory) costs that one task: the task is
 * marked, and the tasks not yet run are run again, now each test file in a worker of its own, so a
 * later hang stops only that file's worker and vitest goes on with the next file — until every task
 * has an outcome or the learner's time is up.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../paths.ts';
import { readJsonLines, readRunRecord, type RecordStart } from '../testing/run-record.ts';
import type { ReportedResult } from './reporter.ts';
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
  /** vitest's own limit for a test that waits (it ends such a test in-process). */
  readonly testTimeoutMs: number;
  /** How long a test may keep its worker blocked (no heartbeat, see guard.ts) before the worker is stopped. */
  readonly blockedMs: number;
  /** For the learner as a whole, reruns included. */
  readonly deadline: number;
  readonly env: NodeJS.ProcessEnv;
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A worker blocked outside any test (a timer that loops between tests) is stopped after this long. */
const BLOCKED_BETWEEN_TESTS_MS = 30_000;

interface Attempt {
  readonly results: TestResult[];
  /** Tests that began and never ended: stopped by the watchdog (`hung`) or by their worker's death. */
  readonly stopped: Stopped[];
  readonly outOfTime: boolean;
  /** Why a worker died in this attempt, from vitest's output. */
  readonly crash: string;
}

type RecordedResult = TestResult & { readonly type: 'result' };

function modifiedAt(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after the command name (Linux), or undefined. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` is a process of the group `group` leads; a pid read from the record is not trusted otherwise. */
function inGroup(pid: unknown, group: number): pid is number {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1 || pid === group) return false;
  return Number(procStat(pid)?.[2]) === group;
}

/** Milliseconds of CPU a process has used (utime + stime, in 10 ms ticks), or undefined when it is gone. */
function cpuMs(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : undefined;
}

const HAS_PROC = procStat(process.pid) !== undefined;

/**
 * The worker's heartbeat (guard.ts: its pid, rewritten every 250 ms while its event loop turns).
 * `blocked` says whether the worker has spent more than `limitMs` since its last beat stuck in one
 * piece of code: by CPU time where /proc tells it (a loaded machine slows a test, not a loop's count),
 * else by the clock. A worker that died is not blocked: vitest reports it, or starts the next one.
 */
class Heartbeat {
  private seen = 0;
  private pid: number | undefined;
  private cpuAtBeat: number | undefined;

  /** `group`: the run's process group; a pid in the beat file (which the worker can write) is used only if it is in it. */
  constructor(
    private readonly file: string,
    private readonly group: number | undefined,
  ) {}

  /** Milliseconds since the last beat, 0 before the first. */
  age(now: number): number {
    const at = modifiedAt(this.file);
    if (at === undefined) return 0;
    if (at !== this.seen) {
      this.seen = at;
      let pid = Number.NaN;
      try {
        pid = Number(readFileSync(this.file, 'utf8'));
      } catch {
        // Rewritten just now: read again on the next tick.
      }
      this.pid = this.group !== undefined && inGroup(pid, this.group) ? pid : undefined;
      this.cpuAtBeat = this.pid === undefined ? undefined : cpuMs(this.pid);
    }
    return Math.max(0, now - at);
  }

  blocked(now: number, limitMs: number): boolean {
    if (this.age(now) <= limitMs) return false;
    if (!HAS_PROC || this.pid === undefined) return true;
    const cpu = cpuMs(this.pid);
    if (cpu === undefined) return false;
    return this.cpuAtBeat === undefined || cpu - this.cpuAtBeat > limitMs * 0.9;
  }
}

function hungReason(options: RunOptions): string {
  return `did not finish within ${Math.round(options.blockedMs / 1000)} s — an infinite loop, or a wait that never ends?`;
}

function attempt(ws: Workspace, files: readonly string[], pattern: string, n: number, isolate: boolean, options: RunOptions): Promise<Attempt> {
  const record = join(ws.scratch, `record-${n}.jsonl`);
  const beat = `${record}.beat`;
  // Verdicts come from vitest's main process (reporter.ts), into a folder the workers cannot write.
  const verdicts = join(ws.dir, '.results', `results-${n}.jsonl`);
  mkdirSync(dirname(verdicts), { recursive: true });
  for (const file of [record, beat, verdicts]) rmSync(file, { force: true });
  const child = spawn(
    process.execPath,
    [
      VITEST, 'run', ...files.map((f) => `test/${f}`), '--config', join(ws.dir, 'vitest.config.ts'), '--reporter=dot', `--reporter=${join(ws.dir, 'lab', 'grade', 'reporter.ts')}`,
      `--testNamePattern=${pattern}`,
      isolate ? '--isolate' : '--no-isolate',
    ],
    {
      cwd: ws.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...options.env, NOSQL_LAB_TARGET: ws.lessonsDir, NOSQL_LAB_RUNNING: record, NOSQL_LAB_RESULTS: verdicts, TMPDIR: join(ws.scratch, 'tmp'), FORCE_COLOR: '0', NO_COLOR: '1' },
    },
  );
  // Why workers died, read from vitest's output as it comes (with a worker per file, later reports
  // would push it out of any tail we kept).
  const causes = new Set<string>();
  let last = '';
  const onOutput = (chunk: Buffer): void => {
    const text = last + chunk.toString();
    const cause = crashReason(text);
    if (cause !== UNEXPECTED) causes.add(cause);
    last = text.slice(-200); // A message cut in two by the pipe.
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  let outOfTime = false;
  const killGroup = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  /** With a worker per file, only the blocked worker goes and vitest carries on; else the whole run. */
  const stop = (worker: unknown): void => {
    if (isolate && child.pid !== undefined && inGroup(worker, child.pid)) {
      try {
        process.kill(worker, 'SIGKILL');
        return;
      } catch {
        // Gone already, or not ours after all: stop the run.
      }
    }
    killGroup();
  };
  const key = (s: RecordStart): string => `${s.pid}|${s.file}|${s.task}|${s.test}`;
  /** The tests the watchdog stopped, by key. */
  const hung = new Set<string>();
  const started = Date.now();
  const heartbeat = new Heartbeat(beat, child.pid);
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (now > options.deadline) {
      outOfTime = true;
      killGroup();
      return;
    }
    // Two clocks: the heartbeat, which stops when a loop blocks the worker, and the record, which
    // vitest's own test timeout should keep moving (a backstop).
    const blocked = heartbeat.blocked(now, options.blockedMs);
    const recordAge = now - (modifiedAt(record) ?? started);
    if (!blocked && recordAge <= options.testTimeoutMs + 2000) return;
    const { running } = readRunRecord<RecordedResult>(record);
    if (running) {
      if (hung.has(key(running))) return; // Stopped already; the next worker is on its way.
      hung.add(key(running));
      stop(running.pid);
    } else if (heartbeat.age(now) > BLOCKED_BETWEEN_TESTS_MS && recordAge > BLOCKED_BETWEEN_TESTS_MS) {
      killGroup(); // Blocked between tests (a timer that loops): the tasks not yet run get another attempt.
    }
  }, 250);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearInterval(watchdog);
      const recorded = readRunRecord<RecordedResult>(record);
      // Only what vitest itself reported counts: a result the worker recorded but vitest never heard
      // of (the worker was killed before its report left) is run again in the next attempt.
      const results = readVerdicts(verdicts);
      const crash = [...causes].join('; ') || UNEXPECTED;
      const stopped = recorded.unfinished
        // Out of time: the test that was running did not hang; it had no time left.
        .filter((s) => hung.has(key(s)) || !outOfTime)
        .map((s): Stopped => ({ file: s.file ?? '', task: s.task, test: s.test, reason: hung.has(key(s)) ? hungReason(options) : crash }));
      resolve({ results, stopped, outOfTime, crash });
    });
  });
}

/** The verdicts reporter.ts wrote; a line cut short by a kill is skipped. */
function readVerdicts(file: string): TestResult[] {
  return (readJsonLines(file) as ReportedResult[]).map(({ file: name, task, test, state, errors }) => ({ file: name, task, test, state, errors }));
}

/** Why a worker died, in words, from vitest's output. */
function crashReason(output: string): string {
  if (/heap out of memory|Reached heap limit|ERR_WORKER_OUT_OF_MEMORY/i.test(output)) return 'the test process ran out of memory (is something allocating without end?)';
  if (/ERR_ACCESS_DENIED|Access to this API has been restricted/.test(output)) return 'the exercise code reached outside its sandbox (files, processes or threads it may not use)';
  return UNEXPECTED;
}

const UNEXPECTED = 'the test process stopped unexpectedly';

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
    // One worker for every file first; after a hang or a crash, a worker per file (see the top).
    const run = await attempt(ws, pending.map(([file]) => file), pattern, n, n > 1, options);
    for (const result of run.results) if (!results.some((r) => r.file === result.file && r.task === result.task && r.test === result.test)) results.push(result);
    for (const s of run.stopped) if (!stopped.some((t) => t.file === s.file && t.task === s.task)) stopped.push(s);
    if (run.outOfTime) return { results, stopped, outOfTime: true };
    // Every pending task either ran or cannot: a file that failed before any test (it did not load).
    const progressed = pending.some(([file, tasks]) => tasks.some((t) => done(file, t)));
    if (!progressed) {
      for (const [file, tasks] of pending) for (const task of tasks) stopped.push({ file, task, test: '', reason: run.crash });
    }
  }
}
