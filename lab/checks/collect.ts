/**
 * What one run of a lesson's checks heard, event by event, and the tasks it makes of it. One collector
 * for both runners: the warm thread (warm.ts) and the vitest child (run.ts).
 */
import { lessonId, type Lesson } from '../lesson.ts';
import type { CheckError, CheckEvent } from './protocol.ts';
import type { CheckRun, TaskOutcome, TaskState, TestOutcome } from './run.ts';

function isTodo(errors: readonly CheckError[]): boolean {
  return errors.length > 0 && errors.every((e) => e.name === 'TodoError' || e.message.startsWith('TODO:'));
}

export function stateOf(tests: readonly TestOutcome[]): TaskState {
  const failed = tests.filter((t) => t.state === 'failed');
  if (tests.length === 0) return 'not-run';
  if (failed.length === 0) return tests.some((t) => t.state === 'passed') ? 'passed' : 'not-run';
  return failed.every((t) => isTodo(t.errors)) ? 'todo' : 'failed';
}

export class CheckCollector {
  private readonly outcomes = new Map<string, TestOutcome[]>();
  private readonly logs = new Map<string, string[]>();
  readonly errors: CheckError[] = [];
  /** The runner said it was done (an `end` event). */
  ended = false;

  get heardAny(): boolean {
    return this.outcomes.size > 0;
  }

  /** Both a reporter and the worker's own record may report a test: the first word on it counts. */
  add(task: string, outcome: TestOutcome): void {
    const known = this.outcomes.get(task) ?? [];
    if (!known.some((t) => t.test === outcome.test)) this.outcomes.set(task, [...known, outcome]);
  }

  /** A result, a log line, an error outside the tests, or the end. */
  hear(event: CheckEvent): void {
    if (event.type === 'result') this.add(event.task, event);
    if (event.type === 'log' && event.task) this.logs.set(event.task, [...(this.logs.get(event.task) ?? []), event.text]);
    // The same unhandled rejection often fires once per test that calls the function: say it once.
    if (event.type === 'error') for (const e of event.errors) this.error(e);
    if (event.type === 'end') this.ended = true;
  }

  error(error: CheckError): void {
    if (!this.errors.some((e) => e.message === error.message && e.name === error.name)) this.errors.push(error);
  }

  /** Each task of the lesson with its tests and state; a describe that matches no task is a LessonError. */
  tasks(lesson: Lesson, timedOut: CheckRun['timedOut']): TaskOutcome[] {
    const known = new Set(lesson.tasks.map((t) => t.title));
    for (const [title, tests] of this.outcomes) {
      if (!known.has(title)) this.error({ name: 'LessonError', message: `test/${lessonId(lesson)}.test.ts has a describe('${title}') that matches no task in lesson.ts (${tests.length} tests).` });
    }
    return lesson.tasks.map((task): TaskOutcome => {
      const tests = this.outcomes.get(task.title) ?? [];
      const state = timedOut?.task === task.title ? 'timeout' : stateOf(tests);
      return { title: task.title, points: task.points, state, tests, logs: this.logs.get(task.title) ?? [] };
    });
  }
}
