/**
 * The parity suite's connection: the mock (ioredis-mock + lab/backends/redis-mock) by default, the
 * server in REDIS_URL when it is set — the same tests, unchanged. Other suites and people share that
 * server, so every key and channel here starts with a prefix unique to this file's run, and only keys
 * with that prefix are ever deleted (no FLUSHDB).
 *
 *   const r = useRedis('streams');
 *   it('…', async () => { await r.redis.xadd(r.key('s'), '*', 'a', '1'); });
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis } from '#lab/backends/redis.ts';
import type { OpenedRedis } from '#lab/backends/redis.ts';

export interface ParityRedis {
  readonly redis: Redis;
  /** True when the tests talk to a real server (REDIS_URL). */
  readonly real: boolean;
  /** A second connection to the same keyspace; closed after the test. */
  duplicate(): Redis;
  /** A key (or channel) name unique to this run: `parity:<file>:<random>:<name>`. */
  key(name: string): string;
}

export function useRedis(file: string): ParityRedis {
  const prefix = `parity:${file}:${randomBytes(4).toString('hex')}:`;
  let connection: OpenedRedis | undefined;

  const own = async (): Promise<void> => {
    if (!connection) return;
    let cursor = '0';
    do {
      const [next, keys] = await connection.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await connection.redis.del(...keys);
    } while (cursor !== '0');
  };

  beforeAll(async () => {
    connection = await connectRedis(process.env, { keyspace: `parity-${file}` });
  });
  afterEach(async () => {
    await connection?.closeDuplicates();
    await own();
  });
  afterAll(async () => {
    await own();
    await connection?.close();
  });

  return {
    get redis() {
      if (!connection) throw new Error('useRedis: the connection opens in beforeAll; use it inside a test.');
      return connection.redis;
    },
    get real() {
      return connection?.kind === 'url';
    },
    duplicate: () => {
      if (!connection) throw new Error('useRedis: the connection opens in beforeAll; use it inside a test.');
      return connection.duplicate();
    },
    key: (name) => `${prefix}${name}`,
  };
}

/** Expects the command to fail with exactly Redis's reply text. */
export async function expectError(reply: Promise<unknown>, message: string): Promise<void> {
  await expect(reply).rejects.toHaveProperty('message', message);
}

/** Resolves when `check` returns true, polling every 5 ms; fails after `timeoutMs` with `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
