/** insert, find, getMore, killCursors, update, delete, findAndModify. */
import { Long, ObjectId, type Document } from 'bson';
import type { Ctx, Handler } from '../context.ts';
import { Codes, MongoError, fromMingo } from '../errors.ts';
import { applyOperators, matching, project, runFind, runPipeline, sortDocs, type QueryOptions } from '../query.ts';
import { copyMarks, kindAt, mark, rescan, unmark } from '../numbers.ts';
import type { Collection } from '../store.ts';
import { validate } from '../validation.ts';
import { clone, getPath, idFirst, isOperatorObject, isPlainObject, keyOf, render, setPath, toNumber, type Doc } from '../values.ts';

export function collName(cmd: Document, name: string): string {
  const v = cmd[name];
  if (typeof v !== 'string' || v.length === 0) {
    throw new MongoError(Codes.InvalidNamespace, `collection name has invalid type ${v === undefined ? 'missing' : typeof v}`);
  }
  return v;
}

function optDoc(cmd: Document, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new MongoError(Codes.TypeMismatch, `BSON field '${field}' is the wrong type '${Array.isArray(v) ? 'array' : typeof v}', expected type 'object'`);
  return v;
}

function optNumber(cmd: Document, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  const n = toNumber(v, Number.NaN);
  if (Number.isNaN(n)) throw new MongoError(Codes.TypeMismatch, `BSON field '${field}' is the wrong type '${typeof v}', expected types '[long, int, decimal, double']`);
  return n;
}

export function queryOptions(cmd: Document): QueryOptions {
  return { collation: optDoc(cmd, 'collation'), variables: optDoc(cmd, 'let') };
}

/** Reads go through this so TTL-expired documents are gone as soon as anyone looks. */
export function readable(ctx: Ctx, name: string): Collection | undefined {
  const live = ctx.server.store.get(ctx.db, name);
  if (live !== undefined && live.indexes.some((i) => i.expireAfterSeconds !== undefined)) {
    ctx.server.store.purgeExpired(Date.now(), live);
  }
  return ctx.catalog.get(ctx.db, name);
}

export function cursorReply(ctx: Ctx, ns: string, docs: Doc[], batchSize: number | undefined, single: boolean): Document {
  const { id, batch } = ctx.server.cursors.start(ns, docs, batchSize, single);
  return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
}

// ---------------------------------------------------------------- insert

function prepareInsert(raw: unknown): Doc {
  if (!isPlainObject(raw)) throw new MongoError(Codes.TypeMismatch, 'document to insert must be an object');
  let doc = raw;
  if (raw._id === undefined) {
    doc = { _id: new ObjectId(), ...raw };
    copyMarks(raw, doc);
  } else doc = idFirst(raw);
  if (Array.isArray(doc._id)) throw new MongoError(Codes.BadValue, "The '_id' value cannot be of type array");
  if (doc._id instanceof RegExp) throw new MongoError(Codes.BadValue, "can't use a regex for _id");
  return doc;
}

const insert: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'insert');
  const docs = cmd.documents;
  if (!Array.isArray(docs)) throw new MongoError(Codes.TypeMismatch, "BSON field 'insert.documents' is missing or not an array");
  const ordered = cmd.ordered !== false;
  const bypass = cmd.bypassDocumentValidation === true;
  const coll = ctx.catalog.getOrCreate(ctx.db, name);
  const writeErrors: Document[] = [];
  let n = 0;
  for (let i = 0; i < docs.length; i++) {
    try {
      const doc = prepareInsert(docs[i]);
      validate(coll, doc, undefined, bypass);
      ctx.catalog.insert(coll, doc);
      n += 1;
    } catch (err) {
      if (!(err instanceof MongoError)) throw err;
      if (err.code === Codes.WriteConflict) throw err;
      writeErrors.push(err.toWriteError(i));
      if (ordered) break;
    }
  }
  return writeReply({ n }, writeErrors);
};

function writeReply(body: Document, writeErrors: Document[]): Document {
  const reply: Document = { ...body };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}

// ---------------------------------------------------------------- find / getMore / killCursors

