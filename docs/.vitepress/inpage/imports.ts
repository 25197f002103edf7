/**
 * What the lessons' notebooks import at the top of the file (outside any cell), made available to
 * cells in the page under the same names. A name the page cannot provide (Node's synchronous scrypt)
 * throws a sentence saying so when a cell uses it.
 */
import { BSON, Decimal128, MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import { randomBytes } from './shims/crypto.ts';
import { setTimeout as sleep } from './shims/timers-promises.ts';

const unavailable = (name: string) => (): never => {
  throw new Error(`${name}() is Node's, and not available in the page: run this lesson with \`npm run lesson N\` to see this cell.`);
};

export const notebookImports: Record<string, unknown> = {
  BSON, Decimal128, MongoBulkWriteError, MongoServerError, ObjectId,
  randomBytes,
  randomUUID: () => globalThis.crypto.randomUUID(),
  sleep,
  scryptSync: unavailable('scryptSync'),
  timingSafeEqual: unavailable('timingSafeEqual'),
};

/** Lesson 06's sharding simulator and workloads, loaded the first time a cell names one of them. */
const LESSON_MODULES: { names: RegExp; load: () => Promise<Record<string, unknown>> }[] = [
  {
    names: /\b(route|shardTable|simulate|CLUSTER|DOCUMENTS|workloads)\b/,
    load: async () => ({
      ...(await import('../../../lessons/06-transactions-and-scaling/sharding.ts')),
      ...(await import('../../../lessons/06-transactions-and-scaling/workloads.ts')),
    }),
  },
];

/** Adds to `scope` the lesson modules that `code` refers to. */
export async function importFor(code: string, scope: Record<string, unknown>): Promise<void> {
  for (const m of LESSON_MODULES) {
    if (m.names.test(code)) for (const [name, value] of Object.entries(await m.load())) if (!(name in scope)) scope[name] = value;
  }
}
