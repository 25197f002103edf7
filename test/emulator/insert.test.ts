import { describe, expect, it } from 'vitest';
import { Binary, Decimal128, Double, Int32, Long, MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import { useMongo, withoutId } from './helpers.ts';

const mongo = useMongo('insert');

// Manual: "Insert Documents" (CRUD Operations → Insert Documents)
describe('Insert Documents', () => {
  it('returns an ObjectId insertedId and stores the document when insertOne is given no _id', async () => {
    const inventory = mongo.db().collection('inventory');
    const canvas = { item: 'canvas', qty: 100, tags: ['cotton'], size: { h: 28, w: 35.5, uom: 'cm' } };

    const result = await inventory.insertOne({ ...canvas });

    expect(result.acknowledged).toBe(true);
    expect(result.insertedId).toBeInstanceOf(ObjectId);
    const stored = await inventory.findOne({ item: 'canvas' });
    const expected = { _id: result.insertedId, ...canvas };
    expect(stored).toEqual(expected);
  });

  it('returns insertedCount 3 and one insertedId per index when insertMany inserts three documents', async () => {
    const inventory = mongo.db().collection('inventory_many');
    const docs = [
      { item: 'journal', qty: 25, tags: ['blank', 'red'], size: { h: 14, w: 21, uom: 'cm' } },
      { item: 'mat', qty: 85, tags: ['gray'], size: { h: 27.9, w: 35.5, uom: 'cm' } },
      { item: 'mousepad', qty: 25, tags: ['gel', 'blue'], size: { h: 19, w: 22.85, uom: 'cm' } },
    ];

    const result = await inventory.insertMany(docs.map((d) => ({ ...d })));

    expect(result.insertedCount).toBe(3);
    expect(Object.keys(result.insertedIds)).toEqual(['0', '1', '2']);
    const stored = await inventory.find({}).sort({ item: 1 }).toArray();
    expect(withoutId(stored)).toEqual(docs);
  });

  it('keeps the _id the client chose when the document has one', async () => {
    const coll = mongo.db().collection<{ _id: unknown; name: string }>('chosen_ids');
    const docs = [
      { _id: 'alice', name: 'Alice' },
      { _id: 42, name: 'Answer' },
      { _id: { country: 'NL', n: 1 }, name: 'Compound' },
    ];

    await coll.insertMany(docs.map((d) => ({ ...d })));

    const stored = await coll.find({}).toArray();
    expect(stored).toHaveLength(3);
    expect(stored).toEqual(expect.arrayContaining(docs));
  });

  it('refuses an array as _id', async () => {
    const coll = mongo.db().collection('array_id');
    const error = await coll.insertOne({ _id: [1, 2] as never, x: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).message).toMatch(/array/i);
    expect(await coll.countDocuments()).toBe(0);
  });

  it('creates the collection implicitly on the first insert', async () => {
    const name = 'created_by_insert';
    const before = await mongo.db().listCollections({ name }).toArray();

    await mongo.db().collection(name).insertOne({ x: 1 });

    const after = await mongo.db().listCollections({ name }).toArray();
    expect(before).toEqual([]);
    expect(after.map((c) => c.name)).toEqual([name]);
  });
});

// Manual: "BSON Types" — values come back with the type they were stored with
describe('BSON Types', () => {
  it('round-trips every common BSON type unchanged', async () => {
    const coll = mongo.db().collection('bson_types');
    const id = new ObjectId();
    const doc = {
      _id: id,
      string: 'héllo ✓',
      int: 7,
      double: 2.5,
      long: Long.fromString('9007199254740993'),
      decimal: Decimal128.fromString('10.25'),
      bool: true,
      nil: null,
      date: new Date('2014-03-01T08:00:00Z'),
      binary: new Binary(Buffer.from([1, 2, 3])),
      nested: { deeper: { list: [1, 'two', { three: 3 }] } },
      emptyArray: [],
      emptyObject: {},
    };

    await coll.insertOne(doc);

    const stored = await coll.findOne({ _id: id }, { promoteLongs: false, promoteValues: false });
    const expected = {
      ...doc,
      int: new Int32(7),
      double: new Double(2.5),
      nested: { deeper: { list: [new Int32(1), 'two', { three: new Int32(3) }] } },
    };
    expect(stored).toEqual(expected);
  });

  it('stores a whole-number double as a double when the client sends a Double', async () => {
    const coll = mongo.db().collection('doubles');
    await coll.insertOne({ _id: 1 as never, gpa: new Double(3) });

    const typed = await coll.countDocuments({ gpa: { $type: 'double' } });
    const asInt = await coll.countDocuments({ gpa: { $type: 'int' } });

    expect({ typed, asInt }).toEqual({ typed: 1, asInt: 0 });
  });
});

// Manual: "db.collection.insertMany()" → "Behaviors: Execution of Operations" (ordered vs unordered)
describe('insertMany ordered and unordered', () => {
  it('stops at the first duplicate when ordered (the default), keeping the documents before it', async () => {
    const coll = await mongo.seed<{ _id: number; item: string }>('ordered', []);
    const docs = [
      { _id: 13, item: 'envelopes' },
      { _id: 13, item: 'stamps' },
      { _id: 14, item: 'bubble wrap' },
    ];

    const error = await coll.insertMany(docs).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.code).toBe(11000);
    expect(bulk.insertedCount).toBe(1);
    const stored = await coll.find({}).sort({ _id: 1 }).toArray();
    const expected = [{ _id: 13, item: 'envelopes' }];
    expect(stored).toEqual(expected);
  });

  it('inserts every other document when unordered, reporting the duplicate by index', async () => {
    const coll = await mongo.seed<{ _id: number; item: string }>('unordered', []);
    const docs = [
      { _id: 13, item: 'envelopes' },
      { _id: 13, item: 'stamps' },
      { _id: 14, item: 'bubble wrap' },
    ];

    const error = await coll.insertMany(docs, { ordered: false }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(2);
    const failures = (Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors]).map((w) => ({
      index: w.index,
      code: w.code,
    }));
    expect(failures).toEqual([{ index: 1, code: 11000 }]);
    const stored = await coll.find({}).sort({ _id: 1 }).toArray();
    const expected = [
      { _id: 13, item: 'envelopes' },
      { _id: 14, item: 'bubble wrap' },
    ];
    expect(stored).toEqual(expected);
  });
});
