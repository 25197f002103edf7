/**
 * Redis parity: streams and consumer groups, as lesson 10 uses them. Runs on the mock and, unchanged,
 * on the server in REDIS_URL. Reply shapes from https://redis.io/docs/latest/commands/?group=stream.
 */
import { describe, expect, it } from 'vitest';
import { expectError, useRedis, waitFor, WRONGTYPE } from './connect.ts';

const r = useRedis('streams');

type Entry = [string, string[]];
const ID = /^\d+-\d+$/;

async function addMany(key: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push((await r.redis.xadd(key, '*', 'n', String(i)))!);
  return ids;
}

describe('XADD, XLEN, XRANGE, XREVRANGE, XDEL', () => {
  it('XADD * returns increasing <ms>-<seq> IDs; XRANGE returns [id, [field, value, …]] entries', async () => {
    const k = r.key('s');
    const a = await r.redis.xadd(k, '*', 'user', 'ada', 'action', 'login');
    const b = await r.redis.xadd(k, '*', 'user', 'bob', 'action', 'logout');
    expect(a).toMatch(ID);
    expect(b! > a! || b!.split('-')[0]! > a!.split('-')[0]!).toBe(true);
    expect(await r.redis.xlen(k)).toBe(2);
    const expected: Entry[] = [[a!, ['user', 'ada', 'action', 'login']], [b!, ['user', 'bob', 'action', 'logout']]];
    expect(await r.redis.xrange(k, '-', '+')).toEqual(expected);
    expect(await r.redis.xrevrange(k, '+', '-', 'COUNT', 1)).toEqual([expected[1]]);
    expect(await r.redis.xrange(k, `(${a}`, '+')).toEqual([expected[1]]);
  });

  it('XADD with an explicit ID must go up, and must be greater than 0-0', async () => {
    const k = r.key('s');
    expect(await r.redis.xadd(k, '5-1', 'f', 'v')).toBe('5-1');
    expect(await r.redis.xadd(k, '5-*', 'f', 'v')).toBe('5-2');
    await expectError(r.redis.xadd(k, '5-1', 'f', 'v'), 'ERR The ID specified in XADD is equal or smaller than the target stream top item');
    await expectError(r.redis.xadd(r.key('t'), '0-0', 'f', 'v'), 'ERR The ID specified in XADD must be greater than 0-0');
  });

  it('XADD … NOMKSTREAM does not create a stream; XDEL deletes entries', async () => {
    const k = r.key('s');
    expect(await r.redis.xadd(k, 'NOMKSTREAM', '*', 'f', 'v')).toBeNull();
    expect(await r.redis.exists(k)).toBe(0);
    const [first] = await addMany(k, 3);
    expect(await r.redis.xdel(k, first!, '999-0')).toBe(1);
    expect(await r.redis.xlen(k)).toBe(2);
  });

  it('XADD … MAXLEN = n keeps exactly the newest n; XTRIM MAXLEN trims and replies with the number removed', async () => {
    const k = r.key('s');
    const ids = await addMany(k, 8);
    await r.redis.xadd(k, 'MAXLEN', '=', 5, '*', 'n', '9');
    expect(await r.redis.xlen(k)).toBe(5);
    expect((await r.redis.xrange(k, '-', '+'))[0]![0]).toBe(ids[4]);
    expect(await r.redis.xtrim(k, 'MAXLEN', 2)).toBe(3);
    expect(await r.redis.xlen(k)).toBe(2);
    expect(await r.redis.xtrim(k, 'MAXLEN', 10)).toBe(0);
  });

  it('MAXLEN ~ n keeps at least n entries (Redis trims whole nodes only)', async () => {
    const k = r.key('s');
    await addMany(k, 30);
    await r.redis.xadd(k, 'MAXLEN', '~', 10, '*', 'n', 'last');
    expect(await r.redis.xlen(k)).toBeGreaterThanOrEqual(10);
  });

  it('XTRIM MINID removes the entries with a smaller ID', async () => {
    const k = r.key('s');
    const ids = await addMany(k, 4);
    expect(await r.redis.xtrim(k, 'MINID', ids[2]!)).toBe(2);
    expect((await r.redis.xrange(k, '-', '+')).map(([id]) => id)).toEqual(ids.slice(2));
  });

  it('XREAD returns entries after an ID, per stream, or null when there are none', async () => {
    const k = r.key('s');
    const ids = await addMany(k, 3);
    const expected = [[k, [[ids[1], ['n', '2']], [ids[2], ['n', '3']]]]];
    expect(await r.redis.xread('STREAMS', k, ids[0]!)).toEqual(expected);
    expect(await r.redis.xread('COUNT', 1, 'STREAMS', k, '0')).toEqual([[k, [[ids[0], ['n', '1']]]]]);
    expect(await r.redis.xread('STREAMS', k, ids[2]!)).toBeNull();
  });
});

