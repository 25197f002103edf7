/**
 * A vitest reporter that streams each test's result, the learner's console output and any error
 * outside the tests to the lesson runner, which turns them into the task list.
 * Used only under `npm run lesson`; instructors and CI use vitest's own reporters.
 */
import type { UserConsoleLog } from 'vitest';
import type { Reporter, SerializedError, TestCase, TestModule } from 'vitest/node';
import { CHECK_EVENT_TAG, type CheckError, type CheckEvent } from './protocol.ts';

function send(event: CheckEvent): void {
  process.send?.({ [CHECK_EVENT_TAG]: event });
}

function plain(error: SerializedError & { expected?: string; actual?: string; diff?: string }): CheckError {
  return {
    name: String(error.name ?? 'Error'),
    message: String(error.message ?? error),
    ...(error.stack ? { stack: String(error.stack) } : {}),
    ...(error.expected !== undefined ? { expected: error.expected } : {}),
    ...(error.actual !== undefined ? { actual: error.actual } : {}),
    ...(error.diff !== undefined ? { diff: error.diff } : {}),
  };
}

/** The top-level `describe` is the task; the rest of the path names the test. */
function names(test: TestCase): { task: string; test: string } {
  const path: string[] = [test.name];
  let parent = test.parent;
  while (parent.type === 'suite') {
    path.unshift(parent.name);
    parent = parent.parent;
  }
  return { task: path[0] ?? test.name, test: path.slice(1).join(' › ') || test.name };
}

export default class CheckReporter implements Reporter {
  private readonly taskOf = new Map<string, string>();

  onTestCaseReady(test: TestCase): void {
    this.taskOf.set(test.id, names(test).task);
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    const state = result.state === 'pending' ? 'skipped' : result.state;
    send({ type: 'result', ...names(test), state, errors: (result.errors ?? []).map(plain), ms: test.diagnostic()?.duration ?? 0 });
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    send({ type: 'log', task: log.taskId ? this.taskOf.get(log.taskId) : undefined, text: log.content });
  }

  onTestModuleEnd(module: TestModule): void {
    const errors = module.errors();
    if (errors.length > 0) send({ type: 'error', errors: errors.map(plain) });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    // Renamed so the runner can say "a promise nobody awaited" rather than show a bare message.
    if (unhandled.length > 0) send({ type: 'error', errors: unhandled.map((e) => ({ ...plain(e), name: 'UnhandledRejection' })) });
    send({ type: 'end' });
  }
}
