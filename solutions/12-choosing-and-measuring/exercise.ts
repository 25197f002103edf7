// Lesson 12 — Choosing and measuring: check the article's latency claims on your machine, then choose
// a database for each access pattern.
// Write the statistics of a benchmark (median, percentile), a timing loop that does not fool itself,
// a verdict on a claim, a speed-up, and `choose(pattern)` from the article's "when to use" lists.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 12`;
// stuck? `npm run lesson 12 -- --hint`.
import { todo } from '#lab/todo.ts';

// #region stats
/**
 * The middle of the samples once sorted: the middle one for an odd count, the mean of the two
 * middle ones for an even count. Does not reorder `samples`. NaN for no samples.
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN; // no samples, no middle: say so rather than return 0
  const sorted = [...samples].sort((a, b) => a - b); // a copy: the caller's order is theirs; numeric compare, not string
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2; // even: two middles share it
}

/**
 * The nearest-rank percentile: the smallest sample with at least `p` per cent of the samples at or
 * below it, i.e. sorted[ceil(p / 100 × n) − 1]. `percentile(xs, 99)` is the p99. NaN for no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN; // nothing measured
  const sorted = [...samples].sort((a, b) => a - b); // a copy, sorted as numbers
  const rank = Math.ceil((p / 100) * sorted.length); // 1-based rank: ceil, so p99 of 100 samples is the 99th
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!; // rank 1 is index 0
}
// #endregion stats

// #region time-it
/** A clock in nanoseconds, as `process.hrtime.bigint()` gives it. */
export type Clock = () => bigint;

export interface TimingOptions {
  /** Calls made first and thrown away: cold caches, lazy connections, the JIT. */
  warmup: number;
  /** Calls that are measured, one sample each. */
  iterations: number;
}

/**
 * Calls `fn` `warmup` times without measuring, then `iterations` times, timing each call with `clock`
 * (awaiting it), and returns the samples in milliseconds, with their fractions.
 */
export async function timeIt(fn: () => Promise<unknown>, options: TimingOptions, clock: Clock = process.hrtime.bigint): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) await fn(); // warm-up runs are not measured: they time the first connection, not the database
  const samples: number[] = [];
  for (let i = 0; i < options.iterations; i++) {
    const start = clock(); // hrtime: nanoseconds and monotonic; Date.now() ticks in whole milliseconds
    await fn(); // await, or you time how long it takes to *start* the call
    samples.push(Number(clock() - start) / 1e6); // to a Number first: bigint division would drop the fraction
  }
  return samples;
}
// #endregion time-it

// #region verdict
/** A claim from the article: a figure between `low` and `high` (ms, or a ratio). */
export interface Claim {
  readonly low: number;
  readonly high: number;
}

/** A measured figure and whether every database behind it was a real server (over TCP). */
export interface Measured {
  readonly value: number;
  readonly onServers: boolean;
}

export type Verdict = 'holds' | 'does not hold here' | 'cannot tell on this backend';

/**
 * 'cannot tell on this backend' when the figure did not come from real servers (an in-process mock or
 * emulator measures something else than a server over TCP); else 'holds' when low ≤ value ≤ high, both
 * ends included; else 'does not hold here'.
 */
export function verdict(claim: Claim, measured: Measured): Verdict {
  if (!measured.onServers) return 'cannot tell on this backend'; // a mock has no network or disk: its figure says nothing about a server
  if (measured.value >= claim.low && measured.value <= claim.high) return 'holds'; // both ends belong to the range
  return 'does not hold here'; // faster or slower than claimed: either way the range is wrong on this machine
}
// #endregion verdict

// #region speed-up
/**
 * How many times faster `fast` is than `slow`: median(slow) / median(fast), so that one slow outlier
 * (a garbage collection, another process) does not decide it.
 */
export function speedUp(slow: readonly number[], fast: readonly number[]): number {
  return median(slow) / median(fast); // medians, not means: an outlier moves a mean, not a median
}
// #endregion speed-up

// #region choose
export type Store = 'postgres' | 'mongodb' | 'redis';

/** What an access pattern needs, in the words of the article's "when to use each database" lists. */
export type Need =
  // PostgreSQL
  | 'acid-across-rows' // strict ACID transactions across many rows
  | 'joins' // complex joins over normalised tables
  | 'reporting' // analytical queries: aggregations, GROUP BY
  | 'financial-consistency' // strong consistency for financial records
  // MongoDB
  | 'flexible-schema' // fields that differ from record to record and evolve with the app
  | 'nested-documents' // complex documents with nested data
  | 'horizontal-scaling' // sharding across servers and data centres
  // Redis
  | 'sub-millisecond' // sub-millisecond reads of frequently accessed data
  | 'expiring-sessions' // sessions that expire on their own
  | 'messaging' // real-time messaging between services
  | 'atomic-counters' // leaderboards, counters, rate limits
  | 'cache'; // a copy of an expensive query or computation

export interface AccessPattern {
  readonly name: string;
  readonly description: string;
  /** What the data must support, the deciding need first; every need of one pattern points at one store. */
  readonly needs: readonly Need[];
}

export interface Choice {
  store: Store;
  /** One sentence that names the key point: what about the pattern makes this store the right one. */
  reason: string;
}

/** The store for `pattern`, and why, from the article's lists. */
export function choose(pattern: AccessPattern): Choice {
  const need = pattern.needs[0]; // the deciding need comes first, and the reason must name it
  switch (need) {
    case 'acid-across-rows':
    case 'financial-consistency':
      return { store: 'postgres', reason: 'Money moves between rows: it needs strict ACID transactions and strong consistency.' }; // the article's SQL list
    case 'joins':
    case 'reporting':
      return { store: 'postgres', reason: 'A report over related tables: SQL joins and GROUP BY aggregations do it in one query.' }; // analytics go to SQL
    case 'flexible-schema':
    case 'nested-documents':
    case 'horizontal-scaling':
      return { store: 'mongodb', reason: 'Each record has its own fields and nested data: a flexible-schema document store, sharded when it grows.' }; // the article's MongoDB list
    case 'expiring-sessions':
      return { store: 'redis', reason: 'A session is read on every request and must expire on its own: a Redis key with a TTL.' }; // sessions auto-expire in Redis
    case 'atomic-counters':
      return { store: 'redis', reason: 'Counters and rankings change under concurrent writes: Redis atomic operations (INCR, ZINCRBY on a sorted set).' }; // atomic, in memory
    case 'messaging':
      return { store: 'redis', reason: 'Services must hear about events in real time: Redis pub/sub publishes them instantly.' }; // real-time messaging
    case 'sub-millisecond':
    case 'cache':
      return { store: 'redis', reason: 'A copy of an expensive query read again and again: a cache in memory with sub-millisecond latency.' }; // caching is Redis's first use
    default:
      throw new Error(`choose: the pattern "${pattern.name}" lists no need (got ${JSON.stringify(pattern.needs)}).`);
  }
}
// #endregion choose
