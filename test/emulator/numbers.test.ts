/**
 * Numbers keep their BSON types (manual: "BSON Types", "$inc", "$mul" Mixed Type, "$sum", "$avg",
 * "$divide", "$add", "Model Monetary Data", "$currentDate", "Comparison/Sort Order").
 *
 * Every value is read back with `promoteValues: false`, so the driver hands over Int32, Long,
 * Double and Decimal128 as they travelled and each check can name the type as well as the value.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { Decimal128, Double, Int32, Long, Timestamp } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import { type Doc, rejection, useMongo } from './helpers.ts';

const mongo = useMongo('numbers');

/** `{ type, value }` of one BSON value as the server sent it: 'int' | 'long' | 'double' | 'decimal' | … */
function typedValue(v: unknown): { type: string; value: string } | unknown {
  if (v instanceof Int32) return { type: 'int', value: String(v.value) };
  if (v instanceof Timestamp) return { type: 'timestamp' }; // before Long: the driver's Timestamp extends Long
  if (v instanceof Long) return { type: 'long', value: v.toString() };
  if (v instanceof Double) return { type: 'double', value: String(v.value) };
  if (v instanceof Decimal128) return { type: 'decimal', value: v.toString() };
  if (v instanceof Date) return { type: 'date' };
  if (typeof v === 'number') return { type: 'double', value: String(v) }; // promoteValues:false leaves only doubles as numbers
  return v;
}

function typed(doc: Document | null): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(doc ?? {})) if (k !== '_id') out[k] = typedValue(v);
  return out;
}

const t = (type: string, value: string): { type: string; value: string } => ({ type, value });

async function readTyped(coll: Collection<Doc>, id: number): Promise<Document> {
  return typed(await coll.findOne({ _id: id }, { promoteValues: false }));
}

async function aggregateTyped(coll: Collection<Doc>, pipeline: Document[]): Promise<Document[]> {
  const docs = await coll.aggregate(pipeline, { promoteValues: false }).toArray();
  return docs.map((d) => typed(d));
}

