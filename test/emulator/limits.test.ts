/**
 * Limits (MongoDB manual, "MongoDB Limits and Thresholds"): a stored document is at most 16 MiB and
 * at most 100 levels deep. mongod refuses an insert over 16 MiB with 2 ("object to insert too
 * large"), an update that grows a document past 16 MiB with 17419, and a document nested deeper
 * than 100 levels with 15 Overflow. Nothing is stored in any of these cases.
 */
import { describe, expect, it } from 'vitest';
import { MongoServerError } from 'mongodb';
import { useMongo, type Doc } from './helpers.ts';

const mongo = useMongo('limits');
const MiB = 1024 * 1024;

/** A document of exactly `bytes` BSON bytes: { _id: <int>, s: <string> }. */
function docOfSize(id: number, bytes: number): Doc {
  // 4 (length) + 1 (type) + 4 ('_id\0') + 4 (int32) + 1 (type) + 2 ('s\0') + 4 (strlen) + n + 1 (\0) + 1 (end)
  return { _id: id, s: 'x'.repeat(bytes - 22) };
}

function nested(levels: number): Doc {
  let v: Doc = { leaf: true };
  for (let i = 1; i < levels; i++) v = { a: v };
  return v;
}

/** The server's error code for a failed write (a write error or a command error). */
async function writeErrorCode(work: Promise<unknown>): Promise<number | undefined> {
  try {
    await work;
  } catch (e) {
    if (e instanceof MongoServerError) return Number(e.code);
    throw e;
  }
  return undefined;
}

describe('Document size limit', () => {
  it('stores a document of exactly 16 MiB and reads it back', async () => {
    const coll = mongo.db().collection<Doc>('size');
    await coll.insertOne(docOfSize(1, 16 * MiB));
    const back = await coll.findOne({ _id: 1 });
    const expected = 16 * MiB - 22;
    expect((back?.['s'] as string).length).toEqual(expected);
    await coll.deleteOne({ _id: 1 });
  }, 30_000);

  it('refuses an insert of 16 MiB + 1 byte with error 2 and stores nothing', async () => {
    const coll = mongo.db().collection<Doc>('size');
    const code = await writeErrorCode(coll.insertOne(docOfSize(2, 16 * MiB + 1)));
    expect(code).toEqual(2);
    expect(await coll.countDocuments({ _id: 2 })).toEqual(0);
  }, 30_000);

  it('refuses an update that grows a document past 16 MiB with error 17419 and keeps the old document', async () => {
    const coll = mongo.db().collection<Doc>('size');
    await coll.insertOne({ _id: 3, a: 'x'.repeat(9 * MiB) });
    const code = await writeErrorCode(coll.updateOne({ _id: 3 }, { $set: { b: 'y'.repeat(8 * MiB) } }));
    expect(code).toEqual(17419);
    const back = await coll.findOne({ _id: 3 }, { projection: { b: 1 } });
    const expected = { _id: 3 };
    expect(back).toEqual(expected);
  }, 30_000);

  it('refuses a findOneAndUpdate that grows a document past 16 MiB with error 17419', async () => {
    const coll = mongo.db().collection<Doc>('size');
    await coll.insertOne({ _id: 4, a: 'x'.repeat(9 * MiB) });
    const code = await writeErrorCode(coll.findOneAndUpdate({ _id: 4 }, { $set: { b: 'y'.repeat(8 * MiB) } }));
    expect(code).toEqual(17419);
  }, 30_000);
});

describe('Nesting depth limit', () => {
  it('stores a document nested 90 levels deep', async () => {
    const coll = mongo.db().collection<Doc>('depth');
    await coll.insertOne({ _id: 1, d: nested(89) });
    const expected = 1;
    expect(await coll.countDocuments({ _id: 1 })).toEqual(expected);
  });

  it('refuses a document nested 150 levels deep with error 15 Overflow', async () => {
    const coll = mongo.db().collection<Doc>('depth');
    const code = await writeErrorCode(coll.insertOne({ _id: 2, d: nested(150) }));
    expect(code).toEqual(15);
    expect(await coll.countDocuments({ _id: 2 })).toEqual(0);
  });

  it('refuses an update that nests a document 150 levels deep with error 15', async () => {
    const coll = mongo.db().collection<Doc>('depth');
    await coll.insertOne({ _id: 3 });
    const code = await writeErrorCode(coll.updateOne({ _id: 3 }, { $set: { d: nested(150) } }));
    expect(code).toEqual(15);
  });
});
