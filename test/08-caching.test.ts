/**
 * Lesson 08 — Caching. One `describe` per task in lessons/08-caching/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/08-caching.test.ts
 *
 * The checks load feeds with their own reference loader (below), so each task is graded on its own:
 * a wrong `buildFeed` fails task 1 only.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectId } from 'mongodb';
import type { Db } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/08-caching/exercise.ts');
type Post = import('../solutions/08-caching/exercise.ts').Post;
type User = import('../solutions/08-caching/exercise.ts').User;

const ex = await loadExercise<Exercise>('08-caching');
const db = useBackends(['mongo', 'redis']);
const rnd = useRandom();

const FEED_SIZE = 20;
const HOUR = 3600;
const feedKey = (id: ObjectId): string => `feed:user:${id.toHexString()}`;
const lockKey = (id: ObjectId): string => `lock:feed:user:${id.toHexString()}`;

/** Newest first; equal times: the larger _id first (a 24-hex string compares as its bytes do). */
function newestFirst(a: Post, b: Post): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || b._id.toHexString().localeCompare(a._id.toHexString());
}

interface Network {
  users: User[];
  posts: Post[];
  /** The feed each user should see, by hex id. */
  feeds: Map<string, Post[]>;
}

/**
 * A small social network in memory: `count` users who each follow some of the others and wrote a few
 * posts, plus `popular`, who wrote more than a feed holds and whom user 0 follows. Nobody follows the last user.
 */
function network(count = rnd.int(5, 8)): Network {
  const users: User[] = Array.from({ length: count }, () => ({ _id: new ObjectId(), name: rnd.name(), follows: [] }));
  const first = users[0]!;
  const last = users[users.length - 1]!;
  for (const user of users.slice(0, -1)) {
    const others = users.filter((u) => u !== user && u !== last);
    user.follows = rnd.sample(others, rnd.int(1, others.length)).map((u) => u._id);
  }
  const popular: User = { _id: new ObjectId(), name: rnd.name(), follows: [] };
  first.follows.push(popular._id);
  users.push(popular);
  const posts: Post[] = [];
  for (const user of users) {
    const n = user === popular ? FEED_SIZE + rnd.int(2, 8) : rnd.int(1, 5);
    for (let i = 0; i < n; i++) {
      posts.push({ _id: new ObjectId(), authorId: user._id, text: `${rnd.word()} ${rnd.word()}`, createdAt: rnd.date() });
    }
  }
  return { users, posts, feeds: feedsOf(users, posts) };
}

function feedsOf(users: readonly User[], posts: readonly Post[]): Map<string, Post[]> {
  const feeds = new Map<string, Post[]>();
  for (const user of users) {
    const authors = new Set([user._id, ...user.follows].map((id) => id.toHexString()));
    feeds.set(user._id.toHexString(), posts.filter((p) => authors.has(p.authorId.toHexString())).sort(newestFirst).slice(0, FEED_SIZE));
  }
  return feeds;
}

async function saveNetwork(net: Network): Promise<void> {
  await db.mongo.collection<User>('users').insertMany(net.users.map((u) => ({ ...u, follows: [...u.follows] })));
  await db.mongo.collection<Post>('posts').insertMany(rnd.shuffle(net.posts).map((p) => ({ ...p })));
}

/** The reference feed, read from MongoDB: what a rebuild after a write must see. */
async function referenceFeed(mongo: Db, userId: ObjectId): Promise<Post[] | null> {
  const user = await mongo.collection<User>('users').findOne({ _id: userId });
  if (!user) return null;
  const posts = await mongo.collection<Post>('posts').find({ authorId: { $in: [userId, ...user.follows] } }).toArray();
  return posts.sort(newestFirst).slice(0, FEED_SIZE);
}

/** A loader that counts its calls and yields for a moment, as a database round-trip does. */
function countingLoader(source: (id: ObjectId) => Promise<Post[] | null>): { load: (id: ObjectId) => Promise<Post[] | null>; calls: () => number } {
  let calls = 0;
  return {
    load: async (id) => {
      calls += 1;
      await sleep(10);
      return source(id);
    },
    calls: () => calls,
  };
}

const fromMemory = (net: Network) => async (id: ObjectId): Promise<Post[] | null> => net.feeds.get(id.toHexString()) ?? null;

