/**
 * Lesson 12 — Choosing and measuring. One `describe` per task in lessons/12-choosing-and-measuring/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/12-choosing-and-measuring.test.ts
 *
 * No test here measures speed (that is the notebook's job): the timing loop is checked with a fake clock
 * that advances by known amounts, so the expected samples are exact.
 */
import { describe, expect, it } from 'vitest';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';
import type { Random } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/12-choosing-and-measuring/exercise.ts');
type Need = import('../solutions/12-choosing-and-measuring/exercise.ts').Need;
type Store = import('../solutions/12-choosing-and-measuring/exercise.ts').Store;
type AccessPattern = import('../solutions/12-choosing-and-measuring/exercise.ts').AccessPattern;

const ex = await loadExercise<Exercise>('12-choosing-and-measuring');
const rnd = useRandom();

const numeric = (a: number, b: number): number => a - b;

/** `n` distinct samples spread over several orders of magnitude (0.01 ms to 100 ms), in random order. */
function samples(n: number): number[] {
  const out = new Set<number>();
  while (out.size < n) out.add(Math.round(10 ** (rnd.next() * 4 - 2) * 1000) / 1000);
  return rnd.shuffle([...out]);
}

describe('Compute the median and a percentile', () => {
  // Likely mistakes: `sort()` without a compare function (sorts "10" before "9"); sorting the caller's array
  // in place; with an even count, taking one middle value instead of the mean of both; p99 at index
  // floor(0.99 × n) instead of ceil(0.99 × n) − 1 (one rank too high); forgetting to sort at all.
  it('returns the middle sample when the count is odd', () => {
    const xs = samples(2 * rnd.int(5, 40) + 1);

    const expected = [...xs].sort(numeric)[(xs.length - 1) / 2];
    expect(ex.median(xs)).toEqual(expected);
  });

  it('returns the mean of the two middle samples when the count is even', () => {
    const xs = samples(2 * rnd.int(5, 40));
    const sorted = [...xs].sort(numeric);

    const expected = (sorted[xs.length / 2 - 1]! + sorted[xs.length / 2]!) / 2;
    expect(ex.median(xs)).toEqual(expected);
  });

  it('sorts numbers as numbers, not as strings (9 comes before 10)', () => {
    // Redrawn until sorting as strings would give other answers, so the test can tell the two apart.
    let xs: number[];
    const mid = (ys: readonly number[]): number => ys[(ys.length - 1) / 2]!;
    do {
      xs = Array.from({ length: 2 * rnd.int(2, 5) + 1 }, () => rnd.int(1, 9) * 10 ** rnd.int(0, 3));
    } while (mid([...xs].sort()) === mid([...xs].sort(numeric)));

    const expected = mid([...xs].sort(numeric));
    expect(ex.median(xs)).toEqual(expected);
  });

  it("leaves the caller's array in its order", () => {
    const xs = samples(rnd.int(10, 30));
    const before = [...xs];
    ex.median(xs);
    ex.percentile(xs, 99);

    const expected = before;
    expect(xs).toEqual(expected);
  });

  it('returns the p99 by nearest rank: the 198th of 200 sorted samples', () => {
    const xs = samples(200);

    const expected = [...xs].sort(numeric)[197];
    expect(ex.percentile(xs, 99)).toEqual(expected);
  });

  it('returns the nearest-rank percentile for any p and count', () => {
    const cases = Array.from({ length: 6 }, () => ({ n: rnd.int(7, 150), p: rnd.pick([10, 25, 50, 75, 90, 95, 99]) }));

    const expected = cases.map(({ n, p }) => ({ n, p, rank: Math.ceil((p / 100) * n) }));
    const actual = cases.map(({ n, p }) => {
      const xs = samples(n);
      return { n, p, rank: [...xs].sort(numeric).indexOf(ex.percentile(xs, p)) + 1 };
    });
    expect(actual).toEqual(expected);
  });

  it('returns NaN when there are no samples', () => {
    const expected = { median: Number.NaN, p99: Number.NaN };
    expect({ median: ex.median([]), p99: ex.percentile([], 99) }).toEqual(expected);
  });
});

