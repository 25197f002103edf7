/**
 * Loads the exercise module a test checks: the learner's (`lessons/`, the default), the
 * reference (`solutions/`) or the untouched starter, chosen by NOSQL_LAB_TARGET.
 * A file that fails to load, or lacks an export, fails each task with a plain sentence
 * instead of failing the whole test file with a stack.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { relative, targetDir, targetFromEnv } from '../paths.ts';

export class ExerciseLoadError extends Error {
  override readonly name = 'ExerciseLoadError';
}

export class MissingExportError extends Error {
  override readonly name = 'MissingExportError';
}

function failing(file: string, reason: string): Record<string, unknown> {
  return new Proxy({}, {
    get(_, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      return () => {
        throw new ExerciseLoadError(`${file} could not be loaded, so \`${key}\` cannot run:\n${reason}`);
      };
    },
  });
}

function guarded(file: string, module: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(module, {
    get(target, key) {
      if (typeof key !== 'string' || key === 'then' || key in target) return Reflect.get(target, key);
      return () => {
        const exports = Object.keys(target).join(', ') || 'nothing';
        throw new MissingExportError(`${file} has no export named \`${key}\` (it exports: ${exports}). Was it renamed or deleted? \`npm run lesson -- --reset\` restores the starter.`);
      };
    },
  });
}

/** Where the exercise lives for the current target, e.g. `lessons/01-sql-vs-nosql/exercise.ts`. */
export function exercisePath(lessonId: string, file = 'exercise.ts'): string {
  return join(targetDir(targetFromEnv()), lessonId, file);
}

export async function loadExercise<Module>(lessonId: string, file = 'exercise.ts'): Promise<Module> {
  const path = exercisePath(lessonId, file);
  const shown = relative(path);
  try {
    const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    return guarded(shown, module) as Module;
  } catch (error) {
    const reason = error instanceof Error ? error.message : `it threw ${JSON.stringify(error)} while loading`;
    return failing(shown, reason) as Module;
  }
}
