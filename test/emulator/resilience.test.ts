/**
 * Nobody can stall the server: one test per way a single operation could hold it up. Expected codes
 * from the MongoDB manual (maxTimeMS → 50 MaxTimeMSExpired; $range / $push over 100 MiB → 146
 * ExceededMemoryLimit). Each test also checks that another client still gets answers.
 * The ping-latency test over 1M documents and the $unwind explosion are in resilience-ping.test.ts (slow);
 * SIGTERM in resilience-cli.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection } from 'mongodb';
import { isEmulator, rejection, useMongo, type Doc } from './helpers.ts';

const mongo = useMongo('resilience');
const N = 100_000;
let big: Collection<Doc>;

beforeAll(async () => {
  big = mongo.db().collection('big');
  for (let s = 0; s < N; s += 25_000) {
    await big.insertMany(Array.from({ length: 25_000 }, (_, i) => ({ _id: s + i, k: (s + i) % 100, v: s + i, s: `item-${s + i}` })));
  }
}, 120_000);

/** A filter every document passes slowly enough that a 100k scan takes well over 1 ms on any server. */
const slowFilter = { $expr: { $gte: [{ $strLenCP: { $concat: ['$s', '$s', '$s'] } }, 0] } };

async function stillAnswers(): Promise<void> {
  const other = await mongo.connect();
  const expected = { ok: 1 };
  expect(await other.db('admin').command({ ping: 1 })).toMatchObject(expected);
}

describe('maxTimeMS', () => {
  it('fails a find scanning 100,000 documents with error 50 when maxTimeMS is 1', async () => {
    const err = await rejection(big.find(slowFilter).maxTimeMS(1).toArray());
    expect(err.code).toEqual(50);
    expect(err.codeName).toEqual('MaxTimeMSExpired');
  });

  it('fails an aggregation over 100,000 documents with error 50 when maxTimeMS is 1', async () => {
    const err = await rejection(big.aggregate([{ $match: slowFilter }, { $group: { _id: '$k', n: { $sum: 1 } } }], { maxTimeMS: 1 }).toArray());
    expect(err.code).toEqual(50);
  });

  it('fails a count command with error 50 when maxTimeMS is 1', async () => {
    const err = await rejection(mongo.db().command({ count: 'big', query: slowFilter, maxTimeMS: 1 }));
    expect(err.code).toEqual(50);
  });

  it('fails countDocuments with error 50 when maxTimeMS is 1', async () => {
    const err = await rejection(big.countDocuments(slowFilter, { maxTimeMS: 1 }));
    expect(err.code).toEqual(50);
  });

  it('fails distinct with error 50 when maxTimeMS is 1', async () => {
    const err = await rejection(big.distinct('k', slowFilter, { maxTimeMS: 1 }));
    expect(err.code).toEqual(50);
  });

  it('still returns every document when maxTimeMS is generous', async () => {
    const expected = N;
    expect(await big.countDocuments({}, { maxTimeMS: 60_000 })).toEqual(expected);
  });

  it('rejects maxTimeMS on getMore of an ordinary (non-awaitData) cursor with error 2', async () => {
    const first = await mongo.db().command({ find: 'big', filter: {}, batchSize: 2 });
    const id = first['cursor'].id;
    const err = await rejection(mongo.db().command({ getMore: id, collection: 'big', batchSize: 2, maxTimeMS: 1000 }));
    expect(err.code).toEqual(2);
    await mongo.db().command({ killCursors: 'big', cursors: [id] });
  });

  it('rejects a negative maxTimeMS with error 2', async () => {
    const err = await rejection(mongo.db().command({ find: 'big', filter: {}, maxTimeMS: -1 }));
    expect(err.code).toEqual(2);
  });
});

