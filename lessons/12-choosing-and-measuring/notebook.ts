/**
 * Lesson 12 — Choosing and measuring, the walkthrough. `npm run lesson 12` runs it cell by cell, then
 * checks exercise.ts. Safe to run again: it drops only the collections, tables and keys it creates
 * (all named `bench…`), and writes its figures to .nosql-lab/measurements.json.
 */
import { join } from 'node:path';
import { BSON, ObjectId } from 'mongodb';
import { backends, cell, note, show } from '#lab/notebook/index.ts';
import { STATE_DIR } from '#lab/paths.ts';
import {
  SEED_CLAIMS, chart, figure, judge, machine, measure, median, ms, percentile, range, runtime, times,
  writeMeasurements, type Figure,
} from './bench.ts';

cell("The article's numbers, as claims", `
  The article gives latencies as facts: Redis 0.1–1 ms, MongoDB 10–50 ms, SQL
  5–100 ms, "Redis is 50–100x faster", a feed that takes 200 ms from MongoDB
  and 0.5 ms from the cache. This lesson treats each as a claim with a range,
  measures the same thing on your machine, and gives each one a verdict.
`);
// #region claims
show(SEED_CLAIMS.map((c) =>
  ({ claim: c.claim, article: range(c), 'the article says': c.says })));
// #endregion claims

cell('What this run measures on', `
  A figure means nothing without what it ran on. ioredis-mock answers a GET
  with a function call in this process; a Redis server answers over TCP,
  through the kernel, from another process. The MongoDB emulator and PGlite run
  in this process too. So on the embedded defaults the figures are real, but
  they measure the course's stand-ins, not the servers the article talks about.
`);
// #region runtime
const { mongo, redis, sql } = await backends();
const on = runtime();
const where = (server: boolean): string => (server ? 'a server, over TCP' : 'in this process');
show([
  { database: 'Redis', 'ran on': on.redis.label, where: where(on.redis.onServer) },
  { database: 'MongoDB', 'ran on': on.mongo.label, where: where(on.mongo.onServer) },
  { database: 'SQL', 'ran on': on.sql.label, where: where(on.sql.onServer) },
]);
// #endregion runtime
note(`
  To measure real servers, set the URLs before \`npm run lesson 12\`:
  REDIS_URL=redis://127.0.0.1:6379, DATABASE_URL=postgres://…, MONGODB_URI=….
`);

cell('Timing one call: the clock matters', `
  \`Date.now()\` counts whole milliseconds, so a call that takes 0.05 ms reads
  as 0 ms, or now and then as 1 ms. \`process.hrtime.bigint()\` counts
  nanoseconds on a clock that never jumps back. Here is one Redis GET, five
  times, timed with each.
`);
// #region clocks
await redis.set('bench:clock', 'tick', 'EX', 60);
const byDateNow: string[] = [];
const byHrtime: string[] = [];
for (let i = 0; i < 5; i++) {
  const before = Date.now();
  await redis.get('bench:clock');
  byDateNow.push(`${Date.now() - before} ms`);
  const start = process.hrtime.bigint();
  await redis.get('bench:clock');
  byHrtime.push(ms(Number(process.hrtime.bigint() - start) / 1e6));
}
show([
  { clock: 'Date.now()', 'five GETs': byDateNow.join(', ') },
  { clock: 'hrtime.bigint()', 'five GETs': byHrtime.join(', ') },
]);
await redis.del('bench:clock');
// #endregion clocks

cell('Median and p99, not the mean', `
  One garbage collection, or another program taking the CPU, makes one call
  30 ms slow. The mean moves with it; the median does not. The p99 — the time
  99 calls in 100 beat — is where such outliers show. Here are 200 made-up
  samples near 0.2 ms with two slow ones, summarised three ways.
`);
// #region summaries
const made = Array.from({ length: 200 }, (_, i) => 0.2 + ((i * 37) % 11) / 100);
made[50] = 30;
made[150] = 12;
const mean = made.reduce((a, b) => a + b, 0) / made.length;
show([
  { summary: 'mean', value: ms(mean), 'the two outliers': 'pull it up' },
  { summary: 'median', value: ms(median(made)), 'the two outliers': 'leave it alone' },
  { summary: 'p99', value: ms(percentile(made, 99)), 'the two outliers': 'show in it' },
]);
// #endregion summaries
note(`
  \`measure()\` in bench.ts does what this lesson's task 2 asks of you: 20
  warm-up calls thrown away (the first connection, cold code), then 200 timed
  calls, one sample each, with no sleeps between them.
`);

