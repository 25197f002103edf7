import { describe, expect, it } from 'vitest';
import type { Document } from 'mongodb';
import { eventually, isEmulator, rejection, useMongo } from './helpers.ts';

const mongo = useMongo('indexes');

// Manual: "Indexes" → "Index Names": the default name joins each key and its direction with underscores
describe('Index Names', () => {
  it('names a single-field ascending index "email_1"', async () => {
    const coll = await mongo.seed('names_single', [{ email: 'a@example.com' }]);
    const expected = 'email_1';
    expect(await coll.createIndex({ email: 1 })).toBe(expected);
  });

  it('names a compound index "a_1_b_-1"', async () => {
    const coll = await mongo.seed('names_compound', [{ a: 1, b: 2 }]);
    const expected = 'a_1_b_-1';
    expect(await coll.createIndex({ a: 1, b: -1 })).toBe(expected);
  });

  it('names an index on a nested field "size.uom_1"', async () => {
    const coll = await mongo.seed('names_nested', [{ size: { uom: 'cm' } }]);
    const expected = 'size.uom_1';
    expect(await coll.createIndex({ 'size.uom': 1 })).toBe(expected);
  });

  it('uses the name given in the options when there is one', async () => {
    const coll = await mongo.seed('names_custom', [{ item: 'x', qty: 1 }]);
    const expected = 'query for inventory';
    expect(await coll.createIndex({ item: 1, qty: 1 }, { name: 'query for inventory' })).toBe(expected);
  });

  it('lists the _id index and the new indexes with listIndexes', async () => {
    const coll = await mongo.seed('list', [{ email: 'a@example.com', a: 1, b: 1 }]);
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.createIndex({ a: 1, b: -1 });

    const indexes = await coll.listIndexes().toArray();

    const expected = [
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { email: 1 }, name: 'email_1', unique: true },
      { v: 2, key: { a: 1, b: -1 }, name: 'a_1_b_-1' },
    ];
    expect(indexes).toEqual(expected);
  });

  it('returns the same name and creates nothing new when the same index is created twice', async () => {
    const coll = await mongo.seed('twice', [{ email: 'a@example.com' }]);
    const first = await coll.createIndex({ email: 1 });
    const second = await coll.createIndex({ email: 1 });
    const count = (await coll.listIndexes().toArray()).length;
    expect({ first, second, count }).toEqual({ first: 'email_1', second: 'email_1', count: 2 });
  });

  it('removes an index by name with dropIndex, leaving _id_', async () => {
    const coll = await mongo.seed('drop_one', [{ email: 'a@example.com' }]);
    await coll.createIndex({ email: 1 });
    await coll.dropIndex('email_1');
    const names = (await coll.listIndexes().toArray()).map((i: Document) => i['name']);
    expect(names).toEqual(['_id_']);
  });
});

