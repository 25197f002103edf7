/**
 * Lesson 12's small benchmark library, imported by the notebook (and by `npm run bench:measurements`).
 *
 *   const stats = await measure(() => redis.get('bench:user:1'));   // warm-up, then 200 timed calls
 *   stats.median; stats.p99;                                         // milliseconds, with fractions
 *
 * No fixed sleeps anywhere: every figure is the time of the call itself, read from
 * `process.hrtime.bigint()` (nanoseconds, monotonic). Your own versions of `median`, `percentile` and
 * the timing loop are the exercise; these are the ones the notebook trusts.
 */
import { cpus, loadavg, platform, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { currentNotebook } from '#lab/notebook/context.ts';

export interface Stats {
  /** Milliseconds. */
  readonly median: number;
  /** Milliseconds: 99 of 100 calls were at least this fast. */
  readonly p99: number;
  readonly n: number;
}

export interface MeasureOptions {
  warmup?: number;
  iterations?: number;
}

// #region stats
export function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest rank: the smallest sample with p per cent of all samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
}
// #endregion stats

// #region measure
/** Calls `fn` `warmup` times untimed, then `iterations` times, each timed on its own. */
export async function measure(fn: () => Promise<unknown>, options: MeasureOptions = {}): Promise<Stats> {
  const { warmup = 20, iterations = 200 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { median: median(samples), p99: percentile(samples, 99), n: samples.length };
}
// #endregion measure

/** What a figure ran on, in words, and whether that was a real server over TCP. */
export interface RanOn {
  readonly label: string;
  readonly onServer: boolean;
}

export interface Runtime {
  /** The backends line, as `npm run lesson` prints it. */
  readonly backends: string;
  readonly redis: RanOn;
  readonly mongo: RanOn;
  readonly sql: RanOn;
}

/** What the running notebook is connected to; the lesson runner opened these databases. */
export function runtime(): Runtime {
  const b = currentNotebook()?.backends;
  if (!b) throw new Error('runtime(): no notebook is running. Use `npm run lesson 12`, which opens the databases first.');
  const redisServer = b.redisConnection?.kind === 'url';
  const mongoServer = b.mongoServer !== undefined && b.mongoServer.kind !== 'emulator';
  const sqlServer = b.sql?.kind === 'postgres';
  return {
    backends: b.summary,
    redis: { label: redisServer ? 'Redis (TCP)' : 'ioredis-mock', onServer: redisServer },
    mongo: { label: mongoServer ? 'mongod (TCP)' : 'emulator', onServer: mongoServer },
    sql: { label: sqlServer ? 'PostgreSQL (TCP)' : 'PGlite', onServer: sqlServer },
  };
}

/** One measured figure, labelled with what it ran on. */
export interface Figure {
  readonly id: string;
  readonly what: string;
  readonly median: number;
  readonly p99: number;
  readonly n: number;
  readonly ranOn: string;
  readonly onServer: boolean;
}

export function figure(id: string, what: string, stats: Stats, ...ranOn: RanOn[]): Figure {
  return {
    id,
    what,
    ...stats,
    ranOn: ranOn.map((r) => r.label).join(' + '),
    onServer: ranOn.every((r) => r.onServer),
  };
}

// #region claims
/** A claim of the article, as a range; `of` says which figure (or ratio of two figures) it is about. */
export interface SeedClaim {
  readonly id: string;
  readonly claim: string;
  /** The article's words. */
  readonly says: string;
  readonly low: number;
  readonly high: number;
  readonly unit: 'ms' | '×';
  /** A figure id, or `slow/fast` for a ratio of two medians. */
  readonly of: string;
}

export const SEED_CLAIMS: readonly SeedClaim[] = [
  { id: 'redis-read', claim: 'Redis GET', says: 'a typical Redis operation: 0.1–1 ms', low: 0.1, high: 1, unit: 'ms', of: 'redis-get' },
  { id: 'mongo-read', claim: 'MongoDB findOne', says: 'a MongoDB query takes 10–50 ms', low: 10, high: 50, unit: 'ms', of: 'mongo-find' },
  { id: 'sql-read', claim: 'SQL SELECT', says: 'latency, SQL: 5–100 ms', low: 5, high: 100, unit: 'ms', of: 'sql-select' },
  { id: 'redis-vs-mongo', claim: 'Redis vs MongoDB', says: 'Redis is 50–100x faster for reads', low: 50, high: 100, unit: '×', of: 'mongo-find/redis-get' },
  { id: 'redis-vs-disk', claim: 'Redis vs SQL', says: '100–1000 times faster than disk databases', low: 100, high: 1000, unit: '×', of: 'sql-select/redis-get' },
  { id: 'feed-miss', claim: 'feed from MongoDB', says: 'feed in MongoDB: 200 ms (read as 100–400)', low: 100, high: 400, unit: 'ms', of: 'feed-miss' },
  { id: 'feed-hit', claim: 'feed from cache', says: 'from the cache: 0.5 ms (read as ≤ 0.5)', low: 0, high: 0.5, unit: 'ms', of: 'feed-hit' },
];
// #endregion claims

export type Verdict = 'holds' | 'does not hold here' | 'cannot tell on this backend';

export interface Judged extends SeedClaim {
  readonly measured: number;
  readonly onServers: boolean;
  readonly verdict: Verdict;
}

// #region verdict
/** The claim's figure here, and its verdict: only figures from real servers can confirm or refute it. */
export function judge(claim: SeedClaim, figures: readonly Figure[]): Judged {
  const byId = (id: string): Figure => {
    const found = figures.find((f) => f.id === id);
    if (!found) throw new Error(`judge: no figure "${id}" was measured for the claim "${claim.claim}".`);
    return found;
  };
  const parts = claim.of.split('/').map(byId);
  const measured = parts.length === 2 ? parts[0]!.median / parts[1]!.median : parts[0]!.median;
  const onServers = parts.every((f) => f.onServer);
  const inRange = measured >= claim.low && measured <= claim.high;
  const verdict: Verdict = !onServers ? 'cannot tell on this backend' : inRange ? 'holds' : 'does not hold here';
  return { ...claim, measured, onServers, verdict };
}
// #endregion verdict

/** A figure with its unit right after the number (the docs' freshness check relies on it). */
export function ms(value: number): string {
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(3)} ms`;
}

export function times(value: number): string {
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}

export function range(claim: SeedClaim): string {
  const n = (v: number): string => String(v);
  if (claim.low === 0) return `≤ ${n(claim.high)} ${claim.unit}`;
  return claim.unit === 'ms' ? `${n(claim.low)}–${n(claim.high)} ms` : `${n(claim.low)}–${n(claim.high)}×`;
}

// #region chart
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/** The chart's scale: 1 µs to 1 s, six decades, logarithmic, so 0.01 ms and 200 ms both fit. */
const FLOOR_MS = 0.001;
const DECADES = 6;

/** A bar of up to `width` characters for `value` ms on the log scale, in eighths of a character. */
export function bar(value: number, width: number): string {
  const fraction = Math.min(1, Math.max(0, Math.log10(value / FLOOR_MS) / DECADES));
  const eighths = Math.max(1, Math.round(fraction * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** Each figure's median as a bar; fits 80 columns (labels 22, bars 40, value 12). */
export function chart(figures: readonly Figure[], width = 40): string {
  const at = (decade: number): number => 23 + Math.round((decade / DECADES) * width);
  const axis = `${' '.repeat(23)}1µs`.padEnd(at(3) - 1) + '1ms'.padEnd(at(6) - at(3) + 1) + '1s';
  const lines = figures.map((f) => {
    const label = f.what.length > 22 ? `${f.what.slice(0, 21)}…` : f.what.padEnd(22);
    return `${label} ${bar(f.median, width).padEnd(width)} ${ms(f.median)}`;
  });
  return [...lines, axis].join('\n');
}
// #endregion chart

/** The machine a run measured, for the JSON and the docs site's chart. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15-minute load averages when the run ended: a busy machine measures slower. */
  readonly loadavg: readonly number[];
  readonly date: string;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: `${platform()} ${release()}`,
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** What `.nosql-lab/measurements.json` holds: one run, the machine, every figure and verdict. */
export interface Measurements {
  readonly version: 1;
  readonly machine: Machine;
  readonly backends: string;
  readonly figures: readonly Figure[];
  readonly claims: readonly Judged[];
}

export function writeMeasurements(file: string, data: Measurements): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
