/**
 * explain: which plan mongod would pick, reduced to what the course teaches — a query whose
 * filter (or sort) can use an index is an IXSCAN under a FETCH, otherwise a COLLSCAN — plus
 * executionStats counted from actually running the query.
 */
import type { Document } from 'bson';
import type { Ctx, Handler } from '../context.ts';
import { Codes, MongoError, commandNotFound } from '../errors.ts';
import type { IndexSpec } from '../indexes.ts';
import { matching, runFind } from '../query.ts';
import type { Collection } from '../store.ts';
import { isOperatorObject, isPlainObject, keyOf, toNumber, type Doc } from '../values.ts';
import { VERSION } from './admin.ts';
import { queryOptions, readable } from './common.ts';

/** Operators an index can answer (a range or an equality on the field). */
const SARGABLE = new Set(['$eq', '$gt', '$gte', '$lt', '$lte', '$in', '$all', '$elemMatch', '$regex', '$exists', '$type', '$mod']);

/** Top-level field conditions of a filter, looking inside $and. */
function conditions(filter: Doc | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) for (const sub of v) if (isPlainObject(sub)) visit(sub);
      if (k.startsWith('$')) continue;
      out.set(k, v);
    }
  };
  if (filter !== undefined) visit(filter);
  return out;
}

function sargable(cond: unknown): boolean {
  if (!isOperatorObject(cond)) return true;
  const ops = Object.keys(cond);
  if (ops.some((o) => !SARGABLE.has(o))) return false;
  if ('$exists' in cond && cond.$exists !== true) return false;
  return true;
}

function isEquality(cond: unknown): boolean {
  return !isOperatorObject(cond) || (Object.keys(cond).length === 1 && ('$eq' in cond || '$in' in cond));
}

