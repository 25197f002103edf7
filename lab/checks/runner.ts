/**
 * Which runner checks a lesson. The thread runner (warm.ts) is the quick one, but its `vi` has only
 * mocks and spies (warm/vitest-shim.ts); a test file that uses more — module mocks, fake timers —
 * runs in a vitest child process (run.ts), as it does for instructors. NOSQL_LAB_CHECKS=process forces
 * the child process for every lesson.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { TEST_DIR, type Target } from '../paths.ts';
import { runChecks, type CheckRun } from './run.ts';

/** The `vi` members the thread runner provides. */
const IN_THREAD = new Set(['fn', 'spyOn', 'isMockFunction', 'clearAllMocks', 'resetAllMocks', 'restoreAllMocks']);

export function runsInThread(lesson: Lesson, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NOSQL_LAB_CHECKS === 'process') return false;
  let text = '';
  try {
    text = readFileSync(join(TEST_DIR, `${lessonId(lesson)}.test.ts`), 'utf8');
  } catch {
    return true;
  }
  return [...text.matchAll(/\bvi\.(\w+)/g)].every((m) => IN_THREAD.has(m[1] ?? ''));
}

/** The shape watch mode keeps between saves, for either runner. */
export interface LessonChecks {
  warm(): void;
  run(): Promise<CheckRun>;
  close(): Promise<void>;
}

export async function checksFor(lesson: Lesson, target: Target, env: NodeJS.ProcessEnv): Promise<LessonChecks> {
  if (runsInThread(lesson)) return new (await import('./warm.ts')).WarmChecks(lesson, target, env);
  return { warm: () => undefined, run: () => runChecks(lesson, { target, env }), close: async () => undefined };
}
