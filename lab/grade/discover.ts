/**
 * Finds the learners in a folder of submissions. A learner's folder is either a clone of the course
 * (it has `lessons/`) or just its `lessons/` folder (it has `NN-slug/` folders); both are recognised,
 * also one level down (`alice/course/lessons/…`), as people hand work in.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const LESSON_FOLDER = /^\d\d-[a-z0-9-]+$/;

export class SubmissionError extends Error {
  override readonly name = 'SubmissionError';
}

export interface Learner {
  /** The folder's name, made safe for file names: `alice`, `bob-smith`. */
  readonly name: string;
  /** The folder as given. */
  readonly root: string;
  /** The folder that holds `NN-slug/` lesson folders. */
  readonly lessonsDir: string;
  /** `clone` when the learner's folder is a course clone; its other files are checked for tampering. */
  readonly kind: 'clone' | 'lessons';
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hasLessonFolders(dir: string): boolean {
  return isDir(dir) && readdirSync(dir).some((f) => LESSON_FOLDER.test(f) && isDir(join(dir, f)));
}

/** Where the lessons of a learner's folder are, or undefined when it holds none. */
export function locateLessons(root: string): Pick<Learner, 'lessonsDir' | 'kind' | 'root'> | undefined {
  if (hasLessonFolders(join(root, 'lessons'))) return { root, lessonsDir: join(root, 'lessons'), kind: 'clone' };
  if (hasLessonFolders(root)) return { root, lessonsDir: root, kind: 'lessons' };
  const children = isDir(root) ? readdirSync(root).filter((f) => !f.startsWith('.') && isDir(join(root, f))) : [];
  if (children.length === 1) {
    const inner = locateLessons(join(root, children[0] ?? ''));
    if (inner) return { ...inner, root: inner.kind === 'clone' ? inner.root : root };
  }
  return undefined;
}

export function safeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'learner';
}

export function learnerAt(path: string): Learner {
  const root = resolve(path);
  if (!existsSync(root)) throw new SubmissionError(`There is no folder ${path}.`);
  const found = locateLessons(root);
  if (!found) throw new SubmissionError(`${path} holds no lessons: expected a clone of the course (with lessons/) or its lessons/ folder (with 01-sql-vs-nosql/ and so on).`);
  return { name: safeName(basename(root)), ...found };
}

/** Every learner in `folder`, one per sub-folder, sorted by name; folders with no lessons are listed apart. */
export function learnersIn(folder: string): { learners: Learner[]; skipped: string[] } {
  const root = resolve(folder);
  if (!isDir(root)) throw new SubmissionError(`There is no folder ${folder}. Give the folder that holds one sub-folder per learner.`);
  const learners: Learner[] = [];
  const skipped: string[] = [];
  for (const entry of readdirSync(root).sort()) {
    const path = join(root, entry);
    if (entry.startsWith('.') || !isDir(path)) continue;
    const found = locateLessons(path);
    if (found) learners.push({ name: safeName(entry), ...found });
    else skipped.push(entry);
  }
  const names = new Set<string>();
  for (const learner of learners) {
    if (names.has(learner.name)) throw new SubmissionError(`Two learners' folders give the same name "${learner.name}"; rename one.`);
    names.add(learner.name);
  }
  return { learners, skipped };
}
