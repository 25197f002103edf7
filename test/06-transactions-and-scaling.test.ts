/**
 * Lesson 06 — Transactions and scaling. One `describe` per task in lessons/06-transactions-and-scaling/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/06-transactions-and-scaling.test.ts
 *
 * The transaction checks need a replica set (the emulator and mongodb-memory-server are one-member
 * replica sets); on a standalone server from MONGODB_URI they are skipped, with the reason.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { TestContext } from 'vitest';
import { Decimal128, MongoClient } from 'mongodb';
import type { CommandFailedEvent, CommandSucceededEvent, Db } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';
import { checkShardKey, docsPerShard, hottestShare, jumboChunks, route, simulate } from '../lessons/06-transactions-and-scaling/sharding.ts';
import type { ShardedCollection } from '../lessons/06-transactions-and-scaling/sharding.ts';
import { CLUSTER, DOCUMENTS, workloads, type Workload } from '../lessons/06-transactions-and-scaling/workloads.ts';

type Exercise = typeof import('../solutions/06-transactions-and-scaling/exercise.ts');
type ShardKey = import('../solutions/06-transactions-and-scaling/exercise.ts').ShardKey;

const ex = await loadExercise<Exercise>('06-transactions-and-scaling');
const db = useBackends(['mongo']);
const rnd = useRandom();

// ---- money helpers: the test computes in whole cents, so its expectations are exact ------------

/** 1234 → '12.34'. */
function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const dec = (cents: number): Decimal128 => Decimal128.fromString(money(cents));

async function seedAccounts(balances: Record<string, number>): Promise<void> {
  const docs = Object.entries(balances).map(([id, cents]) => ({ _id: id, owner: rnd.name(), balance: dec(cents) }));
  await db.mongo.collection<{ _id: string }>('accounts').insertMany(docs);
}

/** Every account's balance as a string, by id: what the database holds now. */
async function balances(from: Db = db.mongo): Promise<Record<string, string>> {
  const docs = await from.collection<{ _id: string; balance: unknown }>('accounts').find().sort({ _id: 1 }).toArray();
  return Object.fromEntries(docs.map((d) => [d._id, String(d.balance)]));
}

async function ledger(): Promise<Array<{ from: string; to: string; amount: string }>> {
  const docs = await db.mongo.collection('ledger').find().sort({ at: 1, _id: 1 }).toArray();
  return docs.map((d) => ({ from: String(d.from), to: String(d.to), amount: String(d.amount) }));
}

// ---- transactions need a replica set -------------------------------------------------------------

let replicaSet = false;
beforeAll(async () => {
  const hello = await db.mongoClient.db('admin').command({ hello: 1 });
  replicaSet = typeof hello['setName'] === 'string' || hello['msg'] === 'isdbgrid';
});
function requireReplicaSet(ctx: TestContext): void {
  ctx.skip(!replicaSet, 'transactions need a replica set: this MONGODB_URI server is a standalone mongod (start it with --replSet)');
}

/** A second client that reports commands, handed to transfer() so a check can see its write conflicts. */
async function monitoredClient(): Promise<MongoClient> {
  const uri = process.env['MONGODB_URI'] || inject('mongoUri');
  const client = new MongoClient(uri, { monitorCommands: true, serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  return client;
}

/** Resolves true at the first write conflict (112) the client sees, false after `ms` without one. */
function writeConflict(client: MongoClient, ms = 5_000): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (seen: boolean): void => {
      clearTimeout(timer);
      client.off('commandFailed', failed);
      client.off('commandSucceeded', succeeded);
      resolve(seen);
    };
    const failed = (e: CommandFailedEvent): void => {
      if ((e.failure as { code?: unknown }).code === 112) done(true);
    };
    const succeeded = (e: CommandSucceededEvent): void => {
      const errors = (e.reply as { writeErrors?: Array<{ code?: unknown }> }).writeErrors;
      if (errors?.some((w) => w.code === 112)) done(true);
    };
    const timer = setTimeout(() => done(false), ms);
    client.on('commandFailed', failed);
    client.on('commandSucceeded', succeeded);
  });
}

/** An unwritten stub: rethrown, so the task shows as not started rather than as failing. */
function isTodo(e: unknown): boolean {
  return e instanceof Error && e.name === 'TodoError';
}

