/**
 * Aggregation that cannot stall the server: the pipeline runs stage by stage, per-document stages
 * in chunks, `$group` as partial groups per chunk merged at the end, `$sort` as a chunked merge
 * sort, with a yield to other connections every few milliseconds and the maxTimeMS deadline
 * checked in between. Every stage's semantics are still mingo's (query.ts); only the scheduling is ours.
 */
import { sortDocumentsAsync } from './compare.ts';
import { Codes, MongoError } from './errors.ts';
import type { OpGuard } from './guard.ts';
import { approxSize, checkOperationMemory } from './memory-limits.ts';
import { evalExpression, evaluateAll, streamPipeline, preparePipeline, runPipeline, type QueryOptions } from './query.ts';
import { MEMORY_LIMIT_BYTES, OPERATION_MEMORY_BYTES } from './guard.ts';
import { isPlainObject, keyOf, type Doc } from './values.ts';

/** Documents per chunk for per-document stages. */
const CHUNK = 512;

/** Stages that map each document on its own, so a chunk at a time gives the same result. */
const PER_DOCUMENT = new Set(['$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$unwind', '$redact']);

type Resolver = (name: string) => Doc[];
type Extra = QueryOptions & { guard: OpGuard };

export const ACCUMULATORS = new Set([
  '$accumulator', '$addToSet', '$avg', '$bottom', '$bottomN', '$count', '$first', '$firstN', '$last', '$lastN', '$max', '$maxN',
  '$median', '$mergeObjects', '$min', '$minN', '$percentile', '$push', '$stdDevPop', '$stdDevSamp', '$sum', '$top', '$topN',
]);

/** mongod's checks on a $group specification (15955 no _id, 40234 not an accumulator object, 15952 unknown operator). */
export function checkGroupSpec(spec: unknown): asserts spec is Doc {
  if (!isPlainObject(spec)) throw new MongoError(Codes.Location15947, "a group's fields must be specified in an object");
  if (!('_id' in spec)) throw new MongoError(Codes.Location15955, "a group specification must include an _id");
  for (const [field, acc] of Object.entries(spec)) {
    if (field === '_id') continue;
    if (field.includes('.')) throw new MongoError(Codes.Location40235, `The field name '${field}' cannot contain '.'`);
    if (!isPlainObject(acc) || Object.keys(acc).length !== 1) {
      throw new MongoError(Codes.Location40234, `The field '${field}' must be an accumulator object`);
    }
    const op = Object.keys(acc)[0] as string;
    if (!ACCUMULATORS.has(op)) throw new MongoError(Codes.Location15952, `unknown group operator '${op}'`);
  }
}

/** Walks $group specs anywhere in a pipeline (including $facet) to validate them up front. */
export function checkGroups(pipeline: Doc[]): void {
  for (const stage of pipeline) {
    if ('$group' in stage) checkGroupSpec(stage.$group);
    if (isPlainObject(stage.$facet)) for (const sub of Object.values(stage.$facet)) if (Array.isArray(sub)) checkGroups(sub as Doc[]);
  }
}

/** Reads a collection's documents a chunk at a time (no 1M-element copy in one go). */
async function materialise(source: Iterable<Doc>, guard: OpGuard): Promise<Doc[]> {
  if (Array.isArray(source)) return source as Doc[];
  const out: Doc[] = [];
  for (const d of source) {
    out.push(d);
    if ((out.length & 4095) === 0) await guard.tick();
  }
  return out;
}

