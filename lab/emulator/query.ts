/**
 * The bridge to mingo: compiled queries, projections, sorts, updates and pipelines, with mingo's
 * errors translated to mongod's. All query semantics come from mingo; nothing here re-implements them.
 */
import { Aggregator } from 'mingo/aggregator';
import { Context, ProcessingMode, evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Lazy } from 'mingo/lazy';
import { Query } from 'mingo/query';
import { bsonCompare, numericValue, sortDocuments, typeRank } from './compare.ts';
import { update as mingoUpdate } from 'mingo/updater';
import type { CollationSpec, Options } from 'mingo/types';
import { Codes, MongoError, fromMingo, notEmulated } from './errors.ts';
import { bsonTypesOf, copyMarks, fromWire, inheritMarks, kindAt, typeAlias } from './numbers.ts';
import { NUMERIC_OPERATORS, numericAccumulators, numericExpressions } from './numeric-operators.ts';
import { choosePlan, planMatching, runPlanAsync } from './planner.ts';
import { jsonSchemaValidator } from './schema.ts';
import { lookupStages } from './stage-rewrites.ts';
import { MEMORY_LIMIT_BYTES, OPERATION_MEMORY_BYTES, type OpGuard } from './guard.ts';
import { GuardedRegExp, codeText, isRiskyPattern, scriptFunction } from './javascript.ts';
import { calculateObjectSize } from 'bson';
import type { Collection, Catalog } from './store.ts';
import { clone, getPath, isOperatorObject, isPlainObject, keyOf, valuesAtPath, type Doc } from './values.ts';

export interface QueryOptions {
  collation?: Doc;
  variables?: Doc;
  /** The operation's deadline, yielding and script time limits (see guard.ts). */
  guard?: OpGuard;
}

/** Every (container, key, value) a dotted path reaches, descending arrays like the query language. */
function leaves(obj: unknown, parts: string[], i: number, out: Array<[unknown, string, unknown]>, container: unknown, key: string): void {
  if (i === parts.length) {
    out.push([container, key, obj]);
    if (Array.isArray(obj)) obj.forEach((el, j) => out.push([obj, String(j), el]));
    return;
  }
  if (Array.isArray(obj)) {
    const part = parts[i] as string;
    if (/^\d+$/.test(part)) leaves(obj[Number(part)], parts, i + 1, out, obj, part);
    for (const el of obj) if (isPlainObject(el)) leaves(el, parts, i, out, obj, '');
    return;
  }
  if (!isPlainObject(obj)) return;
  const part = parts[i] as string;
  leaves(obj[part], parts, i + 1, out, obj, part);
}

/**
 * $type that knows int32 from double and int64 (mingo's sees only JS numbers; see numbers.ts).
 * A query operator in mingo's shape: (selector, value, options) => predicate over the document.
 */
const TYPE_NAMES = new Set(['double', 'string', 'object', 'array', 'binData', 'undefined', 'objectId', 'bool', 'date', 'null', 'regex',
  'dbPointer', 'javascript', 'symbol', 'javascriptWithScope', 'int', 'timestamp', 'long', 'decimal', 'minKey', 'maxKey', 'number']);
const TYPE_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, -1, 127]);

/** mongod refuses an unknown $type alias or code with 2 BadValue (mingo matches nothing). */
function checkTypeArg(v: unknown): void {
  if (typeof v === 'string') {
    if (!TYPE_NAMES.has(v)) throw new MongoError(Codes.BadValue, `Unknown type name alias: ${v}`);
  } else if (typeof v === 'number' || typeRank(v) === 2) {
    const n = Number(numericValue(v) ?? v);
    if (!TYPE_CODES.has(n)) throw new MongoError(Codes.BadValue, `Invalid numerical type code: ${String(n)}`);
  } else {
    throw new MongoError(Codes.TypeMismatch, 'type must be represented as a number or a string');
  }
}

function $type(selector: string, value: unknown): (doc: unknown) => boolean {
  for (const v of Array.isArray(value) ? value : [value]) checkTypeArg(v);
  const wanted = (Array.isArray(value) ? value : [value]).map((v) => typeAlias(typeof v === 'number' ? v : (numericValue(v) ?? v)));
  const parts = selector.split('.');
  return (doc: unknown): boolean => {
    const found: Array<[unknown, string, unknown]> = [];
    leaves(doc, parts, 0, found, undefined, '');
    return found.some(([c, k, v]) => v !== undefined && bsonTypesOf(v, kindAt(c, k)).some((t) => wanted.includes(t)));
  };
}

/** Equality where embedded documents must match field for field, in order, as in mongod (mingo ignores order). */
function orderedEq(a: unknown, b: unknown): boolean {
  const kb = keyOf(b);
  if (keyOf(a) === kb) return true;
  return Array.isArray(a) && a.some((el) => keyOf(el) === kb);
}

function needsOrder(v: unknown): boolean {
  return isPlainObject(v) && !isOperatorObject(v);
}

type QueryOp = (selector: string, value: unknown, options: unknown) => (doc: unknown) => boolean;
const builtin = queryOperators as unknown as Record<string, QueryOp>;

/** Comparisons with a numeric operand compare by value across int/long/double/decimal (mingo sees Long/Decimal128 as objects). */
function numericTest(selector: string, value: unknown, ok: (c: number) => boolean): (doc: unknown) => boolean {
  return (doc: unknown): boolean => resolveAll(doc, selector).some((v) => typeRank(v) === 2 && ok(bsonCompare(v, value)));
}

