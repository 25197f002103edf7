import { beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import { MongoServerError } from 'mongodb';
import type { Collection } from 'mongodb';
import { useMongo } from './helpers.ts';

const mongo = useMongo('transactions');

interface Account {
  _id: string;
  balance: number;
}

// Transactions need a replica set (or mongos). The emulator presents itself as a one-member replica set;
// a real standalone mongod does not, and then these tests are skipped rather than failed.
let replicaSet = false;
beforeAll(async () => {
  replicaSet = await mongo.isReplicaSet();
});
function requireReplicaSet(ctx: TestContext): void {
  ctx.skip(!replicaSet, 'transactions need a replica set: hello shows no setName (start mongod with --replSet)');
}

async function accounts(): Promise<Collection<Account>> {
  return mongo.seed<Account>('accounts', [
    { _id: 'A', balance: 100 },
    { _id: 'B', balance: 0 },
  ]);
}

async function balances(coll: Collection<Account>): Promise<Account[]> {
  return coll.find({}).sort({ _id: 1 }).toArray();
}

// Manual: "Transactions" → "Transactions API" (session.withTransaction)
describe('Transactions API', () => {
  it('commits every write of the callback together with withTransaction', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      await session.withTransaction(async () => {
        await coll.updateOne({ _id: 'A' }, { $inc: { balance: -30 } }, { session });
        await coll.updateOne({ _id: 'B' }, { $inc: { balance: 30 } }, { session });
      });
    } finally {
      await session.endSession();
    }
    const expected = [
      { _id: 'A', balance: 70 },
      { _id: 'B', balance: 30 },
    ];
    expect(await balances(coll)).toEqual(expected);
  });

  it('returns the value of the callback from withTransaction', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      const value = await session.withTransaction(async () => {
        await coll.insertOne({ _id: 'C', balance: 5 }, { session });
        return 'done';
      });
      expect(value).toBe('done');
    } finally {
      await session.endSession();
    }
  });

  it('aborts, rethrows and leaves no trace when the callback throws', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    const failure = new Error('insufficient funds');
    try {
      const thrown = await session
        .withTransaction(async () => {
          await coll.updateOne({ _id: 'A' }, { $inc: { balance: -130 } }, { session });
          await coll.insertOne({ _id: 'C', balance: 130 }, { session });
          throw failure;
        })
        .catch((e: unknown) => e);
      expect(thrown).toBe(failure);
    } finally {
      await session.endSession();
    }
    const expected = [
      { _id: 'A', balance: 100 },
      { _id: 'B', balance: 0 },
    ];
    expect(await balances(coll)).toEqual(expected);
  });
});

// Manual: "Transactions" → "Core API" (startTransaction / commitTransaction / abortTransaction)
describe('Transactions Core API', () => {
  it('hides uncommitted writes from readers outside the transaction, and shows them after commit', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'C', balance: 1 }, { session });
      await coll.updateOne({ _id: 'A' }, { $set: { balance: 0 } }, { session });

      const inside = await coll.find({}, { session }).sort({ _id: 1 }).toArray();
      const outside = await balances(coll);

      expect(inside).toEqual([
        { _id: 'A', balance: 0 },
        { _id: 'B', balance: 0 },
        { _id: 'C', balance: 1 },
      ]);
      expect(outside).toEqual([
        { _id: 'A', balance: 100 },
        { _id: 'B', balance: 0 },
      ]);

      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    const expected = [
      { _id: 'A', balance: 0 },
      { _id: 'B', balance: 0 },
      { _id: 'C', balance: 1 },
    ];
    expect(await balances(coll)).toEqual(expected);
  });

  it('leaves no trace of inserts, updates or deletes after abortTransaction', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'C', balance: 1 }, { session });
      await coll.updateOne({ _id: 'A' }, { $inc: { balance: 50 } }, { session });
      await coll.deleteOne({ _id: 'B' }, { session });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    const expected = [
      { _id: 'A', balance: 100 },
      { _id: 'B', balance: 0 },
    ];
    expect(await balances(coll)).toEqual(expected);
  });

  it('reads from one snapshot: a write committed outside after the first read stays invisible inside', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction({ readConcern: { level: 'snapshot' } });
      const before = await coll.countDocuments({}, { session });
      await coll.insertOne({ _id: 'late', balance: 1 }); // outside the transaction, committed at once
      const after = await coll.countDocuments({}, { session });
      await session.commitTransaction();
      expect({ before, after }).toEqual({ before: 2, after: 2 });
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments()).toBe(3);
  });

  it('fails the second of two transactions writing the same document with WriteConflict (112), labelled TransientTransactionError', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const first = mongo.client().startSession();
    const second = mongo.client().startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      await coll.updateOne({ _id: 'A' }, { $inc: { balance: 1 } }, { session: first });

      const error = await coll.updateOne({ _id: 'A' }, { $inc: { balance: 2 } }, { session: second }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MongoServerError);
      expect((error as MongoServerError).code).toBe(112);
      expect((error as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
      await second.abortTransaction().catch(() => undefined);
      await first.commitTransaction();
    } finally {
      await first.endSession();
      await second.endSession();
    }
    const expected = { _id: 'A', balance: 101 };
    expect(await coll.findOne({ _id: 'A' })).toEqual(expected);
  });

  it('rejects commitTransaction after abortTransaction', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'C', balance: 1 }, { session });
      await session.abortTransaction();
      // The driver itself refuses this; the point is that nothing was committed.
      await expect(session.commitTransaction()).rejects.toThrow(/abortTransaction/);
    } finally {
      await session.endSession();
    }
    expect(await coll.countDocuments({ _id: 'C' })).toBe(0);
  });
});

