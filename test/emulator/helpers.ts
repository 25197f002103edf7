/**
 * Shared set-up for the emulator conformance suite.
 *
 * Every file calls `useMongo('<file>')` once at the top. With `MONGODB_URI` set the suite talks to that
 * server (a real mongod, mongodb-memory-server, Atlas…); otherwise it starts the course's emulator on a
 * free port. Each file works in its own fresh database and drops it afterwards, so the same files run
 * unchanged — and in parallel — against either backend.
 *
 *   npx vitest run test/emulator                                                          # emulator
 *   MONGODB_URI='mongodb://localhost:27017/?directConnection=true' npx vitest run test/emulator   # real server
 */
import { afterAll, beforeAll } from 'vitest';
import { MongoClient, MongoServerError } from 'mongodb';
import type { Collection, Db, Document, MongoClientOptions } from 'mongodb';
import { startMongoEmulator } from '../../lab/emulator/index.ts';
import type { MongoEmulator } from '../../lab/emulator/index.ts';

/** True when the suite runs against the emulator (no MONGODB_URI given). Known before any test starts. */
export const isEmulator: boolean = !process.env['MONGODB_URI'];

/**
 * A document of any shape. The driver's `Document` assumes an ObjectId `_id` and checks update operators
 * against the schema; the manual's examples use numeric and string ids, so the suite opts out of that.
 */
export type Doc = any;

export interface MongoHandle {
  /** The client connected for this file (connected in beforeAll). */
  client(): MongoClient;
  /** This file's own database, named `conf_<file>_<random>`. */
  db(): Db;
  /** Connection string of the server under test. */
  uri(): string;
  readonly isEmulator: boolean;
  /** One more client to the same server (e.g. with `monitorCommands`); closed automatically in afterAll. */
  connect(options?: MongoClientOptions): Promise<MongoClient>;
  /** Drops `name` (if present), inserts copies of `docs` and returns the collection. */
  seed<T extends Document = Doc>(name: string, docs: readonly Document[]): Promise<Collection<T>>;
  /** True when the server can run transactions: a replica-set member (hello has `setName`) or a mongos. */
  isReplicaSet(): Promise<boolean>;
}

export function useMongo(file: string): MongoHandle {
  const dbName = `conf_${file}_${Math.random().toString(36).slice(2, 10)}`;
  let emulator: MongoEmulator | undefined;
  let uri = '';
  let main: MongoClient | undefined;
  const extra: MongoClient[] = [];

  // #region start-emulator
  beforeAll(async () => {
    if (isEmulator) {
      emulator = await startMongoEmulator({ port: 0 });
      uri = emulator.uri;
    } else {
      uri = process.env['MONGODB_URI'] as string;
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
    await client.connect().catch(async (e: unknown) => {
      await client.close();
      throw e;
    });
    main = client; // only once connected, so afterAll does not wait on a server that never answered
  });

  afterAll(async () => {
    // Close every client BEFORE stopping the server, as mongodb-memory-server's own tests do.
    try {
      if (main) await main.db(dbName).dropDatabase();
    } finally {
      for (const c of extra) await c.close().catch(() => undefined);
      if (main) await main.close();
      if (emulator) await emulator.stop();
    }
  });
  // #endregion start-emulator

  const handle: MongoHandle = {
    isEmulator,
    client() {
      if (!main) throw new Error('useMongo(): the client is only available inside tests and hooks (after beforeAll).');
      return main;
    },
    db() {
      return handle.client().db(dbName);
    },
    uri() {
      return uri;
    },
    async connect(options: MongoClientOptions = {}) {
      const c = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, ...options });
      extra.push(c);
      await c.connect();
      return c;
    },
    async seed<T extends Document = Doc>(name: string, docs: readonly Document[]) {
      const coll = handle.db().collection<T>(name);
      await coll.drop().catch((e: unknown) => {
        // 26 NamespaceNotFound: older servers refuse to drop a collection that does not exist.
        if (!(e instanceof MongoServerError && e.code === 26)) throw e;
      });
      // Shallow copies: the driver writes a generated _id into the (top-level) documents it is given.
      // Not structuredClone, which would turn BSON values such as Int32 or Decimal128 into plain objects.
      if (docs.length > 0) await coll.insertMany(docs.map((d) => ({ ...d })) as never);
      return coll;
    },
    async isReplicaSet() {
      const hello = await handle.client().db('admin').command({ hello: 1 });
      // A mongos (msg: 'isdbgrid') has no setName but runs transactions too.
      return typeof hello['setName'] === 'string' || hello['msg'] === 'isdbgrid';
    },
  };
  return handle;
}

/** The documents without their `_id`, for comparing with the manual's examples (which omit it). */
export function withoutId<T extends Document>(docs: readonly T[]): Omit<T, '_id'>[] {
  return docs.map(({ _id, ...rest }) => rest);
}

/** Awaits `work` and returns the error it rejects with; fails if it succeeds. */
export async function rejection(work: Promise<unknown>): Promise<MongoServerError> {
  try {
    await work;
  } catch (e) {
    if (e instanceof MongoServerError) return e;
    throw new Error(`expected a MongoServerError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected the operation to fail with a MongoServerError, but it succeeded');
}

/**
 * Every `stage` named anywhere in an explain plan. mongod 7 nests the classic plan under
 * `winningPlan.queryPlan` when the slot-based engine runs it, so look everywhere rather than at one path.
 */
export function stagesOf(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'stage' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(plan);
  return found;
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
