/**
 * Lesson 09 — Sessions and rate limits. One `describe` per task in lessons/09-sessions-and-rate-limits/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/09-sessions-and-rate-limits.test.ts
 *
 * Time is passed in (`now`), so windows are tested without waiting; concurrency tests fire 100
 * requests with Promise.all and count the answers, which does not depend on timing luck.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/09-sessions-and-rate-limits/exercise.ts');

const ex = await loadExercise<Exercise>('09-sessions-and-rate-limits');
const db = useBackends(['redis']);
const rnd = useRandom();

const HALF_HOUR = 30 * 60;
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

afterEach(() => {
  vi.restoreAllMocks();
});

/** A start time on a whole window of `windowMs`, plus an offset inside it: windows are numbered from 1970. */
function timeInWindow(windowMs: number, offset = rnd.int(0, windowMs - 1)): number {
  return rnd.int(1_700_000, 1_900_000) * windowMs + offset;
}

/** 100 requests at once; how many were allowed. */
async function burst(request: () => Promise<boolean>, count = 100): Promise<number> {
  const answers = await Promise.all(Array.from({ length: count }, request));
  return answers.filter((allowed) => allowed === true).length;
}

describe('Create a session with a random token', () => {
  // Likely mistakes: a token from Math.random or the clock (guessable); too few bytes, or hex instead of
  // base64url; SET without EX (a session that never expires); the TTL in milliseconds; the key without `session:`.
  it('makes a token of 32 random bytes written as base64url (43 characters)', () => {
    const token = ex.newToken();

    const expected = { matches: true, bytes: 32 };
    expect({ matches: BASE64URL_32_BYTES.test(token), bytes: Buffer.from(token, 'base64url').length }, `token: ${token}`).toEqual(expected);
  });

  it('never repeats itself: 1000 tokens are 1000 different tokens', () => {
    const tokens = Array.from({ length: 1000 }, () => ex.newToken());

    const expected = 1000;
    expect(new Set(tokens).size).toEqual(expected);
  });

  it('does not use Math.random, whose output can be predicted', () => {
    const spy = vi.spyOn(Math, 'random');

    ex.newToken();

    const expected = 0;
    expect(spy.mock.calls.length, 'calls to Math.random while making a token').toEqual(expected);
  });

  it('stores { userId, createdAt } under session:<token> for 30 minutes', async () => {
    const userId = rnd.id(12);
    const now = rnd.date().getTime();

    const token = await ex.createSession(db.redis, userId, now);

    const expected = { userId, createdAt: now };
    const stored = await db.redis.get(`session:${token}`);
    expect(stored === null ? null : JSON.parse(stored)).toEqual(expected);
    const ttl = await db.redis.ttl(`session:${token}`);
    expect(ttl, `TTL of session:${token} (seconds)`).toBeGreaterThan(HALF_HOUR - 5);
    expect(ttl, `TTL of session:${token} (seconds)`).toBeLessThanOrEqual(HALF_HOUR);
  });

  it('gives every login of the same user its own token and key', async () => {
    const userId = rnd.id(12);
    const count = rnd.int(3, 7);

    const tokens = await Promise.all(Array.from({ length: count }, () => ex.createSession(db.redis, userId)));

    const expected = { distinct: count, keys: count, format: tokens.map(() => true) };
    expect({
      distinct: new Set(tokens).size,
      keys: await db.redis.exists(...tokens.map((t) => `session:${t}`)),
      format: tokens.map((t) => BASE64URL_32_BYTES.test(t)),
    }).toEqual(expected);
  });
});

