/**
 * The handles every lesson, exercise and test receives. Learner code only ever sees these
 * (the official driver's `Db`, an `ioredis` client, and `Sql`), whichever server is behind them.
 */
import type { Db, MongoClient } from 'mongodb';
import type { Redis } from 'ioredis';

export interface SqlResult<Row> {
  rows: Row[];
  /** Rows returned or affected. */
  rowCount: number;
}

/** The one small query interface over PGlite (embedded) and `pg` (a real PostgreSQL). */
export interface SqlQueryable {
  /** One statement; `$1`, `$2`… placeholders are filled from `params` (never build SQL by concatenation). */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
  /** Several `;`-separated statements without parameters (DDL, seeding). */
  exec(text: string): Promise<void>;
}

export interface Sql extends SqlQueryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` inside BEGIN … COMMIT; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type MongoKind = 'uri' | 'memory-server' | 'emulator';

/** A running (or external) MongoDB server. */
export interface MongoServer {
  readonly kind: MongoKind;
  readonly uri: string;
  /** Short words for the start-up line, e.g. `emulator (offline: no mongod binary)`. */
  readonly label: string;
  /** Stops what we started; a no-op for a server from MONGODB_URI. */
  stop(): Promise<void>;
}

export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  close(): Promise<void>;
}

export type RedisKind = 'url' | 'mock';

export interface RedisConnection {
  readonly kind: RedisKind;
  readonly redis: Redis;
  /** Another connection to the same keyspace (pub/sub needs two). Closed by `close()`. */
  duplicate(): Redis;
  close(): Promise<void>;
}
