// Lesson 07 — Redis basics: strings that expire, a name claimed once, counters, a capped list,
// a ranking in a sorted set, and finding keys with SCAN. Every key is namespaced `shop:<entity>:<id>`.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 7`;
// stuck? `npm run lesson 7 -- --hint`.
import type { Redis } from 'ioredis';

export interface PageViews {
  page: string;
  views: number;
}

// #region expiring-values
/** Stores `value` at `key` so that it expires after `seconds` seconds. */
export async function setWithTtl(redis: Redis, key: string, value: string, seconds: number): Promise<void> {
  // why: SET … EX writes the value and its TTL in one command, in seconds (PX would be milliseconds).
  await redis.set(key, value, 'EX', seconds);
}

/** Reads `key` and restarts its expiry at `seconds`; null (and nothing created) when the key is missing. */
export async function getAndRefresh(redis: Redis, key: string, seconds: number): Promise<string | null> {
  // why: GETEX reads and resets the TTL in one step; a missing key stays missing.
  return redis.getex(key, 'EX', seconds);
}
// #endregion expiring-values

// #region claim-once
/** Claims `shop:username:<username>` for `userId`; true if this call got it, false if it was taken. */
export async function claimUsername(redis: Redis, username: string, userId: string): Promise<boolean> {
  // why: SET … NX is one atomic check-and-set: of any number of concurrent claims exactly one gets OK.
  return (await redis.set(`shop:username:${username}`, userId, 'NX')) === 'OK';
}
// #endregion claim-once

// #region count-views
/** Counts one view of `pageId` in `shop:views:<pageId>` and returns the new count. */
export async function countView(redis: Redis, pageId: string): Promise<number> {
  // why: INCR reads and adds inside Redis, so concurrent views are never lost (GET then SET would lose them).
  return redis.incr(`shop:views:${pageId}`);
}
// #endregion count-views

// #region recent-items
/** Puts `item` first in `shop:recent:<userId>` and keeps only the newest `keep` items. */
export async function rememberRecent(redis: Redis, userId: string, item: string, keep: number): Promise<void> {
  const key = `shop:recent:${userId}`;
  // why: LPUSH puts the newest first; LTRIM 0..keep-1 caps the list (both ends of the range count).
  await redis.multi().lpush(key, item).ltrim(key, 0, keep - 1).exec();
}

/** The items in `shop:recent:<userId>`, newest first. */
export async function recentItems(redis: Redis, userId: string): Promise<string[]> {
  // why: 0..-1 is the whole list; -1 means the last element.
  return redis.lrange(`shop:recent:${userId}`, 0, -1);
}
// #endregion recent-items

// #region rank-pages
/** Adds one view of `pageId` to the sorted set `shop:pages:by-views`. */
export async function recordPageView(redis: Redis, pageId: string): Promise<void> {
  // why: ZINCRBY adds to the member's score atomically (ZADD would overwrite it).
  await redis.zincrby('shop:pages:by-views', 1, pageId);
}

/** The `n` most viewed pages, most views first, with their counts as numbers. */
export async function topPages(redis: Redis, n: number): Promise<PageViews[]> {
  // why: REV puts the highest scores first; stop is inclusive, so 0..n-1 is n members.
  const flat = await redis.zrange('shop:pages:by-views', 0, n - 1, 'REV', 'WITHSCORES');
  const pages: PageViews[] = [];
  for (let i = 0; i < flat.length; i += 2) pages.push({ page: flat[i]!, views: Number(flat[i + 1]) });
  return pages;
}
// #endregion rank-pages

// #region scan-keys
/** Every key matching `pattern` (such as `shop:user:*`), sorted, found with SCAN. */
export async function findKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  // why: SCAN walks the keyspace a page at a time without blocking the server as KEYS does; it is done when the cursor is back at 0, and may repeat a key.
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
    cursor = next;
    for (const key of keys) found.add(key);
  } while (cursor !== '0');
  return [...found].sort();
}
// #endregion scan-keys
