/**
 * The page's databases, all inside the worker: the official `mongodb` driver talking to the course's
 * emulator through an in-memory socket pair, ioredis-mock from its browser build, and PGlite, loaded
 * only when a cell first sends SQL. One set per page; Reset makes a new one.
 */
import { MongoClient, type Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { PGlite } from '@electric-sql/pglite';
import { Connection } from '../../../lab/emulator/connection.ts';
import { ServerState } from '../../../lab/emulator/context.ts';
import type { Sql, SqlQueryable, SqlResult } from '../../../lab/backends/types.ts';
import type { NotebookBackends } from '../../../lab/notebook/index.ts';
import { onConnection } from './shims/net.ts';

export interface PageBackends extends NotebookBackends {
  close(): Promise<void>;
}

/** Progress reports ("loading PostgreSQL…") go to the page through this. */
export type Status = (text: string) => void;

let redisPort = 16000;

async function openMongo(): Promise<{ client: MongoClient; db: Db; stop: () => void }> {
  const state = new ServerState();
  const connections = new Set<Connection>();
  onConnection((socket) => {
    const conn = new Connection(socket as never, state);
    connections.add(conn);
    socket.once('close', () => connections.delete(conn));
  });
  // The emulator's housekeeping (TTL purge, idle cursors), as its TCP server runs it.
  const timer = setInterval(() => {
    const now = Date.now();
    try {
      state.store.purgeExpired(now);
      state.cursors.sweep(now);
      state.sessions.reap(now);
    } catch { /* the next tick retries */ }
  }, 1000);
  const client = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true', { serverSelectionTimeoutMS: 5_000, monitorCommands: false });
  await client.connect();
  return {
    client,
    db: client.db('page'),
    stop: () => {
      clearInterval(timer);
      for (const c of connections) c.close();
    },
  };
}

async function openRedis(): Promise<Redis> {
  // Its Node build, bundled with the page's shims (see inPageRuntime() in ../config.ts).
  const { default: RedisMock } = await import('ioredis-mock');
  // A port of its own per page state: the mock shares one keyspace per host:port.
  return new RedisMock({ host: '127.0.0.1', port: redisPort++ }) as unknown as Redis;
}

/** PGlite's `Sql`, opened on the first query: 5 MB of WebAssembly the page only fetches when a cell needs it. */
let db: Promise<PGlite> | undefined;
let ready: PGlite | undefined;

/**
 * One PGlite per worker: its cold start takes seconds, so Reset empties it (a fresh `public` schema,
 * tens of milliseconds) instead of starting another.
 */
function lazySql(status: Status): Sql & { loaded(): boolean } {
  const open = (): Promise<PGlite> =>
    (db ??= (async () => {
      status('Loading PostgreSQL (PGlite, about 5 MB, once per visit)…');
      const { PGlite } = await import('@electric-sql/pglite');
      const pg = await PGlite.create();
      status('');
      ready = pg;
      return pg;
    })());
  const on = (client: () => Promise<Pick<PGlite, 'query' | 'exec'>>): SqlQueryable => ({
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await (await client()).query<Row>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(text: string): Promise<void> {
      await (await client()).exec(text);
    },
  });
  return {
    kind: 'pglite',
    ...on(open),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const pg = await open();
      return pg.transaction((tx) => fn(on(async () => tx)));
    },
    /** Empties the database for the next page state; PGlite itself stays loaded. */
    async close() {
      if (ready) await ready.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    },
    loaded: () => ready !== undefined,
  };
}

export async function openPageBackends(status: Status): Promise<PageBackends> {
  const [mongo, redis] = await Promise.all([openMongo(), openRedis()]);
  const sql = lazySql(status);
  return {
    mongo: mongo.db,
    mongoClient: mongo.client,
    redis,
    sql,
    async close() {
      await mongo.client.close().catch(() => undefined);
      mongo.stop();
      redis.disconnect();
      await sql.close().catch(() => undefined);
    },
  };
}
