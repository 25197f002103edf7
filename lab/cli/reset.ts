/**
 * `--reset`: back up the learner's exercise files, then restore the starters from git; with
 * `--task N`, restore only the function(s) task N checks and keep the rest of the file.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { BACKUPS_DIR, relative } from '../paths.ts';
import { updateLesson } from '../progress.ts';
import { starterText } from '../starters.ts';
import { taskFunctions } from '../testing/task-map.ts';
import { UsageError } from './args.ts';
import { exerciseFiles } from './run.ts';
import { cyan, green } from './style.ts';

/** `2026-11-25T15-04-05.123Z`: sortable, safe in file names, distinct for two resets in one second. */
function stamp(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}

function backUp(lesson: Lesson, files: readonly string[]): void {
  const folder = join(BACKUPS_DIR, lessonId(lesson), stamp(new Date()));
  for (const file of files) {
    if (!existsSync(file)) continue;
    mkdirSync(folder, { recursive: true });
    const backup = join(folder, basename(file));
    copyFileSync(file, backup);
    process.stdout.write(`Saved your version of ${cyan(relative(file))} as ${cyan(relative(backup))}\n`);
  }
}

export async function resetLesson(lesson: Lesson, task?: number): Promise<number> {
  if (task !== undefined) return resetTask(lesson, task);
  const files = exerciseFiles(lesson, 'lessons');
  // Read every starter before touching anything: a missing one must not leave a half-reset lesson.
  const starters = files.map((file) => starterText(relative(file)));
  backUp(lesson, files);
  files.forEach((file, i) => {
    writeFileSync(file, starters[i] ?? '');
    process.stdout.write(`${green('Restored')} the starter ${cyan(relative(file))}\n`);
  });
  updateLesson(lessonId(lesson), (p) => ({ ...p, hash: '', tasks: {}, points: 0, checkedAt: '', hints: {} }));
  return 0;
}

interface Declaration {
  /** Start of the declaration, its leading comments included. */
  readonly full: number;
  /** Start of the declaration itself (`export async function …`). */
  readonly start: number;
  readonly end: number;
}

/** Top-level function declarations by name, found by the TypeScript parser. */
async function declarations(path: string, text: string): Promise<Map<string, Declaration>> {
  const { typescript } = await import('../checks/types.ts');
  const ts = typescript();
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found = new Map<string, Declaration>();
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) {
      found.set(statement.name.text, { full: statement.getFullStart(), start: statement.getStart(), end: statement.end });
    }
  }
  return found;
}

/** Adds the starter's import lines that the learner's file lacks (a restored stub needs `todo`). */
function withImports(path: string, text: string, starter: string, ts: typeof import('typescript')): string {
  const imports = (source: string): Array<{ text: string; end: number }> =>
    ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true).statements
      .filter((s) => ts.isImportDeclaration(s))
      .map((s) => ({ text: s.getText(), end: s.end }));
  const mine = imports(text);
  const missing = imports(starter).filter((i) => !mine.some((m) => m.text === i.text)).map((i) => i.text);
  if (missing.length === 0) return text;
  const at = mine[mine.length - 1]?.end ?? 0;
  return `${text.slice(0, at)}${at > 0 ? '\n' : ''}${missing.join('\n')}${at > 0 ? '' : '\n'}${text.slice(at)}`;
}

async function resetTask(lesson: Lesson, number: number): Promise<number> {
  const task = lesson.tasks[number - 1];
  if (!task) throw new UsageError(`Lesson ${lesson.number} has tasks 1 to ${lesson.tasks.length}; there is no task ${number}.`);
  const wanted = taskFunctions(lessonId(lesson)).find((t) => t.title === task.title)?.functions ?? [];
  if (wanted.length === 0) throw new UsageError(`Task ${number} names no function to restore; \`npm run lesson ${lesson.number} -- --reset\` restores the whole file.`);
  const files = exerciseFiles(lesson, 'lessons');
  const changes: Array<{ file: string; text: string; names: string[] }> = [];
  for (const file of files) {
    const starter = starterText(relative(file));
    const ts = (await import('../checks/types.ts')).typescript();
    const fromStarter = await declarations(file, starter);
    const names = wanted.filter((name) => fromStarter.has(name));
    if (names.length === 0) continue;
    let text = existsSync(file) ? readFileSync(file, 'utf8') : starter;
    for (const name of names) {
      const mine = (await declarations(file, text)).get(name);
      const theirs = fromStarter.get(name);
      if (!theirs) continue;
      if (mine) text = text.slice(0, mine.start) + starter.slice(theirs.start, theirs.end) + text.slice(mine.end);
      else text = `${text.replace(/\s*$/, '\n')}${starter.slice(theirs.full, theirs.end).replace(/^\n*/, '\n')}\n`;
    }
    changes.push({ file, text: withImports(file, text, starter, ts), names });
  }
  if (changes.length === 0) throw new UsageError(`The starter files have no ${wanted.join(' or ')} to restore.`);
  backUp(lesson, changes.map((c) => c.file));
  for (const { file, text, names } of changes) {
    writeFileSync(file, text);
    process.stdout.write(`${green('Restored')} ${names.map((n) => cyan(n)).join(' and ')} from the starter in ${cyan(relative(file))}; the rest of the file is as you left it.\n`);
  }
  updateLesson(lessonId(lesson), (p) => {
    const tasks = { ...p.tasks };
    delete tasks[task.title];
    const hints = { ...p.hints };
    delete hints[task.title];
    return { ...p, tasks, hints };
  });
  return 0;
}
