/**
 * A sharded collection, simulated in plain TypeScript (no cluster): enough of MongoDB's model to
 * see what a shard key does. Documents are inserted in order; each goes to the chunk whose key
 * range holds its shard-key value; a chunk that grows past `chunkSize` documents splits at its
 * median key, unless every document in it has the same key value — then it cannot split and
 * becomes a *jumbo* chunk (the manual: the smallest range a chunk can hold is one shard-key
 * value). A balancer moves chunks from the shard with the most to the one with the fewest; MongoDB
 * 7 balances by data size, which for documents of one size is the same thing. A hashed key ranges
 * over hashes instead of values; the simulator starts it pre-split, two chunks per shard, as older
 * releases did for an empty collection (newer ones start with one chunk and let the balancer
 * spread it: where the writes go is the same).
 *
 * A model, not MongoDB: real chunks split by size in bytes, not by a count of documents.
 * The lesson's notebook uses it, and so do the checks on your shard-key choices.
 */

/** A shard key as `sh.shardCollection` takes it: `{ customerId: 1 }`, `{ country: 1, userId: 1 }`, `{ _id: 'hashed' }`. */
export type ShardKey = Readonly<Record<string, 1 | 'hashed'>>;

type Scalar = number | string;
/** A point in key space: one scalar per key field. */
type KeyValue = readonly Scalar[];
/** MinKey and MaxKey: below and above every value, for the open ends of a query's key range. */
const MIN = Symbol('MinKey');
const MAX = Symbol('MaxKey');
type Point = Array<Scalar | typeof MIN | typeof MAX>;

export interface Chunk {
  /** Inclusive lower bound; `null` is MinKey. */
  min: KeyValue | null;
  /** Exclusive upper bound; `null` is MaxKey. */
  max: KeyValue | null;
  shard: number;
  docs: number;
  jumbo: boolean;
  /** Key values of the documents in the chunk (to find the median when it splits). */
  values: KeyValue[];
}

export interface ShardedCollection {
  readonly key: ShardKey;
  readonly shards: number;
  readonly chunkSize: number;
  readonly chunks: Chunk[];
  /** For each inserted document, in order, the shard it was written to. */
  readonly writes: number[];
}

export interface Route {
  /** True when the router could use the shard key to pick shards; false means scatter-gather to all. */
  readonly targeted: boolean;
  readonly shards: number[];
}

export class ShardKeyError extends Error {
  override readonly name = 'ShardKeyError';
}

/** Checks a shard key against the simulator's rules (and MongoDB's): fields, 1 or 'hashed', one hashed field alone. */
export function checkShardKey(key: ShardKey, fields?: readonly string[]): void {
  const entries = Object.entries(key ?? {});
  if (entries.length === 0) throw new ShardKeyError('A shard key needs at least one field, e.g. { customerId: 1 }.');
  for (const [field, kind] of entries) {
    if (kind !== 1 && kind !== 'hashed') throw new ShardKeyError(`Shard key field ${field} must be 1 (ranged) or 'hashed', not ${JSON.stringify(kind)}.`);
    if (fields !== undefined && !fields.includes(field)) {
      throw new ShardKeyError(`The documents have no field ${field}; choose from ${fields.join(', ')}.`);
    }
  }
  if (entries.filter(([, kind]) => kind === 'hashed').length > 1) {
    throw new ShardKeyError('A shard key can hash only one of its fields.');
  }
}

/** A key whose first field is hashed: its chunks start pre-split across the hash space. */
function startsHashed(key: ShardKey): boolean {
  return Object.values(key)[0] === 'hashed';
}

/** A value as a comparable scalar: Dates by time, ObjectIds by their hex (which starts with the time). */
function scalar(v: unknown): Scalar {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Date) return v.getTime();
  if (v !== null && typeof v === 'object' && 'toHexString' in v && typeof v.toHexString === 'function') return String(v.toHexString());
  return String(v);
}

