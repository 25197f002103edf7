/**
 * The API a lesson's `notebook.ts` uses. A notebook is a plain TypeScript module that runs top
 * to bottom; `cell('Title')` starts the next cell, and the runner prints each cell's title and
 * code before the output it produces — like reading a notebook from top to bottom.
 *
 *   cell('The same user, three ways', `Prose shown before the code.`);
 *   const { sql } = await backends();
 *   show(await sql.query('SELECT * FROM users'));
 */
import type { Db, MongoClient } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Backends } from '../backends/index.ts';
import type { Sql } from '../backends/types.ts';
import { currentNotebook } from './context.ts';
import { format } from './show.ts';
import { printCell, printNote } from './print.ts';

/** Starts the next cell. `prose` (a template string) is shown above the cell's code. */
export function cell(title: string, prose?: string): void {
  const ctx = currentNotebook();
  if (ctx?.capture) {
    ctx.capture.cell(title, prose);
    ctx.index += 1;
    return;
  }
  printCell(ctx, title, prose);
}

/** Prose between lines of code; hidden from the code listing. */
export function note(prose: string): void {
  const capture = currentNotebook()?.capture;
  if (capture) capture.note(prose);
  else printNote(prose);
}

/** Prints a value: rows as a table (a query result or an array of flat objects), the rest inspected. */
export function show(value: unknown, label?: string): void {
  const text = format(value);
  process.stdout.write(label ? `${label}\n${text}\n` : `${text}\n`);
}

/** The handles a notebook works with; asking for a database the lesson did not list is an authoring error. */
export interface NotebookBackends {
  readonly mongo: Db;
  readonly mongoClient: MongoClient;
  readonly redis: Redis;
  readonly sql: Sql;
}

function required(b: Backends): NotebookBackends {
  const need = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`This notebook uses ${name}, but its lesson.ts does not list it in \`databases\`.`);
    return value;
  };
  return {
    get mongo() { return need(b.mongo, 'MongoDB'); },
    get mongoClient() { return need(b.mongoClient, 'MongoDB'); },
    get redis() { return need(b.redis, 'Redis'); },
    get sql() { return need(b.sql, 'SQL'); },
  };
}

/** The lesson's databases, opened by the runner (`npm run lesson N`) before the notebook starts. */
export function backends(): Promise<NotebookBackends> {
  const ctx = currentNotebook();
  if (!ctx) {
    return Promise.reject(new Error('A notebook runs through the lesson runner, which opens its databases and closes them after: use `npm run lesson N`.'));
  }
  return Promise.resolve(required(ctx.backends));
}