export async function runPipelineAsync(source: Iterable<Doc>, pipeline: Doc[], resolver: Resolver, extra: Extra): Promise<Doc[]> {
  const guard = extra.guard;
  const stages = preparePipeline(pipeline, guard);
  let current = await materialise(source, guard);
  let i = 0;
  while (i < stages.length) {
    // A run of per-document stages goes chunk by chunk.
    let j = i;
    while (j < stages.length && PER_DOCUMENT.has(Object.keys(stages[j] as Doc)[0] as string)) j += 1;
    if (j > i) {
      current = await chunked(current, stages.slice(i, j), resolver, extra);
      i = j;
      continue;
    }
    const stage = stages[i] as Doc;
    const name = Object.keys(stage)[0] as string;
    const collated = extra.collation !== undefined && typeof extra.collation.locale === 'string' && extra.collation.locale !== 'simple';
    if (name === '$group' && current.length > CHUNK) {
      checkGroupSpec(stage.$group);
      current = await groupAsync(current, stage.$group, resolver, extra);
    } else if (name === '$sort' && !collated && isPlainObject(stage.$sort) && Object.keys(stage.$sort).length > 0 && current.length > CHUNK) {
      checkOperationMemory(current, '$sort');
      const next = stages[i + 1];
      current = await sortDocumentsAsync(current, stage.$sort, guard);
      // $sort + $limit: mongod keeps only the top k; the result is the same.
      if (next !== undefined && typeof next.$limit === 'number') {
        current = current.slice(0, Math.max(0, next.$limit));
        i += 1;
      }
    } else {
      if (name === '$sort' || name === '$bucket' || name === '$bucketAuto' || name === '$setWindowFields' || name === '$sortByCount') checkOperationMemory(current, name);
      current = runPipeline(current, [stage], resolver, extra);
    }
    guard.check();
    i += 1;
  }
  return current;
}

/**
 * Per-document stages a chunk at a time, pulling results one by one so that a stage that multiplies
 * documents ($unwind of a huge array) is stopped at the emulator's memory ceiling (146) instead of
 * exhausting the heap: results are materialised here, where mongod would stream them.
 */
async function chunked(docs: Doc[], stages: Doc[], resolver: Resolver, extra: Extra): Promise<Doc[]> {
  const out: Doc[] = [];
  let bytes = 0;
  let perDoc = 0;
  for (let k = 0; k < docs.length || (k === 0 && docs.length === 0); k += CHUNK) {
    const next = streamPipeline(docs.slice(k, k + CHUNK), stages, resolver, extra);
    for (let d = next(); d !== undefined; d = next()) {
      out.push(d);
      // BSON size plus what V8 spends on the object itself (measured: roughly 200 bytes for small documents).
      if ((out.length & 1023) === 1) perDoc = approxSize(d) + 200;
      bytes += perDoc;
      if ((out.length & 4095) === 0) {
        if (bytes > OPERATION_MEMORY_BYTES) {
          throw new MongoError(Codes.ExceededMemoryLimit, `the aggregation's results exceed ${OPERATION_MEMORY_BYTES} bytes, the NoSQL Lab emulator's limit for one operation (the emulator keeps results in memory where mongod would stream them); add a $limit or a $match`);
        }
        await extra.guard.tick();
      }
    }
    await extra.guard.tick();
    if (docs.length === 0) break;
  }
  return out;
}

/** How each accumulator splits into a per-chunk partial and a merge over the partials. */
interface Plan {
  partial: Doc;
  merge: Doc;
  finish: Array<(merged: Doc, out: Doc) => void>;
}