/** A settled promise's outcome, so a rejection never goes unhandled while another transfer runs. */
function settle(work: Promise<unknown>): Promise<'ok' | Error> {
  return work.then(
    () => 'ok' as const,
    (e: unknown) => {
      if (isTodo(e)) throw e;
      return e instanceof Error ? e : new Error(String(e));
    },
  );
}

/**
 * Runs transfer `first`; between its debit and its credit it starts transfer `second` on the same
 * payer and waits (up to 5 s) until `second` hits the write conflict, then lets `first` commit.
 */
async function overlapping(first: { from: string; to: string; amount: string }, second: { from: string; to: string; amount: string }) {
  const client = await monitoredClient();
  try {
    const mdb = client.db(db.mongo.databaseName);
    let other: Promise<'ok' | Error> | undefined;
    let conflicted = false;
    const outcome = await settle(
      ex.transfer(client, mdb, first, {
        afterDebit: async () => {
          if (other !== undefined) return;
          const seen = writeConflict(client);
          other = settle(ex.transfer(client, mdb, second));
          conflicted = await seen;
        },
      }),
    );
    return { first: outcome, second: await (other ?? Promise.resolve('not started' as const)), conflicted };
  } finally {
    await client.close();
  }
}

describe('Keep money in Decimal128', () => {
  // Likely mistakes, each failed by a test below:
  // - parseFloat / Number for the amount: the balance is stored as a double, not a Decimal128
  // - adding balances in JavaScript: 0.10 + 0.20 gives 0.30000000000000004
  // - Decimal128.fromString without a check: '-5', '1e3' and '12.345' get in
  // - forgetting the empty collection: no $group row, so no total

  it('stores the opening balance as a Decimal128 with the digits given', async () => {
    const owner = rnd.name();
    const cents = rnd.int(1, 99_999);
    await ex.openAccount(db.mongo, 'acc-1', owner, money(cents));

    const expected = { _id: 'acc-1', owner, balance: money(cents), type: 'decimal' };
    const doc = await db.mongo.collection<{ _id: string; owner: string; balance: unknown }>('accounts').findOne({ _id: 'acc-1' });
    const decimals = await db.mongo.collection('accounts').countDocuments({ balance: { $type: 'decimal' } });
    expect({ _id: doc?._id, owner: doc?.owner, balance: String(doc?.balance), type: decimals === 1 ? 'decimal' : 'not decimal' }).toEqual(expected);
  });

  it('adds the balances exactly in the database: 0.10 + 0.20 is 0.30', async () => {
    const extra = Array.from({ length: rnd.int(3, 8) }, () => rnd.int(1, 99_999));
    const all = [10, 20, ...extra];
    for (const [i, cents] of all.entries()) await ex.openAccount(db.mongo, `acc-${i}`, rnd.name(), money(cents));

    const expected = money(all.reduce((a, b) => a + b, 0));
    expect(await ex.totalBalance(db.mongo)).toBe(expected);
  });

  it("returns '0' when there are no accounts", async () => {
    const expected = '0';
    expect(await ex.totalBalance(db.mongo)).toBe(expected);
  });

  it('parses amounts with up to two decimals and refuses anything else', () => {
    const cents = rnd.int(0, 99_999);
    const good = ['0', String(rnd.int(1, 500)), '12.5', money(cents)];
    const bad = ['-5', '12.345', '1e3', 'abc', '', ' 5', '0x10', `-${money(cents)}`];

    const expected = { parsed: good, refused: bad };
    const parsed = good.map((text) => ex.parseAmount(text).toString());
    const refused = bad.filter((text) => {
      try {
        ex.parseAmount(text);
        return false;
      } catch (e) {
        if (isTodo(e)) throw e;
        return e instanceof ex.InvalidAmountError;
      }
    });
    expect({ parsed, refused }).toEqual(expected);
  });
});

