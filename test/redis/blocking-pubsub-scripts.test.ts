/**
 * Redis parity: blocking pops and reads that wake when another connection writes, publish/subscribe,
 * Lua scripts and MULTI — the commands lessons 08–10 build queues, messaging and rate limits on. Runs
 * on the mock and, unchanged, on the server in REDIS_URL. No fixed sleeps: every wait is for an event.
 */
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { expectError, useRedis, waitFor, WRONGTYPE } from './connect.ts';

const r = useRedis('blocking');

/**
 * Starts a blocking command on `worker` and resolves once the server has it blocked (on the mock the
 * command blocks before this returns). Its ID is read first: a blocked connection answers nothing else.
 */
async function whenBlocked<T>(worker: Redis, start: () => Promise<T>): Promise<{ reply: Promise<T> }> {
  const id = r.real ? await worker.client('ID') : 0;
  const reply = start();
  if (r.real) await blocked(id as number);
  return { reply };
}

async function blocked(id: number): Promise<void> {
  await waitFor(async () => {
    const list = (await r.redis.client('LIST', 'ID', String(id))) as unknown as string;
    return /cmd=(blpop|brpop|blmove|brpoplpush|xread|xreadgroup)/.test(list) && /flags=b/.test(list);
  }, 'the worker to block');
}

describe('Blocking list pops', () => {
  it('BLPOP returns [key, element] at once when the list has one', async () => {
    const k = r.key('q');
    await r.redis.rpush(k, 'job-1');
    expect(await r.redis.blpop(k, 1)).toEqual([k, 'job-1']);
  });

  it('BLPOP waits, and wakes when another connection pushes', async () => {
    const k = r.key('q');
    const worker = r.duplicate();
    const popped = await whenBlocked(worker, () => worker.blpop(k, 5));
    await r.redis.rpush(k, 'job-2');
    expect(await popped.reply).toEqual([k, 'job-2']);
    expect(await r.redis.llen(k)).toBe(0);
  });

  it('BLPOP replies null when the timeout (in seconds, a float) passes', async () => {
    expect(await r.redis.blpop(r.key('empty'), 0.05)).toBeNull();
  });

  it('BRPOP takes from the right end of the first non-empty list', async () => {
    await r.redis.rpush(r.key('b'), 'x', 'y');
    expect(await r.redis.brpop(r.key('a'), r.key('b'), 1)).toEqual([r.key('b'), 'y']);
  });

  it('two blocked workers get one job each, the first to block first', async () => {
    const k = r.key('q');
    const w1 = r.duplicate(), w2 = r.duplicate();
    const first = await whenBlocked(w1, () => w1.brpop(k, 5));
    const second = await whenBlocked(w2, () => w2.brpop(k, 5));
    await r.redis.lpush(k, 'a');
    expect(await first.reply).toEqual([k, 'a']);
    await r.redis.lpush(k, 'b');
    expect(await second.reply).toEqual([k, 'b']);
  });

  it('BLMOVE moves the element to a processing list atomically, waking on a push', async () => {
    const src = r.key('jobs'), dst = r.key('processing');
    const worker = r.duplicate();
    const moved = await whenBlocked(worker, () => worker.blmove(src, dst, 'RIGHT', 'LEFT', 5));
    await r.redis.lpush(src, 'job-3');
    expect(await moved.reply).toBe('job-3');
    expect(await r.redis.lrange(dst, 0, -1)).toEqual(['job-3']);
    expect(await r.redis.blmove(src, dst, 'RIGHT', 'LEFT', 0.05)).toBeNull();
  });

  it('BRPOPLPUSH is BLMOVE … RIGHT LEFT', async () => {
    await r.redis.rpush(r.key('src'), 'a', 'b');
    expect(await r.redis.brpoplpush(r.key('src'), r.key('dst'), 1)).toBe('b');
    expect(await r.redis.lrange(r.key('dst'), 0, -1)).toEqual(['b']);
  });

  it('a negative timeout is an error; a string key is WRONGTYPE', async () => {
    await expectError(r.redis.blpop(r.key('q'), -1), 'ERR timeout is negative');
    await r.redis.set(r.key('s'), 'v');
    await expectError(r.redis.blpop(r.key('s'), 1), WRONGTYPE);
  });
});

describe('Blocking stream reads', () => {
  it('XREAD BLOCK … $ wakes with the entry another connection adds', async () => {
    const k = r.key('s');
    await r.redis.xadd(k, '*', 'n', 'old');
    const reader = r.duplicate();
    const read = await whenBlocked(reader, () => reader.xread('BLOCK', 5_000, 'STREAMS', k, '$'));
    const id = await r.redis.xadd(k, '*', 'n', 'new');
    expect(await read.reply).toEqual([[k, [[id, ['n', 'new']]]]]);
  });

  it('XREADGROUP BLOCK … > wakes on a new entry; null after the timeout (ms)', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '$', 'MKSTREAM');
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 30, 'STREAMS', k, '>')).toBeNull();
    const reader = r.duplicate();
    const read = await whenBlocked(reader, () => reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 5_000, 'STREAMS', k, '>'));
    const id = await r.redis.xadd(k, '*', 'n', '1');
    expect(await read.reply).toEqual([[k, [[id, ['n', '1']]]]]);
  });
});

