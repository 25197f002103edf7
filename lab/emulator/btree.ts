/**
 * The ordered structure behind every index: entries (key tuple, record id) kept sorted in BSON
 * comparison order, field by field with each field's direction, ties broken by record id.
 * It is a list of sorted chunks (a flat B-tree of height two): a lookup is two binary searches, an
 * insert or delete moves at most one chunk's worth of entries, and a range is read by walking
 * chunks from the first entry in range to the last.
 */
import { ObjectId } from 'bson';
import { bsonCompare, typeRank } from './compare.ts';

/** bsonCompare with fast paths for the key types indexes hold most (strings, numbers, ObjectIds). */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number' && a === a && b === b) return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof ObjectId && b instanceof ObjectId) return Buffer.compare(a.id, b.id);
  return bsonCompare(a, b);
}

export interface Entry {
  /** One value per index field (missing fields are null). */
  readonly key: readonly unknown[];
  /** keyOf(_id) of the document. */
  readonly id: string;
}

/**
 * A bound that sits before or after every value of one BSON type, for type-bracketed ranges:
 * `{ $gt: 5 }` scans numbers above 5 and stops where strings begin, as mongod's bounds do.
 */
export class TypeEdge {
  constructor(
    readonly rank: number,
    readonly after: boolean,
  ) {}
}

/** Compares a stored key value with a bound value (which may be a TypeEdge). */
export function compareToBound(value: unknown, bound: unknown): number {
  if (bound instanceof TypeEdge) {
    const r = typeRank(value);
    if (r !== bound.rank) return r < bound.rank ? -1 : 1;
    return bound.after ? -1 : 1;
  }
  return compareKeys(value, bound);
}

/** Compares two bound values (either may be a TypeEdge), for sorting and merging intervals. */
export function compareBounds(a: unknown, b: unknown): number {
  if (a instanceof TypeEdge && b instanceof TypeEdge) {
    if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
    return a.after === b.after ? 0 : a.after ? 1 : -1;
  }
  if (a instanceof TypeEdge) return -compareToBound(b, a);
  return compareToBound(a, b);
}

const CHUNK = 256;

/** Where a scan is: a chunk and a position inside it. */
interface Cursor {
  c: number;
  p: number;
}

export class IndexTree {
  /** +1 or -1 per index field. */
  readonly dirs: readonly number[];
  private chunks: Entry[][] = [];
  private count = 0;
  /** Bumped by every change, so a paused range() knows to find its place again. */
  private version = 0;

  constructor(dirs: readonly number[]) {
    this.dirs = dirs;
  }

  get size(): number {
    return this.count;
  }

