/**
 * Lesson 08 — Caching, the walkthrough. `npm run lesson 8` runs it cell by cell, then checks
 * exercise.ts. Safe to run again: it clears its collections and deletes only the keys it writes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BSON, ObjectId } from 'mongodb';
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('The feed the article caches', `
  The article's example: a feed query "might touch 1,000 user records and a
  10,000-post index" and take 200 ms in MongoDB, while the cached feed comes
  back from Redis in 0.5 ms. Here is a small social network to try that on:
  eight users who follow one another, and their posts.
`);
const { mongo, redis } = await backends();
const names = ['Alice', 'Bob', 'Chidi', 'Dagny', 'Eun-ji', 'Farah', 'Gustavo', 'Hana'];
const users = names.map((name) => ({ _id: new ObjectId(), name, follows: [] as ObjectId[] }));
const nth = (i: number): ObjectId => users[i % users.length]!._id;
users.forEach((user, i) => (user.follows = [nth(i + 1), nth(i + 2), nth(i + 5)]));
const words = ['coffee', 'deploy', 'weekend', 'redis', 'garden', 'concert', 'bug', 'release'];
const posts = Array.from({ length: 400 }, (_, i) => ({
  _id: new ObjectId(),
  authorId: users[(i * 5) % users.length]!._id,
  text: `${words[i % words.length]} #${i}`,
  createdAt: new Date(Date.UTC(2026, 0, 1) + i * 7 * 60_000),
}));
await mongo.collection('users').deleteMany({});
await mongo.collection('posts').deleteMany({});
await mongo.collection('users').insertMany(users);
await mongo.collection('posts').insertMany(posts);
await mongo.collection('posts').createIndex({ authorId: 1, createdAt: -1 });
const nameOf = (id: ObjectId): string => users.find((u) => u._id.equals(id))?.name ?? '?';
show(users.map((u) => ({ name: u.name, follows: u.follows.map(nameOf).join(', ') })));
const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];

cell('A feed, straight from MongoDB', `
  A user's feed: the newest 20 posts by the user and by everyone they follow.
  One query with \`$in\` over the authors, sorted and cut by the database. This
  is what the cache will save.
`);
// #region build-feed
type Post = (typeof posts)[number];
async function buildFeed(userId: ObjectId): Promise<Post[] | null> {
  const user = await mongo.collection('users').findOne({ _id: userId });
  if (!user) return null;
  return mongo.collection<Post>('posts')
    .find({ authorId: { $in: [userId, ...(user['follows'] as ObjectId[])] } })
    .sort({ createdAt: -1, _id: -1 })
    .limit(20)
    .toArray();
}
const feed = (await buildFeed(alice._id))!;
show(feed.slice(0, 4).map((p) => ({ author: nameOf(p.authorId), text: p.text, at: p.createdAt })));
// #endregion build-feed

cell('JSON loses types on the way through Redis', `
  Redis stores strings, so the feed must become text. \`JSON.stringify\` turns a
  Date into an ISO string and an ObjectId into its hex, and \`JSON.parse\`
  leaves them strings. Extended JSON, MongoDB's own (\`BSON.EJSON\`), writes the
  type next to the value and restores it.
`);
// #region serialise
const post = feed[0]!;
const viaJson = JSON.parse(JSON.stringify(post)) as Record<string, unknown>;
const viaEjson = BSON.EJSON.parse(BSON.EJSON.stringify(post)) as Record<string, unknown>;
const typeOf = (v: unknown): string =>
  v instanceof Date ? 'Date' : v instanceof ObjectId ? 'ObjectId' : typeof v;
show([
  { way: 'JSON', createdAt: typeOf(viaJson['createdAt']), _id: typeOf(viaJson['_id']) },
  { way: 'BSON.EJSON', createdAt: typeOf(viaEjson['createdAt']), _id: typeOf(viaEjson['_id']) },
]);
show(BSON.EJSON.stringify({ _id: post._id, createdAt: post.createdAt }), 'what EJSON stores');
// #endregion serialise

cell('Cache-aside: Redis first, MongoDB on a miss', `
  The application asks Redis; on a miss it builds the feed from MongoDB and
  keeps it in Redis under \`feed:user:<id>\`, for an hour as in the article. The
  second read is a hit.
`);
// #region cache-aside
const feedKey = (id: ObjectId): string => `feed:user:${id.toHexString()}`;
await redis.del(...users.map((u) => feedKey(u._id)));
async function readFeed(userId: ObjectId): Promise<{ posts: Post[] | null; source: string }> {
  const cached = await redis.get(feedKey(userId));
  if (cached !== null) return { posts: BSON.EJSON.parse(cached) as Post[], source: 'Redis (hit)' };
  const built = await buildFeed(userId);
  await redis.set(feedKey(userId), BSON.EJSON.stringify(built), 'EX', 3600);
  return { posts: built, source: 'MongoDB (miss)' };
}
const reads = [];
for (const attempt of [1, 2]) {
  const { posts: got, source } = await readFeed(alice._id);
  reads.push({ attempt, source, posts: got?.length, ttl: await redis.ttl(feedKey(alice._id)) });
}
show(reads);
// #endregion cache-aside
note(`
  The article's hour is \`EX 3600\`; its combined stack refreshes every five
  minutes, \`EX 300\`.
`);

cell('Every cache key gets a TTL, in the right unit', `
  A key without a TTL stays until someone deletes it: a feed nobody invalidates
  is then wrong forever. \`EX\` counts seconds and \`PX\` milliseconds; mixing
  them up is a silent bug.
`);
// #region ttl-units
const scratch = ['cache:demo:ex', 'cache:demo:px', 'cache:demo:ms-as-ex', 'cache:demo:none'];
await redis.set(scratch[0]!, 'x', 'EX', 3600);
await redis.set(scratch[1]!, 'x', 'PX', 3600);
await redis.set(scratch[2]!, 'x', 'EX', 3600 * 1000);
await redis.set(scratch[3]!, 'x');
show([
  { command: 'SET k v EX 3600', ttl: await redis.ttl(scratch[0]!), meaning: 'an hour' },
  { command: 'SET k v PX 3600', ttl: await redis.ttl(scratch[1]!), meaning: '3.6 seconds' },
  { command: 'SET k v EX 3600000', ttl: await redis.ttl(scratch[2]!), meaning: 'about 42 days' },
  { command: 'SET k v', ttl: await redis.ttl(scratch[3]!), meaning: '-1: never expires' },
]);
await redis.del(...scratch);
// #endregion ttl-units

cell('Jitter: keys written together should not expire together', `
  After a deploy or a traffic spike, thousands of feeds are cached in the same
  minute, and an hour later they all expire in the same second: every reader
  misses at once. Spreading each TTL by ±10% spreads those misses over twelve
  minutes instead.
`);
// #region jitter
const jittered = (seconds: number): number => Math.round(seconds * (0.9 + 0.2 * Math.random()));
for (const user of users) {
  const built = BSON.EJSON.stringify(await buildFeed(user._id));
  await redis.set(feedKey(user._id), built, 'EX', jittered(3600));
}
const ttls = await Promise.all(users.map((u) => redis.ttl(feedKey(u._id))));
show(users.map((u, i) => ({ user: u.name, ttl: ttls[i], minutes: (ttls[i]! / 60).toFixed(1) })));
// #endregion jitter

cell('Counting hits and misses', `
  A cache you do not measure is a guess. Two counters, \`stats:feed:hits\` and
  \`stats:feed:misses\`, bumped with \`INCR\` (atomic, so concurrent readers
  lose no count), give the hit ratio. Here 200 reads over the eight feeds, some
  of them expired at random.
`);
// #region hit-ratio
await redis.del('stats:feed:hits', 'stats:feed:misses');
for (let i = 0; i < 200; i++) {
  const user = users[(i * 3) % users.length]!;
  if (i % 25 === 0) await redis.del(feedKey(user._id)); // a key that expired
  const { source } = await readFeed(user._id);
  await redis.incr(source.startsWith('Redis') ? 'stats:feed:hits' : 'stats:feed:misses');
}
const [hits, misses] = (await redis.mget('stats:feed:hits', 'stats:feed:misses')).map(Number);
show({ hits, misses, 'hit ratio': `${((100 * hits!) / (hits! + misses!)).toFixed(1)} %` });
// #endregion hit-ratio

cell('A new post makes feeds stale', `
  Bob writes a post. It belongs in Bob's feed and in the feed of everyone who
  follows Bob, and each of those is sitting in Redis without it. Save the post
  in MongoDB first, then delete those keys: the next read of each rebuilds it.
`);
// #region invalidate
const fresh = { _id: new ObjectId(), authorId: bob._id, text: 'shipped it', createdAt: new Date() };
await mongo.collection('posts').insertOne(fresh);
const followers = await mongo.collection<{ _id: ObjectId; name: string }>('users')
  .find({ follows: bob._id }).toArray();
const sees = async (id: ObjectId): Promise<boolean> =>
  (await readFeed(id)).posts?.some((p) => p._id.equals(fresh._id)) ?? false;
const follower = followers[0]!;
show({ follower: follower['name'], 'sees the post before invalidation': await sees(follower._id) });
const stale = [feedKey(bob._id), ...followers.map((f) => feedKey(f._id))];
const deleted = await redis.del(...stale);
const keys = [bob.name, ...followers.map((f) => f['name'])].join(', ');
show({ deleted, keys, 'sees it after': await sees(follower._id) });
// #endregion invalidate
note(`
  Delete before the write and a reader in between caches the old feed again, for
  an hour. Deleting only Bob's key would have left every follower reading a
  stale feed.
`);

cell('A stampede: 100 misses, 100 rebuilds', `
  When a popular key expires, every request that arrives before it is rebuilt
  misses, and each one queries MongoDB. A lock taken with \`SET lock NX PX\` —
  "only if it does not exist", and with an expiry in case the holder dies — lets
  one caller rebuild while the others wait.
`);
// #region stampede
let rebuilds = 0;
const countedBuild = async (id: ObjectId): Promise<Post[] | null> => {
  rebuilds += 1;
  return buildFeed(id);
};
const rebuild = async (id: ObjectId): Promise<void> => {
  await redis.set(feedKey(id), BSON.EJSON.stringify(await countedBuild(id)), 'EX', 3600);
};
async function naiveRead(id: ObjectId): Promise<void> {
  if ((await redis.get(feedKey(id))) === null) await rebuild(id);
}
async function lockedRead(id: ObjectId): Promise<void> {
  for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
    if ((await redis.get(feedKey(id))) !== null) return;
    if ((await redis.set(`lock:${feedKey(id)}`, 'me', 'PX', 5000, 'NX')) === 'OK') {
      if ((await redis.get(feedKey(id))) === null) await rebuild(id); // filled meanwhile?
      await redis.del(`lock:${feedKey(id)}`);
      return;
    }
    await sleep(wait);
  }
}
const stampede = [];
for (const [way, read] of [['no lock', naiveRead], ['SET NX PX lock', lockedRead]] as const) {
  await redis.del(feedKey(alice._id));
  rebuilds = 0;
  await Promise.all(Array.from({ length: 100 }, () => read(alice._id)));
  stampede.push({ way, 'concurrent reads': 100, rebuilds });
}
show(stampede);
// #endregion stampede

cell('A user who does not exist', `
  A request for an id nobody has misses the cache every time, so a bot trying
  random ids goes straight through to MongoDB. Caching the absence — a marker
  with a short TTL, a minute, not an hour, since the user may sign up — turns
  those into hits too.
`);
// #region negative
const ghost = new ObjectId();
const ghostQueries = { 'no marker': 0, 'marker, EX 60': 0 };
for (const way of Object.keys(ghostQueries) as (keyof typeof ghostQueries)[]) {
  await redis.del(feedKey(ghost));
  for (let i = 0; i < 5; i++) {
    if ((await redis.get(feedKey(ghost))) !== null) continue;
    ghostQueries[way] += 1;
    const found = await buildFeed(ghost);
    if (found === null && way === 'marker, EX 60') {
      await redis.set(feedKey(ghost), 'missing-user', 'EX', 60);
    }
  }
}
show(ghostQueries, 'MongoDB queries for 5 reads of a missing user');
await redis.del(feedKey(ghost));
// #endregion negative

cell('The speed-up, measured', `
  The article's 200 ms is a feed over 10,000 posts on a server; this database is
  small and in the same process. So the source here is slow on purpose — the
  real query plus a 50 ms pause standing in for the big one — and the median of
  15 reads each way is measured.
`);
// #region speed-up
const slowBuild = async (id: ObjectId): Promise<Post[] | null> => {
  await sleep(50);
  return buildFeed(id);
};
async function medianMs(read: () => Promise<unknown>, times = 15): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await read();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[times >> 1]!;
}
const miss = await medianMs(async () => {
  await redis.del(feedKey(alice._id));
  const built = await slowBuild(alice._id);
  await redis.set(feedKey(alice._id), BSON.EJSON.stringify(built), 'EX', 3600);
});
const mongoOnly = await medianMs(() => buildFeed(alice._id));
const hit = await medianMs(async () => BSON.EJSON.parse((await redis.get(feedKey(alice._id)))!));
show([
  { read: 'miss: slow source + SET', median: `${miss.toFixed(2)} ms` },
  { read: 'the MongoDB query alone', median: `${mongoOnly.toFixed(2)} ms` },
  { read: 'hit: GET + EJSON.parse', median: `${hit.toFixed(2)} ms` },
  { read: 'speed-up of a hit over a miss', median: `${(miss / hit).toFixed(0)}×` },
]);
await redis.del(...users.map((u) => feedKey(u._id)), 'stats:feed:hits', 'stats:feed:misses');
// #endregion speed-up
note(`Lesson 12 measures hits and misses on real servers.`);

cell('Your turn', `
  Open \`lessons/08-caching/exercise.ts\`. Six tasks: build the feed from
  MongoDB, keep its types through JSON, read it cache-aside with a jittered TTL
  and counters, invalidate it on a write, rebuild it once under a stampede, and
  remember users who do not exist. \`npm run lesson 8\` checks them; \`npm run
  lesson 8 -- --hint\` helps when you are stuck.
`);
