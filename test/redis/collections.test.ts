/**
 * Redis parity: hashes, lists, sets and sorted sets, as lessons 07–10 use them. Runs on the mock and,
 * unchanged, on the server in REDIS_URL.
 */
import { describe, expect, it } from 'vitest';
import { expectError, useRedis } from './connect.ts';

const r = useRedis('collections');

describe('Hashes', () => {
  it('HSET replies with the number of new fields; HGET, HGETALL and HMGET read them as strings', async () => {
    const k = r.key('user:1');
    expect(await r.redis.hset(k, { name: 'Ada', age: 36 })).toBe(2);
    expect(await r.redis.hset(k, { age: 37, city: 'London' })).toBe(1);
    expect(await r.redis.hget(k, 'age')).toBe('37');
    expect(await r.redis.hgetall(k)).toEqual({ name: 'Ada', age: '37', city: 'London' });
    expect(await r.redis.hmget(k, 'name', 'nope')).toEqual(['Ada', null]);
    expect(await r.redis.hgetall(r.key('none'))).toEqual({});
  });

  it('HINCRBY adds to a field; HDEL, HEXISTS and HLEN', async () => {
    const k = r.key('stats');
    expect(await r.redis.hincrby(k, 'views', 5)).toBe(5);
    expect(await r.redis.hincrby(k, 'views', -2)).toBe(3);
    expect(await r.redis.hexists(k, 'views')).toBe(1);
    expect(await r.redis.hlen(k)).toBe(1);
    expect(await r.redis.hdel(k, 'views', 'nope')).toBe(1);
    expect(await r.redis.exists(k)).toBe(0);
  });
});