describe('$inc and $mul keep numeric types (manual: $inc, $mul "Mixed Type")', () => {
  let c: Collection<Doc>;
  beforeEach(async () => {
    c = await mongo.seed('counters', [
      { _id: 1, n: 2147483647 },
      { _id: 2, n: 10 },
      { _id: 3, n: new Double(5) },
      { _id: 4, n: Long.fromNumber(7) },
      { _id: 5, price: Decimal128.fromString('10.50') },
      { _id: 6, n: 1048576 },
      { _id: 7, n: Long.MAX_VALUE },
    ]);
  });

  it('turns an int32 that $inc takes past 2^31-1 into a 64-bit integer', async () => {
    await c.updateOne({ _id: 1 }, { $inc: { n: 1 } });

    const expected = { n: t('long', '2147483648') };
    expect(await readTyped(c, 1)).toEqual(expected);
  });

  it('keeps an int32 an int32 when the sum fits, and makes it a double when the increment is one', async () => {
    await c.updateOne({ _id: 2 }, { $inc: { n: 5 } });
    const afterInt = await readTyped(c, 2);
    await c.updateOne({ _id: 2 }, { $inc: { n: 0.5 } });

    const expected = [{ n: t('int', '15') }, { n: t('double', '15.5') }];
    expect([afterInt, await readTyped(c, 2)]).toEqual(expected);
  });

  it('keeps a whole-number double a double and a long a long', async () => {
    await c.updateOne({ _id: 3 }, { $inc: { n: 1 } });
    await c.updateOne({ _id: 4 }, { $inc: { n: 1 } });

    const expected = [{ n: t('double', '6') }, { n: t('long', '8') }];
    expect([await readTyped(c, 3), await readTyped(c, 4)]).toEqual(expected);
  });

  it('makes int32 + long a long', async () => {
    await c.updateOne({ _id: 2 }, { $inc: { n: Long.fromNumber(1) } });

    const expected = { n: t('long', '11') };
    expect(await readTyped(c, 2)).toEqual(expected);
  });

  it('adds Decimal128 to Decimal128 exactly, keeping the scale', async () => {
    await c.updateOne({ _id: 5 }, { $inc: { price: Decimal128.fromString('0.25') } });

    const expected = { price: t('decimal', '10.75') };
    expect(await readTyped(c, 5)).toEqual(expected);
  });

  it('makes int32 + Decimal128 a Decimal128', async () => {
    await c.updateOne({ _id: 2 }, { $inc: { n: Decimal128.fromString('0.10') } });

    const expected = { n: t('decimal', '10.10') };
    expect(await readTyped(c, 2)).toEqual(expected);
  });

  it('creates a missing field with the increment and its type', async () => {
    await c.updateOne({ _id: 2 }, { $inc: { fee: Decimal128.fromString('1.5'), hits: Long.fromNumber(3) } });

    const expected = { n: t('int', '10'), fee: t('decimal', '1.5'), hits: t('long', '3') };
    expect(await readTyped(c, 2)).toEqual(expected);
  });

  it('turns an int32 product past 2^31-1 into a long with $mul', async () => {
    await c.updateOne({ _id: 6 }, { $mul: { n: 4096 } });

    const expected = { n: t('long', '4294967296') };
    expect(await readTyped(c, 6)).toEqual(expected);
  });

  it('multiplies by a Decimal128 into a Decimal128 with $mul', async () => {
    await c.updateOne({ _id: 5 }, { $mul: { price: Decimal128.fromString('1.5') } });
    await c.updateOne({ _id: 2 }, { $mul: { n: Decimal128.fromString('0.5') } });

    const expected = [{ price: t('decimal', '15.750') }, { n: t('decimal', '5.0') }];
    expect([await readTyped(c, 5), await readTyped(c, 2)]).toEqual(expected);
  });

  it('sets a missing field to zero of the multiplier type with $mul', async () => {
    await c.updateOne({ _id: 2 }, { $mul: { a: 3, b: Long.fromNumber(3), c: 2.5 } });

    const expected = { n: t('int', '10'), a: t('int', '0'), b: t('long', '0'), c: t('double', '0') };
    expect(await readTyped(c, 2)).toEqual(expected);
  });

  it('stores the value $max and $min chose with the type it was sent with', async () => {
    await c.updateOne({ _id: 4 }, { $max: { n: 11 } });
    await c.updateOne({ _id: 5 }, { $min: { price: 3 } });
    await c.updateOne({ _id: 2 }, { $max: { n: Decimal128.fromString('10.5') } });

    const expected = [{ n: t('int', '11') }, { price: t('int', '3') }, { n: t('decimal', '10.5') }];
    expect([await readTyped(c, 4), await readTyped(c, 5), await readTyped(c, 2)]).toEqual(expected);
  });

  it('refuses an $inc past the largest 64-bit integer and leaves the document as it was', async () => {
    const error = await rejection(c.updateOne({ _id: 7 }, { $inc: { n: 1 } }));

    const expected = { n: t('long', Long.MAX_VALUE.toString()) };
    expect(error.code).toBeTypeOf('number');
    expect(await readTyped(c, 7)).toEqual(expected);
  });

  it('applies $inc by Decimal128 to many documents and in an upsert', async () => {
    await c.updateMany({ _id: { $in: [2, 6] } }, { $inc: { n: Decimal128.fromString('1.01') } });
    await c.updateOne({ _id: 99 }, { $inc: { n: Decimal128.fromString('2.20') } }, { upsert: true });

    const expected = [{ n: t('decimal', '11.01') }, { n: t('decimal', '1048577.01') }, { n: t('decimal', '2.20') }];
    expect([await readTyped(c, 2), await readTyped(c, 6), await readTyped(c, 99)]).toEqual(expected);
  });
});

describe('Positional $inc and $mul keep numeric types (manual: $ (update), $[], $[<identifier>])', () => {
  let c: Collection<Doc>;
  beforeEach(async () => {
    c = await mongo.seed('positional', [{ _id: 1, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }, { sku: 'c', qty: Decimal128.fromString('1.50') }] }]);
  });

  it('increments the matched element by a Decimal128 with $', async () => {
    await c.updateOne({ _id: 1, 'items.sku': 'b' }, { $inc: { 'items.$.qty': Decimal128.fromString('0.25') } });

    const expected = [t('int', '1'), t('decimal', '2.25'), t('decimal', '1.50')];
    const doc = await c.findOne({ _id: 1 }, { promoteValues: false });
    expect((doc?.items as Document[]).map((i) => typedValue(i.qty))).toEqual(expected);
  });

  it('increments every element by a long with $[] and multiplies filtered ones with $[<identifier>]', async () => {
    await c.updateOne({ _id: 1 }, { $inc: { 'items.$[].qty': Long.fromNumber(1) } });
    await c.updateOne({ _id: 1 }, { $mul: { 'items.$[big].qty': 2 } }, { arrayFilters: [{ 'big.qty': { $gte: 2.5 } }] });

    const expected = [t('long', '2'), t('long', '6'), t('decimal', '5.00')];
    const doc = await c.findOne({ _id: 1 }, { promoteValues: false });
    expect((doc?.items as Document[]).map((i) => typedValue(i.qty))).toEqual(expected);
  });
});