function rangeOp(name: '$gt' | '$gte' | '$lt' | '$lte', ok: (c: number) => boolean): QueryOp {
  return (selector, value, options) => {
    if (typeRank(value) === 2) return numericTest(selector, value, ok);
    return (builtin[name] as QueryOp)(selector, value, options);
  };
}

const $gt = rangeOp('$gt', (c) => c > 0);
const $gte = rangeOp('$gte', (c) => c >= 0);
const $lt = rangeOp('$lt', (c) => c < 0);
const $lte = rangeOp('$lte', (c) => c <= 0);

/**
 * mongod's field order for projected documents: _id first, then the kept fields in the order of the
 * source document, then computed fields in the order of the projection (mingo orders them differently).
 */
function reorder(out: Doc, source: Doc, spec: Doc): Doc {
  inheritMarks(out, source);
  const keys = Object.keys(out);
  if (keys.length <= 1) return out;
  const ordered: Doc = {};
  if ('_id' in out) ordered._id = out._id;
  for (const k of Object.keys(source)) if (k in out && !(k in ordered)) ordered[k] = out[k];
  for (const k of Object.keys(spec)) {
    const top = k.split('.')[0] as string;
    if (top in out && !(top in ordered)) ordered[top] = out[top];
  }
  for (const k of keys) if (!(k in ordered)) ordered[k] = out[k];
  copyMarks(out, ordered);
  return ordered;
}

/** One projection value: 'in' (1, true, an expression), 'out' (0, false), or 'op' ($slice, $elemMatch, $meta). */
function projectionKind(v: unknown): 'in' | 'out' | 'op' | 'nested' {
  if (typeof v === 'boolean') return v ? 'in' : 'out';
  if (typeof v === 'number' || typeRank(v) === 2) return Number(numericValue(v) ?? v) === 0 ? 'out' : 'in';
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && ['$slice', '$elemMatch', '$meta'].includes(keys[0] as string)) return 'op';
    if (keys.length > 0 && !keys.some((k) => k.startsWith('$'))) return 'nested';
  }
  return 'in';
}

/**
 * mongod's rule: a projection is all inclusion or all exclusion (only _id may differ). Mixing is
 * 31254 (exclusion in an inclusion projection) or 31253 (inclusion in an exclusion projection);
 * an expression in an exclusion projection is 31252.
 */
export function checkProjection(spec: Doc): void {
  let mode: 'in' | 'out' | undefined;
  const visit = (obj: Doc, prefix: string): void => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const kind = projectionKind(v);
      if (kind === 'nested') {
        visit(v as Doc, path);
        continue;
      }
      if (kind === 'op' || (path === '_id' && prefix === '')) continue;
      const isExpression = kind === 'in' && v !== null && typeof v === 'object' && typeRank(v) !== 2;
      if (mode === undefined) mode = kind;
      else if (mode === 'in' && kind === 'out') throw new MongoError(Codes.Location31254, `Cannot do exclusion on field ${path} in inclusion projection`);
      else if (mode === 'out' && kind === 'in') {
        if (isExpression) throw new MongoError(Codes.Location31252, `Cannot use expression other than $meta in exclusion projection`);
        throw new MongoError(Codes.Location31253, `Cannot do inclusion on field ${path} in exclusion projection`);
      }
    }
  };
  visit(spec, '');
  // A path and one of its prefixes cannot both be projected (31250 Path collision).
  const paths = new Set(Object.keys(spec).filter((k) => projectionKind(spec[k]) !== 'nested'));
  for (const b of paths) {
    const parts = b.split('.');
    for (let i = 1; i < parts.length; i++) {
      const a = parts.slice(0, i).join('.');
      if (paths.has(a)) throw new MongoError(Codes.Location31250, `Path collision at ${b} remaining portion ${parts.slice(i).join('.')}`);
    }
  }
}

type LazyLike = { transform(f: (docs: Doc[]) => unknown): unknown };

/** $project through mingo, then mongod's field order. */
function $project(coll: LazyLike, spec: Doc, options: unknown): unknown {
  if (isPlainObject(spec)) checkProjection(spec);
  type Mappable = { map(f: (d: Doc) => Doc): Mappable };
  const builtinProject = pipelineOperators.$project as unknown as (c: unknown, s: Doc, o: unknown) => Mappable;
  // mingo's $project maps one document to one, lazily: remember each source document on the way in
  // to reorder its projection on the way out, without materialising the whole input.
  const sources: Doc[] = [];
  const tapped = (coll as unknown as Mappable).map((d) => {
    sources.push(d);
    return d;
  });
  return builtinProject(tapped, spec, options).map((o) => {
    const source = sources.shift();
    return source !== undefined ? reorder(o, source, spec) : o;
  });
}

/** Stages that build one new document from each input: the numbers they keep keep their BSON types. */
function keepingMarks(name: '$addFields' | '$set' | '$unset'): (coll: LazyLike, spec: unknown, options: unknown) => unknown {
  const stage = pipelineOperators[name] as unknown as (c: unknown, s: unknown, o: unknown) => { collect(): Doc[] };
  return (coll, spec, options) =>
    coll.transform((docs) => {
      const out = stage(Lazy(docs), spec, options).collect();
      out.forEach((o, i) => inheritMarks(o, docs[i]));
      return Lazy(out);
    });
}

