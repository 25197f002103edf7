/**
 * The query planner and executor: turns a filter (and sort, projection, hint) into index bounds,
 * picks the index that examines the fewest keys (as mongod's trial run would), or falls back to a
 * collection scan, then runs the plan and counts what it examined, for find and for explain.
 *
 * Bounds follow mongod: equality and $in are points, ranges are type-bracketed ({ $gt: 5 } stops
 * where numbers end), an anchored regex /^abc/ scans ["abc", "abd") and an unanchored one every
 * string key, filtering keys before fetching. Every fetched document is checked against the full
 * filter, so bounds only have to be a superset of the answer.
 */
import { MaxKey, MinKey } from 'bson';
import { TypeEdge, compareBounds, compareToBound, type Entry, type IndexTree } from './btree.ts';
import type { OpGuard } from './guard.ts';
import { bsonCompare, typeRank } from './compare.ts';
import { Codes, MongoError, fromMingo } from './errors.ts';
import type { IndexSpec } from './indexes.ts';
import { compileQuery, type QueryOptions } from './query.ts';
import type { Collection } from './store.ts';
import { isOperatorObject, isPlainObject, keyOf, type Doc } from './values.ts';

export interface Interval {
  lo: unknown;
  loInc: boolean;
  hi: unknown;
  hiInc: boolean;
}

const MIN = new MinKey();
const MAX = new MaxKey();
const FULL: Interval = { lo: MIN, loInc: true, hi: MAX, hiInc: true };

/** Bounds for one index field. */
interface FieldBounds {
  intervals: Interval[];
  /** The bounds say exactly what the filter says about this field (no document re-check needed). */
  exact: boolean;
  /** The filter constrains the field at all. */
  constrained: boolean;
  /** Regexes the key itself must match (unanchored or case-insensitive regexes, and prefixes). */
  regexes: RegExp[];
}

interface Range {
  start: unknown[];
  startInc: boolean;
  end: unknown[];
  endInc: boolean;
}

export interface Plan {
  kind: 'COLLSCAN' | 'IDHACK' | 'IXSCAN' | 'OR';
  /** OR: one index scan per branch of a top-level $or; their documents are fetched once each. */
  branches?: Plan[];
  spec?: IndexSpec;
  tree?: IndexTree;
  fields: string[];
  bounds: FieldBounds[];
  ranges: Range[];
  /** Fields from this position on are not seeked, only checked key by key. */
  seekFields: number;
  /** +1 forward, -1 backward (an index scan read in reverse to give a descending sort). */
  direction: 1 | -1;
  multiKey: boolean;
  multiKeyPaths: Doc;
  /** The index order is the requested sort order (no blocking SORT stage). */
  providesSort: boolean;
  /** Answered from the index keys alone: no document is fetched. */
  covered: boolean;
  /** Every filter condition is answered by the bounds. */
  exact: boolean;
  idValue?: unknown;
}

export interface PlanInput {
  /** A branch of an $or: index scans only (mongod's OR stage reads the _id index, not IDHACK). */
  branch?: boolean;
  filter?: Doc;
  sort?: Doc;
  projection?: Doc;
  hint?: unknown;
  opts?: QueryOptions;
}

export interface Execution {
  found: Array<[string, Doc]>;
  keysExamined: number;
  docsExamined: number;
  /** Keys that passed the bounds and key filters (what IXSCAN hands to FETCH). */
  keysReturned: number;
  dupsTested: number;
  dupsDropped: number;
  seeks: number;
  /** OR: each branch's index scan counters, in branch order. */
  branches?: BranchExecution[];
}

export interface BranchExecution {
  keysExamined: number;
  keysReturned: number;
  seeks: number;
  dupsTested: number;
  dupsDropped: number;
}

// ---------------------------------------------------------------------------------------------
// Conditions and bounds

/** Operators of a value-level $elemMatch: one array element meets them all, so their bounds intersect even on a multikey index. */
class SameElement {
  readonly ops: Doc;
  constructor(ops: Doc) {
    this.ops = ops;
  }
}

/** Field conditions of a filter (top level and inside $and), and whether anything else remains. */
function conditions(filter: Doc | undefined): { conds: Map<string, unknown[]>; residual: boolean } {
  const conds = new Map<string, unknown[]>();
  let residual = false;
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const sub of v) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (k === '$comment') continue;
      if (k.startsWith('$')) {
        residual = true;
        continue;
      }
      if (isOperatorObject(v) && isPlainObject(v.$elemMatch)) {
        // $elemMatch: one element meets every condition, so each condition bounds the index on that
        // element's path (superset bounds; the documents are re-checked against the whole $elemMatch).
        residual = true;
        elemMatch(k, v.$elemMatch);
        const rest = Object.fromEntries(Object.entries(v).filter(([op]) => op !== '$elemMatch'));
        if (Object.keys(rest).length > 0) add(k, rest);
        continue;
      }
      add(k, v);
    }
  };
  const add = (k: string, v: unknown): void => {
    const list = conds.get(k);
    if (list === undefined) conds.set(k, [v]);
    else list.push(v);
  };
  const elemMatch = (k: string, spec: Doc): void => {
    if (isOperatorObject(spec)) {
      // { tags: { $elemMatch: { $gte: 2, $lt: 5 } } }: conditions one value meets together.
      add(k, new SameElement(spec));
      return;
    }
    // { items: { $elemMatch: { sku: 'a', qty: { $gte: 2 } } } }: conditions on fields of the elements.
    for (const [f, c] of Object.entries(spec)) {
      if (f.startsWith('$')) continue;
      add(`${k}.${f}`, new SameElement(isOperatorObject(c) ? c : c instanceof RegExp ? { $regex: c } : { $eq: c }));
    }
  };
  if (filter !== undefined) visit(filter);
  return { conds, residual };
}

