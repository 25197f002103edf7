/**
 * BSON comparison/sort order (the manual's "Comparison/Sort Order"), which mingo only
 * approximates: numbers compare by value across int/long/double/decimal, values of different
 * types order by type (null < numbers < strings < objects < arrays < binData < ObjectId <
 * booleans < dates < timestamps < regex), and sorting on an array field uses its smallest
 * element ascending and its largest element descending.
 */
import { compareTyped, typed } from './arithmetic.ts';
import { valuesAtPath, type Doc } from './values.ts';

function bsontype(v: object): string | undefined {
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === 'string' ? t : undefined;
}

/** Numeric value of a number-like BSON value, or undefined when it is not a number. */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object') {
    const t = bsontype(v);
    if (t === 'Long' || t === 'Decimal128' || t === 'Int32' || t === 'Double') return Number(String(v));
  }
  return undefined;
}

/** Rank of a value's type in the BSON sort order. */
export function typeRank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (numericValue(v) !== undefined) return 2;
  if (typeof v === 'string') return 3;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  if (Array.isArray(v)) return 5;
  if (typeof v === 'object') {
    switch (bsontype(v as object)) {
      case 'MinKey':
        return 0;
      case 'BSONSymbol':
        return 3;
      case 'Binary':
      case 'UUID':
        return 6;
      case 'ObjectId':
        return 7;
      case 'Timestamp':
        return 10;
      case 'BSONRegExp':
        return 11;
      case 'MaxKey':
        return 127;
      case undefined:
        return 4;
      default:
        return 12;
    }
  }
  return 12;
}

function cmpPrimitive<T extends string | number | bigint | boolean>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order over BSON values, as mongod compares them. */
export function bsonCompare(a: unknown, b: unknown): number {
  // Fast paths for the common cases; NaN falls through to the general rule.
  if (typeof a === 'number' && typeof b === 'number' && a === a && b === b) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
    case 0:
    case 127:
      return 0;
    case 2: {
      // Long and Decimal128 compare exactly (a double would round 2^53 + 1 or 0.1000…01).
      if (typeof a === 'object' || typeof b === 'object') {
        const ta = typed(a);
        const tb = typed(b);
        if (ta !== undefined && tb !== undefined) return compareTyped(ta, tb);
      }
      const x = numericValue(a) as number;
      const y = numericValue(b) as number;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
      return cmpPrimitive(x, y);
    }
    case 3:
      return cmpPrimitive(String(a), String(b));
    case 4: {
      const ka = Object.keys(a as object);
      const kb = Object.keys(b as object);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const fa = ka[i] as string;
        const fb = kb[i] as string;
        const va = (a as Record<string, unknown>)[fa];
        const vb = (b as Record<string, unknown>)[fb];
        const t = typeRank(va) - typeRank(vb);
        if (t !== 0) return t < 0 ? -1 : 1;
        if (fa !== fb) return cmpPrimitive(fa, fb);
        const c = bsonCompare(va, vb);
        if (c !== 0) return c;
      }
      return cmpPrimitive(ka.length, kb.length);
    }
    case 5: {
      const xa = a as unknown[];
      const xb = b as unknown[];
      for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
        const c = bsonCompare(xa[i], xb[i]);
        if (c !== 0) return c;
      }
      return cmpPrimitive(xa.length, xb.length);
    }
    case 6: {
      const ba = a as { sub_type: number; buffer: Uint8Array };
      const bb = b as { sub_type: number; buffer: Uint8Array };
      if (ba.buffer.length !== bb.buffer.length) return cmpPrimitive(ba.buffer.length, bb.buffer.length);
      if (ba.sub_type !== bb.sub_type) return cmpPrimitive(ba.sub_type, bb.sub_type);
      return Buffer.compare(Buffer.from(ba.buffer), Buffer.from(bb.buffer));
    }
    case 7:
      return cmpPrimitive((a as { toHexString(): string }).toHexString(), (b as { toHexString(): string }).toHexString());
    case 8:
      return cmpPrimitive(a as boolean, b as boolean);
    case 9:
      return cmpPrimitive((a as Date).getTime(), (b as Date).getTime());
    case 10:
      return (a as { compare(o: unknown): number }).compare(b);
    default:
      return cmpPrimitive(String(a), String(b));
  }
}

/**
 * The sort key of an empty array. The manual ("Comparison/Sort Order"): comparisons treat an empty
 * array as less than null or a missing field, in ascending and descending sorts alike.
 */
const EMPTY_ARRAY = Symbol('empty array');