/** $sort in pipelines with mongod's order (array min/max, numbers across types); mingo's for collations. */
function $sort(coll: LazyLike, spec: Doc, options: { collation?: unknown }): unknown {
  const collation = options.collation as { locale?: string } | undefined;
  if (collation?.locale !== undefined && collation.locale !== 'simple') {
    return (pipelineOperators.$sort as unknown as (c: unknown, s: Doc, o: unknown) => unknown)(coll, spec, options);
  }
  if (!isPlainObject(spec) || Object.keys(spec).length === 0) throw new MongoError(Codes.Location15976, '$sort stage must have at least one sort key');
  checkSortSpec(spec);
  return coll.transform((docs) => Lazy(sortDocuments(docs, spec)));
}

/**
 * $lookup with localField/foreignField AND a pipeline (MongoDB 5.0+): the pipeline runs on the
 * foreign documents that match the join only (mingo runs it on the whole foreign collection).
 */
function $lookup(coll: LazyLike & { map(f: (d: Doc) => Doc): unknown }, expr: Doc, options: Options): unknown {
  const builtinLookup = pipelineOperators.$lookup as unknown as (c: unknown, e: Doc, o: unknown) => unknown;
  if (!isPlainObject(expr) || !Array.isArray(expr.pipeline) || typeof expr.localField !== 'string' || typeof expr.foreignField !== 'string') {
    return builtinLookup(coll, expr, options);
  }
  const localField = expr.localField;
  const foreignField = expr.foreignField;
  const from = typeof expr.from === 'string' ? (options.collectionResolver?.(expr.from) ?? []) : [];
  const byKey = new Map<string, Doc[]>();
  for (const doc of from as Doc[]) {
    const found = valuesAtPath(doc, foreignField).flatMap((v) => (Array.isArray(v) ? [...v, v] : [v]));
    const keys = new Set((found.length === 0 ? [null] : found).map(keyOf));
    for (const k of keys) {
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [doc]);
      else list.push(doc);
    }
  }
  const agg = new Aggregator(expr.pipeline as Doc[], options);
  return coll.map((doc) => {
    const found = valuesAtPath(doc, localField).flatMap((v) => (Array.isArray(v) ? v : [v]));
    const matches = new Set<Doc>();
    for (const v of found.length === 0 ? [null] : found) for (const m of byKey.get(keyOf(v)) ?? []) matches.add(m);
    const copts = evalExpr({}, { $emulatorComputeOptions: 1 }, options) as { update(l: object): unknown };
    const variables = expr.let === undefined ? {} : evalExpr(doc, expr.let, options);
    copts.update({ root: null, variables });
    const joined = (from as Doc[]).filter((d) => matches.has(d));
    return { ...doc, [expr.as as string]: agg.run(joined, copts as unknown as Options) };
  });
}

function $eq(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (typeRank(value) === 2) return numericTest(selector, value, (c) => c === 0);
  const base = (builtin.$eq as QueryOp)(selector, value, options);
  if (!needsOrder(value)) return base;
  return (doc: unknown): boolean => base(doc) && resolveAll(doc, selector).some((v) => orderedEq(v, value));
}

function $ne(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  const eq = $eq(selector, value, options);
  return (doc: unknown): boolean => !eq(doc);
}

/**
 * Fast path for the common `{ field: { $in: [numbers or strings] } }`: a Set lookup instead of
 * mingo's general intersection (which dominates find time over large collections).
 */
function fastIn(selector: string, value: unknown[]): ((doc: unknown) => boolean) | undefined {
  if (selector.includes('.') || !value.every((v) => typeof v === 'number' || typeof v === 'string')) return undefined;
  const set = new Set<unknown>(value);
  return (doc: unknown): boolean => {
    if (!isPlainObject(doc)) return false;
    const v = doc[selector];
    if (typeof v === 'number' || typeof v === 'string') return set.has(v);
    if (Array.isArray(v)) return v.some((el) => set.has(el) || (typeof el === 'object' && set.has(numericValue(el))));
    return typeof v === 'object' && v !== null && set.has(numericValue(v));
  };
}

/** `$in` with Long / Decimal128 in the list: numbers match by value across types. */
function numericIn(selector: string, value: unknown[]): ((doc: unknown) => boolean) | undefined {
  if (!value.some((v) => typeof v === 'object' && v !== null && numericValue(v) !== undefined)) return undefined;
  const numbers = value.filter((v) => typeRank(v) === 2);
  const others = value.filter((v) => typeRank(v) !== 2).map(keyOf);
  return (doc: unknown): boolean =>
    resolveAll(doc, selector).some((v) => (typeRank(v) === 2 ? numbers.some((n) => bsonCompare(v, n) === 0) : others.includes(keyOf(v))));
}

function $in(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (!Array.isArray(value)) throw new MongoError(Codes.BadValue, '$in needs an array');
  value = value.map(guarded);
  const fast = Array.isArray(value) ? (fastIn(selector, value) ?? numericIn(selector, value)) : undefined;
  if (fast !== undefined) return fast;
  const base = (builtin.$in as QueryOp)(selector, value, options);
  if (!Array.isArray(value) || !value.some(needsOrder)) return base;
  const plain = value.filter((v) => !needsOrder(v));
  const plainTest = plain.length > 0 ? (builtin.$in as QueryOp)(selector, plain, options) : (): boolean => false;
  const docs = value.filter(needsOrder);
  return (doc: unknown): boolean => plainTest(doc) || resolveAll(doc, selector).some((v) => docs.some((d) => orderedEq(v, d)));
}

