/**
 * SQL: `DATABASE_URL` (a real PostgreSQL through `pg`) → PGlite, the embedded Postgres.
 *
 * Both return the same JS values for the types the lessons use: the defaults of both drivers agree on
 * int2/int4, float, numeric (string), text, bool, timestamp(tz), json(b), uuid and arrays, and where they
 * differ we follow PGlite on pg (int8 such as `count(*)` → number, bigint past 2^53; date → UTC midnight;
 * interval → text) and pg on PGlite (bytea → Buffer).
 *
 * A fresh PGlite costs 1.3–3 s, so the first one's data directory is saved to
 * `node_modules/.cache/nosql-lab/pglite-<version>.tar`, and later ones open an on-disk copy of it
 * (a slot, ~0.5 s; see pglite-slots.ts) or, when every slot is busy, restore it into memory (~0.9 s).
 * Either way each start sees an empty database.
 *
 * PGlite's postgres (9 MB of WebAssembly) is compiled by V8's baseline compiler only (`--liftoff-only`,
 * set before the first PGlite starts): the optimising tier re-compiled its hot functions on every start,
 * which cost ~0.35 s of CPU per PGlite and more in queries than it saved on the lessons' small tables
 * (2000 inserts: 0.5 s CPU instead of 1.25 s). NOSQL_LAB_WASM_TIERUP=1 leaves V8's default.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';
import type { Sql, SqlQueryable, SqlResult } from './types.ts';
import { InvalidSchemaNameError, PostgresUnreachableError, shortReason } from './errors.ts';
import { defaultCacheDir, describeUrl, writeFileAtomic } from './where.ts';

export interface OpenSqlOptions {
  /** Work in this schema: it is created if missing and is the only one on the search_path. */
  schema?: string;
  /** Where PGlite's start-up snapshot and data-directory slots live; default `node_modules/.cache/nosql-lab/`. */
  cacheDir?: string;
  /** PGlite only: open an on-disk slot (default) or always restore into memory. */
  slots?: boolean;
}

export interface OpenedSql extends Sql {
  readonly label: string;
  /** PGlite only: `fresh` when initialised from scratch, `snapshot` when restored from the cache, `slot` when opened on disk. */
  readonly origin?: 'fresh' | 'snapshot' | 'slot';
}

const OID = { int8: 20, bytea: 17, date: 1082, interval: 1186, int8Array: 1016 } as const;

/** The words for the start-up line, without connecting. */
export function sqlLabel(env: NodeJS.ProcessEnv = process.env): string {
  const url = env['DATABASE_URL']?.trim();
  return url ? `PostgreSQL ${describeUrl(url)}` : 'PGlite';
}

export async function openSql(env: NodeJS.ProcessEnv = process.env, opts: OpenSqlOptions = {}): Promise<OpenedSql> {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
    throw new InvalidSchemaNameError(opts.schema);
  }
  const url = env['DATABASE_URL']?.trim();
  return url ? openPostgres(url, opts.schema) : openPglite(opts);
}

/** Same as PGlite: a number while it is exact, a bigint beyond. */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

// ---------------------------------------------------------------- PostgreSQL (pg)

async function openPostgres(url: string, schema: string | undefined): Promise<OpenedSql> {
  const { default: pg } = await import('pg');
  const base = pg.types;
  const baseParser = base.getTypeParser as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown;
  const int8Array = baseParser(OID.int8Array, 'text') as (value: string) => (string | null)[];
  const overrides: Record<number, (value: string) => unknown> = {
    [OID.int8]: parseInt8,
    [OID.int8Array]: (v) => int8Array(v).map((x) => (x === null ? null : parseInt8(x))),
    [OID.date]: (v) => new Date(v),
    [OID.interval]: (v) => v,
  };
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    (format !== 'binary' && overrides[oid]) || baseParser(oid, format)) as typeof base.getTypeParser;
  const pool: Pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    max: 5,
    types: { getTypeParser },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    else await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PostgresUnreachableError(describeUrl(url), shortReason(error, 120));
  }

  const on = (client: Pool | PoolClient): SqlQueryable => ({
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await client.query(text, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  });
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    label: `PostgreSQL ${describeUrl(url)}`,
    ...on(pool),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => (closing ??= pool.end()),
  };
}

// ---------------------------------------------------------------- PGlite

