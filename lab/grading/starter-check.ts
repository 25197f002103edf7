/**
 * The non-vacuous check: every exercise test must FAIL on the untouched starter files.
 * A test that passes on a TODO checks nothing, so it counts as a failure of the course itself.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lessonId } from '../lesson.ts';
import { loadLessons } from '../lessons.ts';
import { relative, STARTERS_DIR, type Target } from '../paths.ts';
import { changedFrom, starterText } from '../starters.ts';
import { runVitest } from './vitest-json.ts';

export interface StarterCheck {
  readonly checked: number;
  /** `file › test` for each test that passed on a starter. */
  readonly vacuous: readonly string[];
  /** Test files that did not run at all on the starters. */
  readonly broken: readonly string[];
  readonly note?: string;
}

/** lessons/ as it is when untouched; otherwise the starters exported from git next to it. */
async function starterTarget(): Promise<{ target: Target; note?: string }> {
  const changed = changedFrom('lessons');
  if (changed.length === 0) return { target: 'lessons' };
  rmSync(STARTERS_DIR, { recursive: true, force: true });
  for (const lesson of await loadLessons()) {
    for (const file of lesson.exercises) {
      const path = join('lessons', lessonId(lesson), file);
      const into = join(STARTERS_DIR, path);
      mkdirSync(dirname(into), { recursive: true });
      writeFileSync(into, starterText(path));
    }
  }
  return { target: 'starters', note: `lessons/ has local changes (${changed.length} files), so the starters were taken from git.` };
}

export async function checkStarters(): Promise<StarterCheck> {
  const lessons = await loadLessons();
  const files = lessons.map((l) => join('test', `${lessonId(l)}.test.ts`));
  if (files.length === 0) return { checked: 0, vacuous: [], broken: [] };
  const { target, note } = await starterTarget();
  const run = await runVitest(files, { NOSQL_LAB_TARGET: target }, true);
  const vacuous: string[] = [];
  const seen = new Set<string>();
  let checked = 0;
  for (const file of run.files) {
    seen.add(relative(file.name));
    for (const test of file.assertionResults) {
      checked += 1;
      if (test.status === 'passed') vacuous.push([relative(file.name), ...test.ancestorTitles, test.title].join(' › '));
    }
  }
  const broken = files.filter((f) => !seen.has(f) || run.files.find((r) => relative(r.name) === f)?.assertionResults.length === 0);
  return { checked, vacuous, broken, ...(note ? { note } : {}) };
}