describe('Publish and subscribe', () => {
  it('PUBLISH replies with the number of subscribers that got the message', async () => {
    const channel = r.key('news');
    const sub = r.duplicate();
    const got = new Promise<[string, string]>((resolve) => sub.on('message', (ch: string, msg: string) => resolve([ch, msg])));
    expect(await sub.subscribe(channel)).toBe(1);
    expect(await r.redis.publish(channel, '{"id":1}')).toBe(1);
    expect(await got).toEqual([channel, '{"id":1}']);
    expect(await r.redis.publish(r.key('nobody-listens'), 'lost')).toBe(0);
  });

  it('PSUBSCRIBE delivers messages of every channel matching the pattern', async () => {
    const sub = r.duplicate();
    const got: string[] = [];
    sub.on('pmessage', (pattern: string, ch: string, msg: string) => got.push(`${pattern}|${ch}|${msg}`));
    await sub.psubscribe(r.key('orders:*'));
    await r.redis.publish(r.key('orders:eu'), 'a');
    await r.redis.publish(r.key('users:eu'), 'b');
    await r.redis.publish(r.key('orders:us'), 'c');
    await waitFor(() => got.length >= 2, 'two pattern messages');
    expect(got).toEqual([`${r.key('orders:*')}|${r.key('orders:eu')}|a`, `${r.key('orders:*')}|${r.key('orders:us')}|c`]);
  });

  it('a connection in subscriber mode refuses other commands', async () => {
    const sub = r.duplicate();
    await sub.subscribe(r.key('c'));
    await expect(sub.get(r.key('k'))).rejects.toThrow('Connection in subscriber mode, only subscriber commands may be used');
  });
});

describe('Scripts and transactions', () => {
  it('EVAL runs Lua with KEYS and ARGV', async () => {
    const k = r.key('n');
    const script = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], ARGV[2]); return v";
    expect(await r.redis.eval(script, 1, k, 5, 60)).toBe(5);
    expect(await r.redis.ttl(k)).toBeGreaterThan(58);
  });

  it('SCRIPT LOAD returns the SHA1; SCRIPT EXISTS and EVALSHA see it from another connection', async () => {
    const script = `return ARGV[1] .. '${r.key('x')}'`;
    const sha = (await r.redis.script('LOAD', script)) as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    const other = r.duplicate();
    expect(await other.script('EXISTS', sha, 'f'.repeat(40))).toEqual([1, 0]);
    expect(await other.evalsha(sha, 0, 'hi ')).toBe(`hi ${r.key('x')}`);
  });

  it('EVALSHA of an unknown script is NOSCRIPT', async () => {
    await expectError(r.redis.evalsha('0'.repeat(40), 0), 'NOSCRIPT No matching script. Please use EVAL.');
  });

  it('defineCommand runs a script as a method', async () => {
    const client = r.redis as Redis & { labIncrTtl(key: string, ttl: number): Promise<number> };
    client.defineCommand('labIncrTtl', {
      numberOfKeys: 1,
      lua: "local v = redis.call('INCR', KEYS[1]); if v == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end; return v",
    });
    const k = r.key('rate');
    expect(await client.labIncrTtl(k, 60)).toBe(1);
    expect(await client.labIncrTtl(k, 60)).toBe(2);
    expect(await r.redis.ttl(k)).toBeGreaterThan(58);
  });

  it('MULTI … EXEC replies [error, reply] per command', async () => {
    const k = r.key('n');
    const replies = await r.redis.multi().incr(k).expire(k, 60).get(k).exec();
    expect(replies).toEqual([[null, 1], [null, 1], [null, '1']]);
  });

  it('WATCH makes EXEC reply null when another connection changed the key', async () => {
    const k = r.key('w');
    await r.redis.set(k, '1');
    const other = r.duplicate();
    await r.redis.watch(k);
    await other.set(k, '2');
    expect(await r.redis.multi().set(k, '3').exec()).toBeNull();
    expect(await r.redis.get(k)).toBe('2');
  });

  it('a sliding-window limiter in Lua: ZREMRANGEBYSCORE, ZCARD, ZADD, PEXPIRE', async () => {
    const k = r.key('window');
    const script = `
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
      if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
      redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      return 1`;
    const now = Date.now();
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await r.redis.eval(script, 1, k, now + i, 60_000, 3, `req-${i}`));
    expect(replies).toEqual([1, 1, 1, 0, 0]);
    expect(await r.redis.zcard(k)).toBe(3);
    expect(await r.redis.pttl(k)).toBeGreaterThan(55_000);
  });
});
