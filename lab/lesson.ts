/**
 * A lesson's metadata, in one typed place (`lessons/NN-slug/lesson.ts`).
 * The CLI lists lessons from it, the check runner names tasks from it, the docs site reads it.
 */
export type Database = 'mongo' | 'redis' | 'sql';

export interface Task {
  /** Must equal the `describe(...)` title of this task in `test/NN-slug.test.ts`. */
  readonly title: string;
  readonly points: number;
  /** Hints that build up, from a question to a near-answer; `--hint` shows the next one. */
  readonly hints: readonly string[];
}

export interface Lesson {
  readonly number: number;
  /** Kebab-case; the folder is `NN-slug` everywhere (lessons/, solutions/, test/, docs/lessons/). */
  readonly slug: string;
  readonly title: string;
  /** One sentence for the lesson table. */
  readonly summary: string;
  readonly databases: readonly Database[];
  readonly objectives: readonly string[];
  /** Files the learner edits, relative to the lesson folder; `solutions/NN-slug/` mirrors them. */
  readonly exercises: readonly string[];
  readonly tasks: readonly Task[];
}

/** Identity function that gives a lesson file its type checking. */
export function defineLesson(lesson: Lesson): Lesson {
  return lesson;
}

/** `1` + `sql-vs-nosql` → `01-sql-vs-nosql`: the one id used in every folder. */
export function lessonId(lesson: Pick<Lesson, 'number' | 'slug'>): string {
  return `${String(lesson.number).padStart(2, '0')}-${lesson.slug}`;
}
