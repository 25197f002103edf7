/**
 * What only the offline Redis has: a restart that empties it (lesson 07), and blocked calls that end
 * when their connection closes. Skipped with REDIS_URL: a real server is never restarted from a test.
 */
import { describe, expect, it } from 'vitest';
import { connectRedis } from '#lab/backends/redis.ts';
import { isLabRedisMock, labCommandNames, simulateRestart } from '#lab/backends/redis-mock/index.ts';

describe.skipIf(Boolean(process.env['REDIS_URL']))('The offline Redis (ioredis-mock + lab/backends/redis-mock)', () => {
  it('connectRedis() gives the lab mock, and its duplicates have the lab commands too', async () => {
    const connection = await connectRedis({});
    try {
      const copy = connection.duplicate();
      expect([isLabRedisMock(connection.redis), isLabRedisMock(copy)]).toEqual([true, true]);
      expect(await copy.xadd('s', '1-1', 'f', 'v')).toBe('1-1');
      expect(labCommandNames).toEqual(expect.arrayContaining(['blmove', 'script', 'xautoclaim', 'xreadgroup']));
    } finally {
      await connection.close();
    }
  });

  it('simulateRestart empties the keyspace and the script cache, for every connection to it', async () => {
    const connection = await connectRedis({});
    try {
      const other = connection.duplicate();
      await connection.redis.set('k', 'v');
      const sha = (await connection.redis.script('LOAD', 'return 1')) as string;
      expect(simulateRestart(connection.redis)).toBe(true);
      expect([await other.get('k'), await other.script('EXISTS', sha)]).toEqual([null, [0]]);
    } finally {
      await connection.close();
    }
  });

  it('a blocked BLPOP ends with "Connection is closed." when its connection closes', async () => {
    const connection = await connectRedis({});
    const worker = connection.duplicate();
    const popped = worker.blpop('queue', 0);
    worker.disconnect();
    await expect(popped).rejects.toThrow('Connection is closed.');
    await connection.close();
  });
});
