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