async function openPglite(opts: OpenSqlOptions): Promise<OpenedSql> {
  const { db, origin } = await startPglite(opts.cacheDir ?? defaultCacheDir(), opts.slots ?? true);
  if (opts.schema) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}; SET search_path TO ${opts.schema};`);

  const on = (client: PGlite | Transaction): SqlQueryable => ({
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await client.query<Row>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
    },
    async exec(text: string): Promise<void> {
      await client.exec(text);
    },
  });
  let closing: Promise<void> | undefined;
  return {
    kind: 'pglite',
    label: 'PGlite',
    origin,
    ...on(db),
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> => db.transaction((tx) => fn(on(tx))),
    close: () => (closing ??= db.closed ? Promise.resolve() : db.close()),
  };
}

/** `pglite-<version>.tar` in `cacheDir`: uncompressed, since it restores ~0.3 s faster than gzip (40 MB vs 4.5 MB). */
export async function pgliteSnapshotPath(cacheDir: string): Promise<string> {
  return join(cacheDir, `pglite-${await pgliteVersion()}.tar`);
}

type Origin = 'fresh' | 'snapshot' | 'slot';

/**
 * Starts PGlite, fastest first: an on-disk slot already initialised (~0.5 s), else the snapshot restored
 * (into a new slot, or into memory when every slot is taken), else a fresh initdb (which saves the snapshot).
 */
async function startPglite(cacheDir: string, useSlots: boolean): Promise<{ db: PGlite; origin: Origin }> {
  if (useSlots) {
    const { acquireSlot } = await import('./pglite-slots.ts');
    const slot = acquireSlot(join(cacheDir, `pgdata-${await pgliteVersion()}`));
    if (slot) {
      try {
        const started = await startIn(cacheDir, slot.dir, slot.initialised);
        const close = started.db.close.bind(started.db);
        started.db.close = async () => {
          try {
            await close();
          } finally {
            slot.release();
          }
        };
        // A slot is a cache, not storage: every start sees an empty database, as in memory.
        await started.db.exec(RESET_SCHEMAS);
        return { db: started.db, origin: slot.initialised ? 'slot' : started.origin };
      } catch {
        // A damaged slot: forget it and start in memory below.
        slot.discard();
      }
    }
  }
  return startIn(cacheDir, undefined, false);
}

/** Drops every schema of ours (tables from earlier runs, schemas of killed test runs) and gives back an empty public. */
const RESET_SCHEMAS = `
  DO $$ DECLARE s record; BEGIN
    FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
      EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
    END LOOP;
  END $$;
  CREATE SCHEMA public;`;

/** Baseline-compiled WebAssembly from here on, in the whole process (see the top of this file). */
export function quickWasm(env: NodeJS.ProcessEnv = process.env): void {
  if (env['NOSQL_LAB_WASM_TIERUP'] !== '1') setFlagsFromString('--liftoff-only');
}

async function startIn(cacheDir: string, dataDir: string | undefined, initialised: boolean): Promise<{ db: PGlite; origin: Origin }> {
  quickWasm();
  const { PGlite } = await import('@electric-sql/pglite');
  const parsers = { [OID.bytea]: parseBytea };
  const where = dataDir ? { dataDir } : {};
  if (initialised) return { db: await PGlite.create({ ...where, parsers }), origin: 'slot' };
  const snapshot = await pgliteSnapshotPath(cacheDir);
  const saved = await readFile(snapshot).catch(() => undefined);
  if (saved) {
    try {
      return { db: await PGlite.create({ ...where, loadDataDir: new Blob([saved]), parsers }), origin: 'snapshot' };
    } catch {
      // A damaged snapshot: start fresh and write a new one below.
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  }
  const db = await PGlite.create({ ...where, parsers });
  try {
    const dump = await db.dumpDataDir('none');
    await writeFileAtomic(snapshot, new Uint8Array(await dump.arrayBuffer()));
  } catch {
    // The snapshot only saves time; a read-only node_modules must not stop the lesson.
  }
  return { db, origin: 'fresh' };
}

/** PGlite hands bytea over as Uint8Array, pg as Buffer: use Buffer on both. */
function parseBytea(text: string): Buffer {
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'latin1');
}

let versionPromise: Promise<string> | undefined;
function pgliteVersion(): Promise<string> {
  versionPromise ??= (async () => {
    // The package does not export its package.json: find it next to the resolved entry point.
    let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      const pkg = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
      if (pkg) {
        const parsed = JSON.parse(pkg) as { name?: string; version?: string };
        if (parsed.name === '@electric-sql/pglite' && parsed.version) return parsed.version;
      }
    }
    return 'unknown';
  })();
  return versionPromise;
}
