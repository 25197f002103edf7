import { beforeAll, describe, expect, it } from 'vitest';
import { Long } from 'mongodb';
import type { CommandStartedEvent, CommandSucceededEvent, Document, MongoClient } from 'mongodb';
import { isEmulator, rejection, useMongo } from './helpers.ts';

const mongo = useMongo('cursors');

/** What the driver sent and received, in order, for one piece of work. */
interface Exchange {
  command: string;
  batch?: number;
  exhausted?: boolean;
  cursorsKilled?: number;
}

let watched: MongoClient;
let log: Exchange[] = [];
const started = new Map<number, string>();

function record(event: CommandSucceededEvent): void {
  const command = started.get(event.requestId);
  if (!command || !['find', 'getMore', 'aggregate', 'killCursors'].includes(command)) return;
  const reply = event.reply as Document;
  const cursor = reply['cursor'] as Document | undefined;
  const batch = (cursor?.['firstBatch'] ?? cursor?.['nextBatch']) as unknown[] | undefined;
  const entry: Exchange = { command };
  if (batch) {
    entry.batch = batch.length;
    entry.exhausted = String(cursor?.['id']) === '0';
  }
  if (command === 'killCursors') entry.cursorsKilled = (reply['cursorsKilled'] as unknown[]).length;
  log.push(entry);
}

/** Runs `work` and returns the find/getMore/aggregate/killCursors exchanges it caused. */
async function exchanges(work: () => Promise<unknown>): Promise<Exchange[]> {
  log = [];
  await work();
  return log;
}

const docs = Array.from({ length: 150 }, (_, i) => ({ _id: i + 1, n: i + 1 }));

beforeAll(async () => {
  await mongo.seed('numbers', docs);
  watched = await mongo.connect({ monitorCommands: true });
  watched.on('commandStarted', (e: CommandStartedEvent) => started.set(e.requestId, e.commandName));
  watched.on('commandSucceeded', record);
});

const numbers = () => watched.db(mongo.db().databaseName).collection<{ _id: number; n: number }>('numbers');

// Manual: "Iterate a Cursor in mongosh" → "Cursor Batches"; "getMore"; "killCursors"
describe('Cursor batches', () => {
  it('returns the first 101 documents in the first batch by default, and the rest with getMore', async () => {
    let count = 0;
    const seen = await exchanges(async () => {
      count = (await numbers().find({}).toArray()).length;
    });
    const expected = [
      { command: 'find', batch: 101, exhausted: false },
      { command: 'getMore', batch: 49, exhausted: true },
    ];
    expect(seen).toEqual(expected);
    expect(count).toBe(150);
  });

  it.skipIf(!isEmulator)('hands out getMore batches of at most 1,000 documents without batchSize (emulator only: mongod fills 16 MiB)', async () => {
    const many = await mongo.seed('many', Array.from({ length: 2_345 }, (_, i) => ({ _id: i })));
    const coll = watched.db(mongo.db().databaseName).collection<{ _id: number }>(many.collectionName);
    let ids: number[] = [];
    const seen = await exchanges(async () => {
      ids = (await coll.find({}).toArray()).map((d) => d._id);
    });
    const expected = [
      { command: 'find', batch: 101, exhausted: false },
      { command: 'getMore', batch: 1000, exhausted: false },
      { command: 'getMore', batch: 1000, exhausted: false },
      { command: 'getMore', batch: 244, exhausted: true },
    ];
    expect(seen).toEqual(expected);
    expect(ids).toEqual(Array.from({ length: 2_345 }, (_, i) => i));
  });

  it('fetches batchSize documents per round trip, in sort order, until the cursor id is 0', async () => {
    let ids: number[] = [];
    const seen = await exchanges(async () => {
      ids = (await numbers().find({ n: { $lte: 5 } }).sort({ n: -1 }).batchSize(2).toArray()).map((d) => d._id);
    });
    const expected = [
      { command: 'find', batch: 2, exhausted: false },
      { command: 'getMore', batch: 2, exhausted: false },
      { command: 'getMore', batch: 1, exhausted: true },
    ];
    expect(seen).toEqual(expected);
    expect(ids).toEqual([5, 4, 3, 2, 1]);
  });

  it('stops at the limit even when it falls inside a batch', async () => {
    let ids: number[] = [];
    const seen = await exchanges(async () => {
      ids = (await numbers().find({}).sort({ n: 1 }).skip(10).limit(3).batchSize(2).toArray()).map((d) => d._id);
    });
    expect(ids).toEqual([11, 12, 13]);
    expect(seen.reduce((sum, e) => sum + (e.batch ?? 0), 0)).toBe(3);
    expect(seen.at(-1)?.exhausted).toBe(true);
  });

  it('returns a single, exhausted batch when everything fits', async () => {
    const seen = await exchanges(() => numbers().find({ n: { $lte: 3 } }).toArray());
    const expected = [{ command: 'find', batch: 3, exhausted: true }];
    expect(seen).toEqual(expected);
  });

  it('iterates with for await … of across several batches', async () => {
    const ids: number[] = [];
    for await (const doc of numbers().find({ n: { $gt: 140 } }).sort({ n: 1 }).batchSize(4)) ids.push(doc._id);
    const expected = [141, 142, 143, 144, 145, 146, 147, 148, 149, 150];
    expect(ids).toEqual(expected);
  });

  it('batches aggregate results the same way', async () => {
    const seen = await exchanges(() => numbers().aggregate([{ $match: { n: { $lte: 5 } } }], { batchSize: 2 }).toArray());
    const expected = [
      { command: 'aggregate', batch: 2, exhausted: false },
      { command: 'getMore', batch: 2, exhausted: false },
      { command: 'getMore', batch: 1, exhausted: true },
    ];
    expect(seen).toEqual(expected);
  });
});