describe('Consumer groups', () => {
  it('XGROUP CREATE replies OK; a second CREATE is BUSYGROUP; a missing stream needs MKSTREAM', async () => {
    const k = r.key('s');
    await expectError(r.redis.xgroup('CREATE', k, 'g', '$'),
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
    expect(await r.redis.xgroup('CREATE', k, 'g', '$', 'MKSTREAM')).toBe('OK');
    expect(await r.redis.type(k)).toBe('stream');
    await expectError(r.redis.xgroup('CREATE', k, 'g', '$'), 'BUSYGROUP Consumer Group name already exists');
    expect(await r.redis.xgroup('CREATECONSUMER', k, 'g', 'c1')).toBe(1);
    expect(await r.redis.xgroup('CREATECONSUMER', k, 'g', 'c1')).toBe(0);
    expect(await r.redis.xgroup('DESTROY', k, 'g')).toBe(1);
    expect(await r.redis.xgroup('DESTROY', k, 'g')).toBe(0);
  });

  it('XREADGROUP with an unknown group is NOGROUP', async () => {
    const k = r.key('s');
    await r.redis.xadd(k, '*', 'f', 'v');
    await expectError(r.redis.xreadgroup('GROUP', 'nope', 'c', 'STREAMS', k, '>'),
      `NOGROUP No such key '${k}' or consumer group 'nope' in XREADGROUP with GROUP option`);
    await expectError(r.redis.xpending(k, 'nope'), `NOGROUP No such key '${k}' or consumer group 'nope'`);
  });

  it('XREADGROUP > delivers each entry to one consumer of the group, then null when none are new', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const ids = await addMany(k, 3);
    const first = await r.redis.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 2, 'STREAMS', k, '>');
    const second = await r.redis.xreadgroup('GROUP', 'g', 'c2', 'COUNT', 2, 'STREAMS', k, '>');
    expect(first).toEqual([[k, [[ids[0], ['n', '1']], [ids[1], ['n', '2']]]]]);
    expect(second).toEqual([[k, [[ids[2], ['n', '3']]]]]);
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', k, '>')).toBeNull();
  });

  it('a group created at $ sees only entries added after it', async () => {
    const k = r.key('s');
    await addMany(k, 2);
    await r.redis.xgroup('CREATE', k, 'g', '$');
    const [id] = await addMany(k, 1);
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', k, '>')).toEqual([[k, [[id, ['n', '1']]]]]);
  });

  it('XREADGROUP 0 re-reads this consumer\'s pending entries, not new ones; XACK removes them', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const ids = await addMany(k, 2);
    await r.redis.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 1, 'STREAMS', k, '>');
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', k, '0')).toEqual([[k, [[ids[0], ['n', '1']]]]]);
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c2', 'STREAMS', k, '0')).toEqual([[k, []]]);
    expect(await r.redis.xack(k, 'g', ids[0]!, ids[1]!)).toBe(1);
    expect(await r.redis.xack(k, 'g', ids[0]!)).toBe(0);
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', k, '0')).toEqual([[k, []]]);
  });

  it('re-reading pending entries with XREADGROUP 0 counts as another delivery', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const [id] = await addMany(k, 1);
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', k, '>');
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', k, '0');
    const rows = (await r.redis.xpending(k, 'g', '-', '+', 10)) as unknown[][];
    expect(rows.map((row) => [row[0], row[1], row[3]])).toEqual([[id, 'c', 2]]);
  });

  it('XPENDING summary: count, smallest and greatest ID, and pending per consumer', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    expect(await r.redis.xpending(k, 'g')).toEqual([0, null, null, null]);
    const ids = await addMany(k, 3);
    await r.redis.xreadgroup('GROUP', 'g', 'bob', 'COUNT', 1, 'STREAMS', k, '>');
    await r.redis.xreadgroup('GROUP', 'g', 'ann', 'STREAMS', k, '>');
    expect(await r.redis.xpending(k, 'g')).toEqual([3, ids[0], ids[2], [['ann', '2'], ['bob', '1']]]);
  });

  it('XPENDING extended: [id, consumer, idle ms, deliveries] per entry, filtered by consumer', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const ids = await addMany(k, 2);
    await r.redis.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 1, 'STREAMS', k, '>');
    await r.redis.xreadgroup('GROUP', 'g', 'c2', 'STREAMS', k, '>');
    const rows = (await r.redis.xpending(k, 'g', '-', '+', 10)) as [string, string, number, number][];
    expect(rows.map(([id, consumer, , n]) => [id, consumer, n])).toEqual([[ids[0], 'c1', 1], [ids[1], 'c2', 1]]);
    expect(typeof rows[0]![2]).toBe('number');
    const c2 = (await r.redis.xpending(k, 'g', '-', '+', 10, 'c2')) as unknown[][];
    expect(c2.map((row) => row[0])).toEqual([ids[1]]);
  });

  it('XCLAIM moves idle pending entries to another consumer and counts the delivery', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const [id] = await addMany(k, 1);
    await r.redis.xreadgroup('GROUP', 'g', 'crashed', 'STREAMS', k, '>');
    expect(await r.redis.xclaim(k, 'g', 'helper', 3_600_000, id!)).toEqual([]);
    expect(await r.redis.xclaim(k, 'g', 'helper', 0, id!)).toEqual([[id, ['n', '1']]]);
    const rows = (await r.redis.xpending(k, 'g', '-', '+', 10)) as unknown[][];
    expect(rows.map((row) => [row[0], row[1], row[3]])).toEqual([[id, 'helper', 2]]);
    expect(await r.redis.xclaim(k, 'g', 'other', 0, id!, 'JUSTID')).toEqual([id]);
  });

  it('XAUTOCLAIM claims pending entries idle at least min-idle-time: [next start, entries, deleted IDs]', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const ids = await addMany(k, 3);
    await r.redis.xreadgroup('GROUP', 'g', 'crashed', 'STREAMS', k, '>');
    expect(await r.redis.xautoclaim(k, 'g', 'helper', 3_600_000, '0-0')).toEqual(['0-0', [], []]);
    await waitFor(async () => {
      const rows = (await r.redis.xpending(k, 'g', 'IDLE', 20, '-', '+', 10)) as unknown[];
      return rows.length === 3;
    }, 'the entries to be idle 20 ms');
    const first = await r.redis.xautoclaim(k, 'g', 'helper', 20, '0-0', 'COUNT', 2);
    expect(first).toEqual([ids[2], [[ids[0], ['n', '1']], [ids[1], ['n', '2']]], []]);
    await r.redis.xdel(k, ids[2]!);
    const rest = await r.redis.xautoclaim(k, 'g', 'helper', 0, ids[2]!);
    expect(rest).toEqual(['0-0', [], [ids[2]]]);
    expect(await r.redis.xpending(k, 'g')).toEqual([2, ids[0], ids[1], [['helper', '2']]]);
  });

  it('XREADGROUP 0 shows an acknowledged-never, deleted entry as [id, null]', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const [id] = await addMany(k, 1);
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', k, '>');
    await r.redis.xdel(k, id!);
    expect(await r.redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', k, '0')).toEqual([[k, [[id, null]]]]);
  });

  it('XINFO GROUPS and XINFO STREAM report names, counts and IDs', async () => {
    const k = r.key('s');
    await r.redis.xgroup('CREATE', k, 'g', '0', 'MKSTREAM');
    const ids = await addMany(k, 2);
    await r.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 1, 'STREAMS', k, '>');
    const [group] = (await r.redis.xinfo('GROUPS', k)) as unknown[][];
    const g = Object.fromEntries(pairs(group!));
    expect({ name: g['name'], consumers: g['consumers'], pending: g['pending'], last: g['last-delivered-id'] })
      .toEqual({ name: 'g', consumers: 1, pending: 1, last: ids[0] });
    const s = Object.fromEntries(pairs((await r.redis.xinfo('STREAM', k)) as unknown[]));
    expect({ length: s['length'], groups: s['groups'], last: s['last-generated-id'], first: s['first-entry'] })
      .toEqual({ length: 2, groups: 1, last: ids[1], first: [ids[0], ['n', '1']] });
    await expectError(r.redis.xinfo('STREAM', r.key('none')), 'ERR no such key');
  });

  it('stream commands on a string fail with WRONGTYPE', async () => {
    const k = r.key('str');
    await r.redis.set(k, 'v');
    await expectError(r.redis.xlen(k), WRONGTYPE);
    await expectError(r.redis.xrange(k, '-', '+'), WRONGTYPE);
  });
});

function pairs(flat: unknown[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}
