/** Finds the course's lessons on disk and resolves what a learner typed (`3`, `03`, `documents`, `03-documents`). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lessonId, type Lesson } from './lesson.ts';
import { LESSONS_DIR } from './paths.ts';

const FOLDER = /^(\d{2})-([a-z0-9-]+)$/;

export class UnknownLessonError extends Error {
  override readonly name = 'UnknownLessonError';
}

export function lessonFolders(): string[] {
  return readdirSync(LESSONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && FOLDER.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

export async function loadLesson(folder: string): Promise<Lesson> {
  const module = (await import(pathToFileURL(join(LESSONS_DIR, folder, 'lesson.ts')).href)) as { default: Lesson };
  const lesson = module.default;
  if (lessonId(lesson) !== folder) {
    throw new Error(`lessons/${folder}/lesson.ts says it is lesson ${lessonId(lesson)}; the number and slug must match its folder.`);
  }
  return lesson;
}

export async function loadLessons(): Promise<Lesson[]> {
  return Promise.all(lessonFolders().map(loadLesson));
}

/** Edit distance, for "Did you mean …?". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

export async function findLesson(query: string): Promise<Lesson> {
  const folders = lessonFolders();
  const wanted = query.trim().toLowerCase();
  const match = folders.find((folder) => {
    const [, number, slug] = FOLDER.exec(folder) ?? [];
    return folder === wanted || slug === wanted || (/^\d+$/.test(wanted) && Number(number) === Number(wanted));
  });
  if (match) return loadLesson(match);
  const best = folders
    .map((folder) => ({ folder, d: Math.min(distance(wanted, folder), distance(wanted, folder.slice(3))) }))
    .sort((a, b) => a.d - b.d)[0];
  const hint = best && best.d <= 4 ? ` Did you mean "${best.folder.slice(3)}" (npm run lesson ${Number(best.folder.slice(0, 2))})?` : '';
  throw new UnknownLessonError(`There is no lesson "${query}".${hint} Run \`npm run lesson\` to list them all.`);
}
