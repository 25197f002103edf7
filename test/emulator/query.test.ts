import { beforeAll, describe, expect, it } from 'vitest';
import { Decimal128, Double, Int32, Long } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import { useMongo, withoutId } from './helpers.ts';

const mongo = useMongo('query');

// The manual's `inventory` documents for "Query Documents" and "Query on Embedded/Nested Documents".
const journal = { item: 'journal', qty: 25, size: { h: 14, w: 21, uom: 'cm' }, status: 'A' };
const notebook = { item: 'notebook', qty: 50, size: { h: 8.5, w: 11, uom: 'in' }, status: 'A' };
const paper = { item: 'paper', qty: 100, size: { h: 8.5, w: 11, uom: 'in' }, status: 'D' };
const planner = { item: 'planner', qty: 75, size: { h: 22.85, w: 30, uom: 'cm' }, status: 'D' };
const postcard = { item: 'postcard', qty: 45, size: { h: 10, w: 15.25, uom: 'cm' }, status: 'A' };
const inventoryDocs = [journal, notebook, paper, planner, postcard];

let inventory: Collection;
beforeAll(async () => {
  inventory = await mongo.seed('inventory', inventoryDocs);
});

/** Runs the filter and returns the matches in `item` order, without `_id`, to compare with the manual. */
async function find(filter: Document): Promise<Document[]> {
  return withoutId(await inventory.find(filter).sort({ item: 1 }).toArray());
}

// Manual: "Query Documents"
describe('Query Documents', () => {
  it('returns every document when the filter is empty', async () => {
    const expected = inventoryDocs;
    expect(await find({})).toEqual(expected);
  });

  it('returns the documents whose status equals "D" for { status: "D" }', async () => {
    const expected = [paper, planner];
    expect(await find({ status: 'D' })).toEqual(expected);
  });

  it('returns documents whose status is "A" or "D" for $in', async () => {
    const expected = inventoryDocs;
    expect(await find({ status: { $in: ['A', 'D'] } })).toEqual(expected);
  });

  it('ANDs the conditions when a filter names two fields ({ status: "A", qty: { $lt: 30 } })', async () => {
    const expected = [journal];
    expect(await find({ status: 'A', qty: { $lt: 30 } })).toEqual(expected);
  });

  it('returns documents matching either clause for $or', async () => {
    const expected = [journal, notebook, postcard];
    expect(await find({ $or: [{ status: 'A' }, { qty: { $lt: 30 } }] })).toEqual(expected);
  });

  it('combines AND with $or and a regular expression ({ status: "A", $or: [{ qty < 30 }, { item: /^p/ }] })', async () => {
    const expected = [journal, postcard];
    expect(await find({ status: 'A', $or: [{ qty: { $lt: 30 } }, { item: /^p/ }] })).toEqual(expected);
  });

  it('applies $ne, $nin, $gte, $lte and $not as documented', async () => {
    const expected = {
      ne: [journal, notebook, postcard],
      nin: [paper, planner],
      range: [notebook, planner],
      not: [journal, postcard],
    };
    const actual = {
      ne: await find({ status: { $ne: 'D' } }),
      nin: await find({ status: { $nin: ['A'] } }),
      range: await find({ qty: { $gte: 50, $lte: 75 } }),
      not: await find({ qty: { $not: { $gte: 50 } } }),
    };
    expect(actual).toEqual(expected);
  });

  it('returns documents matching neither clause for $nor, and both for $and', async () => {
    const expected = { nor: [paper, planner], and: [notebook, postcard] };
    const actual = {
      nor: await find({ $nor: [{ status: 'A' }, { qty: { $lt: 30 } }] }),
      and: await find({ $and: [{ status: 'A' }, { qty: { $gt: 30 } }] }),
    };
    expect(actual).toEqual(expected);
  });
});

// Manual: "Query on Embedded/Nested Documents"
describe('Query on Embedded/Nested Documents', () => {
  it('matches an embedded document exactly, field order included', async () => {
    const expected = [journal];
    expect(await find({ size: { h: 14, w: 21, uom: 'cm' } })).toEqual(expected);
  });

  it('matches nothing when the embedded document has the same fields in another order', async () => {
    const expected: Document[] = [];
    expect(await find({ size: { w: 21, h: 14, uom: 'cm' } })).toEqual(expected);
  });

  it('queries a nested field with dot notation ({ "size.uom": "in" })', async () => {
    const expected = [notebook, paper];
    expect(await find({ 'size.uom': 'in' })).toEqual(expected);
  });

  it('applies an operator to a nested field ({ "size.h": { $lt: 15 } })', async () => {
    const expected = [journal, notebook, paper, postcard];
    expect(await find({ 'size.h': { $lt: 15 } })).toEqual(expected);
  });

  it('ANDs conditions on nested and top-level fields', async () => {
    const expected = [paper];
    expect(await find({ 'size.h': { $lt: 15 }, 'size.uom': 'in', status: 'D' })).toEqual(expected);
  });
});

