/**
 * Memory limits on single expressions and accumulators, as mongod applies them (error 146
 * ExceededMemoryLimit): $range, $push and $addToSet past 100 MiB, and the emulator's own ceiling for
 * one operation's in-memory state, where mongod would spill to disk (guard.ts has the figures).
 */
import { calculateObjectSize } from 'bson';
import { evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import type { Options } from 'mingo/types';
import { bsonCompare, numericValue, typeRank } from './compare.ts';
import { Codes, MongoError } from './errors.ts';
import { MEMORY_LIMIT_BYTES, OPERATION_MEMORY_BYTES } from './guard.ts';
import { isPlainObject, type Doc } from './values.ts';

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
export const $range: ExprOp = (obj, expr, opts) => {
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
export const $switch: ExprOp = (obj, expr, opts) => {
  if (isPlainObject(expr) && !('default' in expr) && Array.isArray(expr.branches)) {
    const hit = (expr.branches as Doc[]).some((b) => isPlainObject(b) && truthy(evalExpr(obj, b.case, opts as Options)));
    if (!hit) throw new MongoError(Codes.Location40066, '$switch could not find a matching branch for an input, and no default was specified.');
  }
  return (expressionOperators.$switch as unknown as ExprOp)(obj, expr, opts);
};

/** $push / $addToSet in $group fail with 146 past 100 MiB, as in mongod. */
export function limitedAccumulator(name: '$push' | '$addToSet', inner?: unknown): AccOp {
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
