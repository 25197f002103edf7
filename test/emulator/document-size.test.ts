/**
 * The 16 MB document limit (manual: "BSON Document Size"), which lesson 05 shows with an unbounded $push.
 * Runs against any server: MONGODB_URI=… npx vitest run test/emulator/document-size.test.ts
 */
import { describe, expect, it } from 'vitest';
import { MongoServerError } from 'mongodb';
import { useMongo } from './helpers.ts';

const mongo = useMongo('document_size');
const MiB = 1024 * 1024;

describe('BSON document size limit', () => {
  it('refuses an update whose result would pass 16 MB (17419) and keeps the document as it was', async () => {
    const coll = mongo.db().collection<{ _id: number; chunks: string[] }>('grows');
    await coll.insertOne({ _id: 1, chunks: [] });
    const chunk = 'x'.repeat(MiB);

    let pushed = 0;
    let error: unknown;
    for (let i = 0; i < 17 && error === undefined; i++) {
      await coll.updateOne({ _id: 1 }, { $push: { chunks: chunk } }).then(() => (pushed += 1), (e: unknown) => (error = e));
    }

    const expected = { code: 17419, tooLarge: true, pushed: 15, stored: 15 };
    const stored = await coll.aggregate([{ $project: { n: { $size: '$chunks' } } }]).toArray();
    expect({
      code: error instanceof MongoServerError ? error.code : error,
      tooLarge: error instanceof Error && error.message.includes('larger than 16777216'),
      pushed,
      stored: stored[0]?.n,
    }).toEqual(expected);
  });
});
