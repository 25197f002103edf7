/** Collection validators (create/collMod `validator`), applied to inserts and updates like mongod. */
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