// Manual: "killCursors" (Database Commands → Query and Write Operation Commands) and "Cursors" → "Closure of Inactive Cursors"
describe('Closing cursors (killCursors)', () => {
  it('sends killCursors when an open cursor is closed early', async () => {
    const seen = await exchanges(async () => {
      const cursor = numbers().find({}).batchSize(5);
      await cursor.next();
      await cursor.close();
    });
    const expected = [
      { command: 'find', batch: 5, exhausted: false },
      { command: 'killCursors', cursorsKilled: 1 },
    ];
    expect(seen).toEqual(expected);
  });

  it('answers getMore on a killed cursor with 43 CursorNotFound', async () => {
    const db = mongo.db();
    const session = mongo.client().startSession(); // cursors belong to the session that opened them
    try {
      // promoteLongs: false keeps the int64 cursor id a Long, so it goes back to the server as an int64.
      const found = await db.command({ find: 'numbers', filter: {}, batchSize: 1 }, { session, promoteLongs: false });
      const id = (found['cursor'] as Document)['id'] as Long;
      const killed = await db.command({ killCursors: 'numbers', cursors: [id] }, { session, promoteLongs: false });
      const error = await rejection(db.command({ getMore: id, collection: 'numbers' }, { session }));

      expect(killed['cursorsKilled']).toEqual([id]);
      expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 43, codeName: 'CursorNotFound' });
    } finally {
      await session.endSession();
    }
  });

  it('reports an unknown cursor id under cursorsNotFound', async () => {
    const unknown = Long.fromNumber(123456789); // cursor ids are int64 on the wire
    const reply = await mongo.db().command({ killCursors: 'numbers', cursors: [unknown] }, { promoteLongs: false });
    const expected = { cursorsKilled: [], cursorsNotFound: [unknown] };
    expect({ cursorsKilled: reply['cursorsKilled'], cursorsNotFound: reply['cursorsNotFound'] }).toEqual(expected);
  });

  it('describes the cursor in the raw find reply: firstBatch, id and ns "<db>.<collection>"', async () => {
    const reply = await mongo.db().command({ find: 'numbers', filter: { n: { $lte: 2 } }, sort: { n: 1 } });
    const expected = {
      cursor: { firstBatch: [docs[0], docs[1]], id: 0, ns: `${mongo.db().databaseName}.numbers` },
      ok: 1,
    };
    expect({ cursor: reply['cursor'], ok: reply['ok'] }).toEqual(expected);
  });
});

// Batches of many documents are assembled from each stored document's BSON (the emulator caches it);
// what comes back must be exactly what was stored, in every batch, and the new version after a write.
describe('Documents in batches', () => {
  const rich = (i: number): Document => ({
    _id: i,
    name: `name ${i} — ünïcödé`,
    at: new Date(Date.UTC(2024, 0, 1 + i)),
    big: Long.fromString('9007199254740993'),
    ratio: i / 7,
    flags: [true, false, null],
    nested: { level: { deeper: [i, [i + 1, { x: 'y' }]] } },
  });

  it('returns every document unchanged across the first batch and getMore batches', async () => {
    const docs = Array.from({ length: 250 }, (_, i) => rich(i));
    const coll = mongo.db().collection<Document>('batches_rich');
    await coll.drop().catch(() => undefined);
    await coll.insertMany(docs.map((d) => ({ ...d })));
    const back = await mongo.db().collection<Document>('batches_rich', { promoteLongs: false }).find({}).sort({ _id: 1 }).batchSize(60).toArray();
    expect(back).toEqual(docs);
  });

  it('returns the new version of a document after an update, not an earlier one', async () => {
    const coll = await mongo.seed('batches_updated', Array.from({ length: 30 }, (_, i) => ({ _id: i, v: 'old' })));
    await coll.find({}).toArray();
    await coll.updateMany({ _id: { $gte: 10 } }, { $set: { v: 'new' } });
    const values = (await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d.v as string);
    const expected = [...Array(10).fill('old'), ...Array(20).fill('new')];
    expect(values).toEqual(expected);
  });
});
