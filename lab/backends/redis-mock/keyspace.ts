/**
 * Types of values in the mock's keyspace, the WRONGTYPE check Redis makes before every command,
 * and the few key commands the lessons use that ioredis-mock lacks or gets wrong (TYPE for streams,
 * COPY, SET … KEEPTTL, SINTERCARD, ZRANDMEMBER, LMPOP, TOUCH).
 */
import type { MockInternals } from './internals.ts';
import { NOT_INTEGER, replyError, SYNTAX, toInt, upper, WRONGTYPE, wrongArgs } from './internals.ts';
import { isStream, cloneStream } from './stream-store.ts';

export type RedisType = 'none' | 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** The type of the value at `key`, from how ioredis-mock stores each type (Map is a sorted set). */
export function typeOf(mock: MockInternals, key: string): RedisType {
  if (!mock.data.has(key)) return 'none';
  const value = mock.data.get(key);
  if (isStream(value)) return 'stream';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Set) return 'set';
  if (value instanceof Map) return 'zset';
  if (typeof value === 'string' || typeof value === 'number' || Buffer.isBuffer(value)) return 'string';
  return 'hash';
}

export function expectType(mock: MockInternals, key: string, type: RedisType): void {
  const actual = typeOf(mock, key);
  if (actual !== 'none' && actual !== type) throw replyError(WRONGTYPE);
}

/** Which arguments are keys, for each command ioredis-mock would otherwise answer with its own error text. */
const KEY_TYPES: Record<string, { type: RedisType; keys: 'first' | 'first-two' | 'all' }> = {};
const byType: Record<Exclude<RedisType, 'none' | 'stream'>, string[]> = {
  string: ['get', 'getex', 'getdel', 'getset', 'incr', 'incrby', 'incrbyfloat', 'decr', 'decrby', 'append', 'strlen',
    'getrange', 'setrange'],
  list: ['lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'lrange', 'llen', 'lindex', 'lrem', 'ltrim', 'lset',
    'linsert', 'lpos'],
  hash: ['hset', 'hsetnx', 'hmset', 'hget', 'hmget', 'hgetall', 'hdel', 'hlen', 'hkeys', 'hvals', 'hexists',
    'hincrby', 'hincrbyfloat', 'hstrlen', 'hrandfield', 'hscan'],
  set: ['sadd', 'srem', 'smembers', 'sismember', 'smismember', 'scard', 'spop', 'srandmember', 'sscan'],
  zset: ['zadd', 'zincrby', 'zscore', 'zmscore', 'zrange', 'zrevrange', 'zrangebyscore', 'zrevrangebyscore', 'zrank',
    'zrevrank', 'zcard', 'zcount', 'zrem', 'zpopmin', 'zpopmax', 'zremrangebyrank', 'zremrangebyscore', 'zscan'],
};
for (const [type, names] of Object.entries(byType)) {
  for (const name of names) KEY_TYPES[name] = { type: type as RedisType, keys: 'first' };
}
KEY_TYPES['lmove'] = { type: 'list', keys: 'first-two' };
KEY_TYPES['rpoplpush'] = { type: 'list', keys: 'first-two' };
KEY_TYPES['sinter'] = { type: 'set', keys: 'all' };
KEY_TYPES['sunion'] = { type: 'set', keys: 'all' };
KEY_TYPES['sdiff'] = { type: 'set', keys: 'all' };

/** Throws Redis's WRONGTYPE error when a command meets a key of another type (ioredis-mock's texts differ). */
export function checkKeyTypes(mock: MockInternals, command: string, args: readonly unknown[]): void {
  const rule = KEY_TYPES[command];
  if (!rule) return;
  const keys = rule.keys === 'first' ? args.slice(0, 1) : rule.keys === 'first-two' ? args.slice(0, 2) : args;
  for (const key of keys) if (typeof key === 'string') expectType(mock, key, rule.type);
  if (command === 'zadd') checkScores(args.slice(1).map(String));
}