cell('The same 1,000 users in all three', `
  To compare reads fairly, each database holds the same 1,000 users: Redis as
  \`bench:user:<id>\` strings (with a TTL, as every cache key should have),
  MongoDB as documents, PostgreSQL as rows with a primary key. Each read below
  fetches one user by id, a different one each time.
`);
// #region seed
type Person = { id: number; name: string; email: string; age: number };
const people: Person[] = Array.from({ length: 1000 }, (_, i) => ({
  id: i + 1, name: `user ${i + 1}`, email: `u${i + 1}@example.com`, age: 18 + (i % 60),
}));
const userKeys = people.map((p) => `bench:user:${p.id}`);
const pipeline = redis.pipeline();
for (const p of people) pipeline.set(`bench:user:${p.id}`, JSON.stringify(p), 'EX', 3600);
await pipeline.exec();
const users = mongo.collection<Omit<Person, 'id'> & { _id: number }>('bench_users');
await users.drop().catch(() => undefined);
await users.insertMany(people.map(({ id, ...rest }) => ({ _id: id, ...rest })));
await sql.exec(`
  DROP TABLE IF EXISTS bench_users, bench_writes;
  CREATE TABLE bench_users
    (id integer PRIMARY KEY, name text, email text, age integer);
  CREATE TABLE bench_writes
    (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
`);
await sql.query(`INSERT INTO bench_users
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[])`,
  [people.map((p) => p.id), people.map((p) => p.name),
    people.map((p) => p.email), people.map((p) => p.age)]);
const counted = await sql.query<{ n: number }>(
  'SELECT count(*)::int AS n FROM bench_users');
show({
  'Redis keys': await redis.exists(...userKeys),
  'MongoDB documents': await users.countDocuments(),
  'PostgreSQL rows': counted.rows[0]?.n,
});
// #endregion seed

cell('One user by id: GET vs findOne vs SELECT', `
  The article's first three claims: a Redis operation in 0.1–1 ms, a MongoDB
  query in 10–50 ms, SQL in 5–100 ms. Each read below looks up one user by its
  key — the fastest thing each database does — 200 times after 20 warm-ups.
`);
// #region reads
let next = 0;
const anyId = (): number => (next = (next * 7 + 13) % people.length) + 1;
const redisGet = await measure(() => redis.get(`bench:user:${anyId()}`));
const mongoFind = await measure(() => users.findOne({ _id: anyId() }));
const sqlSelect = await measure(() =>
  sql.query('SELECT * FROM bench_users WHERE id = $1', [anyId()]));
const reads: Figure[] = [
  figure('redis-get', 'Redis GET', redisGet, on.redis),
  figure('mongo-find', 'MongoDB findOne by _id', mongoFind, on.mongo),
  figure('sql-select', 'SELECT … WHERE id = $1', sqlSelect, on.sql),
];
const row = (f: Figure) =>
  ({ what: f.what, median: ms(f.median), p99: ms(f.p99), 'ran on': f.ranOn });
show(reads.map(row));
// #endregion reads

cell("A feed: lesson 08's cache miss and hit", `
  The article's feed "touches 1,000 user records and a 10,000-post index" and
  takes 200 ms in MongoDB, 0.5 ms from Redis. Here, smaller: 200 users who
  follow 20 others each, 1,000 posts, and lesson 08's cache-aside read. A miss
  builds the feed from MongoDB and stores it; a hit reads it back from Redis.
`);
// #region feed
type Author = { _id: ObjectId; follows: ObjectId[] };
const authors: Author[] =
  Array.from({ length: 200 }, () => ({ _id: new ObjectId(), follows: [] }));
authors.forEach((a, n) => {
  a.follows = Array.from({ length: 20 }, (_, k) => authors[(n * 7 + k * 13 + 1) % 200]!._id);
});
const authorsColl = mongo.collection<Author>('bench_authors');
const posts = mongo.collection('bench_posts');
await authorsColl.drop().catch(() => undefined);
await posts.drop().catch(() => undefined);
await authorsColl.insertMany(authors);
await posts.insertMany(Array.from({ length: 1000 }, (_, i) => ({
  authorId: authors[(i * 31) % 200]!._id,
  text: `post ${i}`,
  createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
})));
await posts.createIndex({ authorId: 1, createdAt: -1 });
const reader = authors[0]!;
const feedKey = `bench:feed:user:${reader._id.toHexString()}`;
const buildFeed = async (): Promise<unknown[]> => {
  const user = await authorsColl.findOne({ _id: reader._id });
  return posts.find({ authorId: { $in: [reader._id, ...user!.follows] } })
    .sort({ createdAt: -1 }).limit(20).toArray();
};
const miss = await measure(async () => {
  await redis.del(feedKey);
  await redis.set(feedKey, BSON.EJSON.stringify(await buildFeed()), 'EX', 300);
}, { warmup: 2, iterations: 15 });
const hit = await measure(async () => BSON.EJSON.parse((await redis.get(feedKey))!));
const feeds: Figure[] = [
  figure('feed-miss', 'feed: miss (MongoDB)', miss, on.mongo, on.redis),
  figure('feed-hit', 'feed: hit (Redis)', hit, on.redis),
];
show(feeds.map(row));
show({ 'a hit is faster than a miss by': times(miss.median / hit.median) });
await redis.del(feedKey);
// #endregion feed

