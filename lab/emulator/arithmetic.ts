/**
 * Arithmetic with mongod's numeric types: int32, int64 (long), double and decimal128.
 *
 * The manual's rules ($add, $mul "Mixed Type", $sum, $avg, $divide): int + int stays int unless
 * it overflows, then long; int + long is long; a long that overflows becomes a double in an
 * expression (an update refuses it); anything + double is double; anything + decimal is decimal.
 * $divide and $avg give a double, or a decimal when a decimal is involved.
 *
 * Decimal128 is computed exactly here, as a BigInt coefficient and a power-of-ten exponent,
 * rounded half-to-even to 34 significant digits like IEEE 754-2008 decimal128, so
 * 0.10 + 0.20 is 0.30 and keeps its trailing zero as mongod's does.
 */
import { Decimal128, Double, Long } from 'bson';
import { Codes, MongoError } from './errors.ts';
import type { NumberKind } from './numbers.ts';

/** A finite decimal: coefficient × 10^exponent. */
export interface Dec {
  c: bigint;
  e: number;
}

/** A number with its BSON type. */
export type TNum =
  | { k: 'int' | 'long'; i: bigint }
  | { k: 'double'; d: number }
  | { k: 'decimal'; m: Dec };

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DIGITS = 34;

function bsontype(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === 'string' ? t : undefined;
}

function isInt32Number(n: number): boolean {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 && !Object.is(n, -0);
}

/** The typed number a stored or computed value is, given the kind recorded for where it sits. */
export function typed(v: unknown, kind?: NumberKind): TNum | undefined {
  if (typeof v === 'number') {
    if (kind === 'long' && Number.isInteger(v)) return { k: 'long', i: BigInt(v) };
    if (kind === 'double' || !isInt32Number(v)) return { k: 'double', d: v };
    return { k: 'int', i: BigInt(v) };
  }
  if (typeof v === 'bigint') return { k: 'long', i: v };
  switch (bsontype(v)) {
    case 'Int32':
      return { k: 'int', i: BigInt((v as { value: number }).value) };
    case 'Double':
      return { k: 'double', d: (v as { value: number }).value };
    case 'Long':
      return { k: 'long', i: BigInt((v as Long).toString()) };
    case 'Decimal128': {
      const m = parseDec((v as Decimal128).toString());
      return m === undefined ? { k: 'double', d: Number((v as Decimal128).toString()) } : { k: 'decimal', m };
    }
    default:
      return undefined;
  }
}

export function isNumeric(v: unknown): boolean {
  return typed(v) !== undefined;
}

/** The value as pipelines carry it: int32 as a JS number, the others boxed when a JS number would lose the type. */
export function untyped(t: TNum): unknown {
  switch (t.k) {
    case 'int':
      return Number(t.i);
    case 'long':
      return Long.fromBigInt(t.i);
    case 'double':
      return isInt32Number(t.d) || Object.is(t.d, -0) ? new Double(t.d) : t.d;
    case 'decimal':
      return decimal128(t.m);
  }
}

/** The value as documents store it (see numbers.ts): a JS number and its kind, or a BSON object. */
export function stored(t: TNum): { value: unknown; kind?: NumberKind } {
  switch (t.k) {
    case 'int':
      return { value: Number(t.i) };
    case 'long': {
      const n = Number(t.i);
      return Number.isSafeInteger(n) ? { value: n, kind: 'long' } : { value: Long.fromBigInt(t.i) };
    }
    case 'double':
      return { value: t.d, kind: 'double' };
    case 'decimal':
      return { value: decimal128(t.m) };
  }
}

export function toJsNumber(t: TNum): number {
  switch (t.k) {
    case 'int':
    case 'long':
      return Number(t.i);
    case 'double':
      return t.d;
    case 'decimal':
      return Number(decString(t.m));
  }
}

// ---- decimal128 -------------------------------------------------------------------------------

export function parseDec(s: string): Dec | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  const c = BigInt(`${m[1] === '-' ? '-' : ''}${m[2] ?? ''}${frac}` || '0');
  return { c, e: Number(m[4] ?? 0) - frac.length };
}

function digits(c: bigint): number {
  return (c < 0n ? -c : c).toString().length;
}