describe('Build the feed from MongoDB', () => {
  // Likely mistakes: sorting oldest first; no limit (or the limit applied before sorting); leaving out the
  // user's own posts or the posts of those they follow; returning [] for a user that does not exist.
  it("returns the user's own posts and those of everyone they follow, newest first", async () => {
    const net = network();
    await saveNetwork(net);
    const reader = net.users[1]!;

    const expected = net.feeds.get(reader._id.toHexString());
    expect(await ex.buildFeed(db.mongo, reader._id)).toEqual(expected);
  });

  it('keeps only the newest 20 posts when the people followed wrote more', async () => {
    const net = network();
    await saveNetwork(net);
    const reader = net.users[0]!; // follows the popular user, who alone wrote more than 20

    const expected = net.feeds.get(reader._id.toHexString());
    const feed = await ex.buildFeed(db.mongo, reader._id);
    expect(feed).toEqual(expected);
    expect(feed).toHaveLength(FEED_SIZE);
  });

  it('leaves out posts by people the user does not follow', async () => {
    const net = network();
    await saveNetwork(net);
    const loner = net.users.at(-2)!; // the last ordinary user follows nobody, and nobody follows them

    const expected = net.posts.filter((p) => p.authorId.equals(loner._id)).sort(newestFirst);
    expect(await ex.buildFeed(db.mongo, loner._id)).toEqual(expected);
  });

  it('returns null for a user that does not exist, and [] for a user with nothing to read', async () => {
    const net = network();
    await saveNetwork(net);
    const quiet: User = { _id: new ObjectId(), name: rnd.name(), follows: [] };
    await db.mongo.collection<User>('users').insertOne(quiet);

    const expected = { missing: null, quiet: [] };
    const actual = {
      missing: await ex.buildFeed(db.mongo, new ObjectId()),
      quiet: await ex.buildFeed(db.mongo, quiet._id),
    };
    expect(actual).toEqual(expected);
  });
});

describe('Keep Dates and ObjectIds through JSON', () => {
  // Likely mistakes: plain JSON.stringify/JSON.parse (createdAt comes back as a string, ids as hex strings);
  // a reviver that turns every date-looking string into a Date, the post's text included.
  it('gives back posts equal to those it was given', () => {
    const posts = network().posts.slice(0, rnd.int(3, 8));

    const expected = posts;
    expect(ex.decodeFeed(ex.encodeFeed(posts))).toEqual(expected);
  });

  it('gives createdAt back as a Date and the ids as ObjectIds, not as strings', () => {
    const posts = network().posts.slice(0, 3);

    const expected = posts.map(() => ({ createdAt: 'Date', _id: 'ObjectId', authorId: 'ObjectId' }));
    const decoded = ex.decodeFeed(ex.encodeFeed(posts));
    expect(decoded.map((p) => ({
      createdAt: p.createdAt?.constructor?.name,
      _id: p._id?.constructor?.name,
      authorId: p.authorId?.constructor?.name,
    }))).toEqual(expected);
  });

  it('leaves a text that looks like a date or an id as the string it is', () => {
    const sneaky: Post[] = [
      { _id: new ObjectId(), authorId: new ObjectId(), text: rnd.date().toISOString(), createdAt: rnd.date() },
      { _id: new ObjectId(), authorId: new ObjectId(), text: new ObjectId().toHexString(), createdAt: rnd.date() },
    ];

    const expected = sneaky;
    expect(ex.decodeFeed(ex.encodeFeed(sneaky))).toEqual(expected);
  });

  it('encodes to a string and gives an empty feed back as []', () => {
    const text = ex.encodeFeed([]);

    const expected = { type: 'string', decoded: [] };
    expect({ type: typeof text, decoded: ex.decodeFeed(text) }).toEqual(expected);
  });
});

