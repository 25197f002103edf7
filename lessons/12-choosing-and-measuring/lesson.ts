import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 12,
  slug: 'choosing-and-measuring',
  title: 'Choosing and measuring',
  summary: "The article's latency claims measured on your machine — GET vs findOne vs SELECT, a cache hit vs a miss — with a verdict on each, and a database chosen per access pattern.",
  databases: ['sql', 'mongo', 'redis'],
  objectives: [
    'Time a database call honestly: warm-up runs thrown away, many iterations, `process.hrtime.bigint()`, no fixed sleeps.',
    'Report a median and a p99 rather than a mean, and compute them correctly (even counts, nearest rank, a sorted copy).',
    'Say what a figure ran on: an in-process mock or emulator measures something else than a server over TCP.',
    "Set the article's table (Redis 0.1–1 ms, MongoDB 10–50 ms, SQL 5–100 ms, \"50–100x faster\", a 200 ms feed) beside your figures and give each claim a verdict.",
    'Compute a speed-up as a ratio of medians, and read it with the backends line next to it.',
    'Choose PostgreSQL, MongoDB or Redis for an access pattern, and name the reason from the article\'s "when to use each database" lists.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Compute the median and a percentile',
      points: 2,
      hints: [
        'What is the middle of [3, 1, 2]? And of [4, 1, 3, 2]? Sort first — and ask what `[10, 9, 1].sort()` returns in JavaScript.',
        'Sort a copy, `[...samples].sort((a, b) => a - b)`: `sort()` alone compares as strings and reorders the caller\'s array. With an even count the median is the mean of the two middle values.',
        'Nearest rank: the p-th percentile is the sample at rank `Math.ceil(p / 100 * n)`, counting from 1. For 200 samples, p99 is rank 198, index 197.',
        'Almost there: `const rank = Math.ceil((p / 100) * sorted.length); return sorted[Math.max(1, rank) - 1]!;` and, for the median, `const mid = sorted.length >> 1; return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;`',
      ],
    },
    {
      title: 'Time a call without fooling yourself',
      points: 2,
      hints: [
        'Why throw the first calls away? The first query opens a connection and compiles code; which figure would it spoil?',
        '`Date.now()` counts whole milliseconds: what does it say about a 0.08 ms GET? `clock()` (by default `process.hrtime.bigint()`) counts nanoseconds, as a bigint.',
        'Read the clock, `await fn()`, read it again. Without the `await` you time how long it takes to start the call. Convert with `Number(end - start) / 1e6`: dividing the bigint by `1_000_000n` drops the fraction.',
        'Almost there: `for (let i = 0; i < options.warmup; i++) await fn();` then, per iteration, `const start = clock(); await fn(); samples.push(Number(clock() - start) / 1e6);`.',
      ],
    },
    {
      title: 'Give a claim its verdict',
      points: 2,
      hints: [
        'ioredis-mock answers a GET without a network or a server: is its 0.01 ms evidence for or against "Redis takes 0.1–1 ms"?',
        'Three answers, checked in order: no real servers behind the figure → `\'cannot tell on this backend\'`; inside the range → `\'holds\'`; otherwise `\'does not hold here\'`.',
        'Is a figure exactly at `low` or `high` inside the range? The article says "0.1–1 ms": both ends belong to it. And a figure *faster* than the range does not confirm it either.',
        'Almost there: `if (!measured.onServers) return \'cannot tell on this backend\'; return measured.value >= claim.low && measured.value <= claim.high ? \'holds\' : \'does not hold here\';`.',
      ],
    },
    {
      title: 'Compute a speed-up',
      points: 1,
      hints: [
        '"Redis is 50–100x faster": which figure goes on top of the fraction, the slow store\'s or the fast one\'s?',
        'One garbage collection in the middle of the runs can take 30 ms. What does that do to a mean, and what to a median?',
        'Almost there: `return median(slow) / median(fast);`, with your `median` from task 1.',
      ],
    },
    {
      title: 'Choose a database for an access pattern',
      points: 3,
      hints: [
        'Read the article\'s "When to Use Each Database": three lists, one per database. Which list mentions sessions? Which one reporting? Which one flexible schemas?',
        '`pattern.needs` lists what the data must support, the deciding need first. Every `Need` belongs to exactly one of the three lists (the comments in the `Need` type say which).',
        'The reason is graded on its key point: for \'expiring-sessions\' say session and TTL or expiry, for \'acid-across-rows\' say ACID or transaction, for \'reporting\' say GROUP BY or aggregation, for \'atomic-counters\' say atomic. Do not argue for another store in it.',
        "Almost there: `switch (pattern.needs[0]) { case 'expiring-sessions': return { store: 'redis', reason: 'A session read on every request that must expire: a Redis key with a TTL.' }; … }` — one case per need.",
      ],
    },
  ],
});
