/**
 * Lesson 07 — Redis basics. One `describe` per task in lessons/07-redis-basics/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/07-redis-basics.test.ts
 */
import { describe, expect, it } from 'vitest';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';
import { recordRedis } from '#lab/testing/redis-recorder.ts';

type Exercise = typeof import('../solutions/07-redis-basics/exercise.ts');

const ex = await loadExercise<Exercise>('07-redis-basics');
const db = useBackends(['redis']);
const rnd = useRandom();

// On a real server each run's keys carry a prefix of its own (lab/backends/isolation.ts); the course's
// connection adds it to SCAN and KEYS patterns and takes it off their replies, so names here are plain.

/** Keys left in the keyspace under `shop:*`, sorted (the tests' own way to look, not the learner's). */
async function shopKeys(): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await db.redis.scan(cursor, 'MATCH', 'shop:*', 'COUNT', 1000);
    cursor = next;
    keys.forEach((key) => found.add(key));
  } while (cursor !== '0');
  return [...found].sort();
}

describe('Store a value that expires', () => {
  // Mistakes caught: no TTL at all (TTL -1); PX with seconds (a TTL a thousand times too short);
  // EXPIRE in a second command (works, but the value lives forever if the client dies between them — not
  // testable, so the hint says it); GETEX without a TTL or GET then EXPIRE on a missing key creating it.
  it('stores the value with a TTL of the given seconds', async () => {
    const key = `shop:cache:${rnd.id()}`;
    const value = rnd.word();
    const seconds = rnd.int(60, 3_600);

    await ex.setWithTtl(db.redis, key, value, seconds);

    const expected = { value, ttl: seconds };
    const ttl = await db.redis.ttl(key);
    expect({ value: await db.redis.get(key), ttl: ttl >= seconds - 1 ? seconds : ttl }).toEqual(expected);
  });

  it('counts the TTL in seconds, not milliseconds (PTTL near seconds × 1000)', async () => {
    const key = `shop:cache:${rnd.id()}`;
    const seconds = rnd.int(120, 600);

    await ex.setWithTtl(db.redis, key, 'v', seconds);

    const pttl = await db.redis.pttl(key);
    expect(pttl).toBeGreaterThan((seconds - 2) * 1000);
    expect(pttl).toBeLessThanOrEqual(seconds * 1000);
  });

  it('restarts the TTL when the value is read with getAndRefresh', async () => {
    const key = `shop:session:${rnd.id()}`;
    const value = rnd.id(16);
    await db.redis.set(key, value, 'EX', 5);
    const seconds = rnd.int(600, 1_800);

    const read = await ex.getAndRefresh(db.redis, key, seconds);

    const expected = { read: value, ttlRestarted: true };
    expect({ read, ttlRestarted: (await db.redis.ttl(key)) >= seconds - 1 }).toEqual(expected);
  });

  it('returns null for a missing key and does not create it', async () => {
    const key = `shop:session:${rnd.id()}`;

    const read = await ex.getAndRefresh(db.redis, key, 60);

    const expected = { read: null, exists: 0 };
    expect({ read, exists: await db.redis.exists(key) }).toEqual(expected);
  });
});

