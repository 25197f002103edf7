/**
 * Opens the databases a lesson needs, concurrently, and says in one line which ones it chose:
 *
 *   const backends = await openBackends(['mongo', 'redis', 'sql']);
 *   console.log(backends.summary);
 *   // MongoDB: emulator (no mongod binary: offline (ENOTFOUND)) · Redis: ioredis-mock · SQL: PGlite
 *   …
 *   await backends.close();          // clients first, then servers; safe to call twice
 */
import type { Db, MongoClient } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Database } from '../lesson.ts';
import type { MongoServer, RedisConnection, Sql } from './types.ts';
import { connectMongo, resolveMongoServer } from './mongo.ts';
import type { ResolveMongoOptions } from './mongo.ts';
import { connectRedis, redisLabel } from './redis.ts';
import type { ConnectRedisOptions, OpenedRedis } from './redis.ts';
import { openSql, sqlLabel } from './sql.ts';
import type { OpenSqlOptions } from './sql.ts';
import { keyPrefix, sweepStale } from './isolation.ts';

export * from './types.ts';
export * from './errors.ts';
export { connectMongo, defaultMongoBinaries, mongoStartIsQuick, resolveMongoServer } from './mongo.ts';
export { connectRedis, redisLabel } from './redis.ts';
export { openSql, sqlLabel } from './sql.ts';
export { ownName } from './isolation.ts';

export interface Backends {
  mongo?: Db;
  mongoClient?: MongoClient;
  /** The server behind `mongo`: one this call started, or the one given as `mongoServer`. */
  mongoServer?: MongoServer;
  redis?: Redis;
  redisConnection?: RedisConnection;
  sql?: Sql;
  /** One line, e.g. `MongoDB: emulator (NOSQL_LAB_MONGO=emulator) · Redis: ioredis-mock · SQL: PGlite`. */
  summary: string;
  /** Closes what was opened, in reverse order (clients before servers). Idempotent. */
  close(): Promise<void>;
}

export interface OpenBackendsOptions {
  /** MongoDB database name; default `nosql_lab`. */
  dbName?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Use this server instead of resolving one (it is not stopped by `close()`). A promise lets Redis and
   * SQL open while the server is still starting.
   */
  mongoServer?: MongoServer | Promise<MongoServer>;
  mongo?: ResolveMongoOptions;
  redis?: ConnectRedisOptions;
  sql?: OpenSqlOptions;
  /**
   * A name of this run's own (isolation.ts `ownName`): the MongoDB database, the SQL schema and the
   * Redis key prefix. On real servers the backends line names them, `close()` removes them, and the
   * first open in a process sweeps those of killed runs on this machine.
   */
  isolate?: string;
}

export interface BackendLabels {
  mongo?: string;
  redis?: string;
  sql?: string;
}

/** `MongoDB: … · Redis: … · SQL: …`, naming only the databases given. */
export function describeBackends(labels: BackendLabels): string {
  const parts: string[] = [];
  if (labels.mongo !== undefined) parts.push(`MongoDB: ${labels.mongo}`);
  if (labels.redis !== undefined) parts.push(`Redis: ${labels.redis}`);
  if (labels.sql !== undefined) parts.push(`SQL: ${labels.sql}`);
  return parts.length > 0 ? parts.join(' · ') : 'no databases';
}

export { redisLabel as describeRedis, sqlLabel as describeSql };

type Closer = () => Promise<void>;