describe('Slide the expiry on every use', () => {
  // Likely mistakes: GET alone (the session dies 30 minutes after login, however busy the user is);
  // SET on read (re-creates a key that had expired, or a key for any token a client makes up);
  // returning the JSON text instead of the session object.
  it('returns the session and gives it another full 30 minutes', async () => {
    const userId = rnd.id(12);
    const now = rnd.date().getTime();
    const token = await ex.createSession(db.redis, userId, now);
    const left = rnd.int(2, 600);
    await db.redis.expire(`session:${token}`, left); // as if most of the half hour had passed

    const session = await ex.readSession(db.redis, token);

    const expected = { userId, createdAt: now };
    expect(session).toEqual(expected);
    const ttl = await db.redis.ttl(`session:${token}`);
    expect(ttl, `TTL after the read (it was ${left} s before)`).toBeGreaterThan(HALF_HOUR - 5);
  });

  it('returns null for a token nobody was given, and creates no key for it', async () => {
    const madeUp = Buffer.from(rnd.id(32)).toString('base64url').slice(0, 43);

    const session = await ex.readSession(db.redis, madeUp);

    const expected = { session: null, key: 0 };
    expect({ session, key: await db.redis.exists(`session:${madeUp}`) }).toEqual(expected);
  });

  it('keeps a session alive for as long as it is used', async () => {
    const userId = rnd.id(12);
    const token = await ex.createSession(db.redis, userId);
    const uses = rnd.int(3, 6);

    const ttls: number[] = [];
    for (let i = 0; i < uses; i++) {
      await db.redis.expire(`session:${token}`, rnd.int(1, 100));
      await ex.readSession(db.redis, token);
      ttls.push(await db.redis.ttl(`session:${token}`));
    }

    const expected = ttls.map(() => true);
    expect(ttls.map((t) => t > HALF_HOUR - 5 && t <= HALF_HOUR), `TTLs after each use: ${ttls.join(', ')}`).toEqual(expected);
  });
});

describe('Log out, and log in with a fresh token', () => {
  // Likely mistakes: logging out by letting the TTL run out (the token works for 30 more minutes);
  // keeping the token the browser had before login (session fixation); creating the new session but
  // leaving the old one alive.
  it('logs out: the session key is gone and the token reads as null', async () => {
    const token = await ex.createSession(db.redis, rnd.id(12));

    const first = await ex.logOut(db.redis, token);
    const again = await ex.logOut(db.redis, token);

    const expected = { first: true, again: false, key: 0, read: null };
    expect({ first, again, key: await db.redis.exists(`session:${token}`), read: await db.redis.get(`session:${token}`) }).toEqual(expected);
  });

  it('logs in with a new token and kills the one the browser had before (session fixation)', async () => {
    const planted = await ex.createSession(db.redis, 'anonymous');
    const userId = rnd.id(12);

    const token = await ex.logIn(db.redis, userId, planted);

    const expected = { fresh: true, planted: 0, user: userId };
    const stored = await db.redis.get(`session:${token}`);
    expect({
      fresh: token !== planted && BASE64URL_32_BYTES.test(token),
      planted: await db.redis.exists(`session:${planted}`),
      user: stored === null ? null : (JSON.parse(stored) as { userId: string }).userId,
    }).toEqual(expected);
  });

  it('logs in without a previous token, leaving other users\' sessions alone', async () => {
    const other = await ex.createSession(db.redis, rnd.id(12));
    const userId = rnd.id(12);

    const token = await ex.logIn(db.redis, userId);

    const expected = { other: 1, mine: 1, ttlSet: true };
    const ttl = await db.redis.ttl(`session:${token}`);
    expect({
      other: await db.redis.exists(`session:${other}`),
      mine: await db.redis.exists(`session:${token}`),
      ttlSet: ttl > HALF_HOUR - 5 && ttl <= HALF_HOUR,
    }).toEqual(expected);
  });
});

/**
 * The same client, except that each INCR/INCRBY, once it has answered, records whether its key was left
 * without a TTL — the moment a crash between INCR and EXPIRE would leave a counter that never resets.
 */
function watchingIncr(redis: Redis, keysWithoutTtl: string[]): Redis {
  return new Proxy(redis, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'incr' || prop === 'incrby') {
        return async (key: string, ...rest: unknown[]) => {
          const reply = await (value as (...a: unknown[]) => Promise<unknown>).call(target, key, ...rest);
          if ((await target.ttl(key)) === -1) keysWithoutTtl.push(key);
          return reply;
        };
      }
      return value.bind(target);
    },
  });
}

