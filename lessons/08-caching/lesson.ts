import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 8,
  slug: 'caching',
  title: 'Caching',
  summary: 'Cache-aside for a feed: Redis in front of MongoDB, with TTLs and jitter, invalidation on write, one rebuild per stampede, and the speed-up measured.',
  databases: ['mongo', 'redis'],
  objectives: [
    'Read a feed cache-aside: Redis first, MongoDB on a miss, the result kept under `feed:user:<id>` with a TTL.',
    'Give every cache key a TTL, in the unit the command expects (EX seconds, PX milliseconds), with jitter so keys written together do not expire together.',
    'Keep Dates and ObjectIds through the cache: JSON drops their types, Extended JSON keeps them.',
    'Delete every stale feed after the write to MongoDB — the author\'s and each follower\'s — not before it.',
    'Stop a cache stampede: many misses of one key, one rebuild, with a `SET NX PX` lock.',
    'Remember briefly that a user does not exist, so a bad id does not reach MongoDB on every request; measure what a hit saves.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Build the feed from MongoDB',
      points: 2,
      hints: [
        'Whose posts belong in a feed? The notebook cell "A feed, straight from MongoDB" builds one: the user\'s own posts and those of everyone in `follows`.',
        'First `findOne({ _id: userId })` in `users`: what should you return when there is no such user, and what when the user exists but nobody wrote anything?',
        'One query for every author: `{ authorId: { $in: [userId, ...user.follows] } }`. Then let MongoDB sort (newest first, `_id` to break ties) and cut to FEED_SIZE.',
        'Almost there: `return db.collection<Post>(\'posts\').find({ authorId: { $in: [userId, ...user.follows] } }).sort({ createdAt: -1, _id: -1 }).limit(FEED_SIZE).toArray();`',
      ],
    },
    {
      title: 'Keep Dates and ObjectIds through JSON',
      points: 2,
      hints: [
        'Run `JSON.parse(JSON.stringify(post))` in your head: what type is `createdAt` afterwards, and `_id`?',
        'A reviver that turns every ISO-looking string into a Date would also turn a post whose text is "2025-01-01T00:00:00.000Z" into a Date. The type has to travel with the value.',
        'MongoDB already has a JSON that tags types: Extended JSON, `{"$date": …}` and `{"$oid": …}`. The driver exports it as `BSON.EJSON`.',
        'Almost there: `BSON.EJSON.stringify(posts)` to encode, `BSON.EJSON.parse(text) as Post[]` to decode (`import { BSON } from \'mongodb\'`).',
      ],
    },
    {
      title: 'Read the feed through the cache',
      points: 3,
      hints: [
        'Cache-aside in three steps: GET the key; if Redis had it, decode it; if not, call `load(userId)` and SET the result. Which key? `feedKey(userId)`.',
        'Every cache key needs an expiry. `SET key value EX n` takes seconds and `PX n` milliseconds: which one does an hour of 3600 need?',
        'Jitter: `Math.round(seconds * (0.9 + 0.2 * random()))` lands within ±10%. Count with `redis.incr(HITS_KEY)` or `redis.incr(MISSES_KEY)` on each read.',
        'Almost there: in storeFeed, `await redis.set(feedKey(userId), encodeFeed(posts), \'EX\', jitteredTtl(FEED_TTL_SECONDS))`; in getFeed, `const cached = await redis.get(feedKey(userId)); if (cached !== null) return { posts: decodeFeed(cached), hit: true };`',
      ],
    },
    {
      title: 'Invalidate feeds when a post is written',
      points: 2,
      hints: [
        'Which cached feeds show a new post? Not only the author\'s: every user whose `follows` holds the author.',
        'In which order: the write to MongoDB or the DEL? Picture a reader arriving in between — what would it cache, and for how long?',
        'Find the followers with `db.collection<User>(\'users\').find({ follows: post.authorId })`: a filter on an array field matches any element.',
        'Almost there: `insertOne` first, then `await redis.del(feedKey(post.authorId), ...followers.map((user) => feedKey(user._id)))`.',
      ],
    },
    {
      title: 'Let one caller rebuild a missing feed',
      points: 3,
      hints: [
        'A hundred requests miss the same key at once: how many of them should query MongoDB? The others need something to wait for.',
        'GET the lock and then SET it is two steps; all hundred callers pass the first before anyone does the second. Which option of SET makes "take it if free" one step, and which one frees it if your process dies?',
        'The one that got `\'OK\'` from `redis.set(lockKey(userId), token, \'PX\', LOCK_TTL_MS, \'NX\')` reads the cache once more, then loads, stores and releases in a `finally`. The others `await sleep(wait)` and try the whole loop again.',
        'Almost there, in the loop: `const token = randomUUID(); if ((await redis.set(lockKey(userId), token, \'PX\', LOCK_TTL_MS, \'NX\')) === \'OK\') { try { const posts = await load(userId); await storeFeed(redis, userId, posts); return posts; } finally { await redis.eval(RELEASE_LOCK, 1, lockKey(userId), token); } }` (read the cache once more before `load`). The script deletes the lock only if it is still yours.',
      ],
    },
    {
      title: 'Remember a user who does not exist',
      points: 2,
      hints: [
        'What does `load` return for a user that does not exist, and what does your getFeed do with it? Each request for that id goes to MongoDB again.',
        'Store something that means "no such user" under the same key — MISSING_MARKER — and check for it before you decode.',
        'For how long? Not an hour: the user may sign up in a minute. `MISSING_TTL_SECONDS` is 60.',
        'Almost there: `await redis.set(feedKey(userId), MISSING_MARKER, \'EX\', MISSING_TTL_SECONDS)`, and in getFeed `if (cached !== null) return { posts: cached === MISSING_MARKER ? null : decodeFeed(cached), hit: true };`',
      ],
    },
  ],
});