function sortCompare(a: unknown, b: unknown): number {
  if (a === EMPTY_ARRAY || b === EMPTY_ARRAY) return a === b ? 0 : a === EMPTY_ARRAY ? -1 : 1;
  return bsonCompare(a, b);
}

/** The value a document sorts by for one key: arrays contribute their min (ascending) or max (descending). */
function sortKey(doc: Doc, path: string, dir: number): unknown {
  const direct = path.includes('.') ? undefined : doc[path];
  if (typeof direct === 'number' || typeof direct === 'string') return direct;
  const values = path.includes('.') || Array.isArray(direct) ? valuesAtPath(doc, path) : [direct];
  const flat: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) {
      if (v.length === 0) flat.push(EMPTY_ARRAY);
      else flat.push(...v);
    } else flat.push(v);
  }
  if (flat.length === 1) return flat[0];
  let best: unknown = flat[0];
  for (const v of flat) {
    const c = sortCompare(v, best);
    if (dir > 0 ? c < 0 : c > 0) best = v;
  }
  return best;
}

type SortItem = { doc: Doc; i: number; k: unknown[] };

/**
 * The comparator for decorated documents. When every document sorts by one key that is a string
 * (or a number other than NaN) in all of them, plain < and > give the BSON order, so the general
 * comparison is skipped (the common `sort({ name: 1 })` or `sort({ score: -1 })`).
 */
function comparatorFor(keys: ReadonlyArray<readonly [string, number]>, items: SortItem[]): (x: SortItem, y: SortItem) => number {
  if (keys.length === 1) {
    const dir = (keys[0] as readonly [string, number])[1];
    const first = items[0]?.k[0];
    const kind = typeof first;
    if ((kind === 'string' || kind === 'number') && items.every((it) => typeof it.k[0] === kind && it.k[0] === it.k[0])) {
      return (x, y) => {
        const a = x.k[0] as string | number;
        const b = y.k[0] as string | number;
        return a < b ? -dir : a > b ? dir : x.i - y.i;
      };
    }
  }
  return (x, y) => {
    for (let j = 0; j < keys.length; j++) {
      const c = sortCompare(x.k[j], y.k[j]);
      if (c !== 0) return c * (keys[j] as readonly [string, number])[1];
    }
    return x.i - y.i;
  };
}

function decorate(doc: Doc, i: number, keys: ReadonlyArray<readonly [string, number]>): SortItem {
  return { doc, i, k: keys.map(([p, d]) => sortKey(doc, p, d)) };
}

function sortKeysOf(spec: Doc): Array<readonly [string, number]> {
  return Object.entries(spec).map(([path, dir]) => [path, Number(dir) < 0 ? -1 : 1] as const);
}

/** Stable sort of documents by a sort specification ({ field: 1 | -1, ... }). */
export function sortDocuments(docs: Doc[], spec: Doc): Doc[] {
  const keys = sortKeysOf(spec);
  const decorated = docs.map((doc, i) => decorate(doc, i, keys));
  decorated.sort(comparatorFor(keys, decorated));
  return decorated.map((d) => d.doc);
}

/**
 * sortDocuments() that lets other connections run: sorted runs of a few thousand documents, then
 * pairwise merges, pausing every few milliseconds. Stable, so equal keys keep their input order.
 */
export async function sortDocumentsAsync(docs: Doc[], spec: Doc, guard: { tick(): Promise<void> }): Promise<Doc[]> {
  const keys = sortKeysOf(spec);
  type Item = SortItem;
  const items: Item[] = [];
  for (let i = 0; i < docs.length; i++) {
    items.push(decorate(docs[i] as Doc, i, keys));
    if ((i & 4095) === 4095) await guard.tick();
  }
  const cmp = comparatorFor(keys, items);
  const RUN = 2048;
  let runs: Item[][] = [];
  for (let s = 0; s < items.length; s += RUN) {
    const run = items.slice(s, s + RUN);
    run.sort(cmp);
    runs.push(run);
    await guard.tick();
  }
  while (runs.length > 1) {
    const next: Item[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r] as Item[];
      const b = runs[r + 1];
      if (b === undefined) {
        next.push(a);
        continue;
      }
      const merged: Item[] = new Array<Item>(a.length + b.length);
      let x = 0;
      let y = 0;
      let n = 0;
      while (x < a.length || y < b.length) {
        if (y >= b.length || (x < a.length && cmp(a[x] as Item, b[y] as Item) <= 0)) merged[n++] = a[x++] as Item;
        else merged[n++] = b[y++] as Item;
        if ((n & 4095) === 0) await guard.tick();
      }
      next.push(merged);
    }
    runs = next;
  }
  return (runs[0] ?? []).map((d) => d.doc);
}
