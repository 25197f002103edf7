import { beforeAll, describe, expect, it } from 'vitest';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import { type Doc, isEmulator, rejection, useMongo } from './helpers.ts';

const mongo = useMongo('errors');

let people: Collection<Doc>;
beforeAll(async () => {
  people = await mongo.seed('people', [{ _id: 1, email: 'ada@example.com', name: 'Ada' }]);
  await people.createIndex({ email: 1 }, { unique: true });
});

// Manual: "Error Codes" → 11000 DuplicateKey; "Unique Indexes"
describe('Duplicate key errors (11000)', () => {
  it('throws a MongoServerError with code 11000, keyPattern and keyValue for a duplicate _id', async () => {
    const error = await rejection(people.insertOne({ _id: 1, email: 'other@example.com' }));

    const expected = { name: 'MongoServerError', code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 1 } };
    expect({ name: error.name, code: error.code, keyPattern: error['keyPattern'], keyValue: error['keyValue'] }).toEqual(expected);
    expect(error.message).toMatch(/E11000 duplicate key error/);
  });

  it('names the unique index that was violated in the message', async () => {
    const error = await rejection(people.insertOne({ email: 'ada@example.com' }));
    expect(error.code).toBe(11000);
    expect(error.message).toMatch(/email_1/);
    expect(error['keyValue']).toEqual({ email: 'ada@example.com' });
  });

  it('reports the failing index and the inserted count in a MongoBulkWriteError from insertMany', async () => {
    const error = await people
      .insertMany([{ email: 'new@example.com' }, { email: 'ada@example.com' }, { email: 'after@example.com' }])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    const expected = { code: 11000, insertedCount: 1, failures: [{ index: 1, code: 11000 }] };
    expect({
      code: bulk.code,
      insertedCount: bulk.insertedCount,
      failures: writeErrors.map((w) => ({ index: w.index, code: w.code })),
    }).toEqual(expected);
    await people.deleteMany({ email: 'new@example.com' });
  });

  it('returns a duplicate key error from findOneAndUpdate upsert, too', async () => {
    const error = await rejection(people.findOneAndUpdate({ _id: 2 }, { $set: { email: 'ada@example.com' } }, { upsert: true }));
    expect(error.code).toBe(11000);
  });
});

// Manual: "Schema Validation" → 121 DocumentValidationFailure
describe('Document validation errors (121)', () => {
  it('throws code 121 with errInfo.failingDocumentId and details', async () => {
    const strict = await mongo.db().createCollection('strict', {
      validator: { $jsonSchema: { bsonType: 'object', required: ['name'] } },
    });

    const error = await rejection(strict.insertOne({ _id: 'x' as never, nickname: 'no name' }));

    expect(error.code).toBe(121);
    expect(error.errInfo).toMatchObject({ failingDocumentId: 'x', details: { operatorName: '$jsonSchema' } });
  });
});

// Manual: "Error Codes" → 2 BadValue; query and update operator parsing.
// Write errors (inside `writeErrors`) carry `code` and `errmsg` but no `codeName` on mongod, so only
// command-level errors are checked for their codeName.
describe('Bad queries and updates', () => {
  it('rejects an unknown query operator with code 2 BadValue, naming the operator', async () => {
    const error = await rejection(people.find({ email: { $nosuch: 1 } }).toArray());
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 2, codeName: 'BadValue' });
    expect(error.message).toMatch(/unknown operator: \$nosuch/);
  });

  it('rejects an unknown top-level operator with code 2 BadValue', async () => {
    const error = await rejection(people.find({ $nosuch: [{ a: 1 }] }).toArray());
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 2, codeName: 'BadValue' });
    expect(error.message).toMatch(/unknown top level operator: \$nosuch/);
  });

  it('rejects an unknown update operator with code 9 FailedToParse', async () => {
    const error = await rejection(people.updateOne({ _id: 1 }, { $nosuch: { name: 'x' } } as Document));
    expect(error.code).toBe(9);
    expect(error.message).toMatch(/Unknown modifier: \$nosuch/);
  });

  it('rejects an update that changes _id with code 66 ImmutableField', async () => {
    const error = await rejection(people.updateOne({ _id: 1 }, { $set: { _id: 99 } }));
    expect(error.code).toBe(66);
    expect(await people.countDocuments({ _id: 1 })).toBe(1);
  });

  it('rejects two operators on the same path with code 40 ConflictingUpdateOperators', async () => {
    const error = await rejection(people.updateOne({ _id: 1 }, { $set: { n: 1 }, $inc: { n: 1 } }));
    expect(error.code).toBe(40);
  });

  it('rejects $inc on a non-numeric field with code 14 TypeMismatch', async () => {
    const error = await rejection(people.updateOne({ _id: 1 }, { $inc: { name: 1 } }));
    expect(error.code).toBe(14);
  });

  it('rejects an unknown aggregation stage with code 40324', async () => {
    const error = await rejection(people.aggregate([{ $nosuch: {} }]).toArray());
    expect(error.code).toBe(40324);
    expect(error.message).toMatch(/Unrecognized pipeline stage name: '\$nosuch'/);
  });

  it('throws a MongoServerError the learner can catch by class on every backend', async () => {
    const error = await people.find({ email: { $nosuch: 1 } }).toArray().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
  });
});

// Manual: "Error Codes" → 59 CommandNotFound. Against a real server every command below exists or has
// mongod's own wording, so these checks of the emulator's message only run against the emulator.
describe.skipIf(!isEmulator)('Commands the emulator does not provide (59 CommandNotFound)', () => {
  it('answers an unknown command with code 59 CommandNotFound, naming it', async () => {
    const error = await rejection(mongo.db().command({ noSuchCommand: 1 }));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 59, codeName: 'CommandNotFound' });
    expect(error.message).toMatch(/noSuchCommand/);
  });

  it('answers a real mongod command it does not emulate (mapReduce) with 59 and points to a real server', async () => {
    const error = await rejection(mongo.db().command({ mapReduce: 'people', map: 'function(){}', reduce: 'function(){}', out: { inline: 1 } }));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 59, codeName: 'CommandNotFound' });
    expect(error.message).toMatch(/mapReduce/);
    expect(error.message).toMatch(/mongodb-memory-server|MONGODB_URI/);
  });

  it('keeps the connection usable after an unsupported command', async () => {
    await mongo.db().command({ noSuchCommand: 1 }).catch(() => undefined);
    const expected = { ok: 1 };
    expect(await mongo.db().command({ ping: 1 })).toMatchObject(expected);
  });
});
