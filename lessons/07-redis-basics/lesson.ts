import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 7,
  slug: 'redis-basics',
  title: 'Redis basics',
  summary: 'Strings that expire, atomic counters, hashes, lists, sets and sorted sets, key naming and SCAN, and what a restart without persistence loses.',
  databases: ['redis'],
  objectives: [
    'Store a value with a TTL in one command (`SET … EX`), read it with `TTL`/`PTTL`, and keep seconds and milliseconds apart.',
    'Write only if a key is missing (`NX`) or present (`XX`), and see why a GET-then-SET check loses to concurrent callers.',
    'Count with `INCR`: 50 concurrent increments make 50, where GET-then-SET makes far fewer.',
    'Choose the structure for the job: a hash for an object, a list for the newest N, a set for membership, a sorted set for a ranking.',
    'Name keys `app:entity:id`, find them with `SCAN` instead of `KEYS`, and recognise a `WRONGTYPE` error.',
    'Say what a Redis server without persistence loses when it restarts, and what RDB snapshots and the AOF keep.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Store a value that expires',
      points: 2,
      hints: [
        'Which option of `SET` gives the key a time to live in the same command? Is it counted in seconds or in milliseconds?',
        'The check reads the TTL back with `PTTL`: `PX 3600` would live 3.6 seconds, not an hour. For reading, which command returns the value and changes the expiry at once?',
        'A separate `EXPIRE` after `SET` works until the client dies between the two; then the key lives forever. `GETEX` on a missing key returns null and creates nothing.',
        "Almost there: `await redis.set(key, value, 'EX', seconds)`, and `return redis.getex(key, 'EX', seconds)`.",
      ],
    },
    {
      title: 'Claim a name only once',
      points: 2,
      hints: [
        'What does a plain `SET` do to a key that already holds someone else\'s id?',
        'Reading first (`GET`) and writing if it was empty is two round trips: twenty concurrent claims can all read "free". Which `SET` option makes the check and the write one step?',
        '`SET key value NX` replies `OK` when it wrote and `null` when the key existed. The key is `shop:username:<username>`.',
        "Almost there: `return (await redis.set('shop:username:' + username, userId, 'NX')) === 'OK';` (or build the key with a template literal).",
      ],
    },
    {
      title: 'Count views with INCR',
      points: 2,
      hints: [
        'If two requests both read 41 and both write 42, how many views were lost? Which command adds inside Redis instead?',
        '`INCR` creates a missing key at 0, adds 1 and replies with the new value, in one atomic step.',
        'The check sends 50 views at once and expects the counter at exactly 50, under `shop:views:<pageId>`.',
        "Almost there: `return redis.incr('shop:views:' + pageId);` (or build the key with a template literal).",
      ],
    },
    {
      title: 'Keep the last N in a list',
      points: 2,
      hints: [
        'Which end of the list should the newest item go to, so that reading from index 0 gives newest first?',
        'After the push, which command cuts the list down to a range? Are both ends of the range included?',
        "`LTRIM key 0 keep-1` keeps `keep` items. `redis.multi().lpush(key, item).ltrim(key, 0, keep - 1).exec()` sends both together; `LRANGE key 0 -1` reads them all.",
        "Almost there: `const key = 'shop:recent:' + userId;` then `await redis.multi().lpush(key, item).ltrim(key, 0, keep - 1).exec();` and, to read, `return redis.lrange('shop:recent:' + userId, 0, -1);`",
      ],
    },
    {
      title: 'Rank pages in a sorted set',
      points: 2,
      hints: [
        'A sorted set keeps members ordered by a score. Which command adds to a member\'s score instead of replacing it?',
        'ZRANGE lists lowest scores first. Which option reverses it, and which one returns the scores with the members?',
        "`ZRANGE key 0 n-1 REV WITHSCORES` replies `[member, score, member, score, …]`, scores as strings: pair them up and convert with `Number`.",
        "Almost there: `await redis.zincrby('shop:pages:by-views', 1, pageId)`; `const flat = await redis.zrange('shop:pages:by-views', 0, n - 1, 'REV', 'WITHSCORES')`.",
      ],
    },
    {
      title: 'Find keys with SCAN, not KEYS',
      points: 2,
      hints: [
        '`KEYS` walks the whole keyspace in one go while every other client waits. Which command walks it a page at a time?',
        '`SCAN cursor MATCH pattern COUNT n` replies `[nextCursor, keys]`. When are you done?',
        'Loop until the cursor comes back as `\'0\'`; SCAN may return a key twice, so collect into a `Set`, then sort.',
        "Almost there: `do { const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 100); cursor = next; keys.forEach((k) => found.add(k)); } while (cursor !== '0');`",
      ],
    },
  ],
});