describe('Transfer money in one transaction', () => {
  // Likely mistakes, each failed by a test below:
  // - a write without { session }: it commits on its own, so it shows from outside before the commit
  //   and survives an injected failure
  // - no transaction at all (two plain updates): an injected failure leaves the payer debited
  // - checking the balance outside the transaction, then updating: two overlapping transfers overdraw
  // - startTransaction/commitTransaction with no retry: the overlapping transfer fails with 112
  // - not checking the credit matched: money vanishes into an account that does not exist
  // - the ledger entry written outside the transaction, or not at all

  it('moves the amount from one account to the other and records one ledger entry', async (ctx) => {
    requireReplicaSet(ctx);
    const start = rnd.int(10_000, 99_999);
    const other = rnd.int(0, 9_999);
    const amount = rnd.int(1, start);
    await seedAccounts({ alice: start, bob: other });

    await ex.transfer(db.mongoClient, db.mongo, { from: 'alice', to: 'bob', amount: money(amount) });

    const expected = {
      balances: { alice: money(start - amount), bob: money(other + amount) },
      ledger: [{ from: 'alice', to: 'bob', amount: money(amount) }],
    };
    expect({ balances: await balances(), ledger: await ledger() }).toEqual(expected);
  });

  it('refuses a transfer larger than the balance with InsufficientFundsError and leaves no trace', async (ctx) => {
    requireReplicaSet(ctx);
    const start = rnd.int(100, 9_999);
    await seedAccounts({ alice: start, bob: 0 });

    const error = await settle(ex.transfer(db.mongoClient, db.mongo, { from: 'alice', to: 'bob', amount: money(start + rnd.int(1, 500)) }));

    const expected = { error: 'InsufficientFundsError', balances: { alice: money(start), bob: '0.00' }, ledger: [] };
    expect({ error: error instanceof ex.InsufficientFundsError ? error.name : String(error), balances: await balances(), ledger: await ledger() }).toEqual(expected);
  });

  it('leaves no trace when a failure is injected between the two updates', async (ctx) => {
    requireReplicaSet(ctx);
    const start = rnd.int(10_000, 99_999);
    await seedAccounts({ alice: start, bob: 0 });
    const injected = new Error(`injected failure ${rnd.id()}`);

    const outcome = await settle(
      ex.transfer(db.mongoClient, db.mongo, { from: 'alice', to: 'bob', amount: money(rnd.int(1, start)) }, {
        afterDebit: () => {
          throw injected;
        },
      }),
    );

    const expected = { error: injected.message, balances: { alice: money(start), bob: '0.00' }, ledger: [] };
    expect({ error: outcome === 'ok' ? 'no error' : outcome.message, balances: await balances(), ledger: await ledger() }).toEqual(expected);
  });

  it('keeps every write invisible from outside until the commit, and rolls all of them back on a late failure', async (ctx) => {
    requireReplicaSet(ctx);
    const start = rnd.int(10_000, 99_999);
    await seedAccounts({ alice: start, bob: 0 });
    let seenFromOutside: unknown;

    await settle(
      ex.transfer(db.mongoClient, db.mongo, { from: 'alice', to: 'bob', amount: money(rnd.int(1, start)) }, {
        beforeCommit: async () => {
          seenFromOutside = { balances: await balances(), ledger: await ledger() };
          throw new Error('injected failure before the commit');
        },
      }),
    );

    const untouched = { balances: { alice: money(start), bob: '0.00' }, ledger: [] };
    const expected = { seenFromOutside: untouched, after: untouched };
    expect({ seenFromOutside, after: { balances: await balances(), ledger: await ledger() } }).toEqual(expected);
  });

  it('refuses a transfer to an account that does not exist and leaves the payer as it was', async (ctx) => {
    requireReplicaSet(ctx);
    const start = rnd.int(10_000, 99_999);
    await seedAccounts({ alice: start });
    const nobody = `acc-${rnd.id()}`;

    const outcome = await settle(ex.transfer(db.mongoClient, db.mongo, { from: 'alice', to: nobody, amount: money(rnd.int(1, start)) }));

    const expected = { error: 'UnknownAccountError', balances: { alice: money(start) }, ledger: [] };
    expect({ error: outcome instanceof ex.UnknownAccountError ? outcome.name : String(outcome), balances: await balances(), ledger: await ledger() }).toEqual(expected);
  });

  it('retries the write conflict (112) of two overlapping transfers from one account, so both land once', async (ctx) => {
    requireReplicaSet(ctx);
    const start = rnd.int(50_000, 99_999);
    const x = rnd.int(1, 20_000);
    const y = rnd.int(1, 20_000);
    await seedAccounts({ alice: start, bob: 0, carol: 0 });

    const run = await overlapping({ from: 'alice', to: 'bob', amount: money(x) }, { from: 'alice', to: 'carol', amount: money(y) });

    const expected = {
      first: 'ok',
      second: 'ok',
      conflicted: true,
      balances: { alice: money(start - x - y), bob: money(x), carol: money(y) },
      ledgerEntries: 2,
    };
    const actual = {
      first: run.first === 'ok' ? 'ok' : run.first.message,
      second: run.second === 'ok' || run.second === 'not started' ? run.second : run.second.message,
      conflicted: run.conflicted,
      balances: await balances(),
      ledgerEntries: (await ledger()).length,
    };
    expect(actual).toEqual(expected);
  });

  it('lets only one of two overlapping transfers through when the balance covers one, never going negative', async (ctx) => {
    requireReplicaSet(ctx);
    const amount = rnd.int(1_000, 50_000);
    const start = amount + rnd.int(0, amount - 1);
    await seedAccounts({ alice: start, bob: 0, carol: 0 });

    const run = await overlapping({ from: 'alice', to: 'bob', amount: money(amount) }, { from: 'alice', to: 'carol', amount: money(amount) });

    const expected = {
      first: 'ok',
      second: 'InsufficientFundsError',
      balances: { alice: money(start - amount), bob: money(amount), carol: '0.00' },
      ledgerEntries: 1,
    };
    const actual = {
      first: run.first === 'ok' ? 'ok' : run.first.message,
      second: run.second instanceof ex.InsufficientFundsError ? run.second.name : run.second === 'ok' ? 'ok' : String(run.second),
      balances: await balances(),
      ledgerEntries: (await ledger()).length,
    };
    expect(actual).toEqual(expected);
  });
});

