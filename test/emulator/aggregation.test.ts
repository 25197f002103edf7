import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { type Doc, useMongo } from './helpers.ts';

const mongo = useMongo('aggregation');

// Manual "$group" example data. The manual stores price as NumberDecimal; plain doubles keep the arithmetic
// exact here (10, 20, 5 and 7.5 are all exact in binary) and keep this file about $group, not Decimal128.
const sales = [
  { _id: 1, item: 'abc', price: 10, quantity: 2, date: new Date('2014-03-01T08:00:00Z') },
  { _id: 2, item: 'jkl', price: 20, quantity: 1, date: new Date('2014-03-01T09:00:00Z') },
  { _id: 3, item: 'xyz', price: 5, quantity: 10, date: new Date('2014-03-15T09:00:00Z') },
  { _id: 4, item: 'xyz', price: 5, quantity: 20, date: new Date('2014-04-04T11:21:39.736Z') },
  { _id: 5, item: 'abc', price: 10, quantity: 10, date: new Date('2014-04-04T21:23:13.331Z') },
  { _id: 6, item: 'def', price: 7.5, quantity: 5, date: new Date('2015-06-04T05:08:13Z') },
  { _id: 7, item: 'def', price: 7.5, quantity: 10, date: new Date('2015-09-10T08:43:00Z') },
  { _id: 8, item: 'abc', price: 10, quantity: 5, date: new Date('2016-02-06T20:20:13Z') },
];

// Manual "$sortByCount" example data.
const exhibits = [
  { _id: 1, title: 'The Pillars of Society', artist: 'Grosz', year: 1926, tags: ['painting', 'satire', 'Expressionism', 'caricature'] },
  { _id: 2, title: 'Melancholy III', artist: 'Munch', year: 1902, tags: ['woodcut', 'Expressionism'] },
  { _id: 3, title: 'Dancer', artist: 'Miro', year: 1925, tags: ['oil', 'Surrealism', 'painting'] },
  { _id: 4, title: 'The Great Wave off Kanagawa', artist: 'Hokusai', tags: ['woodblock', 'ukiyo-e'] },
  { _id: 5, title: 'The Persistence of Memory', artist: 'Dali', year: 1931, tags: ['Surrealism', 'painting', 'oil'] },
  { _id: 6, title: 'Composition VII', artist: 'Kandinsky', year: 1913, tags: ['oil', 'painting', 'abstract'] },
  { _id: 7, title: 'The Scream', artist: 'Munch', year: 1893, tags: ['Expressionism', 'painting', 'oil'] },
  { _id: 8, title: 'Blue Flower', artist: "O'Keefe", year: 1918, tags: ['abstract', 'painting'] },
];

let salesColl: Collection<Doc>;
let exhibitsColl: Collection<Doc>;
beforeAll(async () => {
  salesColl = await mongo.seed('sales', sales);
  exhibitsColl = await mongo.seed('exhibits', exhibits);
});

