import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import { type Doc, useMongo, withoutId } from './helpers.ts';

const mongo = useMongo('update');

// The manual's `inventory` documents for "Update Documents".
const inventoryDocs = [
  { item: 'canvas', qty: 100, size: { h: 28, w: 35.5, uom: 'cm' }, status: 'A' },
  { item: 'journal', qty: 25, size: { h: 14, w: 21, uom: 'cm' }, status: 'A' },
  { item: 'mat', qty: 85, size: { h: 27.9, w: 35.5, uom: 'cm' }, status: 'A' },
  { item: 'mousepad', qty: 25, size: { h: 19, w: 22.85, uom: 'cm' }, status: 'P' },
  { item: 'notebook', qty: 50, size: { h: 8.5, w: 11, uom: 'in' }, status: 'P' },
  { item: 'paper', qty: 100, size: { h: 8.5, w: 11, uom: 'in' }, status: 'D' },
  { item: 'planner', qty: 75, size: { h: 22.85, w: 30, uom: 'cm' }, status: 'D' },
  { item: 'postcard', qty: 45, size: { h: 10, w: 15.25, uom: 'cm' }, status: 'A' },
  { item: 'sketchbook', qty: 80, size: { h: 14, w: 21, uom: 'cm' }, status: 'A' },
  { item: 'sketch pad', qty: 95, size: { h: 22.85, w: 30.5, uom: 'cm' }, status: 'A' },
];

/** A Date the server set "now" must fall between the moment before the call and a little after it. */
function expectRecent(value: unknown, since: number): void {
  expect(value).toBeInstanceOf(Date);
  const t = (value as Date).getTime();
  expect(t).toBeGreaterThanOrEqual(since - 2_000); // allow a little clock skew against a remote server
  expect(t).toBeLessThanOrEqual(Date.now() + 2_000);
}

// Manual: "Update Documents"
describe('Update Documents', () => {
  let inventory: Collection<Doc>;
  beforeEach(async () => {
    inventory = await mongo.seed('inventory', inventoryDocs);
  });

  it('sets fields and $currentDate on the first match with updateOne', async () => {
    const since = Date.now();
    const result = await inventory.updateOne(
      { item: 'paper' },
      { $set: { 'size.uom': 'cm', status: 'P' }, $currentDate: { lastModified: true } },
    );

    expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: 1, modified: 1 });
    const { lastModified, ...paper } = withoutId([(await inventory.findOne({ item: 'paper' })) as Document])[0] as Document;
    const expected = { item: 'paper', qty: 100, size: { h: 8.5, w: 11, uom: 'cm' }, status: 'P' };
    expect(paper).toEqual(expected);
    expectRecent(lastModified, since);
  });

  it('updates every match with updateMany ({ qty: { $lt: 50 } } matches three)', async () => {
    const result = await inventory.updateMany(
      { qty: { $lt: 50 } },
      { $set: { 'size.uom': 'in', status: 'P' }, $currentDate: { lastModified: true } },
    );

    expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: 3, modified: 3 });
    const updated = await inventory.find({ lastModified: { $exists: true } }, { projection: { _id: 0, item: 1, status: 1, 'size.uom': 1 } }).sort({ item: 1 }).toArray();
    const expected = [
      { item: 'journal', status: 'P', size: { uom: 'in' } },
      { item: 'mousepad', status: 'P', size: { uom: 'in' } },
      { item: 'postcard', status: 'P', size: { uom: 'in' } },
    ];
    expect(updated).toEqual(expected);
  });

  it('replaces everything but _id with replaceOne', async () => {
    const before = (await inventory.findOne({ item: 'paper' })) as Document;
    const replacement = { item: 'paper', instock: [{ warehouse: 'A', qty: 60 }, { warehouse: 'B', qty: 40 }] };

    const result = await inventory.replaceOne({ item: 'paper' }, replacement);

    expect(result.modifiedCount).toBe(1);
    const expected = { _id: before['_id'], ...replacement };
    expect(await inventory.findOne({ item: 'paper' })).toEqual(expected);
  });

  it('reports matchedCount 0 and changes nothing when no document matches', async () => {
    const result = await inventory.updateOne({ item: 'no such item' }, { $set: { status: 'X' } });
    const expected = { matched: 0, modified: 0, upserted: 0, upsertedId: null };
    expect({ matched: result.matchedCount, modified: result.modifiedCount, upserted: result.upsertedCount, upsertedId: result.upsertedId }).toEqual(expected);
  });

  it('reports modifiedCount 0 when $set writes the value the field already has', async () => {
    const result = await inventory.updateOne({ item: 'journal' }, { $set: { status: 'A' } });
    const expected = { matched: 1, modified: 0 };
    expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual(expected);
  });
});

