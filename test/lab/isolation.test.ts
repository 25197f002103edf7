/**
 * On real servers the course touches only names of its own (lab/backends/isolation.ts): two test runs
 * at once do not meet, a person's own key and table survive, and a killed run's leftovers are swept.
 * The real-server tests run when REDIS_URL and DATABASE_URL are set (CI's second round does).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openSql } from '../../lab/backends/sql.ts';
import { connectRedis } from '../../lab/backends/redis.ts';
import { isStale, keyPrefix, ownerOf, ownName, sweepStale } from '../../lab/backends/isolation.ts';
import type { Sql } from '../../lab/backends/types.ts';
import { ROOT } from '../../lab/paths.ts';
import { useRandom } from '../../lab/testing/random.ts';

const REDIS_URL = process.env.REDIS_URL;
const DATABASE_URL = process.env.DATABASE_URL;
const real = Boolean(REDIS_URL && DATABASE_URL);
const rnd = useRandom();

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('names of a run of its own', () => {
  it('carry the machine, the owning process and its start, and only names of dead processes here are stale', () => {
    const dead = deadPid();
    const expected = { mine: false, dead: true, otherHost: false, person: false };

    const mine = ownName('01-sql-vs-nosql');
    const actual = {
      mine: isStale(mine),
      dead: isStale(ownName('x', dead)),
      otherHost: isStale(ownName('x', dead, 'abc', 'ffff')),
      person: isStale('lab_results'),
    };

    expect(actual).toEqual(expected);
    expect(ownerOf(mine)).toMatchObject({ pid: process.pid });
    expect(mine).toMatch(/^lab_[0-9a-f]{4}_\d+_[0-9a-z]+_01_sql_vs_nosql$/);
    expect(ownName('y'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});

describe.skipIf(!real)('on a real Redis and PostgreSQL', () => {
  let sql: Sql;
  let redis: Redis;
  const person = { key: '', table: '' };

  beforeAll(async () => {
    sql = await openSql({ DATABASE_URL });
    redis = new Redis(REDIS_URL ?? '');
  });

  afterAll(async () => {
    if (person.key) await redis.del(person.key);
    if (person.table) await sql.exec(`DROP TABLE IF EXISTS public.${person.table}`);
    redis.disconnect();
    await sql.close();
  });

  it('sweeps the schema and keys of a killed run, and leaves a live run\'s and a person\'s alone', async () => {
    const killed = ownName('killed', deadPid());
    const live = ownName(`live_${rnd.id(4)}`);
    person.key = `user:${rnd.int(1000, 9999)}:${rnd.id(6)}`;
    await sql.exec(`CREATE SCHEMA ${killed}; CREATE TABLE ${killed}.t (x int); CREATE SCHEMA ${live};`);
    await redis.set(`${keyPrefix(killed)}user:1`, 'left behind');
    await redis.set(`${keyPrefix(live)}user:1`, 'in use');
    await redis.set(person.key, 'mine');

    const removed = await sweepStale({ sql, redis });

    const expected = { removed: [`schema ${killed}`, `keys ${keyPrefix(killed)}*`], live: 'in use', person: 'mine', schemas: [live] };
    const { rows } = await sql.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname IN ($1, $2)', [killed, live]);
    const actual = {
      removed: removed.filter((r) => r.includes(killed)).sort().reverse(),
      live: await redis.get(`${keyPrefix(live)}user:1`),
      person: await redis.get(person.key),
      schemas: rows.map((r) => r.nspname),
    };
    expect(actual).toEqual(expected);
    await sql.exec(`DROP SCHEMA ${live}`);
    await redis.del(`${keyPrefix(live)}user:1`);
  });

  it('a prefixed connection sees only its own keys, in KEYS and SCAN too, and clear() deletes only those', async () => {
    const name = ownName(`prefix_${rnd.id(4)}`);
    const connection = await connectRedis({ REDIS_URL }, { prefix: keyPrefix(name) });
    const outside = `user:${rnd.id(8)}`;
    await redis.set(outside, 'not theirs');
    try {
      await connection.redis.set('user:1', 'a');
      await connection.redis.hset('user:2', { name: rnd.name() });

      const expected = { keys: ['user:1', 'user:2'], scanned: ['user:1', 'user:2'], raw: `${keyPrefix(name)}user:1` };
      const [, scanned] = await connection.redis.scan('0', 'MATCH', 'user:*', 'COUNT', 1000);
      const actual = {
        keys: (await connection.redis.keys('user:*')).sort(),
        scanned: scanned.sort(),
        raw: (await redis.keys(`${keyPrefix(name)}user:1`))[0],
      };
      expect(actual).toEqual(expected);

      await connection.clear();
      expect(await redis.keys(`${keyPrefix(name)}*`)).toEqual([]);
      expect(await redis.get(outside)).toBe('not theirs');
    } finally {
      await redis.del(outside);
      await connection.close();
    }
  });

  it("two test runs at once pass, and a person's own key and table survive both", async () => {
    // A key named the way the lesson names its own (user:<n>), in the database a person uses: one not taken.
    let key = `user:${rnd.int(1, 9)}`;
    while ((await redis.exists(key)) === 1) key = `user:${rnd.int(10, 99_999)}`;
    person.key = key;
    await redis.set(key, 'a person kept this');
    person.table = `users_${rnd.id(6)}`;
    await sql.exec(`CREATE TABLE public.${person.table} (name text); INSERT INTO public.${person.table} VALUES ('kept')`);

    const run = (): Promise<{ code: number | null; output: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/01-sql-vs-nosql.test.ts'], {
          cwd: ROOT,
          env: { ...process.env, NOSQL_LAB_TARGET: 'solutions', NOSQL_LAB_MONGO: 'emulator', VITEST_POOL_ID: '1', NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        child.on('close', (code) => resolve({ code, output }));
      });

    const [first, second] = await Promise.all([run(), run()]);

    expect(first.code, first.output).toBe(0);
    expect(second.code, second.output).toBe(0);
    expect(await redis.get(key)).toBe('a person kept this');
    expect((await sql.query(`SELECT name FROM public.${person.table}`)).rows).toEqual([{ name: 'kept' }]);
  }, 240_000);
});
