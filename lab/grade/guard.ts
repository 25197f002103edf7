/**
 * Setup file of every grading worker (see workspace.ts). Two jobs:
 *
 * 1. The record: each test's start (with the worker's pid) and result, written synchronously to
 *    NOSQL_LAB_RUNNING (read by lab/testing/run-record.ts), so that a learner's infinite loop — which
 *    blocks the worker before any report leaves it — can be pinned on the right task. The learner's
 *    code can write this file too, so it never decides a verdict: points come only from what vitest's
 *    main process saw (reporter.ts), and a test the record says ended but vitest never heard of is
 *    run again. Beside it, `<record>.beat` (the worker's pid) is
 *    rewritten every 250 ms while the worker's event loop turns: a test whose beat stops has blocked
 *    its worker (a loop), and the grader stops that worker after a few seconds of it instead of
 *    waiting out the test's time.
 * 2. The guard: the assertions cannot be bent. The matchers, equality testers and chai's assertion
 *    prototype are frozen before the learner's code loads (`expect.extend` then throws), and after each
 *    test the built-in prototypes are compared with how they were, so `Object.prototype.asymmetricMatch`
 *    and friends fail the test that planted them.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, chai, expect } from 'vitest';
import { taskAndTest, type NamedTask } from '../testing/task-path.ts';

const record = process.env.NOSQL_LAB_RUNNING;

function names(task: NamedTask & { readonly file?: { readonly filepath?: string } | undefined }): { file: string; task: string; test: string } {
  return { file: (task.file?.filepath ?? '').split('/').pop() ?? '', ...taskAndTest(task) };
}

function write(entry: object): void {
  if (record) appendFileSync(record, `${JSON.stringify(entry)}\n`);
}

// Once per worker: without isolation this file runs again for every test file in the same worker.
const BEATING = Symbol.for('nosql-lab.grade.heartbeat');
const worker = globalThis as Record<symbol, unknown>;
if (record && !worker[BEATING]) {
  const beat = `${record}.beat`;
  const touch = (): void => writeFileSync(beat, String(process.pid));
  touch();
  worker[BEATING] = setInterval(touch, 250).unref();
}

const MATCHERS = Symbol.for('$$jest-matchers-object');
const state = (globalThis as Record<symbol, { matchers?: object; customEqualityTesters?: unknown[] } | undefined>)[MATCHERS];
if (state?.matchers) Object.freeze(state.matchers);
if (state?.customEqualityTesters) Object.freeze(state.customEqualityTesters);
Object.freeze(chai.Assertion.prototype);
Object.freeze(chai.util);
Object.freeze(expect);
for (const key of ['is', 'keys', 'entries', 'getPrototypeOf', 'getOwnPropertyNames'] as const) {
  Object.defineProperty(Object, key, { writable: false, configurable: false });
}
Object.defineProperty(JSON, 'stringify', { writable: false, configurable: false });

const WATCHED: Record<string, object> = {
  'Object.prototype': Object.prototype,
  'Array.prototype': Array.prototype,
  'Function.prototype': Function.prototype,
  'Promise.prototype': Promise.prototype,
  'String.prototype': String.prototype,
  'Number.prototype': Number.prototype,
  'Map.prototype': Map.prototype,
  'Set.prototype': Set.prototype,
  'Date.prototype': Date.prototype,
};
function shape(target: object): string {
  return Reflect.ownKeys(target)
    .map((key) => {
      const d = Object.getOwnPropertyDescriptor(target, key);
      return `${String(key)}:${typeof d?.value === 'function' ? (d.value as { name: string }).name : typeof d?.value}:${d?.get ? 'get' : ''}`;
    })
    .sort()
    .join('|');
}
// No new properties on the built-in prototypes (existing ones stay writable, so libraries that assign
// over an inherited method still work): `Object.prototype.asymmetricMatch = …` throws at once.
for (const target of Object.values(WATCHED)) Object.preventExtensions(target);
// Taken once per worker, before any exercise code: a worker without isolation runs this file again
// for each test file, and a change one lesson's code made must not become the next lesson's baseline.
const BASELINE = Symbol.for('nosql-lab.grade.baseline');
if (!(BASELINE in worker)) {
  const taken = Object.freeze(Object.fromEntries(Object.entries(WATCHED).map(([name, target]) => [name, shape(target)])));
  Object.defineProperty(worker, BASELINE, { value: taken, writable: false, configurable: false, enumerable: false });
}
const baseline = worker[BASELINE] as Readonly<Record<string, string>>;

export class TamperingError extends Error {
  override readonly name = 'TamperingError';
}

beforeEach((context) => write({ type: 'start', ...names(context.task), pid: process.pid }));

afterEach((context) => {
  const changed = Object.entries(WATCHED).filter(([name, target]) => shape(target) !== baseline[name]).map(([name]) => name);
  const result = context.task.result;
  const errors = (result?.errors ?? []).map((e) => ({ name: String(e.name ?? 'Error'), message: String(e.message ?? '') }));
  if (changed.length > 0) errors.unshift({ name: 'TamperingError', message: `the exercise code changed ${changed.join(', ')}, which the checks rely on` });
  const failed = result?.state === 'fail' || changed.length > 0;
  write({ type: 'result', ...names(context.task), state: failed ? 'failed' : 'passed', errors });
  if (changed.length > 0) {
    throw new TamperingError(`The exercise code changed ${changed.join(', ')}, which the checks rely on; this test does not count.`);
  }
});
