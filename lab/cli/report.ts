/** Prints a check run: type errors first, then the task list, a progress bar and the first failure in plain words. */
import type { Lesson } from '../lesson.ts';
import { isInfrastructure, type CheckRun, type TaskOutcome, type TaskState } from '../checks/run.ts';
import type { CheckError } from '../checks/protocol.ts';
import type { CompileError } from '../checks/types.ts';
import { explain } from '../checks/explain.ts';
import type { LessonProgress } from '../progress.ts';
import { columns, cut, unbroken, wrap } from './layout.ts';
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

/** True when the lesson is done: every task passes, nothing else went wrong, and the files type-check. */
export function complete(run: CheckRun): boolean {
  return run.tasks.length > 0 && score(run).tasks === run.tasks.length && run.errors.length === 0 && (run.typeErrors?.length ?? 0) === 0;
}

/** Prose lines (sentences) reflow to the width; `first` prefixes the first line, `indent` the rest. */
function say(text: string, width: number, indent = '', first = indent): string[] {
  return wrap(text, width, indent, first);
}

function errorLines(error: CheckError, width: number): string[] {
  const e = explain(error);
  return [...say(e.headline, width).map(red), ...e.details.map((l) => cut(`  ${l}`, width)), ...(e.where ? [dim(`  at ${e.where}`)] : [])];
}

function taskLines(task: TaskOutcome, width: number): string[] {
  const test = task.tests.find((t) => t.state === 'failed');
  const error = test?.errors[0];
  if (!test || !error) return [];
  const e = explain(error);
  const lines = [...say(`✗ ${task.title} — ${test.test}`, width, '    ').map((l, i) => (i === 0 ? bold(l) : dim(l))), ...say(e.headline, width, '  ').map(red), ...e.details.map((l) => cut(`  ${l}`, width))];
  if (e.where) lines.push(dim(`  at ${e.where}`));
  if (task.logs.length > 0) lines.push(dim('  your console output:'), ...task.logs.slice(-6).map((l) => dim(cut(`    ${l.trimEnd()}`, width))));
  return lines;
}

/** What to fix first: a hang, else the first failing task, plus any error outside the tasks. */
function problems(run: CheckRun, width: number): string[] {
  if (run.timedOut) {
    const what = run.timedOut.task ? `Task "${run.timedOut.task}" (${run.timedOut.test})` : 'Loading your exercise file';
    return [...say(`${what} was still running after ${run.timedOut.seconds} s, so it was stopped.`, width).map(red), ...say('Look for a loop that never ends in your code.', width)];
  }
  const failing = run.tasks.find((t) => t.state === 'failed');
  const lines = failing ? taskLines(failing, width) : [];
  for (const error of run.errors.slice(0, 2)) lines.push(...(lines.length > 0 ? [''] : []), ...errorLines(error, width));
  if (lines.length === 0 && run.crashed) lines.push(red('The check stopped before it finished. Its last words:'), ...run.crashed.split('\n').map((l) => dim(cut(`  ${l}`, width))));
  return lines;
}

/** `lessons/01-…/exercise.ts:48:9 TS2322 Type 'string' is not …` and a two-line code frame. */
export function typeErrorLines(errors: readonly CompileError[], width: number): string[] {
  if (errors.length === 0) return [];
  const shown = errors.slice(0, 5);
  const out = ['', bold(red(`Type errors (${errors.length}) — the compiler checks your file before the tests do:`))];
  for (const e of shown) {
    const [head = '', ...rest] = e.message.split('\n');
    out.push(...say(`${e.file}:${e.line}:${e.column} ${e.code} ${head}`, width, '    ', '  ').map((l, i) => (i === 0 ? red(l) : l)));
    for (const l of rest.slice(0, 4)) out.push(...say(l.trim(), width, '      ', '    '));
    out.push(...e.frame.map((l) => dim(cut(`    ${l}`, width))));
  }
  if (errors.length > shown.length) out.push(dim(`  … and ${errors.length - shown.length} more (npx tsc --noEmit lists them all)`));
  return out;
}

