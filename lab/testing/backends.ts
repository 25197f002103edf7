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
import { openBackends } from '../backends/index.ts';
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

/** Redis database index for this worker on a real server: 1–15 by VITEST_POOL_ID, never 0 (yours). */
export function redisDbForWorker(env: NodeJS.ProcessEnv = process.env): number {
  const id = Number.parseInt(env['VITEST_POOL_ID'] ?? env['VITEST_WORKER_ID'] ?? '1', 10);
  return 1 + ((Number.isFinite(id) && id > 0 ? id - 1 : 0) % 15);
}

/** `lab_<file-stem>_<random>`: a name valid as a MongoDB database and as an unquoted SQL schema. */
export function isolatedName(filePath: string): string {
  const stem = basename(filePath)
    .replace(/\.(test|spec)\.[cm]?[jt]sx?$/, '')
    .replace(/\.[^.]+$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  return `lab_${stem || 'file'}_${Math.random().toString(36).slice(2, 10)}`;
}

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
    name = isolatedName(suite.file.filepath);
    let mongoServer: MongoServer | undefined;
    if (needs.includes('mongo')) {
      const uri = env['MONGODB_URI'] ? undefined : inject('mongoUri');
      // Without the globalSetup (or MONGODB_URI) this file resolves a server of its own.
      if (uri) mongoServer = { kind: 'uri', uri, label: 'from globalSetup', stop: async () => undefined };
    }
    opened = await openBackends(needs, {
      env,
      dbName: name,
      ...(mongoServer ? { mongoServer } : {}),
      redis: { keyspace: env['REDIS_URL'] ? redisDbForWorker(env) : name },
      sql: { schema: name },
    });
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
    if (!b) return;
    try {
      await Promise.all([
        b.mongo?.dropDatabase().catch(() => undefined),
        b.sql?.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined),
        b.redis?.flushdb().catch(() => undefined),
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
  await connection.redis.flushdb();
}
