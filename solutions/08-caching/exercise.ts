// Lesson 08 — Caching: put the feed of lesson 01's article in front of MongoDB with Redis.
// Build a feed from MongoDB, keep its Dates and ObjectIds through JSON, read it cache-aside with a
// jittered TTL, drop stale feeds when a post is written, let one caller rebuild a missing feed, and
// remember users who do not exist.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 8`;
// stuck? `npm run lesson 8 -- --hint`.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BSON } from 'mongodb';
import type { Db, ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';

/** A user of the social network: whose posts they follow. */
export interface User {
  _id: ObjectId;
  name: string;
  follows: ObjectId[];
}

/** A post, as stored in the `posts` collection. */
export interface Post {
  _id: ObjectId;
  authorId: ObjectId;
  text: string;
  createdAt: Date;
}

export type NewPost = Omit<Post, '_id'>;

/** Where a feed comes from on a miss: MongoDB in the app, a counting or slow one in the checks. */
export type FeedLoader = (userId: ObjectId) => Promise<Post[] | null>;

/** What a cached read returns: the feed (`null`: no such user) and whether Redis had it. */
export interface FeedRead {
  posts: Post[] | null;
  hit: boolean;
}

/** How many posts a feed shows. */
export const FEED_SIZE = 20;
/** The article caches a feed for an hour (`ex=3600`); its combined stack refreshes every five minutes. */
export const FEED_TTL_SECONDS = 3600;
/** A user that does not exist is remembered for a minute, not an hour: they may sign up. */
export const MISSING_TTL_SECONDS = 60;
/** What the cache holds for a user that does not exist. */
export const MISSING_MARKER = 'missing-user';
/** Counters of cache hits and misses. */
export const HITS_KEY = 'stats:feed:hits';
export const MISSES_KEY = 'stats:feed:misses';
/** How long a rebuild may hold its lock before another caller may take over. */
export const LOCK_TTL_MS = 5_000;

export const feedKey = (userId: ObjectId): string => `feed:user:${userId.toHexString()}`;
export const lockKey = (userId: ObjectId): string => `lock:feed:user:${userId.toHexString()}`;

// #region build-feed
/**
 * The feed of user `userId`: the newest FEED_SIZE posts written by the user or anyone they follow,
 * newest first (equal times: larger `_id` first). `null` when there is no such user.
 */
export async function buildFeed(db: Db, userId: ObjectId): Promise<Post[] | null> {
  const user = await db.collection<User>('users').findOne({ _id: userId });
  if (!user) return null; // why: "no such user" must stay different from "a user with no posts yet" ([])
  // why: one query over every author, sorted and cut in the database, not in memory; _id breaks ties so the order is stable.
  return db.collection<Post>('posts')
    .find({ authorId: { $in: [userId, ...user.follows] } })
    .sort({ createdAt: -1, _id: -1 })
    .limit(FEED_SIZE)
    .toArray();
}
// #endregion build-feed

// #region serialise
/** The feed as text for Redis, in a form `decodeFeed` turns back into Dates and ObjectIds. */
export function encodeFeed(posts: readonly Post[]): string {
  return BSON.EJSON.stringify(posts); // why: Extended JSON tags each value's type ({"$date": …}, {"$oid": …}); plain JSON drops it
}

/** The feed `encodeFeed` wrote, with every `createdAt` a Date and every id an ObjectId again. */
export function decodeFeed(text: string): Post[] {
  return BSON.EJSON.parse(text) as Post[]; // why: reads the tags back, so a post whose text looks like a date stays a string
}
// #endregion serialise

// #region jitter
/**
 * A TTL within ±10% of `seconds`, in whole seconds: `round(seconds × (0.9 + 0.2 × random()))`,
 * so keys written in the same second do not all expire in the same second.
 */
export function jitteredTtl(seconds: number, random: () => number = Math.random): number {
  return Math.round(seconds * (0.9 + 0.2 * random())); // why: spread expiries over ±10% of the TTL; EX wants whole seconds
}
// #endregion jitter

// #region get-feed
/**
 * Cache-aside: the feed from `feed:user:<id>` if Redis has it (a hit), else from `load` (a miss),
 * then kept in Redis for about FEED_TTL_SECONDS (jittered). Counts hits in HITS_KEY, misses in MISSES_KEY.
 * A user that does not exist is remembered as MISSING_MARKER for MISSING_TTL_SECONDS.
 */
export async function getFeed(redis: Redis, userId: ObjectId, load: FeedLoader): Promise<FeedRead> {
  const key = feedKey(userId);
  const cached = await redis.get(key);
  if (cached !== null) {
    await redis.incr(HITS_KEY); // why: INCR is atomic, so concurrent readers never lose a count
    return { posts: cached === MISSING_MARKER ? null : decodeFeed(cached), hit: true };
  }
  await redis.incr(MISSES_KEY);
  const posts = await load(userId);
  await storeFeed(redis, userId, posts);
  return { posts, hit: false };
}

/** Writes a feed (or the missing-user marker) with its TTL; shared by getFeed and getFeedWithLock. */
export async function storeFeed(redis: Redis, userId: ObjectId, posts: Post[] | null): Promise<void> {
  if (posts === null) {
    // why: a short TTL stops a missing user costing a query on every request, and lets a sign-up show up within a minute
    await redis.set(feedKey(userId), MISSING_MARKER, 'EX', MISSING_TTL_SECONDS);
    return;
  }
  // why: EX takes seconds; every cache key gets a TTL, so a feed the invalidation missed still heals within the hour
  await redis.set(feedKey(userId), encodeFeed(posts), 'EX', jitteredTtl(FEED_TTL_SECONDS));
}
// #endregion get-feed

// #region publish-post
/**
 * Saves a post in MongoDB, then deletes the cached feed of every user whose feed shows it:
 * the author and everyone who follows the author. Returns the saved post.
 */
export async function publishPost(redis: Redis, db: Db, post: NewPost): Promise<Post> {
  const saved = { ...post } as Post;
  await db.collection<NewPost>('posts').insertOne(saved); // why: the source first; a reader that rebuilds after this sees the post
  const followers = await db.collection<User>('users')
    .find({ follows: post.authorId }, { projection: { _id: 1 } })
    .toArray();
  // why: the post shows in its author's feed and in every follower's, so each of those cached feeds is now stale
  await redis.del(feedKey(post.authorId), ...followers.map((user) => feedKey(user._id)));
  return saved;
}
// #endregion publish-post

// #region lock
/** Deletes the lock only if it still holds our token: after a slow rebuild it may be someone else's. */
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Like getFeed, but when many callers miss the same feed at once only one of them calls `load`:
 * it takes `lock:feed:user:<id>` (SET NX PX LOCK_TTL_MS), rebuilds and releases it; the others
 * wait for the feed to appear in Redis. Returns the feed (`null`: no such user).
 */
export async function getFeedWithLock(redis: Redis, userId: ObjectId, load: FeedLoader): Promise<Post[] | null> {
  const key = feedKey(userId);
  for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
    const cached = await redis.get(key);
    if (cached !== null) return cached === MISSING_MARKER ? null : decodeFeed(cached);
    const token = randomUUID();
    // why: NX makes "is it free?" and "take it" one atomic step; PX frees it if this process dies mid-rebuild
    const taken = await redis.set(lockKey(userId), token, 'PX', LOCK_TTL_MS, 'NX');
    if (taken === 'OK') {
      try {
        const filled = await redis.get(key); // why: the holder before us may have stored the feed between our GET and our SET
        if (filled !== null) return filled === MISSING_MARKER ? null : decodeFeed(filled);
        const posts = await load(userId);
        await storeFeed(redis, userId, posts);
        return posts;
      } finally {
        await redis.eval(RELEASE_LOCK, 1, lockKey(userId), token);
      }
    }
    await sleep(wait); // why: someone else is rebuilding; back off and read the cache again instead of querying MongoDB
  }
}
// #endregion lock
