/**
 * Specification of the course's backends (lab/backends) and their test-side hooks (lab/testing).
 *
 * Runs on the embedded defaults and, unchanged, against real servers:
 *   npx vitest run test/lab
 *   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run test/lab
 *   (add MONGODB_URI=… to use a real MongoDB too)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Redis } from 'ioredis';
import {
  BackendNotReadyError,
  BackendNotRequestedError,
  InvalidSchemaNameError,
  MongoBinaryUnavailableError,
  MongoUnreachableError,
  PostgresUnreachableError,
  RedisUnreachableError,
  UnknownMongoChoiceError,
  describeBackends,
  openBackends,
} from '../../lab/backends/index.ts';
import type { MongoServer, Sql } from '../../lab/backends/index.ts';
import {
  DOWNLOAD_MEMORY_FILE,
  DOWNLOAD_RETRY_MS,
  connectMongo,
  defaultMongoBinaries,
  resolveMongoServer,
} from '../../lab/backends/mongo.ts';
import type { FailedDownload, MongoBinaryFinder, ResolveMongoOptions } from '../../lab/backends/mongo.ts';
import { connectRedis, redisLabel } from '../../lab/backends/redis.ts';
import { openSql, pgliteSnapshotPath, sqlLabel } from '../../lab/backends/sql.ts';
import { describeUrl } from '../../lab/backends/where.ts';
import setup from '../../lab/testing/global-setup.ts';
import { isolatedName, useBackends } from '../../lab/testing/backends.ts';

const env = process.env;
const realRedis = Boolean(env['REDIS_URL']);
const realPostgres = Boolean(env['DATABASE_URL']);
/** The run's environment, but never paying for a mongod download: the emulator unless MONGODB_URI is set. */
const mongoEnv: NodeJS.ProcessEnv = env['MONGODB_URI'] ? env : { ...env, NOSQL_LAB_MONGO: 'emulator' };
const random = (): string => Math.random().toString(36).slice(2, 10);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let tempDir = '';
beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'nosql-lab-backends-'));
});
afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
  // Nothing this file opened is still open: no socket, no listening port.
  const open = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap');
  expect(open).toEqual([]);
});

// ------------------------------------------------------------------------------------------ MongoDB

interface Fakes {
  options: ResolveMongoOptions;
  calls: { binaries: number; locate: number; download: number; memoryServer: string[]; emulator: string[]; notices: string[] };
  clock: { now: number };
}

/** A resolver with a fake binary finder and fake servers, its memory in a fresh directory. */
async function fakes(
  behaviour: {
    located?: string;
    locateError?: Error;
    download?: () => Promise<string>;
    version?: string;
    candidates?: string[];
  } = {},
  cacheDir?: string,
): Promise<Fakes> {
  const dir = cacheDir ?? (await mkdtemp(join(tempDir, 'cache-')));
  const calls: Fakes['calls'] = { binaries: 0, locate: 0, download: 0, memoryServer: [], emulator: [], notices: [] };
  const clock = { now: Date.parse('2026-01-01T12:00:00Z') };
  const server = (kind: MongoServer['kind'], label: string): MongoServer => ({
    kind,
    label,
    uri: 'mongodb://127.0.0.1:9/',
    stop: async () => undefined,
  });
  const finder: MongoBinaryFinder = {
    version: behaviour.version ?? '8.2.6',
    locate: async () => {
      calls.locate++;
      if (behaviour.locateError) throw behaviour.locateError;
      return behaviour.located;
    },
    download: async () => {
      calls.download++;
      if (behaviour.download) return behaviour.download();
      throw new Error('Download failed for url "https://example/mongodb.tgz", Details:\ngetaddrinfo ENOTFOUND example');
    },
    ...(behaviour.candidates ? { candidates: async () => behaviour.candidates ?? [] } : {}),
  };
  const options: ResolveMongoOptions = {
    cacheDir: dir,
    binaries: async () => {
      calls.binaries++;
      return finder;
    },
    startMemoryServer: async (path) => {
      calls.memoryServer.push(path);
      return server('memory-server', 'mongodb-memory-server 8.2.6 (replica set)');
    },
    startEmulator: async (reason) => {
      calls.emulator.push(reason);
      return server('emulator', `emulator (${reason})`);
    },
    notice: (line) => calls.notices.push(line),
    now: () => clock.now,
  };
  return { options, calls, clock };
}