/** A fake clock and a call that takes `durations[i]` nanoseconds on it, after an await, as real I/O does. */
function fakeTiming(durations: readonly bigint[]): { clock: () => bigint; call: () => Promise<void>; calls: () => number } {
  let now = BigInt(rnd.int(1, 1_000_000)) * 1_000_000n;
  let calls = 0;
  return {
    clock: () => now,
    call: async () => {
      const took = durations[calls] ?? 0n;
      calls += 1;
      await Promise.resolve();
      now += took;
    },
    calls: () => calls,
  };
}

/** A duration in nanoseconds that is not a whole number of milliseconds (e.g. 0.123456 ms). */
const nanos = (): bigint => BigInt(rnd.int(1_000, 9_999_999));

describe('Time a call without fooling yourself', () => {
  // Likely mistakes: timing the warm-up calls too; not awaiting `fn()` (times how long it takes to start
  // the call: 0); dividing the bigint by 1_000_000n (drops the fraction); converting to µs (÷ 1e3) or
  // seconds (÷ 1e9); using Date.now() instead of the clock (whole milliseconds, 0 for a fast call).
  it('returns one sample per iteration, in milliseconds with their fractions', async () => {
    const iterations = rnd.int(5, 20);
    const durations = Array.from({ length: iterations }, nanos);
    const timing = fakeTiming(durations);

    const expected = durations.map((ns) => Number(ns) / 1e6);
    expect(await ex.timeIt(timing.call, { warmup: 0, iterations }, timing.clock)).toEqual(expected);
  });

  it('calls fn warmup + iterations times and leaves the warm-up calls out of the samples', async () => {
    const warmup = rnd.int(2, 8);
    const iterations = rnd.int(5, 15);
    const slowStart = Array.from({ length: warmup }, () => BigInt(rnd.int(50, 500)) * 1_000_000n);
    const steady = Array.from({ length: iterations }, nanos);
    const timing = fakeTiming([...slowStart, ...steady]);

    const samples = await ex.timeIt(timing.call, { warmup, iterations }, timing.clock);
    const expected = { calls: warmup + iterations, samples: steady.map((ns) => Number(ns) / 1e6) };
    expect({ calls: timing.calls(), samples }).toEqual(expected);
  });

  it('awaits each call before it reads the clock again', async () => {
    const iterations = rnd.int(3, 10);
    const durations = Array.from({ length: iterations }, () => BigInt(rnd.int(2, 40)) * 1_000_000n + nanos());
    const timing = fakeTiming(durations);

    const expected = durations.map((ns) => Number(ns) / 1e6);
    expect(await ex.timeIt(timing.call, { warmup: 0, iterations }, timing.clock)).toEqual(expected);
  });

  it('uses process.hrtime.bigint() by default: a quick call still gets a sample above 0 with a fraction', async () => {
    const iterations = rnd.int(20, 40);
    const samples = await ex.timeIt(async () => { await Promise.resolve(); }, { warmup: 2, iterations });

    const expected = { count: iterations, allWholeMilliseconds: false, anyNegative: false };
    expect({
      count: samples.length,
      allWholeMilliseconds: samples.every((s) => Number.isInteger(s)),
      anyNegative: samples.some((s) => !(s >= 0)),
    }).toEqual(expected);
  });
});

/** A claim range with random ends: `low` from 0.05 to 20, `high` 2 to 50 times as large. */
function claim(): { low: number; high: number } {
  const low = Math.round(rnd.next() * 20_000) / 1000 + 0.05;
  return { low, high: Math.round(low * rnd.int(2, 50) * 1000) / 1000 };
}