function point(v: unknown): Interval {
  return { lo: v, loInc: true, hi: v, hiInc: true };
}

function isPoint(iv: Interval): boolean {
  return iv.loInc && iv.hiInc && !(iv.lo instanceof TypeEdge) && !(iv.hi instanceof TypeEdge) && compareBounds(iv.lo, iv.hi) === 0;
}

function isFull(ivs: Interval[]): boolean {
  return ivs.length === 1 && (ivs[0] as Interval).lo instanceof MinKey && (ivs[0] as Interval).hi instanceof MaxKey;
}

/** Sorts and merges overlapping intervals. */
function union(ivs: Interval[]): Interval[] {
  const sorted = [...ivs].sort((a, b) => compareBounds(a.lo, b.lo) || (a.loInc === b.loInc ? 0 : a.loInc ? -1 : 1));
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined) {
      const c = compareBounds(iv.lo, last.hi);
      if (c < 0 || (c === 0 && (iv.loInc || last.hiInc))) {
        const h = compareBounds(iv.hi, last.hi);
        if (h > 0 || (h === 0 && iv.hiInc)) out[out.length - 1] = { ...last, hi: iv.hi, hiInc: h === 0 ? last.hiInc || iv.hiInc : iv.hiInc };
        continue;
      }
    }
    out.push(iv);
  }
  return out;
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const cl = compareBounds(x.lo, y.lo);
      const lo = cl >= 0 ? x.lo : y.lo;
      const loInc = cl > 0 ? x.loInc : cl < 0 ? y.loInc : x.loInc && y.loInc;
      const ch = compareBounds(x.hi, y.hi);
      const hi = ch <= 0 ? x.hi : y.hi;
      const hiInc = ch < 0 ? x.hiInc : ch > 0 ? y.hiInc : x.hiInc && y.hiInc;
      const c = compareBounds(lo, hi);
      if (c < 0 || (c === 0 && loInc && hiInc)) out.push({ lo, loInc, hi, hiInc });
    }
  }
  return union(out);
}

/** Bounds of one condition alone, or undefined when an index cannot narrow it. */
interface Narrowed {
  intervals: Interval[];
  exact: boolean;
  regexes: RegExp[];
}

/** Equality with a value: a point, plus the array itself and its first element for arrays. */
function equality(v: unknown): Narrowed {
  if (v instanceof RegExp) return regexBounds(v);
  if (v === null || v === undefined) return { intervals: [point(null)], exact: false, regexes: [] };
  if (Array.isArray(v)) {
    const first = v.length === 0 ? null : v[0];
    return { intervals: union([point(first), point(v)]), exact: false, regexes: [] };
  }
  if (v instanceof MinKey || v instanceof MaxKey) return { intervals: [point(v)], exact: false, regexes: [] };
  return { intervals: [point(v)], exact: true, regexes: [] };
}

function range(op: string, v: unknown): Narrowed | undefined {
  if (v === null || v === undefined || Array.isArray(v) || v instanceof MinKey || v instanceof MaxKey || v instanceof RegExp) return undefined;
  const r = typeRank(v);
  // Numbers are bracketed by the infinities (NaN sorts below -inf and matches no range), like mongod.
  const bottom = r === 2 ? -Infinity : new TypeEdge(r, false);
  const top = r === 2 ? Infinity : new TypeEdge(r, true);
  switch (op) {
    case '$gt':
      return { intervals: [{ lo: v, loInc: false, hi: top, hiInc: true }], exact: true, regexes: [] };
    case '$gte':
      return { intervals: [{ lo: v, loInc: true, hi: top, hiInc: true }], exact: true, regexes: [] };
    case '$lt':
      return { intervals: [{ lo: bottom, loInc: true, hi: v, hiInc: false }], exact: true, regexes: [] };
    default:
      return { intervals: [{ lo: bottom, loInc: true, hi: v, hiInc: true }], exact: true, regexes: [] };
  }
}

/**
 * { $ne: v } scans every key but v, as mongod's bounds [MinKey, v) (v, MaxKey] do; only for a
 * scalar v. Not exact: an array holding v has other keys in those bounds, so documents are re-checked.
 */