function statusWord(task: TaskOutcome, before: LessonProgress | undefined): string {
  if (task.state === 'passed') return `${task.points}/${task.points} pts`;
  const earlier = before?.passed[task.title] ?? (before?.tasks[task.title] === 'passed' ? before.checkedAt : undefined);
  return earlier ? `${WORD[task.state]} (passed before)` : WORD[task.state];
}

export interface ReportOptions {
  /** Progress as recorded before this check, for "passed before". */
  readonly before?: LessonProgress | undefined;
  /** The number of the lesson after this one, when there is one: "Next: npm run lesson N" on completion. */
  readonly next?: number | undefined;
}

export function reportLines(lesson: Lesson, run: CheckRun, file: string, options: ReportOptions = {}): string[] {
  const width = columns();
  const number = String(lesson.number);
  const types = run.typeErrors ?? [];
  const out: string[] = [...typeErrorLines(types, width), '', bold(cut(`Exercises · ${file}`, width))];
  run.tasks.forEach((task, i) => {
    out.push(...say(`${task.title} ${dim(`· ${statusWord(task, options.before)}`)}`, width, '        ', `  ${ICON[task.state]} ${String(i + 1).padStart(2)}. `));
  });
  const s = score(run);
  out.push(`  ${bar(s.tasks, run.tasks.length, Math.min(24, width - 40))} ${s.tasks}/${run.tasks.length} tasks · ${s.points}/${s.total} points`);
  const problem = problems(run, width);
  if (problem.length > 0) out.push('', ...problem);
  const infrastructure = run.errors.some(isInfrastructure);
  const before = options.before;
  if (infrastructure && before?.checkedAt) {
    const kept = lesson.tasks.filter((t) => before.tasks[t.title] === 'passed').length;
    out.push('', ...say(`Your progress is kept: ${kept}/${lesson.tasks.length} tasks passed at your last check. This run could not judge your code.`, width).map(yellow));
  }
  if (complete(run)) {
    out.push('', ...say(`${green(bold(`Lesson ${number} complete.`))} Compare with the reference: ${cyan(`solutions/${file.split('/').slice(1).join('/')}`)}`, width));
    if (options.next) out.push(...say(`Next: ${cyan(unbroken(`npm run lesson ${options.next}`))}`, width));
  } else if (types.length > 0 && s.tasks === run.tasks.length && problem.length === 0) {
    out.push('', ...say(`Every task passes, but lesson ${number} is not complete while it has type errors: fix the ${types.length === 1 ? 'one' : types.length} above.`, width).map(yellow));
  } else if (run.tasks.every((t) => t.state === 'todo' || t.state === 'not-run') && problem.length === 0) {
    out.push('', ...say(`Start with task 1: open ${cyan(file)} and find the first ${cyan('// TODO:')}.`, width), ...say(`Then run ${cyan(unbroken(`npm run lesson ${number}`))} again, or ${cyan(unbroken(`npm run lesson ${number} -- --watch`))} to re-check on every save.`, width).map(dim));
  } else {
    if (types.length > 0) out.push('', ...say(`Lesson ${number} is not complete while it has type errors (${types.length}, listed above).`, width).map(yellow));
    out.push('', ...say(`Stuck? ${cyan(unbroken(`npm run lesson ${number} -- --hint`))} · re-check on save: ${cyan(unbroken(`npm run lesson ${number} -- --watch`))}`, width).map(dim));
  }
  // Always the last line, plain: GitHub Classroom's graders and scripts read it.
  out.push('', `Points ${s.points}/${s.total}`);
  return out;
}

export function printReport(lesson: Lesson, run: CheckRun, file: string, options: ReportOptions = {}): void {
  process.stdout.write(`${reportLines(lesson, run, file, options).join('\n')}\n`);
}
