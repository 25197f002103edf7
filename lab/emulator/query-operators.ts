/**
 * The query operators the emulator puts in place of mingo's (query.ts registers them): mongod's
 * numeric comparison across int/long/double/decimal, $type by BSON type, null-inclusive $gte/$lte,
 * $all/$size/$mod/$elemMatch argument checks, and regular expressions that run under the
 * operation's time limit when their pattern can backtrack for long (javascript.ts).
 */
import * as queryOperators from 'mingo/operators/query';
import { bsonCompare, numericValue, typeRank } from './compare.ts';
import { Codes, MongoError } from './errors.ts';
import type { OpGuard } from './guard.ts';
import { GuardedRegExp, isRiskyPattern } from './javascript.ts';
import { bsonTypesOf, kindAt, typeAlias } from './numbers.ts';
import { isOperatorObject, isPlainObject, keyOf } from './values.ts';

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

/** The operators query.ts hands to mingo in place of its own. */
export const QUERY_OPERATORS = { $type, $eq, $ne, $in, $nin, $gt, $gte: nullInclusive('$gte', $gte), $lt, $lte: nullInclusive('$lte', $lte), $all, $size, $mod, $elemMatch, $regex };