const ZADD_FLAGS = new Set(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']);

/** ZADD's scores must be floats (ioredis-mock stores NaN): Redis's own error text. */
function checkScores(args: string[]): void {
  let i = 0;
  while (i < args.length && ZADD_FLAGS.has(upper(args[i]))) i++;
  for (; i < args.length; i += 2) {
    const score = args[i]!.toLowerCase();
    if (!['inf', '+inf', '-inf'].includes(score) && (score.trim() === '' || Number.isNaN(Number(score)))) {
      throw replyError('ERR value is not a valid float');
    }
  }
}

export const guardedCommands = Object.keys(KEY_TYPES);

function clone(value: unknown): unknown {
  if (isStream(value)) return cloneStream(value);
  if (Array.isArray(value)) return [...value];
  if (value instanceof Set) return new Set(value);
  if (value instanceof Map) return new Map(value);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) return { ...value };
  return value;
}

export const keyCommands = {
  type(this: MockInternals, key: string): string {
    return typeOf(this, key);
  },

  /** SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT n|KEEPTTL]: ioredis-mock ignores KEEPTTL and accepts EX 0. */
  set(this: MockInternals, key: string, value: string, ...options: string[]): unknown {
    let nx = false, xx = false, get = false, keepTtl = false;
    let expireAt: number | undefined;
    for (let i = 0; i < options.length; i++) {
      const option = upper(options[i]);
      if (option === 'NX' && !xx) nx = true;
      else if (option === 'XX' && !nx) xx = true;
      else if (option === 'GET') get = true;
      else if (option === 'KEEPTTL' && expireAt === undefined) keepTtl = true;
      else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(option) && expireAt === undefined && !keepTtl && i + 1 < options.length) {
        const n = toInt(options[++i]);
        if (n <= 0) throw replyError("ERR invalid expire time in 'set' command");
        const now = Date.now();
        expireAt = option === 'EX' ? now + n * 1000 : option === 'PX' ? now + n : option === 'EXAT' ? n * 1000 : n;
      } else throw replyError(SYNTAX);
    }
    const exists = this.data.has(key);
    if (get) expectType(this, key, 'string');
    const old = get && exists ? (this.data.get(key) as string) : null;
    if ((nx && exists) || (xx && !exists)) return get ? old : null;
    const keptExpiry = keepTtl ? this.expires.get(key) : undefined;
    this.data.set(key, value);
    if (expireAt !== undefined) this.expires.set(key, expireAt);
    else if (keptExpiry !== undefined) this.expires.set(key, keptExpiry);
    else this.expires.delete(key);
    return get ? old : 'OK';
  },

  /** COPY source destination [REPLACE] (no DB: one keyspace per connection here). */
  copy(this: MockInternals, source: string, destination: string, ...options: string[]): number {
    let replace = false;
    for (const option of options) {
      if (upper(option) === 'REPLACE') replace = true;
      else throw replyError(SYNTAX);
    }
    if (!this.data.has(source)) return 0;
    if (this.data.has(destination) && !replace) return 0;
    this.data.set(destination, clone(this.data.get(source)));
    const at = this.expires.get(source);
    if (at !== undefined) this.expires.set(destination, at);
    else this.expires.delete(destination);
    return 1;
  },

  incr(this: MockInternals, key: string): number {
    return addTo(this, key, '1', 1);
  },
  incrby(this: MockInternals, key: string, by: string): number {
    return addTo(this, key, by, 1);
  },
  decr(this: MockInternals, key: string): number {
    return addTo(this, key, '1', -1);
  },
  decrby(this: MockInternals, key: string, by: string): number {
    return addTo(this, key, by, -1);
  },

  touch(this: MockInternals, ...keys: string[]): number {
    return keys.filter((key) => this.data.has(key)).length;
  },

  /** SINTERCARD numkeys key … [LIMIT n] */
  sintercard(this: MockInternals, numkeys: string, ...rest: string[]): number {
    const n = toInt(numkeys, 'ERR numkeys should be greater than 0');
    if (n <= 0) throw replyError('ERR numkeys should be greater than 0');
    if (rest.length < n) throw replyError("ERR Number of keys can't be greater than number of args");
    const keys = rest.slice(0, n);
    let limit = 0;
    const options = rest.slice(n);
    if (options.length > 0) {
      if (options.length !== 2 || upper(options[0]) !== 'LIMIT') throw replyError(SYNTAX);
      limit = toInt(options[1], "ERR LIMIT can't be negative");
      if (limit < 0) throw replyError("ERR LIMIT can't be negative");
    }
    const sets = keys.map((key) => {
      expectType(this, key, 'set');
      return (this.data.get(key) as Set<string> | undefined) ?? new Set<string>();
    });
    let count = 0;
    for (const member of sets[0] ?? []) {
      if (sets.every((set) => set.has(member))) count++;
      if (limit > 0 && count >= limit) break;
    }
    return count;
  },

  /** ZRANDMEMBER key [count [WITHSCORES]] */
  zrandmember(this: MockInternals, key: string, count?: string, withScores?: string): unknown {
    expectType(this, key, 'zset');
    if (withScores !== undefined && upper(withScores) !== 'WITHSCORES') throw replyError(SYNTAX);
    const zset = (this.data.get(key) as Map<string, { score: number; value: string }> | undefined) ?? new Map();
    const members = [...zset.keys()];
    if (count === undefined) return members.length === 0 ? null : members[Math.floor(Math.random() * members.length)];
    const n = toInt(count);
    let picked: string[];
    if (n >= 0) {
      picked = [...members].sort(() => Math.random() - 0.5).slice(0, n);
    } else {
      picked = members.length === 0 ? [] : Array.from({ length: -n }, () => members[Math.floor(Math.random() * members.length)]!);
    }
    if (!withScores) return picked;
    return picked.flatMap((member) => [member, String(zset.get(member)?.score)]);
  },

  /** LMPOP numkeys key … LEFT|RIGHT [COUNT n] */
  lmpop(this: MockInternals, numkeys: string, ...rest: string[]): unknown {
    const { keys, left, count } = parseMpop(numkeys, rest);
    return popFromFirst(this, keys, left, count);
  },
};

