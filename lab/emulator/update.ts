/**
 * Update and delete semantics shared by update, delete and findAndModify: mongod's checks on the
 * update document, upserts seeded from the filter, and the new document computed with mingo.
 */
import { ObjectId, Timestamp, calculateObjectSize } from 'bson';
import { arith, stored, typed, type TNum } from './arithmetic.ts';
import type { Ctx } from './context.ts';
import { Codes, MongoError } from './errors.ts';
import { copyMarks, kindAt, mark, rescan, unmark } from './numbers.ts';
import { applyOperators, matching, runPipeline, sortDocs, type QueryOptions } from './query.ts';
import { validate } from './validation.ts';
import { MAX_BSON_SIZE } from './wire.ts';
import { clone, getPath, idFirst, isOperatorObject, isPlainObject, keyOf, render, setPath, type Doc } from './values.ts';

type UpdateSpec = Doc | Doc[];

/** Splits an operator update into the part mingo applies and $setOnInsert, after mongod's checks. */
function checkOperators(u: Doc): void {
  const paths: string[] = [];
  for (const [op, arg] of Object.entries(u)) {
    if (!op.startsWith('$')) {
      throw new MongoError(Codes.FailedToParse, `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isPlainObject(arg)) {
      throw new MongoError(Codes.FailedToParse, `Modifiers operate on fields but we found type ${Array.isArray(arg) ? 'array' : typeof arg} instead. For example: {$mod: {<field>: ...}} not {${op}: ${render(arg)}}`);
    }
    for (const [path, v] of Object.entries(arg)) {
      paths.push(path);
      if (op === '$rename' && v === path) throw new MongoError(Codes.BadValue, `The source and target field for $rename must differ: ${path}: ${render(v)}`);
      if (op === '$rename' && typeof v === 'string') paths.push(v);
    }
  }
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as string;
    const b = sorted[i] as string;
    if (a === b || b.startsWith(`${a}.`)) {
      throw new MongoError(Codes.ConflictingUpdateOperators, `Updating the path '${b}' would create a conflict at '${a}'`);
    }
  }
}

function isPipeline(u: UpdateSpec): u is Doc[] {
  return Array.isArray(u);
}

function isOperatorUpdate(u: Doc): boolean {
  const keys = Object.keys(u);
  return keys.length > 0 && (keys[0] as string).startsWith('$');
}

function checkReplacement(u: Doc): void {
  for (const k of Object.keys(u)) {
    if (k.startsWith('$')) {
      throw new MongoError(Codes.DollarPrefixedFieldName, `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`);
    }
  }
}

/** Validates the update document once, before any document is touched. */
function checkUpdateSpec(u: unknown): UpdateSpec {
  if (Array.isArray(u)) {
    for (const stage of u) if (!isPlainObject(stage)) throw new MongoError(Codes.FailedToParse, 'Each element of the update pipeline must be an object');
    return u as Doc[];
  }
  if (!isPlainObject(u)) throw new MongoError(Codes.FailedToParse, 'Update argument must be either an object or an array');
  if (isOperatorUpdate(u)) checkOperators(u);
  else checkReplacement(u);
  return u;
}

function isNumeric(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || (v !== null && typeof v === 'object' && ['Long', 'Decimal128', 'Int32', 'Double'].includes(String((v as { _bsontype?: string })._bsontype)));
}

/** mongod's TypeMismatch checks for $inc/$mul, which mingo does not make. */
function checkArithmetic(doc: Doc, u: Doc): void {
  for (const op of ['$inc', '$mul']) {
    const arg = u[op];
    if (!isPlainObject(arg)) continue;
    for (const [path, by] of Object.entries(arg)) {
      if (!isNumeric(by)) {
        throw new MongoError(Codes.TypeMismatch, `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${render(by)}}`);
      }
      if (path.includes('$')) continue;
      const current = getPath(doc, path);
      if (current !== undefined && !isNumeric(current)) {
        throw new MongoError(Codes.TypeMismatch, `Cannot apply ${op} to a value of non-numeric type. {_id: ${render(doc._id)}} has the field '${path.split('.').pop() as string}' of non-numeric type ${Array.isArray(current) ? 'array' : current === null ? 'null' : typeof current === 'object' ? 'object' : typeof current}`);
      }
    }
  }
}

/** `$set: { _id: <the same value> }` is allowed by mongod; mingo refuses any $set of _id. */
function sameIdIsNoOp(old: Doc, u: Doc): Doc {
  const set = u.$set;
  if (!isPlainObject(set) || !('_id' in set) || keyOf(set._id) !== keyOf(old._id)) return u;
  const { _id: _same, ...rest } = set;
  copyMarks(set, rest);
  return { ...u, $set: rest };
}

/** mongod refuses to create a field inside a value that is not a document (PathNotViable, 28). */
function checkPaths(doc: Doc, u: Doc): void {
  for (const op of ['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max', '$push', '$addToSet', '$currentDate']) {
    const arg = u[op];
    if (!isPlainObject(arg)) continue;
    for (const path of Object.keys(arg)) {
      if (path.includes('$')) continue;
      const parts = path.split('.');
      let cur: unknown = doc;
      for (let i = 0; i < parts.length - 1; i++) {
        const part = parts[i] as string;
        const next: unknown = Array.isArray(cur) ? (/^\d+$/.test(part) ? cur[Number(part)] : undefined) : (cur as Doc)[part];
        if (next === undefined || next === null) break;
        if (typeof next !== 'object' || next instanceof Date || (!Array.isArray(next) && !isPlainObject(next)) || (Array.isArray(next) && !/^\d+$/.test(parts[i + 1] as string))) {
          throw new MongoError(Codes.PathNotViable, `Cannot create field '${parts[i + 1] as string}' in element {${part}: ${render(next)}}`);
        }
        cur = next;
      }
    }
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Date) return 'date';
  if (Array.isArray(v)) return 'array';
  if (isPlainObject(v)) return 'object';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'double') : typeof v;
}

/** True when some prefix of `path` in `doc` is an array (so the path goes through an array element). */
function crossesArray(doc: Doc, path: string): string | undefined {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[parts[i] as string];
    if (Array.isArray(cur)) return parts.slice(0, i + 1).join('.');
  }
  return undefined;
}

/** mongod's checks on the paths of an operator update that mingo does not make. */
function checkUpdatePaths(doc: Doc, u: Doc): void {
  for (const [op, arg] of Object.entries(u)) {
    if (!isPlainObject(arg)) continue;
    for (const [path, v] of Object.entries(arg)) {
      if (path.split('.').some((p) => p === '')) {
        throw new MongoError(Codes.EmptyFieldName, `The update path '${path}' contains an empty field name, which is not allowed.`);
      }
      if (op === '$rename' && typeof v === 'string') {
        if (v === path) throw new MongoError(Codes.BadValue, `The source and target field for $rename must differ: ${path}: ${render(v)}`);
        const viaSource = crossesArray(doc, path);
        if (viaSource !== undefined) throw new MongoError(Codes.BadValue, `The source field cannot be an array element, '${path}' in doc with _id: ${render(doc._id)} has an array field called '${viaSource}'`);
        const viaTarget = crossesArray(doc, v);
        if (viaTarget !== undefined) throw new MongoError(Codes.BadValue, `The destination field cannot be an array element, '${v}' in doc with _id: ${render(doc._id)} has an array field called '${viaTarget}'`);
      }
      if ((op === '$pop' || op === '$pull' || op === '$pullAll') && !path.includes('$')) {
        const cur = getPath(doc, path);
        if (cur === undefined || Array.isArray(cur)) continue;
        if (op === '$pop') throw new MongoError(Codes.TypeMismatch, `Path '${path}' contains an element of non-array type '${typeName(cur)}'`);
        throw new MongoError(Codes.BadValue, `Cannot apply ${op} to a non-array value`);
      }
    }
  }
}

/** mongod refuses $push / $addToSet on a field that holds something other than an array (2 BadValue); mingo skips it. */
function checkArrayTargets(doc: Doc, u: Doc): void {
  checkUpdatePaths(doc, u);
  for (const op of ['$push', '$addToSet']) {
    const arg = u[op];
    if (!isPlainObject(arg)) continue;
    for (const path of Object.keys(arg)) {
      if (path.includes('$')) continue;
      const cur = getPath(doc, path);
      if (cur === undefined || Array.isArray(cur)) continue;
      const type = cur === null ? 'null' : cur instanceof Date ? 'date' : isPlainObject(cur) ? 'object' : typeof cur;
      if (op === '$push') {
        throw new MongoError(Codes.BadValue, `The field '${path}' must be an array but is of type ${type} in document {_id: ${render(doc._id)}}`);
      }
      throw new MongoError(Codes.BadValue, `Cannot apply $addToSet to non-array field. Field named '${path.split('.').pop() as string}' has non-array type ${type}`);
    }
  }
}

/**
 * $addToSet on plain paths, done here because mongod compares embedded documents field by field
 * in order ({a:1,b:2} is not {b:2,a:1}) and mingo ignores field order. Returns the operators left
 * for mingo and how many fields changed.
 */
function applyAddToSet(next: Doc, ops: Doc): { rest: Doc; changed: number } {
  const arg = ops.$addToSet;
  if (!isPlainObject(arg)) return { rest: ops, changed: 0 };
  const left: Doc = {};
  let changed = 0;
  for (const [path, v] of Object.entries(arg)) {
    if (path.includes('$')) {
      left[path] = v;
      continue;
    }
    const values = isPlainObject(v) && '$each' in v && Array.isArray(v.$each) ? (v.$each as unknown[]) : [v];
    const cur = getPath(next, path);
    const target: unknown[] = Array.isArray(cur) ? cur : [];
    const seen = new Set(target.map(keyOf));
    let added = false;
    for (const value of values) {
      const k = keyOf(value);
      if (seen.has(k)) continue;
      seen.add(k);
      target.push(clone(value));
      added = true;
    }
    if (!Array.isArray(cur)) {
      setPath(next, path, target);
      added = true;
    }
    if (added) changed += 1;
  }
  const rest: Doc = { ...ops };
  if (Object.keys(left).length > 0) rest.$addToSet = left;
  else delete rest.$addToSet;
  return { rest, changed };
}

/**
 * mongod's checks on arrayFilters for an operator update: every filter names exactly one
 * identifier, every identifier is used by some `$[id]` in the update (else 9 FailedToParse), and
 * every `$[id]` has a filter (else 2 BadValue).
 */
function checkArrayFilters(u: UpdateSpec, arrayFilters: Doc[] | undefined): void {
  if (arrayFilters === undefined) return;
  if (isPipeline(u)) throw new MongoError(Codes.InvalidOptions, 'arrayFilters may not be specified for pipeline-style updates');
  const used = new Set<string>();
  const paths: string[] = [];
  for (const arg of Object.values(u)) {
    if (!isPlainObject(arg)) continue;
    for (const path of Object.keys(arg)) {
      paths.push(path);
      for (const m of path.matchAll(/\$\[(\w+)\]/g)) used.add(m[1] as string);
    }
  }
  const declared = new Set<string>();
  for (const f of arrayFilters) {
    if (!isPlainObject(f)) throw new MongoError(Codes.TypeMismatch, 'arrayFilters must be an array of objects');
    const ids = new Set(Object.keys(f).filter((k) => !k.startsWith('$')).map((k) => k.split('.')[0] as string));
    if (ids.size !== 1) throw new MongoError(Codes.FailedToParse, `Error parsing array filter :: caused by :: Expected a single top-level field name, found ${ids.size === 0 ? 'none' : `'${[...ids].join("' and '")}'`}`);
    const id = [...ids][0] as string;
    if (declared.has(id)) throw new MongoError(Codes.FailedToParse, `Found multiple array filters with the same top-level field name ${id}`);
    declared.add(id);
  }
  for (const id of declared) {
    if (!used.has(id)) throw new MongoError(Codes.FailedToParse, `The array filter for identifier '${id}' was not used in the update ${render(u)}`);
  }
  for (const id of used) {
    if (!declared.has(id)) {
      const path = paths.find((p) => p.includes(`$[${id}]`)) ?? '';
      throw new MongoError(Codes.BadValue, `No array filter found for identifier '${id}' in path '${path}'`);
    }
  }
}

/** Gives numbers written by an update the BSON type they were sent with (see numbers.ts). */
function carryMarks(doc: Doc, ops: Doc, old: Doc): void {
  for (const op of ['$set', '$inc', '$mul', '$min', '$max']) {
    const arg = ops[op];
    if (!isPlainObject(arg)) continue;
    for (const path of Object.keys(arg)) {
      if (path.includes('$')) continue;
      const parts = path.split('.');
      const last = parts.pop() as string;
      let container: unknown = doc;
      for (const p of parts) container = isPlainObject(container) || Array.isArray(container) ? (container as Record<string, unknown>)[p] : undefined;
      if (container === null || typeof container !== 'object') continue;
      const value = (container as Record<string, unknown>)[last];
      const sent = kindAt(arg, path);
      if (typeof value !== 'number') unmark(container, last);
      else if (op === '$set' || ((op === '$min' || op === '$max') && value !== getPath(old, path))) {
        // $set, and a $min/$max that replaced the value, store the number with the type it was sent with.
        if (sent !== undefined) mark(container, last, sent);
        else unmark(container, last);
      } else if (sent === 'double') mark(container, last, 'double');
    }
  }
  rescan(doc);
}

/** The container and last key of a path that runs through documents (or array indexes) only. */
function plainTarget(doc: Doc, path: string): { container: Record<string, unknown> | undefined; key: string } | undefined {
  if (path.includes('$')) return undefined;
  const parts = path.split('.');
  const key = parts.pop() as string;
  let cur: unknown = doc;
  for (const part of parts) {
    if (Array.isArray(cur) && !/^\d+$/.test(part)) return undefined;
    if (cur === null || typeof cur !== 'object') return { container: undefined, key };
    cur = (cur as Record<string, unknown>)[part];
  }
  if (Array.isArray(cur) && !/^\d+$/.test(key)) return undefined;
  return { container: cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>) : undefined, key };
}

/** Stands in for a positional $inc/$mul ($, $[], $[id]) while mingo finds the elements; settled afterwards. */
class PendingArithmetic {
  constructor(readonly op: '$inc' | '$mul', readonly by: TNum) {}
}

function applyTyped(op: '$inc' | '$mul', current: TNum | undefined, by: TNum): TNum {
  if (op === '$inc') return current === undefined ? by : arith('add', current, by, 'update');
  if (current !== undefined) return arith('multiply', current, by, 'update');
  // mongod: $mul on a missing field sets it to zero of the multiplier's type.
  return by.k === 'double' ? { k: 'double', d: 0 } : by.k === 'decimal' ? { k: 'decimal', m: { c: 0n, e: 0 } } : { k: by.k, i: 0n };
}

/** Replaces each PendingArithmetic left in `next` with the result computed from the value at the same place in `old`. */
function settlePending(next: unknown, old: unknown): void {
  if (next === null || typeof next !== 'object') return;
  if (!Array.isArray(next) && !isPlainObject(next)) return;
  const container = next as Record<string, unknown>;
  for (const key of Object.keys(container)) {
    const value = container[key];
    const before = old !== null && typeof old === 'object' ? (old as Record<string, unknown>)[key] : undefined;
    if (value instanceof PendingArithmetic) {
      const current = before === undefined ? undefined : typed(before, kindAt(old, key));
      if (before !== undefined && current === undefined) {
        throw new MongoError(Codes.TypeMismatch, `Cannot apply ${value.op} to a value of non-numeric type. The field '${key}' has the non-numeric value ${render(before)}`);
      }
      const result = stored(applyTyped(value.op, current, value.by));
      container[key] = result.value;
      if (result.kind !== undefined) mark(container, key, result.kind);
      else unmark(container, key);
    } else settlePending(value, before);
  }
}

let timestampIncrement = 0;

/** mongod's Timestamp for $currentDate: seconds since the epoch and an increment within the second. */
function nextTimestamp(): Timestamp {
  timestampIncrement = (timestampIncrement % 0x7fffffff) + 1;
  return new Timestamp({ t: Math.floor(Date.now() / 1000), i: timestampIncrement });
}

/**
 * $inc and $mul with mongod's numeric types (int32 overflowing to long, Decimal128, Long), and
 * $currentDate as a Timestamp: computed here and handed to mingo as a typed $set.
 * Positional paths ($, $[], $[id]) stay with mingo.
 */
function typedArithmetic(doc: Doc, ops: Doc): Doc {
  const set: Doc = isPlainObject(ops.$set) ? { ...ops.$set } : {};
  copyMarks(ops.$set, set);
  const out: Doc = { ...ops };
  let moved = false;
  for (const op of ['$inc', '$mul'] as const) {
    const arg = ops[op];
    if (!isPlainObject(arg)) continue;
    const rest: Doc = {};
    for (const [path, raw] of Object.entries(arg)) {
      const target = plainTarget(doc, path);
      const by = typed(raw, kindAt(arg, path));
      if (target === undefined && by !== undefined && path.includes('$')) {
        set[path] = new PendingArithmetic(op, by);
        moved = true;
        continue;
      }
      if (target === undefined || by === undefined) {
        rest[path] = raw;
        copyMarks(arg, rest, [path]);
        continue;
      }
      const current = target.container?.[target.key];
      const cur = current === undefined ? undefined : typed(current, kindAt(target.container, target.key));
      const { value, kind } = stored(applyTyped(op, cur, by));
      set[path] = value;
      if (kind !== undefined) mark(set, path, kind);
      moved = true;
    }
    if (Object.keys(rest).length > 0) out[op] = rest;
    else delete out[op];
  }
  const dates = ops.$currentDate;
  if (isPlainObject(dates)) {
    const rest: Doc = {};
    for (const [path, spec] of Object.entries(dates)) {
      if (isPlainObject(spec) && spec.$type === 'timestamp' && plainTarget(doc, path) !== undefined) {
        set[path] = nextTimestamp();
        moved = true;
      } else rest[path] = spec;
    }
    if (Object.keys(rest).length > 0) out.$currentDate = rest;
    else delete out.$currentDate;
  }
  if (!moved) return ops;
  out.$set = set;
  return out;
}

function stripSetOnInsert(u: Doc, inserting: boolean): Doc {
  if (!('$setOnInsert' in u)) return u;
  const { $setOnInsert, ...rest } = u;
  if (!inserting) return rest;
  const merged: Doc = { ...((rest.$set as Doc | undefined) ?? {}), ...($setOnInsert as Doc) };
  copyMarks(rest.$set, merged);
  copyMarks($setOnInsert, merged);
  return { ...rest, $set: merged };
}

/**
 * Computes the new version of `old` (never mutating it). Returns undefined when nothing changed.
 */
export function modify(old: Doc, u: UpdateSpec, arrayFilters: Doc[] | undefined, filter: Doc | undefined, inserting: boolean, resolver: (n: string) => Doc[]): Doc | undefined {
  let next: Doc;
  if (isPipeline(u)) {
    const out = runPipeline([old], u, resolver);
    next = out[0] ?? {};
    if (!('_id' in next) && '_id' in old) next = { _id: old._id, ...next };
  } else if (isOperatorUpdate(u)) {
    next = clone(old);
    checkArithmetic(old, u);
    checkPaths(old, u);
    checkArrayTargets(old, u);
    const all = typedArithmetic(next, stripSetOnInsert(sameIdIsNoOp(old, u), inserting));
    if (Object.keys(all).length === 0) return undefined;
    const { rest: ops, changed: ownChanges } = applyAddToSet(next, all);
    // mingo re-checks the filter before updating (and uses it for positional `$`); a seeded upsert
    // document need not match range conditions such as { rating: { $gt: 3 } }.
    const changed = Object.keys(ops).length > 0 ? applyOperators(next, ops, arrayFilters, inserting ? {} : filter) : [];
    settlePending(next, old);
    if (changed.length === 0 && ownChanges === 0 && !inserting) return undefined;
    carryMarks(next, ops, old);
  } else {
    next = '_id' in old ? { _id: old._id, ...u } : { ...u };
    copyMarks(u, next);
    if ('_id' in u && '_id' in old && keyOf(u._id) !== keyOf(old._id)) {
      throw new MongoError(Codes.ImmutableField, `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${render(u._id)}`);
    }
    next = idFirst(clone(next));
  }
  if (!inserting && '_id' in old && keyOf(next._id) !== keyOf(old._id)) {
    throw new MongoError(Codes.ImmutableField, "Performing an update on the path '_id' would modify the immutable field '_id'");
  }
  if (!inserting && keyOf(next) === keyOf(old)) return undefined;
  return next;
}

/** The document an upsert starts from: the equality fields of the filter. */
function upsertSeed(filter: Doc | undefined): Doc {
  const seed: Doc = {};
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const sub of v) if (isPlainObject(sub)) visit(sub);
        continue;
      }
      if (k.startsWith('$')) continue;
      if (isOperatorObject(v)) {
        if ('$eq' in v) setPath(seed, k, clone(v.$eq));
        continue;
      }
      if (v instanceof RegExp) continue;
      setPath(seed, k, clone(v));
    }
  };
  if (filter !== undefined) visit(filter);
  return seed;
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  before?: Doc;
  after?: Doc;
}

export interface UpdateArgs {
  filter: Doc | undefined;
  update: unknown;
  multi: boolean;
  upsert: boolean;
  arrayFilters?: Doc[];
  sort?: Doc;
  bypass: boolean;
  opts: QueryOptions;
}

export function performUpdate(ctx: Ctx, name: string, a: UpdateArgs): UpdateOutcome {
  const u = checkUpdateSpec(a.update);
  checkArrayFilters(u, a.arrayFilters);
  if (a.multi && !isPipeline(u) && !isOperatorUpdate(u)) {
    throw new MongoError(Codes.FailedToParse, 'multi update is not supported for replacement-style update');
  }
  const resolver = (n: string): Doc[] => ctx.catalog.get(ctx.db, n)?.all() ?? [];
  let coll = ctx.catalog.get(ctx.db, name);
  let targets = matching(coll, a.filter, a.opts);
  if (a.sort !== undefined && Object.keys(a.sort).length > 0 && targets.length > 1) {
    const order = sortDocs(targets.map(([, d]) => d), a.sort);
    const byDoc = new Map(targets.map(([k, d]) => [d, k] as const));
    targets = order.map((d) => [byDoc.get(d) as string, d]);
  }
  if (!a.multi) targets = targets.slice(0, 1);
  // A multi-document write waits for transactions' locks before changing anything (see Store.checkWritable).
  if (coll !== undefined && targets.length > 1) ctx.catalog.checkWritable?.(coll, targets.map(([k]) => k));
  const out: UpdateOutcome = { matched: 0, modified: 0 };
  if (targets.length === 0) {
    if (!a.upsert) return out;
    coll = ctx.catalog.getOrCreate(ctx.db, name);
    const seed = upsertSeed(a.filter);
    let doc: Doc;
    if (isPipeline(u) || isOperatorUpdate(u)) {
      doc = modify(seed, u, a.arrayFilters, a.filter, true, resolver) ?? seed;
    } else {
      doc = { ...('_id' in seed ? { _id: seed._id } : {}), ...clone(u) };
    }
    if (doc._id === undefined) doc = { _id: new ObjectId(), ...doc };
    doc = idFirst(doc);
    checkSize(doc);
    validate(coll, doc, undefined, a.bypass);
    ctx.catalog.insert(coll, doc);
    out.upsertedId = doc._id;
    out.after = doc;
    return out;
  }
  if (coll === undefined) return out;
  for (const [idKey, old] of targets) {
    out.matched += 1;
    if (out.before === undefined) out.before = old;
    const next = modify(old, u, a.arrayFilters, a.filter, false, resolver);
    if (next === undefined) {
      if (out.after === undefined) out.after = old;
      continue;
    }
    checkSize(next);
    validate(coll, next, old, a.bypass);
    ctx.catalog.replace(coll, idKey, next);
    out.modified += 1;
    if (out.after === undefined) out.after = next;
  }
  return out;
}

/** mongod refuses an update whose result would pass the 16 MB document limit (code 17419, "Location17419"). */
function checkSize(doc: Doc): void {
  if (calculateObjectSize(doc) > MAX_BSON_SIZE) {
    throw new MongoError(17419, `Resulting document after update is larger than ${MAX_BSON_SIZE}`);
  }
}

export function performDelete(ctx: Ctx, name: string, filter: Doc | undefined, limit: number, opts: QueryOptions, sort?: Doc): Doc[] {
  const coll = ctx.catalog.get(ctx.db, name);
  let targets = matching(coll, filter, opts);
  if (sort !== undefined && Object.keys(sort).length > 0 && targets.length > 1) {
    const order = sortDocs(targets.map(([, d]) => d), sort);
    const byDoc = new Map(targets.map(([k, d]) => [d, k] as const));
    targets = order.map((d) => [byDoc.get(d) as string, d]);
  }
  if (limit === 1) targets = targets.slice(0, 1);
  if (coll === undefined) return [];
  if (targets.length > 1) ctx.catalog.checkWritable?.(coll, targets.map(([k]) => k));
  for (const [idKey] of targets) ctx.catalog.remove(coll, idKey);
  return targets.map(([, d]) => d);
}
