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
import { copyMarks, fromWire, inheritMarks } from './numbers.ts';
import { NUMERIC_OPERATORS, numericAccumulators, numericExpressions } from './numeric-operators.ts';
import { choosePlan, planMatching, runPlanAsync } from './planner.ts';
import { jsonSchemaValidator } from './schema.ts';
import { QUERY_OPERATORS, withGuard } from './query-operators.ts';
import { $range, $switch, limitedAccumulator } from './memory-limits.ts';
import { lookupStages } from './stage-rewrites.ts';
import type { OpGuard } from './guard.ts';
import { codeText, scriptFunction } from './javascript.ts';
import type { Collection, Catalog } from './store.ts';
import { clone, getPath, isPlainObject, keyOf, valuesAtPath, type Doc } from './values.ts';

export interface QueryOptions {
  collation?: Doc;
  variables?: Doc;
  /** The operation's deadline, yielding and script time limits (see guard.ts). */
  guard?: OpGuard;
}

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

// Our own full operator set (mingo's default entry point would not let $type be replaced).
const CONTEXT = Context.init({
  // numbers keep their BSON types (numeric-operators.ts); arrays an accumulator builds stay under the memory limit.
  accumulator: { ...accumulatorOperators, ...numericAccumulators, $push: limitedAccumulator('$push', numericAccumulators.$push), $addToSet: limitedAccumulator('$addToSet') } as never,
  expression: { ...expressionOperators, ...numericExpressions, $range, $switch, $emulatorComputeOptions: (_obj: unknown, _expr: unknown, opts: unknown) => opts } as never,
  pipeline: { ...pipelineOperators, $sort, $project, $lookup, $addFields: keepingMarks('$addFields'), $set: keepingMarks('$set'), $unset: keepingMarks('$unset') } as never,
  projection: projectionOperators,
  query: { ...queryOperators, ...QUERY_OPERATORS } as never,
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
