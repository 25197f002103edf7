/**
 * explain: the plan the planner (planner.ts) chose and what running it examined, in mongod 7's
 * classic shape: queryPlanner.winningPlan and executionStats.executionStages with IDHACK, COLLSCAN,
 * IXSCAN, FETCH, SORT, PROJECTION_*, SKIP, LIMIT, and keys/documents examined as counted.
 */
import type { Document } from 'bson';
import type { Ctx, Handler } from '../context.ts';
import { Codes, MongoError, commandNotFound } from '../errors.ts';
import type { IndexSpec } from '../indexes.ts';
import { choosePlan, directionName, indexBounds, runPlan, type Plan } from '../planner.ts';
import { runFind } from '../query.ts';
import { isPlainObject, toNumber, type Doc } from '../values.ts';
import { VERSION } from './admin.ts';
import { queryOptions, readable } from './common.ts';

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

/** The execution counters every stage of mongod's executionStats carries. */
function counters(stage: Doc, nReturned: number, works: number): Doc {
  return {
    stage: stage.stage,
    ...(stage.filter !== undefined ? { filter: stage.filter } : {}),
    nReturned,
    executionTimeMillisEstimate: 0,
    works,
    advanced: nReturned,
    needTime: Math.max(0, works - nReturned - 1),
    needYield: 0,
    saveState: 0,
    restoreState: 0,
    isEOF: 1,
    ...Object.fromEntries(Object.entries(stage).filter(([k]) => k !== 'stage' && k !== 'filter')),
  };
}

function isSimpleProjection(p: Doc): boolean {
  return Object.values(p).every((v) => v === 0 || v === 1 || v === true || v === false);
}

/** An IXSCAN stage with its counters. */
function ixscanStage(plan: Plan, nReturned: number, scanned: { keysExamined: number; seeks: number; dupsTested: number; dupsDropped: number }): Doc {
  const spec = plan.spec as IndexSpec;
  const ixscan: Doc = {
    stage: 'IXSCAN',
    keyPattern: spec.key,
    indexName: spec.name,
    isMultiKey: plan.multiKey,
    multiKeyPaths: plan.multiKeyPaths,
    isUnique: spec.unique === true,
    isSparse: spec.sparse === true,
    isPartial: spec.partialFilterExpression !== undefined,
    indexVersion: 2,
    direction: directionName(plan),
    indexBounds: indexBounds(plan),
    ...scanned,
  };
  return counters(ixscan, nReturned, scanned.keysExamined + 1);
}

/** The part of the filter the index bounds do not answer (what FETCH still checks). */
function residualFilter(plan: Plan, filter: Doc | undefined): Doc | undefined {
  if (filter === undefined || plan.exact) return undefined;
  const answered = new Set(plan.fields.filter((_, i) => plan.bounds[i]?.exact === true && plan.bounds[i]?.constrained === true));
  const rest = Object.fromEntries(Object.entries(filter).filter(([k]) => !answered.has(k)));
  return Object.keys(rest).length > 0 ? rest : undefined;
}

