/** Turns a learner's test results into points per task, with the reason and the hint that fits. */
import type { Lesson } from '../lesson.ts';
import { lessonId } from '../lesson.ts';
import type { Flag } from './tamper.ts';
import type { LearnerRun, TestResult } from './run.ts';

export type TaskStatus = 'passed' | 'failed' | 'todo' | 'timeout' | 'crashed' | 'missing' | 'cheat' | 'not-run';

export interface TaskGrade {
  readonly title: string;
  readonly status: TaskStatus;
  readonly points: number;
  readonly max: number;
  /** The first failure, in one line; absent when the task passed. */
  readonly message?: string;
  /** The hint that fits the failure, from lesson.ts. */
  readonly hint?: string;
}

export interface LessonGrade {
  readonly id: string;
  readonly number: number;
  readonly title: string;
  readonly points: number;
  readonly max: number;
  readonly tasks: readonly TaskGrade[];
}

export interface LearnerGrade {
  readonly name: string;
  readonly path: string;
  readonly kind: 'clone' | 'lessons';
  readonly points: number;
  readonly max: number;
  readonly lessons: readonly LessonGrade[];
  readonly flags: readonly Flag[];
  readonly seconds: number;
}

export interface LessonEvidence {
  /** Exercise files the submission lacks. */
  readonly missing: readonly string[];
  /** Why the exercise code is not graded (it reaches for the checks). */
  readonly cheats: readonly string[];
}

const ANSI = /\x1b\[[0-9;]*m/g;

function oneLine(text: string): string {
  if (/Access to this API has been restricted|ERR_ACCESS_DENIED/.test(text)) {
    return 'the exercise code tried to use a file, process or thread outside its sandbox (only the databases it is given are allowed)';
  }
  const line = text.replace(ANSI, '').split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' — ');
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

function isTodo(result: TestResult): boolean {
  return result.errors.length > 0 && result.errors.every((e) => e.name === 'TodoError' || e.message.startsWith('TODO:'));
}

export function gradeLesson(lesson: Lesson, run: LearnerRun, evidence: LessonEvidence): LessonGrade {
  const id = lessonId(lesson);
  const file = `${id}.test.ts`;
  const tasks = lesson.tasks.map((task): TaskGrade => {
    const base = { title: task.title, max: task.points, points: 0 };
    if (evidence.missing.length > 0) return { ...base, status: 'missing', message: `the submission has no lessons/${id}/${evidence.missing.join(', ')}` };
    if (evidence.cheats.length > 0) return { ...base, status: 'cheat', message: `not graded: the exercise code ${evidence.cheats.join(' and ')}` };
    const stopped = run.stopped.find((s) => s.file === file && s.task === task.title);
    if (stopped) {
      const timeout = stopped.reason.startsWith('did not finish');
      return { ...base, status: timeout ? 'timeout' : 'crashed', message: `${stopped.test ? `"${stopped.test}" ` : ''}${stopped.reason}`, hint: task.hints[0] ?? '' };
    }
    const tests = run.results.filter((r) => r.file === file && r.task === task.title);
    if (tests.length === 0) return { ...base, status: 'not-run', message: run.outOfTime ? "the learner's time ran out before this task ran" : 'no test of this task ran' };
    const failed = tests.filter((t) => t.state === 'failed');
    if (failed.length === 0) return { ...base, status: 'passed', points: task.points };
    if (failed.every(isTodo)) return { ...base, status: 'todo', message: 'not started (the stub still throws its TODO)', hint: task.hints[0] ?? '' };
    const first = failed.find((t) => !isTodo(t)) ?? failed[0];
    const error = first?.errors[0];
    const message = `${first?.test ? `${first.test}: ` : ''}${error ? oneLine(`${error.name && error.name !== 'Error' && error.name !== 'AssertionError' ? `${error.name}: ` : ''}${error.message}`) : 'failed'}`;
    return { ...base, status: 'failed', message, hint: task.hints[Math.min(1, task.hints.length - 1)] ?? '' };
  });
  return {
    id,
    number: lesson.number,
    title: lesson.title,
    points: tasks.reduce((n, t) => n + t.points, 0),
    max: tasks.reduce((n, t) => n + t.max, 0),
    tasks,
  };
}
