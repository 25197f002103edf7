// Lesson 06 — Transactions and scaling: money in Decimal128, a transfer that commits both sides
// or leaves no trace, a withdrawal that needs no transaction, and shard keys for three workloads.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 6`;
// stuck? `npm run lesson 6 -- --hint`.
import { Decimal128 } from 'mongodb';
import type { Db, MongoClient, ObjectId } from 'mongodb';

/** An account in the `accounts` collection. */
export interface Account {
  _id: string;
  owner: string;
  balance: Decimal128;
}

/** One line of the `ledger` collection: a transfer that happened. */
export interface LedgerEntry {
  _id?: ObjectId;
  from: string;
  to: string;
  amount: Decimal128;
  at: Date;
}

export interface TransferRequest {
  from: string;
  to: string;
  /** A decimal string such as '12.50'. */
  amount: string;
}

/** Called inside the transaction, so a check can inject a failure or look from outside. */
export interface TransferHooks {
  /** Runs after the payer's balance is debited and before the payee is credited. */
  afterDebit?: () => Promise<void> | void;
  /** Runs after the last write (the ledger entry), just before the commit. */
  beforeCommit?: () => Promise<void> | void;
}

export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError';
  constructor(text: unknown) {
    super(`${JSON.stringify(text)} is not an amount: write a non-negative number with at most two decimals, such as '12.50'.`);
  }
}

export class InsufficientFundsError extends Error {
  override readonly name = 'InsufficientFundsError';
  constructor(account: string, amount: string) {
    super(`Account ${account} cannot pay ${amount}: its balance is too small. Nothing was changed.`);
  }
}

export class UnknownAccountError extends Error {
  override readonly name = 'UnknownAccountError';
  constructor(account: string) {
    super(`There is no account ${account}. Nothing was changed; check the account id.`);
  }
}

/** Decimal128 of `amount` with the sign flipped, for `$inc`ing a balance down. */
export function negative(amount: Decimal128): Decimal128 {
  const text = amount.toString();
  return Decimal128.fromString(text.startsWith('-') ? text.slice(1) : `-${text}`);
}

// #region money
/** '12.50' → Decimal128 12.50. Throws InvalidAmountError unless `text` is a non-negative amount with at most two decimals. */
export function parseAmount(text: string): Decimal128 {
  // why: a double cannot hold 0.10 exactly, Decimal128 keeps the digits written; the check keeps '1e3', '-5' and '0.001' out.
  if (typeof text !== 'string' || !/^\d{1,15}(\.\d{1,2})?$/.test(text)) throw new InvalidAmountError(text);
  return Decimal128.fromString(text);
}

/** Inserts account `id` for `owner` into `accounts`, with `opening` (e.g. '100.00') as a Decimal128 balance. */
export async function openAccount(db: Db, id: string, owner: string, opening: string): Promise<void> {
  // why: the balance is stored as Decimal128 from the first write, so every later $inc and $sum stays exact.
  await db.collection<Account>('accounts').insertOne({ _id: id, owner, balance: parseAmount(opening) });
}

/** The sum of every balance, added up by the database, as the Decimal128's digits ('0' when there are no accounts). */
export async function totalBalance(db: Db): Promise<string> {
  // why: $sum over Decimal128 is decimal arithmetic in the database; adding JS numbers would give 0.30000000000000004.
  const [row] = await db
    .collection<Account>('accounts')
    .aggregate<{ total: Decimal128 | number }>([{ $group: { _id: null, total: { $sum: '$balance' } } }])
    .toArray();
  return row === undefined ? '0' : row.total.toString();
}
// #endregion money

// #region transfer
/**
 * Moves `amount` from `from` to `to` and records a LedgerEntry in `ledger`, all in one transaction:
 * either all three writes happen or none does. Throws InsufficientFundsError when `from` has less
 * than `amount` (its balance never goes negative), UnknownAccountError when `to` does not exist.
 */
export async function transfer(client: MongoClient, db: Db, request: TransferRequest, hooks: TransferHooks = {}): Promise<void> {
  const amount = parseAmount(request.amount);
  const accounts = db.collection<Account>('accounts');
  const ledger = db.collection<LedgerEntry>('ledger');
  // why: withTransaction commits all writes together, aborts on a throw, and retries a write conflict (TransientTransactionError).
  const session = client.startSession();
  try {
    await session.withTransaction(async () => {
      // why: the $gte filter checks and debits in one write, inside the snapshot, so the balance cannot go negative.
      const debit = await accounts.updateOne({ _id: request.from, balance: { $gte: amount } }, { $inc: { balance: negative(amount) } }, { session });
      if (debit.matchedCount === 0) throw new InsufficientFundsError(request.from, request.amount);
      await hooks.afterDebit?.();
      // why: every write passes { session }; one without it would commit on its own, outside the transaction.
      const credit = await accounts.updateOne({ _id: request.to }, { $inc: { balance: amount } }, { session });
      if (credit.matchedCount === 0) throw new UnknownAccountError(request.to);
      await ledger.insertOne({ from: request.from, to: request.to, amount, at: new Date() }, { session });
      await hooks.beforeCommit?.();
    });
  } finally {
    await session.endSession();
  }
}
// #endregion transfer

// #region withdraw
/**
 * Takes `amount` off account `id` when its balance covers it, without a transaction; returns whether
 * it did. Safe when many withdrawals run at once: the balance never goes negative.
 */
export async function withdraw(db: Db, id: string, amount: string): Promise<boolean> {
  const value = parseAmount(amount);
  // why: one document is updated atomically, so the filter's check and the $inc cannot be split by another request.
  const result = await db.collection<Account>('accounts').updateOne({ _id: id, balance: { $gte: value } }, { $inc: { balance: negative(value) } });
  return result.matchedCount === 1;
}
// #endregion withdraw

// #region shard-keys
/** A shard key as `sh.shardCollection` takes it: `{ field: 1 }` (ranged), `{ a: 1, b: 1 }`, `{ field: 'hashed' }`. */
export type ShardKey = Readonly<Record<string, 1 | 'hashed'>>;

/** orders: inserted all day with ObjectId `_id` and `createdAt`; the busiest query is one customer's orders (`customerId`). */
export function ordersShardKey(): ShardKey {
  // why: customerId is not monotonic, so inserts spread over the shards, and "one customer's orders" goes to one shard.
  return { customerId: 'hashed' };
}

/** deliveries: parcels arrive in any postcode order; each depot asks for a range of postcodes ({ postcode: { $gte, $lt } }). */
export function deliveriesShardKey(): ShardKey {
  // why: a ranged key keeps neighbouring postcodes in the same chunks, so a postcode range is targeted; hashing would scatter it.
  return { postcode: 1 };
}

/** pageViews: the dashboard asks for one country's views, and one user's views in their country. */
export function pageViewsShardKey(): ShardKey {
  // why: country alone has a handful of values (jumbo chunks); adding userId lets each country split, and both queries keep the prefix.
  return { country: 1, userId: 1 };
}
// #endregion shard-keys