describe('$currentDate (manual: $currentDate)', () => {
  it('sets a Timestamp for { $type: "timestamp" } and a Date for true or { $type: "date" }', async () => {
    const c = await mongo.seed('dates', [{ _id: 1 }]);
    await c.updateOne({ _id: 1 }, { $currentDate: { ts: { $type: 'timestamp' }, at: true, on: { $type: 'date' } } } as Document);

    const expected = { ts: { type: 'timestamp' }, at: { type: 'date' }, on: { type: 'date' } };
    expect(await readTyped(c, 1)).toEqual(expected);
  });

  it('gives a Timestamp whose seconds are now', async () => {
    const c = await mongo.seed('dates', [{ _id: 1 }]);
    const since = Math.floor(Date.now() / 1000);
    await c.updateOne({ _id: 1 }, { $currentDate: { ts: { $type: 'timestamp' } } });

    const doc = await c.findOne({ _id: 1 });
    const ts = doc?.ts as Timestamp;
    expect(ts).toBeInstanceOf(Timestamp);
    expect(ts.high).toBeGreaterThanOrEqual(since - 2);
    expect(ts.high).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 2);
  });
});

describe('Arithmetic expressions keep numeric types (manual: $add, $subtract, $multiply, $divide)', () => {
  let c: Collection<Doc>;
  beforeEach(async () => {
    c = await mongo.seed('expr', [
      {
        _id: 1,
        big: 2147483647,
        ten: 10,
        four: 4,
        long: Long.fromNumber(5),
        half: 0.5,
        dime: Decimal128.fromString('0.10'),
        fifth: Decimal128.fromString('0.20'),
        price: Decimal128.fromString('19.99'),
      },
    ]);
  });

  it('makes int + int overflowing a long, int + long a long and anything + double a double', async () => {
    const docs = await aggregateTyped(c, [
      { $project: { over: { $add: ['$big', 1] }, small: { $add: ['$ten', '$four'] }, withLong: { $add: ['$ten', '$long'] }, withDouble: { $add: ['$ten', '$half'] } } },
    ]);

    const expected = [{ over: t('long', '2147483648'), small: t('int', '14'), withLong: t('long', '15'), withDouble: t('double', '10.5') }];
    expect(docs).toEqual(expected);
  });

  it('adds Decimal128 values exactly: 0.10 + 0.20 is 0.30', async () => {
    const docs = await aggregateTyped(c, [{ $project: { sum: { $add: ['$dime', '$fifth'] }, withInt: { $add: ['$dime', '$ten'] } } }]);

    const expected = [{ sum: t('decimal', '0.30'), withInt: t('decimal', '10.10') }];
    expect(docs).toEqual(expected);
  });

  it('subtracts and multiplies with the same promotion', async () => {
    const docs = await aggregateTyped(c, [
      {
        $project: {
          diff: { $subtract: ['$price', '$dime'] },
          intDiff: { $subtract: ['$ten', '$four'] },
          product: { $multiply: ['$price', 3] },
          overflow: { $multiply: ['$big', 2] },
          withDouble: { $multiply: ['$four', '$half'] },
        },
      },
    ]);

    const expected = [{ diff: t('decimal', '19.89'), intDiff: t('int', '6'), product: t('decimal', '59.97'), overflow: t('long', '4294967294'), withDouble: t('double', '2') }];
    expect(docs).toEqual(expected);
  });

  it('divides into a double, or a Decimal128 when a Decimal128 is involved', async () => {
    const docs = await aggregateTyped(c, [
      { $project: { exact: { $divide: ['$ten', 5] }, fraction: { $divide: ['$ten', '$four'] }, money: { $divide: ['$price', '$four'] } } },
    ]);

    const expected = [{ exact: t('double', '2'), fraction: t('double', '2.5'), money: t('decimal', '4.9975') }];
    expect(docs).toEqual(expected);
  });

  it('refuses to divide by zero', async () => {
    const error = await rejection(c.aggregate([{ $project: { x: { $divide: ['$ten', 0] } } }]).toArray());

    expect(error.code).toBe(2);
  });

  it('rounds and takes the absolute value of a Decimal128 as a Decimal128', async () => {
    const docs = await aggregateTyped(c, [
      { $project: { r: { $round: [{ $divide: ['$price', 3] }, 2] }, down: { $round: [Decimal128.fromString('1.2345'), 2] }, a: { $abs: { $subtract: ['$dime', '$price'] } } } },
    ]);

    const expected = [{ r: t('decimal', '6.66'), down: t('decimal', '1.23'), a: t('decimal', '19.89') }];
    expect(docs).toEqual(expected);
  });
});