// Manual: "Unique Indexes"
describe('Unique Indexes', () => {
  it('rejects a second document with the same email with E11000, naming the key', async () => {
    const coll = await mongo.seed('unique_email', [{ email: 'ada@example.com' }]);
    await coll.createIndex({ email: 1 }, { unique: true });

    const error = await rejection(coll.insertOne({ email: 'ada@example.com' }));

    expect(error.code).toBe(11000);
    expect({ keyPattern: error['keyPattern'], keyValue: error['keyValue'] }).toEqual({
      keyPattern: { email: 1 },
      keyValue: { email: 'ada@example.com' },
    });
    expect(await coll.countDocuments()).toBe(1);
  });

  it('enforces uniqueness on updates too', async () => {
    const coll = await mongo.seed('unique_update', [{ email: 'a@example.com' }, { email: 'b@example.com' }]);
    await coll.createIndex({ email: 1 }, { unique: true });

    const error = await rejection(coll.updateOne({ email: 'b@example.com' }, { $set: { email: 'a@example.com' } }));

    expect(error.code).toBe(11000);
    expect(await coll.countDocuments({ email: 'b@example.com' })).toBe(1);
  });

  it('enforces uniqueness on the combination of values for a compound unique index', async () => {
    const coll = await mongo.seed('unique_compound', [{ groupNumber: 1, lastname: 'Smith', firstname: 'Ann' }]);
    await coll.createIndex({ groupNumber: 1, lastname: 1, firstname: 1 }, { unique: true });

    await coll.insertOne({ groupNumber: 2, lastname: 'Smith', firstname: 'Ann' }); // different combination: allowed
    const error = await rejection(coll.insertOne({ groupNumber: 1, lastname: 'Smith', firstname: 'Ann' }));

    expect(error.code).toBe(11000);
    expect(error['keyPattern']).toEqual({ groupNumber: 1, lastname: 1, firstname: 1 });
    expect(await coll.countDocuments()).toBe(2);
  });

  it('treats a missing field as null, so only one document may lack it', async () => {
    const coll = await mongo.seed('unique_missing', [{ name: 'first without email' }]);
    await coll.createIndex({ email: 1 }, { unique: true });

    const error = await rejection(coll.insertOne({ name: 'second without email' }));

    expect(error.code).toBe(11000);
    expect(error['keyValue']).toEqual({ email: null });
  });

  it('lets several documents lack the field when the unique index is also sparse', async () => {
    const coll = await mongo.seed('unique_sparse', [{ name: 'no email 1' }, { name: 'with email', email: 'a@example.com' }]);
    await coll.createIndex({ email: 1 }, { unique: true, sparse: true });

    await coll.insertOne({ name: 'no email 2' });
    const error = await rejection(coll.insertOne({ name: 'dup', email: 'a@example.com' }));

    expect(error.code).toBe(11000);
    expect(await coll.countDocuments()).toBe(3);
  });

  it('refuses to build a unique index over existing duplicates (E11000)', async () => {
    const coll = await mongo.seed('unique_build', [{ email: 'same@example.com' }, { email: 'same@example.com' }]);

    const error = await rejection(coll.createIndex({ email: 1 }, { unique: true }));

    expect(error.code).toBe(11000);
    const names = (await coll.listIndexes().toArray()).map((i: Document) => i['name']);
    expect(names).toEqual(['_id_']);
  });

  it('always enforces the unique _id index', async () => {
    const coll = await mongo.seed('unique_id', [{ _id: 1 }]);
    const error = await rejection(coll.insertOne({ _id: 1 }));
    expect({ code: error.code, keyPattern: error['keyPattern'], keyValue: error['keyValue'] }).toEqual({
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: 1 },
    });
  });
});

// Manual: "TTL Indexes" and "Expire Data from Collections by Setting TTL"
describe('TTL Indexes', () => {
  // mongod's TTL monitor wakes every 60 seconds; the emulator's about every second.
  const patienceMs = isEmulator ? 5_000 : 65_000;

  it('records expireAfterSeconds on the index', async () => {
    const coll = await mongo.seed('ttl_spec', [{ createdAt: new Date() }]);
    const name = await coll.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
    const index = (await coll.listIndexes().toArray()).find((i: Document) => i['name'] === name);
    const expected = { v: 2, key: { createdAt: 1 }, name: 'createdAt_1', expireAfterSeconds: 3600 };
    expect(index).toEqual(expected);
  });

  it(
    'eventually removes a document whose date is older than expireAfterSeconds, and keeps one without a date',
    async () => {
      const coll = await mongo.seed('ttl_expiry', [
        { _id: 'old', createdAt: new Date(Date.now() - 10 * 60_000) },
        { _id: 'no-date', createdAt: 'not a date' },
        { _id: 'fresh', createdAt: new Date(Date.now() + 60 * 60_000) },
      ]);
      await coll.createIndex({ createdAt: 1 }, { expireAfterSeconds: 1 });

      const gone = await eventually(async () => (await coll.countDocuments({ _id: 'old' })) === 0, patienceMs);

      expect(gone).toBe(true);
      const left = (await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id);
      const expected = ['fresh', 'no-date'];
      expect(left).toEqual(expected);
    },
    patienceMs + 10_000,
  );
});