function notEqual(v: unknown): Narrowed | undefined {
  if (v === undefined || Array.isArray(v) || isPlainObject(v) || v instanceof RegExp || v instanceof MinKey || v instanceof MaxKey) return undefined;
  if (typeof v === 'number' && Number.isNaN(v)) return undefined;
  return { intervals: [{ lo: MIN, loInc: true, hi: v, hiInc: false }, { lo: v, loInc: false, hi: MAX, hiInc: true }], exact: false, regexes: [] };
}

const SPECIAL = new Set(['.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '^', '$']);

/** The literal prefix of an anchored regex (/^abc/ -> "abc"), or '' when there is none. */
function regexPrefix(re: RegExp): string {
  if (re.flags.includes('i') || re.flags.includes('m') || !re.source.startsWith('^')) return '';
  let prefix = '';
  const src = re.source;
  for (let i = 1; i < src.length; i++) {
    const ch = src[i] as string;
    if (SPECIAL.has(ch)) {
      // A quantifier applies to the previous character, which is then not a fixed part of the prefix.
      if ((ch === '*' || ch === '?' || ch === '{') && prefix.length > 0) prefix = prefix.slice(0, -1);
      break;
    }
    prefix += ch;
  }
  return prefix;
}

function regexBounds(re: RegExp): Narrowed {
  const prefix = regexPrefix(re);
  const asValue = point(re);
  if (prefix !== '') {
    const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return { intervals: union([{ lo: prefix, loInc: true, hi: next, hiInc: false }, asValue]), exact: true, regexes: [re] };
  }
  return { intervals: union([{ lo: '', loInc: true, hi: {}, hiInc: false }, asValue]), exact: true, regexes: [re] };
}

function toRegExp(pattern: unknown, options: unknown): RegExp | undefined {
  if (pattern instanceof RegExp) {
    if (typeof options !== 'string') return pattern;
    pattern = pattern.source;
  }
  if (typeof pattern !== 'string') return undefined;
  const flags = typeof options === 'string' ? options : '';
  if (/[^ims]/.test(flags)) return undefined;
  try {
    return new RegExp(pattern, flags);
  } catch {
    return undefined;
  }
}

/** Narrowing for each operator of a condition; `exact` false when some operator is left for the fetch. */
function narrowings(cond: unknown): { parts: Narrowed[]; allUsed: boolean } {
  if (!isOperatorObject(cond)) return { parts: [equality(cond)], allUsed: true };
  const parts: Narrowed[] = [];
  let allUsed = true;
  for (const [op, v] of Object.entries(cond)) {
    let n: Narrowed | undefined;
    switch (op) {
      case '$eq':
        n = equality(v);
        break;
      case '$in':
        if (Array.isArray(v) && v.length > 0) {
          const each = v.map((x) => equality(x));
          n = { intervals: union(each.flatMap((e) => e.intervals)), exact: each.every((e) => e.exact && e.regexes.length === 0), regexes: [] };
          if (each.some((e) => e.regexes.length > 0)) n.exact = false;
        }
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        n = range(op, v);
        break;
      case '$regex': {
        const re = toRegExp(v, cond.$options);
        if (re !== undefined) n = regexBounds(re);
        break;
      }
      case '$options':
        continue;
      case '$all':
        if (Array.isArray(v) && v.length > 0 && !isOperatorObject(v[0])) n = { ...equality(v[0]), exact: false };
        break;
      case '$ne':
        n = notEqual(v);
        break;
      default:
        break;
    }
    if (n === undefined) allUsed = false;
    else parts.push(n);
  }
  return { parts, allUsed };
}

/** The narrowings of conditions one element meets together, as one (their intersection). */
function together(n: { parts: Narrowed[]; allUsed: boolean }): { parts: Narrowed[]; allUsed: boolean } {
  const [first, ...rest] = n.parts;
  if (first === undefined) return n;
  const one: Narrowed = { intervals: first.intervals, exact: false, regexes: [...first.regexes] };
  for (const p of rest) {
    one.intervals = intersect(one.intervals, p.intervals);
    one.regexes.push(...p.regexes);
  }
  return { parts: [one], allUsed: n.allUsed };
}

/** The bounds of one index field under the filter's conditions on it. */
function fieldBounds(conds: unknown[] | undefined, multikey: boolean): FieldBounds {
  if (conds === undefined) return { intervals: [FULL], exact: true, constrained: false, regexes: [] };
  let intervals: Interval[] | undefined;
  let exact = true;
  const regexes: RegExp[] = [];
  let used = 0;
  for (const cond of conds) {
    const { parts, allUsed } = cond instanceof SameElement ? together(narrowings(cond.ops)) : narrowings(cond);
    if (!allUsed) exact = false;
    for (const p of parts) {
      // On a multikey field each condition may be met by a different element: only one can bound the scan.
      if (intervals !== undefined && multikey) {
        exact = false;
        continue;
      }
      intervals = intervals === undefined ? p.intervals : intersect(intervals, p.intervals);
      if (!p.exact) exact = false;
      regexes.push(...p.regexes);
      used += 1;
    }
  }
  if (intervals === undefined) return { intervals: [FULL], exact: false, constrained: false, regexes: [] };
  // One equality on a multikey field is exact (a document matches when one element does); more are not.
  if (multikey && (used > 1 || regexes.length > 0)) exact = false;
  return { intervals, exact, constrained: true, regexes };
}

// ---------------------------------------------------------------------------------------------
// Ranges over the index

const MAX_COMBINATIONS = 1000;

function makeRanges(bounds: FieldBounds[], dirs: readonly number[]): { ranges: Range[]; seekFields: number } {
  let combos: unknown[][] = [[]];
  let k = 0;
  for (let i = 0; i < bounds.length; i++) {
    const ivs = (bounds[i] as FieldBounds).intervals;
    if (isFull(ivs)) break;
    if (ivs.every(isPoint) && combos.length * ivs.length <= MAX_COMBINATIONS) {
      const next: unknown[][] = [];
      for (const c of combos) for (const iv of ivs) next.push([...c, iv.lo]);
      combos = next;
      k += 1;
      continue;
    }
    if (combos.length * ivs.length > MAX_COMBINATIONS) break;
    const dir = dirs[i] ?? 1;
    const ranges: Range[] = [];
    for (const c of combos) {
      for (const iv of ivs) {
        ranges.push(
          dir > 0
            ? { start: [...c, iv.lo], startInc: iv.loInc, end: [...c, iv.hi], endInc: iv.hiInc }
            : { start: [...c, iv.hi], startInc: iv.hiInc, end: [...c, iv.lo], endInc: iv.loInc },
        );
      }
    }
    return { ranges: sortRanges(ranges, dirs), seekFields: k + 1 };
  }
  const ranges = combos.map((c) => ({ start: c, startInc: true, end: c, endInc: true }));
  return { ranges: sortRanges(ranges, dirs), seekFields: k };
}

function sortRanges(ranges: Range[], dirs: readonly number[]): Range[] {
  return ranges.sort((a, b) => {
    for (let i = 0; i < a.start.length; i++) {
      const c = compareBounds(a.start[i], b.start[i]) * (dirs[i] ?? 1);
      if (c !== 0) return c;
    }
    return 0;
  });
}

function inIntervals(v: unknown, ivs: Interval[]): boolean {
  for (const iv of ivs) {
    const lo = compareToBound(v, iv.lo);
    if (lo < 0 || (lo === 0 && !iv.loInc)) continue;
    const hi = compareToBound(v, iv.hi);
    if (hi > 0 || (hi === 0 && !iv.hiInc)) continue;
    return true;
  }
  return false;
}

/** The check each scanned key must pass beyond the seek bounds, or undefined when none is needed. */
function keyFilter(plan: Plan): ((e: Entry) => boolean) | undefined {
  const checks: Array<(e: Entry) => boolean> = [];
  plan.bounds.forEach((b, i) => {
    if (i >= plan.seekFields && !isFull(b.intervals)) checks.push((e) => inIntervals(e.key[i], b.intervals));
    if (b.regexes.length > 0) {
      checks.push((e) => {
        const v = e.key[i];
        if (typeof v === 'string') return b.regexes.every((re) => re.test(v));
        return v instanceof RegExp || inIntervals(v, b.intervals.filter(isPoint));
      });
    }
  });
  if (checks.length === 0) return undefined;
  return (e) => checks.every((c) => c(e));
}

/** Scans the plan's ranges in order, calling `visit` for every key; stops when it returns false. */
function scanKeys(plan: Plan, visit: (e: Entry) => boolean): number {
  if (plan.kind === 'OR') {
    let seeks = 0;
    let going = true;
    for (const b of plan.branches ?? []) {
      if (!going) break;
      seeks += scanKeys(b, (e) => (going = visit(e)));
    }
    return seeks;
  }
  const tree = plan.tree as IndexTree;
  const ranges = plan.direction > 0 ? plan.ranges : [...plan.ranges].reverse();
  let seeks = 0;
  for (const r of ranges) {
    seeks += 1;
    if (!tree.scan(r.start, r.startInc, r.end, r.endInc, plan.direction < 0, visit)) break;
  }
  return seeks;
}

// ---------------------------------------------------------------------------------------------
// Choosing a plan

function collscan(): Plan {
  return { kind: 'COLLSCAN', fields: [], bounds: [], ranges: [], seekFields: 0, direction: 1, multiKey: false, multiKeyPaths: {}, providesSort: false, covered: false, exact: false };
}

/** The index a `hint` names (by name or key pattern); 'natural' for { $natural: ±1 }. */
export function hintedIndex(coll: Collection | undefined, hint: unknown): IndexSpec | 'natural' | undefined {
  if (hint === undefined || hint === null || coll === undefined) return undefined;
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return undefined;
  if (isPlainObject(hint) && '$natural' in hint) return 'natural';
  const spec = typeof hint === 'string' ? coll.indexes.find((i) => i.name === hint) : coll.indexes.find((i) => keyOf(i.key) === keyOf(hint));
  if (spec === undefined) {
    throw new MongoError(Codes.BadValue, 'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index');
  }
  return spec;
}

/** Whether the index order gives this sort, and in which direction. */
function sortDirection(fields: string[], dirs: readonly number[], bounds: FieldBounds[], sort: Doc, multikey: Set<number>, conds: Map<string, unknown[]>): 1 | -1 | 0 {
  const wanted = Object.entries(sort).map(([f, d]) => [f, Number(d) < 0 ? -1 : 1] as const);
  if (wanted.some(([f]) => f === '$natural')) return 0;
  const single = (i: number): boolean => {
    const ivs = (bounds[i] as FieldBounds).intervals;
    return ivs.length === 1 && isPoint(ivs[0] as Interval);
  };
  let i = 0;
  let j = 0;
  let sign = 0;
  while (j < wanted.length) {
    const [field, dir] = wanted[j] as readonly [string, number];
    if (i < fields.length && fields[i] === field) {
      if (multikey.has(i)) return 0;
      const s = dir * (dirs[i] ?? 1);
      if (sign !== 0 && s !== sign) return 0;
      sign = s;
      i += 1;
      j += 1;
    } else if (i < fields.length && single(i)) i += 1;
    else {
      // A sort field pinned to one value by an equality does not change the order.
      const c = conds.get(field);
      if (c !== undefined && c.length === 1 && !isOperatorObject(c[0]) && !Array.isArray(c[0]) && !(c[0] instanceof RegExp) && !(c[0] instanceof SameElement) && c[0] !== null) j += 1;
      else return 0;
    }
  }
  return sign < 0 ? -1 : 1;
}

/** A partial index serves a query only when the query implies its filter. */
function impliesPartial(spec: IndexSpec, conds: Map<string, unknown[]>): boolean {
  const pfe = spec.partialFilterExpression;
  if (pfe === undefined) return true;
  const need = conditions(pfe);
  if (need.residual) return false;
  for (const [field, pconds] of need.conds) {
    const have = conds.get(field);
    if (have === undefined) return false;
    const q = fieldBounds(have, false);
    const p = fieldBounds(pconds, false);
    if (!p.exact || !q.constrained) return false;
    // Every interval of the query must lie inside the partial filter's.
    const shape = (ivs: Interval[]): string => keyOf(ivs.map((x) => [x.lo, x.loInc, x.hi, x.hiInc]));
    if (shape(intersect(q.intervals, p.intervals)) !== shape(q.intervals)) return false;
  }
  return true;
}

/** A sparse index serves a query only when the query cannot match a document missing the field. */
function sparseUsable(spec: IndexSpec, conds: Map<string, unknown[]>): boolean {
  if (spec.sparse !== true) return true;
  return Object.keys(spec.key).some((f) => {
    const c = conds.get(f);
    if (c === undefined) return false;
    return c.every((v) => {
      const x = v instanceof SameElement ? v.ops : v;
      return x !== null && !(isOperatorObject(x) && ('$exists' in x || '$ne' in x || '$nin' in x || '$not' in x || x.$eq === null || (Array.isArray(x.$in) && x.$in.includes(null))));
    });
  });
}

function coverable(plan: Plan, projection: Doc | undefined, filterFields: string[], residual: boolean): boolean {
  if (projection === undefined || plan.multiKey || residual || !plan.exact) return false;
  const entries = Object.entries(projection);
  if (entries.length === 0) return false;
  const included: string[] = [];
  let idIncluded = true;
  for (const [k, v] of entries) {
    const on = v === 1 || v === true;
    const off = v === 0 || v === false;
    if (!on && !off) return false;
    if (k.includes('$')) return false;
    if (k === '_id') idIncluded = on;
    else if (on) included.push(k);
    else return false;
  }
  if (included.length === 0) return false;
  const fields = new Set(plan.fields);
  if (idIncluded && !fields.has('_id')) return false;
  if (!included.every((f) => fields.has(f))) return false;
  // Index fields that are parents/children of one another are not covered by mongod.
  return filterFields.every((f) => fields.has(f));
}

export function choosePlan(coll: Collection | undefined, input: PlanInput): Plan {
  if (coll === undefined) return collscan();
  const { conds, residual } = conditions(input.filter);
  const sort = input.sort !== undefined && Object.keys(input.sort).length > 0 ? input.sort : undefined;
  const hinted = hintedIndex(coll, input.hint);
  if (hinted === 'natural') return collscan();
  const collation = input.opts?.collation;
  if (hinted === undefined && collation !== undefined && typeof collation.locale === 'string' && collation.locale !== 'simple') return collscan();
  const base = coll.base;
  const overlay = coll.overlay();
  const dirty = overlay !== undefined && overlay.size > 0;

  if (hinted === undefined && input.branch !== true && input.filter !== undefined && Object.keys(input.filter).length === 1 && conds.size === 1 && conds.has('_id')) {
    const only = conds.get('_id') as unknown[];
    const v = only.length === 1 ? only[0] : undefined;
    const idValue = isOperatorObject(v) && Object.keys(v).length === 1 && '$eq' in v ? v.$eq : v;
    if (idValue !== undefined && idValue !== null && !isPlainObject(idValue) && !Array.isArray(idValue) && !(idValue instanceof RegExp)) {
      const p = collscan();
      p.kind = 'IDHACK';
      p.idValue = idValue;
      p.exact = true;
      return p;
    }
  }

  const candidates: Plan[] = [];
  for (const spec of hinted !== undefined ? [hinted] : base.indexes) {
    const tree = base.trees.get(spec.name);
    if (tree === undefined) continue;
    // Text, 2d, hashed and wildcard indexes answer other queries; hidden indexes are not planned with.
    const special = Object.values(spec.key).some((d) => typeof d !== 'number') || Object.keys(spec.key).some((f) => f.includes('$'));
    if (special || (hinted === undefined && spec.hidden === true)) continue;
    if (hinted === undefined && (!sparseUsable(spec, conds) || !impliesPartial(spec, conds))) continue;
    const fields = Object.keys(spec.key);
    const mk = base.multikey.get(spec.name) ?? new Set<number>();
    const bounds = fields.map((f, i) => fieldBounds(conds.get(f), mk.has(i)));
    const { ranges, seekFields } = makeRanges(bounds, tree.dirs);
    const filterFields = [...conds.keys()];
    const exact = !residual && filterFields.every((f) => {
      const i = fields.indexOf(f);
      return i >= 0 && (bounds[i] as FieldBounds).exact;
    });
    const direction = sort !== undefined && !dirty ? sortDirection(fields, tree.dirs, bounds, sort, mk, conds) : 0;
    const usable = hinted !== undefined || (bounds[0] as FieldBounds).constrained || direction !== 0;
    if (!usable) continue;
    const multiKeyPaths: Doc = {};
    fields.forEach((f, i) => {
      multiKeyPaths[f] = mk.has(i) ? [f] : [];
    });
    const plan: Plan = {
      kind: 'IXSCAN',
      spec,
      tree,
      fields,
      bounds,
      ranges,
      seekFields,
      direction: direction < 0 ? -1 : 1,
      multiKey: mk.size > 0,
      multiKeyPaths,
      providesSort: sort === undefined || direction !== 0,
      covered: false,
      exact,
    };
    plan.covered = !dirty && coverable(plan, input.projection, filterFields, residual) && (sort === undefined || plan.providesSort);
    candidates.push(plan);
  }
  if (hinted === undefined && input.branch !== true) {
    const or = orPlan(coll, input.filter, input.opts);
    if (or !== undefined) candidates.push(or);
  }
  if (candidates.length === 0) return collscan();
  if (candidates.length === 1) return candidates[0] as Plan;
  // The trial: count the keys each candidate would examine, stopping at the best so far. Plans
  // with more leading equalities go first, so the cap is usually small from the start.
  const points = (p: Plan): number => {
    let n = 0;
    while (n < p.bounds.length && (p.bounds[n] as FieldBounds).intervals.every(isPoint) && (p.bounds[n] as FieldBounds).constrained) n += 1;
    return n;
  };
  const ordered = candidates.map((p) => [points(p), p] as const).sort((x, y) => y[0] - x[0]).map(([, p]) => p);
  let best: Plan | undefined;
  let bestKeys = Infinity;
  for (const plan of ordered) {
    let keys = 0;
    const cap = bestKeys;
    scanKeys(plan, () => ++keys <= cap);
    const better =
      best === undefined ||
      keys < bestKeys ||
      (keys === bestKeys && ((plan.providesSort && !best.providesSort) || (plan.providesSort === best.providesSort && plan.covered && !best.covered)));
    if (better) {
      best = plan;
      bestKeys = keys;
    }
  }
  return best as Plan;
}

/**
 * A top-level $or whose every branch can use an index becomes an OR of index scans, as in mongod:
 * each branch is planned on its own, and the documents the scans point to are fetched once each
 * and checked against the whole filter. Undefined when some branch would need a collection scan.
 */
function orPlan(coll: Collection, filter: Doc | undefined, opts: QueryOptions | undefined): Plan | undefined {
  const branches = filter?.$or;
  if (!Array.isArray(branches) || branches.length === 0 || !branches.every(isPlainObject)) return undefined;
  const plans: Plan[] = [];
  for (const b of branches as Doc[]) {
    const p = choosePlan(coll, { filter: b, opts, branch: true });
    if (p.kind !== 'IXSCAN') return undefined;
    plans.push(p);
  }
  const p = collscan();
  p.kind = 'OR';
  p.branches = plans;
  p.multiKey = true; // the same document can come from two branches: always deduplicated
  return p;
}

// ---------------------------------------------------------------------------------------------
// Running a plan

/** One run of a plan: its counters and what it does with each document or index entry it meets. */
interface Run {
  ex: Execution;
  /** The IDHACK lookup, whole. */
  lookup(): void;
  /** One document of a collection scan; false once enough matched. */
  document(entry: [string, Doc]): boolean;
  /** One index entry; false once enough matched. */
  key(e: Entry): boolean;
  /** OR: the next branch's index scan starts (its key filter, its own counters). */
  branch(b: Plan): void;
  /** After the index scan: what a transaction sees in another version than the index. */
  finish(): void;
}

function startRun(coll: Collection, plan: Plan, filter: Doc | undefined, opts: QueryOptions | undefined, need: number): Run {
  const ex: Execution = { found: [], keysExamined: 0, docsExamined: 0, keysReturned: 0, dupsTested: 0, dupsDropped: 0, seeks: 0 };
  const q = compileQuery(filter, opts);
  const empty = filter === undefined || Object.keys(filter).length === 0;
  const test = (d: Doc): boolean => empty || q.test(d);
  const overlay = coll.overlay();
  const dirty = overlay !== undefined && overlay.size > 0;
  const live = coll.base.docs;
  let check = plan.kind === 'IXSCAN' ? keyFilter(plan) : undefined;
  const seen = plan.multiKey ? new Set<string>() : undefined;
  let branch: BranchExecution | undefined;
  return {
    ex,
    branch(b: Plan): void {
      check = keyFilter(b);
      branch = { keysExamined: 0, keysReturned: 0, seeks: 0, dupsTested: 0, dupsDropped: 0 };
      (ex.branches ??= []).push(branch);
    },
    lookup(): void {
      const k = keyOf(plan.idValue);
      const doc = coll.docs.get(k);
      if (doc === undefined) return;
      ex.keysExamined = 1;
      ex.docsExamined = 1;
      ex.keysReturned = 1;
      if (test(doc)) ex.found.push([k, doc]);
    },
    document(entry: [string, Doc]): boolean {
      ex.docsExamined += 1;
      if (!test(entry[1])) return true;
      ex.found.push(entry);
      return need === 0 || ex.found.length < need;
    },
    key(e: Entry): boolean {
      ex.keysExamined += 1;
      if (branch !== undefined) branch.keysExamined += 1;
      if (check !== undefined && !check(e)) return true;
      if (branch !== undefined) branch.keysReturned += 1;
      if (seen !== undefined) {
        ex.dupsTested += 1;
        if (seen.has(e.id)) {
          ex.dupsDropped += 1;
          return true;
        }
        seen.add(e.id);
      }
      if (dirty && (overlay as ReadonlySet<string>).has(e.id)) return true;
      ex.keysReturned += 1;
      const doc = live.get(e.id);
      if (doc === undefined) return true;
      if (!plan.covered) ex.docsExamined += 1;
      // Exact bounds need no re-check; anything else is filtered on the document.
      if (plan.exact || test(doc)) {
        ex.found.push([e.id, doc]);
        if (need > 0 && !dirty && ex.found.length >= need) return false;
      }
      return true;
    },
    finish(): void {
      if (!dirty) return;
      // Documents this transaction sees in another version than the index: checked one by one.
      for (const k of overlay as ReadonlySet<string>) {
        const doc = coll.docs.get(k);
        if (doc === undefined) continue;
        ex.docsExamined += 1;
        if (test(doc)) ex.found.push([k, doc]);
      }
    },
  };
}

function noExecution(): Execution {
  return { found: [], keysExamined: 0, docsExamined: 0, keysReturned: 0, dupsTested: 0, dupsDropped: 0, seeks: 0 };
}

function queryFailure(err: unknown): Error {
  return err instanceof MongoError ? err : fromMingo(err, 'query');
}

/**
 * Runs a plan: the matching documents with their record ids, in index order when the plan
 * provides the sort (natural order for a collection scan). `need` stops the scan early once that
 * many documents matched (only when no blocking sort follows). Runs to the end without letting
 * other connections in: for writes and small scans; reads use runPlanAsync().
 */
export function runPlan(coll: Collection | undefined, plan: Plan, filter: Doc | undefined, opts: QueryOptions | undefined, need = 0): Execution {
  if (coll === undefined) return noExecution();
  try {
    const run = startRun(coll, plan, filter, opts, need);
    if (plan.kind === 'IDHACK') run.lookup();
    else if (plan.kind === 'COLLSCAN') {
      const guard = opts?.guard;
      for (const entry of coll.docs) {
        // maxTimeMS: a long scan checks its deadline every 256 documents (guard.ts).
        if (guard !== undefined && (run.ex.docsExamined & 255) === 255) guard.check();
        if (!run.document(entry)) break;
      }
    } else if (plan.kind === 'OR') {
      for (const b of plan.branches ?? []) {
        run.branch(b);
        const seeks = scanKeys(b, run.key);
        run.ex.seeks += seeks;
        (run.ex.branches?.at(-1) as BranchExecution).seeks = seeks;
        if (need > 0 && run.ex.found.length >= need) break;
      }
      run.finish();
    } else {
      run.ex.seeks = scanKeys(plan, run.key);
      run.finish();
    }
    return run.ex;
  } catch (err) {
    throw queryFailure(err);
  }
}

/** Documents or keys between two yields: the guard's clock is read this often. */
const YIELD_EVERY = 256;

/**
 * runPlan() that lets other connections run: every few milliseconds of scanning (guard.ts) it
 * yields to the event loop, as mongod's query yielding does, and it stops with error 50 once
 * maxTimeMS has passed. Writes made meanwhile are seen as a scan that yielded sees them.
 */
export async function runPlanAsync(coll: Collection | undefined, plan: Plan, filter: Doc | undefined, opts: QueryOptions & { guard: OpGuard }, need = 0): Promise<Execution> {
  if (coll === undefined) return noExecution();
  const guard = opts.guard;
  try {
    const run = startRun(coll, plan, filter, opts, need);
    if (plan.kind === 'IDHACK') {
      run.lookup();
      return run.ex;
    }
    let n = 0;
    if (plan.kind === 'COLLSCAN') {
      for (const entry of coll.docs) {
        if (!run.document(entry)) break;
        if (++n === YIELD_EVERY) {
          n = 0;
          await guard.tick();
        }
      }
      return run.ex;
    }
    const scans = plan.kind === 'OR' ? (plan.branches ?? []) : [plan];
    scan: for (const p of scans) {
      if (plan.kind === 'OR') run.branch(p);
      const tree = p.tree as IndexTree;
      const ranges = p.direction > 0 ? p.ranges : [...p.ranges].reverse();
      for (const r of ranges) {
        run.ex.seeks += 1;
        const branch = run.ex.branches?.at(-1);
        if (branch !== undefined) branch.seeks += 1;
        for (const e of tree.range(r.start, r.startInc, r.end, r.endInc, p.direction < 0)) {
          if (!run.key(e)) break scan;
          if (++n === YIELD_EVERY) {
            n = 0;
            await guard.tick();
          }
        }
      }
    }
    run.finish();
    return run.ex;
  } catch (err) {
    throw queryFailure(err);
  }
}

/** Documents matching a filter, with their record ids, using an index when one helps. */
export function planMatching(coll: Collection | undefined, filter: Doc | undefined, opts?: QueryOptions): Array<[string, Doc]> {
  if (coll === undefined) return [];
  const plan = choosePlan(coll, { filter, opts });
  return runPlan(coll, plan, filter, opts).found;
}

// ---------------------------------------------------------------------------------------------
// Bounds as explain prints them

function show(v: unknown): string {
  if (v instanceof TypeEdge) {
    if (v.rank === 2) return v.after ? 'inf.0' : '-inf.0';
    if (v.rank === 3) return v.after ? '{}' : '""';
    if (v.rank === 9) return v.after ? 'new Date(9223372036854775807)' : 'new Date(-9223372036854775808)';
    return v.after ? 'MaxKey' : 'MinKey';
  }
  if (v instanceof MinKey) return 'MinKey';
  if (v instanceof MaxKey) return 'MaxKey';
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (v === Infinity) return 'inf.0';
    if (v === -Infinity) return '-inf.0';
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof RegExp) return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(show).join(', ')} ]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    return keys.length === 0 ? '{}' : `{ ${keys.map((k) => `${k}: ${show(v[k])}`).join(', ')} }`;
  }
  const t = (v as { _bsontype?: string })._bsontype;
  if (t === 'ObjectId') return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
  return String(v);
}

/** indexBounds as mongod prints them: one list of interval strings per field, in scan direction. */
export function indexBounds(plan: Plan): Doc {
  const out: Doc = {};
  plan.fields.forEach((f, i) => {
    const b = plan.bounds[i] as FieldBounds;
    const dir = (plan.tree?.dirs[i] ?? 1) * plan.direction;
    const ivs = dir > 0 ? b.intervals : [...b.intervals].reverse();
    out[f] = ivs.map((iv) =>
      dir > 0
        ? `${iv.loInc ? '[' : '('}${show(iv.lo)}, ${show(iv.hi)}${iv.hiInc ? ']' : ')'}`
        : `${iv.hiInc ? '[' : '('}${show(iv.hi)}, ${show(iv.lo)}${iv.loInc ? ']' : ')'}`,
    );
  });
  return out;
}

/** Whether a plan's index was scanned backwards. */
export function directionName(plan: Plan): string {
  return plan.direction > 0 ? 'forward' : 'backward';
}

export { bsonCompare };