// Manual: "Query for Null or Missing Fields"
describe('Query for Null or Missing Fields', () => {
  let coll: Collection<{ _id: number; item?: null }>;
  beforeAll(async () => {
    coll = await mongo.seed('null_missing', [{ _id: 1, item: null }, { _id: 2 }]);
  });

  it('matches both a null field and a missing field for { item: null }', async () => {
    const expected = [{ _id: 1, item: null }, { _id: 2 }];
    expect(await coll.find({ item: null }).sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('matches only the null field for { item: { $type: 10 } }', async () => {
    const expected = [{ _id: 1, item: null }];
    expect(await coll.find({ item: { $type: 10 } }).toArray()).toEqual(expected);
  });

  it('matches only the missing field for { item: { $exists: false } }', async () => {
    const expected = [{ _id: 2 }];
    expect(await coll.find({ item: { $exists: false } }).toArray()).toEqual(expected);
  });
});

// Manual: "Query and Projection Operators" → $regex, $expr, $type, $mod
describe('Evaluation and element query operators', () => {
  it('matches a case-insensitive $regex with $options "i"', async () => {
    const expected = [paper, planner, postcard];
    expect(await find({ item: { $regex: '^P', $options: 'i' } })).toEqual(expected);
  });

  it('compares two fields of the same document with $expr', async () => {
    // Documents whose qty is more than nine times their width
    const expected = [paper];
    expect(await find({ $expr: { $gt: ['$qty', { $multiply: ['$size.w', 9] }] } })).toEqual(expected);
  });

  it('tells a stored double from a stored int with $type (8.5 and 22.85 are doubles, 14 and 10 are ints)', async () => {
    const expected = { double: [notebook, paper, planner], int: [journal, postcard], number: inventoryDocs };
    const actual = {
      double: await find({ 'size.h': { $type: 'double' } }),
      int: await find({ 'size.h': { $type: 'int' } }),
      number: await find({ 'size.h': { $type: 'number' } }),
    };
    expect(actual).toEqual(expected);
  });

  it('matches with $mod [divisor, remainder]', async () => {
    const expected = [journal, notebook, paper, planner];
    expect(await find({ qty: { $mod: [25, 0] } })).toEqual(expected);
  });
});

// Manual: "Comparison/Sort Order" — values of different BSON types compare by type first
describe('Comparison/Sort Order', () => {
  let coll: Collection<{ _id: number; v?: unknown }>;
  beforeAll(async () => {
    coll = await mongo.seed('mixed', [
      { _id: 1, v: true },
      { _id: 2, v: 'b' },
      { _id: 3, v: 10 },
      { _id: 4, v: null },
      { _id: 5, v: new Date(0) },
      { _id: 6, v: { a: 1 } },
      { _id: 7, v: 2.5 },
      { _id: 8, v: 'a' },
    ]);
  });

  it('sorts null < numbers < strings < objects < booleans < dates ascending', async () => {
    const expected = [4, 7, 3, 8, 2, 6, 1, 5];
    const sorted = await coll.find({}).sort({ v: 1, _id: 1 }).toArray();
    expect(sorted.map((d) => d._id)).toEqual(expected);
  });

  it('sorts arrays by their smallest element ascending and by their largest element descending', async () => {
    const arrays = await mongo.seed('sort_arrays', [
      { _id: 1, a: [2, 8] },
      { _id: 2, a: [5] },
      { _id: 3, a: [1, 3] },
    ]);
    const expected = { ascending: [3, 1, 2], descending: [1, 2, 3] };
    const actual = {
      ascending: (await arrays.find({}).sort({ a: 1 }).toArray()).map((d) => d['_id']),
      descending: (await arrays.find({}).sort({ a: -1 }).toArray()).map((d) => d['_id']),
    };
    expect(actual).toEqual(expected);
  });

  it('compares numbers by value whatever their BSON type (int, long, double, decimal)', async () => {
    const numbers = await mongo.seed('numeric_types', [
      { _id: 'int', n: new Int32(1) },
      { _id: 'double', n: new Double(1) },
      { _id: 'long', n: Long.fromNumber(1) },
      { _id: 'decimal', n: Decimal128.fromString('1') },
      { _id: 'half', n: new Double(1.5) },
      { _id: 'ten', n: Long.fromNumber(10) },
    ]);
    const expected = { equalToOne: ['decimal', 'double', 'int', 'long'], ascending: ['half', 'ten'] };
    const actual = {
      equalToOne: (await numbers.find({ n: 1 }).toArray()).map((d) => d['_id']).sort(),
      ascending: (await numbers.find({ n: { $gt: 1 } }).sort({ n: 1 }).toArray()).map((d) => d['_id']),
    };
    expect(actual).toEqual(expected);
  });

  it('does not match values of another type with $gt (type bracketing)', async () => {
    const expected = [3];
    const matched = await coll.find({ v: { $gt: 5 } }).toArray();
    expect(matched.map((d) => d._id)).toEqual(expected);
  });
});

// Manual: "cursor.sort()", "cursor.skip()", "cursor.limit()"
describe('Sort, skip and limit', () => {
  it('sorts by several keys in the order given (status ascending, then qty descending)', async () => {
    const expected = [notebook, postcard, journal, paper, planner];
    const actual = withoutId(await inventory.find({}).sort({ status: 1, qty: -1 }).toArray());
    expect(actual).toEqual(expected);
  });

  it('pages with skip and limit after sorting', async () => {
    const expected = [notebook, planner];
    const actual = withoutId(await inventory.find({}).sort({ qty: 1 }).skip(2).limit(2).toArray());
    expect(actual).toEqual(expected);
  });

  it('sorts by a nested field with dot notation', async () => {
    const expected = ['notebook', 'paper', 'postcard', 'journal', 'planner'];
    const actual = await inventory.find({}).sort({ 'size.h': 1, item: 1 }).toArray();
    expect(actual.map((d) => d['item'])).toEqual(expected);
  });

  it('returns one document from findOne with a sort', async () => {
    const expected = paper;
    const actual = await inventory.findOne({}, { sort: { qty: -1 }, projection: { _id: 0 } });
    expect(actual).toEqual(expected);
  });

  it('counts matches with countDocuments and estimates the total with estimatedDocumentCount', async () => {
    const expected = { matching: 3, total: 5 };
    const actual = {
      matching: await inventory.countDocuments({ status: 'A' }),
      total: await inventory.estimatedDocumentCount(),
    };
    expect(actual).toEqual(expected);
  });
});
