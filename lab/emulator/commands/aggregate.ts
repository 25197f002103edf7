/** aggregate (with $out/$merge handled here, the rest by mingo), count, distinct. */
import type { Document } from 'bson';
import type { Ctx, Handler } from '../context.ts';
import { Codes, MongoError, notEmulated } from '../errors.ts';
import { matching, matchingAsync, resolverFor } from '../query.ts';
import { checkGroups, runPipelineAsync } from '../pipeline.ts';
import { isPlainObject, keyOf, toNumber, valuesAtPath, type Doc } from '../values.ts';
import { collName, cursorReply, queryOptions, readable } from './common.ts';
import { explainDoc } from './explain.ts';
import { choosePlan, runPlanAsync } from '../planner.ts';
import { compare } from 'mingo/util';
import { bsonCompare } from '../compare.ts';
import { ObjectId, calculateObjectSize } from 'bson';

const UNSUPPORTED_STAGES: Record<string, string> = {
  $changeStream: 'Change streams ($changeStream / watch())',
  $currentOp: 'The $currentOp stage',
  $listSessions: 'The $listSessions stage',
  $listLocalSessions: 'The $listLocalSessions stage',
  $planCacheStats: 'The $planCacheStats stage',
  $search: 'Atlas Search ($search)',
  $searchMeta: 'Atlas Search ($searchMeta)',
  $vectorSearch: 'Atlas Vector Search ($vectorSearch)',
  $geoNear: 'The $geoNear stage',
};

/** mongod's argument checks for common stages (mingo accepts these silently or reports them differently). */
function checkStage(name: string, arg: unknown): void {
  const num = typeof arg === 'number' ? arg : typeof arg === 'object' && arg !== null && 'valueOf' in arg ? Number((arg as { valueOf(): unknown }).valueOf()) : Number.NaN;
  if (name === '$limit' && !(Number.isInteger(num) && num > 0)) throw new MongoError(Codes.Location15958, 'the limit must be positive');
  if (name === '$skip' && !(Number.isInteger(num) && num >= 0)) {
    throw new MongoError(Codes.Location15956, `invalid argument to $skip stage: Expected a non-negative number in: $skip: ${String(arg)}`);
  }
  if (name === '$project' && isPlainObject(arg) && Object.keys(arg).length === 0) {
    throw new MongoError(Codes.Location51272, 'Invalid $project :: caused by :: projection specification must have at least one field');
  }
}

function checkPipeline(pipeline: unknown): Doc[] {
  if (!Array.isArray(pipeline)) throw new MongoError(Codes.TypeMismatch, "'pipeline' option must be specified as an array");
  pipeline.forEach((stage, i) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new MongoError(Codes.Location40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(stage)[0] as string;
    const what = UNSUPPORTED_STAGES[name];
    if (what !== undefined) throw notEmulated(what);
    checkStage(name, (stage as Doc)[name]);
    if ((name === '$out' || name === '$merge') && i !== pipeline.length - 1) {
      throw new MongoError(Codes.Location40601, `${name} can only be the final stage in the pipeline`);
    }
  });
  return pipeline as Doc[];
}

/** $out: replace the target collection with the results. */
function writeOut(ctx: Ctx, spec: unknown, docs: Doc[]): void {
  const target = typeof spec === 'string' ? { db: ctx.db, coll: spec } : (spec as { db?: string; coll: string });
  const db = target.db ?? ctx.db;
  const store = ctx.server.store;
  const old = store.get(db, target.coll);
  const indexes = old?.indexes.filter((i) => i.name !== '_id_') ?? [];
  const options = old?.options ?? {};
  store.drop(db, target.coll);
  const coll = store.create(db, target.coll, options);
  for (const spec2 of indexes) coll.addIndex({ ...spec2 });
  for (const d of docs) store.insert(coll, d._id === undefined ? { _id: new ObjectId(), ...d } : d);
}