function $nin(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (!Array.isArray(value)) throw new MongoError(Codes.BadValue, '$nin needs an array');
  const inTest = $in(selector, value, options);
  return (doc: unknown): boolean => !inTest(doc);
}

/** The values a dotted path reaches (arrays are descended, the array itself is included too). */
function resolveAll(doc: unknown, selector: string): unknown[] {
  const found: Array<[unknown, string, unknown]> = [];
  leaves(doc, selector.split('.'), 0, found, undefined, '');
  return found.map(([, , v]) => v);
}

/** Rough size of a value as mongod counts it for memory limits (BSON size, 16 bytes per scalar). */
export function approxSize(v: unknown): number {
  if (v === null || v === undefined || typeof v !== 'object') return typeof v === 'string' ? 16 + v.length : 16;
  if (Array.isArray(v)) {
    let n = 16;
    for (const el of v) n += approxSize(el);
    return n;
  }
  try {
    return calculateObjectSize(v as Doc);
  } catch {
    return 16;
  }
}

function exceeded(what: string, limit = MEMORY_LIMIT_BYTES): MongoError {
  return new MongoError(Codes.ExceededMemoryLimit, `${what} used too much memory and cannot spill to disk. Memory limit: ${limit} bytes`);
}

type ExprOp = (obj: unknown, expr: unknown, options: unknown) => unknown;
type AccOp = (coll: unknown[], expr: unknown, options: unknown) => unknown;

/** $range refuses, as mongod does (146), to build an array larger than the 100 MiB memory limit. */
const $range: ExprOp = (obj, expr, opts) => {
  if (Array.isArray(expr) && expr.length >= 2) {
    const args = evalExpr(obj, expr, opts as Options) as unknown[];
    const [start, end, step = 1] = args.map((a) => Number(a));
    if (Number.isFinite(start) && Number.isFinite(end) && Number.isFinite(step) && step !== 0) {
      const count = Math.max(0, Math.ceil(((end as number) - (start as number)) / (step as number)));
      const bytes = count * 16;
      if (bytes > MEMORY_LIMIT_BYTES) {
        throw new MongoError(Codes.ExceededMemoryLimit, `$range would use too much memory (${bytes} bytes) and cannot spill to disk. Memory limit: ${MEMORY_LIMIT_BYTES} bytes`);
      }
    }
  }
  return (expressionOperators.$range as unknown as ExprOp)(obj, expr, opts);
};

/** mongod's truthiness in expressions: false, null, 0 and missing are false. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeRank(v) === 2) return Number(numericValue(v) ?? v) !== 0;
  return true;
}

/** $switch with no matching branch and no default is error 40066 in mongod (mingo yields missing). */
const $switch: ExprOp = (obj, expr, opts) => {
  if (isPlainObject(expr) && !('default' in expr) && Array.isArray(expr.branches)) {
    const hit = (expr.branches as Doc[]).some((b) => isPlainObject(b) && truthy(evalExpr(obj, b.case, opts as Options)));
    if (!hit) throw new MongoError(Codes.Location40066, '$switch could not find a matching branch for an input, and no default was specified.');
  }
  return (expressionOperators.$switch as unknown as ExprOp)(obj, expr, opts);
};

/** $push / $addToSet in $group fail with 146 past 100 MiB, as in mongod. */
function limitedAccumulator(name: '$push' | '$addToSet', inner?: unknown): AccOp {
  const base = (inner ?? accumulatorOperators[name]) as unknown as AccOp;
  return (coll, expr, opts) => {
    const out = base(coll, expr, opts);
    if (Array.isArray(out)) {
      let bytes = 0;
      for (const el of out) {
        bytes += approxSize(el);
        if (bytes > MEMORY_LIMIT_BYTES) throw exceeded(name);
      }
    }
    return out;
  };
}

/**
 * $min / $max in $group compare across types in BSON order (MinKey < null < numbers < strings <
 * objects < arrays < … < MaxKey) and ignore null and missing values, as in mongod.
 */
function extremeAccumulator(name: '$min' | '$max'): AccOp {
  const push = accumulatorOperators.$push as unknown as AccOp;
  return (coll, expr, opts) => {
    const values = push(coll, expr, opts) as unknown[];
    let best: unknown = null;
    for (const v of values) {
      if (v === null || v === undefined) continue;
      if (best === null) best = v;
      else {
        const c = bsonCompare(v, best);
        if (name === '$min' ? c < 0 : c > 0) best = v;
      }
    }
    return best;
  };
}

/** $sort, $group and friends: the emulator's ceiling where mongod would spill to disk. */
export function checkOperationMemory(docs: readonly unknown[], what: string): void {
  if (docs.length < 100_000) return;
  let bytes = 0;
  for (let i = 0; i < docs.length; i += 97) bytes += approxSize(docs[i]) * 97;
  if (bytes > OPERATION_MEMORY_BYTES) throw exceeded(`${what} (in the NoSQL Lab emulator, which cannot spill to disk)`, OPERATION_MEMORY_BYTES);
}

/**
 * $all as the manual defines it: `{ f: { $all: [a, b] } }` is `{ $and: [{ f: a }, { f: b }] }`, so
 * `$all: ['ssl']` matches the scalar 'ssl' too. Lists of $elemMatch go to mingo.
 */
