/**
 * Index specifications: mongod's default names, the keys a document contributes to an index
 * (multikey expansion, sparse and partial indexes) and the duplicate-key error.
 * The ordered structure itself is in btree.ts; the planner that reads it in planner.ts.
 */
import { Query } from 'mingo';
import { Codes, MongoError } from './errors.ts';
import { keyOf, render, valuesAtPath, type Doc } from './values.ts';

export interface IndexSpec {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Doc;
  [option: string]: unknown;
}

export const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_' };

/** mongod's default index name: `email_1`, `a_1_b_-1`, `body_text`. */
export function defaultIndexName(key: Doc): string {
  return Object.entries(key)
    .map(([field, dir]) => `${field}_${String(dir)}`)
    .join('_');
}

const partialQueries = new WeakMap<Doc, Query>();

function partialMatches(spec: IndexSpec, doc: Doc): boolean {
  const filter = spec.partialFilterExpression;
  if (filter === undefined) return true;
  let q = partialQueries.get(filter);
  if (q === undefined) {
    q = new Query(filter);
    partialQueries.set(filter, q);
  }
  return q.test(doc);
}

/** One entry per index key the document contributes: its canonical string and the field values. */
export interface IndexEntry {
  key: string;
  /** One value per index field; a missing field is null, as mongod indexes it. */
  values: unknown[];
}

/** What a document contributes to an index, and which index fields it holds arrays for. */
export interface IndexKeys {
  entries: IndexEntry[];
  /** Index field positions where this document has an array (the index becomes multikey there). */
  arrays: number[];
}

/** Values at a dotted path, one per array element met on the way; `sawArray` reports whether any was. */
function keyValues(doc: unknown, path: string): { values: unknown[]; sawArray: boolean } {
  const parts = path.split('.');
  const values: unknown[] = [];
  let sawArray = false;
  const walk = (v: unknown, i: number, viaArray: boolean): void => {
    if (i === parts.length) {
      if (Array.isArray(v) && !viaArray) {
        sawArray = true;
        // An empty array is indexed as undefined (here null); nested arrays stay whole.
        if (v.length === 0) values.push(null);
        else for (const el of v) values.push(el === undefined ? null : el);
      } else values.push(v === undefined ? null : v);
      return;
    }
    if (Array.isArray(v)) {
      sawArray = true;
      const part = parts[i] as string;
      if (/^\d+$/.test(part)) {
        walk(v[Number(part)], i + 1, false);
        return;
      }
      let any = false;
      for (const el of v) {
        if (el !== null && typeof el === 'object' && !Array.isArray(el)) {
          any = true;
          walk(el, i, true);
        }
      }
      if (!any) values.push(null);
      return;
    }
    if (v === null || typeof v !== 'object' || (v as { _bsontype?: unknown })._bsontype !== undefined || v instanceof Date) {
      values.push(null);
      return;
    }
    walk((v as Record<string, unknown>)[parts[i] as string], i + 1, false);
  };
  walk(doc, 0, false);
  return { values, sawArray };
}

function isMissing(doc: unknown, path: string): boolean {
  return valuesAtPath(doc, path).every((v) => v === undefined);
}

/** The index keys a document contributes (none for a sparse or partial index it is outside of). */
export function indexKeys(spec: IndexSpec, doc: Doc): IndexKeys {
  const fields = Object.keys(spec.key);
  if (!partialMatches(spec, doc)) return { entries: [], arrays: [] };
  if (spec.sparse === true && fields.every((f) => isMissing(doc, f))) return { entries: [], arrays: [] };
  const arrays: number[] = [];
  const perField: unknown[][] = fields.map((f, i) => {
    const { values, sawArray } = keyValues(doc, f);
    if (sawArray) arrays.push(i);
    return values;
  });
  if (arrays.length > 1) {
    const names = arrays.map((i) => `[${fields[i] as string}]`);
    throw new MongoError(Codes.CannotIndexParallelArrays, `cannot index parallel arrays ${names[1] as string} ${names[0] as string}`);
  }
  if (perField.every((vals) => vals.length === 1)) {
    const values = perField.map((vals) => vals[0]);
    return { entries: [{ key: values.map(keyOf).join('|'), values }], arrays };
  }
  let tuples: unknown[][] = [[]];
  for (const vals of perField) {
    const next: unknown[][] = [];
    for (const t of tuples) for (const v of vals) next.push([...t, v]);
    tuples = next;
  }
  const seen = new Set<string>();
  const entries: IndexEntry[] = [];
  for (const values of tuples) {
    const key = values.map(keyOf).join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ key, values });
  }
  return { entries, arrays };
}

export function indexEntries(spec: IndexSpec, doc: Doc): IndexEntry[] {
  return indexKeys(spec, doc).entries;
}

export function duplicateKeyError(ns: string, spec: IndexSpec, values: unknown[]): MongoError {
  const fields = Object.keys(spec.key);
  const keyValue: Doc = {};
  fields.forEach((f, i) => {
    const v = values[i];
    keyValue[f] = v === undefined ? null : v;
  });
  const keyPattern: Doc = { ...spec.key };
  return new MongoError(
    Codes.DuplicateKey,
    `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: ${render(keyValue)}`,
    { keyPattern, keyValue },
  );
}

/** Normalises and validates a createIndexes entry into the spec listIndexes will return. */
export function normaliseIndexSpec(raw: Doc): IndexSpec {
  const key = raw.key as Doc | undefined;
  if (key === undefined || key === null || typeof key !== 'object' || Object.keys(key).length === 0) {
    throw new MongoError(Codes.CannotCreateIndex, "Index keys cannot be empty.");
  }
  for (const [field, dir] of Object.entries(key)) {
    const ok =
      (typeof dir === 'number' && dir !== 0) ||
      ['text', 'hashed', '2d', '2dsphere', 'wildcard'].includes(String(dir)) ||
      (typeof dir === 'object' && dir !== null);
    if (!ok || field === '') {
      throw new MongoError(Codes.CannotCreateIndex, `Error in specification ${render(raw)} :: caused by :: Values in the index key pattern can't be 0 or an empty string`);
    }
  }
  const name = typeof raw.name === 'string' ? raw.name : defaultIndexName(key);
  const spec: IndexSpec = { v: 2, key, name };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'key' || k === 'name' || k === 'v' || k === 'ns') continue;
    if (k === 'unique' || k === 'sparse') {
      if (v === true) spec[k] = true;
      continue;
    }
    if (k === 'expireAfterSeconds') {
      if (typeof v !== 'number' || v < 0) {
        throw new MongoError(Codes.CannotCreateIndex, `TTL index 'expireAfterSeconds' option must be a non-negative number`);
      }
      spec.expireAfterSeconds = v;
      continue;
    }
    spec[k] = v;
  }
  if (name === '_id_' && keyOf(key) !== keyOf({ _id: 1 })) {
    throw new MongoError(Codes.CannotCreateIndex, "The index name '_id_' is reserved for the _id index");
  }
  return spec;
}

/** Whether two specs describe the same index (name aside), for createIndexes idempotency. */
export function sameIndexOptions(a: IndexSpec, b: IndexSpec): boolean {
  const pick = (s: IndexSpec): string =>
    keyOf({
      unique: s.unique === true,
      sparse: s.sparse === true,
      ttl: s.expireAfterSeconds ?? null,
      pfe: s.partialFilterExpression ?? null,
    });
  return pick(a) === pick(b);
}
