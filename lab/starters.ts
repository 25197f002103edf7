/**
 * The untouched starter files, as the course shipped them. The learner edits `lessons/` in place,
 * so the pristine copy comes from git: the commit the learner cloned (the merge-base with the
 * upstream branch, so their own commits don't count), or HEAD when there is no upstream.
 */
import { execFileSync } from 'node:child_process';
import { ROOT } from './paths.ts';

export class NoStarterError extends Error {
  override readonly name = 'NoStarterError';
}

function git(args: readonly string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
}

export function starterRef(): string {
  try {
    return git(['merge-base', 'HEAD', '@{upstream}']).trim();
  } catch {
    try {
      return git(['rev-parse', 'HEAD']).trim();
    } catch {
      throw new NoStarterError('The untouched starter files come from git, and this folder is not a git clone. Clone the course with git to use --reset.');
    }
  }
}

/** The starter text of a repository-relative path, e.g. `lessons/01-sql-vs-nosql/exercise.ts`. */
export function starterText(path: string, ref = starterRef()): string {
  try {
    return git(['show', `${ref}:${path}`]);
  } catch {
    throw new NoStarterError(`git has no starter for ${path} at ${ref.slice(0, 8)}. Is it a file the course ships?`);
  }
}

/** Paths under `dir` that differ from the starter commit (uncommitted edits or the learner's commits). */
export function changedFrom(dir: string, ref = starterRef()): string[] {
  try {
    const committed = git(['diff', '--name-only', ref, '--', dir]);
    const untracked = git(['ls-files', '--others', '--exclude-standard', '--', dir]);
    return [...committed.split('\n'), ...untracked.split('\n')].filter(Boolean);
  } catch {
    return [];
  }
}