describe('resolveMongoServer: the order', () => {
  it('uses MONGODB_URI first, even when NOSQL_LAB_MONGO asks for something else, and never stops it', async () => {
    const f = await fakes({ located: '/bin/mongod' });
    const server = await resolveMongoServer(
      { MONGODB_URI: 'mongodb://admin:s3cret@db.example:27017/app?authSource=admin', NOSQL_LAB_MONGO: 'emulator' },
      f.options,
    );
    expect(server.kind).toBe('uri');
    expect(server.uri).toBe('mongodb://admin:s3cret@db.example:27017/app?authSource=admin');
    expect(server.label).toBe('MONGODB_URI (db.example:27017/app)');
    expect(server.label).not.toContain('s3cret');
    await server.stop();
    await server.stop();
    expect(f.calls).toMatchObject({ locate: 0, download: 0, memoryServer: [], emulator: [] });
  });

  it('NOSQL_LAB_MONGO=emulator goes straight to the emulator without looking for mongod', async () => {
    const f = await fakes({ located: '/bin/mongod' });
    const server = await resolveMongoServer({ NOSQL_LAB_MONGO: 'emulator' }, f.options);
    expect(server.kind).toBe('emulator');
    expect(server.label).toBe('emulator (NOSQL_LAB_MONGO=emulator)');
    expect(f.calls.locate).toBe(0);
  });

  it('rejects any other NOSQL_LAB_MONGO value, naming the allowed ones', async () => {
    const f = await fakes();
    const error = await resolveMongoServer({ NOSQL_LAB_MONGO: 'mongod' }, f.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownMongoChoiceError);
    expect((error as Error).message).toMatch(/NOSQL_LAB_MONGO="mongod".*emulator.*memory-server/);
    expect(f.calls.locate).toBe(0);
  });

  it('starts mongodb-memory-server when the binary is already there, without downloading', async () => {
    const f = await fakes({ located: '/cache/mongod-x64-8.2.6' });
    const server = await resolveMongoServer({}, f.options);
    expect(server.kind).toBe('memory-server');
    expect(f.calls).toMatchObject({ download: 0, notices: [], memoryServer: ['/cache/mongod-x64-8.2.6'] });
  });

  it('falls back to the emulator when a present mongod does not start', async () => {
    const f = await fakes({ located: '/bin/mongod' });
    const server = await resolveMongoServer({}, {
      ...f.options,
      startMemoryServer: async () => {
        throw new Error('libcrypto.so.1.1: cannot open shared object file');
      },
    });
    expect(server.kind).toBe('emulator');
    expect(server.label).toMatch(/^emulator \(mongod did not start: libcrypto/);
  });

  it('falls back to the emulator when MONGOMS_SYSTEM_BINARY points at nothing (and errors if memory-server is forced)', async () => {
    const f = await fakes({ locateError: new Error('No Binary at path "/nope/mongod" was found! (systemBinary)') });
    const server = await resolveMongoServer({ MONGOMS_SYSTEM_BINARY: '/nope/mongod' }, f.options);
    expect(server.label).toMatch(/^emulator \(no mongod binary: No Binary at path/);
    await expect(
      resolveMongoServer({ MONGOMS_SYSTEM_BINARY: '/nope/mongod', NOSQL_LAB_MONGO: 'memory-server' }, f.options),
    ).rejects.toBeInstanceOf(MongoBinaryUnavailableError);
    expect(f.calls.download).toBe(0);
  });

  it('does not download when MONGOMS_RUNTIME_DOWNLOAD is off', async () => {
    const f = await fakes();
    const server = await resolveMongoServer({ MONGOMS_RUNTIME_DOWNLOAD: 'false' }, f.options);
    expect(server.label).toBe('emulator (no mongod binary: MONGOMS_RUNTIME_DOWNLOAD is off)');
    expect(f.calls.download).toBe(0);
  });
});

describe('resolveMongoServer: a failed download is remembered', () => {
  it('announces the download in one line, tries once, records why it failed, and uses the emulator', async () => {
    const f = await fakes();
    const server = await resolveMongoServer({}, f.options);
    expect(f.calls.download).toBe(1);
    expect(f.calls.notices).toHaveLength(1);
    expect(f.calls.notices[0]).toMatch(/mongod .*once for mongodb-memory-server.*NOSQL_LAB_MONGO=emulator skips/);
    expect(f.calls.notices[0]).not.toContain('\n');
    expect(server.kind).toBe('emulator');
    expect(server.label).toBe('emulator (no mongod binary: download failed: offline (ENOTFOUND))');
    const memory = JSON.parse(
      await readFile(join(f.options.cacheDir as string, DOWNLOAD_MEMORY_FILE), 'utf8'),
    ) as FailedDownload;
    expect(memory).toEqual({
      failedAt: '2026-01-01T12:00:00.000Z',
      version: '8.2.6',
      reason: 'download failed: offline (ENOTFOUND)',
    });
    expect(await readdir(f.options.cacheDir as string)).toEqual([DOWNLOAD_MEMORY_FILE]);
  });

  it('does not try again within 24 hours, and tries again after', async () => {
    const f = await fakes();
    await resolveMongoServer({}, f.options);
    f.clock.now += 3 * 60 * 60 * 1000;
    const second = await resolveMongoServer({}, f.options);
    expect(f.calls.download).toBe(1);
    expect(f.calls.notices).toHaveLength(1);
    expect(second.label).toBe('emulator (no mongod binary; download failed 3 h ago)');
    f.clock.now += DOWNLOAD_RETRY_MS;
    await resolveMongoServer({}, f.options);
    expect(f.calls.download).toBe(2);
  });

  it('later runs skip even loading the lookup while no probed path has a binary and the settings are the same', async () => {
    const probed = join(tempDir, `mongod-${random()}`);
    const f = await fakes({ candidates: [probed] });
    await resolveMongoServer({}, f.options);
    expect(f.calls.binaries).toBe(1);
    const second = await resolveMongoServer({}, f.options);
    expect(f.calls.binaries).toBe(1);
    expect(second.label).toBe('emulator (no mongod binary; download failed just now)');
    // Other settings: look again (and still not download).
    await resolveMongoServer({ MONGOMS_VERSION: '8.2.6' }, f.options);
    expect(f.calls).toMatchObject({ binaries: 2, locate: 2, download: 1 });
    // A binary appeared where the lookup probes: look again.
    await writeFile(probed, '');
    await resolveMongoServer({}, f.options);
    expect(f.calls).toMatchObject({ binaries: 3, locate: 3, download: 1 });
  });

  it('tries again when the remembered failure was for another mongod version', async () => {
    const f = await fakes({ version: '7.0.14' });
    const record: FailedDownload = { failedAt: new Date(f.clock.now).toISOString(), version: '8.2.6', reason: 'x' };
    await writeFile(join(f.options.cacheDir as string, DOWNLOAD_MEMORY_FILE), JSON.stringify(record));
    await resolveMongoServer({}, f.options);
    expect(f.calls.download).toBe(1);
  });

  it('NOSQL_LAB_MONGO=memory-server retries despite the memory, and errors clearly when it fails again', async () => {
    const f = await fakes();
    await resolveMongoServer({}, f.options);
    const error = await resolveMongoServer({ NOSQL_LAB_MONGO: 'memory-server' }, f.options).catch((e: unknown) => e);
    expect(f.calls.download).toBe(2);
    expect(error).toBeInstanceOf(MongoBinaryUnavailableError);
    expect((error as Error).message).toMatch(/MONGOMS_SYSTEM_BINARY.*MONGODB_URI.*NOSQL_LAB_MONGO=emulator/);
    expect(f.calls.emulator).toHaveLength(1);
  });

  it('a download that succeeds starts mongodb-memory-server and forgets the old failure', async () => {
    let online = false;
    const f = await fakes({
      download: async () => {
        if (!online) throw new Error('connect ETIMEDOUT 1.2.3.4:443');
        return '/cache/mongod-8.2.6';
      },
    });
    await resolveMongoServer({}, f.options);
    online = true;
    const server = await resolveMongoServer({ NOSQL_LAB_MONGO: 'memory-server' }, f.options);
    expect(server.kind).toBe('memory-server');
    expect(f.calls.memoryServer).toEqual(['/cache/mongod-8.2.6']);
    expect(await readdir(f.options.cacheDir as string)).toEqual([]);
  });

  it("with mongodb-memory-server-core's real lookup: one failed download, then none", async () => {
    const dir = await mkdtemp(join(tempDir, 'real-'));
    const fake = await fakes({}, dir);
    const real = await defaultMongoBinaries({});
    const download = vi.fn(async (): Promise<string> => {
      throw new Error('getaddrinfo ENOTFOUND fastdl.mongodb.org');
    });
    let loaded = 0;
    const options: ResolveMongoOptions = {
      ...fake.options,
      now: Date.now,
      binaries: async () => {
        loaded++;
        return { ...real, download };
      },
    };
    const first = await resolveMongoServer({}, options);
    if (first.kind === 'memory-server') return; // this machine has mongod: nothing to remember
    expect(download).toHaveBeenCalledTimes(1);
    const memory = JSON.parse(await readFile(join(dir, DOWNLOAD_MEMORY_FILE), 'utf8')) as FailedDownload;
    expect(memory.lookup?.paths.length).toBeGreaterThan(0);
    const started = performance.now();
    const second = await resolveMongoServer({}, options);
    expect(performance.now() - started).toBeLessThan(500);
    expect(second.label).toBe('emulator (no mongod binary; download failed just now)');
    expect(download).toHaveBeenCalledTimes(1);
    expect(loaded).toBe(1);
  });
});

describe('MongoDB: the real server behind a run', () => {
  it('serves the official driver; the server stops, and stop()/close() are safe to repeat', async () => {
    const server = await resolveMongoServer(mongoEnv);
    expect(['uri', 'emulator', 'memory-server']).toContain(server.kind);
    const dbName = `lab_connect_${random()}`;
    const connection = await connectMongo(server.uri, dbName);
    try {
      expect(connection.db.databaseName).toBe(dbName);
      await connection.db.collection('users').insertOne({ name: 'Ada' });
      expect(await connection.db.collection('users').findOne({}, { projection: { _id: 0 } })).toEqual({ name: 'Ada' });
      await connection.db.dropDatabase();
    } finally {
      await connection.close();
      await connection.close();
      await server.stop();
      await server.stop();
    }
    if (server.kind !== 'uri') {
      await expect(connectMongo(server.uri, 'x', { serverSelectionTimeoutMS: 300 })).rejects.toBeInstanceOf(
        MongoUnreachableError,
      );
    }
  });

  it('an unreachable MONGODB_URI is a clear error that hides the password', async () => {
    const error = await connectMongo('mongodb://u:hunter2@127.0.0.1:9/', 'x', {
      fromEnv: true,
      serverSelectionTimeoutMS: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoUnreachableError);
    expect((error as Error).message).toMatch(/^Could not reach MongoDB at 127\.0\.0\.1:9 — is it running\?.*Unset MONGODB_URI/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

// ------------------------------------------------------------------------------------------ Redis

describe(`Redis (${realRedis ? 'REDIS_URL' : 'ioredis-mock'})`, () => {
  // On a real server keyspaces are database indexes, and other files may use theirs: use random keys.
  const spaces = realRedis ? ([13, 14] as const) : ([`a_${random()}`, `b_${random()}`] as const);

  it('is the mock without REDIS_URL and the real server with it', async () => {
    const connection = await connectRedis(env);
    try {
      expect(connection.kind).toBe(realRedis ? 'url' : 'mock');
      expect(connection.label).toBe(redisLabel(env));
      expect(await connection.redis.ping()).toBe('PONG');
    } finally {
      await connection.close();
      await connection.close();
    }
  });

  it('keeps keyspaces apart; the same named keyspace is shared', async () => {
    const a = await connectRedis(env, { keyspace: spaces[0] });
    const b = await connectRedis(env, { keyspace: spaces[1] });
    const a2 = await connectRedis(env, { keyspace: spaces[0] });
    const key = `k:${random()}`;
    try {
      await a.redis.set(key, 'from a');
      expect(await b.redis.get(key)).toBeNull();
      expect(await a2.redis.get(key)).toBe('from a');
      if (!realRedis) {
        const fresh = await connectRedis(env);
        expect(await fresh.redis.get(key)).toBeNull();
        await fresh.close();
      }
    } finally {
      await a.redis.del(key);
      await Promise.all([a.close(), b.close(), a2.close()]);
    }
  });

  it('duplicate() shares the keyspace, and publish/subscribe between the two delivers messages', async () => {
    const connection = await connectRedis(env, { keyspace: spaces[0] });
    const subscriber = connection.duplicate();
    const channel = `news:${random()}`;
    try {
      const key = `k:${random()}`;
      await connection.redis.set(key, 'shared');
      expect(await subscriber.get(key)).toBe('shared');
      await connection.redis.del(key);

      const received: string[] = [];
      subscriber.on('message', (ch: string, message: string) => received.push(`${ch}=${message}`));
      subscriber.on('pmessage', (_pattern: string, ch: string, message: string) => received.push(`p:${ch}=${message}`));
      await subscriber.subscribe(channel);
      await subscriber.psubscribe(`${channel.split(':')[0]}:*`);
      expect(await connection.redis.publish(channel, 'hello')).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 50 && received.length < 2; i++) await sleep(20);
      expect(received.sort()).toEqual([`${channel}=hello`, `p:${channel}=hello`]);
    } finally {
      await connection.close();
    }
    if (realRedis) expect(subscriber.status).toBe('end');
  });

  it('expires keys: SET … EX 1, TTL, then gone', async () => {
    const connection = await connectRedis(env, { keyspace: spaces[1] });
    const key = `session:${random()}`;
    try {
      expect(await connection.redis.set(key, 'v', 'EX', 1)).toBe('OK');
      expect(await connection.redis.ttl(key)).toBe(1);
      await sleep(1_150);
      expect(await connection.redis.get(key)).toBeNull();
      expect(await connection.redis.ttl(key)).toBe(-2);
    } finally {
      await connection.close();
    }
  });

  it('an unreachable REDIS_URL is a clear error that hides the password', async () => {
    const started = performance.now();
    const error = await connectRedis({ REDIS_URL: 'redis://:hunter2@127.0.0.1:9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnreachableError);
    expect((error as Error).message).toMatch(
      /^Could not reach Redis at redis:\/\/127\.0\.0\.1:9 — is it running\? Unset REDIS_URL to use the in-memory mock\./,
    );
    expect((error as Error).message).not.toContain('hunter2');
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

// ------------------------------------------------------------------------------------------ SQL

/** One row of every type the lessons use, and the JS value both drivers must give for it. */
const TYPE_QUERY = `SELECT 42::int4 AS int4, 7::int2 AS int2, 5::int8 AS int8, 9007199254740993::int8 AS int8_big,
  count(*) AS count, sum(x) AS sum, 12.50::numeric AS numeric, 2.5::float8 AS float8,
  'café'::text AS text, 'v'::varchar(5) AS varchar, true AS bool, NULL::text AS nothing,
  '2024-03-01T10:20:30.456Z'::timestamptz AS timestamptz, '2024-03-01'::date AS date,
  '{"tags":["a","b"],"n":1}'::jsonb AS jsonb, '{"k":null}'::json AS json,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS uuid, ARRAY[1,2,3]::int4[] AS int4_array,
  ARRAY['x','y'] AS text_array, ARRAY[1,2]::int8[] AS int8_array, '\\xdeadbeef'::bytea AS bytea,
  interval '1 hour' AS interval
  FROM (VALUES (1), (2)) AS t(x)`;
const TYPE_VALUES: Record<string, unknown> = {
  int4: 42,
  int2: 7,
  int8: 5,
  int8_big: 9007199254740993n,
  count: 2,
  sum: 3,
  numeric: '12.50',
  float8: 2.5,
  text: 'café',
  varchar: 'v',
  bool: true,
  nothing: null,
  timestamptz: new Date('2024-03-01T10:20:30.456Z'),
  date: new Date('2024-03-01T00:00:00.000Z'),
  jsonb: { tags: ['a', 'b'], n: 1 },
  json: { k: null },
  uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  int4_array: [1, 2, 3],
  text_array: ['x', 'y'],
  int8_array: [1, 2],
  bytea: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  interval: '01:00:00',
};

const sqlEnvs: [string, NodeJS.ProcessEnv][] = [['PGlite', {}]];
if (realPostgres) sqlEnvs.push(['PostgreSQL', { DATABASE_URL: env['DATABASE_URL'] }]);

describe.each(sqlEnvs)('SQL on %s', (_name, sqlEnv) => {
  let sql: Sql;
  const schema = `lab_sqltest_${random()}`;
  beforeAll(async () => {
    sql = await openSql(sqlEnv, { schema });
  });
  afterAll(async () => {
    await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.close();
    await sql.close();
  });

  it('gives the same JS values as the other driver for the types the lessons use', async () => {
    const { rows, rowCount } = await sql.query(TYPE_QUERY);
    expect(rowCount).toBe(1);
    expect(rows[0]).toEqual(TYPE_VALUES);
    expect(Buffer.isBuffer((rows[0] as Record<string, unknown>)['bytea'])).toBe(true);
  });

  it('query fills $n placeholders and counts rows returned or affected; exec runs several statements', async () => {
    await sql.exec('CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL); CREATE INDEX ON users (name);');
    expect((await sql.query('INSERT INTO users (name) VALUES ($1), ($2)', ['Ada', 'Linus'])).rowCount).toBe(2);
    expect((await sql.query("UPDATE users SET name = name || '!' WHERE name = $1", ['Ada'])).rowCount).toBe(1);
    const result = await sql.query<{ id: number; name: string }>('SELECT id, name FROM users ORDER BY id');
    expect(result).toEqual({ rows: [{ id: 1, name: 'Ada!' }, { id: 2, name: 'Linus' }], rowCount: 2 });
    expect((await sql.query('SELECT current_schema() AS s')).rows).toEqual([{ s: schema }]);
  });

  it('transaction commits, or rolls back everything when the function throws', async () => {
    await sql.exec('CREATE TABLE accounts (name text PRIMARY KEY, balance int4 NOT NULL)');
    await sql.query("INSERT INTO accounts VALUES ('a', 100), ('b', 0)");
    const moved = await sql.transaction(async (tx) => {
      await tx.query("UPDATE accounts SET balance = balance - 30 WHERE name = 'a'");
      await tx.query("UPDATE accounts SET balance = balance + 30 WHERE name = 'b'");
      return 30;
    });
    expect(moved).toBe(30);
    await expect(
      sql.transaction(async (tx) => {
        await tx.query("UPDATE accounts SET balance = balance - 500 WHERE name = 'a'");
        throw new Error('insufficient funds');
      }),
    ).rejects.toThrow('insufficient funds');
    expect((await sql.query('SELECT name, balance FROM accounts ORDER BY name')).rows).toEqual([
      { name: 'a', balance: 70 },
      { name: 'b', balance: 30 },
    ]);
  });
});

describe('SQL: choosing and failing', () => {
  it('is PGlite without DATABASE_URL and PostgreSQL with it, named without the password', () => {
    expect(sqlLabel({})).toBe('PGlite');
    expect(sqlLabel({ DATABASE_URL: 'postgres://app:hunter2@db:5432/shop' })).toBe('PostgreSQL db:5432/shop');
  });

  it('refuses a schema name it would have to quote', async () => {
    await expect(openSql({}, { schema: 'Robert"; DROP TABLE x' })).rejects.toBeInstanceOf(InvalidSchemaNameError);
  });

  it('an unreachable DATABASE_URL is a clear error that hides the password', async () => {
    const error = await openSql({ DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:9/test' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresUnreachableError);
    expect((error as Error).message).toMatch(/^Could not reach PostgreSQL at 127\.0\.0\.1:9\/test — .*Unset DATABASE_URL/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('PGlite start-up snapshot (slots off: always into memory)', () => {
  let cacheDir = '';
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tempDir, 'pglite-'));
  });

  it('the first fresh start saves a snapshot atomically, named by the PGlite version', async () => {
    const sql = await openSql({}, { cacheDir, slots: false });
    await sql.close();
    expect(sql.origin).toBe('fresh');
    const file = await pgliteSnapshotPath(cacheDir);
    expect(file).toMatch(/pglite-\d+\.\d+\.\d+\.tar$/);
    expect(await readdir(cacheDir)).toEqual([file.split('/').pop()]);
    expect((await readFile(file)).subarray(257, 262).toString('latin1')).toBe('ustar'); // a tar archive
  });

  it('later starts restore from it', async () => {
    const sql = await openSql({}, { cacheDir, slots: false });
    try {
      expect(sql.origin).toBe('snapshot');
      expect((await sql.query('SELECT 1 + 1 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await sql.close();
    }
  });

  it('a damaged snapshot is replaced by a fresh start', async () => {
    const file = await pgliteSnapshotPath(cacheDir);
    await writeFile(file, 'not a tarball');
    const sql = await openSql({}, { cacheDir, slots: false });
    await sql.close();
    expect(sql.origin).toBe('fresh');
    expect((await readFile(file)).length).toBeGreaterThan(100_000);
  });
});

describe('PGlite data-directory slots', () => {
  let cacheDir = '';
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tempDir, 'pglite-slots-'));
  });

  it('a start after the first opens the on-disk slot, and sees none of the first run\'s tables', async () => {
    const first = await openSql({}, { cacheDir });
    await first.exec('CREATE TABLE leftover (x int); CREATE SCHEMA lab_killed_run;');
    await first.close();

    const second = await openSql({}, { cacheDir });
    try {
      const expected = { origin: 'slot', tables: [], schemas: ['public'] };
      const tables = await second.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
      const schemas = await second.query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'");
      expect({ origin: second.origin, tables: tables.rows, schemas: schemas.rows.map((r) => r.name) }).toEqual(expected);
    } finally {
      await second.close();
    }
  });

  it('two at once take different slots, and both work', async () => {
    const [a, b] = await Promise.all([openSql({}, { cacheDir, schema: 'lab_a' }), openSql({}, { cacheDir, schema: 'lab_b' })]);
    try {
      await a.exec('CREATE TABLE t (x int)');
      await b.exec('CREATE TABLE t (x int)');
      await a.query('INSERT INTO t VALUES ($1)', [1]);
      expect((await b.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
      const locks = (await readdir(join(cacheDir, (await readdir(cacheDir)).find((f) => f.startsWith('pgdata-')) ?? ''))).filter((f) => f.endsWith('.lock'));
      expect(locks.sort()).toEqual(['slot-0.lock', 'slot-1.lock']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a slot whose process died (its lock names a dead pid) is taken over', async () => {
    await (await openSql({}, { cacheDir })).close();
    const root = join(cacheDir, (await readdir(cacheDir)).find((f) => f.startsWith('pgdata-')) ?? '');
    await writeFile(join(root, 'slot-0.lock'), '2147483646');

    const sql = await openSql({}, { cacheDir });
    try {
      expect(sql.origin).toBe('slot');
      expect(await readFile(join(root, 'slot-0.lock'), 'utf8')).toBe(String(process.pid));
    } finally {
      await sql.close();
    }
  });
});

// ------------------------------------------------------------------------------------------ openBackends

describe('openBackends', () => {
  it('opens what is needed at once, says so in one line, and closes it all (twice is fine)', async () => {
    const backends = await openBackends(['mongo', 'redis', 'sql'], { env: mongoEnv, dbName: `lab_open_${random()}` });
    try {
      expect(backends.summary).toMatch(/^MongoDB: .+ · Redis: .+ · SQL: .+$/);
      expect(backends.summary).toContain(`Redis: ${redisLabel(env)}`);
      expect(backends.summary).toContain(`SQL: ${sqlLabel(env)}`);
      await backends.mongo?.collection('c').insertOne({ a: 1 });
      expect(await backends.mongo?.collection('c').countDocuments()).toBe(1);
      await backends.mongo?.dropDatabase();
      expect(await backends.redis?.ping()).toBe('PONG');
      expect((await backends.sql?.query('SELECT 1 AS one'))?.rows).toEqual([{ one: 1 }]);
    } finally {
      await backends.close();
      await backends.close();
    }
    await expect(backends.sql?.query('SELECT 1')).rejects.toThrow();
    if (realRedis) expect(backends.redis?.status).toBe('end');
  });

  it('opens only what is asked for', async () => {
    const backends = await openBackends(['redis'], { env });
    try {
      expect(backends.mongo).toBeUndefined();
      expect(backends.sql).toBeUndefined();
      expect(backends.summary).toBe(`Redis: ${redisLabel(env)}`);
    } finally {
      await backends.close();
    }
  });

  it('when one part cannot open, closes the others and reports that part', async () => {
    await expect(
      openBackends(['redis', 'sql'], { env: { ...env, DATABASE_URL: 'postgres://x@127.0.0.1:9/none' } }),
    ).rejects.toBeInstanceOf(PostgresUnreachableError);
  });

  it('closeOnSignals closes everything on Ctrl-C, then exits with 130', async () => {
    const script = join(tempDir, 'ctrl-c.mts');
    const lab = new URL('../../lab/backends/index.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { closeOnSignals, openBackends } from ${JSON.stringify(lab)};
const b = await openBackends(['mongo', 'redis', 'sql']);
closeOnSignals({ close: async () => { await b.close(); console.log('closed'); } });
console.log('ready ' + b.summary);
setInterval(() => undefined, 1_000);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: process.cwd(),
      env: mongoEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) child.kill('SIGINT');
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(out).toMatch(/ready MongoDB: .+ · Redis: .+ · SQL: .+\nclosed\n$/);
    expect(code).toBe(130);
  });

  it('describeBackends builds the same one line and never shows a password', () => {
    const line = describeBackends({
      mongo: 'emulator (no mongod binary: offline (ENOTFOUND))',
      redis: redisLabel({ REDIS_URL: 'redis://user:pw123@cache.local:6380/2' }),
      sql: sqlLabel({}),
    });
    expect(line).toBe(
      'MongoDB: emulator (no mongod binary: offline (ENOTFOUND)) · Redis: ioredis cache.local:6380/2 · SQL: PGlite',
    );
    expect(describeUrl('mongodb://a:b@h1:1,h2:2/db?replicaSet=rs')).toBe('h1:1,h2:2/db');
  });
});

// ------------------------------------------------------------------------------------------ test hooks

describe('globalSetup', () => {
  it('resolves the MongoDB server once, provides its uri, prints one line, and stops it in teardown', async () => {
    const provided = new Map<string, unknown>();
    const printed: string[] = [];
    const teardown = await setup(
      { provide: (key, value) => void provided.set(key, value) },
      { env: mongoEnv, print: (line) => printed.push(line) },
    );
    const uri = provided.get('mongoUri') as string;
    expect(uri).toMatch(/^mongodb(\+srv)?:\/\//);
    expect(printed).toEqual([`Backends: ${provided.get('backendsSummary') as string}`]);
    expect(printed[0]).toMatch(/^Backends: MongoDB: .+ · Redis: .+ · SQL: .+$/);
    const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 2_000 }).connect();
    expect((await client.db('admin').command({ ping: 1 }))['ok']).toBe(1);
    await client.close();
    await teardown();
    if (!env['MONGODB_URI']) {
      await expect(connectMongo(uri, 'x', { serverSelectionTimeoutMS: 300 })).rejects.toBeInstanceOf(
        MongoUnreachableError,
      );
    }
  });
});

describe('useBackends', () => {
  const backends = useBackends(['mongo', 'redis', 'sql'], mongoEnv);
  const redisOnly = useBackends(['redis'], mongoEnv);
  const earlyError = ((): unknown => {
    try {
      return backends.sql;
    } catch (error) {
      return error;
    }
  })();
  let subscriber: Redis | undefined;

  it('refuses handles before beforeAll has run, and handles the file did not ask for', () => {
    expect(earlyError).toBeInstanceOf(BackendNotReadyError);
    expect(() => redisOnly.sql).toThrow(BackendNotRequestedError);
    expect(() => redisOnly.sql).toThrow(/useBackends\(\["redis"\]\).*Add 'sql'/);
  });

  it("gives the file its own database, keyspace and schema", async () => {
    expect(backends.mongo.databaseName).toMatch(new RegExp(`^lab_[0-9a-f]{4}_${process.pid}_[0-9a-z]+_backends$`));
    expect((await backends.sql.query('SELECT current_schema() AS s')).rows).toEqual([
      { s: backends.mongo.databaseName },
    ]);
    expect(backends.mongoClient.db(backends.mongo.databaseName).databaseName).toBe(backends.mongo.databaseName);
    if (realRedis) expect(backends.redis.options.keyPrefix).toBe(`${backends.mongo.databaseName}:`);
    expect(backends.redisConnection.redis).toBe(backends.redis);
  });

  it('a test writes to all three databases and opens a subscriber', async () => {
    await backends.mongo.collection('users').insertOne({ name: 'Ada' });
    await backends.redis.set('user:1', 'Ada', 'EX', 60);
    await redisOnly.redis.set('mine', '1');
    await backends.sql.exec("CREATE TABLE users (name text); INSERT INTO users VALUES ('Ada');");
    subscriber = backends.redisConnection.duplicate();
    await subscriber.subscribe('chat');
    expect(await backends.mongo.collection('users').countDocuments()).toBe(1);
  });

  it('the next test starts clean: nothing from the previous one is left', async () => {
    expect(await backends.mongo.collection('users').countDocuments()).toBe(0);
    expect(await backends.redis.keys('*')).toEqual([]);
    expect(await redisOnly.redis.get('mine')).toBeNull();
    expect((await backends.sql.query("SELECT to_regclass('users') AS t")).rows).toEqual([{ t: null }]);
    expect(await backends.redis.publish('chat', 'anyone?')).toBe(0);
    if (realRedis) expect(subscriber?.status).toBe('end');
  });
});

describe('naming helpers', () => {
  it('isolatedName makes a MongoDB- and SQL-safe name from the file name that carries the owning process', () => {
    const expected = new RegExp(`^lab_[0-9a-f]{4}_${process.pid}_[0-9a-z]+_07_redis_basics$`);
    expect(isolatedName('/x/test/07-Redis basics.test.ts')).toMatch(expected);
    expect(isolatedName('/x/test/07-Redis basics.test.ts')).toMatch(/_07_redis_basics_2$/);
  });
});