const find: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'find');
  const filter = optDoc(cmd, 'filter');
  const sort = optDoc(cmd, 'sort');
  const projection = optDoc(cmd, 'projection');
  const skip = optNumber(cmd, 'skip') ?? 0;
  let limit = optNumber(cmd, 'limit') ?? 0;
  const batchSize = optNumber(cmd, 'batchSize');
  if (skip < 0) throw new MongoError(Codes.BadValue, `Skip value must be non-negative, but received: ${skip}`);
  if (batchSize !== undefined && batchSize < 0) throw new MongoError(Codes.BadValue, `Batch size must be non-negative, but received: ${batchSize}`);
  let single = cmd.singleBatch === true;
  if (limit < 0) {
    // Legacy negative limit: return that many in one batch and close the cursor.
    limit = -limit;
    single = true;
  }
  if (cmd.tailable === true) throw new MongoError(Codes.BadValue, 'error processing query: tailable cursor requested on non capped collection');
  const coll = readable(ctx, name);
  const opts = queryOptions(cmd);
  const candidates = matching(coll, filter, opts).map(([, d]) => d);
  const docs = runFind(candidates, { sort, projection, skip, limit, matchedBy: filter }, opts);
  const first = single && limit > 0 ? Math.min(limit, batchSize ?? limit) : limit > 0 && batchSize === undefined ? Math.min(limit, 101) : batchSize;
  return cursorReply(ctx, `${ctx.db}.${name}`, docs, first, single);
};

const getMore: Handler = (cmd, ctx) => {
  const raw = cmd.getMore;
  const id = raw instanceof Long ? raw : Long.fromNumber(toNumber(raw));
  const name = collName(cmd, 'collection');
  const batchSize = optNumber(cmd, 'batchSize');
  const ns = `${ctx.db}.${name}`;
  const next = ctx.server.cursors.next(id, ns, batchSize);
  return { cursor: { nextBatch: next.batch, id: next.id, ns }, ok: 1 };
};

const killCursors: Handler = (cmd, ctx) => {
  const ids = Array.isArray(cmd.cursors) ? cmd.cursors : [];
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const raw of ids) {
    const id = raw instanceof Long ? raw : Long.fromNumber(toNumber(raw));
    (ctx.server.cursors.kill(id) ? killed : notFound).push(id);
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

// ---------------------------------------------------------------- update machinery

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

/** Gives numbers written by an update the BSON type they were sent with (see numbers.ts). */
function carryMarks(doc: Doc, ops: Doc): void {
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
      else if (op === '$set') {
        if (sent !== undefined) mark(container, last, sent);
        else unmark(container, last);
      } else if (sent === 'double') mark(container, last, 'double');
    }
  }
  rescan(doc);
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
    const ops = stripSetOnInsert(u, inserting);
    if (Object.keys(ops).length === 0) return undefined;
    // mingo re-checks the filter before updating (and uses it for positional `$`); a seeded upsert
    // document need not match range conditions such as { rating: { $gt: 3 } }.
    const changed = applyOperators(next, ops, arrayFilters, inserting ? {} : filter);
    if (changed.length === 0 && !inserting) return undefined;
    carryMarks(next, ops);
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
    validate(coll, next, old, a.bypass);
    ctx.catalog.replace(coll, idKey, next);
    out.modified += 1;
    if (out.after === undefined) out.after = next;
  }
  return out;
}

const update: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'update');
  const updates = cmd.updates;
  if (!Array.isArray(updates)) throw new MongoError(Codes.TypeMismatch, "BSON field 'update.updates' is missing or not an array");
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  const upserted: Document[] = [];
  let n = 0;
  let nModified = 0;
  for (let i = 0; i < updates.length; i++) {
    const st = updates[i] as Doc;
    try {
      if (!isPlainObject(st)) throw new MongoError(Codes.TypeMismatch, 'update statement must be an object');
      const res = performUpdate(ctx, name, {
        filter: optDoc(st, 'q'),
        update: st.u,
        multi: st.multi === true,
        upsert: st.upsert === true,
        arrayFilters: Array.isArray(st.arrayFilters) ? (st.arrayFilters as Doc[]) : undefined,
        sort: optDoc(st, 'sort'),
        bypass: cmd.bypassDocumentValidation === true,
        opts: { collation: optDoc(st, 'collation'), variables: optDoc(cmd, 'let') },
      });
      n += res.matched;
      nModified += res.modified;
      if (res.upsertedId !== undefined) {
        n += 1;
        upserted.push({ index: i, _id: res.upsertedId });
      }
    } catch (err) {
      if (!(err instanceof MongoError)) throw fromMingo(err, 'update');
      if (err.code === Codes.WriteConflict) throw err;
      writeErrors.push(err.toWriteError(i));
      if (ordered) break;
    }
  }
  const body: Document = { n, nModified };
  if (upserted.length > 0) body.upserted = upserted;
  return writeReply(body, writeErrors);
};

