/**
 * mingo's arithmetic, comparison and numeric accumulator operators, replaced by ones that keep
 * BSON's numeric types (see arithmetic.ts): Long and Decimal128 are numbers here, int32 overflows
 * to long, $avg and $divide give doubles, and a decimal anywhere makes the result a decimal.
 * Same signatures as mingo's: expressions (obj, expr, options), accumulators (values, expr, options).
 */
import { Double, Long } from 'bson';
import { evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import { Decimal128 } from 'bson';
import { absOf, arith, avgOf, compareTyped, decString, divide, parseDec, roundTo, sumOf, toDec, toJsNumber, typed, untyped, type TNum } from './arithmetic.ts';
import { bsonCompare } from './compare.ts';
import { Codes, MongoError } from './errors.ts';
import { bsonTypesOf, kindAt, type NumberKind } from './numbers.ts';

type Expr = (obj: unknown, expr: unknown, options: unknown) => unknown;
type Acc = (coll: unknown[], expr: unknown, options: unknown) => unknown;
const builtinExpr = expressionOperators as unknown as Record<string, Expr>;
const builtinAcc = accumulatorOperators as unknown as Record<string, Acc>;

/** Literal numbers in an expression keep the type they were sent with (Long(1), Double(2.0)). */
function literals(expr: unknown): unknown {
  if (!Array.isArray(expr)) return expr;
  return expr.map((x, i) => {
    if (typeof x !== 'number') return x;
    const kind = kindAt(expr, String(i));
    return kind === 'long' ? Long.fromNumber(x) : kind === 'double' ? new Double(x) : x;
  });
}

/**
 * The kind (long, double) recorded for the number a field path such as '$a.b' reaches in `obj`
 * (see numbers.ts): documents keep Long(5) and Double(5) as plain 5 with a mark on their container.
 */
function fieldKind(obj: unknown, expr: unknown): NumberKind | undefined {
  if (typeof expr !== 'string' || !expr.startsWith('$') || expr.startsWith('$$')) return undefined;
  const parts = expr.slice(1).split('.');
  let container: unknown = obj;
  for (const part of parts.slice(0, -1)) {
    if (container === null || typeof container !== 'object' || Array.isArray(container)) return undefined;
    container = (container as Record<string, unknown>)[part];
  }
  if (container === null || typeof container !== 'object' || Array.isArray(container)) return undefined;
  return kindAt(container, parts[parts.length - 1] as string);
}

function box(v: unknown, kind: NumberKind | undefined): unknown {
  if (typeof v !== 'number' || kind === undefined) return v;
  return kind === 'long' ? Long.fromNumber(v) : new Double(v);
}

function args(obj: unknown, expr: unknown, options: unknown): unknown[] {
  if (!Array.isArray(expr)) {
    const v = evalExpr(obj, expr, options as never) as unknown;
    return Array.isArray(v) ? v : [box(v, fieldKind(obj, expr))];
  }
  const lit = literals(expr) as unknown[];
  return lit.map((e) => box(evalExpr(obj, e, options as never), fieldKind(obj, e)));
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  return typeof v === 'object' ? 'object' : typeof v;
}

const isNil = (v: unknown): boolean => v === null || v === undefined;

function need(name: string, v: unknown): TNum {
  const t = typed(v);
  if (t === undefined) throw new MongoError(Codes.TypeMismatch, `${name} only supports numeric types, not ${typeName(v)}`);
  return t;
}

const $add: Expr = (obj, expr, options) => {
  const values = args(obj, expr, options);
  if (values.some(isNil)) return null;
  let date: Date | undefined;
  let acc: TNum = { k: 'int', i: 0n };
  for (const v of values) {
    if (v instanceof Date) {
      if (date !== undefined) throw new MongoError(16612, 'only one date allowed in an $add expression');
      date = v;
      continue;
    }
    const t = typed(v);
    if (t === undefined) throw new MongoError(16554, `$add only supports numeric or date types, not ${typeName(v)}`);
    acc = arith('add', acc, t);
  }
  if (date !== undefined) return new Date(date.getTime() + Math.round(Number(untypedNumber(acc))));
  return untyped(acc);
};

function untypedNumber(t: TNum): number {
  return t.k === 'double' ? t.d : t.k === 'decimal' ? Number(`${t.m.c}e${t.m.e}`) : Number(t.i);
}

const $subtract: Expr = (obj, expr, options) => {
  const [a, b] = args(obj, expr, options);
  if (isNil(a) || isNil(b)) return null;
  if (a instanceof Date && b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
  if (a instanceof Date) return new Date(a.getTime() - Math.round(untypedNumber(need('$subtract', b))));
  const x = typed(a);
  const y = typed(b);
  if (x === undefined || y === undefined) {
    throw new MongoError(Codes.TypeMismatch, `can't $subtract ${typeName(b)} from ${typeName(a)}`);
  }
  return untyped(arith('subtract', x, y));
};

const $multiply: Expr = (obj, expr, options) => {
  const values = args(obj, expr, options);
  if (values.some(isNil)) return null;
  let acc: TNum = { k: 'int', i: 1n };
  for (const v of values) acc = arith('multiply', acc, need('$multiply', v));
  return untyped(acc);
};

const $divide: Expr = (obj, expr, options) => {
  const [a, b] = args(obj, expr, options);
  if (isNil(a) || isNil(b)) return null;
  const x = typed(a);
  const y = typed(b);
  if (x === undefined || y === undefined) {
    throw new MongoError(Codes.TypeMismatch, `$divide only supports numeric types, not ${typeName(a)} and ${typeName(b)}`);
  }
  return untyped(divide(x, y));
};

const $abs: Expr = (obj, expr, options) => {
  const [a] = args(obj, expr, options);
  if (isNil(a)) return null;
  const t = typed(a);
  if (t === undefined) throw new MongoError(28765, `$abs only supports numeric types, not ${typeName(a)}`);
  return untyped(absOf(t));
};

function rounding(name: '$round' | '$trunc', mode: 'even' | 'trunc'): Expr {
  return (obj, expr, options) => {
    const [a, p] = args(obj, expr, options);
    if (isNil(a) || (Array.isArray(expr) && expr.length > 1 && isNil(p))) return null;
    const t = typed(a);
    if (t === undefined) throw new MongoError(51081, `${name} only supports numeric types, not ${typeName(a)}`);
    const place = p === undefined ? 0 : Number(untypedNumber(need(name, p)));
    if (!Number.isInteger(place) || place < -20 || place > 100) {
      throw new MongoError(51083, `cannot apply ${name} with precision value ${place} value must be in [-20, 100]`);
    }
    return untyped(roundTo(t, place, mode));
  };
}

/** Comparisons where a Long, Double or Decimal128 is involved compare by value; the rest stay mingo's. */
function comparison(name: string, ok: (c: number) => boolean): Expr {
  const fallback = builtinExpr[name] as Expr;
  return (obj, expr, options) => {
    if (!Array.isArray(expr) || expr.length !== 2) return fallback(obj, expr, options);
    const [a, b] = args(obj, expr, options);
    const boxed = (v: unknown): boolean => v !== null && typeof v === 'object' && typed(v) !== undefined;
    if (!boxed(a) && !boxed(b)) return fallback(obj, [{ $literal: a }, { $literal: b }], options);
    const x = typed(a);
    const y = typed(b);
    const c = x !== undefined && y !== undefined ? compareTyped(x, y) : bsonCompare(a, b);
    return name === '$cmp' ? c : ok(c);
  };
}

// ---- accumulators (also used by mingo for the expression forms, with the values as `coll`) ------

function values(coll: unknown[], expr: unknown, options: unknown): unknown[] {
  const out = (builtinAcc.$push as Acc)(coll, expr, options) as unknown[];
  if (typeof expr !== 'string' || out === coll) return out;
  return out.map((v, i) => box(v, fieldKind(coll[i], expr)));
}

const $sum: Acc = (coll, expr, options) => {
  if (typeof expr === 'number') return untyped(arith('multiply', typed(expr) as TNum, { k: 'int', i: BigInt(coll.length) }));
  return untyped(sumOf(values(coll, expr, options)));
};

const $avg: Acc = (coll, expr, options) => {
  const avg = avgOf(values(coll, expr, options));
  return avg === null ? null : untyped(avg);
};

function extreme(sign: 1 | -1): Acc {
  return (coll, expr, options) => {
    let best: unknown = null;
    for (const v of values(coll, expr, options)) {
      if (isNil(v)) continue;
      if (best === null || sign * bsonCompare(v, best) > 0) best = v;
    }
    return best;
  };
}

// ---- types and conversions -------------------------------------------------------------------

/** One argument, given bare or as a one-element array, with the kind of the field it came from. */
function single(obj: unknown, expr: unknown, options: unknown): unknown {
  const inner: unknown = Array.isArray(expr) && expr.length === 1 ? expr[0] : expr;
  return box(evalExpr(obj, inner, options as never), fieldKind(obj, inner));
}

/** mongod's ConversionFailure. */
const CONVERSION_FAILURE = 241;

const isBoxedNumber = (v: unknown): boolean => v !== null && typeof v === 'object' && typed(v) !== undefined;

/** $type tells int from long, double and decimal (mingo sees only JS numbers). */
const $type: Expr = (obj, expr, options) => {
  const v = single(obj, expr, options);
  if (typeof v === 'number' || isBoxedNumber(v)) return bsonTypesOf(v, undefined)[0];
  return (builtinExpr.$type as Expr)(obj, expr, options);
};

function converter(name: string, convert: (t: TNum) => TNum | string): Expr {
  return (obj, expr, options) => {
    const v = single(obj, expr, options);
    const t = typeof v === 'number' || isBoxedNumber(v) ? typed(v) : undefined;
    if (t === undefined) return (builtinExpr[name] as Expr)(obj, expr, options);
    const out = convert(t);
    return typeof out === 'string' ? out : untyped(out);
  };
}

function truncated(t: TNum): bigint {
  if (t.k === 'int' || t.k === 'long') return t.i;
  const n = Math.trunc(toJsNumber(t));
  if (!Number.isFinite(n)) throw new MongoError(CONVERSION_FAILURE, `Conversion would overflow target type in $convert with no onError value: ${n}`);
  return BigInt(n);
}

/** $toDecimal also reads decimal strings exactly ('19.99'), where a double would not. */
const $toDecimal: Expr = (obj, expr, options) => {
  const v = single(obj, expr, options);
  if (typeof v === 'string') {
    const m = parseDec(v);
    if (m === undefined) throw new MongoError(CONVERSION_FAILURE, `Failed to parse number '${v}' in $convert with no onError value`);
    return Decimal128.fromString(decString(m));
  }
  const t = typeof v === 'number' || isBoxedNumber(v) ? typed(v) : undefined;
  if (t === undefined) return (builtinExpr.$toDecimal as Expr)(obj, expr, options);
  return untyped({ k: 'decimal', m: toDec(t) });
};

export const numericExpressions: Record<string, Expr> = {
  $type,
  $first: firstOrLast('$first'),
  $last: firstOrLast('$last'),
  $toDecimal,
  $toString: converter('$toString', (t) => (t.k === 'decimal' ? decString(t.m) : t.k === 'double' ? String(t.d) : String(t.k === 'int' || t.k === 'long' ? t.i : ''))),
  $toDouble: converter('$toDouble', (t) => ({ k: 'double', d: toJsNumber(t) })),
  $toLong: converter('$toLong', (t) => ({ k: 'long', i: truncated(t) })),
  $toInt: converter('$toInt', (t) => {
    const i = truncated(t);
    if (i < -2147483648n || i > 2147483647n) throw new MongoError(CONVERSION_FAILURE, `Conversion would overflow target type in $convert with no onError value: ${i}`);
    return { k: 'int', i };
  }),
  $add,
  $subtract,
  $multiply,
  $divide,
  $abs,
  $round: rounding('$round', 'even'),
  $trunc: rounding('$trunc', 'trunc'),
  $eq: comparison('$eq', (c) => c === 0),
  $ne: comparison('$ne', (c) => c !== 0),
  $gt: comparison('$gt', (c) => c > 0),
  $gte: comparison('$gte', (c) => c >= 0),
  $lt: comparison('$lt', (c) => c < 0),
  $lte: comparison('$lte', (c) => c <= 0),
  $cmp: comparison('$cmp', () => true),
};

/** $first / $last / $push pass stored values on: a Long or whole-number Double keeps its type. */
function passing(name: '$first' | '$last'): Acc {
  return (coll, expr, options) => {
    const v = (builtinAcc[name] as Acc)(coll, expr, options);
    return box(v, fieldKind(name === '$first' ? coll[0] : coll[coll.length - 1], expr));
  };
}

/** mingo looks $first / $last up as expressions first, even in $group (then `obj` is the group's documents). */
function firstOrLast(name: '$first' | '$last'): Expr {
  const acc = passing(name);
  return (obj, expr, options) => (Array.isArray(obj) ? acc(obj, expr, options) : (builtinExpr[name] as Expr)(obj, expr, options));
}

export const numericAccumulators: Record<string, Acc> = {
  $first: passing('$first'),
  $last: passing('$last'),
  $push: values,
  $sum,
  $avg,
  $max: extreme(1),
  $min: extreme(-1),
};

/** Operator names whose results may be boxed numbers (runPipeline then restores document marks). */
export const NUMERIC_OPERATORS = /"\$(add|subtract|multiply|divide|abs|round|trunc|sum|avg|max|min|first|last|push|toDecimal|toDouble|toLong|toInt)"/;