/** INCR and friends: Redis refuses a value or an increment that is not a 64-bit integer (ioredis-mock stores NaN). */
function addTo(mock: MockInternals, key: string, by: string, sign: 1 | -1): number {
  expectType(mock, key, 'string');
  const current = mock.data.has(key) ? String(mock.data.get(key)) : '0';
  if (!/^-?\d+$/.test(current) || !/^-?\d+$/.test(by)) throw replyError(NOT_INTEGER);
  const next = BigInt(current) + BigInt(sign) * BigInt(by);
  if (next > 9223372036854775807n || next < -9223372036854775808n) throw replyError('ERR increment or decrement would overflow');
  mock.data.set(key, next.toString());
  return Number(next);
}

export function parseMpop(numkeys: string, rest: string[]): { keys: string[]; left: boolean; count: number } {
  const n = toInt(numkeys, 'ERR numkeys should be greater than 0');
  if (n <= 0) throw replyError('ERR numkeys should be greater than 0');
  if (rest.length < n + 1) throw wrongArgs('lmpop');
  const keys = rest.slice(0, n);
  const where = upper(rest[n]);
  if (where !== 'LEFT' && where !== 'RIGHT') throw replyError(SYNTAX);
  let count = 1;
  const options = rest.slice(n + 1);
  if (options.length > 0) {
    if (options.length !== 2 || upper(options[0]) !== 'COUNT') throw replyError(SYNTAX);
    count = toInt(options[1], 'ERR count should be greater than 0');
    if (count <= 0) throw replyError('ERR count should be greater than 0');
  }
  return { keys, left: where === 'LEFT', count };
}

/** Pops up to `count` elements from the first non-empty list: `[key, elements]`, or null. */
export function popFromFirst(mock: MockInternals, keys: string[], left: boolean, count: number): [string, string[]] | null {
  for (const key of keys) expectType(mock, key, 'list');
  for (const key of keys) {
    const list = (mock.data.get(key) as string[] | undefined) ?? [];
    if (list.length === 0) continue;
    const taken = left ? list.splice(0, count) : list.splice(-count).reverse();
    if (list.length === 0) mock.data.delete(key);
    else mock.data.set(key, list);
    return [key, taken];
  }
  return null;
}
