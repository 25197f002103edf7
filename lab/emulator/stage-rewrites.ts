/**
 * Aggregation stages where mingo and mongod disagree, rewritten into stages mingo runs the way
 * mongod does. Called from `rewrite()` in query.ts; each function returns the stages to run instead.
 */
import { isPlainObject, type Doc } from './values.ts';

/**
 * $bucket, as mongod defines it: a $group on "which bucket" followed by a $sort on _id. mingo's own
 * $bucket puts a value that equals a boundary in the bucket below it and emits empty buckets; mongod
 * puts it in the bucket that boundary opens and "only produces output documents for buckets that
 * contain at least one input document".
 */
export function bucketStages(spec: Doc): Doc[] {
  const bounds = Array.isArray(spec.boundaries) ? spec.boundaries : [];
  if (bounds.length < 2) return [{ $bucket: spec }]; // mingo reports the error in mongod's words
  const output = isPlainObject(spec.output) ? spec.output : { count: { $sum: 1 } };
  const branches = bounds.slice(0, -1).map((lower, i) => ({
    case: { $and: [{ $gte: [spec.groupBy, lower] }, { $lt: [spec.groupBy, bounds[i + 1]] }] },
    then: lower,
  }));
  const which = { $switch: { branches, ...(spec.default === undefined ? {} : { default: spec.default }) } };
  const grouped = [{ $group: { _id: which, ...output } }, { $sort: { _id: 1 } }];
  if (spec.default !== undefined) return grouped;
  // Without a default, a value outside the boundaries is an error (mingo's $switch would give null):
  // mingo's own $bucket raises it, so run that over the same input first and pass the documents on.
  return [
    { $facet: { check: [{ $bucket: { groupBy: spec.groupBy, boundaries: bounds } }], docs: [{ $match: {} }] } },
    { $unwind: '$docs' },
    { $replaceRoot: { newRoot: '$docs' } },
    ...grouped,
  ];
}

const LOCAL = 'nosqlLabLookupLocal';

/** `x` as an array: itself when it is one, `[x]` otherwise, with a missing value as null (as $lookup matches it). */
function asArray(x: unknown): Doc {
  const value = { $ifNull: [x, null] };
  return { $cond: [{ $isArray: value }, value, [value]] };
}

/**
 * $lookup with localField/foreignField AND a pipeline (MongoDB 5.0+): mongod runs the pipeline on the
 * foreign documents whose foreignField equals localField; mingo runs it on every foreign document. Moves
 * the equality into the pipeline's first stage, with $lookup's array semantics (any value of either side).
 */
export function lookupStages(spec: Doc): Doc[] {
  const { localField, foreignField, pipeline, ...rest } = spec;
  if (typeof localField !== 'string' || typeof foreignField !== 'string' || !Array.isArray(pipeline) || pipeline.length === 0) {
    return [{ $lookup: spec }];
  }
  const joined = { $gt: [{ $size: { $setIntersection: [asArray(`$${foreignField}`), asArray(`$$${LOCAL}`)] } }, 0] };
  return [{
    $lookup: {
      ...rest,
      let: { ...(isPlainObject(spec.let) ? spec.let : {}), [LOCAL]: `$${localField}` },
      pipeline: [{ $match: { $expr: joined } }, ...pipeline],
    },
  }];
}