cell('One write each way', `
  The article gives no figures for writes, so there is nothing to judge here:
  SET with a TTL, insertOne, and INSERT with parameters, 100 times each. On a
  real server a write is where durability costs: PostgreSQL flushes its log
  to disk on every COMMIT by default.
`);
// #region writes
let w = 0;
const hundred = { warmup: 10, iterations: 100 };
const writes: Figure[] = [
  figure('redis-set', 'Redis SET … EX', await measure(() =>
    redis.set(`bench:write:${w++ % 100}`, 'x', 'EX', 60), hundred), on.redis),
  figure('mongo-insert', 'MongoDB insertOne', await measure(() =>
    mongo.collection('bench_writes').insertOne({ body: 'x', n: w++ }), hundred), on.mongo),
  figure('sql-insert', 'INSERT … VALUES ($1)', await measure(() =>
    sql.query('INSERT INTO bench_writes (body) VALUES ($1)', ['x']), hundred), on.sql),
];
show(writes.map(row));
// #endregion writes

cell("The article's table beside yours", `
  Each claim, the figure measured here, and a verdict: holds, does not hold
  here, or cannot tell on this backend — the last whenever a figure came from
  an in-process stand-in, because a mock has no network and no disk to be
  fast or slow about. The ratios are medians divided by medians.
`);
// #region verdicts
const figures = [...reads, ...feeds, ...writes];
const judged = SEED_CLAIMS.map((c) => judge(c, figures));
show(judged.map((j) => ({
  claim: j.claim,
  article: range(j),
  here: j.unit === 'ms' ? ms(j.measured) : times(j.measured),
  verdict: j.verdict,
})));
console.log(`Ran on:\n  ${on.backends.split(' · ').join('\n  ')}`);
// #endregion verdicts

cell('The figures as a chart', `
  Medians on a log scale, from one microsecond to one second: half the width
  is a factor of a thousand. A log scale keeps 0.002 ms and 200 ms on one
  screen; on a straight scale the fast bars would all be empty.
`);
// #region chart
console.log(chart(figures));
// #endregion chart

cell('Saved for the docs site', `
  The figures, the verdicts and the machine — CPU model, cores, Node version,
  load average, date — go to .nosql-lab/measurements.json. The docs site draws
  a chart from a committed sample of that file; yours will differ, and should.
`);
// #region save
const file = join(STATE_DIR, 'measurements.json');
const run = {
  version: 1 as const, machine: machine(), backends: on.backends, figures, claims: judged,
};
writeMeasurements(file, run);
show({
  file: '.nosql-lab/measurements.json', figures: figures.length, claims: judged.length,
  machine: Object.keys(run.machine).join(', '),
});
await redis.del(...userKeys);
await redis.del(...Array.from({ length: 100 }, (_, i) => `bench:write:${i}`));
for (const name of ['bench_users', 'bench_authors', 'bench_posts', 'bench_writes']) {
  await mongo.collection(name).drop().catch(() => undefined);
}
await sql.exec('DROP TABLE IF EXISTS bench_users, bench_writes');
// #endregion save

cell('Choosing a database', `
  Speed is one reason among several; the article's "when to use each database"
  lists name the others. The access pattern decides: what the data must
  support matters more than how fast a single read is.
`);
// #region choosing
show([
  { store: 'PostgreSQL', 'choose it for': 'ACID across rows, joins, GROUP BY, money' },
  { store: 'MongoDB', 'choose it for': 'flexible schemas, nested documents, sharding' },
  { store: 'Redis', 'choose it for': 'sub-ms reads, sessions, pub/sub, counters' },
]);
// #endregion choosing
note(`
  Redis loses data on a restart unless persistence is on: it holds copies and
  short-lived state, while PostgreSQL or MongoDB holds the source of truth.
`);

cell('Your turn', `
  Open \`lessons/12-choosing-and-measuring/exercise.ts\`. Five tasks: the
  median and a percentile, a timing loop that does not fool itself, a verdict
  on a claim, a speed-up, and \`choose(pattern)\` for access patterns such as a
  session lookup, a ledger transfer or a live leaderboard. \`npm run lesson 12\`
  checks them; \`npm run lesson 12 -- --hint\` helps when you are stuck.
`);
