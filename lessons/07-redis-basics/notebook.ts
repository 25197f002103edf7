/**
 * Lesson 07 — Redis basics, the walkthrough. `npm run lesson 7` runs it cell by cell, then checks
 * exercise.ts. Safe to run again: each cell deletes the keys it is about to write.
 */
import { backends, cell, note, show } from '#lab/notebook/index.ts';
import { simulateRestart } from '#lab/backends/redis-mock/index.ts';

cell('Keys and values, in memory', `
  Redis keeps every value under a key, in RAM, in one flat keyspace: no
  tables, no collections, no schema. The simplest value is a string. Keys in
  this lesson are named \`shop:<entity>:<id>\` so that one application's keys
  never collide with another's.
`);
const { redis } = await backends();
// #region strings
await redis.del('shop:greeting');
show(await redis.set('shop:greeting', 'hello'), 'SET shop:greeting hello');
show(await redis.get('shop:greeting'), 'GET shop:greeting');
show(await redis.get('shop:nothing-here'), 'GET of a missing key');
// #endregion strings

cell('Strings that expire: SET … EX, TTL and PTTL', `
  A cache entry or a session should disappear on its own. \`SET … EX n\`
  stores the value and a time to live of n seconds in one command; \`PX n\`
  counts milliseconds. \`TTL\` reads what is left in seconds, \`PTTL\` in
  milliseconds: -1 means "no expiry", -2 means "no such key".
`);
// #region ttl
await redis.del('shop:feed:user:123', 'shop:oops', 'shop:forever');
// The article's one-hour feed:
await redis.set('shop:feed:user:123', '[post1, post2]', 'EX', 3600);
// Meant an hour, but PX counts milliseconds: gone in 3.6 seconds.
await redis.set('shop:oops', 'meant an hour', 'PX', 3600);
await redis.set('shop:forever', 'no TTL');
const keys = ['shop:feed:user:123', 'shop:oops', 'shop:forever'];
keys.push('shop:missing');
const ttls = [];
for (const key of keys) {
  const pttl = await redis.pttl(key); // rounded: a few ms pass between SET and PTTL
  ttls.push({ key, TTL: await redis.ttl(key), PTTL: pttl > 0 ? Math.round(pttl / 100) * 100 : pttl });
}
show(ttls);
// #endregion ttl
note(`
  A key with TTL -1 stays until someone deletes it: in a cache that is a slow
  memory leak.
`);

cell('Write only if missing (NX) or only if present (XX)', `
  \`NX\` writes only when the key does not exist, \`XX\` only when it does;
  when they skip, the reply is null and nothing changes. \`GET\` makes SET
  return the value it replaced.
`);
// #region nx-xx
await redis.del('shop:username:ada', 'shop:username:adax');
const ada = 'shop:username:ada';
show([
  { command: 'SET … u1 NX', reply: await redis.set(ada, 'u1', 'NX') },
  { command: 'SET … u2 NX', reply: await redis.set(ada, 'u2', 'NX') },
  { command: 'SET … u3 XX GET', reply: await redis.set(ada, 'u3', 'XX', 'GET') },
  { command: 'GET', reply: await redis.get(ada) },
  { command: 'SET …x u4 XX', reply: await redis.set(`${ada}x`, 'u4', 'XX') },
]);
// #endregion nx-xx

cell('Read and refresh in one step: GETEX', `
  A session that slides forward on every use needs "read it and push the
  expiry out". \`GETEX\` does both at once; a missing key returns null and is
  not created.
`);
// #region getex
await redis.set('shop:session:abc', 'user:42', 'EX', 10);
const before = await redis.ttl('shop:session:abc');
const value = await redis.getex('shop:session:abc', 'EX', 1800);
const after = await redis.ttl('shop:session:abc');
show({ value, ttlBefore: before, ttlAfter: after });
// #endregion getex

cell('Counters: INCR, and why GET then SET loses updates', `
  Fifty requests each add one view. Done as GET, add one in JavaScript, SET,
  they all read the same old number before any of them writes, and most views
  vanish. \`INCR\` does the read and the add inside Redis, one command at a
  time, so none is lost.
`);
// #region counters
await redis.del('shop:views:racy', 'shop:views:atomic');
async function racyIncrement(key: string): Promise<void> {
  const current = Number((await redis.get(key)) ?? 0);
  await redis.set(key, current + 1); // another request may have written in between
}
const fifty = Array.from({ length: 50 });
await Promise.all(fifty.map(() => racyIncrement('shop:views:racy')));
await Promise.all(fifty.map(() => redis.incr('shop:views:atomic')));
const racy = Number(await redis.get('shop:views:racy'));
const atomic = Number(await redis.get('shop:views:atomic'));
show([
  { way: 'GET, +1, SET', requests: 50, counted: racy },
  { way: 'INCR', requests: 50, counted: atomic },
]);
// #endregion counters
note(`
  INCRBY adds any whole number, DECR and DECRBY subtract; all reply with the new
  value.
`);

cell('Hashes: one object, many fields', `
  A hash is a flat map of field to string under one key: a natural home for an
  object you read and update a field at a time. \`HINCRBY\` counts inside one
  field, atomically like INCR.
`);
// #region hashes
await redis.del('shop:user:42');
const ada42 = { name: 'Ada', email: 'ada@example.com', logins: 0 };
await redis.hset('shop:user:42', ada42);
await redis.hincrby('shop:user:42', 'logins', 1);
show(await redis.hgetall('shop:user:42'), 'HGETALL shop:user:42');
show(await redis.hget('shop:user:42', 'email'), 'HGET shop:user:42 email');
// #endregion hashes

