/**
 * Lesson 09 — Sessions and rate limits, the walkthrough. `npm run lesson 9` runs it cell by cell,
 * then checks exercise.ts. Safe to run again: it deletes only the keys it writes, first and last.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('A session token is a password while it lives', `
  The article logs a user in and keeps "their session for 30 minutes". Whoever
  holds the token is that user, so it must be impossible to guess.
  \`Math.random\` is fast, not secret: V8's generator is xorshift128+, whose
  state can be worked out from a few outputs. \`randomBytes\` reads the
  operating system's cryptographic generator.
`);
const { redis } = await backends();
const demoKeys = ['rate:fixed:notebook:demo', 'rate:sliding:notebook', 'leaderboard:notebook'];
await redis.del(...demoKeys);
// #region tokens
const weak = Math.random().toString(36).slice(2);
const strong = randomBytes(32).toString('base64url');
show([
  { source: 'Math.random', token: weak, secret: 'no' },
  { source: 'randomBytes(32)', token: strong, secret: '256 bits' },
]);
// #endregion tokens

cell('A session in Redis, for 30 minutes', `
  The token is the key's name, \`session:<token>\`, and the session is the
  value. \`EX 1800\` lets Redis forget an abandoned session by itself: no
  cleanup job.
`);
// #region create-session
const token = randomBytes(32).toString('base64url');
const key = `session:${token}`;
await redis.set(key, JSON.stringify({ userId: 'u-1001', createdAt: Date.now() }), 'EX', 1800);
show({ key: `${key.slice(0, 20)}…`, value: await redis.get(key), ttl: await redis.ttl(key) });
// #endregion create-session

cell('Sliding expiry: every use buys another 30 minutes', `
  With a plain \`GET\` the session ends 30 minutes after login, however busy the
  user is. \`GETEX key EX 1800\` reads the value and resets the expiry in one
  command. Here the clock is moved by setting the TTL to 60 s, as if the user
  had been idle for 29 minutes.
`);
// #region sliding
await redis.expire(key, 60);
await redis.get(key);
const afterGet = await redis.ttl(key);
await redis.getex(key, 'EX', 1800);
const afterGetex = await redis.ttl(key);
show([
  { read: 'GET key', 'ttl after': afterGet },
  { read: 'GETEX key EX 1800', 'ttl after': afterGetex },
]);
show(await redis.getex('session:nobody-has-this', 'EX', 1800), 'GETEX of a missing key');
// #endregion sliding
note(`
  \`GETEX\` answers null for a missing key and creates nothing: a made-up token
  gets no session.
`);

cell('Log out now; log in with a new token', `
  Logging out is \`DEL\`: the token stops working at once, not in 30 minutes.
  Logging in issues a new token and deletes the one the browser had. Otherwise
  an attacker who planted a token in your browser before you logged in shares
  your session: session fixation.
`);
// #region login-logout
const planted = `session:${randomBytes(32).toString('base64url')}`;
await redis.set(planted, JSON.stringify({ userId: 'anonymous', createdAt: Date.now() }), 'EX', 1800);
const fresh = `session:${randomBytes(32).toString('base64url')}`;
await redis.del(planted);
await redis.set(fresh, JSON.stringify({ userId: 'u-1001', createdAt: Date.now() }), 'EX', 1800);
show([
  { token: 'planted before login', works: (await redis.exists(planted)) === 1 },
  { token: 'issued at login', works: (await redis.exists(fresh)) === 1 },
]);
show(await redis.del(fresh, key), 'DEL at logout (keys removed)');
// #endregion login-logout

cell('Counting requests: GET, compare, INCR loses the race', `
  A limit of 10 requests, and 100 arrive at once. If each request reads the
  count, compares it and then increments it, all 100 read a count under 10
  before any of them increments. \`INCR\` counts and answers in one step:
  request k gets k back, and only the first 10 pass.
`);
// #region race
const limit = 10;
const counter = 'rate:fixed:notebook:demo';
async function admitted(request: () => Promise<boolean>): Promise<number> {
  const answers = await Promise.all(Array.from({ length: 100 }, request));
  return answers.filter(Boolean).length;
}
const checkThenIncr = async (): Promise<boolean> => {
  if (Number(await redis.get(counter)) >= limit) return false;
  await redis.incr(counter);
  return true;
};
const incrThenCompare = async (): Promise<boolean> => (await redis.incr(counter)) <= limit;
const race = [];
for (const [way, request] of [['GET, compare, INCR', checkThenIncr], ['INCR, compare', incrThenCompare]] as const) {
  await redis.del(counter);
  race.push({ way, requests: 100, limit, admitted: await admitted(request) });
}
show(race);
// #endregion race

cell('A fixed window, with its TTL in the same transaction', `
  The counter lives in a key per client and per window, and must expire with the
  window. \`INCR\` then \`EXPIRE\` as two commands leaves a gap: if the process
  dies in it, the counter never expires and the client stays blocked for good.
  \`MULTI\` sends both as one transaction.
`);
// #region fixed-window
await redis.del(counter);
await redis.incr(counter); // … and the process dies here
show(await redis.ttl(counter), 'TTL after INCR alone (-1: never expires)');
await redis.del(counter);
const replies = await redis.multi().incr(counter).expire(counter, 60).exec();
show({ replies: JSON.stringify(replies), ttl: await redis.ttl(counter) });
await redis.del(counter);
// #endregion fixed-window

cell("The fixed window's edge", `
  Five requests a minute, in windows numbered \`floor(now / 60000)\`. A client
  that sends five at 11:59:59.500 and five at 12:00:00.000 gets all ten through
  within half a second: two windows. Time is passed in as \`now\`, so the
  notebook (and the checks) can choose it.
`);
// #region fixed-edge
async function fixedWindow(client: string, max: number, seconds: number, now: number): Promise<boolean> {
  const windowKey = `rate:fixed:${client}:${Math.floor(now / (seconds * 1000))}`;
  const result = await redis.multi().incr(windowKey).expire(windowKey, seconds).exec();
  return Number(result?.[0]?.[1]) <= max;
}
const noon = Date.UTC(2026, 0, 1, 12, 0, 0);
const edge = [];
for (const at of [noon - 500, noon]) {
  const answers = await Promise.all(Array.from({ length: 5 }, () => fixedWindow('notebook', 5, 60, at)));
  edge.push({ at: new Date(at).toISOString().slice(11, 23), allowed: answers.filter(Boolean).length });
}
show(edge);
await redis.del(`rate:fixed:notebook:${Math.floor((noon - 500) / 60000)}`, `rate:fixed:notebook:${noon / 60000}`);
// #endregion fixed-edge

cell('A sliding window: a sorted set and one Lua script', `
  Keep the time of each request as the score in a sorted set. A request first
  drops entries older than the window, counts the rest, and adds itself only if
  there is room. Done as three commands from TypeScript, concurrent requests all
  count before any adds; a Lua script runs as one step.
`);
// #region sliding-window
const SLIDING = `
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
  if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
  end
  return 0`;
const sliding = async (max: number, windowMs: number, now: number): Promise<boolean> =>
  (await redis.eval(SLIDING, 1, 'rate:sliding:notebook', now, windowMs, max, `${now}:${randomUUID()}`)) === 1;
const slidingEdge = [];
for (const at of [noon - 500, noon, noon + 59_499, noon + 59_500]) {
  const answers = await Promise.all(Array.from({ length: 5 }, () => sliding(5, 60_000, at)));
  slidingEdge.push({ at: new Date(at).toISOString().slice(11, 23), allowed: answers.filter(Boolean).length });
}
show(slidingEdge);
// #endregion sliding-window
note(`
  The five from 11:59:59.500 count until 12:00:59.500, so the burst at noon is
  refused. The member is the time plus a random id: five requests in one
  millisecond stay five members.
`);

cell('Exactly N of 100, under concurrency', `
  The test that matters: 100 requests at the same instant and a limit of 7. The
  script admits exactly 7; the same three steps sent one by one from TypeScript
  admit far more.
`);
// #region sliding-race
const unsafe = async (max: number, windowMs: number, now: number): Promise<boolean> => {
  await redis.zremrangebyscore('rate:sliding:notebook', '-inf', now - windowMs);
  if ((await redis.zcard('rate:sliding:notebook')) >= max) return false;
  await redis.zadd('rate:sliding:notebook', now, `${now}:${randomUUID()}`);
  return true;
};
const slidingRace = [];
for (const [way, request] of [['three commands', unsafe], ['one Lua script', sliding]] as const) {
  await redis.del('rate:sliding:notebook');
  slidingRace.push({ way, requests: 100, limit: 7, admitted: await admitted(() => request(7, 60_000, noon)) });
}
show(slidingRace);
await redis.del('rate:sliding:notebook');
// #endregion sliding-race

cell('A leaderboard: ZINCRBY and ZRANGE … REV', `
  A sorted set keeps members ordered by score. \`ZINCRBY\` adds points
  atomically, so 300 concurrent game results lose none. The top N is \`ZRANGE
  key 0 N-1 REV WITHSCORES\`: without \`REV\` you get the bottom N. Scores come
  back as strings.
`);
// #region leaderboard
const board = 'leaderboard:notebook';
const players = ['ada', 'bao', 'cleo', 'dev', 'eli', 'fay', 'gus', 'hal'];
await Promise.all(Array.from({ length: 300 }, (_, i) => redis.zincrby(board, (i * 7) % 10, players[(i * 5) % players.length]!)));
const top = await redis.zrange(board, 0, 4, 'REV', 'WITHSCORES');
show(Array.from({ length: top.length / 2 }, (_, i) => ({ rank: i + 1, player: top[2 * i], score: Number(top[2 * i + 1]) })));
// #endregion leaderboard

cell('Ranks, neighbours and ties', `
  \`ZREVRANK\` answers 0 for the top player: add 1 before showing it to a
  person. Equal scores are ordered by the member's bytes — ascending with
  \`ZRANGE\`, descending with \`REV\` and \`ZREVRANK\` — so ties come out the
  same way every time. Here three players tie on 500.
`);
// #region ranks
await redis.zadd(board, 500, 'zed', 500, 'amy', 500, 'Max');
const ties = await redis.zrange(board, 0, 2, 'REV', 'WITHSCORES');
show(ties.filter((_, i) => i % 2 === 0).join(' > '), 'ZRANGE … REV on three scores of 500');
const index = (await redis.zrevrank(board, 'cleo'))!;
const around = await redis.zrange(board, Math.max(0, index - 1), index + 1, 'REV', 'WITHSCORES');
show(Array.from({ length: around.length / 2 }, (_, i) => ({
  rank: Math.max(0, index - 1) + i + 1, player: around[2 * i], score: Number(around[2 * i + 1]),
})), `cleo: ZREVRANK ${index}, so rank ${index + 1}, with a neighbour each side`);
await redis.del(...demoKeys);
// #endregion ranks
note(`
  "zed" > "amy" > "Max": capitals sort before lower case in bytes. If your
  product wants another tie rule (first to reach the score wins), encode it in
  the score.
`);

cell('Your turn', `
  Open \`lessons/09-sessions-and-rate-limits/exercise.ts\`. Six tasks: random
  tokens, sliding expiry, logout and a fresh token at login, a fixed window in
  \`MULTI\`, a sliding window in one Lua script, and a leaderboard. \`npm run
  lesson 9\` checks them; \`npm run lesson 9 -- --hint\` helps when you are
  stuck.
`);
