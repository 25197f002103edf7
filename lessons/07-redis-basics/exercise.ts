// Lesson 07 — Redis basics: strings that expire, a name claimed once, counters, a capped list,
// a ranking in a sorted set, and finding keys with SCAN. Every key is namespaced `shop:<entity>:<id>`.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 7`;
// stuck? `npm run lesson 7 -- --hint`.
import type { Redis } from 'ioredis';
import { todo } from '#lab/todo.ts';

export interface PageViews {
  page: string;
  views: number;
}

// #region expiring-values
/** Stores `value` at `key` so that it expires after `seconds` seconds. */
export async function setWithTtl(redis: Redis, key: string, value: string, seconds: number): Promise<void> {
  return todo('setWithTtl: store the value with a TTL'); // TODO: SET key value EX seconds
}

/** Reads `key` and restarts its expiry at `seconds`; null (and nothing created) when the key is missing. */
export async function getAndRefresh(redis: Redis, key: string, seconds: number): Promise<string | null> {
  return todo('getAndRefresh: read the value and restart its TTL'); // TODO: GETEX key EX seconds
}
// #endregion expiring-values

// #region claim-once
/** Claims `shop:username:<username>` for `userId`; true if this call got it, false if it was taken. */
export async function claimUsername(redis: Redis, username: string, userId: string): Promise<boolean> {
  return todo('claimUsername: claim shop:username:<username> only if it is free'); // TODO: SET … NX; true when the reply is OK
}
// #endregion claim-once

// #region count-views
/** Counts one view of `pageId` in `shop:views:<pageId>` and returns the new count. */
export async function countView(redis: Redis, pageId: string): Promise<number> {
  return todo('countView: count one view atomically'); // TODO: INCR shop:views:<pageId>, return the new count
}
// #endregion count-views

// #region recent-items
/** Puts `item` first in `shop:recent:<userId>` and keeps only the newest `keep` items. */
export async function rememberRecent(redis: Redis, userId: string, item: string, keep: number): Promise<void> {
  return todo('rememberRecent: push the item and cap the list'); // TODO: LPUSH, then LTRIM 0 keep-1 (MULTI keeps them together)
}

/** The items in `shop:recent:<userId>`, newest first. */
export async function recentItems(redis: Redis, userId: string): Promise<string[]> {
  return todo('recentItems: read the whole list'); // TODO: LRANGE shop:recent:<userId> 0 -1
}
// #endregion recent-items

// #region rank-pages
/** Adds one view of `pageId` to the sorted set `shop:pages:by-views`. */
export async function recordPageView(redis: Redis, pageId: string): Promise<void> {
  return todo('recordPageView: add one view to the sorted set'); // TODO: ZINCRBY shop:pages:by-views 1 pageId
}

/** The `n` most viewed pages, most views first, with their counts as numbers. */
export async function topPages(redis: Redis, n: number): Promise<PageViews[]> {
  return todo('topPages: read the top n pages with their scores'); // TODO: ZRANGE … 0 n-1 REV WITHSCORES, then pair them up
}
// #endregion rank-pages

// #region scan-keys
/** Every key matching `pattern` (such as `shop:user:*`), sorted, found with SCAN. */
export async function findKeys(redis: Redis, pattern: string): Promise<string[]> {
  return todo('findKeys: find the keys with SCAN'); // TODO: loop SCAN cursor MATCH pattern until the cursor is 0
}
// #endregion scan-keys