  compare(a: Entry, b: Entry): number {
    const dirs = this.dirs;
    for (let i = 0; i < dirs.length; i++) {
      const c = compareKeys(a.key[i], b.key[i]);
      if (c !== 0) return c * (dirs[i] as number);
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }

  /** Compares the first `bound.length` key fields of an entry with a bound tuple, in index order. */
  comparePrefix(e: Entry, bound: readonly unknown[]): number {
    for (let i = 0; i < bound.length; i++) {
      const c = compareToBound(e.key[i], bound[i]);
      if (c !== 0) return c * (this.dirs[i] as number);
    }
    return 0;
  }

  /** Replaces the contents with these entries (sorted here), as an index build does. */
  build(entries: Entry[]): void {
    entries.sort((a, b) => this.compare(a, b));
    this.chunks = [];
    this.version += 1;
    for (let i = 0; i < entries.length; i += CHUNK) this.chunks.push(entries.slice(i, i + CHUNK));
    this.count = entries.length;
  }

  copy(): IndexTree {
    const t = new IndexTree(this.dirs);
    t.chunks = this.chunks.map((c) => c.slice());
    t.count = this.count;
    return t;
  }

  /** First chunk whose last entry is >= e (or the last chunk). */
  private chunkFor(e: Entry): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid] as Entry[];
      if (this.compare(chunk[chunk.length - 1] as Entry, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(chunk: Entry[], e: Entry): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(chunk[mid] as Entry, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(e: Entry): void {
    this.count += 1;
    this.version += 1;
    if (this.chunks.length === 0) {
      this.chunks.push([e]);
      return;
    }
    const c = this.chunkFor(e);
    const chunk = this.chunks[c] as Entry[];
    chunk.splice(this.position(chunk, e), 0, e);
    if (chunk.length > 2 * CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(CHUNK));
  }

  delete(e: Entry): boolean {
    if (this.chunks.length === 0) return false;
    const c = this.chunkFor(e);
    const chunk = this.chunks[c] as Entry[];
    const p = this.position(chunk, e);
    if (p >= chunk.length || this.compare(chunk[p] as Entry, e) !== 0) return false;
    chunk.splice(p, 1);
    this.count -= 1;
    this.version += 1;
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  /** The first entry at or after (inclusive) / strictly after (exclusive) a bound prefix. */
  private seek(bound: readonly unknown[], inclusive: boolean): Cursor {
    return this.firstWhere((e) => {
      const c = this.comparePrefix(e, bound);
      return inclusive ? c >= 0 : c > 0;
    });
  }

  /** The position of the first entry for which `past` holds (entries are ordered, so it holds for all after it). */
  private firstWhere(past: (e: Entry) => boolean): Cursor {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid] as Entry[];
      if (!past(chunk[chunk.length - 1] as Entry)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.chunks.length) return { c: lo, p: 0 };
    const chunk = this.chunks[lo] as Entry[];
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (!past(chunk[mid] as Entry)) a = mid + 1;
      else b = mid;
    }
    return { c: lo, p: a };
  }

  /**
   * Visits the entries between two bound prefixes (in index order), forwards or backwards, until
   * `visit` returns false. Returns false when stopped early.
   */
  scan(start: readonly unknown[], startInclusive: boolean, end: readonly unknown[], endInclusive: boolean, backward: boolean, visit: (e: Entry) => boolean): boolean {
    const first = this.seek(start, startInclusive);
    // One past the last entry in range.
    const stop = this.seek(end, !endInclusive);
    const before = (x: Cursor, y: Cursor): boolean => x.c < y.c || (x.c === y.c && x.p < y.p);
    if (!before(first, stop)) return true;
    if (!backward) {
      let { c, p } = first;
      while (c < stop.c || (c === stop.c && p < stop.p)) {
        const chunk = this.chunks[c] as Entry[];
        const limit = c === stop.c ? stop.p : chunk.length;
        for (; p < limit; p++) if (!visit(chunk[p] as Entry)) return false;
        c += 1;
        p = 0;
      }
      return true;
    }
    let c = stop.c;
    let p = stop.p - 1;
    for (;;) {
      if (p < 0) {
        c -= 1;
        if (c < 0) return true;
        p = (this.chunks[c] as Entry[]).length - 1;
      }
      if (c < first.c || (c === first.c && p < first.p)) return true;
      if (!visit((this.chunks[c] as Entry[])[p] as Entry)) return false;
      p -= 1;
    }
  }

  /** The first entry strictly after `e` (forward), or the position just past the last entry before it (backward). */
  private around(e: Entry, backward: boolean): Cursor {
    return this.firstWhere((x) => {
      const c = this.compare(x, e);
      return backward ? c >= 0 : c > 0;
    });
  }

  /**
   * scan() as a generator, for a consumer that pauses between entries (a scan that yields to other
   * connections). Writes made while it is paused are fine: it then seeks past the last entry it
   * handed out, so no entry is skipped or repeated because the chunks moved.
   */
  *range(start: readonly unknown[], startInclusive: boolean, end: readonly unknown[], endInclusive: boolean, backward: boolean): Generator<Entry> {
    let version = this.version;
    const first = this.seek(start, startInclusive);
    let stop = this.seek(end, !endInclusive);
    let last: Entry | undefined;
    if (!backward) {
      let { c, p } = first;
      for (;;) {
        if (this.version !== version && last !== undefined) {
          version = this.version;
          stop = this.seek(end, !endInclusive);
          ({ c, p } = this.around(last, false));
        }
        if (!(c < stop.c || (c === stop.c && p < stop.p))) return;
        const chunk = this.chunks[c] as Entry[];
        if (p >= chunk.length) {
          c += 1;
          p = 0;
          continue;
        }
        last = chunk[p++] as Entry;
        yield last;
      }
    }
    let floor = first;
    // Backward: `at` is one past the next entry to hand out.
    let at = stop;
    for (;;) {
      if (this.version !== version && last !== undefined) {
        version = this.version;
        floor = this.seek(start, startInclusive);
        at = this.around(last, true);
      }
      let { c, p } = at;
      p -= 1;
      while (p < 0) {
        c -= 1;
        if (c < 0) return;
        p = (this.chunks[c] as Entry[]).length - 1;
      }
      if (c < floor.c || (c === floor.c && p < floor.p)) return;
      last = (this.chunks[c] as Entry[])[p] as Entry;
      at = { c, p };
      yield last;
    }
  }

  /** Every entry in index order. */
  *entries(): Generator<Entry> {
    for (const chunk of this.chunks) yield* chunk;
  }
}