describe('Give a claim its verdict', () => {
  // Likely mistakes: ignoring `onServers` (an in-process mock "confirms" a claim about servers); strict
  // comparisons that reject a figure exactly at `low` or `high`; checking only the upper end (a figure
  // faster than the range counted as holding); returning a different spelling than the three verdicts.
  it('holds when a figure from real servers lies inside the range', () => {
    const c = claim();
    const value = c.low + (c.high - c.low) * (0.1 + 0.8 * rnd.next());

    const expected = 'holds';
    expect(ex.verdict(c, { value, onServers: true })).toEqual(expected);
  });

  it('holds at both ends of the range: the article says "0.1–1 ms", and 0.1 ms is in it', () => {
    const c = claim();

    const expected = { atLow: 'holds', atHigh: 'holds' };
    expect({
      atLow: ex.verdict(c, { value: c.low, onServers: true }),
      atHigh: ex.verdict(c, { value: c.high, onServers: true }),
    }).toEqual(expected);
  });

  it('does not hold here when the figure is below the range, or above it', () => {
    const c = claim();

    const expected = { faster: 'does not hold here', slower: 'does not hold here' };
    expect({
      faster: ex.verdict(c, { value: c.low * (0.1 + 0.8 * rnd.next()), onServers: true }),
      slower: ex.verdict(c, { value: c.high * (1.1 + rnd.next()), onServers: true }),
    }).toEqual(expected);
  });

  it('cannot tell on this backend when the figure came from an in-process stand-in, wherever it lies', () => {
    const c = claim();
    const values = [c.low * 0.5, c.low, (c.low + c.high) / 2, c.high, c.high * 3];

    const expected = values.map(() => 'cannot tell on this backend');
    expect(values.map((value) => ex.verdict(c, { value, onServers: false }))).toEqual(expected);
  });
});

describe('Compute a speed-up', () => {
  // Likely mistakes: the ratio upside down (fast / slow); means instead of medians (one slow outlier
  // decides); p99s or minimums instead of medians; an even count's median taken as one middle value.
  const around = (centre: number, n: number): number[] =>
    rnd.shuffle(Array.from({ length: n }, (_, i) => centre * (1 + (i - (n - 1) / 2) / (4 * n))));

  it('divides the slow median by the fast median', () => {
    const fastMs = rnd.int(5, 50) / 100;
    const factor = rnd.int(20, 300);
    const slow = around(fastMs * factor, 2 * rnd.int(5, 20) + 1);
    const fast = around(fastMs, 2 * rnd.int(5, 20) + 1);

    const expected = [...slow].sort(numeric)[(slow.length - 1) / 2]! / [...fast].sort(numeric)[(fast.length - 1) / 2]!;
    expect(ex.speedUp(slow, fast)).toBeCloseTo(expected, 9);
    expect(ex.speedUp(slow, fast)).toBeGreaterThan(1);
  });

  it('is not moved by one slow outlier in the fast samples (a garbage collection)', () => {
    const fast = around(rnd.int(5, 50) / 100, 2 * rnd.int(10, 30) + 1);
    const slow = around(rnd.int(10, 40), 2 * rnd.int(10, 30) + 1);
    const withPause = rnd.shuffle([...fast.slice(1), 30 + rnd.int(0, 20)]);
    const mid = (ys: readonly number[]): number => [...ys].sort(numeric)[(ys.length - 1) / 2]!;

    const ratio = mid(slow) / mid(fast);
    const expected = { within5PerCent: true };
    const actual = ex.speedUp(slow, withPause);
    expect({ within5PerCent: Math.abs(actual / ratio - 1) < 0.05, actual, ratio }).toEqual({ ...expected, actual, ratio });
  });

  it('uses the mean of the two middle samples when a count is even', () => {
    const base = rnd.int(2, 9) / 10;
    const fast = rnd.shuffle([base, base, 3 * base, 3 * base]);
    const slow = [rnd.int(20, 90)];

    const expected = slow[0]! / (2 * base);
    expect(ex.speedUp(slow, fast)).toBeCloseTo(expected, 9);
  });
});

/** Which store each need belongs to, from the article's "when to use each database" lists. */
const STORE_OF: Record<Need, Store> = {
  'acid-across-rows': 'postgres',
  joins: 'postgres',
  reporting: 'postgres',
  'financial-consistency': 'postgres',
  'flexible-schema': 'mongodb',
  'nested-documents': 'mongodb',
  'horizontal-scaling': 'mongodb',
  'sub-millisecond': 'redis',
  'expiring-sessions': 'redis',
  messaging: 'redis',
  'atomic-counters': 'redis',
  cache: 'redis',
};

