/**
 * Indexes as data structures: what a query answers through an index (forced with `hint`, so the
 * index itself is read) must equal what a collection scan answers, after every kind of write.
 * Manual: "Indexes", "Multikey Indexes", "Compound Indexes", "Sparse Indexes", "Partial Indexes",
 * "Use Indexes to Sort Query Results", cursor.hint().
 */
import { describe, expect, it } from 'vitest';
import type { Collection } from 'mongodb';
import { rejection, stagesOf, useMongo, type Doc } from './helpers.ts';

const mongo = useMongo('index_use');

const people = [
  { _id: 1, name: 'Ada', age: 36, city: 'London', tags: ['math', 'code'] },
  { _id: 2, name: 'Grace', age: 85, city: 'New York', tags: ['navy', 'code'] },
  { _id: 3, name: 'Alan', age: 41, city: 'London', tags: ['math'] },
  { _id: 4, name: 'Edsger', age: 72, city: 'Austin', tags: [] },
  { _id: 5, name: 'Barbara', age: 36, city: 'Boston', tags: ['code'] },
  { _id: 6, name: 'Linus', age: 28, city: 'Portland' },
];

/** _ids of what a find returns through one index (hinted) and through a collection scan. */
async function bothWays(coll: Collection<Doc>, filter: Doc, index: Doc): Promise<{ viaIndex: number[]; viaScan: number[] }> {
  const ids = (docs: Doc[]): number[] => docs.map((d) => d._id as number).sort((a, b) => a - b);
  return {
    viaIndex: ids(await coll.find(filter).hint(index).toArray()),
    viaScan: ids(await coll.find(filter).hint({ $natural: 1 }).toArray()),
  };
}

describe('Queries through an index', () => {
  it('returns the same documents through a single-field index as by scanning, for equality, $in and ranges', async () => {
    const coll = await mongo.seed('single', people);
    await coll.createIndex({ age: 1 });
    const filters: Doc[] = [{ age: 36 }, { age: { $in: [28, 85, 99] } }, { age: { $gt: 36, $lte: 72 } }, { age: { $lt: 40 } }, { age: { $ne: 36 } }];
    for (const filter of filters) {
      const { viaIndex, viaScan } = await bothWays(coll, filter, { age: 1 });
      expect({ filter, ids: viaIndex }).toEqual({ filter, ids: viaScan });
    }
  });

  it('answers an equality on a prefix of a compound index and a range on its second field', async () => {
    const coll = await mongo.seed('compound', people);
    await coll.createIndex({ city: 1, age: -1 });
    const expected = [1, 3];
    const { viaIndex, viaScan } = await bothWays(coll, { city: 'London', age: { $gte: 30 } }, { city: 1, age: -1 });
    expect(viaIndex).toEqual(expected);
    expect(viaScan).toEqual(expected);
    const prefixOnly = await bothWays(coll, { city: 'Austin' }, { city: 1, age: -1 });
    expect(prefixOnly.viaIndex).toEqual([4]);
  });

  it('finds each matching document once through a multikey index on an array field', async () => {
    const coll = await mongo.seed('multikey', people);
    await coll.createIndex({ tags: 1 });
    const expected = [1, 2, 5];
    const { viaIndex } = await bothWays(coll, { tags: { $in: ['code', 'math', 'navy'] }, age: { $lt: 90 }, city: { $ne: 'London' } }, { tags: 1 });
    expect(viaIndex).toEqual([2, 5]);
    const code = await bothWays(coll, { tags: 'code' }, { tags: 1 });
    expect(code.viaIndex).toEqual(expected);
  });

  it('matches an empty array and a missing field through a multikey index as a scan does', async () => {
    const coll = await mongo.seed('multikey_empty', people);
    await coll.createIndex({ tags: 1 });
    for (const filter of [{ tags: [] }, { tags: null }, { tags: ['math'] }]) {
      const { viaIndex, viaScan } = await bothWays(coll, filter, { tags: 1 });
      expect({ filter, ids: viaIndex }).toEqual({ filter, ids: viaScan });
    }
  });

  it('sorts by the index order, ascending and descending, with no blocking SORT stage', async () => {
    const coll = await mongo.seed('sorted', people);
    await coll.createIndex({ age: 1 });
    const asc = (await coll.find({ age: { $gte: 30 } }).sort({ age: 1, _id: 1 }).toArray()).map((d) => d.age);
    const desc = (await coll.find({ age: { $gte: 30 } }).sort({ age: -1 }).toArray()).map((d) => d.age);
    expect({ asc, desc }).toEqual({ asc: [36, 36, 41, 72, 85], desc: [85, 72, 41, 36, 36] });
    const plan = await coll.find({ age: { $gte: 30 } }).sort({ age: -1 }).explain('queryPlanner');
    expect(stagesOf(plan.queryPlanner.winningPlan)).toEqual(['FETCH', 'IXSCAN']);
  });

  it('leaves documents without the field out of a sparse index, so a hinted scan of it skips them', async () => {
    const coll = await mongo.seed('sparse', people);
    await coll.createIndex({ tags: 1 }, { sparse: true });
    const all = (await coll.find({}).hint({ tags: 1 }).toArray()).map((d) => d._id as number).sort((a, b) => a - b);
    expect(all).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds only the documents matching partialFilterExpression in a partial index', async () => {
    const coll = await mongo.seed('partial', people);
    await coll.createIndex({ name: 1 }, { partialFilterExpression: { age: { $gte: 40 } } });
    const expected = [2, 3, 4];
    const inIndex = (await coll.find({ age: { $gte: 40 } }).hint({ name: 1 }).toArray()).map((d) => d._id as number).sort((a, b) => a - b);
    expect(inIndex).toEqual(expected);
    // A query that does not imply the filter cannot use the partial index: it scans and still finds Ada.
    const young = await coll.find({ name: 'Ada' }).toArray();
    expect(young.map((d) => d._id)).toEqual([1]);
  });
});