describe('Read the feed through the cache', () => {
  // Likely mistakes: SET without a TTL; the TTL in milliseconds after EX (3,600,000 s) or 3600 after PX
  // (3.6 s); no jitter, or jitter only upwards; returning the cached text without decoding it (Dates as
  // strings); not counting hits and misses, or counting every read as a miss.
  it('spreads a TTL by ±10% in whole seconds: round(seconds * (0.9 + 0.2 * random()))', () => {
    const seconds = rnd.pick([300, 3600, 86_400]);

    const expected = [Math.round(seconds * 0.9), seconds, Math.round(seconds * 1.1)];
    expect([0, 0.5, 0.999_999].map((r) => ex.jitteredTtl(seconds, () => r))).toEqual(expected);
  });

  it('loads the feed on a miss and keeps it under feed:user:<id> for about an hour', async () => {
    const net = network();
    const reader = rnd.pick(net.users);
    const { load, calls } = countingLoader(fromMemory(net));

    const read = await ex.getFeed(db.redis, reader._id, load);

    const expected = { read: { posts: net.feeds.get(reader._id.toHexString()), hit: false }, calls: 1 };
    expect({ read, calls: calls() }).toEqual(expected);
    const ttl = await db.redis.ttl(feedKey(reader._id));
    expect(ttl, `TTL of ${feedKey(reader._id)} (an hour ± 10%, in seconds)`).toBeGreaterThanOrEqual(HOUR * 0.9 - 1);
    expect(ttl, `TTL of ${feedKey(reader._id)} (an hour ± 10%, in seconds)`).toBeLessThanOrEqual(HOUR * 1.1);
  });

  it('answers the next read from Redis, with Dates and ObjectIds intact, without loading again', async () => {
    const net = network();
    const reader = rnd.pick(net.users);
    const { load, calls } = countingLoader(fromMemory(net));
    await ex.getFeed(db.redis, reader._id, load);

    const read = await ex.getFeed(db.redis, reader._id, load);

    const expected = { read: { posts: net.feeds.get(reader._id.toHexString()), hit: true }, calls: 1 };
    expect({ read, calls: calls() }).toEqual(expected);
  });

  it('counts hits in stats:feed:hits and misses in stats:feed:misses', async () => {
    const net = network();
    const [a, b] = rnd.sample(net.users, 2) as [User, User];
    const readsA = rnd.int(2, 6);
    const readsB = rnd.int(1, 4);
    const { load } = countingLoader(fromMemory(net));
    for (let i = 0; i < readsA; i++) await ex.getFeed(db.redis, a._id, load);
    for (let i = 0; i < readsB; i++) await ex.getFeed(db.redis, b._id, load);

    const expected = { hits: String(readsA - 1 + readsB - 1), misses: '2' };
    const actual = { hits: await db.redis.get('stats:feed:hits'), misses: await db.redis.get('stats:feed:misses') };
    expect(actual).toEqual(expected);
  });

  it('gives feeds cached together different TTLs, all within an hour ± 10%', async () => {
    const users = Array.from({ length: 30 }, () => new ObjectId());
    const load = async (): Promise<Post[]> => [];
    await Promise.all(users.map((id) => ex.getFeed(db.redis, id, load)));

    const ttls = await Promise.all(users.map((id) => db.redis.ttl(feedKey(id))));
    const outside = ttls.filter((t) => t < HOUR * 0.9 - 1 || t > HOUR * 1.1);
    expect(outside, 'TTLs outside 3240–3960 s').toEqual([]);
    expect(new Set(ttls).size, `distinct TTLs among ${ttls.length} feeds: ${ttls.join(', ')}`).toBeGreaterThan(1);
  });
});

describe('Invalidate feeds when a post is written', () => {
  // Likely mistakes: deleting only the author's feed when followers' feeds show the post too; deleting the
  // feeds before writing to MongoDB (a reader in between caches the old feed for an hour); writing the post
  // into the cached feed instead of deleting it; deleting every feed (KEYS feed:* / FLUSHDB).
  async function cacheEveryFeed(net: Network): Promise<void> {
    for (const user of net.users) await db.redis.set(feedKey(user._id), 'cached', 'EX', HOUR);
  }

  function newPost(author: User): Omit<Post, '_id'> {
    return { authorId: author._id, text: `${rnd.word()} ${rnd.word()} ${rnd.id(4)}`, createdAt: new Date(Date.UTC(2026, 2, 1) + rnd.int(0, 1e9)) };
  }

  it('saves the post in posts and returns it with its _id', async () => {
    const net = network();
    await saveNetwork(net);
    const post = newPost(rnd.pick(net.users));

    const saved = await ex.publishPost(db.redis, db.mongo, post);

    const expected = { ...post, _id: saved._id };
    expect(saved._id).toBeInstanceOf(ObjectId);
    expect(await db.mongo.collection('posts').findOne({ _id: saved._id })).toEqual(expected);
  });

  it("deletes the author's feed and every follower's feed, and only those", async () => {
    const net = network();
    await saveNetwork(net);
    await cacheEveryFeed(net);
    const author = net.users.find((u) => net.users.some((f) => f.follows.some((id) => id.equals(u._id))))!;
    const shows = net.users.filter((u) => u._id.equals(author._id) || u.follows.some((f) => f.equals(author._id)));

    await ex.publishPost(db.redis, db.mongo, newPost(author));

    const expected = net.users.map((u) => ({ user: u.name, cached: !shows.includes(u) }));
    const actual = [];
    for (const u of net.users) actual.push({ user: u.name, cached: (await db.redis.exists(feedKey(u._id))) === 1 });
    expect(actual).toEqual(expected);
  });

  it('deletes the feed of a follower who is not the author', async () => {
    const net = network();
    await saveNetwork(net);
    await cacheEveryFeed(net);
    const author = net.users.find((u) => u !== net.users.at(-1) && net.users.some((f) => f.follows.some((id) => id.equals(u._id))))!;
    const follower = net.users.find((u) => u.follows.some((id) => id.equals(author._id)))!;

    await ex.publishPost(db.redis, db.mongo, newPost(author));

    const expected = { follower: follower.name, cached: 0 };
    expect({ follower: follower.name, cached: await db.redis.exists(feedKey(follower._id)) }).toEqual(expected);
  });

  it('leaves no stale feed behind when a reader rebuilds while the post is being written', async () => {
    const net = network();
    await saveNetwork(net);
    const author = net.users[1]!;
    const follower = net.users.find((u) => u.follows.some((id) => id.equals(author._id))) ?? author;
    const key = feedKey(follower._id);
    await db.redis.set(key, JSON.stringify(await referenceFeed(db.mongo, follower._id)), 'EX', HOUR);
    // A reader arrives just before the post reaches MongoDB: cache-aside, with the reference loader.
    const reader = async (): Promise<void> => {
      if ((await db.redis.get(key)) === null) await db.redis.set(key, JSON.stringify(await referenceFeed(db.mongo, follower._id)), 'EX', HOUR);
    };

    const saved = await ex.publishPost(db.redis, withReaderBeforeInsert(db.mongo, reader), newPost(author));

    const cached = await db.redis.get(key);
    const expected = { stale: false };
    expect({ stale: cached !== null && !cached.includes(saved._id.toHexString()) }).toEqual(expected);
  });
});

