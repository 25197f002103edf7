/**
 * Lesson 06 — Transactions and scaling, the walkthrough. `npm run lesson 6` runs it cell by cell,
 * then checks exercise.ts. Safe to run again: each cell resets what it uses before it writes.
 */
import { Decimal128, MongoServerError } from 'mongodb';
import type { ClientSession, Collection, Db, MongoClient } from 'mongodb';
import { backends, cell, note, show } from '#lab/notebook/index.ts';
import { route, shardTable, simulate, type ShardKey } from './sharding.ts';
import { CLUSTER, DOCUMENTS, workloads } from './workloads.ts';

cell('One document, or many', `
  An update to ONE document is always atomic in MongoDB: nobody sees it half
  done. Moving money touches TWO documents (payer and payee), and since
  MongoDB 4.0 a multi-document ACID transaction can make both changes
  commit together or not at all. Transactions need a replica set; the
  course's emulator and mongodb-memory-server present a one-member replica
  set, while a standalone mongod from MONGODB_URI cannot run the
  transaction cells (they say so and skip).
`);
const { mongo, mongoClient } = await backends();
const hello = await mongoClient.db('admin').command({ hello: 1 });
const setName: unknown = hello['setName'];
// A replica set member names its set; a mongos says isdbgrid.
const canTransact =
  typeof setName === 'string' || hello['msg'] === 'isdbgrid';
show({ replicaSet: setName ?? '(none)', transactions: canTransact });
const skipped = (): void =>
  show('Skipped: not a replica set, so this server has no transactions.');

cell('Money is not a float', `
  A JavaScript number is a binary double, which cannot hold 0.10 exactly:
  add 0.1 and 0.2 and you get 0.30000000000000004. BSON's Decimal128 keeps
  the decimal digits you wrote, and MongoDB does decimal arithmetic on it.
`);
// #region money-float
const demo = mongo.collection('float_demo');
await demo.deleteMany({});
await demo.insertOne({
  a: 0.1, b: 0.2,
  da: Decimal128.fromString('0.10'), db: Decimal128.fromString('0.20'),
});
const [sums] = await demo.aggregate([{ $project: {
  _id: 0,
  double: { $add: ['$a', '$b'] },
  decimal: { $add: ['$da', '$db'] },
} }]).toArray();
show([
  { where: 'JavaScript: 0.1 + 0.2', result: String(0.1 + 0.2) },
  { where: 'MongoDB: double + double', result: String(sums?.['double']) },
  { where: 'MongoDB: Decimal128 + Decimal128',
    result: String(sums?.['decimal']) },
]);
// #endregion money-float

cell('Accounts with Decimal128 balances', `
  Each account is one document; its balance is a Decimal128 from the first
  write, so every later $inc stays exact. Transfers are recorded in a
  second collection, the ledger.
`);
// #region accounts
interface Account { _id: string; owner: string; balance: Decimal128 }
const accounts: Collection<Account> = mongo.collection('accounts');
const ledger = mongo.collection('ledger');
const dec = (text: string): Decimal128 => Decimal128.fromString(text);
async function reset(): Promise<void> {
  await accounts.deleteMany({});
  await ledger.deleteMany({});
  await accounts.insertMany([
    { _id: 'alice', owner: 'Alice', balance: dec('100.00') },
    { _id: 'bob', owner: 'Bob', balance: dec('20.00') },
  ]);
}
async function table(): Promise<Array<Record<string, string>>> {
  const docs = await accounts.find().sort({ _id: 1 }).toArray();
  return docs.map((a) =>
    ({ _id: a._id, owner: a.owner, balance: String(a.balance) }));
}
await reset();
show(await table());
// #endregion accounts

cell('A transfer in one transaction', `
  session.withTransaction runs the callback as one transaction: the debit,
  the credit and the ledger entry commit together. Every write gets
  { session }. The debit's filter also checks the balance, and if it
  matches nothing the callback throws, which aborts the transaction.
`);
// #region transfer
interface Hooks {
  afterDebit?: () => Promise<void> | void;
  onAttempt?: (n: number) => void;
}
async function transfer(client: MongoClient, db: Db, from: string,
  to: string, amount: string, hooks: Hooks = {}): Promise<number> {
  const value = dec(amount);
  const session: ClientSession = client.startSession();
  let attempts = 0;
  try {
    await session.withTransaction(async () => {
      attempts += 1;
      hooks.onAttempt?.(attempts);
      const debit = await db.collection<Account>('accounts').updateOne(
        { _id: from, balance: { $gte: value } },
        { $inc: { balance: dec(`-${amount}`) } }, { session });
      if (debit.matchedCount === 0) {
        throw new Error(`${from} cannot pay ${amount}`); // aborts
      }
      await hooks.afterDebit?.();
      await db.collection<Account>('accounts').updateOne(
        { _id: to }, { $inc: { balance: value } }, { session });
      await db.collection('ledger').insertOne(
        { from, to, amount: value, at: new Date() }, { session });
    });
  } finally {
    await session.endSession();
  }
  return attempts;
}
if (canTransact) {
  await transfer(mongoClient, mongo, 'alice', 'bob', '30.00');
  show(await table());
  const entries = await ledger.find().toArray();
  show(entries.map((e) => ({
    from: e['from'], to: e['to'], amount: String(e['amount']),
  })), 'ledger');
} else skipped();
// #endregion transfer

