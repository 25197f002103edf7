/** `npm run lesson` with no argument: every lesson, its status from the last check, and overall progress. */
import { lessonId, type Lesson } from '../lesson.ts';
import { loadLessons } from '../lessons.ts';
import { hashFiles, readProgress } from '../progress.ts';
import { bar } from './report.ts';
import { exerciseFiles } from './run.ts';
import { bold, cyan, dim, green, yellow } from './style.ts';

function status(lesson: Lesson, progress: ReturnType<typeof readProgress>): { text: string; done: number } {
  const saved = progress[lessonId(lesson)];
  const total = lesson.tasks.length;
  if (!saved?.checkedAt) return { text: dim('not started'), done: 0 };
  const done = lesson.tasks.filter((t) => saved.tasks[t.title] === 'passed').length;
  const changed = saved.hash !== hashFiles(exerciseFiles(lesson, 'lessons')) ? yellow(' (edited since last check)') : '';
  const untouched = done === 0 && Object.values(saved.tasks).every((state) => state === 'todo');
  const text = done === total && saved.typeErrors === 0 ? green('✓ done') : untouched ? dim('not started') : `${done}/${total} tasks`;
  const before = lesson.tasks.filter((t) => saved.tasks[t.title] !== 'passed' && saved.passed[t.title]).length;
  const extra = `${saved.typeErrors > 0 ? yellow(` (${saved.typeErrors} type error${saved.typeErrors === 1 ? '' : 's'})`) : ''}${before > 0 ? dim(` · ${before} passed before`) : ''}`;
  return { text: `${text}${extra}${changed}`, done };
}

export async function listLessons(): Promise<number> {
  const lessons = await loadLessons();
  const progress = readProgress();
  const rows = lessons.map((lesson) => ({ lesson, ...status(lesson, progress) }));
  const width = Math.max(...lessons.map((l) => l.title.length), 10);
  const out = [bold('NoSQL Lab — lessons'), ''];
  for (const { lesson, text, done } of rows) {
    const dbs = dim(lesson.databases.map((d) => ({ mongo: 'Mongo', redis: 'Redis', sql: 'SQL' })[d]).join(' · ').padEnd(20));
    out.push(`  ${String(lesson.number).padStart(2)}  ${lesson.title.padEnd(width)}  ${dbs} ${bar(done, lesson.tasks.length, 10)} ${text}`);
  }
  const done = rows.reduce((s, r) => s + r.done, 0);
  const total = lessons.reduce((s, l) => s + l.tasks.length, 0);
  out.push('', `  Course ${bar(done, total)} ${done}/${total} tasks`, '', `Run a lesson: ${cyan('npm run lesson 1')}   Options: ${cyan('npm run lesson -- --help')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
