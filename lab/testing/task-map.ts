/**
 * Which exercise functions each task checks, read from the lesson's test file: inside each top-level
 * `describe('Task title', …)`, every `ex.name(` call, where `ex` is the constant that holds
 * `await loadExercise(…)`. Used by `--reset --task N` (restore just those functions) and by the
 * "no export named …" message (which task to reset). Plain text, no compiler: it runs in test workers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_DIR } from '../paths.ts';

export interface TaskFunctions {
  readonly title: string;
  readonly functions: readonly string[];
}

export function taskFunctionsFromText(text: string): TaskFunctions[] {
  const variable = /const\s+(\w+)\s*=\s*await\s+loadExercise\b/.exec(text)?.[1];
  if (!variable) return [];
  const starts = [...text.matchAll(/^describe\((['"`])((?:\\.|(?!\1).)*)\1/gm)];
  const call = new RegExp(`\\b${variable}\\.(\\w+)\\s*\\(`, 'g');
  return starts.map((match, i) => {
    const body = text.slice(match.index, starts[i + 1]?.index ?? text.length);
    const title = (match[2] ?? '').replace(/\\(.)/g, '$1');
    return { title, functions: [...new Set([...body.matchAll(call)].map((m) => m[1] ?? ''))] };
  });
}

/** The tasks of `test/<lessonId>.test.ts` and their functions; empty when the file cannot be read. */
export function taskFunctions(lessonId: string): TaskFunctions[] {
  try {
    return taskFunctionsFromText(readFileSync(join(TEST_DIR, `${lessonId}.test.ts`), 'utf8'));
  } catch {
    return [];
  }
}

/** The title of the task whose tests call `fn`, if any. */
export function taskOf(lessonId: string, fn: string): string | undefined {
  return taskFunctions(lessonId).find((t) => t.functions.includes(fn))?.title;
}