function planGroup(spec: Doc, extra: Extra): Plan | undefined {
  const partial: Doc = { _id: spec._id };
  const merge: Doc = { _id: '$_id' };
  const finish: Plan['finish'] = [];
  for (const [field, acc] of Object.entries(spec)) {
    if (field === '_id') continue;
    const [op, expr] = Object.entries(acc as Doc)[0] as [string, unknown];
    const p = `p_${finish.length}`;
    switch (op) {
      case '$sum':
      case '$min':
      case '$max':
      case '$first':
      case '$last':
      case '$mergeObjects':
        partial[p] = { [op]: expr };
        merge[p] = { [op === '$sum' ? '$sum' : op]: `$${p}` };
        finish.push((m, out) => {
          out[field] = m[p];
        });
        break;
      case '$count':
        partial[p] = { $sum: 1 };
        merge[p] = { $sum: `$${p}` };
        finish.push((m, out) => {
          out[field] = m[p];
        });
        break;
      case '$avg':
        partial[`${p}s`] = { $sum: expr };
        // $avg of a one-element array is null exactly when the value is not a number.
        partial[`${p}c`] = { $sum: { $cond: [{ $eq: [{ $avg: [expr] }, null] }, 0, 1] } };
        merge[`${p}s`] = { $sum: `$${p}s` };
        merge[`${p}c`] = { $sum: `$${p}c` };
        finish.push((m, out) => {
          const count = m[`${p}c`];
          out[field] = count === 0 || count === undefined ? null : evalExpression({}, { $divide: [{ $literal: m[`${p}s`] }, { $literal: count }] }, extra);
        });
        break;
      case '$push':
      case '$addToSet':
        partial[p] = { [op]: expr };
        merge[p] = { $push: `$${p}` };
        finish.push((m, out) => {
          const parts = (m[p] as unknown[][] | undefined) ?? [];
          const all: unknown[] = [];
          const seen = op === '$addToSet' ? new Set<string>() : undefined;
          let bytes = 0;
          for (const part of parts) {
            for (const el of part) {
              if (seen !== undefined) {
                const k = keyOf(el);
                if (seen.has(k)) continue;
                seen.add(k);
              }
              bytes += approxSize(el);
              if (bytes > MEMORY_LIMIT_BYTES) {
                throw new MongoError(Codes.ExceededMemoryLimit, `${op} used too much memory and cannot spill to disk. Memory limit: ${MEMORY_LIMIT_BYTES} bytes`);
              }
              all.push(el);
            }
          }
          out[field] = all;
        });
        break;
      default:
        return undefined;
    }
  }
  return { partial, merge, finish };
}

/**
 * $group that yields: documents are partitioned by their _id expression chunk by chunk, then the
 * groups go through mingo's own $group a batch at a time (so every accumulator keeps mingo's
 * semantics). A group too big for one batch is split into partial groups that are merged, when its
 * accumulators allow it (planGroup); otherwise it is computed in one go.
 */
async function groupAsync(docs: Doc[], spec: Doc, resolver: Resolver, extra: Extra): Promise<Doc[]> {
  const BATCH = CHUNK * 4;
  const groups = new Map<string, Doc[]>();
  for (let start = 0; start < docs.length; start += CHUNK) {
    const part = docs.slice(start, start + CHUNK);
    const ids = evaluateAll(part, spec._id, extra);
    for (let k = 0; k < part.length; k++) {
      const key = keyOf(ids[k]);
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [part[k] as Doc]);
      else list.push(part[k] as Doc);
    }
    await extra.guard.tick();
  }
  if (groups.size > 100_000) checkOperationMemory(docs, '$group');
  const plan = planGroup(spec, extra);
  const out: Doc[] = [];
  let batch: Doc[] = [];
  const flush = (): void => {
    if (batch.length > 0) for (const g of runPipeline(batch, [{ $group: spec }], resolver, extra)) out.push(g);
    batch = [];
  };
  for (const list of groups.values()) {
    if (list.length > BATCH && plan !== undefined) {
      flush();
      out.push(await bigGroup(list, plan, resolver, extra));
      continue;
    }
    if (batch.length + list.length > BATCH) {
      flush();
      await extra.guard.tick();
    }
    for (const d of list) batch.push(d);
  }
  flush();
  return out;
}

/** One large group: partial groups over chunks of its documents, then one merge. */
async function bigGroup(list: Doc[], plan: Plan, resolver: Resolver, extra: Extra): Promise<Doc> {
  const partials: Doc[] = [];
  for (let k = 0; k < list.length; k += CHUNK * 4) {
    for (const p of runPipeline(list.slice(k, k + CHUNK * 4), [{ $group: plan.partial }], resolver, extra)) partials.push(p);
    await extra.guard.tick();
  }
  const merged = runPipeline(partials, [{ $group: plan.merge }], resolver, extra)[0] as Doc;
  const doc: Doc = '_id' in merged ? { _id: merged._id } : {};
  for (const f of plan.finish) f(merged, doc);
  return doc;
}
