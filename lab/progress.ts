/**
 * What the learner has done, kept between runs in `.nosql-lab/progress.json`: each lesson's last
 * check (so `npm run lesson` lists status without running anything) and how many hints were shown.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskState } from './checks/run.ts';
import { STATE_DIR } from './paths.ts';
import { writeStateFile } from './state-file.ts';

export interface LessonProgress {
  /** Hash of the exercise files when they were last checked; a different hash means "changed since". */
  hash: string;
  tasks: Record<string, TaskState>;
  points: number;
  checkedAt: string;
  /** Hints shown so far, per task title. */
  hints: Record<string, number>;
  /** Tasks that have passed at some check (title → when they last did): shown as "passed before". */
  passed: Record<string, string>;
  /** Type errors in the exercise files at the last check: the lesson is not complete while there are any. */
  typeErrors: number;
}

export type Progress = Record<string, LessonProgress>;

const FILE = join(STATE_DIR, 'progress.json');

const EMPTY: LessonProgress = { hash: '', tasks: {}, points: 0, checkedAt: '', hints: {}, passed: {}, typeErrors: 0 };

/** Entries written by an older version may lack fields: fill them in once, here. */
export function readProgress(): Progress {
  try {
    const saved = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, Partial<LessonProgress>>;
    return Object.fromEntries(Object.entries(saved).map(([id, entry]) => [id, { ...EMPTY, ...entry }]));
  } catch {
    return {};
  }
}

export function writeProgress(progress: Progress): void {
  writeStateFile(FILE, `${JSON.stringify(progress, null, 2)}\n`);
}

export function updateLesson(id: string, change: (current: LessonProgress) => LessonProgress): LessonProgress {
  const progress = readProgress();
  const next = change(progress[id] ?? EMPTY);
  writeProgress({ ...progress, [id]: next });
  return next;
}

export function hashFiles(paths: readonly string[]): string {
  const hash = createHash('sha256');
  for (const path of paths) {
    try {
      hash.update(readFileSync(path));
    } catch {
      hash.update(`missing:${path}`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}
