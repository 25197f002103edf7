/**
 * $jsonSchema for collection validators and queries. mingo implements the `$jsonSchema` query
 * operator but needs a validator function plugged in (none is installed), so this is the small
 * subset of MongoDB's JSON Schema draft 4 dialect the course uses, plus mongod-like errInfo details.
 */
import { Codes, MongoError } from './errors.ts';
import { bsonTypesOf, kindAt, type NumberKind } from './numbers.ts';
import type { Doc } from './values.ts';

type Schema = Record<string, unknown>;

export interface SchemaFailure {
  operatorName: string;
  specifiedAs: Doc;
  reason: string;
  [extra: string]: unknown;
}

function jsonTypeOf(v: unknown, kind: NumberKind | undefined): string[] {
  const b = bsonTypesOf(v, kind);
  if (b.includes('number')) return ['number', ...(b.includes('int') || b.includes('long') ? ['integer'] : [])];
  if (b[0] === 'bool') return ['boolean'];
  return b;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && bsonTypesOf(v, undefined).includes('number')) return Number(String(v));
  return undefined;
}

function equalValues(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b || (num(a) !== undefined && num(a) === num(b));
}

/** Returns the rules `value` breaks; empty means valid. */
export function checkSchema(schema: Schema, value: unknown, kind?: NumberKind): SchemaFailure[] {
  const out: SchemaFailure[] = [];
  const fail = (op: string, reason: string, extra: Doc = {}): void => {
    out.push({ operatorName: op, specifiedAs: { [op]: schema[op] }, reason, ...extra });
  };
  const types = bsonTypesOf(value, kind);
  if (schema.bsonType !== undefined) {
    const want = Array.isArray(schema.bsonType) ? schema.bsonType : [schema.bsonType];
    if (!want.some((t) => types.includes(String(t)))) fail('bsonType', 'type did not match', { consideredValue: value, consideredType: types[0] });
  }
  if (schema.type !== undefined) {
    const want = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!want.some((t) => jsonTypeOf(value, kind).includes(String(t)))) fail('type', 'type did not match', { consideredValue: value, consideredType: types[0] });
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => equalValues(e, value))) {
    fail('enum', 'value was not found in enum', { consideredValue: value });
  }
  const n = num(value);
  if (n !== undefined) {
    const min = num(schema.minimum);
    const max = num(schema.maximum);
    if (min !== undefined && (schema.exclusiveMinimum === true ? n <= min : n < min)) {
      fail('minimum', 'comparison failed', { consideredValue: value });
    }
    if (max !== undefined && (schema.exclusiveMaximum === true ? n >= max : n > max)) {
      fail('maximum', 'comparison failed', { consideredValue: value });
    }
    const mult = num(schema.multipleOf);
    if (mult !== undefined && n % mult !== 0) fail('multipleOf', 'considered value is not a multiple of the specified value', { consideredValue: value });
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof schema.minLength === 'number' && len < schema.minLength) fail('minLength', 'specified string length was not satisfied', { consideredValue: value });
    if (typeof schema.maxLength === 'number' && len > schema.maxLength) fail('maxLength', 'specified string length was not satisfied', { consideredValue: value });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      fail('pattern', 'regular expression did not match', { consideredValue: value });
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('minItems', 'array did not match specified length', { consideredValue: value });
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail('maxItems', 'array did not match specified length', { consideredValue: value });
    if (schema.uniqueItems === true) {
      const seen = new Set(value.map((v) => JSON.stringify(v)));
      if (seen.size !== value.length) fail('uniqueItems', 'found a duplicate item', { consideredValue: value });
    }
    if (schema.items !== undefined) {
      const itemSchemas = Array.isArray(schema.items) ? (schema.items as Schema[]) : null;
      value.forEach((item, i) => {
        const s = itemSchemas ? itemSchemas[i] : (schema.items as Schema);
        if (s === undefined) return;
        const details = checkSchema(s, item, kindAt(value, String(i)));
        if (details.length > 0) fail('items', 'At least one item did not match the sub-schema', { itemIndex: i, details });
      });
    }
  }
  if (types[0] === 'object' && value !== null && typeof value === 'object') {
    const obj = value as Doc;
    const keys = Object.keys(obj);
    if (Array.isArray(schema.required)) {
      const missing = (schema.required as string[]).filter((k) => obj[k] === undefined);
      if (missing.length > 0) fail('required', 'object did not contain all required properties', { missingProperties: missing });
    }
    if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) fail('minProperties', 'specified number of properties was not satisfied', { numberOfProperties: keys.length });
    if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) fail('maxProperties', 'specified number of properties was not satisfied', { numberOfProperties: keys.length });
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const notSatisfied: Doc[] = [];
    for (const [k, s] of Object.entries(props)) {
      if (obj[k] === undefined) continue;
      const details = checkSchema(s, obj[k], kindAt(obj, k));
      if (details.length > 0) notSatisfied.push({ propertyName: k, description: s.description, details });
    }
    if (notSatisfied.length > 0) {
      out.push({
        operatorName: 'properties',
        specifiedAs: { properties: schema.properties as Doc },
        reason: 'at least one property did not match',
        propertiesNotSatisfied: notSatisfied.map((d) => (d.description === undefined ? { propertyName: d.propertyName, details: d.details } : d)),
      });
    }
    const patternProps = (schema.patternProperties ?? {}) as Record<string, Schema>;
    for (const [pat, s] of Object.entries(patternProps)) {
      const re = new RegExp(pat, 'u');
      for (const k of keys) if (re.test(k) && checkSchema(s, obj[k]).length > 0) fail('patternProperties', 'property did not match', { propertyName: k });
    }
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
      const extra = keys.filter((k) => !(k in props) && !Object.keys(patternProps).some((p) => new RegExp(p, 'u').test(k)));
      if (schema.additionalProperties === false) {
        if (extra.length > 0) fail('additionalProperties', 'found additional properties', { additionalProperties: extra });
      } else if (typeof schema.additionalProperties === 'object') {
        for (const k of extra) {
          if (checkSchema(schema.additionalProperties as Schema, obj[k]).length > 0) fail('additionalProperties', 'at least one additional property did not match the sub-schema', { propertyName: k });
        }
      }
    }
  }
  if (Array.isArray(schema.allOf)) {
    const bad = (schema.allOf as Schema[]).filter((s) => checkSchema(s, value).length > 0);
    if (bad.length > 0) fail('allOf', 'at least one sub-schema failed');
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => checkSchema(s, value).length === 0)) {
    fail('anyOf', 'no sub-schemas succeeded');
  }
  if (Array.isArray(schema.oneOf) && (schema.oneOf as Schema[]).filter((s) => checkSchema(s, value).length === 0).length !== 1) {
    fail('oneOf', 'exactly one sub-schema must match');
  }
  if (schema.not !== undefined && checkSchema(schema.not as Schema, value).length === 0) fail('not', 'child expression matched');
  return out;
}

