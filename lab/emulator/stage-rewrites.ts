/**
 * Aggregation stages where mingo and mongod disagree, rewritten into stages mingo runs the way
 * mongod does. Called from `rewrite()` in query.ts; each function returns the stages to run instead.
 */
import { isPlainObject, type Doc } from './values.ts';

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