/** The key point a reason must name for each deciding need (any one of the words, case-insensitive). */
const KEY_POINT: Record<Need, readonly string[]> = {
  'acid-across-rows': ['acid', 'transaction'],
  'financial-consistency': ['consisten', 'acid', 'transaction'],
  joins: ['join'],
  reporting: ['group by', 'aggregat', 'report', 'analytic'],
  'flexible-schema': ['flexible', 'schema', 'own fields', 'different fields', 'vary', 'varies', 'varied'],
  'nested-documents': ['nested', 'document', 'embed'],
  'horizontal-scaling': ['shard', 'horizontal', 'scal'],
  'sub-millisecond': ['millisecond', 'sub-ms', 'latency', 'in memory', 'in-memory', 'ram'],
  'expiring-sessions': ['session', 'expir', 'ttl'],
  messaging: ['pub/sub', 'publish', 'real time', 'real-time', 'messag'],
  'atomic-counters': ['atomic', 'incr', 'sorted set', 'zincrby', 'counter'],
  cache: ['cache', 'caching'],
};

/** Words that argue for one store only: a reason for another store must not use them. */
const ONLY_FOR: Record<Store, readonly string[]> = {
  postgres: ['acid', 'join', 'group by'],
  mongodb: ['flexible', 'nested', 'shard', 'document'],
  redis: ['ttl', 'pub/sub', 'sorted set', 'in memory', 'in-memory', 'cache'],
};

interface Template {
  readonly name: string;
  readonly needs: readonly [Need, ...Need[]];
  readonly describe: (r: Random) => string;
}

/** The access patterns of the lesson, each with its deciding need first. */
const TEMPLATES: Record<string, Template> = {
  session: { name: 'session lookup', needs: ['expiring-sessions', 'sub-millisecond'], describe: (r) => `Every request carries a token; find its user. Log out after ${r.int(15, 60)} idle minutes.` },
  ledger: { name: 'ledger transfer', needs: ['acid-across-rows', 'financial-consistency'], describe: (r) => `Move ${r.int(1, 9999)}.${r.int(10, 99)} EUR from one account to another: both rows change or neither does.` },
  catalogue: { name: 'product catalogue with varied attributes', needs: ['flexible-schema', 'nested-documents'], describe: (r) => `${r.int(2, 90)}k products: a ${r.item()} has other attributes than a book, and new kinds arrive every week.` },
  revenue: { name: 'monthly revenue report', needs: ['reporting', 'joins'], describe: (r) => `Revenue per region and month over ${r.int(2, 40)} million orders joined to customers.` },
  chat: { name: 'chat history', needs: ['nested-documents', 'horizontal-scaling'], describe: (r) => `Conversations with their messages, reactions and attachments; ${r.int(2, 50)} million users across regions.` },
  leaderboard: { name: 'live leaderboard', needs: ['atomic-counters', 'sub-millisecond'], describe: (r) => `${r.int(1, 90)}k players score at once; show the top ${r.int(10, 100)} live.` },
  rateLimit: { name: 'API rate limit', needs: ['atomic-counters'], describe: (r) => `At most ${r.int(10, 500)} requests per minute per API key, under concurrent requests.` },
  notify: { name: 'order events between services', needs: ['messaging'], describe: (r) => `When an order is paid, ${r.int(2, 9)} services must hear of it at once.` },
  feed: { name: 'home feed', needs: ['cache', 'sub-millisecond'], describe: (r) => `The same feed is read ${r.int(10, 900)} times before it changes; building it takes a heavy query.` },
  profile: { name: 'user profile with preferences', needs: ['nested-documents', 'flexible-schema'], describe: (r) => `Preferences, settings and history nested in each profile; users add fields (${r.word()}, ${r.word()}).` },
  stock: { name: 'warehouse stock and orders', needs: ['joins', 'acid-across-rows'], describe: (r) => `Orders, order lines, products and ${r.int(2, 30)} warehouses, normalised and queried together.` },
  devices: { name: 'device events across data centres', needs: ['horizontal-scaling', 'flexible-schema'], describe: (r) => `${r.int(1, 90)} million sensors of many makes, each sending its own fields, spread over data centres.` },
};