describe('Accumulators keep numeric types (manual: $sum, $avg, $max)', () => {
  it('sums int32 values into an int32, and into a long once they pass 2^31-1', async () => {
    const c = await mongo.seed('sums', [
      { g: 'small', n: 1 },
      { g: 'small', n: 2 },
      { g: 'big', n: 2147483647 },
      { g: 'big', n: 2147483647 },
    ]);
    const docs = await aggregateTyped(c, [{ $group: { _id: '$g', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }]);

    const expected = [
      { total: t('long', '4294967294') },
      { total: t('int', '3') },
    ];
    expect(docs).toEqual(expected);
  });

  it('sums Decimal128 values exactly and makes int + double a double', async () => {
    const c = await mongo.seed('sums', [
      { g: 'money', n: Decimal128.fromString('0.10') },
      { g: 'money', n: Decimal128.fromString('0.20') },
      { g: 'money', n: 1 },
      { g: 'mixed', n: 1 },
      { g: 'mixed', n: 0.5 },
    ]);
    const docs = await aggregateTyped(c, [{ $group: { _id: '$g', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }]);

    const expected = [{ total: t('double', '1.5') }, { total: t('decimal', '1.30') }];
    expect(docs).toEqual(expected);
  });

  it('averages into a double, even when the average is whole, and Decimal128 into a Decimal128', async () => {
    const c = await mongo.seed('avgs', [
      { g: 'ints', n: 2 },
      { g: 'ints', n: 4 },
      { g: 'halves', n: 1 },
      { g: 'halves', n: 2 },
      { g: 'money', n: Decimal128.fromString('10.00') },
      { g: 'money', n: Decimal128.fromString('20.01') },
    ]);
    const docs = await aggregateTyped(c, [{ $group: { _id: '$g', avg: { $avg: '$n' } } }, { $sort: { _id: 1 } }]);

    const expected = [{ avg: t('double', '1.5') }, { avg: t('double', '3') }, { avg: t('decimal', '15.005') }];
    expect(docs).toEqual(expected);
  });

  it('counts with { $sum: 1 } as an int32', async () => {
    const c = await mongo.seed('sums', [{ g: 1 }, { g: 1 }, { g: 1 }]);
    const docs = await aggregateTyped(c, [{ $group: { _id: null, count: { $sum: 1 } } }]);

    const expected = [{ count: t('int', '3') }];
    expect(docs).toEqual(expected);
  });

  it('finds the largest and smallest across Decimal128, int32 and double', async () => {
    const c = await mongo.seed('extremes', [{ n: Decimal128.fromString('2.5') }, { n: 3 }, { n: 1.25 }, { n: Decimal128.fromString('0.75') }]);
    const docs = await aggregateTyped(c, [{ $group: { _id: null, max: { $max: '$n' }, min: { $min: '$n' } } }]);

    const expected = [{ max: t('int', '3'), min: t('decimal', '0.75') }];
    expect(docs).toEqual(expected);
  });
});

describe('Stored types reach aggregation (manual: $type (aggregation), $toString, $toDouble, $toLong)', () => {
  let c: Collection<Doc>;
  beforeEach(async () => {
    c = await mongo.seed('stored', [
      { _id: 1, n: Long.fromNumber(5), price: Decimal128.fromString('1.50') },
      { _id: 2, n: 5, price: Decimal128.fromString('2.25') },
      { _id: 3, n: new Double(7), price: Decimal128.fromString('3') },
    ]);
  });

  it('reports the BSON type of each stored number with $type', async () => {
    const docs = await c.aggregate([{ $project: { n: { $type: '$n' }, price: { $type: '$price' } } }, { $sort: { _id: 1 } }]).toArray();

    const expected = [
      { _id: 1, n: 'long', price: 'decimal' },
      { _id: 2, n: 'int', price: 'decimal' },
      { _id: 3, n: 'double', price: 'decimal' },
    ];
    expect(docs).toEqual(expected);
  });

  it('computes with the stored type: long + int is a long, double + int a double', async () => {
    const docs = await aggregateTyped(c, [{ $project: { next: { $add: ['$n', 1] } } }, { $sort: { _id: 1 } }]);

    const expected = [{ next: t('long', '6') }, { next: t('int', '6') }, { next: t('double', '8') }];
    expect(docs).toEqual(expected);
  });

  it('groups equal numbers of different types together', async () => {
    const docs = await c.aggregate([{ $group: { _id: '$n', count: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();

    const expected = [
      { _id: 5, count: 2 },
      { _id: 7, count: 1 },
    ];
    expect(docs).toEqual(expected);
  });

  it('keeps a stored long and a whole-number double through a projection, $project and $addFields', async () => {
    const found = typed(await c.findOne({ _id: 3 }, { projection: { n: 1 }, promoteValues: false }));
    const projected = await aggregateTyped(c, [{ $match: { _id: 1 } }, { $project: { n: 1 } }]);
    const added = await aggregateTyped(c, [{ $match: { _id: 1 } }, { $addFields: { seen: true } }, { $project: { price: 0 } }]);

    const expected = { found: { n: t('double', '7') }, projected: [{ n: t('long', '5') }], added: [{ n: t('long', '5'), seen: true }] };
    expect({ found, projected, added }).toEqual(expected);
  });

  it('keeps stored types through $first, $last and $push', async () => {
    const docs = await aggregateTyped(c, [
      { $sort: { _id: 1 } },
      { $group: { _id: null, first: { $first: '$n' }, last: { $last: '$n' }, all: { $push: '$n' } } },
      { $project: { _id: 0 } },
    ]);

    const expected = [{ first: t('long', '5'), last: t('double', '7'), all: [t('long', '5'), t('int', '5'), t('double', '7')] }];
    expect(docs.map((d) => ({ ...d, all: (d.all as unknown[]).map(typedValue) }))).toEqual(expected);
  });

  it('converts a Decimal128 with $toString, $toDouble and $toLong', async () => {
    const docs = await aggregateTyped(c, [{ $match: { _id: 1 } }, { $project: { s: { $toString: '$price' }, d: { $toDouble: '$price' }, l: { $toLong: '$price' } } }]);

    const expected = [{ s: '1.50', d: t('double', '1.5'), l: t('long', '1') }];
    expect(docs).toEqual(expected);
  });
});

describe('Comparing and sorting Decimal128 with other numbers (manual: Comparison/Sort Order)', () => {
  let c: Collection<Doc>;
  beforeEach(async () => {
    c = await mongo.seed('mixed', [
      { _id: 1, n: Decimal128.fromString('2.50') },
      { _id: 2, n: 3 },
      { _id: 3, n: 1.5 },
      { _id: 4, n: Long.fromNumber(2) },
      { _id: 5, n: Decimal128.fromString('100') },
    ]);
  });

  it('compares by value in a query filter', async () => {
    const ids = (await c.find({ n: { $gt: Decimal128.fromString('2') } }).toArray()).map((d) => d._id).sort((a, b) => a - b);

    const expected = [1, 2, 5];
    expect(ids).toEqual(expected);
  });

  it('matches equal values of different types', async () => {
    const ids = (await c.find({ n: { $in: [Decimal128.fromString('3'), 2.5] } }).toArray()).map((d) => d._id).sort((a, b) => a - b);

    const expected = [1, 2];
    expect(ids).toEqual(expected);
  });

  it('sorts by value across types', async () => {
    const ids = (await c.find().sort({ n: 1 }).toArray()).map((d) => d._id);

    const expected = [3, 4, 1, 2, 5];
    expect(ids).toEqual(expected);
  });

  it('compares by value in aggregation expressions', async () => {
    const docs = await c.aggregate([{ $project: { big: { $gte: ['$n', 2.5] } } }, { $sort: { _id: 1 } }]).toArray();

    const expected = [
      { _id: 1, big: true },
      { _id: 2, big: true },
      { _id: 3, big: false },
      { _id: 4, big: false },
      { _id: 5, big: true },
    ];
    expect(docs).toEqual(expected);
  });
});