describe('Withdraw with one guarded update', () => {
  // Likely mistakes, each failed by a test below:
  // - findOne, check in JavaScript, then updateOne: concurrent withdrawals all pass the check and overdraw
  // - $set of a balance computed in JavaScript: concurrent withdrawals overwrite each other (lost updates)
  // - no balance condition in the filter: the balance goes negative
  // - always returning true: the caller cannot tell a refused withdrawal from a done one

  it('takes the amount off and returns true when the balance covers it', async () => {
    const start = rnd.int(1_000, 99_999);
    const amount = rnd.int(1, start);
    await seedAccounts({ alice: start });

    const expected = { done: true, balances: { alice: money(start - amount) } };
    const done = await ex.withdraw(db.mongo, 'alice', money(amount));
    expect({ done, balances: await balances() }).toEqual(expected);
  });

  it('returns false and leaves the balance as it was when it does not cover the amount', async () => {
    const start = rnd.int(1, 9_999);
    await seedAccounts({ alice: start, bob: start + 50_000 });

    const expected = { done: false, balances: { alice: money(start), bob: money(start + 50_000) } };
    const done = await ex.withdraw(db.mongo, 'alice', money(start + rnd.int(1, 1_000)));
    expect({ done, balances: await balances() }).toEqual(expected);
  });

  it('lets exactly as many concurrent withdrawals through as the balance covers', async () => {
    const amount = rnd.int(100, 5_000);
    const covered = rnd.int(1, 4);
    const rest = rnd.int(0, amount - 1);
    const attempts = covered + rnd.int(3, 6);
    await seedAccounts({ alice: amount * covered + rest });

    const results = await Promise.all(Array.from({ length: attempts }, () => ex.withdraw(db.mongo, 'alice', money(amount))));

    const expected = { succeeded: covered, balances: { alice: money(rest) } };
    expect({ succeeded: results.filter(Boolean).length, balances: await balances() }).toEqual(expected);
  });
});

// ---- shard keys: the learner's key, tried on the simulator with seeded data -----------------------

interface Trial {
  key: ShardKey;
  cluster: ShardedCollection;
  docs: Record<string, unknown>[];
}

function trial(workload: Workload, key: ShardKey): Trial {
  checkShardKey(key, workload.fields);
  const docs = workload.generate(rnd.next, DOCUMENTS);
  return { key, cluster: simulate(docs, key, CLUSTER), docs };
}