describe('Limit requests per fixed window', () => {
  // Likely mistakes: GET the count, compare, then INCR (100 concurrent requests all read 0 and all pass);
  // INCR and then EXPIRE as two commands (a crash in between leaves a counter with no TTL: the client is
  // blocked for good); no EXPIRE at all; `<` instead of `<=` (one request too few); a key per client
  // without the window number (the count never starts again).
  it('allows exactly `limit` of 100 concurrent requests', async () => {
    const limit = rnd.int(3, 30);
    const windowSeconds = rnd.pick([1, 10, 60]);
    const now = timeInWindow(windowSeconds * 1000);
    const client = `client-${rnd.id(6)}`;

    const allowed = await burst(() => ex.allowFixedWindow(db.redis, client, limit, windowSeconds, now));

    const expected = limit;
    expect(allowed, `allowed of 100 with a limit of ${limit}`).toEqual(expected);
  });

  it('keeps the count in rate:fixed:<client>:<window> with a TTL of at most the window', async () => {
    const windowSeconds = rnd.pick([10, 60, 3600]);
    const now = timeInWindow(windowSeconds * 1000);
    const client = `client-${rnd.id(6)}`;
    const requests = rnd.int(1, 5);
    for (let i = 0; i < requests; i++) await ex.allowFixedWindow(db.redis, client, 100, windowSeconds, now);

    const key = `rate:fixed:${client}:${Math.floor(now / (windowSeconds * 1000))}`;
    const ttl = await db.redis.ttl(key);
    const expected = { count: String(requests), ttlWithinWindow: true };
    expect({ count: await db.redis.get(key), ttlWithinWindow: ttl > 0 && ttl <= windowSeconds }, `TTL of ${key}: ${ttl}`).toEqual(expected);
  });

  it('never leaves the counter without a TTL, not even between two commands (MULTI or a script)', async () => {
    const keysWithoutTtl: string[] = [];
    const client = `client-${rnd.id(6)}`;
    const now = timeInWindow(60_000);

    await ex.allowFixedWindow(watchingIncr(db.redis, keysWithoutTtl), client, 5, 60, now);
    await ex.allowFixedWindow(watchingIncr(db.redis, keysWithoutTtl), client, 5, 60, now);

    const expected: string[] = [];
    expect(keysWithoutTtl, 'counter keys seen without a TTL right after INCR').toEqual(expected);
  });

  it('starts counting again in the next window', async () => {
    const limit = rnd.int(2, 6);
    const windowSeconds = 60;
    const start = timeInWindow(60_000, 0);
    const client = `client-${rnd.id(6)}`;
    const at = (ms: number): Promise<boolean> => ex.allowFixedWindow(db.redis, client, limit, windowSeconds, start + ms);

    const first = [];
    for (let i = 0; i <= limit; i++) first.push(await at(59_000));
    const next = await at(60_000);

    const expected = { first: [...Array(limit).fill(true), false], next: true };
    expect({ first, next }).toEqual(expected);
  });

  it('counts each client apart', async () => {
    const limit = rnd.int(2, 5);
    const now = timeInWindow(60_000);
    const [a, b] = [`client-${rnd.id(6)}`, `client-${rnd.id(6)}`];

    const allowedA = await burst(() => ex.allowFixedWindow(db.redis, a, limit, 60, now), 20);
    const allowedB = await burst(() => ex.allowFixedWindow(db.redis, b, limit, 60, now), 20);

    const expected = { a: limit, b: limit };
    expect({ a: allowedA, b: allowedB }).toEqual(expected);
  });
});