describe('Claim a name only once', () => {
  // Mistakes caught: SET without NX (the second claim overwrites the first); GET then SET (a race:
  // several concurrent claims all see the name free); returning the SET reply instead of a boolean;
  // an un-namespaced key (`<username>` instead of `shop:username:<username>`).
  it('claims a free name under shop:username:<name> and returns true', async () => {
    const username = rnd.word() + rnd.int(1, 999);
    const userId = rnd.id();

    const claimed = await ex.claimUsername(db.redis, username, userId);

    const expected = { claimed: true, owner: userId, keys: [`shop:username:${username}`] };
    expect({ claimed, owner: await db.redis.get(`shop:username:${username}`), keys: await shopKeys() }).toEqual(expected);
  });

  it('returns false for a taken name and leaves its owner alone', async () => {
    const username = rnd.word();
    const [first, second] = [rnd.id(), rnd.id()];

    const results = [await ex.claimUsername(db.redis, username, first), await ex.claimUsername(db.redis, username, second)];

    const expected = { results: [true, false], owner: first };
    expect({ results, owner: await db.redis.get(`shop:username:${username}`) }).toEqual(expected);
  });

  it('lets exactly one of many concurrent claims win, and stores the winner', async () => {
    const username = rnd.word();
    const ids = Array.from({ length: rnd.int(10, 30) }, () => rnd.id());

    const results = await Promise.all(ids.map((id) => ex.claimUsername(db.redis, username, id)));

    const winners = ids.filter((_, i) => results[i]);
    const expected = { winners: 1, owner: winners[0] };
    expect({ winners: winners.length, owner: await db.redis.get(`shop:username:${username}`) }).toEqual(expected);
  });
});

describe('Count views with INCR', () => {
  // Mistakes caught: GET then SET (50 concurrent views count fewer than 50); returning the old count;
  // a count stored as anything but the plain integer INCR keeps; an un-namespaced key.
  it('returns 1, 2, 3 … for successive views of a page, in shop:views:<pageId>', async () => {
    const page = rnd.word();
    const n = rnd.int(3, 8);

    const counts: number[] = [];
    for (let i = 0; i < n; i++) counts.push(await ex.countView(db.redis, page));

    const expected = { counts: Array.from({ length: n }, (_, i) => i + 1), stored: String(n) };
    expect({ counts, stored: await db.redis.get(`shop:views:${page}`) }).toEqual(expected);
  });

  it('loses no view when 50 arrive at once', async () => {
    const page = rnd.word();

    const counts = await Promise.all(Array.from({ length: 50 }, () => ex.countView(db.redis, page)));

    const expected = { stored: '50', counts: Array.from({ length: 50 }, (_, i) => i + 1) };
    expect({ stored: await db.redis.get(`shop:views:${page}`), counts: [...counts].sort((a, b) => a - b) }).toEqual(expected);
  });

  it('keeps each page in its own counter', async () => {
    const [a, b] = rnd.sample(['home', 'cart', 'search', 'checkout', 'help'], 2) as [string, string];
    const times = { [a]: rnd.int(1, 5), [b]: rnd.int(6, 9) };

    for (const [page, n] of Object.entries(times)) for (let i = 0; i < n; i++) await ex.countView(db.redis, page);

    const expected = [`shop:views:${a}`, `shop:views:${b}`].sort();
    expect(await shopKeys()).toEqual(expected);
    expect([await db.redis.get(`shop:views:${a}`), await db.redis.get(`shop:views:${b}`)]).toEqual([String(times[a]), String(times[b])]);
  });
});

describe('Keep the last N in a list', () => {
  // Mistakes caught: RPUSH (oldest first); no LTRIM (the list grows without end); LTRIM 0 keep
  // (one too many: both ends are inclusive); LRANGE 0 keep (reads a fixed length instead of the list).
  it('returns the items newest first', async () => {
    const user = rnd.id();
    const items = rnd.sample(['keyboard', 'mouse', 'monitor', 'webcam', 'lamp', 'desk', 'chair'], 4);

    for (const item of items) await ex.rememberRecent(db.redis, user, item, 10);

    const expected = [...items].reverse();
    expect(await ex.recentItems(db.redis, user)).toEqual(expected);
  });

  it('keeps exactly the newest `keep` items in shop:recent:<userId>', async () => {
    const user = rnd.id();
    const keep = rnd.int(3, 6);
    const items = Array.from({ length: keep + rnd.int(2, 6) }, (_, i) => `${rnd.item()} #${i}`);

    for (const item of items) await ex.rememberRecent(db.redis, user, item, keep);

    const expected = items.slice(-keep).reverse();
    expect(await db.redis.lrange(`shop:recent:${user}`, 0, -1)).toEqual(expected);
  });

  it('returns an empty list for a user with no items, and keeps users apart', async () => {
    const [alice, bob] = [rnd.id(), rnd.id()];
    await ex.rememberRecent(db.redis, alice, 'pen', 5);

    const expected = { alice: ['pen'], bob: [] };
    expect({ alice: await ex.recentItems(db.redis, alice), bob: await ex.recentItems(db.redis, bob) }).toEqual(expected);
  });
});