/** Rounds half-to-even to at most 34 significant digits; `sticky` says digits already dropped were non-zero. */
function round34(c: bigint, e: number, sticky = false): Dec {
  const n = digits(c);
  if (n <= DIGITS) return { c, e };
  const drop = n - DIGITS;
  const p = 10n ** BigInt(drop);
  const neg = c < 0n;
  const a = neg ? -c : c;
  let q = a / p;
  const r = a % p;
  const half = p / 2n;
  if (r > half || (r === half && (sticky || q % 2n === 1n))) q += 1n;
  return round34(neg ? -q : q, e + drop);
}

function align(a: Dec, b: Dec): [bigint, bigint, number] {
  const e = Math.min(a.e, b.e);
  return [a.c * 10n ** BigInt(a.e - e), b.c * 10n ** BigInt(b.e - e), e];
}

export function decAdd(a: Dec, b: Dec): Dec {
  const [x, y, e] = align(a, b);
  return round34(x + y, e);
}

export function decMul(a: Dec, b: Dec): Dec {
  return round34(a.c * b.c, a.e + b.e);
}

export function decDiv(a: Dec, b: Dec): Dec {
  const ideal = a.e - b.e;
  if (a.c === 0n) return { c: 0n, e: ideal };
  const shift = Math.max(0, DIGITS + 1 + digits(b.c) - digits(a.c));
  const num = a.c * 10n ** BigInt(shift);
  let q = num / b.c;
  const rem = num % b.c;
  let e = ideal - shift;
  if (rem !== 0n) return round34(q, e, true);
  while (e < ideal && q % 10n === 0n) {
    q /= 10n;
    e += 1;
  }
  return round34(q, e);
}

export function decCompare(a: Dec, b: Dec): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Quantizes to `10^-place`, half to even ($round) or toward zero ($trunc). */
export function decRound(a: Dec, place: number, mode: 'even' | 'trunc'): Dec {
  const target = -place;
  if (a.e >= target) return { c: a.c * 10n ** BigInt(a.e - target), e: target };
  const p = 10n ** BigInt(target - a.e);
  const neg = a.c < 0n;
  const abs = neg ? -a.c : a.c;
  let q = abs / p;
  const r = abs % p;
  if (mode === 'even' && (r * 2n > p || (r * 2n === p && q % 2n === 1n))) q += 1n;
  return { c: neg ? -q : q, e: target };
}

export function decString(m: Dec): string {
  return decimal128(m).toString();
}

function decimal128(m: Dec): Decimal128 {
  return Decimal128.fromString(`${m.c}E${m.e}`);
}

/** mongod turns a double into a decimal with 15 significant digits. */
export function toDec(t: TNum): Dec {
  switch (t.k) {
    case 'int':
    case 'long':
      return { c: t.i, e: 0 };
    case 'double':
      return parseDec(t.d.toPrecision(15)) ?? { c: 0n, e: 0 };
    case 'decimal':
      return t.m;
  }
}

// ---- promotion --------------------------------------------------------------------------------

function integerResult(r: bigint, long: boolean, where: 'expression' | 'update', what: string): TNum {
  if (!long && r >= INT32_MIN && r <= INT32_MAX) return { k: 'int', i: r };
  if (r >= INT64_MIN && r <= INT64_MAX) return { k: 'long', i: r };
  if (where === 'update') {
    throw new MongoError(Codes.BadValue, `Failed to apply ${what}: the result ${r} does not fit in a 64-bit integer`);
  }
  return { k: 'double', d: Number(r) };
}

type Op = 'add' | 'subtract' | 'multiply';

/** a (op) b with mongod's type promotion. */
export function arith(op: Op, a: TNum, b: TNum, where: 'expression' | 'update' = 'expression'): TNum {
  if (a.k === 'decimal' || b.k === 'decimal') {
    const x = toDec(a);
    const y = toDec(b);
    if (op === 'add') return { k: 'decimal', m: decAdd(x, y) };
    if (op === 'subtract') return { k: 'decimal', m: decAdd(x, { c: -y.c, e: y.e }) };
    return { k: 'decimal', m: decMul(x, y) };
  }
  if (a.k === 'double' || b.k === 'double') {
    const x = toJsNumber(a);
    const y = toJsNumber(b);
    return { k: 'double', d: op === 'add' ? x + y : op === 'subtract' ? x - y : x * y };
  }
  const r = op === 'add' ? a.i + b.i : op === 'subtract' ? a.i - b.i : a.i * b.i;
  return integerResult(r, a.k === 'long' || b.k === 'long', where, `$${op === 'add' ? 'inc' : 'mul'}`);
}

