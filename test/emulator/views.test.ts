/**
 * Views (MongoDB manual, "Views"): `create` with `viewOn` and `pipeline` defines a read-only view,
 * computed on every read from its source. listCollections lists it as type 'view'; find, aggregate,
 * count and distinct read through it; writes fail with 166 CommandNotSupportedOnView.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection, Db } from 'mongodb';
import { rejection, useMongo, type Doc } from './helpers.ts';

const mongo = useMongo('views');
let db: Db;
let students: Collection<Doc>;

beforeAll(async () => {
  db = mongo.db();
  students = await mongo.seed('students', [
    { _id: 1, name: 'Ann', year: 1, score: 91 },
    { _id: 2, name: 'Bob', year: 2, score: 67 },
    { _id: 3, name: 'Cid', year: 1, score: 78 },
    { _id: 4, name: 'Dee', year: 3, score: 85 },
  ]);
  await db.createCollection('firstYears', { viewOn: 'students', pipeline: [{ $match: { year: 1 } }, { $project: { _id: 1, name: 1, score: 1 } }] });
  await db.createCollection('topFirstYears', { viewOn: 'firstYears', pipeline: [{ $match: { score: { $gte: 80 } } }] });
});

describe('Creating and listing views', () => {
  it('lists a view with type view and its viewOn and pipeline', async () => {
    const [info] = await db.listCollections({ name: 'firstYears' }).toArray();
    const expected = { name: 'firstYears', type: 'view', options: { viewOn: 'students', pipeline: [{ $match: { year: 1 } }, { $project: { _id: 1, name: 1, score: 1 } }] } };
    expect({ name: info?.name, type: info?.type, options: (info as Doc)?.options }).toEqual(expected);
  });

  it('lists the source collection as type collection next to the view', async () => {
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => `${c.name}:${c.type}`).sort();
    const expected = ['firstYears:view', 'students:collection', 'topFirstYears:view'];
    expect(names).toEqual(expected);
  });

  it('refuses to create a view whose name is taken with error 48', async () => {
    const err = await rejection(db.createCollection('firstYears', { viewOn: 'students', pipeline: [] }));
    expect(err.code).toEqual(48);
  });
});

describe('Reading through a view', () => {
  it('returns what the view pipeline computes from the source with find', async () => {
    const expected = [{ _id: 1, name: 'Ann', score: 91 }, { _id: 3, name: 'Cid', score: 78 }];
    expect(await db.collection('firstYears').find().sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('applies the filter, sort, limit and projection of find after the view pipeline', async () => {
    const expected = [{ name: 'Cid' }];
    expect(await db.collection('firstYears').find({ score: { $lt: 90 } }, { projection: { _id: 0, name: 1 } }).sort({ score: 1 }).limit(1).toArray()).toEqual(expected);
  });

  it('runs an aggregation through the view', async () => {
    const expected = [{ _id: null, avg: 84.5 }];
    expect(await db.collection('firstYears').aggregate([{ $group: { _id: null, avg: { $avg: '$score' } } }]).toArray()).toEqual(expected);
  });

  it('counts and distincts through the view', async () => {
    const view = db.collection('firstYears');
    expect(await view.countDocuments()).toEqual(2);
    expect(await view.countDocuments({ score: { $gt: 80 } })).toEqual(1);
    expect(await view.estimatedDocumentCount()).toEqual(2);
    const expected = ['Ann', 'Cid'];
    expect(await view.distinct('name')).toEqual(expected);
  });

  it('reads a view defined on another view', async () => {
    const expected = [{ _id: 1, name: 'Ann', score: 91 }];
    expect(await db.collection('topFirstYears').find().toArray()).toEqual(expected);
  });

  it('shows changes to the source at the next read', async () => {
    await students.insertOne({ _id: 5, name: 'Eve', year: 1, score: 99 });
    const expected = ['Ann', 'Cid', 'Eve'];
    expect((await db.collection('firstYears').find().sort({ _id: 1 }).toArray()).map((d) => d['name'])).toEqual(expected);
    await students.deleteOne({ _id: 5 });
  });

  it('hands out further batches of a view with getMore', async () => {
    const expected = [1, 3];
    expect((await db.collection('firstYears').find({}, { batchSize: 1 }).sort({ _id: 1 }).toArray()).map((d) => d['_id'])).toEqual(expected);
  });
});

describe('Views are read-only', () => {
  it('refuses insert, update, delete and createIndex on a view with error 166', async () => {
    const view = db.collection<Doc>('firstYears');
    const codes = [
      (await rejection(view.insertOne({ _id: 9, name: 'Zed' }))).code,
      (await rejection(view.updateOne({ _id: 1 }, { $set: { score: 0 } }))).code,
      (await rejection(view.deleteOne({ _id: 1 }))).code,
      (await rejection(view.findOneAndUpdate({ _id: 1 }, { $set: { score: 0 } }))).code,
      (await rejection(view.createIndex({ name: 1 }))).code,
    ];
    const expected = [166, 166, 166, 166, 166];
    expect(codes).toEqual(expected);
    expect(await students.countDocuments()).toEqual(4);
  });

  it('drops a view without touching its source', async () => {
    await db.createCollection('tmpView', { viewOn: 'students', pipeline: [] });
    expect(await db.collection('tmpView').drop()).toEqual(true);
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain('tmpView');
    expect(await students.countDocuments()).toEqual(4);
  });
});