// Manual: "$group (aggregation)"
describe('$group (aggregation)', () => {
  it('counts every document with _id: null and $count: {}', async () => {
    const expected = [{ _id: null, count: 8 }];
    expect(await salesColl.aggregate([{ $group: { _id: null, count: { $count: {} } } }]).toArray()).toEqual(expected);
  });

  it('groups by item and keeps groups whose total sale amount is at least 100 ($sum of $multiply, then $match)', async () => {
    const expected = [
      { _id: 'abc', totalSaleAmount: 170 },
      { _id: 'def', totalSaleAmount: 112.5 },
      { _id: 'xyz', totalSaleAmount: 150 },
    ];
    const actual = await salesColl
      .aggregate([
        { $group: { _id: '$item', totalSaleAmount: { $sum: { $multiply: ['$price', '$quantity'] } } } },
        { $match: { totalSaleAmount: { $gte: 100 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });

  it('groups the 2014 sales by day with $dateToString, $sum, $avg and $sum: 1, sorted by total', async () => {
    const expected = [
      { _id: '2014-04-04', totalSaleAmount: 200, averageQuantity: 15, count: 2 },
      { _id: '2014-03-15', totalSaleAmount: 50, averageQuantity: 10, count: 1 },
      { _id: '2014-03-01', totalSaleAmount: 40, averageQuantity: 1.5, count: 2 },
    ];
    const actual = await salesColl
      .aggregate([
        { $match: { date: { $gte: new Date('2014-01-01'), $lt: new Date('2015-01-01') } } },
        {
          $group: {
            _id: { $dateToString: { format: '%Y-%m-%d', date: '$date' } },
            totalSaleAmount: { $sum: { $multiply: ['$price', '$quantity'] } },
            averageQuantity: { $avg: '$quantity' },
            count: { $sum: 1 },
          },
        },
        { $sort: { totalSaleAmount: -1 } },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });

  it('ignores non-numeric and missing values in $sum and $avg', async () => {
    const mixed = await mongo.seed('mixed_numbers', [{ x: 1 }, { x: 'a' }, { x: 3 }, { y: 1 }, { x: null }]);
    const expected = [{ _id: null, total: 4, average: 2, count: 5 }];
    const actual = await mixed
      .aggregate([{ $group: { _id: null, total: { $sum: '$x' }, average: { $avg: '$x' }, count: { $sum: 1 } } }])
      .toArray();
    expect(actual).toEqual(expected);
  });

  it('collects values per group with $push, $addToSet, $min, $max, $first and $last', async () => {
    const expected = [
      { _id: 'abc', quantities: [2, 10, 5], prices: [10], minQty: 2, maxQty: 10, firstId: 1, lastId: 8 },
      { _id: 'def', quantities: [5, 10], prices: [7.5], minQty: 5, maxQty: 10, firstId: 6, lastId: 7 },
    ];
    const actual = await salesColl
      .aggregate([
        { $match: { item: { $in: ['abc', 'def'] } } },
        { $sort: { _id: 1 } },
        {
          $group: {
            _id: '$item',
            quantities: { $push: '$quantity' },
            prices: { $addToSet: '$price' },
            minQty: { $min: '$quantity' },
            maxQty: { $max: '$quantity' },
            firstId: { $first: '$_id' },
            lastId: { $last: '$_id' },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });
});

// Manual: "$match", "$sort", "$skip", "$limit" in a pipeline
describe('$match, $sort, $skip and $limit (aggregation)', () => {
  it('filters, orders and pages documents in pipeline order', async () => {
    const expected = [{ _id: 4 }, { _id: 3 }];
    const actual = await salesColl
      .aggregate([{ $match: { item: 'xyz' } }, { $sort: { quantity: -1 } }, { $limit: 2 }, { $project: { _id: 1 } }])
      .toArray();
    expect(actual).toEqual(expected);
  });
});

// Manual: "$project (aggregation)"
describe('$project (aggregation)', () => {
  const book = { _id: 1, title: 'abc123', isbn: '0001122223334', author: { last: 'zzz', first: 'aaa' }, copies: 5 };
  let books: Collection<Doc>;
  beforeAll(async () => {
    books = await mongo.seed('books', [book]);
  });

  it('includes the named fields and _id', async () => {
    const expected = [{ _id: 1, title: 'abc123', author: { last: 'zzz', first: 'aaa' } }];
    expect(await books.aggregate([{ $project: { title: 1, author: 1 } }]).toArray()).toEqual(expected);
  });

  it('excludes a nested field with "author.first": 0', async () => {
    const expected = [{ _id: 1, title: 'abc123', isbn: '0001122223334', author: { last: 'zzz' }, copies: 5 }];
    expect(await books.aggregate([{ $project: { 'author.first': 0 } }]).toArray()).toEqual(expected);
  });

  it('computes new fields from $substr and field paths', async () => {
    const expected = [
      {
        _id: 1,
        title: 'abc123',
        isbn: { prefix: '000', group: '11', publisher: '2222', title: '333', checkDigit: '4' },
        lastName: 'zzz',
        copiesSold: 5,
      },
    ];
    const actual = await books
      .aggregate([
        {
          $project: {
            title: 1,
            isbn: {
              prefix: { $substr: ['$isbn', 0, 3] },
              group: { $substr: ['$isbn', 3, 2] },
              publisher: { $substr: ['$isbn', 5, 4] },
              title: { $substr: ['$isbn', 9, 3] },
              checkDigit: { $substr: ['$isbn', 12, 1] },
            },
            lastName: '$author.last',
            copiesSold: '$copies',
          },
        },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });
});

// Manual: "$unwind (aggregation)"
describe('$unwind (aggregation)', () => {
  let clothing: Collection<Doc>;
  beforeAll(async () => {
    clothing = await mongo.seed('clothing', [
      { _id: 1, item: 'Shirt', sizes: ['S', 'M', 'L'] },
      { _id: 2, item: 'Shorts', sizes: [] },
      { _id: 3, item: 'Hat', sizes: 'M' },
      { _id: 4, item: 'Gloves' },
      { _id: 5, item: 'Scarf', sizes: null },
    ]);
  });

  it('outputs one document per element, treats a non-array as one element, and drops null, missing and []', async () => {
    const expected = [
      { _id: 1, item: 'Shirt', sizes: 'S' },
      { _id: 1, item: 'Shirt', sizes: 'M' },
      { _id: 1, item: 'Shirt', sizes: 'L' },
      { _id: 3, item: 'Hat', sizes: 'M' },
    ];
    expect(await clothing.aggregate([{ $unwind: '$sizes' }]).toArray()).toEqual(expected);
  });

  it('keeps documents with null, missing or empty arrays with preserveNullAndEmptyArrays', async () => {
    const expected = [
      { _id: 1, item: 'Shirt', sizes: 'S' },
      { _id: 1, item: 'Shirt', sizes: 'M' },
      { _id: 1, item: 'Shirt', sizes: 'L' },
      { _id: 2, item: 'Shorts' },
      { _id: 3, item: 'Hat', sizes: 'M' },
      { _id: 4, item: 'Gloves' },
      { _id: 5, item: 'Scarf', sizes: null },
    ];
    const actual = await clothing.aggregate([{ $unwind: { path: '$sizes', preserveNullAndEmptyArrays: true } }, { $sort: { _id: 1 } }]).toArray();
    expect(actual).toEqual(expected);
  });

  it('adds the element index with includeArrayIndex (null for a non-array)', async () => {
    const expected = [
      { _id: 1, item: 'Shirt', sizes: 'S', arrayIndex: 0 },
      { _id: 1, item: 'Shirt', sizes: 'M', arrayIndex: 1 },
      { _id: 1, item: 'Shirt', sizes: 'L', arrayIndex: 2 },
      { _id: 3, item: 'Hat', sizes: 'M', arrayIndex: null },
    ];
    const actual = await clothing.aggregate([{ $unwind: { path: '$sizes', includeArrayIndex: 'arrayIndex' } }]).toArray();
    expect(actual).toEqual(expected);
  });
});

// Manual: "$count (aggregation)"
describe('$count (aggregation)', () => {
  it('returns { passing_scores: 4 } for the scores above 80', async () => {
    const scores = await mongo.seed('scores', [
      { _id: 1, subject: 'History', score: 88 },
      { _id: 2, subject: 'History', score: 92 },
      { _id: 3, subject: 'History', score: 97 },
      { _id: 4, subject: 'History', score: 71 },
      { _id: 5, subject: 'History', score: 79 },
      { _id: 6, subject: 'History', score: 83 },
    ]);
    const expected = [{ passing_scores: 4 }];
    expect(await scores.aggregate([{ $match: { score: { $gt: 80 } } }, { $count: 'passing_scores' }]).toArray()).toEqual(expected);
  });

  it('returns no document at all when nothing reaches $count', async () => {
    const expected: Document[] = [];
    expect(await salesColl.aggregate([{ $match: { item: 'none' } }, { $count: 'n' }]).toArray()).toEqual(expected);
  });
});

// Manual: "$sortByCount (aggregation)"
describe('$sortByCount (aggregation)', () => {
  it('counts the unwound tags and sorts by count descending', async () => {
    const actual = await exhibitsColl.aggregate([{ $unwind: '$tags' }, { $sortByCount: '$tags' }]).toArray();

    // Counts are documented; the order among equal counts is not, so compare the tail as a set.
    const expectedHead = [
      { _id: 'painting', count: 6 },
      { _id: 'oil', count: 4 },
      { _id: 'Expressionism', count: 3 },
    ];
    const expectedTail = [
      { _id: 'Surrealism', count: 2 },
      { _id: 'abstract', count: 2 },
      { _id: 'caricature', count: 1 },
      { _id: 'satire', count: 1 },
      { _id: 'ukiyo-e', count: 1 },
      { _id: 'woodblock', count: 1 },
      { _id: 'woodcut', count: 1 },
    ];
    expect(actual.slice(0, 3)).toEqual(expectedHead);
    expect(actual.slice(3, 5).map((d) => d['count'])).toEqual([2, 2]);
    expect([...actual.slice(3)].sort((a, b) => (a['_id'] < b['_id'] ? -1 : 1))).toEqual(
      [...expectedTail].sort((a, b) => (a._id < b._id ? -1 : 1)),
    );
  });
});

// Manual: "$lookup (aggregation)" — Equality Match with a Single Join Condition
describe('$lookup (aggregation)', () => {
  let orders: Collection<Doc>;
  beforeAll(async () => {
    orders = await mongo.seed('orders', [
      { _id: 1, item: 'almonds', price: 12, quantity: 2 },
      { _id: 2, item: 'pecans', price: 20, quantity: 1 },
      { _id: 3 },
    ]);
    await mongo.seed('inventory', [
      { _id: 1, sku: 'almonds', description: 'product 1', instock: 120 },
      { _id: 2, sku: 'bread', description: 'product 2', instock: 80 },
      { _id: 3, sku: 'cashews', description: 'product 3', instock: 60 },
      { _id: 4, sku: 'pecans', description: 'product 4', instock: 70 },
      { _id: 5, sku: null, description: 'Incomplete' },
      { _id: 6 },
    ]);
  });

  it('joins the matching inventory documents into an array; a missing local field matches null and missing', async () => {
    const expected = [
      {
        _id: 1,
        item: 'almonds',
        price: 12,
        quantity: 2,
        inventory_docs: [{ _id: 1, sku: 'almonds', description: 'product 1', instock: 120 }],
      },
      {
        _id: 2,
        item: 'pecans',
        price: 20,
        quantity: 1,
        inventory_docs: [{ _id: 4, sku: 'pecans', description: 'product 4', instock: 70 }],
      },
      {
        _id: 3,
        inventory_docs: [{ _id: 5, sku: null, description: 'Incomplete' }, { _id: 6 }],
      },
    ];
    const actual = await orders
      .aggregate([{ $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inventory_docs' } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(actual).toEqual(expected);
  });

  it('matches each element when the local field is an array (the manual\'s classes and members)', async () => {
    const classes = await mongo.seed('classes', [
      { _id: 1, title: 'Reading is ...', enrollmentlist: ['giraffe2', 'pandabear', 'artie'], days: ['M', 'W', 'F'] },
      { _id: 2, title: 'But Writing ...', enrollmentlist: ['giraffe1', 'artie'], days: ['T', 'F'] },
    ]);
    await mongo.seed('members', [
      { _id: 1, name: 'artie', joined: new Date('2016-05-01'), status: 'A' },
      { _id: 2, name: 'giraffe', joined: new Date('2017-05-01'), status: 'D' },
      { _id: 3, name: 'giraffe1', joined: new Date('2017-10-01'), status: 'A' },
      { _id: 4, name: 'panda', joined: new Date('2018-10-11'), status: 'A' },
      { _id: 5, name: 'pandabear', joined: new Date('2018-12-01'), status: 'A' },
      { _id: 6, name: 'giraffe2', joined: new Date('2018-12-01'), status: 'D' },
    ]);
    const expected = [
      { _id: 1, enrollees: ['artie', 'giraffe2', 'pandabear'] },
      { _id: 2, enrollees: ['artie', 'giraffe1'] },
    ];
    const joined = await classes
      .aggregate([
        { $lookup: { from: 'members', localField: 'enrollmentlist', foreignField: 'name', as: 'enrollee_info' } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    const actual = joined.map((c) => ({
      _id: c['_id'],
      enrollees: (c['enrollee_info'] as Document[]).map((m) => m['name'] as string).sort(),
    }));
    expect(actual).toEqual(expected);
  });

  it('joins with a sub-pipeline and let variables', async () => {
    const expected = [
      { _id: 1, item: 'almonds', stock: [{ instock: 120 }] },
      { _id: 2, item: 'pecans', stock: [{ instock: 70 }] },
    ];
    const actual = await orders
      .aggregate([
        { $match: { item: { $exists: true } } },
        {
          $lookup: {
            from: 'inventory',
            let: { wanted: '$item' },
            pipeline: [{ $match: { $expr: { $eq: ['$sku', '$$wanted'] } } }, { $project: { _id: 0, instock: 1 } }],
            as: 'stock',
          },
        },
        { $project: { item: 1, stock: 1 } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });
});

// Manual: "$facet (aggregation)"
describe('$facet (aggregation)', () => {
  it('runs several sub-pipelines over the same input and returns one document with an array per facet', async () => {
    const expected = [
      {
        byArtist: [
          { _id: 'Munch', count: 2 },
        ],
        total: [{ n: 8 }],
        undated: [{ _id: 4, title: 'The Great Wave off Kanagawa' }],
      },
    ];
    const actual = await exhibitsColl
      .aggregate([
        {
          $facet: {
            byArtist: [{ $sortByCount: '$artist' }, { $limit: 1 }],
            total: [{ $count: 'n' }],
            undated: [{ $match: { year: { $exists: false } } }, { $project: { title: 1 } }],
          },
        },
      ])
      .toArray();
    expect(actual).toEqual(expected);
  });
});

// Manual: "$addFields", "$replaceRoot", "$out"-free reshaping stages
describe('$addFields and $replaceRoot (aggregation)', () => {
  it('adds computed fields with $addFields and keeps the rest', async () => {
    const expected = [{ _id: 1, item: 'abc', total: 20 }];
    const actual = await salesColl
      .aggregate([{ $match: { _id: 1 } }, { $addFields: { total: { $multiply: ['$price', '$quantity'] } } }, { $project: { item: 1, total: 1 } }])
      .toArray();
    expect(actual).toEqual(expected);
  });

  it('promotes an embedded document to the top level with $replaceRoot', async () => {
    const expected = [{ last: 'zzz', first: 'aaa' }];
    const books = mongo.db().collection('books_root');
    await books.insertOne({ _id: 1 as never, author: { last: 'zzz', first: 'aaa' } });
    expect(await books.aggregate([{ $replaceRoot: { newRoot: '$author' } }]).toArray()).toEqual(expected);
  });
});