function $all(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (!Array.isArray(value)) throw new MongoError(Codes.BadValue, '$all needs an array');
  if (value.length === 0) return () => false;
  if (value.some((v) => isPlainObject(v) && '$elemMatch' in v)) return (builtin.$all as QueryOp)(selector, value, options);
  const tests = value.map((v) => (v instanceof RegExp ? (builtin.$regex as QueryOp)(selector, v, options) : $eq(selector, v, options)));
  return (doc: unknown): boolean => tests.every((t) => t(doc));
}

/** $size takes a whole non-negative number; anything else is 2 BadValue in mongod. */
function $size(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (typeRank(value) !== 2) throw new MongoError(Codes.BadValue, '$size needs a number');
  const n = Number(numericValue(value) ?? value);
  if (!Number.isInteger(n)) throw new MongoError(Codes.BadValue, `$size must be a whole number`);
  if (n < 0) throw new MongoError(Codes.BadValue, '$size may not be negative');
  return (builtin.$size as QueryOp)(selector, n, options);
}

/** $mod needs [divisor, remainder] with a non-zero divisor (2 BadValue in mongod). */
function $mod(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (!Array.isArray(value) || value.length < 2) throw new MongoError(Codes.BadValue, 'malformed mod, not enough elements');
  if (value.length > 2) throw new MongoError(Codes.BadValue, 'malformed mod, too many elements');
  if (typeRank(value[0]) !== 2 || typeRank(value[1]) !== 2) throw new MongoError(Codes.BadValue, 'malformed mod, divisor and remainder must be numbers');
  if (Number(numericValue(value[0]) ?? value[0]) === 0) throw new MongoError(Codes.BadValue, 'divisor cannot be 0');
  return (builtin.$mod as QueryOp)(selector, value, options);
}

function $elemMatch(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  if (!isPlainObject(value)) throw new MongoError(Codes.BadValue, '$elemMatch needs an Object');
  return (builtin.$elemMatch as QueryOp)(selector, value, options);
}

/**
 * The guard of the operation whose query mingo is compiling right now (compilation is synchronous),
 * for operators that need it at compile time: risky regular expressions (javascript.ts).
 */
let compiling: OpGuard | undefined;

export function withGuard<T>(guard: OpGuard | undefined, work: () => T): T {
  const outer = compiling;
  compiling = guard;
  try {
    return work();
  } finally {
    compiling = outer;
  }
}

function guarded(v: unknown): unknown {
  return v instanceof RegExp && !(v instanceof GuardedRegExp) && isRiskyPattern(v.source) ? new GuardedRegExp(v.source, v.flags, compiling) : v;
}

function $regex(selector: string, value: unknown, options: unknown): (doc: unknown) => boolean {
  value = guarded(value);
  if (typeof value === 'string') {
    try {
      new RegExp(value);
    } catch (err) {
      throw new MongoError(Codes.Location51091, `Regular expression is invalid: ${(err as Error).message}`);
    }
  }
  return (builtin.$regex as QueryOp)(selector, value, options);
}

/** `$gte: null` / `$lte: null` match null and missing fields, like `{ f: null }` (mingo: null only). */
function nullInclusive(name: '$gte' | '$lte', base: QueryOp): QueryOp {
  return (selector, value, options) => {
    if (value !== null) return base(selector, value, options);
    return $eq(selector, null, options);
  };
}

// Our own full operator set (mingo's default entry point would not let $type be replaced).
const CONTEXT = Context.init({
  // numbers keep their BSON types (numeric-operators.ts); arrays an accumulator builds stay under the memory limit.
  accumulator: { ...accumulatorOperators, ...numericAccumulators, $push: limitedAccumulator('$push', numericAccumulators.$push), $addToSet: limitedAccumulator('$addToSet') } as never,
  expression: { ...expressionOperators, ...numericExpressions, $range, $switch, $emulatorComputeOptions: (_obj: unknown, _expr: unknown, opts: unknown) => opts } as never,
  pipeline: { ...pipelineOperators, $sort, $project, $lookup, $addFields: keepingMarks('$addFields'), $set: keepingMarks('$set'), $unset: keepingMarks('$unset') } as never,
  projection: projectionOperators,
  query: { ...queryOperators, $type, $eq, $ne, $in, $nin, $gt, $gte: nullInclusive('$gte', $gte), $lt, $lte: nullInclusive('$lte', $lte), $all, $size, $mod, $elemMatch, $regex } as never,
  window: windowOperators,
});

function options(extra: QueryOptions = {}, resolver?: (name: string) => Doc[]): Partial<Options> {
  const opts: { -readonly [K in keyof Options]?: Options[K] } = {
    jsonSchemaValidator: jsonSchemaValidator as Options['jsonSchemaValidator'],
    context: CONTEXT,
    scriptEnabled: true,
  };
  if (extra.collation !== undefined && typeof extra.collation.locale === 'string' && extra.collation.locale !== 'simple') {
    opts.collation = extra.collation as unknown as CollationSpec;
  }
  if (extra.variables !== undefined) opts.variables = extra.variables;
  if (resolver !== undefined) opts.collectionResolver = resolver;
  return opts;
}

const TOP_LEVEL = new Set(['$and', '$or', '$nor', '$expr', '$where', '$jsonSchema', '$comment', '$text', '$alwaysTrue', '$alwaysFalse', '$sampleRate']);

