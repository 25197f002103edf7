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
  return todo('median: the middle of the sorted samples'); // TODO: sort a copy as numbers; odd → the middle one, even → the mean of the two middles
}

/**
 * The nearest-rank percentile: the smallest sample with at least `p` per cent of the samples at or
 * below it, i.e. sorted[ceil(p / 100 × n) − 1]. `percentile(xs, 99)` is the p99. NaN for no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  return todo('percentile: the nearest-rank sample'); // TODO: sort a copy; rank = ceil(p / 100 × n); return sorted[rank − 1]
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
  return todo('timeIt: warm up, then time each call'); // TODO: warmup calls unmeasured; then per call: clock(), await fn(), clock(); ns → ms
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
  return todo('verdict: does the claim hold here?'); // TODO: not on servers → cannot tell; low ≤ value ≤ high → holds; else does not hold here
}
// #endregion verdict

// #region speed-up
/**
 * How many times faster `fast` is than `slow`: median(slow) / median(fast), so that one slow outlier
 * (a garbage collection, another process) does not decide it.
 */
export function speedUp(slow: readonly number[], fast: readonly number[]): number {
  return todo('speedUp: how many times faster?'); // TODO: the ratio of the two medians
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
  return todo('choose: a store and a reason for this pattern'); // TODO: map the first need to its store, with a reason that names it
}
// #endregion choose