/** $divide: a double, or a decimal when either side is one. */
export function divide(a: TNum, b: TNum): TNum {
  const zero = b.k === 'decimal' ? b.m.c === 0n : toJsNumber(b) === 0;
  if (zero) throw new MongoError(Codes.BadValue, "can't $divide by zero");
  if (a.k === 'decimal' || b.k === 'decimal') return { k: 'decimal', m: decDiv(toDec(a), toDec(b)) };
  return { k: 'double', d: toJsNumber(a) / toJsNumber(b) };
}

export function compareTyped(a: TNum, b: TNum): number {
  if ((a.k === 'decimal' || b.k === 'decimal') && a.k !== 'double' && b.k !== 'double') return decCompare(toDec(a), toDec(b));
  if ((a.k === 'int' || a.k === 'long') && (b.k === 'int' || b.k === 'long')) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  const x = toJsNumber(a);
  const y = toJsNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** $sum over values: non-numbers are ignored; the type is the widest seen, int overflowing to long, long to double. */
export function sumOf(values: readonly unknown[]): TNum {
  // Fast path: plain JS numbers (int32 or double) add as doubles while the total stays exact.
  let n = 0;
  let double = false;
  let plain = true;
  for (const v of values) {
    if (typeof v === 'number') {
      double ||= !isInt32Number(v);
      n += v;
    } else if (v !== null && typeof v === 'object') {
      plain = false;
      break;
    }
  }
  if (plain && double) return { k: 'double', d: n };
  if (plain && Number.isSafeInteger(n)) return n >= -2147483648 && n <= 2147483647 ? { k: 'int', i: BigInt(n) } : { k: 'long', i: BigInt(n) };
  let acc: TNum = { k: 'int', i: 0n };
  for (const v of values) {
    const t = typed(v);
    if (t !== undefined) acc = arith('add', acc, t);
  }
  return acc;
}

/** $avg: a double (a decimal if any value is one), null when no value is a number. */
export function avgOf(values: readonly unknown[]): TNum | null {
  if (values.every((v) => typeof v === 'number' || v === null || typeof v !== 'object')) {
    const nums = values.filter((v): v is number => typeof v === 'number');
    return nums.length === 0 ? null : { k: 'double', d: nums.reduce((a, b) => a + b, 0) / nums.length };
  }
  let count = 0;
  let acc: TNum = { k: 'int', i: 0n };
  for (const v of values) {
    const t = typed(v);
    if (t === undefined) continue;
    count += 1;
    acc = arith('add', acc, t.k === 'int' || t.k === 'long' ? { k: 'double', d: Number(t.i) } : t);
  }
  if (count === 0) return null;
  return divide(acc, { k: 'int', i: BigInt(count) });
}

export function absOf(t: TNum): TNum {
  switch (t.k) {
    case 'int':
    case 'long':
      return integerResult(t.i < 0n ? -t.i : t.i, t.k === 'long', 'expression', '$abs');
    case 'double':
      return { k: 'double', d: Math.abs(t.d) };
    case 'decimal':
      return { k: 'decimal', m: { c: t.m.c < 0n ? -t.m.c : t.m.c, e: t.m.e } };
  }
}

/** $round / $trunc to `place` digits; the type is kept. Doubles round half to even, as mongod's do. */
export function roundTo(t: TNum, place: number, mode: 'even' | 'trunc'): TNum {
  switch (t.k) {
    case 'decimal':
      return { k: 'decimal', m: decRound(t.m, place, mode) };
    case 'int':
    case 'long': {
      if (place >= 0) return t;
      const r = decRound({ c: t.i, e: 0 }, place, mode);
      return integerResult(r.c * 10n ** BigInt(r.e), t.k === 'long', 'expression', '$round');
    }
    case 'double': {
      if (!Number.isFinite(t.d)) return t;
      const m = parseDec(t.d.toPrecision(17));
      if (m === undefined) return t;
      return { k: 'double', d: Number(decString(decRound(m, place, mode))) };
    }
  }
}
