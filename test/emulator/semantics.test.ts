/**
 * Query, update and aggregation semantics and error codes where the emulator once differed from
 * mongod. Expected values from the MongoDB manual (operator pages, "Comparison/Sort Order") and
 * mongod's error codes.
 */
import { describe, expect, it } from 'vitest';
import { rejection, useMongo, type Doc } from './helpers.ts';

const mongo = useMongo('semantics');

describe('Query operators', () => {
  it('matches a scalar field with $all of one value (the manual: $all is like $and of equalities)', async () => {
    const coll = await mongo.seed('all', [{ _id: 1, tags: 'ssl' }, { _id: 2, tags: ['ssl', 'web'] }, { _id: 3, tags: 'web' }]);
    const expected = [{ _id: 1, tags: 'ssl' }, { _id: 2, tags: ['ssl', 'web'] }];
    expect(await coll.find({ tags: { $all: ['ssl'] } }).sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('rejects $size with an expression instead of a number with error 2', async () => {
    const coll = await mongo.seed('size', [{ _id: 1, a: [1, 2] }]);
    const err = await rejection(coll.find({ a: { $size: { $gt: 1 } } }).toArray());
    expect(err.code).toEqual(2);
  });

  it('rejects $type with an unknown type alias with error 2', async () => {
    const coll = await mongo.seed('type', [{ _id: 1, a: 1 }]);
    const err = await rejection(coll.find({ a: { $type: 'nope' } }).toArray());
    expect(err.code).toEqual(2);
  });

  it('finds a document whose _id is null with countDocuments({ _id: null })', async () => {
    const coll = await mongo.seed('nullid', []);
    // The driver's insertOne would replace a null _id with an ObjectId; the insert command keeps it.
    await mongo.db().command({ insert: 'nullid', documents: [{ _id: null, x: 1 }] });
    const expected = 1;
    expect(await coll.countDocuments({ _id: null })).toEqual(expected);
    expect(await coll.find({ _id: null }).toArray()).toEqual([{ _id: null, x: 1 }]);
  });

  it('updates, refuses a second and deletes the document whose _id is null', async () => {
    const coll = await mongo.seed<Doc>('nullid2', []);
    await mongo.db().command({ insert: 'nullid2', documents: [{ _id: null, x: 1 }] });
    const dup = await mongo.db().command({ insert: 'nullid2', documents: [{ _id: null, x: 2 }] });
    expect(dup['writeErrors']?.[0]?.code).toEqual(11000);
    const upd = await coll.updateOne({ _id: null }, { $set: { x: 3 } });
    expect(upd.modifiedCount).toEqual(1);
    expect(await coll.find({ _id: null }).toArray()).toEqual([{ _id: null, x: 3 }]);
    const del = await coll.deleteOne({ _id: null });
    expect(del.deletedCount).toEqual(1);
    expect(await coll.countDocuments()).toEqual(0);
  });
});

describe('Sort order', () => {
  it('puts an empty array before null and missing fields in an ascending sort', async () => {
    const coll = await mongo.seed('sort', [{ _id: 1, a: 1 }, { _id: 2 }, { _id: 3, a: [] }, { _id: 4, a: null }, { _id: 5, a: [0, 5] }]);
    const expected = [3, 2, 4, 5, 1];
    const got = (await coll.find().sort({ a: 1, _id: 1 }).toArray()).map((d) => d._id);
    expect(got).toEqual(expected);
  });

  it('puts an empty array after null and missing fields in a descending sort', async () => {
    const coll = await mongo.seed('sortdesc', [{ _id: 1, a: 1 }, { _id: 2 }, { _id: 3, a: [] }, { _id: 4, a: null }, { _id: 5, a: [0, 5] }]);
    const expected = [5, 1, 2, 4, 3];
    const got = (await coll.find().sort({ a: -1, _id: 1 }).toArray()).map((d) => d._id);
    expect(got).toEqual(expected);
  });
});

describe('Projection', () => {
  it('rejects a projection mixing inclusion and exclusion with error 31254', async () => {
    const coll = await mongo.seed('proj', [{ _id: 1, a: 1, b: 2 }]);
    const err = await rejection(coll.find({}, { projection: { a: 1, b: 0 } }).toArray());
    expect(err.code).toEqual(31254);
  });

  it('rejects a $project stage mixing inclusion and exclusion with error 31254', async () => {
    const coll = await mongo.seed('proj', [{ _id: 1, a: 1, b: 2 }]);
    const err = await rejection(coll.aggregate([{ $project: { a: 1, b: 0 } }]).toArray());
    expect(err.code).toEqual(31254);
  });

  it('rejects an exclusion projection that then includes a field with error 31253', async () => {
    const coll = await mongo.seed('proj', [{ _id: 1, a: 1, b: 2 }]);
    const err = await rejection(coll.find({}, { projection: { a: 0, b: 1 } }).toArray());
    expect(err.code).toEqual(31253);
  });

  it('allows excluding _id in an inclusion projection', async () => {
    const coll = await mongo.seed('proj', [{ _id: 1, a: 1, b: 2 }]);
    const expected = [{ a: 1 }];
    expect(await coll.find({}, { projection: { _id: 0, a: 1 } }).toArray()).toEqual(expected);
  });
});

describe('Update operators', () => {
  it('rejects $push onto a string field with error 2 and leaves the document alone', async () => {
    const coll = await mongo.seed<Doc>('push', [{ _id: 1, a: 'text' }]);
    const err = await rejection(coll.updateOne({ _id: 1 }, { $push: { a: 1 } } as Doc));
    expect(err.code).toEqual(2);
    const expected = [{ _id: 1, a: 'text' }];
    expect(await coll.find().toArray()).toEqual(expected);
  });

  it('adds a document with the same fields in another order with $addToSet', async () => {
    const coll = await mongo.seed<Doc>('set', [{ _id: 1, a: [{ x: 1, y: 2 }] }]);
    await coll.updateOne({ _id: 1 }, { $addToSet: { a: { y: 2, x: 1 } } });
    await coll.updateOne({ _id: 1 }, { $addToSet: { a: { x: 1, y: 2 } } });
    const expected = [{ _id: 1, a: [{ x: 1, y: 2 }, { y: 2, x: 1 }] }];
    expect(await coll.find().toArray()).toEqual(expected);
  });

  it('rejects an arrayFilters identifier the update does not use with error 9', async () => {
    const coll = await mongo.seed<Doc>('af', [{ _id: 1, a: [1, 2, 3] }]);
    const err = await rejection(coll.updateOne({ _id: 1 }, { $set: { 'a.$[x]': 0 } }, { arrayFilters: [{ x: 1 }, { y: 2 }] }));
    expect(err.code).toEqual(9);
  });
});

describe('$group', () => {
  it('rejects a $group without _id with error 15955', async () => {
    const coll = await mongo.seed('group', [{ _id: 1, a: 1 }]);
    const err = await rejection(coll.aggregate([{ $group: { n: { $sum: 1 } } }]).toArray());
    expect(err.code).toEqual(15955);
  });

  it('rejects an unknown accumulator with error 15952', async () => {
    const coll = await mongo.seed('group', [{ _id: 1, a: 1 }]);
    const err = await rejection(coll.aggregate([{ $group: { _id: null, n: { $nope: 1 } } }]).toArray());
    expect(err.code).toEqual(15952);
  });

  it('groups 2,000 documents in chunks with the same result as a small group', async () => {
    const docs = Array.from({ length: 2000 }, (_, i) => ({ _id: i, k: i % 3, v: i, tag: `t${i % 2}` }));
    const coll = await mongo.seed('groupbig', docs);
    const got = await coll
      .aggregate([
        { $group: { _id: '$k', n: { $sum: 1 }, total: { $sum: '$v' }, avg: { $avg: '$v' }, lo: { $min: '$v' }, hi: { $max: '$v' }, first: { $first: '$v' }, last: { $last: '$v' }, tags: { $addToSet: '$tag' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    const expected = [0, 1, 2].map((k) => {
      const vs = docs.filter((d) => d.k === k).map((d) => d.v);
      const total = vs.reduce((a, b) => a + b, 0);
      return { _id: k, n: vs.length, total, avg: total / vs.length, lo: Math.min(...vs), hi: Math.max(...vs), first: vs[0], last: vs[vs.length - 1], tags: ['t0', 't1'] };
    });
    expect(got.map((g) => ({ ...g, tags: [...(g['tags'] as string[])].sort() }))).toEqual(expected);
  });
});

describe('$lookup', () => {
  it('joins on localField/foreignField and then runs the pipeline on the matches (MongoDB 5+)', async () => {
    const orders = await mongo.seed('orders', [{ _id: 1, item: 'almonds', qty: 2 }, { _id: 2, item: 'pecans', qty: 1 }]);
    await mongo.seed('stock', [
      { _id: 10, sku: 'almonds', warehouse: 'A', instock: 120 },
      { _id: 11, sku: 'almonds', warehouse: 'B', instock: 0 },
      { _id: 12, sku: 'pecans', warehouse: 'A', instock: 70 },
    ]);
    const got = await orders
      .aggregate([
        {
          $lookup: {
            from: 'stock',
            localField: 'item',
            foreignField: 'sku',
            let: { need: '$qty' },
            pipeline: [{ $match: { $expr: { $gte: ['$instock', '$$need'] } } }, { $project: { _id: 0, warehouse: 1 } }],
            as: 'available',
          },
        },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    const expected = [
      { _id: 1, item: 'almonds', qty: 2, available: [{ warehouse: 'A' }] },
      { _id: 2, item: 'pecans', qty: 1, available: [{ warehouse: 'A' }] },
    ];
    expect(got).toEqual(expected);
  });

  it('matches every element of an array localField', async () => {
    const classes = await mongo.seed('classes', [{ _id: 1, title: 'Reading', enrolled: ['ann', 'bob'] }]);
    await mongo.seed('members', [{ _id: 1, name: 'ann' }, { _id: 2, name: 'bob' }, { _id: 3, name: 'cid' }]);
    const got = await classes.aggregate([{ $lookup: { from: 'members', localField: 'enrolled', foreignField: 'name', as: 'who' } }]).toArray();
    const expected = [{ _id: 1, title: 'Reading', enrolled: ['ann', 'bob'], who: [{ _id: 1, name: 'ann' }, { _id: 2, name: 'bob' }] }];
    expect(got).toEqual(expected);
  });
});

describe('$bucket', () => {
  it('emits no document for an empty bucket', async () => {
    const coll = await mongo.seed('bucket', [{ _id: 1, p: 5 }, { _id: 2, p: 25 }, { _id: 3, p: 27 }]);
    const got = await coll.aggregate([{ $bucket: { groupBy: '$p', boundaries: [0, 10, 20, 30] } }]).toArray();
    const expected = [{ _id: 0, count: 1 }, { _id: 20, count: 2 }];
    expect(got).toEqual(expected);
  });

  it('puts values outside the boundaries in the default bucket', async () => {
    const coll = await mongo.seed('bucket', [{ _id: 1, p: 5 }, { _id: 2, p: 99 }]);
    const got = await coll.aggregate([{ $bucket: { groupBy: '$p', boundaries: [0, 10, 20], default: 'other', output: { ids: { $push: '$_id' } } } }]).toArray();
    const expected = [{ _id: 0, ids: [1] }, { _id: 'other', ids: [2] }];
    expect(got).toEqual(expected);
  });
});

describe('Query operator arguments', () => {
  const docs = [
    { _id: 1, a: 1, s: 'abc', arr: [1, 2, 3] },
    { _id: 2, a: 'x', s: 'ABD', arr: [] },
    { _id: 3, a: null },
    { _id: 4 },
  ];

  it('matches null and missing fields with $gte: null and $lte: null, and nothing with $lt: null', async () => {
    const coll = await mongo.seed('nulls', docs);
    const ids = async (filter: Doc): Promise<unknown[]> => (await coll.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
    const expected = [[3, 4], [3, 4], []];
    expect([await ids({ a: { $gte: null } }), await ids({ a: { $lte: null } }), await ids({ a: { $lt: null } })]).toEqual(expected);
  });

  it('rejects $mod by zero, $elemMatch of a non-object and $in of a non-array with error 2', async () => {
    const coll = await mongo.seed('args', docs);
    const codes = [
      (await rejection(coll.find({ a: { $mod: [0, 1] } }).toArray())).code,
      (await rejection(coll.find({ arr: { $elemMatch: 1 } }).toArray())).code,
      (await rejection(coll.find({ a: { $in: 1 } }).toArray())).code,
      (await rejection(coll.find({ a: { $nin: 'x' } }).toArray())).code,
    ];
    const expected = [2, 2, 2, 2];
    expect(codes).toEqual(expected);
  });

  it('rejects an invalid regular expression with error 51091', async () => {
    const coll = await mongo.seed('args', docs);
    const err = await rejection(coll.find({ s: { $regex: '(' } }).toArray());
    expect(err.code).toEqual(51091);
  });

  it('rejects a sort direction other than 1 or -1 with error 15975 in find and in $sort', async () => {
    const coll = await mongo.seed('args', docs);
    // The driver refuses sort({ a: 2 }) itself, so the find command is sent as it is.
    const codes = [(await rejection(mongo.db().command({ find: coll.collectionName, sort: { a: 2 } }))).code, (await rejection(coll.aggregate([{ $sort: { a: 2 } }]).toArray())).code];
    const expected = [15975, 15975];
    expect(codes).toEqual(expected);
  });
});

describe('Aggregation expression errors', () => {
  const cases: Array<[string, Doc, number]> = [
    ['$toInt of a non-numeric string', { $toInt: 'abc' }, 241],
    ['$concat of a number', { $concat: ['a', 1] }, 16702],
    ['$switch with no match and no default', { $switch: { branches: [{ case: false, then: 1 }] } }, 40066],
    ['$size of a non-array', { $size: '$a' }, 17124],
    ['$add of a string', { $add: ['$s', 1] }, 16554],
    ['$in with a non-array', { $in: [1, '$a'] }, 40081],
    ['$strLenCP of a missing field', { $strLenCP: '$missing' }, 34471],
    ['$divide by zero', { $divide: [1, 0] }, 2],
  ];
  for (const [what, expr, code] of cases) {
    it(`fails ${what} with error ${code}`, async () => {
      const coll = await mongo.seed('exprs', [{ _id: 1, a: 1, s: 'abc' }]);
      const err = await rejection(coll.aggregate([{ $project: { r: expr } }]).toArray());
      expect(err.code).toEqual(code);
    });
  }

  it('gives $convert onError instead of failing', async () => {
    const coll = await mongo.seed('exprs', [{ _id: 1 }]);
    const expected = [{ _id: 1, r: -1 }];
    expect(await coll.aggregate([{ $project: { r: { $convert: { input: 'abc', to: 'int', onError: -1 } } } }]).toArray()).toEqual(expected);
  });
});

describe('Stage arguments', () => {
  const cases: Array<[string, Doc, number]> = [
    ['$limit: 0', { $limit: 0 }, 15958],
    ['$skip: -1', { $skip: -1 }, 15956],
    ['$project: {}', { $project: {} }, 51272],
    ['$replaceRoot with a number', { $replaceRoot: { newRoot: '$a' } }, 40228],
  ];
  for (const [what, stage, code] of cases) {
    it(`rejects ${what} with error ${code}`, async () => {
      const coll = await mongo.seed('stages', [{ _id: 1, a: 1 }]);
      const err = await rejection(coll.aggregate([stage]).toArray());
      expect(err.code).toEqual(code);
    });
  }
});

describe('Update operator errors', () => {
  const cases: Array<[string, Doc, Doc, number]> = [
    ['$rename to the same name', { _id: 1, a: 1 }, { $rename: { a: 'a' } }, 2],
    ['$rename into an array element', { _id: 1, a: 1, arr: [{ x: 1 }] }, { $rename: { a: 'arr.0.y' } }, 2],
    ['$pop on a string', { _id: 1, arr: 'x' }, { $pop: { arr: 1 } }, 14],
    ['$pull on a string', { _id: 1, arr: 'x' }, { $pull: { arr: 1 } }, 2],
    ['$pullAll on a number', { _id: 1, arr: 5 }, { $pullAll: { arr: [5] } }, 2],
    ['$set of a path with an empty field name', { _id: 1 }, { $set: { 'a..b': 1 } }, 56],
    ['$inc of a null field', { _id: 1, a: null }, { $inc: { a: 1 } }, 14],
    ['positional $ when the query does not name the array', { _id: 1, arr: [1, 2] }, { $set: { 'arr.$': 9 } }, 2],
  ];
  for (const [what, doc, update, code] of cases) {
    it(`rejects ${what} with error ${code} and leaves the document alone`, async () => {
      const coll = await mongo.seed<Doc>('upderr', [doc]);
      const err = await rejection(coll.updateOne({ _id: 1 }, update));
      expect(err.code).toEqual(code);
      const expected = [doc];
      expect(await coll.find().toArray()).toEqual(expected);
    });
  }

  it('sets an array element to null with $unset and pads with null when $set writes past the end', async () => {
    const coll = await mongo.seed<Doc>('pad', [{ _id: 1, a: [1, 2, 3], b: [1] }]);
    await coll.updateOne({ _id: 1 }, { $unset: { 'a.1': '' }, $set: { 'b.3': 4 } });
    const expected = [{ _id: 1, a: [1, null, 3], b: [1, null, null, 4] }];
    expect(await coll.find().toArray()).toEqual(expected);
  });

  it('applies $push with $each, $sort and $slice in the manual order (push, sort, slice)', async () => {
    const coll = await mongo.seed<Doc>('pushmods', [{ _id: 1, arr: [5, 1] }]);
    await coll.updateOne({ _id: 1 }, { $push: { arr: { $each: [3, 9], $sort: 1, $slice: 3 } } } as Doc);
    const expected = [{ _id: 1, arr: [1, 3, 5] }];
    expect(await coll.find().toArray()).toEqual(expected);
  });
});

describe('Comparison/Sort Order across BSON types', () => {
  const docs = [
    { _id: 1, v: 'str' }, { _id: 2, v: 5 }, { _id: 3, v: { a: 1 } }, { _id: 4, v: [2, 9] }, { _id: 6, v: true },
    { _id: 7, v: new Date(0) }, { _id: 8, v: null }, { _id: 9 }, { _id: 15, v: false },
  ];

  it('sorts ascending as null/missing, numbers (arrays by their smallest element), strings, objects, booleans, dates', async () => {
    const coll = await mongo.seed('bsonorder', docs);
    const expected = [8, 9, 4, 2, 1, 3, 15, 6, 7];
    expect((await coll.find().sort({ v: 1, _id: 1 }).toArray()).map((d) => d._id)).toEqual(expected);
  });

  it('sorts descending with arrays by their largest element and null/missing last', async () => {
    const coll = await mongo.seed('bsonorder', docs);
    const expected = [7, 6, 15, 3, 1, 4, 2, 8, 9];
    expect((await coll.find().sort({ v: -1, _id: 1 }).toArray()).map((d) => d._id)).toEqual(expected);
  });

  it('takes $min and $max across types in BSON order and ignores null and missing values', async () => {
    const coll = await mongo.seed('minmax', [{ _id: 1, v: 5 }, { _id: 2, v: 'a' }, { _id: 3, v: null }, { _id: 4 }, { _id: 5, v: 2 }]);
    const expected = [{ _id: null, mn: 2, mx: 'a' }];
    expect(await coll.aggregate([{ $group: { _id: null, mn: { $min: '$v' }, mx: { $max: '$v' } } }]).toArray()).toEqual(expected);
  });

  it('returns distinct values in BSON order, array elements one by one', async () => {
    const coll = await mongo.seed('distinct', [{ v: 'b' }, { v: 2 }, { v: null }, { v: 'a' }, { v: 1 }, { v: [3, 'a'] }, { v: { x: 1 } }, { v: true }]);
    const expected = [null, 1, 2, 3, 'a', 'b', { x: 1 }, true];
    expect(await coll.distinct('v')).toEqual(expected);
  });
});

describe('Projection paths', () => {
  it('rejects projecting a field and its subfield with error 31250 (path collision)', async () => {
    const coll = await mongo.seed('collide', [{ _id: 1, a: { b: 1 } }]);
    const err = await rejection(coll.find({}, { projection: { a: 1, 'a.b': 1 } }).toArray());
    expect(err.code).toEqual(31250);
  });

  it('rejects a projected field name starting with $ with error 16410', async () => {
    const coll = await mongo.seed('collide', [{ _id: 1, a: 1 }]);
    const err = await rejection(coll.aggregate([{ $project: { $x: 1 } }]).toArray());
    expect(err.code).toEqual(16410);
  });

  it('excludes one subfield and keeps its siblings', async () => {
    const coll = await mongo.seed('subfield', [{ _id: 1, a: { b: 1, c: 2 }, s: 'x' }]);
    const expected = [{ _id: 1, a: { c: 2 }, s: 'x' }];
    expect(await coll.find({}, { projection: { 'a.b': 0 } }).toArray()).toEqual(expected);
  });

  it('includes a subfield of every element of an array of documents', async () => {
    const coll = await mongo.seed('subfield', [{ _id: 1, arr: [{ x: 1, y: 2 }, { x: 3, y: 4 }] }]);
    const expected = [{ _id: 1, arr: [{ x: 1 }, { x: 3 }] }];
    expect(await coll.find({}, { projection: { 'arr.x': 1 } }).toArray()).toEqual(expected);
  });
});