// Manual: "Production Considerations" → "In-progress Transactions and Write Conflicts": a write outside
// the transaction to a document the transaction has written waits until the transaction ends (or its
// maxTimeMS passes); a transaction writing a document changed outside since it started aborts (112).
describe('In-progress Transactions and Write Conflicts', () => {
  /** Starts a non-transactional update and reports whether it has finished yet. */
  function outsideUpdate(coll: Collection<Account>, by: number, options: { maxTimeMS?: number } = {}) {
    let finished = false;
    const pending = coll.updateOne({ _id: 'A' }, { $inc: { balance: by } }, options).finally(() => {
      finished = true;
    });
    return { pending, finished: () => finished };
  }

  it('makes a write outside the transaction wait until the transaction commits, then applies it on top', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'A' }, { $inc: { balance: -30 } }, { session });
      const outside = outsideUpdate(coll, 5);
      const seen = await coll.findOne({ _id: 'A' }); // a later round trip, answered while the write waits
      expect({ seen, finished: outside.finished() }).toEqual({ seen: { _id: 'A', balance: 100 }, finished: false });
      await session.commitTransaction();
      await outside.pending;
    } finally {
      await session.endSession();
    }
    const expected = { _id: 'A', balance: 75 };
    expect(await coll.findOne({ _id: 'A' })).toEqual(expected);
  });

  it('applies the waiting write to the original document when the transaction aborts', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'A' }, { $inc: { balance: -30 } }, { session });
      const outside = outsideUpdate(coll, 5);
      await coll.findOne({ _id: 'B' });
      expect(outside.finished()).toBe(false);
      await session.abortTransaction();
      await outside.pending;
    } finally {
      await session.endSession();
    }
    const expected = { _id: 'A', balance: 105 };
    expect(await coll.findOne({ _id: 'A' })).toEqual(expected);
  });

  it('gives up waiting with MaxTimeMSExpired (50) when the outside write has a maxTimeMS', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'A' }, { $inc: { balance: -30 } }, { session });
      const error = await coll.updateOne({ _id: 'A' }, { $inc: { balance: 5 } }, { maxTimeMS: 200 }).catch((e: unknown) => e);
      expect((error as MongoServerError).code).toBe(50);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await coll.findOne({ _id: 'A' })).toEqual({ _id: 'A', balance: 70 });
  });

  it('waits in updateMany too, changing none of the documents before the lock is free', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'B' }, { $inc: { balance: 10 } }, { session });
      let finished = false;
      const pending = coll.updateMany({}, { $inc: { balance: 1 } }).finally(() => {
        finished = true;
      });
      const seen = await coll.find({}).sort({ _id: 1 }).toArray();
      expect({ seen, finished }).toEqual({ seen: [{ _id: 'A', balance: 100 }, { _id: 'B', balance: 0 }], finished: false });
      await session.commitTransaction();
      expect((await pending).modifiedCount).toBe(2);
    } finally {
      await session.endSession();
    }
    const expected = [{ _id: 'A', balance: 101 }, { _id: 'B', balance: 11 }];
    expect(await balances(coll)).toEqual(expected);
  });

  it('fails a transaction writing a document changed outside since its snapshot with WriteConflict (112)', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await accounts();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.findOne({ _id: 'B' }, { session }); // the snapshot starts with the first operation
      await coll.updateOne({ _id: 'A' }, { $set: { balance: 1 } }); // outside, committed at once
      const error = (await coll.updateOne({ _id: 'A' }, { $inc: { balance: -30 } }, { session }).catch((e: unknown) => e)) as MongoServerError;
      expect({ code: error.code, transient: error.hasErrorLabel('TransientTransactionError') }).toEqual({ code: 112, transient: true });
      await session.abortTransaction().catch(() => undefined);
    } finally {
      await session.endSession();
    }
    expect(await coll.findOne({ _id: 'A' })).toEqual({ _id: 'A', balance: 1 });
  });
});