/** $merge with the common options: on (default _id), whenMatched merge/replace/keepExisting/fail, whenNotMatched insert/discard/fail. */
function writeMerge(ctx: Ctx, spec: unknown, docs: Doc[]): void {
  const s: Doc = typeof spec === 'string' ? { into: spec } : (spec as Doc);
  const into = typeof s.into === 'string' ? { db: ctx.db, coll: s.into } : (s.into as { db?: string; coll: string });
  const coll = ctx.catalog.getOrCreate(into.db ?? ctx.db, into.coll);
  const on = s.on === undefined ? ['_id'] : Array.isArray(s.on) ? (s.on as string[]) : [String(s.on)];
  const whenMatched = s.whenMatched ?? 'merge';
  const whenNotMatched = s.whenNotMatched ?? 'insert';
  if (typeof whenMatched !== 'string') throw notEmulated('$merge with a pipeline in whenMatched');
  for (const raw of docs) {
    const d = raw._id === undefined ? { _id: new ObjectId(), ...raw } : raw;
    const filter: Doc = {};
    for (const f of on) filter[f] = valuesAtPath(d, f)[0] ?? null;
    const hit = matching(coll, filter)[0];
    if (hit === undefined) {
      if (whenNotMatched === 'discard') continue;
      if (whenNotMatched === 'fail') throw new MongoError(Codes.Location13113, '$merge could not find a matching document in the target collection for at least one document in the source collection');
      ctx.catalog.insert(coll, d);
      continue;
    }
    const [idKey, existing] = hit;
    if (whenMatched === 'keepExisting') continue;
    if (whenMatched === 'fail') throw new MongoError(Codes.DuplicateKey, `E11000 duplicate key error collection: ${coll.ns}`);
    const next = whenMatched === 'replace' ? { ...d, _id: existing._id } : { ...existing, ...d, _id: existing._id };
    ctx.catalog.replace(coll, idKey, next);
  }
}

/** $collStats / $indexStats as first stage (Compass asks for them): minimal, mongod-shaped documents. */
function statsSource(ctx: Ctx, name: string, stage: Doc | undefined): Doc[] | undefined {
  if (stage === undefined) return undefined;
  const coll = ctx.server.store.get(ctx.db, name);
  if (isPlainObject(stage.$collStats)) {
    if (coll === undefined) throw new MongoError(Codes.NamespaceNotFound, `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${ctx.db}.${name}] not found.`);
    const spec = stage.$collStats;
    const size = coll.all().reduce((n, d) => n + calculateObjectSize(d), 0);
    const out: Doc = { ns: coll.ns, host: ctx.server.me, localTime: new Date() };
    if (spec.storageStats !== undefined) {
      out.storageStats = {
        size,
        count: coll.docs.size,
        avgObjSize: coll.docs.size > 0 ? Math.round(size / coll.docs.size) : 0,
        storageSize: size,
        freeStorageSize: 0,
        capped: false,
        nindexes: coll.indexes.length,
        indexDetails: {},
        indexBuilds: [],
        totalIndexSize: 0,
        totalSize: size,
        indexSizes: Object.fromEntries(coll.indexes.map((i) => [i.name, 0])),
        scaleFactor: 1,
      };
    }
    if (spec.count !== undefined) out.count = coll.docs.size;
    return [out];
  }
  if (isPlainObject(stage.$indexStats)) {
    if (coll === undefined) return [];
    return coll.indexes.map((i) => ({ name: i.name, key: i.key, host: ctx.server.me, accesses: { ops: 0, since: ctx.server.startedAt }, spec: i }));
  }
  return undefined;
}

/**
 * The documents a pipeline starts from: a leading $match that an index can answer reads only the
 * documents the index points to (the $match still runs on them); otherwise the whole collection.
 */