/** A variant of a template: its name with a random suffix, a random description, and its needs. */
function variant(t: Template): AccessPattern {
  const [deciding, ...rest] = t.needs;
  return { name: `${t.name} (${rnd.word()} ${rnd.int(2, 999)})`, description: t.describe(rnd), needs: [deciding, ...rnd.shuffle(rest)] };
}

/** What a test compares: the store, whether the reason names the key point, and any word that argues for another store. */
function graded(pattern: AccessPattern): { store: Store | undefined; namesKeyPoint: boolean; argues: string[]; reason: string } {
  const choice = ex.choose(pattern);
  const reason = String(choice?.reason ?? '');
  const lower = reason.toLowerCase();
  const deciding = pattern.needs[0]!;
  const others = (Object.keys(ONLY_FOR) as Store[]).filter((s) => s !== STORE_OF[deciding]);
  return {
    store: choice?.store,
    namesKeyPoint: KEY_POINT[deciding].some((word) => lower.includes(word)),
    argues: others.flatMap((s) => ONLY_FOR[s].filter((word) => lower.includes(word))),
    reason,
  };
}

const expectedFor = (pattern: AccessPattern, reason: string) => ({
  store: STORE_OF[pattern.needs[0]!], namesKeyPoint: true, argues: [], reason,
});

describe('Choose a database for an access pattern', () => {
  // Likely mistakes: Redis for everything because it is fastest; MongoDB for a ledger "because it has
  // transactions" (the article sends money to SQL); deciding by the pattern's name instead of its needs
  // (fails the made-up names); a reason that says only "fast" or "best fit" (names no key point); one
  // reason for every pattern, or a reason that lists every keyword (argues for another store).
  const named: [string, keyof typeof TEMPLATES][] = [
    ['returns redis for a session lookup, because sessions expire on their own', 'session'],
    ['returns postgres for a ledger transfer, because money needs ACID transactions', 'ledger'],
    ['returns mongodb for a product catalogue with varied attributes, because of its flexible schema', 'catalogue'],
    ['returns postgres for a monthly revenue report, because of GROUP BY aggregations', 'revenue'],
    ['returns mongodb for a chat history, because messages nest in documents', 'chat'],
    ['returns redis for a live leaderboard, because of atomic operations on a sorted set', 'leaderboard'],
  ];
  for (const [title, key] of named) {
    it(title, () => {
      const pattern = variant(TEMPLATES[key]!);
      const actual = graded(pattern);

      const expected = expectedFor(pattern, actual.reason);
      expect(actual).toEqual(expected);
    });
  }

  it('returns the right store and key point for every other pattern of the article (rate limits, events, caches, profiles, stock, devices)', () => {
    const patterns = (['rateLimit', 'notify', 'feed', 'profile', 'stock', 'devices'] as const).map((k) => variant(TEMPLATES[k]!));

    const actual = patterns.map((p) => ({ pattern: p.name, ...graded(p) }));
    const expected = patterns.map((p, i) => ({ pattern: p.name, ...expectedFor(p, actual[i]!.reason) }));
    expect(actual).toEqual(expected);
  });

  it('decides by the needs, not by the name: patterns with made-up names and random needs', () => {
    const needs = Object.keys(STORE_OF) as Need[];
    const patterns: AccessPattern[] = Array.from({ length: 10 }, () => {
      const deciding = rnd.pick(needs);
      const sameStore = needs.filter((n) => n !== deciding && STORE_OF[n] === STORE_OF[deciding]);
      return { name: `${rnd.word()}-${rnd.id(5)}`, description: `${rnd.word()} ${rnd.word()} ${rnd.word()}`, needs: [deciding, ...rnd.sample(sameStore, rnd.int(0, sameStore.length))] };
    });

    const actual = patterns.map((p) => ({ needs: p.needs.join(', '), ...graded(p) }));
    const expected = patterns.map((p, i) => ({ needs: p.needs.join(', '), ...expectedFor(p, actual[i]!.reason) }));
    expect(actual).toEqual(expected);
  });

  it('gives reasons that differ between the three stores', () => {
    const reasons = (['session', 'ledger', 'catalogue'] as const).map((k) => graded(variant(TEMPLATES[k]!)).reason.trim().toLowerCase());

    const expected = 3;
    expect(new Set(reasons).size).toEqual(expected);
  });
});