/** FNV-1a over the value's text, as a stand-in for MongoDB's 64-bit MD5-based hash. */
function hash(v: Scalar): number {
  const text = `${typeof v}:${v}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const HASH_SPACE = 2 ** 32;

function keyOf(doc: Record<string, unknown>, key: ShardKey): KeyValue {
  return Object.entries(key).map(([f, kind]) => (kind === 'hashed' ? hash(scalar(doc[f])) : scalar(doc[f])));
}

function cmpScalar(a: Scalar | typeof MIN | typeof MAX, b: Scalar | typeof MIN | typeof MAX): number {
  if (a === b) return 0;
  if (a === MIN || b === MAX) return -1;
  if (a === MAX || b === MIN) return 1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1; // numbers sort before strings, as in BSON
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpKey(a: KeyValue | Point, b: KeyValue | Point): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = cmpScalar(a[i] as Scalar, b[i] as Scalar); // MinKey / MaxKey included
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function contains(chunk: Chunk, k: KeyValue): boolean {
  return (chunk.min === null || cmpKey(k, chunk.min) >= 0) && (chunk.max === null || cmpKey(k, chunk.max) < 0);
}

function counts(c: ShardedCollection): number[] {
  const per = new Array<number>(c.shards).fill(0);
  for (const ch of c.chunks) per[ch.shard] = (per[ch.shard] ?? 0) + 1;
  return per;
}

/** The balancer, simplified: while two shards differ by 2+ chunks, move the lowest chunk of the fullest to the emptiest. */
function balance(c: ShardedCollection): void {
  for (;;) {
    const per = counts(c);
    const most = per.indexOf(Math.max(...per));
    const least = per.indexOf(Math.min(...per));
    if ((per[most] ?? 0) - (per[least] ?? 0) < 2) return;
    const movable = c.chunks.find((ch) => ch.shard === most && !ch.jumbo);
    if (movable === undefined) return; // jumbo chunks cannot move
    movable.shard = least;
  }
}

function split(c: ShardedCollection, chunk: Chunk): void {
  const sorted = [...chunk.values].sort(cmpKey);
  const median = sorted[sorted.length >> 1] as KeyValue;
  // Split at the first value greater than the lowest one at or after the median, so equal keys stay together.
  let at = sorted.findIndex((v) => cmpKey(v, median) >= 0);
  if (at <= 0) at = sorted.findIndex((v) => cmpKey(v, sorted[0] as KeyValue) > 0);
  if (at <= 0) {
    chunk.jumbo = true; // every document has the same key: no split point exists
    return;
  }
  const boundary = sorted[at] as KeyValue;
  const upper: Chunk = { min: boundary, max: chunk.max, shard: chunk.shard, docs: 0, jumbo: false, values: [] };
  chunk.max = boundary;
  const lower = sorted.slice(0, at);
  upper.values = sorted.slice(at);
  upper.docs = upper.values.length;
  chunk.values = lower;
  chunk.docs = lower.length;
  c.chunks.splice(c.chunks.indexOf(chunk) + 1, 0, upper);
  for (const part of [chunk, upper]) if (part.docs > c.chunkSize) split(c, part);
  balance(c);
}

/** An empty sharded collection: one chunk for a ranged key, two per shard across the hash space for a hashed one. */
export function shardCollection(key: ShardKey, options: { shards: number; chunkSize: number }): ShardedCollection {
  checkShardKey(key);
  const { shards, chunkSize } = options;
  const chunks: Chunk[] = [];
  if (startsHashed(key)) {
    const n = shards * 2;
    for (let i = 0; i < n; i++) {
      chunks.push({
        min: i === 0 ? null : [Math.floor((HASH_SPACE / n) * i)],
        max: i === n - 1 ? null : [Math.floor((HASH_SPACE / n) * (i + 1))],
        shard: i % shards,
        docs: 0,
        jumbo: false,
        values: [],
      });
    }
  } else {
    chunks.push({ min: null, max: null, shard: 0, docs: 0, jumbo: false, values: [] });
  }
  return { key, shards, chunkSize, chunks, writes: [] };
}

/** Inserts documents in order, splitting and balancing as it goes. */
export function insert(c: ShardedCollection, docs: readonly Record<string, unknown>[]): ShardedCollection {
  for (const doc of docs) {
    const k = keyOf(doc, c.key);
    const chunk = c.chunks.find((ch) => contains(ch, k)) as Chunk;
    c.writes.push(chunk.shard);
    chunk.docs += 1;
    chunk.values.push(k);
    if (chunk.docs > c.chunkSize && !chunk.jumbo) split(c, chunk);
  }
  return c;
}

/** Shards a collection by `key` and inserts `docs`: the whole simulation in one call. */
export function simulate(docs: readonly Record<string, unknown>[], key: ShardKey, options: { shards: number; chunkSize: number }): ShardedCollection {
  return insert(shardCollection(key, options), docs);
}

type Bound = { value: Scalar; inclusive: boolean };

/** The bounds a filter puts on one field: equality, or $gt/$gte/$lt/$lte; undefined when it puts none. */
function bounds(condition: unknown): { low?: Bound; high?: Bound } | undefined {
  if (condition === undefined) return undefined;
  const isOps = condition !== null && typeof condition === 'object' && !(condition instanceof Date) && Object.keys(condition).every((k) => k.startsWith('$'));
  if (!isOps) {
    const v = scalar(condition);
    return { low: { value: v, inclusive: true }, high: { value: v, inclusive: true } };
  }
  const ops = condition as Record<string, unknown>;
  const out: { low?: Bound; high?: Bound } = {};
  if ('$eq' in ops) return bounds(ops.$eq);
  if ('$gte' in ops) out.low = { value: scalar(ops.$gte), inclusive: true };
  if ('$gt' in ops) out.low = { value: scalar(ops.$gt), inclusive: false };
  if ('$lte' in ops) out.high = { value: scalar(ops.$lte), inclusive: true };
  if ('$lt' in ops) out.high = { value: scalar(ops.$lt), inclusive: false };
  return out.low === undefined && out.high === undefined ? undefined : out;
}

function allShards(c: ShardedCollection): Route {
  return { targeted: false, shards: Array.from({ length: c.shards }, (_, i) => i) };
}

function shardsOf(chunks: readonly Chunk[]): number[] {
  return [...new Set(chunks.map((ch) => ch.shard))].sort((a, b) => a - b);
}

/**
 * Where a router (mongos) sends a query: to the shards owning the chunks the filter can touch when
 * it constrains a prefix of the shard key, otherwise to every shard (scatter-gather). A hashed key
 * targets equality only: a range of values is scattered across the hash space.
 */
export function route(c: ShardedCollection, filter: Record<string, unknown>): Route {
  const fields = Object.keys(c.key);
  // Equality on a prefix of the key, then at most one range, like an index bound; the rest is open.
  // A hashed field only helps with equality: a range of values is spread all over the hash space.
  const low: Point = [];
  const high: Point = [];
  for (const f of fields) {
    const b = bounds(filter[f]);
    if (b === undefined) break;
    const equal = b.low !== undefined && b.high !== undefined && cmpScalar(b.low.value, b.high.value) === 0;
    if (c.key[f] === 'hashed') {
      if (!equal || b.low === undefined) break;
      const h = hash(b.low.value);
      low.push(h);
      high.push(h);
      continue;
    }
    low.push(b.low?.value ?? MIN);
    high.push(b.high?.value ?? MAX);
    if (!equal) break;
  }
  if (low.length === 0) return allShards(c);
  while (low.length < fields.length) low.push(MIN);
  while (high.length < fields.length) high.push(MAX);
  // A chunk [min, max) can hold a matching document when min <= high and max > low.
  const touched = c.chunks.filter((ch) => (ch.min === null || cmpKey(ch.min, high) <= 0) && (ch.max === null || cmpKey(ch.max, low) > 0));
  return { targeted: true, shards: shardsOf(touched) };
}

/** Documents per shard. */
export function docsPerShard(c: ShardedCollection): number[] {
  const per = new Array<number>(c.shards).fill(0);
  for (const ch of c.chunks) per[ch.shard] = (per[ch.shard] ?? 0) + ch.docs;
  return per;
}

/** The share (0–1) of the newest `fraction` of inserts that landed on the busiest shard: 1 means one hot shard. */
export function hottestShare(c: ShardedCollection, fraction = 0.25): number {
  const recent = c.writes.slice(Math.floor(c.writes.length * (1 - fraction)));
  if (recent.length === 0) return 0;
  const per = new Array<number>(c.shards).fill(0);
  for (const s of recent) per[s] = (per[s] ?? 0) + 1;
  return Math.max(...per) / recent.length;
}

/** Chunks that could not split because all their documents share one key value. */
export function jumboChunks(c: ShardedCollection): Chunk[] {
  return c.chunks.filter((ch) => ch.jumbo);
}

/** One row per shard, for `show()`: chunks, documents, jumbo chunks, share of the newest writes. */
export function shardTable(c: ShardedCollection, fraction = 0.25): Array<Record<string, string | number>> {
  const recent = c.writes.slice(Math.floor(c.writes.length * (1 - fraction)));
  return Array.from({ length: c.shards }, (_, s) => ({
    shard: `shard${s}`,
    chunks: c.chunks.filter((ch) => ch.shard === s).length,
    documents: c.chunks.filter((ch) => ch.shard === s).reduce((n, ch) => n + ch.docs, 0),
    jumbo: c.chunks.filter((ch) => ch.shard === s && ch.jumbo).length,
    'newest writes': `${Math.round((100 * recent.filter((w) => w === s).length) / Math.max(1, recent.length))}%`,
  }));
}