/** The validator mingo's $jsonSchema operator calls. */
export function jsonSchemaValidator(schema: Schema): (doc: unknown) => boolean {
  return (doc: unknown): boolean => checkSchema(schema, doc).length === 0;
}

const KEYWORDS = new Set([
  'additionalItems', 'additionalProperties', 'allOf', 'anyOf', 'bsonType', 'dependencies', 'description', 'enum',
  'exclusiveMaximum', 'exclusiveMinimum', 'items', 'maximum', 'maxItems', 'maxLength', 'maxProperties', 'minimum',
  'minItems', 'minLength', 'minProperties', 'multipleOf', 'not', 'oneOf', 'pattern', 'patternProperties', 'properties',
  'required', 'title', 'type', 'uniqueItems', 'encrypt', 'encryptMetadata',
]);
/** Draft 4 keywords mongod refuses ("Omissions" in the manual's $jsonSchema page). */
const OMITTED = new Set(['$ref', '$schema', 'default', 'definitions', 'format', 'id']);
const BSON_ALIASES = new Set([
  'double', 'string', 'object', 'array', 'binData', 'undefined', 'objectId', 'bool', 'date', 'null', 'regex', 'dbPointer',
  'javascript', 'symbol', 'javascriptWithScope', 'int', 'timestamp', 'long', 'decimal', 'minKey', 'maxKey', 'number',
]);
const JSON_TYPES = new Set(['object', 'array', 'number', 'boolean', 'string', 'null']);

/**
 * Refuses a $jsonSchema that mongod's parser refuses (create / collMod), with mongod's codes and words:
 * an omitted or unknown keyword, the JSON type "integer", an unknown type alias.
 */
export function checkSchemaKeywords(schema: unknown): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new MongoError(Codes.TypeMismatch, '$jsonSchema must be an object');
  }
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (OMITTED.has(key)) throw new MongoError(Codes.FailedToParse, `$jsonSchema keyword '${key}' is not currently supported`);
    if (!KEYWORDS.has(key)) throw new MongoError(Codes.FailedToParse, `Unknown $jsonSchema keyword: ${key}`);
    if (key === 'type' || key === 'bsonType') {
      for (const alias of Array.isArray(value) ? value : [value]) {
        if (key === 'type' && alias === 'integer') throw new MongoError(Codes.FailedToParse, "$jsonSchema type 'integer' is not currently supported.");
        if (!(key === 'type' ? JSON_TYPES : BSON_ALIASES).has(String(alias))) throw new MongoError(Codes.BadValue, `Unknown type name alias: ${String(alias)}`);
      }
    }
    const subSchemas: unknown[] =
      key === 'properties' || key === 'patternProperties' ? Object.values((value ?? {}) as Schema)
        : key === 'allOf' || key === 'anyOf' || key === 'oneOf' ? (Array.isArray(value) ? value : [])
          : key === 'items' ? (Array.isArray(value) ? value : [value])
            : key === 'not' || ((key === 'additionalProperties' || key === 'additionalItems') && typeof value === 'object') ? [value]
              : key === 'dependencies' ? Object.values((value ?? {}) as Schema).filter((v) => !Array.isArray(v))
                : [];
    for (const sub of subSchemas) checkSchemaKeywords(sub);
  }
}
