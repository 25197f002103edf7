/**
 * $bucket and $lookup details the lessons rely on (lesson 04), checked through the driver so the same
 * file runs against a real server: npx vitest run test/emulator/aggregation-stages.test.ts
 */
import { describe, expect, it } from 'vitest';
import { MongoServerError } from 'mongodb';
import { type Doc, useMongo } from './helpers.ts';

const mongo = useMongo('aggregation_stages');

// Manual "$bucket": artists bucketed by year_born; no artist is born in [1870, 1880).
const artists = [
  { _id: 1, last_name: 'Bernard', year_born: 1845 },
  { _id: 2, last_name: 'Rippl-Ronai', year_born: 1861 },
  { _id: 3, last_name: 'Ostroumova', year_born: 1891 },
  { _id: 4, last_name: 'Van Gogh', year_born: 1853 },
  { _id: 5, last_name: 'Maurer', year_born: 1899 },
];

// Manual "$bucket": "only produces output documents for buckets that contain at least one input document".
describe('$bucket (aggregation)', () => {
  it('leaves out the buckets that no document falls into', async () => {
    const coll = await mongo.seed('artists_bucket', artists);

    const expected = [
      { _id: 1840, count: 1 },
      { _id: 1850, count: 1 },
      { _id: 1860, count: 1 },
      { _id: 1890, count: 2 },
    ];
    const actual = await coll.aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [1840, 1850, 1860, 1870, 1880, 1890, 1900] } }]).toArray();
    expect(actual).toEqual(expected);
  });

  it('leaves out empty buckets with its own output fields too, and puts a value on a boundary in the bucket it opens', async () => {
    const coll = await mongo.seed('artists_bucket_output', artists);

    const expected = [
      { _id: 1840, names: ['Bernard'] },
      { _id: 1850, names: ['Van Gogh'] },
      { _id: 1860, names: ['Rippl-Ronai'] },
      { _id: 1891, names: ['Ostroumova', 'Maurer'] },
    ];
    const actual = await coll
      .aggregate([{ $sort: { _id: 1 } }, { $bucket: { groupBy: '$year_born', boundaries: [1840, 1850, 1860, 1870, 1891, 1900], output: { names: { $push: '$last_name' } } } }])
      .toArray();
    expect(actual).toEqual(expected);
  });
});

describe('$bucket without a default', () => {
  it('fails on a value outside the boundaries (mongod: 40066), and puts such values in the default bucket when there is one', async () => {
    const coll = await mongo.seed('artists_bucket_default', artists);

    const failed = await coll.aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [1850, 1900] } }]).toArray()
      .then(() => 'no error', (e: unknown) => (e instanceof MongoServerError ? 'MongoServerError' : String(e)));
    const withDefault = await coll.aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [1850, 1900], default: 'other' } }]).toArray();

    const expected = { failed: 'MongoServerError', withDefault: [{ _id: 1850, count: 4 }, { _id: 'other', count: 1 }] };
    expect({ failed, withDefault }).toEqual(expected);
  });
});

// Manual "$lookup": "Correlated Subqueries Using Concise Syntax" (MongoDB 5.0+).
describe('$lookup with localField, foreignField and a pipeline', () => {
  it('runs the pipeline only on the foreign documents whose foreignField matches localField', async () => {
    const db = mongo.db();
    const customers = await mongo.seed('lookup_customers', [{ _id: 'c1' }, { _id: 'c2' }, { _id: 'c3' }]);
    await mongo.seed('lookup_orders', [
      { _id: 1, customerId: 'c1', total: 5 },
      { _id: 2, customerId: 'c1', total: 50 },
      { _id: 3, customerId: 'c2', total: 70 },
      { _id: 4, customerId: ['c2', 'c3'], total: 90 },
    ]);
    void db;

    const expected: Doc[] = [
      { _id: 'c1', big: [2] },
      { _id: 'c2', big: [3, 4] },
      { _id: 'c3', big: [4] },
    ];
    const actual = await customers
      .aggregate([
        {
          $lookup: {
            from: 'lookup_orders',
            localField: '_id',
            foreignField: 'customerId',
            pipeline: [{ $match: { total: { $gt: 10 } } }, { $sort: { _id: 1 } }, { $project: { _id: 1 } }],
            as: 'big',
          },
        },
        { $project: { big: '$big._id' } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });

  it('still sees the variables of its own let', async () => {
    const customers = await mongo.seed('lookup_let_customers', [{ _id: 'c1', min: 10 }, { _id: 'c2', min: 80 }]);
    await mongo.seed('lookup_let_orders', [
      { _id: 1, customerId: 'c1', total: 5 },
      { _id: 2, customerId: 'c1', total: 50 },
      { _id: 3, customerId: 'c2', total: 70 },
    ]);

    const expected: Doc[] = [
      { _id: 'c1', n: 1 },
      { _id: 'c2', n: 0 },
    ];
    const actual = await customers
      .aggregate([
        {
          $lookup: {
            from: 'lookup_let_orders',
            localField: '_id',
            foreignField: 'customerId',
            let: { min: '$min' },
            pipeline: [{ $match: { $expr: { $gt: ['$total', '$$min'] } } }],
            as: 'orders',
          },
        },
        { $project: { n: { $size: '$orders' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });
});
