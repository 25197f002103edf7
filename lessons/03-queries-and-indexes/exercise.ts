// Lesson 03 — Queries and indexes: filter with operators and arrays, search by prefix, page
// through a collection two ways, register users behind a unique index, make a query examine only
// what it returns, and log people in without letting a request body write your filter.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 3`;
// stuck? `npm run lesson 3 -- --hint`.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { MongoServerError, type Db, type FindCursor, type ObjectId } from 'mongodb';
import { todo } from '#lab/todo.ts';

export interface User {
  _id?: ObjectId;
  name: string;
  email: string;
  age: number;
  country: string;
  tags: string[];
  /** `scrypt:<salt hex>:<hash hex>`, from hashPassword; never the password itself. */
  passwordHash?: string;
}

export interface LineItem {
  sku: string;
  qty: number;
}

export interface Order {
  _id?: ObjectId;
  customerId: string;
  status: 'paid' | 'shipped' | 'cancelled';
  createdAt: Date;
  total: number;
  items: LineItem[];
}

export interface Member {
  name: string;
  email: string;
}

export interface UserSummary {
  _id: ObjectId;
  name: string;
}

export type Registration = { ok: true; id: string } | { ok: false; reason: 'email-taken' };
export type LoginResult = { ok: true; userId: string } | { ok: false };

// Given: how this course stores passwords (scrypt with a random salt per user). Use them as they are.
/** A salted scrypt hash of `password`, as `scrypt:<salt hex>:<hash hex>`. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt:${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

/** Whether `password` hashes to `stored`, compared in constant time. */
export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'hex');
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

// #region find-members
/** Users who have every one of `tags` and are at least `minAge`: name and email only, by name. */
export async function findMembers(db: Db, tags: readonly string[], minAge: number): Promise<Member[]> {
  return todo('findMembers: users with every tag and at least minAge, name and email only'); // TODO: find with $all and $gte, a projection, sort by name
}

/** Orders with one line item of this `sku` whose `qty` is at least `minQty`, oldest first. */
export async function ordersWithItem(db: Db, sku: string, minQty: number): Promise<Order[]> {
  return todo('ordersWithItem: orders with one item of this sku and enough qty'); // TODO: find with $elemMatch on items, sort by createdAt
}
// #endregion find-members

// #region name-prefix
/** Names of the users whose name starts with `prefix` exactly as written (case counts), sorted. */
export async function namesStartingWith(db: Db, prefix: string): Promise<string[]> {
  return todo('namesStartingWith: names that start with the prefix'); // TODO: an anchored, escaped $regex; return the names, sorted
}
// #endregion name-prefix

// #region pages
/** Page `page` (1 is the first) of `size` users in `_id` order, skipping the pages before it. */
export async function pageBySkip(db: Db, page: number, size: number): Promise<UserSummary[]> {
  return todo('pageBySkip: one page of users by skip and limit'); // TODO: sort by _id, skip the pages before this one, limit
}

/** The `size` users after `after` in `_id` order (from the start when null); `next` is null when no user is left. */
export async function pageAfter(db: Db, after: ObjectId | null, size: number): Promise<{ users: UserSummary[]; next: ObjectId | null }> {
  return todo('pageAfter: the users after an _id'); // TODO: $gt on _id, sort, limit size + 1 to know if there is more
}
// #endregion pages

// #region register
/** Makes `email` unique in `users`. Safe to run twice. */
export async function createUserIndexes(db: Db): Promise<void> {
  return todo('createUserIndexes: a unique index on email'); // TODO: createIndex({ email: 1 }, { unique: true })
}

/** Stores a new user with a hashed password; a taken email is a result, not an exception. */
export async function register(db: Db, user: Omit<User, '_id' | 'passwordHash'>, password: string): Promise<Registration> {
  return todo('register: insert the user, turning a duplicate email into a result'); // TODO: insertOne with passwordHash; catch 11000 as email-taken
}
// #endregion register

// #region orders-index
/** The index that lets findOrders examine only the orders it returns. */
export async function createOrderIndexes(db: Db): Promise<void> {
  return todo('createOrderIndexes: the index findOrders needs'); // TODO: createIndex with the equality fields, then the sort field
}

/** One customer's orders with this status, newest first, as a cursor (the check runs it and explains it). */
export function findOrders(db: Db, customerId: string, status: Order['status']): FindCursor<Order> {
  return todo('findOrders: the orders of one customer with a status, newest first'); // TODO: find({ customerId, status }), sort by createdAt descending
}
// #endregion orders-index

// #region login
/** Logs in with a parsed JSON body `{ email, password }`; anything but two strings is a failed login. */
export async function login(db: Db, body: unknown): Promise<LoginResult> {
  return todo('login: check the types in the body, then the password'); // TODO: strings only, findOne({ email }), verifyPassword
}
// #endregion login
