/**
 * Runs inside each vitest worker (a `setupFiles` entry). Under `npm run lesson` it records each test's
 * start and result, synchronously, in the file NOSQL_LAB_RUNNING names: a learner's infinite loop blocks
 * the worker before vitest's batched reports leave it, and this file is then the only witness of which
 * tests had passed and where the loop is.
 */
import { appendFileSync } from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import type { CheckError } from './protocol.ts';
import { taskAndTest } from '../testing/task-path.ts';

const file = process.env.NOSQL_LAB_RUNNING;


function record(entry: object): void {
  if (file) appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

if (file) {
  beforeEach((context) => record({ type: 'start', ...taskAndTest(context.task) }));
  afterEach((context) => {
    const result = context.task.result;
    const errors: CheckError[] = (result?.errors ?? []).map((e) => ({
      name: String(e.name ?? 'Error'),
      message: String(e.message ?? ''),
      ...(e.stack ? { stack: String(e.stack) } : {}),
      ...(e.diff ? { diff: e.diff } : {}),
    }));
    record({ type: 'result', ...taskAndTest(context.task), state: result?.state === 'fail' ? 'failed' : 'passed', errors, ms: result?.duration ?? 0 });
  });
}
