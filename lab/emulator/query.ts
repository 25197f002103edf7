/**
 * The bridge to mingo: compiled queries, projections, sorts, updates and pipelines, with mingo's
 * errors translated to mongod's. All query semantics come from mingo; nothing here re-implements them.
 */
import { Aggregator } from 'mingo/aggregator';
import { Context, ProcessingMode } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { Query } from 'mingo/query';
import { update as mingoUpdate } from 'mingo/updater';
import type { CollationSpec, Options } from 'mingo/types';
import { fromMingo } from './errors.ts';
import { bsonTypesOf, kindAt, typeAlias } from './numbers.ts';
import { jsonSchemaValidator } from './schema.ts';
import type { Collection, Catalog } from './store.ts';
import { isOperatorObject, isPlainObject, keyOf, type Doc } from './values.ts';

export interface QueryOptions {
  collation?: Doc;
  variables?: Doc;
}

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
function $type(selector: string, value: unknown): (doc: unknown) => boolean {
  const wanted = (Array.isArray(value) ? value : [value]).map(typeAlias);
  const parts = selector.split('.');
  return (doc: unknown): boolean => {
    const found: Array<[unknown, string, unknown]> = [];
    leaves(doc, parts, 0, found, undefined, '');
    return found.some(([c, k, v]) => v !== undefined && bsonTypesOf(v, kindAt(c, k)).some((t) => wanted.includes(t)));
  };
}

// Our own full operator set (mingo's default entry point would not let $type be replaced).
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: { ...queryOperators, $type } as never,
  window: windowOperators,
});

function options(extra: QueryOptions = {}, resolver?: (name: string) => Doc[]): Partial<Options> {
  const opts: { -readonly [K in keyof Options]?: Options[K] } = {
    jsonSchemaValidator: jsonSchemaValidator as Options['jsonSchemaValidator'],
    context: CONTEXT,
  };
  if (extra.collation !== undefined && typeof extra.collation.locale === 'string' && extra.collation.locale !== 'simple') {
    opts.collation = extra.collation as unknown as CollationSpec;
  }
  if (extra.variables !== undefined) opts.variables = extra.variables;
  if (resolver !== undefined) opts.collectionResolver = resolver;
  return opts;
}

export function compileQuery(filter: Doc | undefined, extra?: QueryOptions): Query {
  try {
    return new Query(filter ?? {}, options(extra));
  } catch (err) {
    throw fromMingo(err, 'query');
  }
}

/** Whether a filter names one _id by plain equality, so a direct lookup can replace a scan. */
function idLookup(filter: Doc | undefined): unknown {
  if (filter === undefined || !('_id' in filter)) return undefined;
  const v = filter._id;
  if (v === null || v === undefined || v instanceof RegExp || Array.isArray(v)) return undefined;
  if (isOperatorObject(v)) return isPlainObject(v) && Object.keys(v).length === 1 && '$eq' in v ? v.$eq : undefined;
  if (isPlainObject(v)) return undefined;
  return v;
}

/** Documents matching the filter, in natural order, each with its _id key. */
export function matching(coll: Collection | undefined, filter: Doc | undefined, extra?: QueryOptions): Array<[string, Doc]> {
  if (coll === undefined) return [];
  const q = compileQuery(filter, extra);
  const id = idLookup(filter);
  const out: Array<[string, Doc]> = [];
  try {
    if (id !== undefined) {
      const k = keyOf(id);
      const doc = coll.docs.get(k);
      if (doc !== undefined && q.test(doc)) out.push([k, doc]);
      return out;
    }
    for (const entry of coll.docs) if (q.test(entry[1])) out.push(entry);
  } catch (err) {
    throw fromMingo(err, 'query');
  }
  return out;
}

export interface FindSpec {
  filter?: Doc;
  sort?: Doc;
  projection?: Doc;
  skip?: number;
  limit?: number;
}

/** find's filter + sort + skip + limit + projection, in mongod's order. */
export function runFind(docs: Doc[], spec: FindSpec, extra?: QueryOptions): Doc[] {
  try {
    const projection = spec.projection !== undefined && Object.keys(spec.projection).length > 0 ? spec.projection : undefined;
    let cursor = new Query(spec.filter ?? {}, options(extra)).find<Doc>(docs, projection);
    if (spec.sort !== undefined && Object.keys(spec.sort).length > 0) cursor = cursor.sort(spec.sort as Record<string, 1 | -1>);
    if (spec.skip !== undefined && spec.skip > 0) cursor = cursor.skip(spec.skip);
    if (spec.limit !== undefined && spec.limit > 0) cursor = cursor.limit(spec.limit);
    return cursor.all() as Doc[];
  } catch (err) {
    throw fromMingo(err, spec.projection !== undefined ? 'projection' : 'query');
  }
}

export function project(docs: Doc[], projection: Doc | undefined): Doc[] {
  if (projection === undefined || Object.keys(projection).length === 0) return docs;
  return runFind(docs, { projection });
}

export function sortDocs(docs: Doc[], sort: Doc | undefined): Doc[] {
  if (sort === undefined || Object.keys(sort).length === 0) return docs;
  return runFind(docs, { sort });
}

/** Resolves `from`/`coll` names in $lookup, $unionWith, $graphLookup against the same database. */
export function resolverFor(catalog: Catalog, db: string): (name: string) => Doc[] {
  return (name: string): Doc[] => catalog.get(db, name)?.all() ?? [];
}

export function runPipeline(docs: Doc[], pipeline: Doc[], resolver: (name: string) => Doc[], extra?: QueryOptions): Doc[] {
  try {
    // Inputs are the stored documents; mingo must not modify them in place.
    const agg = new Aggregator(pipeline, { ...options(extra, resolver), processingMode: ProcessingMode.CLONE_INPUT });
    return agg.run(docs) as Doc[];
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