function checkTopLevel(filter: Doc): void {
  for (const [k, v] of Object.entries(filter)) {
    if (!k.startsWith('$')) continue;
    if (!TOP_LEVEL.has(k)) {
      throw new MongoError(Codes.BadValue, `unknown top level operator: ${k}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.`);
    }
    if (k === '$text') throw notEmulated('$text search');
    if ((k === '$and' || k === '$or' || k === '$nor')) {
      if (!Array.isArray(v) || v.length === 0) throw new MongoError(Codes.BadValue, `${k} argument must be a non-empty array`);
      for (const sub of v) {
        if (!isPlainObject(sub)) throw new MongoError(Codes.BadValue, `${k} argument's entries must be objects`);
        checkTopLevel(sub);
      }
    }
  }
}

/**
 * Server-side JavaScript in a filter or pipeline, made runnable: `$where` (a string such as
 * 'this.a > 1' or 'function () {...}', or a Code), `$function` bodies and `$accumulator` functions
 * become sandboxed functions with the operation's time limits (javascript.ts).
 */
export function prepareScripts<T>(spec: T, guard: OpGuard | undefined): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((el) => {
        const w = walk(el);
        if (w !== el) changed = true;
        return w;
      });
      return changed ? out : v;
    }
    if (!isPlainObject(v)) return v;
    let out: Doc | undefined;
    for (const [k, val] of Object.entries(v)) {
      let next: unknown = val;
      if (k === '$where') {
        const text = codeText(val);
        if (text !== undefined) {
          const fn = scriptFunction(text, guard, '$where', true);
          next = function (this: unknown): boolean {
            return Boolean(fn.call(this));
          };
        }
      } else if (k === '$function' && isPlainObject(val)) {
        const text = codeText(val.body);
        next = text === undefined ? val : { ...val, body: scriptFunction(text, guard, '$function') };
        if (isPlainObject(next) && next.args !== undefined) next = { ...next, args: walk(next.args) };
      } else if (k === '$accumulator' && isPlainObject(val)) {
        const acc: Doc = { ...val };
        for (const f of ['init', 'accumulate', 'merge', 'finalize']) {
          const text = codeText(acc[f]);
          if (text !== undefined) acc[f] = scriptFunction(text, guard, `$accumulator ${f}`);
        }
        next = acc;
      } else {
        next = walk(val);
      }
      if (next !== val) {
        out ??= { ...v };
        out[k] = next;
      }
    }
    return out ?? v;
  };
  return walk(spec) as T;
}

export function compileQuery(filter: Doc | undefined, extra?: QueryOptions): Query {
  if (filter !== undefined) checkTopLevel(filter);
  if (filter !== undefined) filter = prepareScripts(filter, extra?.guard);
  try {
    return withGuard(extra?.guard, () => new Query(filter ?? {}, options(extra)));
  } catch (err) {
    throw fromMingo(err, 'query');
  }
}

/** Documents matching the filter, each with its _id key: through an index when one helps (planner.ts). */
export function matching(coll: Collection | undefined, filter: Doc | undefined, extra?: QueryOptions): Array<[string, Doc]> {
  return planMatching(coll, filter, extra);
}

/** matching() that yields to other connections every few milliseconds and honours maxTimeMS. */
export async function matchingAsync(coll: Collection | undefined, filter: Doc | undefined, extra: QueryOptions & { guard: OpGuard }): Promise<Array<[string, Doc]>> {
  if (coll === undefined) return [];
  return (await runPlanAsync(coll, choosePlan(coll, { filter, opts: extra }), filter, extra)).found;
}

export interface FindSpec {
  filter?: Doc;
  sort?: Doc;
  projection?: Doc;
  skip?: number;
  limit?: number;
  /** The query's filter, for the positional `field.$` projection when `filter` was already applied. */
  matchedBy?: Doc;
}

/** Sort directions are 1 or -1 (or { $meta }): anything else is 15975 in mongod. */
export function checkSortSpec(spec: Doc | undefined): void {
  if (spec === undefined) return;
  for (const [k, v] of Object.entries(spec)) {
    if (isPlainObject(v) && '$meta' in v) continue;
    const n = typeRank(v) === 2 ? Number(numericValue(v) ?? v) : Number.NaN;
    if (k !== '$natural' && n !== 1 && n !== -1) {
      throw new MongoError(Codes.Location15975, '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
  }
}

/** find's filter + sort + skip + limit + projection, in mongod's order. */
export function runFind(docs: Doc[], spec: FindSpec, extra?: QueryOptions): Doc[] {
  checkSortSpec(spec.sort);
  let out: Doc[];
  try {
    const hasSort = spec.sort !== undefined && Object.keys(spec.sort).length > 0;
    const collated = extra?.collation !== undefined && typeof extra.collation.locale === 'string' && extra.collation.locale !== 'simple';
    let cursor = new Query(spec.filter ?? {}, options(extra)).find<Doc>(docs);
    if (hasSort && collated) cursor = cursor.sort(spec.sort as Record<string, 1 | -1>);
    out = cursor.all();
    const natural = hasSort ? (spec.sort as Doc).$natural : undefined;
    if (natural !== undefined) {
      if (Number(natural) < 0) out = out.slice().reverse();
    } else if (hasSort && !collated) out = sortDocuments(out, spec.sort as Doc);
    const skip = spec.skip ?? 0;
    if (skip > 0 || (spec.limit !== undefined && spec.limit > 0)) {
      out = out.slice(skip, spec.limit !== undefined && spec.limit > 0 ? skip + spec.limit : undefined);
    }
  } catch (err) {
    throw fromMingo(err, 'query');
  }
  if (spec.projection !== undefined && Object.keys(spec.projection).length > 0) {
    out = applyProjection(out, spec.projection, spec.matchedBy ?? spec.filter, extra);
  }
  return out;
}

function sliceArray(arr: unknown[], arg: unknown): unknown[] {
  if (Array.isArray(arg)) {
    const [skipRaw, limitRaw] = arg as number[];
    const skip = Number(skipRaw);
    const limit = Number(limitRaw);
    const start = skip < 0 ? Math.max(0, arr.length + skip) : skip;
    return arr.slice(start, start + limit);
  }
  const n = Number(arg);
  return n >= 0 ? arr.slice(0, n) : arr.slice(Math.max(0, arr.length + n));
}

/** Field conditions of a filter that talk about `field` or its subfields (for `field.$`). */
function elementMatcher(filter: Doc | undefined, field: string, extra?: QueryOptions): (el: unknown) => boolean {
  const tests: Array<(el: unknown) => boolean> = [];
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) for (const sub of v) if (isPlainObject(sub)) visit(sub);
      if (k === field) {
        const q = new Query({ v: v }, options(extra));
        tests.push((el) => q.test({ v: el }));
      } else if (k.startsWith(`${field}.`)) {
        const q = new Query({ [k.slice(field.length + 1)]: v }, options(extra));
        tests.push((el) => isPlainObject(el) && q.test(el));
      }
    }
  };
  if (filter !== undefined) visit(filter);
  return (el: unknown): boolean => tests.every((t) => t(el));
}