cell('Not enough money: the transaction aborts', `
  Alice has 70.00 and tries to send 500.00. The guarded debit matches
  nothing, the callback throws, withTransaction aborts and rethrows: the
  balances are as they were, the ledger still holds only the first
  transfer, and no balance ever went negative.
`);
// #region abort
if (canTransact) {
  const error = await transfer(mongoClient, mongo, 'alice', 'bob',
    '500.00').then(() => 'committed', (e: Error) => e.message);
  show({ error, ledgerEntries: await ledger.countDocuments() });
  show(await table());
} else skipped();
// #endregion abort

cell('A failure half-way leaves no trace', `
  Inject a failure between the two updates, as a crash or a lost
  connection would: the debit already ran inside the transaction, but it
  was never committed, so it is rolled back with everything else: the
  balances and the ledger are as they were.
`);
// #region failure
if (canTransact) {
  const crash = (): never => {
    throw new Error('crash between the two updates');
  };
  const outcome = await transfer(mongoClient, mongo, 'alice', 'bob',
    '10.00', { afterDebit: crash })
    .then(() => 'committed', (e: Error) => e.message);
  show({ outcome, ledgerEntries: await ledger.countDocuments() });
  show(await table());
} else skipped();
// #endregion failure

cell('Forget { session } and the write escapes', `
  A write without { session } is not part of the transaction: it commits
  on its own, at once. Here the debit forgets it, the same failure hits,
  and 10.00 leaves Alice's account without reaching Bob.
`);
// #region no-session
if (canTransact) {
  const session = mongoClient.startSession();
  const before = await table();
  await session.withTransaction(async () => {
    await accounts.updateOne({ _id: 'alice' },
      { $inc: { balance: dec('-10.00') } }); // no { session }: escapes
    throw new Error('crash between the two updates');
  }).catch(() => undefined);
  await session.endSession();
  const line = (rows: Array<Record<string, string>>): string =>
    rows.map((a) => `${a['_id']} ${a['balance']}`).join(', ');
  show({ before: line(before), after: line(await table()) });
  await reset();
} else skipped();
// #endregion no-session
note(`The accounts are reset to 100.00 and 20.00 for the next cells.`);

cell('Two transactions, one document: a write conflict', `
  Two open transactions write Alice's document. The first writer wins; the
  second gets error 112, WriteConflict, labelled TransientTransactionError:
  "nothing is wrong with your request, abort and run it again".
`);
// #region conflict
if (canTransact) {
  const first = mongoClient.startSession();
  const second = mongoClient.startSession();
  first.startTransaction();
  second.startTransaction();
  const debit = { $inc: { balance: dec('-1.00') } };
  await accounts.updateOne({ _id: 'alice' }, debit, { session: first });
  const conflict = await accounts.updateOne({ _id: 'alice' }, debit,
    { session: second }).then(() => undefined, (e: unknown) => e);
  await second.abortTransaction().catch(() => undefined);
  await first.abortTransaction();
  await Promise.all([first.endSession(), second.endSession()]);
  if (conflict instanceof MongoServerError) {
    show({ code: conflict.code, codeName: conflict.codeName,
      labels: conflict.errorLabels.join(', ') });
  }
} else skipped();
// #endregion conflict

cell('withTransaction retries a write conflict', `
  Two transfers from Alice at the same time: the second starts while the
  first is between its two updates. Its debit conflicts, withTransaction
  sees TransientTransactionError and runs the callback again until the
  first has committed. Both land, each exactly once.
`);
// #region retry
if (canTransact) {
  let second: Promise<number> | undefined;
  let retried!: () => void;
  const secondRetried = new Promise<void>((done) => { retried = done; });
  const holdOpen: Hooks = {
    // between its two updates, the first starts the second and waits
    // until the second has hit the conflict and begun a retry
    afterDebit: async () => {
      if (second) return;
      second = transfer(mongoClient, mongo, 'alice', 'bob', '15.00',
        { onAttempt: (n) => { if (n > 1) retried(); } });
      await secondRetried;
    },
  };
  const first = await transfer(mongoClient, mongo, 'alice', 'bob',
    '25.00', holdOpen);
  show({ 'attempts, first transfer': first,
    'attempts, second transfer': await second });
  show(await table());
} else skipped();
// #endregion retry

