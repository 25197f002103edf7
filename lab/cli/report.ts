/** Prints a check run as a task list, a progress bar and the first failure in plain words. */
import type { Lesson } from '../lesson.ts';
import type { CheckRun, TaskOutcome, TaskState } from '../checks/run.ts';
import type { CheckError } from '../checks/protocol.ts';
import { explain } from '../checks/explain.ts';
import { bold, cyan, dim, green, red, yellow } from './style.ts';

const ICON: Record<TaskState, string> = { passed: green('✓'), failed: red('✗'), todo: dim('○'), timeout: red('⏱'), 'not-run': dim('·') };
const WORD: Record<TaskState, string> = { passed: 'passed', failed: 'failing', todo: 'not started', timeout: 'timed out', 'not-run': 'not run' };

export function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return green('█'.repeat(filled)) + dim('░'.repeat(width - filled));
}

export function score(run: Pick<CheckRun, 'tasks'>): { tasks: number; points: number; total: number } {
  const passed = run.tasks.filter((t) => t.state === 'passed');
  return { tasks: passed.length, points: passed.reduce((s, t) => s + t.points, 0), total: run.tasks.reduce((s, t) => s + t.points, 0) };
}

function errorLines(error: CheckError): string[] {
  const e = explain(error);
  return [red(e.headline), ...e.details.map((l) => `  ${l}`), ...(e.where ? [dim(`  at ${e.where}`)] : [])];
}

function taskLines(task: TaskOutcome): string[] {
  const test = task.tests.find((t) => t.state === 'failed');
  const error = test?.errors[0];
  if (!test || !error) return [];
  const e = explain(error);
  const lines = [bold(`✗ ${task.title}`) + dim(` — ${test.test}`), `  ${red(e.headline)}`, ...e.details.map((l) => `  ${l}`)];
  if (e.where) lines.push(dim(`  at ${e.where}`));
  if (task.logs.length > 0) lines.push(dim('  your console output:'), ...task.logs.slice(-6).map((l) => dim(`    ${l.trimEnd()}`)));
  return lines;
}

/** What to fix first: a hang, else the first failing task, plus any error outside the tasks. */
function problems(run: CheckRun): string[] {
  if (run.timedOut) {
    const what = run.timedOut.task ? `Task "${run.timedOut.task}" (${run.timedOut.test})` : 'Loading your exercise file';
    return [red(`${what} was still running after ${run.timedOut.seconds} s, so it was stopped.`), 'Look for a loop that never ends, or a promise that never resolves, in your code.'];
  }
  const failing = run.tasks.find((t) => t.state === 'failed');
  const lines = failing ? taskLines(failing) : [];
  for (const error of run.errors.slice(0, 2)) lines.push(...(lines.length > 0 ? [''] : []), ...errorLines(error));
  if (lines.length === 0 && run.crashed) lines.push(red('The check stopped before it finished. Its last words:'), ...run.crashed.split('\n').map((l) => dim(`  ${l}`)));
  return lines;
}

export function printReport(lesson: Lesson, run: CheckRun, file: string): void {
  const number = String(lesson.number);
  const out: string[] = ['', bold(`Exercises · ${file}`)];
  run.tasks.forEach((task, i) => {
    const pts = task.state === 'passed' ? `${task.points}/${task.points} pts` : WORD[task.state];
    out.push(`  ${ICON[task.state]} ${String(i + 1).padStart(2)}. ${task.title} ${dim(`· ${pts}`)}`);
  });
  const s = score(run);
  out.push(`  ${bar(s.tasks, run.tasks.length)} ${s.tasks}/${run.tasks.length} tasks · ${s.points}/${s.total} points`);
  const problem = problems(run);
  if (problem.length > 0) out.push('', ...problem);
  if (s.tasks === run.tasks.length && run.tasks.length > 0 && problem.length === 0) {
    out.push('', green(bold(`Lesson ${number} complete.`)) + ` Compare with the reference: ${cyan(`solutions/${file.split('/').slice(1).join('/')}`)}`);
  } else if (run.tasks.every((t) => t.state === 'todo' || t.state === 'not-run') && problem.length === 0) {
    out.push('', `Start with task 1: open ${cyan(file)} and find the first ${cyan('// TODO:')}.`, dim(`Then run ${cyan(`npm run lesson ${number}`)} again, or ${cyan(`npm run lesson ${number} -- --watch`)} to re-check on every save.`));
  } else {
    out.push('', dim(`Stuck? ${cyan(`npm run lesson ${number} -- --hint`)} · re-check on save: ${cyan(`npm run lesson ${number} -- --watch`)}`));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