/**
 * Projection through mingo, on copies (mingo may edit nested objects in place), with the two
 * array operators handled here the way mongod does: `$slice` keeps every other field unless the
 * projection includes fields, and positional `field.$` returns the first element the filter matched.
 */
function applyProjection(docs: Doc[], projection: Doc, filter: Doc | undefined, extra?: QueryOptions): Doc[] {
  checkProjection(projection);
  const slices: Array<[string, unknown]> = [];
  const positional: string[] = [];
  const rest: Doc = {};
  for (const [k, v] of Object.entries(projection)) {
    if (isPlainObject(v) && '$slice' in v && Object.keys(v).length === 1) slices.push([k, v.$slice]);
    else if (k.endsWith('.$')) positional.push(k.slice(0, -2));
    else rest[k] = v;
  }
  const inclusive = Object.entries(rest).some(([k, v]) => k !== '_id' && !(v === 0 || v === false));
  if (inclusive || positional.length > 0) {
    for (const [k] of slices) rest[k] = 1;
    for (const k of positional) rest[k] = 1;
  }
  const copies = docs.map((d) => clone(d));
  let out = copies;
  if (Object.keys(rest).length > 0) {
    try {
      out = new Query({}, options(extra)).find<Doc>(copies, rest).all();
      out = out.map((o, i) => reorder(o, docs[i] as Doc, rest));
    } catch (err) {
      throw fromMingo(err, 'projection');
    }
  }
  if (slices.length === 0 && positional.length === 0) return out;
  const matchers = positional.map((f) => [f, elementMatcher(filter, f, extra)] as const);
  return out.map((doc, i) => {
    const source = docs[i] as Doc;
    for (const [path, arg] of slices) {
      const parts = path.split('.');
      const last = parts.pop() as string;
      const holder = parts.length > 0 ? getPath(doc, parts.join('.')) : doc;
      if (isPlainObject(holder) && Array.isArray(holder[last])) holder[last] = sliceArray(holder[last] as unknown[], arg);
    }
    for (const [field, match] of matchers) {
      const arr = getPath(source, field);
      if (!Array.isArray(arr)) continue;
      const hit = arr.find((el) => match(el));
      if (hit !== undefined && !field.includes('.')) doc[field] = [clone(hit)];
    }
    return doc;
  });
}

export function project(docs: Doc[], projection: Doc | undefined): Doc[] {
  if (projection === undefined || Object.keys(projection).length === 0) return docs;
  return applyProjection(docs, projection, undefined);
}

export function sortDocs(docs: Doc[], sort: Doc | undefined): Doc[] {
  if (sort === undefined || Object.keys(sort).length === 0) return docs;
  return runFind(docs, { sort });
}

/** Resolves `from`/`coll` names in $lookup, $unionWith, $graphLookup against the same database. */
export function resolverFor(catalog: Catalog, db: string): (name: string) => Doc[] {
  return (name: string): Doc[] => catalog.get(db, name)?.all() ?? [];
}

/** Stages after which mingo may edit documents in place (it shallow-copies, then sets nested paths). */
const MUTATING = /"\$(addFields|set|unset|unwind|replaceRoot|replaceWith|graphLookup|setWindowFields|densify|fill|redact|merge|out|project)"/;

/**
 * $bucket as mongod defines it: a $group on the bucket each value falls in, then a $sort on _id, so
 * an empty bucket yields no document (mingo emits one for every boundary).
 */
function bucketStages(spec: Doc): Doc[] {
  const { groupBy, boundaries, output } = spec;
  if (groupBy === undefined || !Array.isArray(boundaries)) {
    throw new MongoError(Codes.Location40198, "$bucket requires 'groupBy' and 'boundaries' to be specified.");
  }
  if (boundaries.length < 2) throw new MongoError(Codes.Location40192, `The $bucket 'boundaries' field must have at least 2 values, but found ${boundaries.length} value(s).`);
  for (let i = 1; i < boundaries.length; i++) {
    if (bsonCompare(boundaries[i - 1], boundaries[i]) >= 0) {
      throw new MongoError(Codes.Location40194, "The 'boundaries' option to $bucket must be sorted in ascending order");
    }
  }
  const branches = boundaries.slice(0, -1).map((lo, i) => ({
    case: { $and: [{ $gte: ['$$bucketValue', { $literal: lo }] }, { $lt: ['$$bucketValue', { $literal: boundaries[i + 1] }] }] },
    then: { $literal: lo },
  }));
  const choose: Doc = { branches };
  if ('default' in spec) choose.default = { $literal: spec.default };
  const fields = isPlainObject(output) ? output : { count: { $sum: 1 } };
  return [{ $group: { _id: { $let: { vars: { bucketValue: groupBy }, in: { $switch: choose } } }, ...fields } }, { $sort: { _id: 1 } }];
}

