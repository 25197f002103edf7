/**
 * The test side of the backends: one call at the top of a test file,
 *
 *   const backends = useBackends(['mongo', 'redis', 'sql']);
 *   it('…', async () => { await backends.mongo.collection('users').insertOne({ … }); });
 *
 * beforeAll  opens what the file asked for: its own MongoDB database (`lab_<file>_<random>`) on the run's
 *            server (from globalSetup), its own Redis keyspace, its own SQL schema (the only one on the
 *            search_path), on the embedded defaults and on real servers alike;
 * afterEach  wipes them (drop the database, FLUSHDB the keyspace and close extra Redis connections,
 *            drop and re-create the schema), so a test never sees another's data: seed in beforeEach;
 * afterAll   closes everything, clients before servers.
 */
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { basename } from 'node:path';
import type { Db, MongoClient } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Database } from '../lesson.ts';
import type { MongoServer, RedisConnection, Sql } from '../backends/types.ts';
import { BackendNotReadyError, BackendNotRequestedError } from '../backends/errors.ts';
import { openBackends, ownName } from '../backends/index.ts';
import type { Backends } from '../backends/index.ts';
import type { OpenedRedis } from '../backends/redis.ts';
import './global-setup.ts';

export interface BackendHandles {
  readonly mongo: Db;
  readonly mongoClient: MongoClient;
  readonly redis: Redis;
  readonly redisConnection: RedisConnection;
  readonly sql: Sql;
}

/**
 * `lab_<host>_<pid>_<start>_<file-stem>` (isolation.ts): a name of this worker's own, valid as a MongoDB
 * database, an unquoted SQL schema and (with `:`) a Redis key prefix; a killed run's names are swept later.
 */
export function isolatedName(filePath: string): string {
  const stem = basename(filePath)
    .replace(/\.(test|spec)\.[cm]?[jt]sx?$/, '')
    .replace(/\.[^.]+$/, '')
    .slice(0, 24) || 'file';
  // A second useBackends() in the same file gets a name of its own.
  const n = (namesTaken.get(stem) ?? 0) + 1;
  namesTaken.set(stem, n);
  return ownName(n === 1 ? stem : `${stem}_${n}`);
}

const namesTaken = new Map<string, number>();

/** Set by the warm runner: databases stay open between runs of the same file, in this thread. */
const WARM = process.env['NOSQL_LAB_WARM'] === '1';
const warmBackends = new Map<string, { name: string; opened: Backends }>();
/** Which useBackends() of the file this is, in order, so a second call in a file gets its own. */
let warmSlot = 0;

export function useBackends(needs: readonly Database[], env: NodeJS.ProcessEnv = process.env): BackendHandles {
  let opened: Backends | undefined;
  let state: 'not-open' | 'open' | 'closed' = 'not-open';
  let name = '';

  const get = <T>(handle: keyof BackendHandles, database: Database, value: (b: Backends) => T | undefined): T => {
    if (!needs.includes(database)) throw new BackendNotRequestedError(database, needs);
    if (state !== 'open' || !opened) throw new BackendNotReadyError(handle, state === 'closed' ? 'closed' : 'not-open');
    const v = value(opened);
    if (v === undefined) throw new BackendNotReadyError(handle, 'not-open');
    return v;
  };

  // Vitest wants an object pattern for the first (fixtures) argument; the file comes in the second.
  beforeAll(async ({}, suite) => {
    // The warm runner (lab/checks/warm) runs the same file again and again: keep its databases open.
    const warmKey = `${suite.file.filepath}|${needs.join(',')}|${warmSlot++}`;
    const kept = WARM ? warmBackends.get(warmKey) : undefined;
    if (kept) {
      ({ name, opened } = kept);
      state = 'open';
      return;
    }
    name = isolatedName(suite.file.filepath);
    let mongoServer: MongoServer | undefined;
    if (needs.includes('mongo')) {
      const uri = env['MONGODB_URI'] ? undefined : inject('mongoUri');
      // Without the globalSetup (or MONGODB_URI) this file resolves a server of its own.
      if (uri) mongoServer = { kind: 'uri', uri, label: 'from globalSetup', stop: async () => undefined };
    }
    opened = await openBackends(needs, {
      env,
      isolate: name,
      ...(mongoServer ? { mongoServer } : {}),
    });
    if (WARM) warmBackends.set(warmKey, { name, opened });
    state = 'open';
  });

  afterEach(async () => {
    if (state !== 'open' || !opened) return;
    const b = opened;
    await Promise.all([
      b.mongo?.dropDatabase(),
      b.redisConnection ? resetRedis(b.redisConnection) : undefined,
      b.sql?.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name};`),
    ]);
  });

  afterAll(async () => {
    const b = opened;
    state = 'closed';
    opened = undefined;
    warmSlot = 0;
    if (!b) return;
    if (WARM) {
      // Empty for the next run, still open.
      await Promise.all([
        b.mongo?.dropDatabase().catch(() => undefined),
        b.sql?.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name};`).catch(() => undefined),
        b.redisConnection ? resetRedis(b.redisConnection).catch(() => undefined) : undefined,
      ]);
      return;
    }
    try {
      await Promise.all([
        b.mongo?.dropDatabase().catch(() => undefined),
        b.sql?.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined),
        b.redisConnection ? resetRedis(b.redisConnection).catch(() => undefined) : undefined,
      ]);
    } finally {
      await b.close();
    }
  });

  return {
    get mongo() {
      return get('mongo', 'mongo', (b) => b.mongo);
    },
    get mongoClient() {
      return get('mongoClient', 'mongo', (b) => b.mongoClient);
    },
    get redis() {
      return get('redis', 'redis', (b) => b.redis);
    },
    get redisConnection() {
      return get('redisConnection', 'redis', (b) => b.redisConnection);
    },
    get sql() {
      return get('sql', 'sql', (b) => b.sql);
    },
  };
}

async function resetRedis(connection: RedisConnection): Promise<void> {
  const opened = connection as Partial<OpenedRedis>;
  if (opened.closeDuplicates) await opened.closeDuplicates();
  // Only this file's own keys: its prefix on a real server, its private keyspace on the mock.
  await opened.clear?.();
}