describe('Limit requests in a sliding window', () => {
  // Likely mistakes: ZREMRANGEBYSCORE, ZCARD and ZADD as separate commands from TypeScript (concurrent
  // requests all see room); the time as the member (requests in the same millisecond collapse into one);
  // recording refused requests too (a client that keeps trying never gets back in); no PEXPIRE (idle
  // clients' sets stay forever); forgetting old entries late or early (an off-by-one at the window's edge).
  it('allows exactly `limit` of 100 concurrent requests in the same millisecond', async () => {
    const limit = rnd.int(3, 30);
    const now = rnd.date().getTime();
    const client = `client-${rnd.id(6)}`;

    const allowed = await burst(() => ex.allowSlidingWindow(db.redis, client, limit, 60_000, now));

    const expected = { allowed: limit, stored: limit };
    expect({ allowed, stored: await db.redis.zcard(`rate:sliding:${client}`) }).toEqual(expected);
  });

  it('counts a request for exactly windowMs: refused just before, allowed again at the edge', async () => {
    const limit = rnd.int(2, 6);
    const windowMs = rnd.pick([1_000, 60_000, 3_600_000]);
    const t0 = rnd.date().getTime();
    const client = `client-${rnd.id(6)}`;
    const at = (t: number): Promise<boolean> => ex.allowSlidingWindow(db.redis, client, limit, windowMs, t);

    const first = [];
    for (let i = 0; i < limit; i++) first.push(await at(t0));
    const justBefore = await at(t0 + windowMs - 1);
    const atTheEdge = await at(t0 + windowMs);

    const expected = { first: Array(limit).fill(true), justBefore: false, atTheEdge: true };
    expect({ first, justBefore, atTheEdge }).toEqual(expected);
  });

  it('slides: a window that straddles two bursts counts both', async () => {
    const windowMs = 10_000;
    const t0 = rnd.date().getTime();
    const client = `client-${rnd.id(6)}`;
    const at = (t: number): Promise<boolean> => ex.allowSlidingWindow(db.redis, client, 4, windowMs, t);

    const answers = [await at(t0), await at(t0 + 1), await at(t0 + 6_000), await at(t0 + 6_001), await at(t0 + 9_999), await at(t0 + 10_001)];

    // A fixed window would reset at a window boundary; the sliding one still sees the first two until t0 + 10 s.
    const expected = [true, true, true, true, false, true];
    expect(answers).toEqual(expected);
  });

  it('does not record refused requests, so a client that keeps trying gets back in on time', async () => {
    const limit = rnd.int(2, 5);
    const windowMs = 1_000;
    const t0 = rnd.date().getTime();
    const client = `client-${rnd.id(6)}`;
    const at = (t: number): Promise<boolean> => ex.allowSlidingWindow(db.redis, client, limit, windowMs, t);
    for (let i = 0; i < limit; i++) await at(t0);
    for (let t = t0 + 100; t < t0 + windowMs; t += 100) await at(t); // refused, nine times

    const back = await at(t0 + windowMs);

    const expected = { back: true, stored: 1 };
    expect({ back, stored: await db.redis.zcard(`rate:sliding:${client}`) }).toEqual(expected);
  });

  it('gives the sorted set a TTL of at most the window', async () => {
    const windowMs = rnd.pick([5_000, 60_000]);
    const client = `client-${rnd.id(6)}`;
    await ex.allowSlidingWindow(db.redis, client, 3, windowMs, rnd.date().getTime());

    const pttl = await db.redis.pttl(`rate:sliding:${client}`);
    const expected = { expires: true };
    expect({ expires: pttl > 0 && pttl <= windowMs }, `PTTL of rate:sliding:${client}: ${pttl}`).toEqual(expected);
  });
});