/**
 * mongod defines { $count: 'n' } as a $group + $project, which yields no document for no input;
 * mingo's $count yields { n: 0 }. Rewrites it (also inside $facet).
 */
function rewrite(pipeline: Doc[]): Doc[] {
  return pipeline.flatMap((stage): Doc[] => {
    if (isPlainObject(stage.$bucket)) return bucketStages(stage.$bucket);
    if (typeof stage.$count === 'string') {
      return [{ $group: { _id: null, [stage.$count]: { $sum: 1 } } }, { $project: { _id: 0 } }];
    }
    if (isPlainObject(stage.$facet)) {
      const facets: Doc = {};
      for (const [k, v] of Object.entries(stage.$facet)) facets[k] = Array.isArray(v) ? rewrite(v as Doc[]) : v;
      return [{ $facet: facets }];
    }
    if (isPlainObject(stage.$lookup)) return lookupStages(stage.$lookup);
    return [stage];
  });
}

export function runPipeline(docs: Doc[], pipeline: Doc[], resolver: (name: string) => Doc[], extra?: QueryOptions): Doc[] {
  try {
    // Inputs are the stored documents, which must not change: copy them first when a stage could edit them.
    const json = JSON.stringify(pipeline);
    const mutating = MUTATING.test(json);
    const input = mutating ? docs.map((d) => clone(d)) : docs;
    const resolve = mutating ? (name: string): Doc[] => resolver(name).map((d) => clone(d)) : resolver;
    const agg = new Aggregator(rewrite(pipeline), { ...options(extra, resolve), processingMode: ProcessingMode.CLONE_OFF });
    const out = withGuard(extra?.guard, () => agg.run(input) as Doc[]);
    // Typed arithmetic returns Double(5) / Long(5) boxes; documents keep them as marked numbers (numbers.ts).
    if (NUMERIC_OPERATORS.test(json)) for (const d of out) fromWire(d);
    return out;
  } catch (err) {
    throw fromMingo(err, 'aggregate');
  }
}

/** runPipeline() one output document at a time, for callers that watch the size of what comes out. */
export function streamPipeline(docs: Doc[], pipeline: Doc[], resolver: (name: string) => Doc[], extra?: QueryOptions): () => Doc | undefined {
  try {
    const mutating = MUTATING.test(JSON.stringify(pipeline));
    const input = mutating ? docs.map((d) => clone(d)) : docs;
    const resolve = mutating ? (name: string): Doc[] => resolver(name).map((d) => clone(d)) : resolver;
    const agg = new Aggregator(rewrite(pipeline), { ...options(extra, resolve), processingMode: ProcessingMode.CLONE_OFF });
    const it = withGuard(extra?.guard, () => agg.stream(input)) as unknown as { next(): { value?: unknown; done?: boolean } };
    return () => {
      try {
        const r = withGuard(extra?.guard, () => it.next());
        return r.done === true ? undefined : (r.value as Doc);
      } catch (err) {
        throw fromMingo(err, 'aggregate');
      }
    };
  } catch (err) {
    throw fromMingo(err, 'aggregate');
  }
}

/** Applies update operators to `doc` in place; returns the modified paths. */
export function applyOperators(doc: Doc, modifier: Doc, arrayFilters: Doc[] | undefined, filter: Doc | undefined): string[] {
  try {
    return mingoUpdate(doc, modifier, arrayFilters ?? [], filter ?? {}, { queryOptions: options() });
  } catch (err) {
    throw fromMingo(err, 'update');
  }
}

/** Evaluates one aggregation expression against `doc` with the emulator's operators. */
export function evalExpression(doc: unknown, expr: unknown, extra?: QueryOptions): unknown {
  try {
    return evalExpr(doc, expr, options(extra) as Options);
  } catch (err) {
    throw fromMingo(err, 'aggregate');
  }
}

/**
 * One expression over many documents. mingo rebuilds its compute options (a copy of every operator
 * table) on each evalExpr call with plain options; capturing the ComputeOptions instance mingo
 * hands to an operator, and reusing it with a new root per document, avoids that.
 */
export function evaluateAll(docs: Doc[], expr: unknown, extra?: QueryOptions): unknown[] {
  try {
    const copts = evalExpr({}, { $emulatorComputeOptions: 1 }, options(extra) as Options) as { update(l: object): unknown };
    const out = new Array<unknown>(docs.length);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i];
      copts.update({ root: doc });
      out[i] = evalExpr(doc, expr, copts as unknown as Options) ?? null;
    }
    return out;
  } catch (err) {
    throw fromMingo(err, 'aggregate');
  }
}

/** The $count rewrite and the server-side JavaScript preparation, for callers that run stages one by one. */
export function preparePipeline(pipeline: Doc[], guard: OpGuard | undefined): Doc[] {
  return prepareScripts(rewrite(pipeline), guard);
}