describe('Lists', () => {
  it('LPUSH and RPUSH reply with the length; LRANGE reads a range, -1 being the last', async () => {
    const k = r.key('l');
    expect(await r.redis.rpush(k, 'b', 'c')).toBe(2);
    expect(await r.redis.lpush(k, 'a', 'z')).toBe(4);
    expect(await r.redis.lrange(k, 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await r.redis.lrange(k, 1, 2)).toEqual(['a', 'b']);
    expect(await r.redis.llen(k)).toBe(4);
  });

  it('LPOP and RPOP take from either end, with COUNT several; an emptied list is deleted', async () => {
    const k = r.key('l');
    await r.redis.rpush(k, '1', '2', '3', '4');
    expect(await r.redis.lpop(k)).toBe('1');
    expect(await r.redis.rpop(k, 2)).toEqual(['4', '3']);
    expect(await r.redis.lpop(k)).toBe('2');
    expect(await r.redis.lpop(k)).toBeNull();
    expect(await r.redis.exists(k)).toBe(0);
  });

  it('LTRIM keeps a range; LREM removes occurrences', async () => {
    const k = r.key('l');
    await r.redis.rpush(k, 'a', 'b', 'a', 'c', 'a');
    expect(await r.redis.lrem(k, 0, 'a')).toBe(3);
    expect(await r.redis.lrange(k, 0, -1)).toEqual(['b', 'c']);
    await r.redis.rpush(k, 'd', 'e');
    expect(await r.redis.ltrim(k, 0, 2)).toBe('OK');
    expect(await r.redis.lrange(k, 0, -1)).toEqual(['b', 'c', 'd']);
  });

  it('LMOVE moves one element between lists and replies with it', async () => {
    const src = r.key('src'), dst = r.key('dst');
    await r.redis.rpush(src, 'a', 'b');
    expect(await r.redis.lmove(src, dst, 'LEFT', 'RIGHT')).toBe('a');
    expect(await r.redis.lmove(src, dst, 'RIGHT', 'LEFT')).toBe('b');
    expect(await r.redis.lrange(dst, 0, -1)).toEqual(['b', 'a']);
    expect(await r.redis.lmove(src, dst, 'LEFT', 'RIGHT')).toBeNull();
  });

  it('LMPOP pops from the first non-empty list', async () => {
    await r.redis.rpush(r.key('b'), '1', '2', '3');
    expect(await r.redis.lmpop(2, r.key('a'), r.key('b'), 'LEFT', 'COUNT', 2)).toEqual([r.key('b'), ['1', '2']]);
    expect(await r.redis.lmpop(1, r.key('a'), 'RIGHT')).toBeNull();
  });
});

describe('Sets', () => {
  it('SADD replies with the number added; SMEMBERS, SISMEMBER, SCARD, SREM', async () => {
    const k = r.key('s');
    expect(await r.redis.sadd(k, 'a', 'b', 'a')).toBe(2);
    expect((await r.redis.smembers(k)).sort()).toEqual(['a', 'b']);
    expect(await r.redis.sismember(k, 'a')).toBe(1);
    expect(await r.redis.sismember(k, 'z')).toBe(0);
    expect(await r.redis.scard(k)).toBe(2);
    expect(await r.redis.srem(k, 'a', 'z')).toBe(1);
  });

  it('SINTER, SUNION and SINTERCARD combine sets', async () => {
    await r.redis.sadd(r.key('x'), 'a', 'b', 'c');
    await r.redis.sadd(r.key('y'), 'b', 'c', 'd');
    expect((await r.redis.sinter(r.key('x'), r.key('y'))).sort()).toEqual(['b', 'c']);
    expect((await r.redis.sunion(r.key('x'), r.key('y'))).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(await r.redis.sintercard(2, r.key('x'), r.key('y'))).toBe(2);
    expect(await r.redis.sintercard(2, r.key('x'), r.key('y'), 'LIMIT', 1)).toBe(1);
  });
});

describe('Sorted sets', () => {
  const seed = async (): Promise<string> => {
    const k = r.key('board');
    await r.redis.zadd(k, 30, 'carol', 10, 'alice', 20, 'bob', 20, 'bea');
    return k;
  };

  it('ZRANGE orders by score, then by member for equal scores; WITHSCORES adds the scores', async () => {
    const k = await seed();
    expect(await r.redis.zrange(k, 0, -1)).toEqual(['alice', 'bea', 'bob', 'carol']);
    expect(await r.redis.zrange(k, 0, 1, 'WITHSCORES')).toEqual(['alice', '10', 'bea', '20']);
  });

  it('ZRANGE … REV, BYSCORE and LIMIT', async () => {
    const k = await seed();
    expect(await r.redis.zrange(k, 0, 1, 'REV', 'WITHSCORES')).toEqual(['carol', '30', 'bob', '20']);
    expect(await r.redis.zrange(k, 15, 25, 'BYSCORE')).toEqual(['bea', 'bob']);
    expect(await r.redis.zrange(k, '+inf', '(20', 'BYSCORE', 'REV')).toEqual(['carol']);
    expect(await r.redis.zrange(k, '-inf', '+inf', 'BYSCORE', 'LIMIT', 1, 2)).toEqual(['bea', 'bob']);
    expect(await r.redis.zrevrange(k, 0, 0)).toEqual(['carol']);
  });

  it('ZINCRBY returns the new score as a string; ZSCORE, ZRANK, ZREVRANK, ZCARD', async () => {
    const k = await seed();
    expect(await r.redis.zincrby(k, 15, 'alice')).toBe('25');
    expect(await r.redis.zscore(k, 'alice')).toBe('25');
    expect(await r.redis.zscore(k, 'nobody')).toBeNull();
    expect(await r.redis.zrank(k, 'alice')).toBe(2);
    expect(await r.redis.zrevrank(k, 'carol')).toBe(0);
    expect(await r.redis.zrank(k, 'nobody')).toBeNull();
    expect(await r.redis.zcard(k)).toBe(4);
  });

  it('ZREMRANGEBYSCORE and ZCOUNT work on score ranges', async () => {
    const k = await seed();
    expect(await r.redis.zcount(k, 20, '+inf')).toBe(3);
    expect(await r.redis.zremrangebyscore(k, '-inf', '(20')).toBe(1);
    expect(await r.redis.zrange(k, 0, -1)).toEqual(['bea', 'bob', 'carol']);
  });

  it('ZRANDMEMBER picks members that are in the set', async () => {
    const k = await seed();
    const one = await r.redis.zrandmember(k);
    expect(['alice', 'bea', 'bob', 'carol']).toContain(one);
    const two = (await r.redis.zrandmember(k, 2)) as string[];
    expect(new Set(two).size).toBe(2);
    expect(await r.redis.zrandmember(r.key('none'))).toBeNull();
  });

  it('ZADD with a score that is not a number is an error', async () => {
    await expectError(r.redis.zadd(r.key('z'), 'abc', 'm'), 'ERR value is not a valid float');
  });
});
