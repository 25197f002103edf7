/**
 * Index specifications: mongod's default names, the keys a document contributes to an index
 * (multikey expansion, sparse and partial indexes) and the duplicate-key error.
 * Indexes here exist for uniqueness, TTL and explain output; queries still scan with mingo.
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
  values: unknown[];
}

export function indexEntries(spec: IndexSpec, doc: Doc): IndexEntry[] {
  const fields = Object.keys(spec.key);
  if (!partialMatches(spec, doc)) return [];
  const perField: unknown[][] = fields.map((f) => {
    const raw = valuesAtPath(doc, f);
    const flat: unknown[] = [];
    for (const v of raw) {
      if (Array.isArray(v)) {
        if (v.length === 0) flat.push(undefined);
        else flat.push(...v);
      } else flat.push(v);
    }
    const present = flat.filter((v) => v !== undefined);
    return present.length > 0 ? present : [undefined];
  });
  if (spec.sparse === true && perField.every((vals) => vals.length === 1 && vals[0] === undefined)) return [];
  let tuples: unknown[][] = [[]];
  for (const vals of perField) {
    const next: unknown[][] = [];
    for (const t of tuples) for (const v of vals) next.push([...t, v]);
    tuples = next;
  }
  const seen = new Set<string>();
  const out: IndexEntry[] = [];
  for (const values of tuples) {
    const key = values.map(keyOf).join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, values });
  }
  return out;
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
