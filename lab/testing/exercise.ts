/**
 * Loads the exercise module a test checks: the learner's (`lessons/`, the default), the
 * reference (`solutions/`) or the untouched starter, chosen by NOSQL_LAB_TARGET.
 * A file that fails to load, or lacks an export, fails each task with a plain sentence
 * instead of failing the whole test file with a stack; a call whose promise never settles fails
 * its test after a short limit with a sentence that says what is usually missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LESSONS_DIR, relative, targetDir, targetFromEnv } from '../paths.ts';
import { taskOf } from './task-map.ts';

export class ExerciseLoadError extends Error {
  override readonly name = 'ExerciseLoadError';
}

export class MissingExportError extends Error {
  override readonly name = 'MissingExportError';
}

export class NeverSettledError extends Error {
  override readonly name = 'NeverSettledError';
}

export interface LoadExerciseOptions {
  /**
   * How long a call's promise may stay pending before it counts as never settling. Default: 2 s under
   * `npm run lesson`, 10 s otherwise (NOSQL_LAB_SETTLE_MS overrides both).
   */
  readonly settleMs?: number;
}

function settleLimit(options: LoadExerciseOptions, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.NOSQL_LAB_SETTLE_MS);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  return options.settleMs ?? (env.NOSQL_LAB_RUNNING ? 2_000 : 10_000);
}

/** `01-sql-vs-nosql` → `npm run lesson 1`. */
function lessonCommand(lessonId: string): string {
  return `npm run lesson ${Number(lessonId.slice(0, 2))}`;
}

/** Every export of a file that did not load throws `message(name)`. */
function failing(message: (key: string) => string): Record<string, unknown> {
  return new Proxy({}, {
    get(_, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      return () => {
        throw new ExerciseLoadError(message(key));
      };
    },
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Wraps an exported function: when its promise is still pending after `limit` ms, the call rejects with
 * NeverSettledError. Once a function has hung, later calls to it fail at once (one wait per task, not per test).
 */
function settling(name: string, fn: (...args: unknown[]) => unknown, limit: number, hung: Set<string>): (...args: unknown[]) => unknown {
  const sentence = `\`${name}\`: this promise never settled — is a \`resolve\` or \`await\` missing? (stopped after ${limit / 1000} s)`;
  return function (this: unknown, ...args: unknown[]) {
    const result = fn.apply(this, args);
    if (!isThenable(result)) return result;
    if (hung.has(name)) return Promise.reject(new NeverSettledError(`${sentence} It did not settle in an earlier test either.`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        hung.add(name);
        reject(new NeverSettledError(sentence));
      }, limit);
      result.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  };
}

function guarded(file: string, lessonId: string, titles: readonly string[], module: Record<string, unknown>, limit: number): Record<string, unknown> {
  const hung = new Set<string>();
  const wrapped = new Map<string, unknown>();
  return new Proxy(module, {
    get(target, key) {
      if (typeof key !== 'string' || key === 'then') return Reflect.get(target, key);
      if (key in target) {
        const value = Reflect.get(target, key);
        if (typeof value !== 'function' || /^class\b/.test(Function.prototype.toString.call(value))) return value;
        if (!wrapped.has(key)) wrapped.set(key, settling(key, value as (...args: unknown[]) => unknown, limit, hung));
        return wrapped.get(key);
      }
      return () => {
        const exports = Object.keys(target).join(', ') || 'nothing';
        const title = taskOf(lessonId, key);
        const number = title ? titles.indexOf(title) + 1 : 0;
        const fix = number > 0
          ? `\`${lessonCommand(lessonId)} -- --reset --task ${number}\` puts the starter's \`${key}\` back and keeps the rest of your file.`
          : `\`${lessonCommand(lessonId)} -- --reset\` restores the starter file (yours is backed up first).`;
        throw new MissingExportError(`${file} has no export named \`${key}\` (it exports: ${exports}). Was it renamed or deleted? ${fix}`);
      };
    },
  });
}

/** Where the exercise lives for the current target, e.g. `lessons/01-sql-vs-nosql/exercise.ts`. */
export function exercisePath(lessonId: string, file = 'exercise.ts'): string {
  return join(targetDir(targetFromEnv()), lessonId, file);
}

/** The lesson's task titles in order (lesson.ts), for messages that name a task by number. */
async function taskTitles(lessonId: string): Promise<string[]> {
  try {
    const lesson = (await import(pathToFileURL(join(LESSONS_DIR, lessonId, 'lesson.ts')).href)) as { default: { tasks: Array<{ title: string }> } };
    return lesson.default.tasks.map((t) => t.title);
  } catch {
    return [];
  }
}

export async function loadExercise<Module>(lessonId: string, file = 'exercise.ts', options: LoadExerciseOptions = {}): Promise<Module> {
  const path = exercisePath(lessonId, file);
  const shown = relative(path);
  if (!existsSync(path)) {
    return failing(() => `${shown} is not there: was it deleted or renamed? \`${lessonCommand(lessonId)} -- --reset\` puts the starter back.`) as Module;
  }
  try {
    // The warm runner re-runs a test file in one thread: a fresh import sees the learner's latest save.
    const run = (globalThis as { __nosqlLabRun?: number }).__nosqlLabRun;
    const url = `${pathToFileURL(path).href}${run ? `?run=${run}` : ''}`;
    const [module, titles] = await Promise.all([import(url) as Promise<Record<string, unknown>>, taskTitles(lessonId)]);
    return guarded(shown, lessonId, titles, module, settleLimit(options)) as Module;
  } catch (error) {
    const reason = error instanceof Error ? error.message : `it threw ${JSON.stringify(error)} while loading`;
    return failing((key) => `${shown} could not be loaded, so \`${key}\` cannot run:\n${reason}`) as Module;
  }
}