// Manual: "Field Update Operators" ($inc, $mul, $min, $max, $rename, $unset, $set on new paths)
describe('Field Update Operators', () => {
  it('adds to top-level and embedded fields with $inc (negative amounts subtract)', async () => {
    const coll = await mongo.seed('inc', [{ _id: 1, sku: 'abc123', quantity: 10, metrics: { orders: 2, ratings: 3.5 } }]);
    await coll.updateOne({ sku: 'abc123' }, { $inc: { quantity: -2, 'metrics.orders': 1 } });
    const expected = { _id: 1, sku: 'abc123', quantity: 8, metrics: { orders: 3, ratings: 3.5 } };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('multiplies with $mul, and sets a missing field to 0', async () => {
    const coll = await mongo.seed('mul', [{ _id: 1, item: 'ABC', price: 10.5, qty: 25 }]);
    await coll.updateOne({ _id: 1 }, { $mul: { price: 1.25, qty: 2, discount: 3 } });
    const expected = { _id: 1, item: 'ABC', price: 13.125, qty: 50, discount: 0 };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('lowers with $min and raises with $max only when the new value is beyond the current one', async () => {
    const coll = await mongo.seed('min_max', [{ _id: 1, highScore: 800, lowScore: 200 }]);
    await coll.updateOne({ _id: 1 }, { $min: { lowScore: 150 }, $max: { highScore: 950 } });
    await coll.updateOne({ _id: 1 }, { $min: { lowScore: 250 }, $max: { highScore: 870 } });
    const expected = { _id: 1, highScore: 950, lowScore: 150 };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('renames a field, including an embedded one, with $rename', async () => {
    const coll = await mongo.seed('rename', [{ _id: 1, mobile: '555-555-5555', nmae: { first: 'george', last: 'washington' } }]);
    await coll.updateOne({ _id: 1 }, { $rename: { nmae: 'name' } });
    await coll.updateOne({ _id: 1 }, { $rename: { 'name.first': 'name.fname' } });
    const expected = { _id: 1, mobile: '555-555-5555', name: { fname: 'george', last: 'washington' } };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('removes fields with $unset', async () => {
    const coll = await mongo.seed('unset', [{ _id: 1, item: 'chisel', sku: 'C001', quantity: 4, instock: true }]);
    await coll.updateOne({ sku: 'C001' }, { $unset: { quantity: '', instock: '' } });
    const expected = { _id: 1, item: 'chisel', sku: 'C001' };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('creates the embedded documents a dotted $set path needs', async () => {
    const coll = await mongo.seed('set_new_path', [{ _id: 1, name: 'Ann' }]);
    await coll.updateOne({ _id: 1 }, { $set: { 'preferences.theme': 'dark', 'preferences.notify.email': true } });
    const expected = { _id: 1, name: 'Ann', preferences: { theme: 'dark', notify: { email: true } } };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });
});

// Manual: "db.collection.updateOne()" → "Upsert", and "$setOnInsert"
describe('Upsert', () => {
  it('inserts { _id: 1, item: "apple", defaultQty: 100 } when nothing matches, applying $setOnInsert', async () => {
    const coll = await mongo.seed<{ _id: number; item?: string; defaultQty?: number }>('upsert', []);

    const result = await coll.updateOne({ _id: 1 }, { $set: { item: 'apple' }, $setOnInsert: { defaultQty: 100 } }, { upsert: true });

    const expected = { _id: 1, item: 'apple', defaultQty: 100 };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
    expect({ matched: result.matchedCount, modified: result.modifiedCount, upserted: result.upsertedCount, upsertedId: result.upsertedId }).toEqual({
      matched: 0,
      modified: 0,
      upserted: 1,
      upsertedId: 1,
    });
  });

  it('ignores $setOnInsert when the upsert matches an existing document', async () => {
    const coll = await mongo.seed('upsert_existing', [{ _id: 1, item: 'apple', defaultQty: 100 }]);

    const result = await coll.updateOne({ _id: 1 }, { $set: { item: 'pear' }, $setOnInsert: { defaultQty: 500 } }, { upsert: true });

    const expected = { _id: 1, item: 'pear', defaultQty: 100 };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
    expect({ matched: result.matchedCount, upserted: result.upsertedCount }).toEqual({ matched: 1, upserted: 0 });
  });

  it('inserts the replacement with the _id of the filter when replaceOne upserts', async () => {
    const coll = await mongo.seed('upsert_replace', []);
    const result = await coll.replaceOne({ _id: 10 }, { item: 'new', qty: 1 }, { upsert: true });
    const expected = { _id: 10, item: 'new', qty: 1 };
    expect(await coll.findOne({ _id: 10 })).toEqual(expected);
    expect({ upserted: result.upsertedCount, upsertedId: result.upsertedId }).toEqual({ upserted: 1, upsertedId: 10 });
  });

  it('inserts exactly one document when updateMany upserts', async () => {
    const coll = await mongo.seed('upsert_many', [{ status: 'A' }]);
    const result = await coll.updateMany({ status: 'Z' }, { $set: { flagged: true } }, { upsert: true });
    expect(result.upsertedCount).toBe(1);
    const inserted = await coll.find({ status: 'Z' }, { projection: { _id: 0 } }).toArray();
    const expected = [{ status: 'Z', flagged: true }];
    expect(inserted).toEqual(expected);
  });

  it('builds the new document from the equality fields of the filter (not from $gt) plus the update', async () => {
    const coll = await mongo.seed<Document>('upsert_from_filter', []);

    const result = await coll.updateOne({ name: 'Andy', rating: { $gt: 3 } }, { $inc: { score: 1 } }, { upsert: true });

    expect(result.upsertedId).toBeInstanceOf(ObjectId);
    const expected = { _id: result.upsertedId, name: 'Andy', score: 1 };
    expect(await coll.findOne({ name: 'Andy' })).toEqual(expected);
  });
});

// Manual: "Updates with Aggregation Pipeline"
describe('Updates with Aggregation Pipeline', () => {
  it('runs $set and $unset stages against the current document', async () => {
    const coll = await mongo.seed('pipeline_update', [
      {
        _id: 1,
        student: 'Skye',
        points: 75,
        commentsSemester1: 'great at math',
        commentsSemester2: 'loses temper',
        lastUpdate: new Date('2019-01-01T00:00:00Z'),
      },
    ]);
    const since = Date.now();

    await coll.updateOne({ _id: 1 }, [
      { $set: { status: 'Modified', comments: ['$commentsSemester1', '$commentsSemester2'], lastUpdate: '$$NOW' } },
      { $unset: ['commentsSemester1', 'commentsSemester2'] },
    ]);

    const { lastUpdate, ...rest } = (await coll.findOne({ _id: 1 })) as Document;
    const expected = { _id: 1, student: 'Skye', status: 'Modified', points: 75, comments: ['great at math', 'loses temper'] };
    expect(rest).toEqual(expected);
    expectRecent(lastUpdate, since);
  });

  it('computes a field from other fields with an expression', async () => {
    const coll = await mongo.seed('pipeline_compute', [
      { _id: 1, tests: [95, 92, 90] },
      { _id: 2, tests: [94, 88, 90] },
    ]);
    await coll.updateMany({}, [{ $set: { average: { $trunc: [{ $avg: '$tests' }, 0] } } }]);
    const expected = [
      { _id: 1, tests: [95, 92, 90], average: 92 },
      { _id: 2, tests: [94, 88, 90], average: 90 },
    ];
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(expected);
  });
});

// Manual: "db.collection.findOneAndUpdate()", "findOneAndReplace()"
describe('findOneAndUpdate and findOneAndReplace', () => {
  it('returns the document before the update by default', async () => {
    const coll = await mongo.seed('fam_before', [{ _id: 1, name: 'A', score: 5 }]);
    const expected = { _id: 1, name: 'A', score: 5 };
    expect(await coll.findOneAndUpdate({ _id: 1 }, { $inc: { score: 1 } })).toEqual(expected);
  });

  it('returns the updated document with returnDocument: "after"', async () => {
    const coll = await mongo.seed('fam_after', [{ _id: 1, name: 'A', score: 5 }]);
    const expected = { _id: 1, name: 'A', score: 6 };
    expect(await coll.findOneAndUpdate({ _id: 1 }, { $inc: { score: 1 } }, { returnDocument: 'after' })).toEqual(expected);
  });

  it('updates the first document in sort order', async () => {
    const coll = await mongo.seed('fam_sort', [
      { _id: 1, name: 'low', score: 1 },
      { _id: 2, name: 'high', score: 9 },
      { _id: 3, name: 'mid', score: 5 },
    ]);
    const returned = await coll.findOneAndUpdate({}, { $set: { winner: true } }, { sort: { score: -1 }, returnDocument: 'after', projection: { _id: 0 } });
    const expected = { name: 'high', score: 9, winner: true };
    expect(returned).toEqual(expected);
  });

  it('returns null and inserts nothing when nothing matches and upsert is not set', async () => {
    const coll = await mongo.seed('fam_none', [{ _id: 1 }]);
    const expected = { returned: null, count: 1 };
    const returned = await coll.findOneAndUpdate({ _id: 2 }, { $set: { x: 1 } });
    expect({ returned, count: await coll.countDocuments() }).toEqual(expected);
  });

  it('inserts and returns the new document with upsert and returnDocument: "after"', async () => {
    const coll = await mongo.seed<{ _id: number; x?: number }>('fam_upsert', []);
    const expected = { _id: 7, x: 1 };
    expect(await coll.findOneAndUpdate({ _id: 7 }, { $set: { x: 1 } }, { upsert: true, returnDocument: 'after' })).toEqual(expected);
  });

  it('answers the raw findAndModify command with value and lastErrorObject { n, updatedExisting, upserted }', async () => {
    const coll = await mongo.seed('fam_raw', [{ _id: 1, score: 5 }]);
    const updated = await mongo.db().command({ findAndModify: coll.collectionName, query: { _id: 1 }, update: { $inc: { score: 1 } }, new: true });
    const upserted = await mongo.db().command({ findAndModify: coll.collectionName, query: { _id: 2 }, update: { $set: { score: 0 } }, upsert: true, new: true });
    expect({ value: updated['value'], lastErrorObject: updated['lastErrorObject'], ok: updated['ok'] }).toEqual({
      value: { _id: 1, score: 6 },
      lastErrorObject: { n: 1, updatedExisting: true },
      ok: 1,
    });
    expect({ value: upserted['value'], lastErrorObject: upserted['lastErrorObject'] }).toEqual({
      value: { _id: 2, score: 0 },
      lastErrorObject: { n: 1, updatedExisting: false, upserted: 2 },
    });
  });

  it('replaces the document and returns the replacement with findOneAndReplace', async () => {
    const coll = await mongo.seed('far', [{ _id: 1, team: 'Fearful Mallards', score: 25000 }]);
    const expected = { _id: 1, team: 'Therapeutic Hamsters', score: 30000 };
    const returned = await coll.findOneAndReplace({ score: { $lt: 30000 } }, { team: 'Therapeutic Hamsters', score: 30000 }, { returnDocument: 'after' });
    expect(returned).toEqual(expected);
  });
});