cell('Lists: the newest N', `
  A list keeps insertion order and pushes or pops at either end in constant
  time. LPUSH puts the newest first; LTRIM cuts the list to a range, so
  "recently viewed" never grows past N.
`);
// #region lists
await redis.del('shop:recent:42');
for (const item of ['keyboard', 'mouse', 'monitor', 'webcam', 'lamp']) {
  const key = 'shop:recent:42';
  await redis.multi().lpush(key, item).ltrim(key, 0, 2).exec();
}
const recent = await redis.lrange('shop:recent:42', 0, -1);
show(recent, 'LRANGE shop:recent:42 0 -1 (the newest 3)');
// #endregion lists

cell('Sets: membership, and what two sets share', `
  A set holds each member once, unordered. Asking "is x in it?" is one
  command, and Redis combines sets for you: SINTER answers "which tags do both
  posts have?".
`);
// #region sets
await redis.del('shop:post:1:tags', 'shop:post:2:tags');
await redis.sadd('shop:post:1:tags', 'redis', 'cache', 'ttl', 'redis');
await redis.sadd('shop:post:2:tags', 'redis', 'pubsub');
show({
  post1: (await redis.smembers('shop:post:1:tags')).sort(),
  isCacheTagged: await redis.sismember('shop:post:1:tags', 'cache'),
  shared: await redis.sinter('shop:post:1:tags', 'shop:post:2:tags'),
  count: await redis.scard('shop:post:1:tags'),
});
// #endregion sets

cell('Sorted sets: a ranking that stays sorted', `
  A sorted set gives each member a score and keeps them ordered by it. ZINCRBY
  adds to a score; ZRANGE … REV WITHSCORES reads the top of the ranking,
  highest first.
`);
// #region sorted-sets
await redis.del('shop:pages:by-views');
for (const page of ['home', 'cart', 'home', 'search', 'home', 'cart']) {
  await redis.zincrby('shop:pages:by-views', 1, page);
}
const flat = await redis.zrange(
  'shop:pages:by-views', 0, 1, 'REV', 'WITHSCORES',
);
const top = [];
for (let i = 0; i < flat.length; i += 2) {
  top.push({ page: flat[i], views: Number(flat[i + 1]) }); // scores come as strings
}
show(top, 'top 2 pages');
const rank = await redis.zrevrank('shop:pages:by-views', 'search');
show(rank, "ZREVRANK of 'search' (0 = first)");
// #endregion sorted-sets

cell('Key names, and SCAN instead of KEYS', `
  With one flat keyspace, a key's name is its only structure:
  \`app:entity:id\`. To find keys by pattern, \`KEYS\` walks every key in one
  go and the server answers no one else until it is done; on millions of keys
  that is an outage. \`SCAN\` walks a page at a time with a cursor, and is
  done when the cursor comes back as 0.
`);
// #region scan
const pages: { cursor: string; keys: number }[] = [];
async function scanAll(pattern: string): Promise<string[]> {
  const found = new Set<string>(); // SCAN may return a key twice
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor, 'MATCH', pattern, 'COUNT', 5,
    );
    pages.push({ cursor: next, keys: keys.length });
    keys.forEach((key) => found.add(key));
    cursor = next;
  } while (cursor !== '0');
  return [...found].sort();
}
const shopKeys = await scanAll('shop:*');
show(pages, 'SCAN, page by page: the last cursor is 0');
show(shopKeys.slice(0, 8), `the first 8 of ${shopKeys.length} keys found`);
// #endregion scan

cell('WRONGTYPE: one key, one type', `
  Every key holds one type. A list command on a string key is refused with
  WRONGTYPE, and the value is untouched: a sign that two parts of the code use
  one key name for different things.
`);
// #region wrongtype
const refused = await redis
  .lpush('shop:greeting', 'x')
  .catch((error: Error) => error.message);
show({
  type: await redis.type('shop:greeting'),
  LPUSH: refused,
  value: await redis.get('shop:greeting'),
});
// #endregion wrongtype

cell('A restart without persistence', `
  The article warns that "Redis loses data when the server restarts (unless
  persistence is enabled)". The course's in-memory Redis has no disk at all:
  this cell restarts it and counts the keys before and after. On a real server
  it reads the persistence settings instead.
`);
// #region restart
const keysBefore = (await scanAll('shop:*')).length;
if (simulateRestart(redis)) {
  const keysAfter = (await scanAll('shop:*')).length;
  show({ keysBefore, keysAfter }, 'ioredis-mock, restarted');
} else {
  // A real server is not restarted from a lesson: read how it is set up.
  const [, save] = (await redis.config('GET', 'save')) as string[];
  const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
  const settings = { keys: keysBefore, save: save || '(none)', appendonly: aof };
  show(settings, 'a real server: its persistence settings');
}
// #endregion restart
note(`
  A real server can keep data across restarts in two ways. RDB snapshots
  (\`save 3600 1 …\`) write the whole dataset now and then: a crash loses the
  writes since the last one. The AOF (\`appendonly yes\`) logs every write;
  with \`appendfsync everysec\` a crash loses about a second. Either way,
  treat Redis as a cache and keep the source of truth in a database built for
  it.
`);

cell('Your turn', `
  Open \`lessons/07-redis-basics/exercise.ts\`. Six tasks: store a value that
  expires, claim a name only once, count views with INCR, keep the last N in a
  list, rank pages in a sorted set, and find keys with SCAN. \`npm run lesson
  7\` checks them, \`npm run lesson 7 -- --hint\` helps.
`);
