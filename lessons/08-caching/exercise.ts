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
import { todo } from '#lab/todo.ts';

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
  return todo('buildFeed: find the user, then their feed in posts'); // TODO: findOne the user; find posts by [user, ...follows], sort, limit
}
// #endregion build-feed

// #region serialise
/** The feed as text for Redis, in a form `decodeFeed` turns back into Dates and ObjectIds. */
export function encodeFeed(posts: readonly Post[]): string {
  return todo('encodeFeed: turn the posts into text that keeps their types'); // TODO: a JSON that tags Dates and ObjectIds
}

/** The feed `encodeFeed` wrote, with every `createdAt` a Date and every id an ObjectId again. */
export function decodeFeed(text: string): Post[] {
  return todo('decodeFeed: read the text back into posts'); // TODO: parse, with Dates and ObjectIds revived
}
// #endregion serialise

// #region jitter
/**
 * A TTL within ±10% of `seconds`, in whole seconds: `round(seconds × (0.9 + 0.2 × random()))`,
 * so keys written in the same second do not all expire in the same second.
 */
export function jitteredTtl(seconds: number, random: () => number = Math.random): number {
  return todo('jitteredTtl: spread the TTL by ±10%'); // TODO: round(seconds × (0.9 + 0.2 × random()))
}
// #endregion jitter

// #region get-feed
/**
 * Cache-aside: the feed from `feed:user:<id>` if Redis has it (a hit), else from `load` (a miss),
 * then kept in Redis for about FEED_TTL_SECONDS (jittered). Counts hits in HITS_KEY, misses in MISSES_KEY.
 * A user that does not exist is remembered as MISSING_MARKER for MISSING_TTL_SECONDS.
 */
export async function getFeed(redis: Redis, userId: ObjectId, load: FeedLoader): Promise<FeedRead> {
  return todo('getFeed: read Redis first, load and store on a miss'); // TODO: GET; hit → INCR hits, decode; miss → INCR misses, load, storeFeed
}

/** Writes a feed (or the missing-user marker) with its TTL; shared by getFeed and getFeedWithLock. */
export async function storeFeed(redis: Redis, userId: ObjectId, posts: Post[] | null): Promise<void> {
  if (posts === null) {
    return todo('storeFeed: remember that this user does not exist'); // TODO: SET the feed key to MISSING_MARKER, EX MISSING_TTL_SECONDS
  }
  return todo('storeFeed: keep the feed in Redis with a TTL'); // TODO: SET the feed key to encodeFeed(posts), EX jitteredTtl(FEED_TTL_SECONDS)
}
// #endregion get-feed

// #region publish-post
/**
 * Saves a post in MongoDB, then deletes the cached feed of every user whose feed shows it:
 * the author and everyone who follows the author. Returns the saved post.
 */
export async function publishPost(redis: Redis, db: Db, post: NewPost): Promise<Post> {
  return todo('publishPost: save the post, then drop the stale feeds'); // TODO: insertOne, find the followers, DEL their feed keys and the author's
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
  return todo('getFeedWithLock: one rebuild for many misses'); // TODO: loop: GET; SET lock NX PX → load, storeFeed, release; else sleep and retry
}
// #endregion lock
