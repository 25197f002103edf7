/**
 * $jsonSchema keywords mongod refuses when a validator is created or changed (manual: "$jsonSchema",
 * "Omissions": $ref, $schema, default, definitions, format, id; and no JSON type "integer").
 * Runs against any server: MONGODB_URI=… npx vitest run test/emulator/json-schema-keywords.test.ts
 */
import { describe, expect, it } from 'vitest';
import { MongoServerError } from 'mongodb';
import { useMongo } from './helpers.ts';

const mongo = useMongo('json_schema_keywords');
let n = 0;

async function create(schema: Record<string, unknown>): Promise<{ code: number; message: string } | 'created'> {
  n += 1;
  return mongo.db().createCollection(`v${n}`, { validator: { $jsonSchema: schema } }).then(
    () => 'created' as const,
    (e: unknown) => (e instanceof MongoServerError ? { code: e.code as number, message: e.message } : { code: -1, message: String(e) }),
  );
}

describe('$jsonSchema keywords (create and collMod)', () => {
  it('refuses the draft 4 keywords MongoDB omits, nested ones too, with FailedToParse (9)', async () => {
    const expected = [
      { code: 9, message: "$jsonSchema keyword '$ref' is not currently supported" },
      { code: 9, message: "$jsonSchema keyword 'format' is not currently supported" },
      { code: 9, message: "$jsonSchema keyword 'default' is not currently supported" },
    ];
    const actual = [
      await create({ properties: { a: { $ref: '#/definitions/a' } } }),
      await create({ properties: { email: { bsonType: 'string', format: 'email' } } }),
      await create({ properties: { meta: { bsonType: 'object', properties: { lang: { bsonType: 'string', default: 'en' } } } } }),
    ];
    expect(actual).toEqual(expected);
  });

  it('refuses the JSON type "integer" (use bsonType int or long) and an unknown bsonType alias', async () => {
    const expected = [
      { code: 9, message: "$jsonSchema type 'integer' is not currently supported." },
      { code: 2, message: 'Unknown type name alias: integer' },
    ];
    const actual = [await create({ properties: { n: { type: 'integer' } } }), await create({ properties: { n: { bsonType: 'integer' } } })];
    expect(actual).toEqual(expected);
  });

  it('accepts the keywords MongoDB supports, and collMod checks a new validator the same way', async () => {
    const good = {
      bsonType: 'object',
      required: ['a'],
      properties: { a: { bsonType: ['int', 'long'], minimum: 1, description: 'a count' }, t: { type: 'string', maxLength: 9 }, l: { bsonType: 'array', items: { enum: ['x', 'y'] } } },
      additionalProperties: true,
    };
    const created = await create(good);
    const changed = await mongo.db().command({ collMod: `v${n}`, validator: { $jsonSchema: { properties: { a: { format: 'int32' } } } } })
      .then(() => 'changed', (e: unknown) => (e instanceof MongoServerError ? e.code : e));

    const expected = { created: 'created', changed: 9 };
    expect({ created, changed }).toEqual(expected);
  });
});
