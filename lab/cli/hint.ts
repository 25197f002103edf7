/** `--hint`: the next hint for the first task that is not passing, one more each time it is asked. */
import { lessonId, type Lesson } from '../lesson.ts';
import { hashFiles, readProgress, updateLesson } from '../progress.ts';
import { check, exerciseFiles } from './run.ts';
import { bold, cyan, dim, green, yellow } from './style.ts';

async function taskStates(lesson: Lesson): Promise<Record<string, string>> {
  const saved = readProgress()[lessonId(lesson)];
  // A check of the same files is still true; otherwise check again so the hint fits the code.
  if (saved?.checkedAt && saved.hash === hashFiles(exerciseFiles(lesson, 'lessons'))) return saved.tasks;
  process.stdout.write(dim('Checking your exercises to find the task you are on…\n'));
  const run = await check(lesson, 'lessons');
  return Object.fromEntries(run.tasks.map((t) => [t.title, t.state]));
}

export async function showHint(lesson: Lesson): Promise<number> {
  const states = await taskStates(lesson);
  const index = lesson.tasks.findIndex((t) => states[t.title] !== 'passed');
  const task = lesson.tasks[index];
  if (!task) {
    process.stdout.write(`${green('Every task passes — no hints needed.')} Compare with ${cyan(`solutions/${lessonId(lesson)}/`)}.\n`);
    return 0;
  }
  const shown = readProgress()[lessonId(lesson)]?.hints[task.title] ?? 0;
  const level = Math.min(shown, task.hints.length - 1);
  const hint = task.hints[level];
  updateLesson(lessonId(lesson), (p) => ({ ...p, hints: { ...p.hints, [task.title]: Math.min(shown + 1, task.hints.length) } }));
  process.stdout.write(`${bold(`Task ${index + 1}: ${task.title}`)}\n`);
  process.stdout.write(`${yellow(`Hint ${level + 1} of ${task.hints.length}:`)} ${hint ?? 'This task has no hints.'}\n`);
  const more = level + 1 < task.hints.length ? `Ask again for hint ${level + 2}.` : `That was the last hint; the answer is in ${cyan(`solutions/${lessonId(lesson)}/`)} when you want to compare.`;
  process.stdout.write(`${dim(more)}\n`);
  return 0;
}