// Indexes inside transactions: the transaction's queries see its own writes and its snapshot through
// the index; unique indexes hold inside it; abort leaves the index as it was.
describe('Transactions and indexes', () => {
  interface Member {
    _id: string;
    email: string;
    tier: string;
  }

  async function members(): Promise<Collection<Member>> {
    const coll = await mongo.seed<Member>('members', [
      { _id: 'a', email: 'a@example.com', tier: 'basic' },
      { _id: 'b', email: 'b@example.com', tier: 'basic' },
    ]);
    await coll.createIndex({ email: 1 }, { unique: true });
    await coll.createIndex({ tier: 1 });
    return coll;
  }

  const idsOf = (docs: Member[]): string[] => docs.map((d) => d._id).sort();

  it('finds its own updates through an index inside the transaction, and the old values outside', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await members();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'a' }, { $set: { tier: 'gold' } }, { session });
      const inside = idsOf(await coll.find({ tier: 'gold' }, { session }).hint({ tier: 1 }).toArray());
      const outside = idsOf(await coll.find({ tier: 'gold' }).hint({ tier: 1 }).toArray());
      expect({ inside, outside }).toEqual({ inside: ['a'], outside: [] });
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(idsOf(await coll.find({ tier: 'gold' }).hint({ tier: 1 }).toArray())).toEqual(['a']);
  });

  it('keeps reading its snapshot through an index after the document changes outside', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await members();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.findOne({ _id: 'a' }, { session });
      await coll.updateOne({ _id: 'b' }, { $set: { tier: 'gold' } });
      const gold = idsOf(await coll.find({ tier: 'gold' }, { session }).hint({ tier: 1 }).toArray());
      const basic = idsOf(await coll.find({ tier: 'basic' }, { session }).hint({ tier: 1 }).toArray());
      expect({ gold, basic }).toEqual({ gold: [], basic: ['a', 'b'] });
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
  });

  it('enforces a unique index inside the transaction (11000) against stored and its own documents', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await members();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'c', email: 'c@example.com', tier: 'basic' }, { session });
      const error = (await coll.insertOne({ _id: 'd', email: 'c@example.com', tier: 'basic' }, { session }).catch((e: unknown) => e)) as MongoServerError;
      expect({ code: error.code, keyValue: error.keyValue }).toEqual({ code: 11000, keyValue: { email: 'c@example.com' } });
    } finally {
      await session.endSession();
    }
    // The duplicate aborted the transaction: nothing of it remains.
    expect(idsOf(await coll.find({}).toArray())).toEqual(['a', 'b']);
  });

  it('frees a unique value the transaction freed, and leaves the index unchanged after abort', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await members();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 'a' }, { $set: { email: 'new-a@example.com' } }, { session });
      await coll.insertOne({ _id: 'c', email: 'a@example.com', tier: 'basic' }, { session }); // reuses a's old email
      const inside = idsOf(await coll.find({ email: 'a@example.com' }, { session }).hint({ email: 1 }).toArray());
      expect(inside).toEqual(['c']);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    const outside = idsOf(await coll.find({ email: 'a@example.com' }).hint({ email: 1 }).toArray());
    expect(outside).toEqual(['a']);
    const error = await coll.insertOne({ _id: 'x', email: 'a@example.com', tier: 'basic' }).catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(11000);
  });
});

// Unique keys are written through the index, so they conflict like documents do.
describe('Transactions and unique keys', () => {
  async function emails(): Promise<Collection<{ _id: string; email: string }>> {
    const coll = await mongo.seed<{ _id: string; email: string }>('emails', [{ _id: 'a', email: 'a@example.com' }]);
    await coll.createIndex({ email: 1 }, { unique: true });
    return coll;
  }

  it('makes an outside insert of a unique value the open transaction inserted wait, then fail with 11000 once it commits', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await emails();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'b', email: 'b@example.com' }, { session });
      let finished = false;
      const pending = coll.insertOne({ _id: 'c', email: 'b@example.com' }).catch((e: unknown) => e).finally(() => {
        finished = true;
      });
      await coll.findOne({ _id: 'a' });
      expect(finished).toBe(false);
      await session.commitTransaction();
      expect(((await pending) as MongoServerError).code).toBe(11000);
    } finally {
      await session.endSession();
    }
    expect((await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'b']);
  });

  it('fails a transaction inserting a unique value taken outside since it started with WriteConflict (112)', async (ctx) => {
    requireReplicaSet(ctx);
    const coll = await emails();
    const session = mongo.client().startSession();
    try {
      session.startTransaction();
      await coll.findOne({ _id: 'a' }, { session });
      await coll.insertOne({ _id: 'c', email: 'c@example.com' }); // outside, committed at once
      const error = (await coll.insertOne({ _id: 'd', email: 'c@example.com' }, { session }).catch((e: unknown) => e)) as MongoServerError;
      expect({ code: error.code, transient: error.hasErrorLabel('TransientTransactionError') }).toEqual({ code: 112, transient: true });
    } finally {
      await session.endSession();
    }
    expect((await coll.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['a', 'c']);
  });
});