/** The same Db, except that a write to `posts` first lets `reader` run, as a concurrent request would. */
function withReaderBeforeInsert(mongo: Db, reader: () => Promise<void>): Db {
  const hooked = new Set(['insertOne', 'insertMany', 'bulkWrite', 'updateOne', 'replaceOne']);
  return new Proxy(mongo, {
    get(target, prop) {
      if (prop !== 'collection') {
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (name: string, ...rest: unknown[]) => {
        const collection = (target.collection as (...a: unknown[]) => object)(name, ...rest);
        if (name !== 'posts') return collection;
        return new Proxy(collection, {
          get(c, method) {
            const value = Reflect.get(c, method, c) as unknown;
            if (typeof value !== 'function') return value;
            if (typeof method === 'string' && hooked.has(method)) {
              return async (...args: unknown[]) => {
                await reader();
                return (value as (...a: unknown[]) => unknown).apply(c, args);
              };
            }
            return value.bind(c);
          },
        });
      };
    },
  });
}

describe('Let one caller rebuild a missing feed', () => {
  // Likely mistakes: no lock at all (100 misses, 100 rebuilds); checking the lock with GET/EXISTS and then
  // setting it without NX (every caller sees it free); a lock without PX (held forever if the process dies);
  // never releasing the lock; waiters that give up and return null instead of waiting for the feed.
  it('calls the loader once for 100 concurrent misses of one feed, and gives all 100 the feed', async () => {
    const net = network();
    const reader = rnd.pick(net.users);
    const { load, calls } = countingLoader(fromMemory(net));

    const feeds = await Promise.all(Array.from({ length: 100 }, () => ex.getFeedWithLock(db.redis, reader._id, load)));

    const feed = net.feeds.get(reader._id.toHexString());
    const expected = { rebuilds: 1, feeds: feeds.map(() => feed) };
    expect({ rebuilds: calls(), feeds }).toEqual(expected);
  });

  it('calls the loader once when two app servers (two connections) miss together', async () => {
    const net = network();
    const reader = rnd.pick(net.users);
    const { load, calls } = countingLoader(fromMemory(net));
    const other = db.redisConnection.duplicate();

    await Promise.all(Array.from({ length: 50 }, (_, i) => ex.getFeedWithLock(i % 2 ? other : db.redis, reader._id, load)));

    const expected = { rebuilds: 1 };
    expect({ rebuilds: calls() }).toEqual(expected);
  });

  it('holds lock:feed:user:<id> with an expiry while rebuilding, and releases it after', async () => {
    const net = network();
    const reader = rnd.pick(net.users);
    let lockTtlDuringRebuild = Number.NaN;
    const load = async (id: ObjectId): Promise<Post[] | null> => {
      lockTtlDuringRebuild = await db.redis.pttl(lockKey(id));
      return fromMemory(net)(id);
    };

    await ex.getFeedWithLock(db.redis, reader._id, load);

    const expected = { lockHasExpiry: true, lockAfter: 0 };
    expect({
      lockHasExpiry: lockTtlDuringRebuild > 0 && lockTtlDuringRebuild <= 5_000,
      lockAfter: await db.redis.exists(lockKey(reader._id)),
    }, `PTTL of the lock during the rebuild: ${lockTtlDuringRebuild}`).toEqual(expected);
  });

  it('stores the rebuilt feed with a TTL of about an hour', async () => {
    const net = network();
    const reader = rnd.pick(net.users);

    await ex.getFeedWithLock(db.redis, reader._id, fromMemory(net));

    const ttl = await db.redis.ttl(feedKey(reader._id));
    const expected = { withinAnHourPlusMinus10: true };
    expect({ withinAnHourPlusMinus10: ttl >= HOUR * 0.9 - 1 && ttl <= HOUR * 1.1 }, `TTL: ${ttl}`).toEqual(expected);
  });

  it('waits out a lock left by a crashed rebuild, then rebuilds once', async () => {
    const net = network();
    const reader = rnd.pick(net.users);
    await db.redis.set(lockKey(reader._id), 'crashed-process', 'PX', 300);
    const { load, calls } = countingLoader(fromMemory(net));

    const feeds = await Promise.all(Array.from({ length: 10 }, () => ex.getFeedWithLock(db.redis, reader._id, load)));

    const feed = net.feeds.get(reader._id.toHexString());
    const expected = { rebuilds: 1, feeds: feeds.map(() => feed) };
    expect({ rebuilds: calls(), feeds }).toEqual(expected);
  });

  it('passes a failed rebuild on to the caller and releases the lock', async () => {
    const reader = new ObjectId();
    const failure = new Error(`MongoDB is down (${rnd.word()})`);
    const load = async (): Promise<Post[] | null> => {
      throw failure;
    };

    const outcome = await ex.getFeedWithLock(db.redis, reader, load).then(() => 'resolved', (e: unknown) => e);
    if (outcome instanceof Error && outcome.name === 'TodoError') throw outcome;

    const expected = { outcome: failure, lockAfter: 0 };
    expect({ outcome, lockAfter: await db.redis.exists(lockKey(reader)) }).toEqual(expected);
  });
});

describe('Remember a user who does not exist', () => {
  // Likely mistakes: not caching a missing user at all (every request reaches MongoDB); caching the marker
  // for the whole hour or with no TTL; storing [] for a missing user (then "missing" and "no posts yet" look
  // the same); treating an empty feed as a missing user.
  it('loads a missing user once and answers the next read from Redis with null', async () => {
    const ghost = new ObjectId();
    const { load, calls } = countingLoader(async () => null);

    const first = await ex.getFeed(db.redis, ghost, load);
    const second = await ex.getFeed(db.redis, ghost, load);

    const expected = { first: { posts: null, hit: false }, second: { posts: null, hit: true }, calls: 1 };
    expect({ first, second, calls: calls() }).toEqual(expected);
  });

  it('remembers the missing user for at most a minute', async () => {
    const ghost = new ObjectId();
    await ex.getFeed(db.redis, ghost, async () => null);

    const ttl = await db.redis.ttl(feedKey(ghost));
    const expected = { shortTtl: true };
    expect({ shortTtl: ttl > 0 && ttl <= 60 }, `TTL of ${feedKey(ghost)}: ${ttl}`).toEqual(expected);
  });

  it('keeps an empty feed apart from a missing user', async () => {
    const quiet = new ObjectId();
    const ghost = new ObjectId();
    const load = async (id: ObjectId): Promise<Post[] | null> => (id.equals(quiet) ? [] : null);
    await ex.getFeed(db.redis, quiet, load);
    await ex.getFeed(db.redis, ghost, load);

    const expected = { quiet: { posts: [], hit: true }, ghost: { posts: null, hit: true } };
    const actual = { quiet: await ex.getFeed(db.redis, quiet, load), ghost: await ex.getFeed(db.redis, ghost, load) };
    expect(actual).toEqual(expected);
    const quietTtl = await db.redis.ttl(feedKey(quiet));
    expect(quietTtl, 'an empty feed is a feed: cached for about an hour').toBeGreaterThan(60);
  });

  it('remembers a missing user in the locked read too', async () => {
    const ghost = new ObjectId();
    const { load, calls } = countingLoader(async () => null);

    const reads = [await ex.getFeedWithLock(db.redis, ghost, load), await ex.getFeedWithLock(db.redis, ghost, load)];

    const expected = { reads: [null, null], calls: 1 };
    expect({ reads, calls: calls() }).toEqual(expected);
  });
});
