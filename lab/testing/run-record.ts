/**
 * The running-test record (the file NOSQL_LAB_RUNNING names): one JSON line per test start and per
 * result, appended synchronously by the worker (lab/checks/worker-setup.ts under `npm run lesson`,
 * lab/grade/guard.ts under `npm run grade`). A learner's infinite loop blocks the worker before any
 * report leaves it; this file is then the only witness of which tests finished and where the loop is.
 * This is its one reader, for the check runner and the grader alike.
 */
import { readFileSync } from 'node:fs';

/** A test that began: `file` and `pid` (the worker's) are written by the grader's guard. */
export interface RecordStart {
  readonly type: 'start';
  readonly file?: string;
  readonly task: string;
  readonly test: string;
  readonly pid?: number;
}

export interface RunRecord<Result> {
  /** The result lines, as written (the writer decides their fields), in order. */
  readonly results: Result[];
  /** The test that began after the last result line: still running, or its worker died under it. */
  readonly running?: RecordStart;
  /** Every test that began and never got a result (a worker killed or crashed; later workers went on). */
  readonly unfinished: readonly RecordStart[];
}

function sameTest(a: { file?: string; task: string; test: string }, b: { file?: string; task: string; test: string }): boolean {
  return a.file === b.file && a.task === b.task && a.test === b.test;
}

/** The JSON lines of a file that a killed process may have cut short: a missing file is none, a broken line is skipped. */
export function readJsonLines(path: string): unknown[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line));
    } catch {
      // A line cut short by a kill: the rest still counts.
    }
  }
  return entries;
}

/** Reads the record; a missing file is an empty record, and a line cut short by a kill is skipped. */
export function readRunRecord<Result extends { readonly task: string; readonly test: string; readonly file?: string }>(path: string): RunRecord<Result> {
  const results: Result[] = [];
  const open: RecordStart[] = [];
  let running: RecordStart | undefined;
  for (const entry of readJsonLines(path) as { type?: unknown }[]) {
    if (entry?.type === 'start') {
      running = entry as RecordStart;
      open.push(running);
    }
    if (entry?.type === 'result') {
      const result = entry as unknown as Result;
      results.push(result);
      running = undefined;
      const at = open.findLastIndex((s) => sameTest(s, result));
      if (at >= 0) open.splice(at, 1);
    }
  }
  return running ? { results, running, unfinished: open } : { results, unfinished: open };
}