describe('Which index the planner picks', () => {
  it('picks the index that examines fewer keys when two indexes match the filter', async () => {
    const coll = await mongo.seed('two_indexes', people);
    await coll.createIndex({ city: 1 });
    await coll.createIndex({ age: 1 });
    const plan = await coll.find({ city: 'London', age: 41 }).explain('executionStats');
    const ix = JSON.stringify(plan.queryPlanner.winningPlan);
    // age 41 is one document; city London two: the age index examines fewer keys.
    expect({ usesAge: ix.includes('"age_1"'), nReturned: plan.executionStats.nReturned }).toEqual({ usesAge: true, nReturned: 1 });
  });

  it('does not plan with a hidden index (Manual: "Hidden Indexes")', async () => {
    const coll = await mongo.seed('hidden', people);
    await coll.createIndex({ age: 1 }, { hidden: true });
    const plan = await coll.find({ age: 36 }).explain('queryPlanner');
    expect(stagesOf(plan.queryPlanner.winningPlan)).toEqual(['COLLSCAN']);
  });
});

describe('Pipelines and counts through an index', () => {
  it('answers a pipeline that starts with $match on an indexed field as a collection scan does', async () => {
    const coll = await mongo.seed('pipeline', people);
    await coll.createIndex({ city: 1 });
    const pipeline = [{ $match: { city: { $in: ['London', 'Boston'] }, age: { $lt: 40 } } }, { $group: { _id: '$city', n: { $sum: 1 } } }, { $sort: { _id: 1 } }];
    const viaIndex = await coll.aggregate(pipeline).toArray();
    const viaScan = await coll.aggregate(pipeline, { hint: { $natural: 1 } }).toArray();
    const expected = [
      { _id: 'Boston', n: 1 },
      { _id: 'London', n: 1 },
    ];
    expect({ viaIndex, viaScan }).toEqual({ viaIndex: expected, viaScan: expected });
  });

  it('counts the documents of an indexed filter with countDocuments', async () => {
    const coll = await mongo.seed('counted', people);
    await coll.createIndex({ age: 1 });
    const expected = { exact: 2, range: 4 };
    expect({ exact: await coll.countDocuments({ age: 36 }), range: await coll.countDocuments({ age: { $gte: 36, $lt: 80 } }) }).toEqual(expected);
  });
});

describe('Indexes follow every write', () => {
  it('finds a document by its new value and not its old one after updateOne, through the index', async () => {
    const coll = await mongo.seed('maint_update', people);
    await coll.createIndex({ name: 1 });
    await coll.updateOne({ _id: 1 }, { $set: { name: 'Augusta' } });
    const expected = { old: [], renamed: [1] };
    const old = (await coll.find({ name: 'Ada' }).hint({ name: 1 }).toArray()).map((d) => d._id);
    const renamed = (await coll.find({ name: 'Augusta' }).hint({ name: 1 }).toArray()).map((d) => d._id);
    expect({ old, renamed }).toEqual(expected);
  });

  it('drops the keys of deleted and replaced documents and adds those of inserted ones', async () => {
    const coll = await mongo.seed('maint_all', people);
    await coll.createIndex({ city: 1 });
    await coll.deleteMany({ city: 'London' });
    await coll.replaceOne({ _id: 4 }, { name: 'Edsger', city: 'Nuenen' });
    await coll.insertOne({ _id: 7, name: 'Tony', city: 'London' });
    await coll.updateMany({ city: 'Boston' }, { $unset: { city: '' } });
    const cities = (await coll.find({}).hint({ city: 1 }).toArray()).map((d) => [d.city ?? null, d._id]);
    const expected = [[null, 5], ['London', 7], ['New York', 2], ['Nuenen', 4], ['Portland', 6]];
    expect(cities).toEqual(expected);
  });

  it('keeps an array field multikey after $push and finds the pushed element', async () => {
    const coll = await mongo.seed('maint_push', people);
    await coll.createIndex({ tags: 1 });
    await coll.updateOne({ _id: 6 }, { $push: { tags: 'kernel' } } as Doc);
    const found = (await coll.find({ tags: 'kernel' }).hint({ tags: 1 }).toArray()).map((d) => d._id);
    expect(found).toEqual([6]);
  });

  it('lets a unique value be reused once the document holding it is deleted', async () => {
    const coll = await mongo.seed('maint_unique', [{ _id: 1, email: 'ada@example.com' }]);
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.deleteOne({ _id: 1 });
    await coll.insertOne({ _id: 2, email: 'ada@example.com' });
    const error = await rejection(coll.insertOne({ _id: 3, email: 'ada@example.com' }));
    expect({ code: error.code, keyValue: error['keyValue'] }).toEqual({ code: 11000, keyValue: { email: 'ada@example.com' } });
  });

  it('refuses a document with arrays in two fields of one compound index (171 cannot index parallel arrays)', async () => {
    const coll = await mongo.seed('parallel', [{ _id: 1, a: [1, 2], b: 1 }]);
    await coll.createIndex({ a: 1, b: 1 });
    const error = await rejection(coll.insertOne({ _id: 2, a: [1], b: [2] }));
    expect({ code: error.code, says: /parallel arrays/.test(error.message) }).toEqual({ code: 171, says: true });
    expect(await coll.countDocuments()).toBe(1);
  });
});