describe('Rank players on a leaderboard', () => {
  // Likely mistakes: ZRANGE without REV (the lowest scores first); ranks from ZREVRANK as they come (0 for
  // the top player); scores left as strings; ZSCORE then ZADD instead of ZINCRBY (concurrent points lost);
  // a negative start for the neighbours of the top player (ZRANGE counts it from the bottom).
  async function seedBoard(board: string, count: number): Promise<Map<string, number>> {
    const scores = new Map<string, number>();
    for (const name of Array.from({ length: count }, () => rnd.name())) scores.set(name, rnd.int(0, 500) * 2);
    await db.redis.zadd(`leaderboard:${board}`, ...[...scores].flatMap(([player, score]) => [score, player]));
    return scores;
  }

  /** Highest score first; ties in reverse byte order of the name, as Redis orders them with REV. */
  function ranked(scores: Map<string, number>): { rank: number; player: string; score: number }[] {
    return [...scores]
      .sort(([pa, sa], [pb, sb]) => sb - sa || (pb < pa ? -1 : pb > pa ? 1 : 0))
      .map(([player, score], i) => ({ rank: i + 1, player, score }));
  }

  it('adds points with ZINCRBY and returns the new score as a number', async () => {
    const board = rnd.word();
    const player = rnd.name();
    const points = [rnd.int(1, 50), rnd.int(1, 50), rnd.int(1, 50)];

    const replies = [];
    for (const p of points) replies.push(await ex.addPoints(db.redis, board, player, p));

    const expected = { replies: [points[0], points[0]! + points[1]!, points[0]! + points[1]! + points[2]!], stored: String(points[0]! + points[1]! + points[2]!) };
    expect({ replies, stored: await db.redis.zscore(`leaderboard:${board}`, player) }).toEqual(expected);
  });

  it('loses no points when 100 are added at once', async () => {
    const board = rnd.word();
    const player = rnd.name();
    const points = Array.from({ length: 100 }, () => rnd.int(1, 9));

    await Promise.all(points.map((p) => ex.addPoints(db.redis, board, player, p)));

    const expected = String(points.reduce((a, b) => a + b, 0));
    expect(await db.redis.zscore(`leaderboard:${board}`, player)).toEqual(expected);
  });

  it('returns the top n, highest first, with 1-based ranks and numeric scores', async () => {
    const board = rnd.word();
    const scores = await seedBoard(board, rnd.int(8, 15));
    const n = rnd.int(3, 6);

    const expected = ranked(scores).slice(0, n);
    expect(await ex.topPlayers(db.redis, board, n)).toEqual(expected);
  });

  it('orders equal scores as Redis does with REV: reverse byte order of the name', async () => {
    const board = rnd.word();
    const score = rnd.int(10, 99);
    const names = rnd.sample(['adam', 'Zoë', 'bea', 'Carl', 'dora', 'eve'], 4);
    await db.redis.zadd(`leaderboard:${board}`, ...names.flatMap((name) => [score, name]), score + 1, 'leader');

    const expected = ['leader', ...[...names].sort().reverse()];
    expect((await ex.topPlayers(db.redis, board, 5)).map((s) => s.player)).toEqual(expected);
  });

  it("gives a player's 1-based rank, consistent with topPlayers, and null for a stranger", async () => {
    const board = rnd.word();
    const scores = await seedBoard(board, rnd.int(6, 12));
    const table = ranked(scores);
    const pick = rnd.pick(table);

    const expected = { rank: pick.rank, first: 1, stranger: null };
    expect({
      rank: await ex.rankOf(db.redis, board, pick.player),
      first: await ex.rankOf(db.redis, board, table[0]!.player),
      stranger: await ex.rankOf(db.redis, board, 'nobody-' + rnd.id(4)),
    }).toEqual(expected);
  });

  it('returns a player with k neighbours above and below', async () => {
    const board = rnd.word();
    const scores = await seedBoard(board, rnd.int(10, 16));
    const table = ranked(scores);
    const k = rnd.int(1, 3);
    const i = rnd.int(k, table.length - 1 - k);

    const expected = table.slice(i - k, i + k + 1);
    expect(await ex.neighbours(db.redis, board, table[i]!.player, k)).toEqual(expected);
  });

  it('returns fewer neighbours at the top and the bottom of the board, and [] for a stranger', async () => {
    const board = rnd.word();
    const scores = await seedBoard(board, rnd.int(6, 10));
    const table = ranked(scores);
    const k = 2;

    const expected = { top: table.slice(0, 3), bottom: table.slice(-3), stranger: [] };
    expect({
      top: await ex.neighbours(db.redis, board, table[0]!.player, k),
      bottom: await ex.neighbours(db.redis, board, table.at(-1)!.player, k),
      stranger: await ex.neighbours(db.redis, board, 'nobody-' + rnd.id(4), k),
    }).toEqual(expected);
  });
});