function expectNoHotShard({ key, cluster }: Trial): void {
  const share = hottestShare(cluster);
  const expected = { key, hotShard: false };
  expect(
    { key, hotShard: share > 0.5 },
    `the busiest shard took ${Math.round(share * 100)}% of the newest quarter of inserts (4 shards: 25% is even, 100% is one hot shard)`,
  ).toEqual(expected);
}

function expectTargeted({ key, cluster, docs }: Trial, workload: Workload): void {
  const queries = Array.from({ length: 5 }, () => workload.queries(rnd.pick(docs))).flat();
  const expected = queries.map(({ what }) => ({ query: what, targeted: true }));
  const actual = queries.map(({ what, filter }) => ({ query: what, targeted: route(cluster, filter).targeted }));
  expect(actual, `with shard key ${JSON.stringify(key)} a query the key cannot route goes to all ${CLUSTER.shards} shards (scatter-gather)`).toEqual(expected);
}

function expectNoJumbo({ key, cluster }: Trial): void {
  const jumbo = jumboChunks(cluster).map((ch) => ({ keyValue: ch.values[0], documents: ch.docs }));
  const expected = { key, jumboChunks: [] };
  expect({ key, jumboChunks: jumbo }, `chunks hold at most ${CLUSTER.chunkSize} documents; a chunk whose documents all share one key value cannot split`).toEqual(expected);
  expect(docsPerShard(cluster).reduce((a, b) => a + b, 0)).toBe(DOCUMENTS);
}

describe('Shard key: orders without a hot shard', () => {
  // Likely mistakes, each failed by a test below:
  // - { _id: 1 } or { createdAt: 1 }: ever-increasing, so every new order goes to the last chunk's shard
  // - { _id: 'hashed' }: writes spread, but "one customer's orders" goes to every shard
  // - { status: 1 }: four values, jumbo chunks, and customer queries are scattered

  it('spreads the newest inserts over the shards (no hot shard)', () => {
    expectNoHotShard(trial(workloads.orders, ex.ordersShardKey()));
  });

  it("sends one customer's orders only to the shards that hold them (targeted)", () => {
    expectTargeted(trial(workloads.orders, ex.ordersShardKey()), workloads.orders);
  });

  it('splits into chunks of at most 50 documents (no jumbo chunks)', () => {
    expectNoJumbo(trial(workloads.orders, ex.ordersShardKey()));
  });
});

describe('Shard key: deliveries by postcode range', () => {
  // Likely mistakes, each failed by a test below:
  // - { postcode: 'hashed' }: a range of postcodes is scattered over the hash space, so it goes to every shard
  // - { _id: 1 }: a hot shard, and postcode ranges are scattered
  // - { depot: 1 }: nine values, jumbo chunks
  // - { depot: 1, postcode: 1 }: the range query has no depot, so the key's prefix is missing

  it('sends a postcode range only to the shards that hold it (targeted)', () => {
    expectTargeted(trial(workloads.deliveries, ex.deliveriesShardKey()), workloads.deliveries);
  });

  it('spreads the newest inserts over the shards (no hot shard)', () => {
    expectNoHotShard(trial(workloads.deliveries, ex.deliveriesShardKey()));
  });

  it('splits into chunks of at most 50 documents (no jumbo chunks)', () => {
    expectNoJumbo(trial(workloads.deliveries, ex.deliveriesShardKey()));
  });
});

describe('Shard key: page views without jumbo chunks', () => {
  // Likely mistakes, each failed by a test below:
  // - { country: 1 } or { country: 'hashed' }: six countries, so chunks of one country cannot split (jumbo)
  // - { userId: 'hashed' } or { userId: 1, country: 1 }: "one country's views" goes to every shard
  // - { at: 1 }: ever-increasing, a hot shard, and both queries scattered

  it('splits into chunks of at most 50 documents (no jumbo chunks)', () => {
    expectNoJumbo(trial(workloads.pageViews, ex.pageViewsShardKey()));
  });

  it("sends one country's views, and one user's, only to the shards that hold them (targeted)", () => {
    expectTargeted(trial(workloads.pageViews, ex.pageViewsShardKey()), workloads.pageViews);
  });

  it('spreads the newest inserts over the shards (no hot shard)', () => {
    expectNoHotShard(trial(workloads.pageViews, ex.pageViewsShardKey()));
  });
});
