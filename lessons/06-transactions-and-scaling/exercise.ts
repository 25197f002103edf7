// Lesson 06 — Transactions and scaling: money in Decimal128, a transfer that commits both sides
// or leaves no trace, a withdrawal that needs no transaction, and shard keys for three workloads.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 6`;
// stuck? `npm run lesson 6 -- --hint`.
import { Decimal128 } from 'mongodb';
import type { Db, MongoClient, ObjectId } from 'mongodb';
import { todo } from '#lab/todo.ts';

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
  return todo('parseAmount: check the text, then make a Decimal128'); // TODO: a /^\d+(\.\d{1,2})?$/ check, then Decimal128.fromString
}

/** Inserts account `id` for `owner` into `accounts`, with `opening` (e.g. '100.00') as a Decimal128 balance. */
export async function openAccount(db: Db, id: string, owner: string, opening: string): Promise<void> {
  return todo('openAccount: insert the account'); // TODO: insertOne({ _id: id, owner, balance: parseAmount(opening) })
}

/** The sum of every balance, added up by the database, as the Decimal128's digits ('0' when there are no accounts). */
export async function totalBalance(db: Db): Promise<string> {
  return todo('totalBalance: $sum the balances in an aggregation'); // TODO: $group with $sum: '$balance', then .toString()
}
// #endregion money

// #region transfer
/**
 * Moves `amount` from `from` to `to` and records a LedgerEntry in `ledger`, all in one transaction:
 * either all three writes happen or none does. Throws InsufficientFundsError when `from` has less
 * than `amount` (its balance never goes negative), UnknownAccountError when `to` does not exist.
 */
export async function transfer(client: MongoClient, db: Db, request: TransferRequest, hooks: TransferHooks = {}): Promise<void> {
  return todo('transfer: debit, credit and ledger entry in session.withTransaction'); // TODO: startSession, withTransaction, pass { session } to every write
}
// #endregion transfer

// #region withdraw
/**
 * Takes `amount` off account `id` when its balance covers it, without a transaction; returns whether
 * it did. Safe when many withdrawals run at once: the balance never goes negative.
 */
export async function withdraw(db: Db, id: string, amount: string): Promise<boolean> {
  return todo('withdraw: one updateOne that checks and takes the money at once'); // TODO: filter { _id, balance: { $gte } }, $inc a negative amount
}
// #endregion withdraw

// #region shard-keys
/** A shard key as `sh.shardCollection` takes it: `{ field: 1 }` (ranged), `{ a: 1, b: 1 }`, `{ field: 'hashed' }`. */
export type ShardKey = Readonly<Record<string, 1 | 'hashed'>>;

/** orders: inserted all day with ObjectId `_id` and `createdAt`; the busiest query is one customer's orders (`customerId`). */
export function ordersShardKey(): ShardKey {
  return todo('ordersShardKey: choose the shard key for orders'); // TODO: return { <field>: 1 or 'hashed' }
}

/** deliveries: parcels arrive in any postcode order; each depot asks for a range of postcodes ({ postcode: { $gte, $lt } }). */
export function deliveriesShardKey(): ShardKey {
  return todo('deliveriesShardKey: choose the shard key for deliveries'); // TODO: return { <field>: 1 or 'hashed' }
}

/** pageViews: the dashboard asks for one country's views, and one user's views in their country. */
export function pageViewsShardKey(): ShardKey {
  return todo('pageViewsShardKey: choose the shard key for page views'); // TODO: return a key that splits every country
}
// #endregion shard-keys
