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
  printCell(currentNotebook(), title, prose);
}

/** Prose between lines of code; hidden from the code listing. */
export function note(prose: string): void {
  printNote(prose);
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

let own: Promise<NotebookBackends> | undefined;

/**
 * The lesson's databases. Under `npm run lesson` the runner has opened them already;
 * a notebook run on its own (`npx tsx lessons/…/notebook.ts`) opens all three and closes them on exit.
 */
export function backends(): Promise<NotebookBackends> {
  const ctx = currentNotebook();
  if (ctx) return Promise.resolve(required(ctx.backends));
  own ??= import('../backends/index.ts').then(async ({ openBackends }) => {
    const b = await openBackends(['mongo', 'redis', 'sql']);
    process.stdout.write(`${b.summary}\n`);
    process.once('beforeExit', () => void b.close());
    return required(b);
  });
  return own;
}