export function explainDoc(ctx: Ctx, inner: Document, verbosity: string): Document {
  const input = describe(inner);
  const coll = readable(ctx, input.coll);
  const opts = queryOptions(inner);
  const plan = choosePlan(coll, { filter: input.filter, sort: input.sort, projection: input.projection, hint: input.hint, opts });
  const hasSort = input.sort !== undefined && Object.keys(input.sort).length > 0;
  const blockingSort = hasSort && !plan.providesSort;
  const need = input.limit > 0 && !blockingSort ? input.skip + input.limit : 0;
  const started = performance.now();
  const ex = runPlan(coll, plan, input.filter, opts, need);
  const found = ex.found.map(([, d]) => d);
  const returned = runFind(found, { sort: blockingSort ? input.sort : undefined, skip: input.skip, limit: input.limit }, opts);
  const elapsed = Math.round(performance.now() - started);
  let stage: Doc;
  if (plan.kind === 'IDHACK') {
    stage = counters({ stage: 'IDHACK', keysExamined: ex.keysExamined, docsExamined: ex.docsExamined }, found.length, ex.keysExamined + 1);
  } else if (plan.kind === 'COLLSCAN') {
    stage = counters({ stage: 'COLLSCAN', filter: input.filter ?? {}, direction: 'forward', docsExamined: ex.docsExamined }, found.length, ex.docsExamined + 1);
  } else if (plan.kind === 'OR') {
    // mongod: SUBPLAN (a rooted $or is planned branch by branch) > FETCH > OR > one IXSCAN per branch.
    const inputStages = (plan.branches ?? []).map((b, i) => {
      const c = ex.branches?.[i] ?? { keysExamined: 0, keysReturned: 0, seeks: 0, dupsTested: 0, dupsDropped: 0 };
      return ixscanStage(b, c.keysReturned, { keysExamined: c.keysExamined, seeks: c.seeks, dupsTested: c.dupsTested, dupsDropped: c.dupsDropped });
    });
    stage = counters({ stage: 'OR', dupsTested: ex.dupsTested, dupsDropped: ex.dupsDropped, inputStages }, ex.keysReturned, ex.dupsTested + 1);
    const fetch: Doc = { stage: 'FETCH', filter: input.filter, docsExamined: ex.docsExamined, alreadyHasObj: 0, inputStage: stage };
    stage = counters(fetch, found.length, ex.keysReturned + 1);
    stage = counters({ stage: 'SUBPLAN', inputStage: stage }, found.length, found.length + 1);
  } else {
    stage = ixscanStage(plan, plan.covered ? found.length : ex.keysReturned, { keysExamined: ex.keysExamined, seeks: ex.seeks, dupsTested: ex.dupsTested, dupsDropped: ex.dupsDropped });
    if (!plan.covered) {
      const fetch: Doc = { stage: 'FETCH', docsExamined: ex.docsExamined, alreadyHasObj: 0, inputStage: stage };
      const rest = residualFilter(plan, input.filter);
      if (rest !== undefined) fetch.filter = rest;
      stage = counters(fetch, found.length, ex.keysReturned + 1);
    }
  }
  if (blockingSort) {
    const sortStage: Doc = { stage: 'SORT', sortPattern: input.sort, memLimit: 104857600, type: 'simple', totalDataSizeSorted: 0, usedDisk: false, spills: 0, inputStage: stage };
    if (input.limit > 0) sortStage.limitAmount = input.skip + input.limit;
    stage = counters(sortStage, Math.min(found.length, input.limit > 0 ? input.skip + input.limit : found.length), found.length + 1);
  }
  if (input.projection !== undefined && Object.keys(input.projection).length > 0) {
    const kind = plan.covered ? 'PROJECTION_COVERED' : isSimpleProjection(input.projection) ? 'PROJECTION_SIMPLE' : 'PROJECTION_DEFAULT';
    stage = counters({ stage: kind, transformBy: input.projection, inputStage: stage }, stage.nReturned as number, (stage.nReturned as number) + 1);
  }
  if (input.skip > 0) stage = counters({ stage: 'SKIP', skipAmount: input.skip, inputStage: stage }, Math.max(0, (stage.nReturned as number) - input.skip), (stage.nReturned as number) + 1);
  if (input.limit > 0 && !blockingSort) stage = counters({ stage: 'LIMIT', limitAmount: input.limit, inputStage: stage }, returned.length, returned.length + 1);
  if (input.name === 'update' || input.name === 'delete' || input.name === 'findAndModify' || input.name === 'findandmodify' || input.name === 'count') {
    const outer = input.name === 'count' ? 'COUNT' : input.name === 'delete' || inner.remove === true ? 'DELETE' : 'UPDATE';
    stage = counters({ stage: outer, inputStage: stage }, 0, (stage.nReturned as number) + 1);
  }
  const strip = (s: Doc): Doc => {
    const out: Doc = {};
    for (const [k, v] of Object.entries(s)) {
      if (PLANNER_ONLY.has(k)) continue;
      out[k] = k === 'inputStage' && isPlainObject(v) ? strip(v) : k === 'inputStages' && Array.isArray(v) ? v.map((x: Doc) => strip(x)) : v;
    }
    return out;
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
      executionTimeMillis: elapsed,
      totalKeysExamined: ex.keysExamined,
      totalDocsExamined: ex.docsExamined,
      executionStages: stage,
      ...(verbosity === 'allPlansExecution' ? { allPlansExecution: [] } : {}),
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

/** Execution counters, which queryPlanner.winningPlan leaves out. */
const PLANNER_ONLY = new Set([
  'nReturned', 'executionTimeMillisEstimate', 'works', 'advanced', 'needTime', 'needYield', 'saveState', 'restoreState', 'isEOF',
  'keysExamined', 'docsExamined', 'seeks', 'dupsTested', 'dupsDropped', 'alreadyHasObj', 'totalDataSizeSorted', 'usedDisk', 'spills',
]);

const explain: Handler = (cmd, ctx) => {
  const inner = cmd.explain;
  if (!isPlainObject(inner)) throw new MongoError(Codes.FailedToParse, 'explain command requires a nested object');
  const verbosity = typeof cmd.verbosity === 'string' ? cmd.verbosity : 'allPlansExecution';
  return explainDoc(ctx, inner, verbosity);
};

export const explainCommands: Record<string, Handler> = { explain };