// ---------------------------------------------------------------- delete

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
  for (const [idKey] of targets) ctx.catalog.remove(coll, idKey);
  return targets.map(([, d]) => d);
}

const del: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'delete');
  const deletes = cmd.deletes;
  if (!Array.isArray(deletes)) throw new MongoError(Codes.TypeMismatch, "BSON field 'delete.deletes' is missing or not an array");
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  let n = 0;
  for (let i = 0; i < deletes.length; i++) {
    const st = deletes[i] as Doc;
    try {
      if (!isPlainObject(st)) throw new MongoError(Codes.TypeMismatch, 'delete statement must be an object');
      const limit = toNumber(st.limit, 0);
      if (limit !== 0 && limit !== 1) throw new MongoError(Codes.FailedToParse, `The limit field in delete objects must be 0 or 1. Got ${limit}`);
      n += performDelete(ctx, name, optDoc(st, 'q'), limit, { collation: optDoc(st, 'collation'), variables: optDoc(cmd, 'let') }).length;
    } catch (err) {
      if (!(err instanceof MongoError)) throw fromMingo(err, 'query');
      if (err.code === Codes.WriteConflict) throw err;
      writeErrors.push(err.toWriteError(i));
      if (ordered) break;
    }
  }
  return writeReply({ n }, writeErrors);
};

// ---------------------------------------------------------------- findAndModify

const findAndModify: Handler = (cmd, ctx) => {
  const name = typeof cmd.findAndModify === 'string' ? collName(cmd, 'findAndModify') : collName(cmd, 'findandmodify');
  const filter = optDoc(cmd, 'query');
  const sort = optDoc(cmd, 'sort');
  const fields = optDoc(cmd, 'fields');
  const opts = queryOptions(cmd);
  const remove = cmd.remove === true;
  if (remove && cmd.update !== undefined) throw new MongoError(Codes.FailedToParse, 'Cannot specify both an update and remove=true');
  if (!remove && cmd.update === undefined) throw new MongoError(Codes.FailedToParse, 'Either an update or remove=true must be specified');
  if (remove && cmd.upsert === true) throw new MongoError(Codes.FailedToParse, 'Cannot specify both upsert=true and remove=true');
  if (remove && cmd.new === true) throw new MongoError(Codes.FailedToParse, 'Cannot specify both new=true and remove=true; \'remove\' always returns the deleted document');
  const shape = (d: Doc | undefined): Doc | null => (d === undefined ? null : (project([d], fields)[0] ?? null));
  if (remove) {
    const removed = performDelete(ctx, name, filter, 1, opts, sort);
    return { lastErrorObject: { n: removed.length }, value: shape(removed[0]), ok: 1 };
  }
  const res = performUpdate(ctx, name, {
    filter,
    update: cmd.update,
    multi: false,
    upsert: cmd.upsert === true,
    arrayFilters: Array.isArray(cmd.arrayFilters) ? (cmd.arrayFilters as Doc[]) : undefined,
    sort,
    bypass: cmd.bypassDocumentValidation === true,
    opts,
  });
  const lastErrorObject: Document = { n: res.matched + (res.upsertedId !== undefined ? 1 : 0), updatedExisting: res.matched > 0 };
  if (res.upsertedId !== undefined) lastErrorObject.upserted = res.upsertedId;
  const value = cmd.new === true ? res.after : res.upsertedId !== undefined ? undefined : res.before;
  return { lastErrorObject, value: shape(value), ok: 1 };
};

export const crudCommands: Record<string, Handler> = {
  insert,
  find,
  getMore,
  killCursors,
  update,
  delete: del,
  findAndModify,
  findandmodify: findAndModify,
};