export async function openBackends(
  needs: readonly Database[],
  opts: OpenBackendsOptions = {},
): Promise<Backends> {
  const env = opts.env ?? process.env;
  const want = new Set(needs);
  if (opts.isolate) {
    opts = {
      ...opts,
      dbName: opts.isolate,
      redis: { ...opts.redis, keyspace: opts.redis?.keyspace ?? opts.isolate, prefix: keyPrefix(opts.isolate) },
      sql: { ...opts.sql, schema: opts.isolate },
    };
  }
  const backends: Backends = { summary: '', close: async () => undefined };
  const labels: BackendLabels = {};
  // Filled as each part opens; closed in reverse, so a part's client goes before its server.
  const mongoClosers: Closer[] = [];
  const closers: Closer[] = [];

  const openMongo = async (): Promise<void> => {
    const server = opts.mongoServer ? await opts.mongoServer : await resolveMongoServer(env, opts.mongo);
    if (!opts.mongoServer) mongoClosers.push(() => server.stop());
    backends.mongoServer = server;
    labels.mongo = server.label;
    const connection = await connectMongo(server.uri, opts.dbName ?? 'nosql_lab', {
      fromEnv: server.kind === 'uri' && Boolean(env['MONGODB_URI']),
    });
    mongoClosers.push(() => connection.close());
    backends.mongo = connection.db;
    backends.mongoClient = connection.client;
  };
  let openedRedis: OpenedRedis | undefined;
  const openRedis = async (): Promise<void> => {
    const connection = await connectRedis(env, opts.redis);
    openedRedis = connection;
    closers.push(() => connection.close());
    backends.redis = connection.redis;
    backends.redisConnection = connection;
    labels.redis = connection.label;
  };
  const openSqlPart = async (): Promise<void> => {
    const sql = await openSql(env, opts.sql);
    closers.push(() => sql.close());
    backends.sql = sql;
    labels.sql = sql.label;
  };

  const results = await Promise.allSettled([
    want.has('mongo') ? openMongo() : undefined,
    want.has('redis') ? openRedis() : undefined,
    want.has('sql') ? openSqlPart() : undefined,
  ]);
  // Mongo's closers go first in the list so that they close last (its server after everyone's clients).
  const close = closeOnce([...mongoClosers, ...closers]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await close().catch(() => undefined);
    throw failure.reason;
  }
  if (opts.isolate) {
    const name = opts.isolate;
    const mongoIsReal = Boolean(env['MONGODB_URI']) && backends.mongoServer?.kind === 'uri';
    const real = {
      ...(backends.sql?.kind === 'postgres' ? { sql: backends.sql } : {}),
      ...(mongoIsReal && backends.mongoClient ? { mongo: backends.mongoClient } : {}),
      ...(backends.redisConnection?.kind === 'url' && backends.redis ? { redis: backends.redis } : {}),
    };
    if (labels.mongo && mongoIsReal) labels.mongo = `${labels.mongo} (database ${name})`;
    if (labels.sql && real.sql) labels.sql = `${labels.sql} (schema ${name})`;
    if (!swept && Object.keys(real).length > 0) {
      swept = true;
      await sweepStale(real);
    }
    // This run's own data goes before the clients close: on a real server nothing of it is left behind.
    backends.close = closeOnce([
      ...mongoClosers,
      ...closers,
      async () => {
        await Promise.allSettled([
          real.mongo ? backends.mongo?.dropDatabase() : undefined,
          real.sql?.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE`),
          real.redis ? openedRedis?.clear() : undefined,
        ]);
      },
    ]);
  } else {
    backends.close = close;
  }
  backends.summary = describeBackends(labels);
  return backends;
}

/** Stale names are swept once per process, at the first isolated open on a real server. */
let swept = false;

/** Runs `closers` last-to-first, every one even if some fail, once; rethrows the first failure. */
function closeOnce(closers: readonly Closer[]): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () =>
    (done ??= (async () => {
      let first: unknown;
      for (const closer of [...closers].reverse()) {
        try {
          await closer();
        } catch (error) {
          first ??= error;
        }
      }
      if (first !== undefined) throw first;
    })());
}

/**
 * Closes `backends` on Ctrl-C / SIGTERM, then exits (130 / 143); a second Ctrl-C exits at once.
 * Returns a function that removes the handlers. The lesson runner calls this right after `openBackends`,
 * so no mongod, port or handle outlives it.
 */
export function closeOnSignals(backends: Pick<Backends, 'close'>): () => void {
  let closing = false;
  // The handlers stay installed while closing: a runner such as tsx kills the process itself when it
  // sees no listener left.
  const handler = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (closing) process.exit(code);
    closing = true;
    backends.close().then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