async function pipelineInput(ctx: Ctx, name: string, pipeline: Doc[], cmd: Document): Promise<Doc[]> {
  const coll = readable(ctx, name);
  if (coll === undefined) return [];
  const match = pipeline[0]?.$match;
  if (isPlainObject(match) && Object.keys(match).length > 0) {
    const opts = queryOptions(cmd);
    const plan = choosePlan(coll, { filter: match, opts, hint: cmd.hint });
    if (plan.kind !== 'COLLSCAN') return (await runPlanAsync(coll, plan, match, opts)).found.map(([, d]) => d);
  }
  return coll.all();
}

export async function runAggregate(ctx: Ctx, cmd: Document): Promise<{ docs: Doc[]; ns: string }> {
  let pipeline = checkPipeline(cmd.pipeline);
  checkGroups(pipeline);
  const isDbLevel = cmd.aggregate === 1;
  const name = isDbLevel ? '$cmd.aggregate' : collName(cmd, 'aggregate');
  const stats = isDbLevel ? undefined : statsSource(ctx, name, pipeline[0]);
  if (stats !== undefined) pipeline = pipeline.slice(1);
  const input: Iterable<Doc> = stats ?? (isDbLevel ? [] : await pipelineInput(ctx, name, pipeline, cmd));
  const last = pipeline[pipeline.length - 1];
  const writeStage = last !== undefined && ('$out' in last || '$merge' in last) ? last : undefined;
  const stages = writeStage !== undefined ? pipeline.slice(0, -1) : pipeline;
  const docs = await runPipelineAsync(input, stages, resolverFor(ctx.catalog, ctx.db), queryOptions(cmd));
  if (writeStage !== undefined) {
    if ('$out' in writeStage) writeOut(ctx, writeStage.$out, docs);
    else writeMerge(ctx, writeStage.$merge, docs);
    return { docs: [], ns: `${ctx.db}.${name}` };
  }
  return { docs, ns: `${ctx.db}.${name}` };
}

const aggregate: Handler = async (cmd, ctx) => {
  if (cmd.explain === true) {
    const { explain: _explain, ...inner } = cmd;
    return explainDoc(ctx, inner, 'queryPlanner');
  }
  const cursor = cmd.cursor;
  if (!isPlainObject(cursor) && cmd.explain !== true) {
    throw new MongoError(Codes.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  const { docs, ns } = await runAggregate(ctx, cmd);
  const batchSize = cursor.batchSize === undefined ? undefined : toNumber(cursor.batchSize);
  return cursorReply(ctx, ns, docs, batchSize, false);
};

const count: Handler = async (cmd, ctx) => {
  const name = collName(cmd, 'count');
  const coll = readable(ctx, name);
  const query = isPlainObject(cmd.query) ? cmd.query : undefined;
  const opts = queryOptions(cmd);
  let n = query === undefined || Object.keys(query).length === 0 ? (coll?.docs.size ?? 0) : (await matchingAsync(coll, query, opts)).length;
  const skip = toNumber(cmd.skip, 0);
  const limit = Math.abs(toNumber(cmd.limit, 0));
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n, ok: 1 };
};

const distinct: Handler = async (cmd, ctx) => {
  const name = collName(cmd, 'distinct');
  if (typeof cmd.key !== 'string') throw new MongoError(Codes.TypeMismatch, "BSON field 'distinct.key' is missing or not a string");
  const key = cmd.key;
  const coll = readable(ctx, name);
  const query = isPlainObject(cmd.query) ? cmd.query : undefined;
  const opts = queryOptions(cmd);
  return { values: distinctValues((await matchingAsync(coll, query, opts)).map(([, d]) => d), key), ok: 1 };
};

/** The distinct values of `key` over `docs` (array elements count one by one), in BSON order as mongod returns them. */
export function distinctValues(docs: Doc[], key: string): unknown[] {
  const seen = new Map<string, unknown>();
  for (const doc of docs) {
    for (const v of valuesAtPath(doc, key)) {
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        if (item === undefined) continue;
        const k = keyOf(item);
        if (!seen.has(k)) seen.set(k, item);
      }
    }
  }
  return Array.from(seen.values()).sort(bsonCompare);
}

export const aggregateCommands: Record<string, Handler> = { aggregate, count, distinct };
