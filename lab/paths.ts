/** Where things live, from the repository root. One place, so no module guesses a path. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const LESSONS_DIR = join(ROOT, 'lessons');
export const SOLUTIONS_DIR = join(ROOT, 'solutions');
export const TEST_DIR = join(ROOT, 'test');
/** The course's own scratch space (gitignored): progress, backups, exported starters. */
export const STATE_DIR = join(ROOT, '.nosql-lab');
export const STARTERS_DIR = join(STATE_DIR, 'starters');
export const BACKUPS_DIR = join(STATE_DIR, 'backups');

/** Which copy of the exercise files the tests check. */
export type Target = 'lessons' | 'solutions' | 'starters';

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const value = env.NOSQL_LAB_TARGET ?? 'lessons';
  if (value === 'lessons' || value === 'solutions' || value === 'starters') return value;
  throw new Error(`NOSQL_LAB_TARGET must be lessons, solutions or starters (got "${value}").`);
}

export function targetDir(target: Target): string {
  return { lessons: LESSONS_DIR, solutions: SOLUTIONS_DIR, starters: join(STARTERS_DIR, 'lessons') }[target];
}

/** Repository-relative form of a path, for messages. */
export function relative(path: string): string {
  return path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
}
