/** `--hint`: the next hint for the first task that is not passing, one more each time it is asked. */
import { explain } from '../checks/explain.ts';
import { verdict } from '../checks/run.ts';
import { lessonId, type Lesson } from '../lesson.ts';
import { hashFiles, readProgress, updateLesson } from '../progress.ts';
import { columns, wrap } from './layout.ts';
import { check, exerciseFiles } from './run.ts';
import { bold, cyan, dim, green, red, yellow } from './style.ts';

type States = Record<string, string>;

/** The tasks' states, or the sentence that says why the code could not be judged (then no hint is spent). */
async function taskStates(lesson: Lesson): Promise<States | string> {
  const saved = readProgress()[lessonId(lesson)];
  // A check of the same files is still true; otherwise check again so the hint fits the code.
  if (saved?.checkedAt && saved.hash === hashFiles(exerciseFiles(lesson, 'lessons'))) return saved.tasks;
  process.stdout.write(dim('Checking your exercises to find the task you are on…\n'));
  const run = await check(lesson, 'lessons');
  if (run.tasks.every((t) => verdict(t) === undefined)) {
    const error = run.tasks.flatMap((t) => t.tests.flatMap((x) => x.errors))[0] ?? run.errors[0];
    const e = error ? explain(error) : { headline: 'The check could not run your code.', where: undefined };
    return `${e.headline}${e.where ? ` (at ${e.where})` : ''}`;
  }
  return Object.fromEntries(run.tasks.map((t) => [t.title, verdict(t) ?? saved?.tasks[t.title] ?? 'not-run']));
}

export async function showHint(lesson: Lesson): Promise<number> {
  const width = columns();
  const states = await taskStates(lesson);
  if (typeof states === 'string') {
    process.stdout.write(`${wrap(`Your exercise file cannot be checked yet: ${states.split('\n')[0]}`, width).map(red).join('\n')}\n`);
    process.stdout.write(`${wrap('Fix that first, then ask again; no hint was used.', width).join('\n')}\n`);
    return 1;
  }
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
  process.stdout.write(`${wrap(`Task ${index + 1}: ${task.title}`, width).map(bold).join('\n')}\n`);
  const label = `Hint ${level + 1} of ${task.hints.length}:`;
  process.stdout.write(`${wrap(`${label} ${hint ?? 'This task has no hints.'}`, width, '  ').map((l, i) => (i === 0 ? l.replace(label, yellow(label)) : l)).join('\n')}\n`);
  const more = level + 1 < task.hints.length ? `Ask again for hint ${level + 2}.` : `That was the last hint; the answer is in solutions/${lessonId(lesson)}/ when you want to compare.`;
  process.stdout.write(`${wrap(more, width).map(dim).join('\n')}\n`);
  return 0;
}
