/**
 * The grader's witness of results: a vitest reporter, so it runs in vitest's main process — outside
 * the sandboxed workers where the learner's code runs — and writes each test's verdict, as vitest
 * itself saw it, to the file NOSQL_LAB_RESULTS names. That file lies outside the workers' only
 * writable folder (workspace.ts), so a submission cannot add "passed" lines to it; the running-test
 * record the workers write (guard.ts) only says where a test hung, never whether one passed.
 */
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';
import { taskAndTest, type NamedTask } from '../testing/task-path.ts';

export interface ReportedResult {
  readonly file: string;
  readonly task: string;
  readonly test: string;
  readonly state: 'passed' | 'failed';
  readonly errors: readonly { readonly name: string; readonly message: string }[];
}

/** The reported test as the runner's task chain (name, then its describes), for the one walk in task-path.ts. */
function named(node: TestCase | TestSuite | TestModule): NamedTask | undefined {
  if (node.type === 'module') return undefined;
  return { name: node.name, suite: named(node.parent) };
}

export default class GradeReporter implements Reporter {
  private readonly out = process.env.NOSQL_LAB_RESULTS;

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (!this.out || (result.state !== 'passed' && result.state !== 'failed')) return;
    const entry: ReportedResult = {
      file: basename(testCase.module.moduleId),
      ...taskAndTest({ name: testCase.name, suite: named(testCase.parent) }),
      state: result.state,
      errors: (result.errors ?? []).map((e) => ({ name: String(e.name ?? 'Error'), message: String(e.message ?? '') })),
    };
    appendFileSync(this.out, `${JSON.stringify(entry)}\n`);
  }
}
