/** Where things live, from the repository root. One place, so no module guesses a path. */
import { fileURLToPath } from 'node:url';
import { isAbsolute, join } from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const LESSONS_DIR = join(ROOT, 'lessons');
export const SOLUTIONS_DIR = join(ROOT, 'solutions');
export const TEST_DIR = join(ROOT, 'test');
/** The course's own scratch space (gitignored): progress, backups, exported starters. */
export const STATE_DIR = join(ROOT, '.nosql-lab');
export const STARTERS_DIR = join(STATE_DIR, 'starters');
export const BACKUPS_DIR = join(STATE_DIR, 'backups');

/**
 * Which copy of the exercise files the tests check: the learner's (`lessons`), the reference
 * (`solutions`), the untouched starters, or any folder laid out like `lessons/` (an absolute
 * path), e.g. a learner's work collected by an instructor.
 */
export type Target = 'lessons' | 'solutions' | 'starters' | (string & {});

const NAMED: Record<string, string> = { lessons: LESSONS_DIR, solutions: SOLUTIONS_DIR, starters: join(STARTERS_DIR, 'lessons') };

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const value = env.NOSQL_LAB_TARGET || 'lessons';
  if (value in NAMED || isAbsolute(value)) return value;
  throw new Error(`NOSQL_LAB_TARGET must be lessons, solutions, starters or an absolute folder laid out like lessons/ (got "${value}").`);
}

export function targetDir(target: Target): string {
  return NAMED[target] ?? target;
}

/** Repository-relative form of a path, for messages. */
export function relative(path: string): string {
  return path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
}