describe('server-side JavaScript with an infinite loop', () => {
  it('stops $where with error 50 after maxTimeMS and keeps answering other clients', async () => {
    const err = await rejection(big.find({ $where: 'function () { while (true) {} }' }).maxTimeMS(1500).toArray());
    expect(err.code).toEqual(50);
    await stillAnswers();
  });

  it('stops $function with error 50 after maxTimeMS', async () => {
    const loop = { $function: { body: 'function (v) { while (true) {} return v; }', args: ['$v'], lang: 'js' } };
    const err = await rejection(big.aggregate([{ $project: { x: loop } }], { maxTimeMS: 1500 }).toArray());
    expect(err.code).toEqual(50);
    await stillAnswers();
  });

  it('stops $accumulator with error 50 after maxTimeMS', async () => {
    const acc = {
      $accumulator: {
        init: 'function () { return 0; }',
        accumulate: 'function (state, v) { while (true) {} return state; }',
        accumulateArgs: ['$v'],
        merge: 'function (a, b) { return a + b; }',
        lang: 'js',
      },
    };
    const err = await rejection(big.aggregate([{ $group: { _id: null, x: acc } }], { maxTimeMS: 1500 }).toArray());
    expect(err.code).toEqual(50);
    await stillAnswers();
  });

  it('runs $where, $function and $accumulator that terminate', async () => {
    const coll = await mongo.seed('js', [{ _id: 1, a: 2 }, { _id: 2, a: 5 }]);
    const expected = [{ _id: 2, a: 5, double: 10, total: 7 }];
    const where = await coll.find({ $where: 'this.a > 3' }).toArray();
    const fn = await coll
      .aggregate([
        { $match: { _id: 2 } },
        { $addFields: { double: { $function: { body: 'function (a) { return a * 2; }', args: ['$a'], lang: 'js' } } } },
      ])
      .toArray();
    const [acc] = await coll
      .aggregate([
        {
          $group: {
            _id: null,
            total: {
              $accumulator: {
                init: 'function () { return 0; }',
                accumulate: 'function (s, a) { return s + a; }',
                accumulateArgs: ['$a'],
                merge: 'function (x, y) { return x + y; }',
                lang: 'js',
              },
            },
          },
        },
      ])
      .toArray();
    expect([{ ...where[0], double: fn[0]?.['double'], total: acc?.['total'] }]).toEqual(expected);
  });

  it.skipIf(!isEmulator)('interrupts an endless $where without maxTimeMS with error 139 (emulator-only: mongod would run it forever)', async () => {
    const err = await rejection(big.find({ _id: 1, $where: 'function () { while (true) {} }' }).toArray());
    expect(err.code).toEqual(139);
    expect(err.message).toMatch(/longer than/);
    await stillAnswers();
  });
});

describe('memory-hungry expressions', () => {
  it('refuses $range over 500 million numbers with error 146 ExceededMemoryLimit', async () => {
    const coll = await mongo.seed('one', [{ _id: 1 }]);
    const err = await rejection(coll.aggregate([{ $project: { r: { $range: [0, 5e8] } } }]).toArray());
    expect(err.code).toEqual(146);
    await stillAnswers();
  });

  it('still builds a small $range', async () => {
    const coll = await mongo.seed('one', [{ _id: 1 }]);
    const expected = [{ _id: 1, r: [0, 2, 4] }];
    expect(await coll.aggregate([{ $project: { r: { $range: [0, 5, 2] } } }]).toArray()).toEqual(expected);
  });

  it('refuses a $push in $group past 100 MiB with error 146', async () => {
    const coll = mongo.db().collection<Doc>('fat');
    const mb = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 120; i += 20) await coll.insertMany(Array.from({ length: 20 }, (_, j) => ({ _id: i + j, pad: mb })));
    const err = await rejection(coll.aggregate([{ $group: { _id: null, all: { $push: '$pad' } } }]).toArray());
    expect(err.code).toEqual(146);
    const err2 = await rejection(coll.aggregate([{ $group: { _id: null, all: { $addToSet: { $concat: ['$pad', { $toString: '$_id' }] } } } }]).toArray());
    expect(err2.code).toEqual(146);
    await coll.drop();
    await stillAnswers();
  }, 120_000);
});

describe('catastrophic regular expressions', () => {
  // mongod's PCRE stops such a match at its own backtracking limit, with an error whose code the
  // manual does not document; these checks are the emulator's (a JavaScript RegExp cannot be interrupted).
  it.skipIf(!isEmulator)('stops a backtracking $regex with error 50 after maxTimeMS and keeps answering', async () => {
    const coll = await mongo.seed('redos', [{ _id: 1, s: `${'a'.repeat(40)}b` }, { _id: 2, s: 'aaa' }]);
    const err = await rejection(coll.find({ s: { $regex: '^(a+)+$' } }).maxTimeMS(300).toArray());
    expect(err.code).toEqual(50);
    await stillAnswers();
  });

  it.skipIf(!isEmulator)('stops a backtracking regex without maxTimeMS after one second with error 2', async () => {
    const coll = await mongo.seed('redos', [{ _id: 1, s: `${'a'.repeat(40)}b` }]);
    const err = await rejection(coll.find({ s: { $in: [/^(a+)+$/] } }).toArray());
    expect(err.code).toEqual(2);
    expect(err.message).toMatch(/backtracking/);
  });

  it('still matches such a pattern on values that do not backtrack', async () => {
    const coll = await mongo.seed('redos', [{ _id: 2, s: 'aaa' }, { _id: 3, s: 'b' }]);
    const expected = [{ _id: 2, s: 'aaa' }];
    expect(await coll.find({ s: /^(a+)+$/ }).toArray()).toEqual(expected);
  });
});
