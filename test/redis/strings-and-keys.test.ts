/**
 * Redis parity: strings, expiry and keys, as lessons 07–09 use them. Runs on the mock and, unchanged,
 * on the server in REDIS_URL. Replies as documented at https://redis.io/docs/latest/commands/.
 */
import { describe, expect, it } from 'vitest';
import { expectError, useRedis, WRONGTYPE } from './connect.ts';

const r = useRedis('strings');

describe('SET and GET', () => {
  it('SET replies OK, GET returns the value, GET of a missing key is null', async () => {
    const k = r.key('a');
    expect(await r.redis.set(k, 'v1')).toBe('OK');
    expect(await r.redis.get(k)).toBe('v1');
    expect(await r.redis.get(r.key('missing'))).toBeNull();
  });

  it('SET NX writes only a missing key; XX only an existing one; both reply null when they skip', async () => {
    const k = r.key('nx');
    expect(await r.redis.set(k, 'first', 'NX')).toBe('OK');
    expect(await r.redis.set(k, 'second', 'NX')).toBeNull();
    expect(await r.redis.set(r.key('xx'), 'v', 'XX')).toBeNull();
    expect(await r.redis.set(k, 'third', 'XX')).toBe('OK');
    expect(await r.redis.get(k)).toBe('third');
    expect(await r.redis.exists(r.key('xx'))).toBe(0);
  });

  it('SET … EX sets a TTL in seconds and PX in milliseconds', async () => {
    const k = r.key('ex');
    await r.redis.set(k, 'v', 'EX', 100);
    const ttl = await r.redis.ttl(k);
    const pttl = await r.redis.pttl(k);
    expect(ttl).toBeGreaterThan(98);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(pttl).toBeGreaterThan(98_000);
    await r.redis.set(k, 'v', 'PX', 100_000);
    expect(await r.redis.ttl(k)).toBeGreaterThan(98);
  });

  it('a plain SET removes the TTL; SET … KEEPTTL keeps it', async () => {
    const k = r.key('keep');
    await r.redis.set(k, 'v', 'EX', 100);
    await r.redis.set(k, 'w', 'KEEPTTL');
    expect(await r.redis.ttl(k)).toBeGreaterThan(98);
    await r.redis.set(k, 'x');
    expect(await r.redis.ttl(k)).toBe(-1);
  });

  it('SET … GET returns the old value (null when there was none)', async () => {
    const k = r.key('get');
    expect(await r.redis.set(k, 'one', 'GET')).toBeNull();
    expect(await r.redis.set(k, 'two', 'GET')).toBe('one');
    expect(await r.redis.set(k, 'three', 'NX', 'GET')).toBe('two');
    expect(await r.redis.get(k)).toBe('two');
  });

  it('SET … PXAT expires at a Unix time in milliseconds', async () => {
    const k = r.key('pxat');
    await r.redis.set(k, 'v', 'PXAT', Date.now() + 50_000);
    const pttl = await r.redis.pttl(k);
    expect(pttl).toBeGreaterThan(45_000);
    expect(pttl).toBeLessThanOrEqual(50_000);
  });

  it('SET … EX 0 and NX with XX are errors', async () => {
    await expectError(r.redis.set(r.key('e'), 'v', 'EX', 0), "ERR invalid expire time in 'set' command");
    const set = r.redis.set.bind(r.redis) as (...args: unknown[]) => Promise<unknown>;
    await expectError(set(r.key('e'), 'v', 'NX', 'XX'), 'ERR syntax error');
  });
});

describe('TTL, PTTL, EXPIRE, PERSIST, GETEX', () => {
  it('TTL is -2 for a missing key and -1 for a key without expiry', async () => {
    const k = r.key('t');
    expect(await r.redis.ttl(k)).toBe(-2);
    expect(await r.redis.pttl(k)).toBe(-2);
    await r.redis.set(k, 'v');
    expect(await r.redis.ttl(k)).toBe(-1);
    expect(await r.redis.pttl(k)).toBe(-1);
  });

  it('EXPIRE replies 1 on an existing key and 0 on a missing one; PERSIST removes the TTL', async () => {
    const k = r.key('e');
    await r.redis.set(k, 'v');
    expect(await r.redis.expire(k, 60)).toBe(1);
    expect(await r.redis.expire(r.key('nope'), 60)).toBe(0);
    expect(await r.redis.persist(k)).toBe(1);
    expect(await r.redis.ttl(k)).toBe(-1);
  });

  it('GETEX returns the value and sets, or with PERSIST removes, the TTL', async () => {
    const k = r.key('gx');
    await r.redis.set(k, 'v');
    expect(await r.redis.getex(k, 'EX', 30)).toBe('v');
    expect(await r.redis.ttl(k)).toBeGreaterThan(28);
    expect(await r.redis.getex(k, 'PERSIST')).toBe('v');
    expect(await r.redis.ttl(k)).toBe(-1);
    expect(await r.redis.getex(r.key('none'), 'EX', 30)).toBeNull();
  });

  it('a key whose PX expiry has passed is gone', async () => {
    const k = r.key('short');
    await r.redis.set(k, 'v', 'PX', 1);
    const deadline = Date.now() + 2_000;
    while ((await r.redis.exists(k)) === 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await r.redis.get(k)).toBeNull();
  });
});

