/** Collection validators (create/collMod `validator`), applied to inserts and updates like mongod. */
import { calculateObjectSize } from 'bson';
import { Codes, MongoError } from './errors.ts';
import { compileQuery } from './query.ts';
import { checkSchema } from './schema.ts';
import type { Collection } from './store.ts';
import type { Doc } from './values.ts';

function passes(validator: Doc, doc: Doc): boolean {
  return compileQuery(validator).test(doc);
}

/**
 * Throws DocumentValidationFailure (121) when `doc` breaks the collection's validator.
 * `old` is the document being updated: with validationLevel 'moderate' an update of a document
 * that was already invalid is allowed.
 */
export function validate(coll: Collection, doc: Doc, old: Doc | undefined, bypass: boolean): void {
  checkStorable(doc, old !== undefined);
  const validator = coll.options.validator as Doc | undefined;
  if (bypass || validator === undefined || Object.keys(validator).length === 0) return;
  const level = (coll.options.validationLevel as string | undefined) ?? 'strict';
  if (level === 'off') return;
  if (passes(validator, doc)) return;
  if (level === 'moderate' && old !== undefined && !passes(validator, old)) return;
  if (coll.options.validationAction === 'warn') return;
  const schema = validator.$jsonSchema as Doc | undefined;
  const details: Doc =
    schema !== undefined
      ? {
          operatorName: '$jsonSchema',
          ...(typeof schema.title === 'string' ? { title: schema.title } : {}),
          schemaRulesNotSatisfied: checkSchema(schema, doc),
        }
      : { operatorName: '$and', clausesNotSatisfied: [] };
  throw new MongoError(Codes.DocumentValidationFailure, 'Document failed validation', {
    errInfo: { failingDocumentId: doc._id, details },
  });
}

/** mongod's limit on stored documents: 16 MiB (BSONObjMaxUserSize). */
export const MAX_USER_SIZE = 16 * 1024 * 1024;
/** mongod's nesting limit for stored documents (BSONDepth::getMaxDepthForUserStorage). */
export const MAX_STORAGE_DEPTH = 100;

/** Deepest nesting of documents and arrays under `v` (a flat document is 1). */
function depthOver(v: unknown, depth: number, limit: number): boolean {
  if (depth > limit) return true;
  if (Array.isArray(v)) {
    for (const el of v) if (el !== null && typeof el === 'object' && depthOver(el, depth + 1, limit)) return true;
    return false;
  }
  if (v === null || typeof v !== 'object' || (v as { _bsontype?: unknown })._bsontype !== undefined) return false;
  for (const k in v) {
    const el = (v as Record<string, unknown>)[k];
    if (el !== null && typeof el === 'object' && depthOver(el, depth + 1, limit)) return true;
  }
  return false;
}

/**
 * What mongod refuses to store: a document nested deeper than 100 levels (15 Overflow), an insert
 * over 16 MiB (2 BadValue, "object to insert too large") and an update whose result is over 16 MiB
 * (17419). Checked on every write, validator or not.
 */
export function checkStorable(doc: Doc, isUpdate: boolean): void {
  if (depthOver(doc, 1, MAX_STORAGE_DEPTH)) {
    throw new MongoError(Codes.Overflow, `Document exceeds maximum nesting depth of ${MAX_STORAGE_DEPTH}`);
  }
  let size: number;
  try {
    size = calculateObjectSize(doc);
  } catch {
    return;
  }
  if (size <= MAX_USER_SIZE) return;
  if (isUpdate) throw new MongoError(Codes.Location17419, `Resulting document after update is larger than ${MAX_USER_SIZE}`);
  throw new MongoError(Codes.BadValue, `object to insert too large. size in bytes: ${size}, max size: ${MAX_USER_SIZE}`);
}