interface Plan {
  index: IndexSpec | undefined;
  /** Index fields (a prefix of the key) the filter constrains. */
  prefix: string[];
  idhack: boolean;
  sortCovered: boolean;
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

export function choosePlan(coll: Collection | undefined, filter: Doc | undefined, sort: Doc | undefined, hint?: unknown): Plan {
  const conds = conditions(filter);
  const hinted = hintedIndex(coll, hint);
  if (hinted === 'natural') return { index: undefined, prefix: [], idhack: false, sortCovered: false };
  if (hinted !== undefined) {
    const prefix: string[] = [];
    for (const f of Object.keys(hinted.key)) {
      if (!conds.has(f) || !sargable(conds.get(f))) break;
      prefix.push(f);
      if (!isEquality(conds.get(f))) break;
    }
    const fields = Object.keys(hinted.key);
    const sortCovered = sort !== undefined && Object.keys(sort).length > 0 && Object.keys(sort).every((f, i) => fields[i] === f || fields[i + prefix.length] === f);
    return { index: hinted, prefix, idhack: false, sortCovered };
  }
  const sortFields = sort !== undefined ? Object.keys(sort) : [];
  if (coll === undefined) return { index: undefined, prefix: [], idhack: false, sortCovered: false };
  const onlyId = conds.size === 1 && conds.has('_id') && isEquality(conds.get('_id')) && !isOperatorObject(conds.get('_id')) && Object.keys(filter ?? {}).length === 1;
  if (onlyId) return { index: coll.indexes.find((i) => i.name === '_id_'), prefix: ['_id'], idhack: true, sortCovered: true };
  let best: Plan | undefined;
  let bestScore = 0;
  for (const spec of coll.indexes) {
    if (spec.sparse === true || spec.partialFilterExpression !== undefined) {
      // mongod only uses these when the query provably stays inside them; keep it simple.
      if (!Object.keys(spec.key).every((f) => conds.has(f) && sargable(conds.get(f)) && isEquality(conds.get(f)))) continue;
    }
    const fields = Object.keys(spec.key);
    const prefix: string[] = [];
    for (const f of fields) {
      if (!conds.has(f) || !sargable(conds.get(f))) break;
      prefix.push(f);
      if (!isEquality(conds.get(f))) break;
    }
    const sortCovered = sortFields.length > 0 && sortFields.every((f, i) => fields[i + prefix.length] === f || fields[i] === f);
    let score = prefix.reduce((n, f) => n + (isEquality(conds.get(f)) ? 10 : 5), 0);
    if (prefix.length > 0 && spec.unique === true) score += 3;
    if (prefix.length > 0 && prefix.length === fields.length) score += 1;
    if (prefix.length === 0 && sortCovered) score = 1;
    if (score > bestScore) {
      bestScore = score;
      best = { index: spec, prefix, idhack: false, sortCovered };
    }
  }
  return best ?? { index: undefined, prefix: [], idhack: false, sortCovered: false };
}

function bounds(spec: IndexSpec, prefix: string[], filter: Doc | undefined): Doc {
  const conds = conditions(filter);
  const out: Doc = {};
  for (const f of Object.keys(spec.key)) {
    if (!prefix.includes(f)) {
      out[f] = ['[MinKey, MaxKey]'];
      continue;
    }
    const c = conds.get(f);
    out[f] = [isOperatorObject(c) ? JSON.stringify(c) : `[${JSON.stringify(c)}, ${JSON.stringify(c)}]`];
  }
  return out;
}

interface ExplainInput {
  hint?: unknown;
  name: string;
  coll: string;
  filter: Doc | undefined;
  sort: Doc | undefined;
  projection: Doc | undefined;
  limit: number;
  skip: number;
}

function describe(inner: Document): ExplainInput {
  const name = Object.keys(inner)[0] ?? '';
  const coll = String(inner[name]);
  const d = (v: unknown): Doc | undefined => (isPlainObject(v) ? v : undefined);
  const base = { name, coll, sort: undefined, projection: undefined, limit: 0, skip: 0 };
  switch (name) {
    case 'find':
      return { ...base, filter: d(inner.filter), sort: d(inner.sort), projection: d(inner.projection), limit: Math.abs(toNumber(inner.limit, 0)), skip: toNumber(inner.skip, 0), hint: inner.hint };
    case 'count':
    case 'distinct':
      return { ...base, filter: d(inner.query) };
    case 'findAndModify':
    case 'findandmodify':
      return { ...base, filter: d(inner.query), sort: d(inner.sort), limit: 1 };
    case 'update':
      return { ...base, filter: d((inner.updates as Doc[] | undefined)?.[0]?.q) };
    case 'delete':
      return { ...base, filter: d((inner.deletes as Doc[] | undefined)?.[0]?.q) };
    case 'aggregate': {
      const pipeline = Array.isArray(inner.pipeline) ? (inner.pipeline as Doc[]) : [];
      const first = pipeline[0];
      const match = first !== undefined && isPlainObject(first.$match) ? first.$match : undefined;
      const second = pipeline[match !== undefined ? 1 : 0];
      const sort = second !== undefined && isPlainObject(second.$sort) ? second.$sort : undefined;
      return { ...base, filter: match, sort };
    }
    default:
      throw commandNotFound(`explain ${name}`);
  }
}

export function explainDoc(ctx: Ctx, inner: Document, verbosity: string): Document {
  const input = describe(inner);
  const coll = readable(ctx, input.coll);
  const plan = choosePlan(coll, input.filter, input.sort, input.hint);
  const opts = queryOptions(inner);
  const matched = matching(coll, input.filter, opts).map(([, d]) => d);
  const returned = runFind(matched, { sort: input.sort, skip: input.skip, limit: input.limit }, opts);
  let docsExamined = coll?.docs.size ?? 0;
  let keysExamined = 0;
  let stage: Doc;
  if (plan.idhack) {
    docsExamined = matched.length;
    keysExamined = matched.length;
    stage = { stage: 'IDHACK', nReturned: returned.length, keysExamined, docsExamined };
  } else if (plan.index !== undefined) {
    const sub: Doc = {};
    const conds = conditions(input.filter);
    for (const f of plan.prefix) sub[f] = conds.get(f);
    // Without a usable prefix (a hinted or sort-only index) the whole index is scanned.
    const viaIndex = plan.prefix.length > 0 ? matching(coll, sub, opts).length : (coll?.docs.size ?? 0);
    keysExamined = viaIndex;
    docsExamined = viaIndex;
    const ixscan: Doc = {
      stage: 'IXSCAN',
      nReturned: viaIndex,
      keyPattern: plan.index.key,
      indexName: plan.index.name,
      isMultiKey: false,
      isUnique: plan.index.unique === true,
      isSparse: plan.index.sparse === true,
      isPartial: plan.index.partialFilterExpression !== undefined,
      indexVersion: 2,
      direction: 'forward',
      indexBounds: bounds(plan.index, plan.prefix, input.filter),
      keysExamined,
    };
    const remaining = Object.keys(input.filter ?? {}).filter((k) => !plan.prefix.includes(k));
    stage = { stage: 'FETCH', nReturned: matched.length, docsExamined, inputStage: ixscan };
    if (remaining.length > 0) stage.filter = Object.fromEntries(remaining.map((k) => [k, (input.filter ?? {})[k]]));
  } else {
    stage = { stage: 'COLLSCAN', filter: input.filter ?? {}, nReturned: matched.length, direction: 'forward', docsExamined };
  }
  if (input.sort !== undefined && Object.keys(input.sort).length > 0 && !plan.sortCovered) {
    stage = { stage: 'SORT', sortPattern: input.sort, nReturned: returned.length, inputStage: stage };
  }
  if (input.skip > 0) stage = { stage: 'SKIP', skipAmount: input.skip, nReturned: returned.length, inputStage: stage };
  if (input.limit > 0) stage = { stage: 'LIMIT', limitAmount: input.limit, nReturned: returned.length, inputStage: stage };
  if (input.projection !== undefined && Object.keys(input.projection).length > 0) {
    stage = { stage: 'PROJECTION_SIMPLE', transformBy: input.projection, nReturned: returned.length, inputStage: stage };
  }
  const strip = (s: Doc): Doc => {
    const { nReturned: _n, keysExamined: _k, docsExamined: _d, ...rest } = s;
    if (isPlainObject(rest.inputStage)) rest.inputStage = strip(rest.inputStage);
    return rest;
  };
  const queryPlanner: Doc = {
    namespace: `${ctx.db}.${input.coll}`,
    indexFilterSet: false,
    parsedQuery: input.filter ?? {},
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: strip(stage),
    rejectedPlans: [],
  };
  const reply: Document = { explainVersion: '1', queryPlanner };
  if (verbosity !== 'queryPlanner') {
    reply.executionStats = {
      executionSuccess: true,
      nReturned: returned.length,
      executionTimeMillis: 0,
      totalKeysExamined: keysExamined,
      totalDocsExamined: docsExamined,
      executionStages: stage,
    };
  }
  if (input.name === 'aggregate') {
    reply.stages = [{ $cursor: { queryPlanner, ...(reply.executionStats !== undefined ? { executionStats: reply.executionStats } : {}) } }, ...((inner.pipeline as Doc[]) ?? []).slice(input.filter !== undefined ? 1 : 0)];
  }
  reply.command = inner;
  reply.serverInfo = { host: ctx.server.host, port: ctx.server.port, version: VERSION, gitVersion: 'nosql-lab' };
  reply.serverParameters = {};
  reply.ok = 1;
  return reply;
}

const explain: Handler = (cmd, ctx) => {
  const inner = cmd.explain;
  if (!isPlainObject(inner)) throw new MongoError(Codes.FailedToParse, 'explain command requires a nested object');
  const verbosity = typeof cmd.verbosity === 'string' ? cmd.verbosity : 'allPlansExecution';
  return explainDoc(ctx, inner, verbosity);
};

export const explainCommands: Record<string, Handler> = { explain };
