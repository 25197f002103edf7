/** `--reset`: back up the learner's exercise files, then restore the starters from git. */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { BACKUPS_DIR, relative } from '../paths.ts';
import { updateLesson } from '../progress.ts';
import { starterText } from '../starters.ts';
import { exerciseFiles } from './run.ts';
import { cyan, green } from './style.ts';

/** `2026-11-25T15-04-05.123Z`: sortable, safe in file names, distinct for two resets in one second. */
function stamp(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}

export function resetLesson(lesson: Lesson): number {
  const files = exerciseFiles(lesson, 'lessons');
  // Read every starter before touching anything: a missing one must not leave a half-reset lesson.
  const starters = files.map((file) => starterText(relative(file)));
  const folder = join(BACKUPS_DIR, lessonId(lesson), stamp(new Date()));
  files.forEach((file, i) => {
    if (existsSync(file)) {
      mkdirSync(folder, { recursive: true });
      const backup = join(folder, basename(file));
      copyFileSync(file, backup);
      process.stdout.write(`Saved your version of ${cyan(relative(file))} as ${cyan(relative(backup))}\n`);
    }
    writeFileSync(file, starters[i] ?? '');
    process.stdout.write(`${green('Restored')} the starter ${cyan(relative(file))}\n`);
  });
  updateLesson(lessonId(lesson), (p) => ({ ...p, hash: '', tasks: {}, points: 0, checkedAt: '', hints: {} }));
  return 0;
}