cell('One document needs no transaction', `
  A withdrawal touches one document, and one document is updated
  atomically. Put the check in the filter and the change in $inc, and of
  eight withdrawals of 10.00 at once from 50.00 exactly five get through.
  Check with findOne first and update after, and more get through than the
  balance covers: several read 50.00 before any of them writes.
`);
// #region withdraw
async function withdraw(id: string, amount: string): Promise<boolean> {
  const r = await accounts.updateOne(
    { _id: id, balance: { $gte: dec(amount) } }, // the check…
    { $inc: { balance: dec(`-${amount}`) } }); // …and the change
  return r.matchedCount === 1;
}
async function checkThenWithdraw(id: string,
  amount: string): Promise<boolean> {
  const account = await accounts.findOne({ _id: id }); // read…
  if (Number(account?.balance) < Number(amount)) return false;
  await accounts.updateOne({ _id: id },
    { $inc: { balance: dec(`-${amount}`) } }); // …write: too late
  return true;
}
await accounts.deleteMany({ _id: { $in: ['guarded', 'racy'] } });
await accounts.insertMany([
  { _id: 'guarded', owner: 'Carol', balance: dec('50.00') },
  { _id: 'racy', owner: 'Dan', balance: dec('50.00') },
]);
const eight = Array.from({ length: 8 });
const guarded = await Promise.all(
  eight.map(() => withdraw('guarded', '10.00')));
const racy = await Promise.all(
  eight.map(() => checkThenWithdraw('racy', '10.00')));
const left = async (id: string): Promise<string> =>
  String((await accounts.findOne({ _id: id }))?.balance);
const through = (results: boolean[]): number =>
  results.filter(Boolean).length;
show([
  { way: 'guarded $inc',
    through: through(guarded), left: await left('guarded') },
  { way: 'check, then update',
    through: through(racy), left: await left('racy') },
]);
// #endregion withdraw

cell('Sharding, simulated: an ever-increasing key makes a hot shard', `
  Sharding splits a collection into chunks by a shard key and spreads the
  chunks over shards. A simulator (sharding.ts, no cluster) inserts 2,000
  orders into 4 shards with chunks of 50. Ranged on _id (an ObjectId,
  which grows with time), every new order lands in the last chunk: one
  hot shard takes all the newest writes. Hashed, they spread.
`);
// #region hot-shard
const orderDocs = workloads.orders.generate(Math.random, DOCUMENTS);
const orderKeys: ShardKey[] = [{ _id: 1 }, { customerId: 'hashed' }];
for (const key of orderKeys) {
  const sharded = simulate(orderDocs, key, CLUSTER);
  show(shardTable(sharded), `shard key ${JSON.stringify(key)}`);
}
// #endregion hot-shard
note(`"newest writes" is the share of the last quarter of inserts; the balancer
moves old chunks away, but the hot chunk keeps growing on one shard.`);

cell('Targeted or scatter-gather', `
  The router (mongos) sends a query only to the shards whose chunks can
  hold its documents, if the filter names a prefix of the shard key.
  Otherwise it asks every shard. A hashed key targets equality, but a
  range of values is scattered over the hash space.
`);
// #region routing
const parcels = workloads.deliveries.generate(Math.random, DOCUMENTS);
const queries = [
  { what: 'postcode = 23456', filter: { postcode: 23456 } },
  { what: '20000 ≤ postcode < 30000',
    filter: { postcode: { $gte: 20000, $lt: 30000 } } },
  { what: 'weightKg > 20', filter: { weightKg: { $gt: 20 } } },
];
const routes = [];
const rangedOrHashed: ShardKey[] = [
  { postcode: 1 }, { postcode: 'hashed' },
];
for (const key of rangedOrHashed) {
  const sharded = simulate(parcels, key, CLUSTER);
  for (const q of queries) {
    const r = route(sharded, q.filter);
    routes.push({ key: JSON.stringify(key), query: q.what,
      routing: r.targeted ? 'targeted' : 'scatter-gather',
      shards: r.shards.join(' ') });
  }
}
show(routes);
// #endregion routing

cell('Jumbo chunks from a key with few values', `
  A chunk can only split between two different key values. Page views
  sharded on country alone have six values, so each country's chunk grows
  past the limit and cannot split: a jumbo chunk, which the balancer cannot
  move. Adding userId to the key lets every country split.
`);
// #region jumbo
const views = workloads.pageViews.generate(Math.random, DOCUMENTS);
const chunkRows = [];
const countryKeys: ShardKey[] = [
  { country: 1 }, { country: 1, userId: 1 },
];
for (const key of countryKeys) {
  const sharded = simulate(views, key, CLUSTER);
  chunkRows.push({ key: JSON.stringify(key),
    chunks: sharded.chunks.length,
    jumbo: sharded.chunks.filter((c) => c.jumbo).length,
    'largest chunk': Math.max(...sharded.chunks.map((c) => c.docs)) });
}
show(chunkRows);
// #endregion jumbo

cell('Your turn', `
  Open lessons/06-transactions-and-scaling/exercise.ts. Six tasks: keep money
  in Decimal128; a transfer with session.withTransaction; a withdrawal with
  one guarded update; and a shard key for each of three workloads, which
  the checks try on the simulator. \`npm run lesson 6\` checks them,
  \`npm run lesson 6 -- --hint\` helps when you are stuck.
`);