describe('Rank pages in a sorted set', () => {
  // Mistakes caught: ZADD with score 1 (overwrites instead of adding); ZRANGE without REV (fewest views
  // first); stop = n (one page too many); scores returned as strings.
  async function viewPages(): Promise<PageViewsSorted> {
    const pages = rnd.sample(['home', 'cart', 'search', 'checkout', 'help', 'about', 'blog', 'faq'], rnd.int(5, 7));
    const views = rnd.sample(Array.from({ length: 30 }, (_, i) => i + 1), pages.length); // distinct: no ties to order
    const order: string[] = [];
    pages.forEach((page, i) => { for (let k = 0; k < views[i]!; k++) order.push(page); });
    for (const page of rnd.shuffle(order)) await ex.recordPageView(db.redis, page);
    return pages.map((page, i) => ({ page, views: views[i]! })).sort((a, b) => b.views - a.views);
  }
  type PageViewsSorted = { page: string; views: number }[];

  it('counts each view as 1 more in shop:pages:by-views', async () => {
    const page = rnd.word();
    const n = rnd.int(2, 9);

    for (let i = 0; i < n; i++) await ex.recordPageView(db.redis, page);

    const expected = String(n);
    expect(await db.redis.zscore('shop:pages:by-views', page)).toBe(expected);
  });

  it('returns the n most viewed pages, most views first, with numeric counts', async () => {
    const all = await viewPages();
    const n = rnd.int(2, 4);

    const expected = all.slice(0, n);
    expect(await ex.topPages(db.redis, n)).toEqual(expected);
  });

  it('returns every page when n is larger than the set, and [] for an empty set', async () => {
    expect(await ex.topPages(db.redis, 3)).toEqual([]);
    const all = await viewPages();

    const expected = all;
    expect(await ex.topPages(db.redis, all.length + 5)).toEqual(expected);
  });
});

describe('Find keys with SCAN, not KEYS', () => {
  // Mistakes caught: KEYS (blocks a real server while it walks every key: checked by recording the
  // commands sent); one SCAN call instead of looping until the cursor is 0 (misses keys); duplicates
  // kept (SCAN may return a key twice); unsorted result.
  async function seed(): Promise<string[]> {
    const users = Array.from({ length: rnd.int(150, 260) }, (_, i) => `shop:user:${i}-${rnd.id(4)}`);
    const other = Array.from({ length: rnd.int(20, 60) }, (_, i) => `shop:order:${i}`);
    const pipeline = db.redis.pipeline();
    for (const key of [...users, ...other]) pipeline.set(key, '1', 'EX', 600);
    await pipeline.exec();
    return users.sort();
  }

  it('finds every key matching the pattern, sorted', async () => {
    const users = await seed();

    const expected = users.map((key) => `${key}`);
    expect(await ex.findKeys(db.redis, `shop:user:*`)).toEqual(expected);
  });

  it('uses SCAN and never KEYS', async () => {
    await seed();
    const recorder = recordRedis(db.redis);

    await ex.findKeys(recorder.redis, `shop:order:*`);

    const expected = { usedKeys: false, usedScan: true };
    expect({ usedKeys: recorder.used('keys'), usedScan: recorder.used('scan') || recorder.used('scanstream') }).toEqual(expected);
  });

  it('returns [] when nothing matches', async () => {
    await seed();

    const expected: string[] = [];
    expect(await ex.findKeys(db.redis, `shop:nothing-${rnd.id()}:*`)).toEqual(expected);
  });
});
