/** Runs a lesson's notebook top to bottom with the lesson's databases, printing cell by cell. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backends } from '../backends/index.ts';
import { explain } from '../checks/explain.ts';
import { isExiting } from '../cli/cleanup.ts';
import { dim, red } from '../cli/style.ts';
import { lessonId, type Lesson } from '../lesson.ts';
import { LESSONS_DIR } from '../paths.ts';
import { setNotebook, type NotebookContext } from './context.ts';
import { elapsed } from './print.ts';
import { splitCells } from './source.ts';

export interface NotebookResult {
  readonly ok: boolean;
  readonly cells: number;
  readonly ms: number;
}

export async function runNotebook(lesson: Lesson, backends: Backends): Promise<NotebookResult> {
  const file = join(LESSONS_DIR, lessonId(lesson), 'notebook.ts');
  const ctx: NotebookContext = { file, cells: splitCells(readFileSync(file, 'utf8')), backends, index: -1, startedAt: performance.now() };
  const started = performance.now();
  setNotebook(ctx);
  try {
    await import(pathToFileURL(file).href);
    if (ctx.index >= 0) process.stdout.write(`${dim(`   ⏱ ${elapsed(ctx)}`)}\n`);
    return { ok: true, cells: ctx.cells.length, ms: performance.now() - started };
  } catch (error) {
    // Ctrl-C closed the databases under this cell: its error is not the learner's news.
    if (isExiting()) return { ok: false, cells: ctx.cells.length, ms: performance.now() - started };
    const e = explain({ name: (error as Error)?.name ?? 'Error', message: error instanceof Error ? error.message : String(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) });
    const where = ctx.index >= 0 ? `cell ${ctx.index + 1} of ${ctx.cells.length}` : 'before the first cell';
    process.stdout.write(`\n${red(`The notebook stopped in ${where}: ${e.headline}`)}\n${e.where ? dim(`  at ${e.where}\n`) : ''}`);
    return { ok: false, cells: ctx.cells.length, ms: performance.now() - started };
  } finally {
    setNotebook(undefined);
  }
}