describe('Counters', () => {
  it('INCR starts a missing key at 0; INCRBY, DECR and DECRBY reply with the new value', async () => {
    const k = r.key('n');
    expect(await r.redis.incr(k)).toBe(1);
    expect(await r.redis.incrby(k, 10)).toBe(11);
    expect(await r.redis.decr(k)).toBe(10);
    expect(await r.redis.decrby(k, 4)).toBe(6);
    expect(await r.redis.get(k)).toBe('6');
  });

  it('INCR keeps the TTL of the key', async () => {
    const k = r.key('n-ttl');
    await r.redis.set(k, '1', 'EX', 100);
    await r.redis.incr(k);
    expect(await r.redis.ttl(k)).toBeGreaterThan(98);
  });

  it('50 concurrent INCRs count 50', async () => {
    const k = r.key('many');
    const replies = await Promise.all(Array.from({ length: 50 }, () => r.redis.incr(k)));
    expect(replies.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await r.redis.get(k)).toBe('50');
  });

  it('INCR of a value that is not an integer is an error', async () => {
    const k = r.key('word');
    await r.redis.set(k, 'ten');
    await expectError(r.redis.incr(k), 'ERR value is not an integer or out of range');
  });
});

describe('Keys', () => {
  it('DEL and EXISTS count keys; TYPE names the type', async () => {
    await r.redis.set(r.key('s'), 'v');
    await r.redis.rpush(r.key('l'), 'a');
    await r.redis.hset(r.key('h'), 'f', 'v');
    await r.redis.sadd(r.key('set'), 'm');
    await r.redis.zadd(r.key('z'), 1, 'm');
    await r.redis.xadd(r.key('x'), '*', 'f', 'v');
    const types = await Promise.all(['s', 'l', 'h', 'set', 'z', 'x', 'none'].map((n) => r.redis.type(r.key(n))));
    expect(types).toEqual(['string', 'list', 'hash', 'set', 'zset', 'stream', 'none']);
    expect(await r.redis.exists(r.key('s'), r.key('l'), r.key('none'))).toBe(2);
    expect(await r.redis.del(r.key('s'), r.key('l'), r.key('none'))).toBe(2);
  });

  it('SCAN with MATCH walks the keys matching a pattern until the cursor is 0', async () => {
    const names = Array.from({ length: 25 }, (_, i) => r.key(`app:user:${i}`));
    await Promise.all(names.map((k) => r.redis.set(k, 'v')));
    await r.redis.set(r.key('app:order:1'), 'v');
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await r.redis.scan(cursor, 'MATCH', r.key('app:user:*'), 'COUNT', 10);
      cursor = next;
      keys.forEach((k) => found.add(k));
    } while (cursor !== '0');
    expect([...found].sort()).toEqual([...names].sort());
  });

  it('KEYS returns every key matching the pattern', async () => {
    await r.redis.set(r.key('kk:1'), 'v');
    await r.redis.set(r.key('kk:2'), 'v');
    expect((await r.redis.keys(r.key('kk:*'))).sort()).toEqual([r.key('kk:1'), r.key('kk:2')]);
  });

  it('COPY copies a value and its TTL, and does not overwrite without REPLACE', async () => {
    const a = r.key('a'), b = r.key('b');
    await r.redis.set(a, 'v', 'EX', 100);
    expect(await r.redis.copy(a, b)).toBe(1);
    expect(await r.redis.get(b)).toBe('v');
    expect(await r.redis.ttl(b)).toBeGreaterThan(98);
    await r.redis.set(a, 'w');
    expect(await r.redis.copy(a, b)).toBe(0);
    expect(await r.redis.copy(a, b, 'REPLACE')).toBe(1);
    expect(await r.redis.get(b)).toBe('w');
  });
});

describe('WRONGTYPE', () => {
  it('a command for another type fails with WRONGTYPE and leaves the key as it was', async () => {
    const k = r.key('s');
    await r.redis.set(k, 'text');
    await expectError(r.redis.lpush(k, 'x'), WRONGTYPE);
    await expectError(r.redis.hset(k, 'f', 'v'), WRONGTYPE);
    await expectError(r.redis.sadd(k, 'm'), WRONGTYPE);
    await expectError(r.redis.zadd(k, 1, 'm'), WRONGTYPE);
    await expectError(r.redis.xadd(k, '*', 'f', 'v'), WRONGTYPE);
    await expectError(r.redis.lrange(k, 0, -1), WRONGTYPE);
    expect(await r.redis.get(k)).toBe('text');
  });

  it('GET and INCR on a list fail with WRONGTYPE', async () => {
    const k = r.key('l');
    await r.redis.rpush(k, 'a');
    await expectError(r.redis.get(k), WRONGTYPE);
    await expectError(r.redis.incr(k), WRONGTYPE);
    await expectError(r.redis.hgetall(k), WRONGTYPE);
  });
});
