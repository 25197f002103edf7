// Lesson 03 — Queries and indexes: filter with operators and arrays, search by prefix, page
// through a collection two ways, register users behind a unique index, make a query examine only
// what it returns, and log people in without letting a request body write your filter.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 3`;
// stuck? `npm run lesson 3 -- --hint`.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { MongoServerError, type Db, type FindCursor, type ObjectId } from 'mongodb';

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
  // why: $all wants every tag ($in would take any one), $gte includes minAge itself, and the projection keeps _id and passwordHash home.
  return db.collection<User>('users')
    .find<Member>({ tags: { $all: [...tags] }, age: { $gte: minAge } }, { projection: { _id: 0, name: 1, email: 1 } })
    .sort({ name: 1 })
    .toArray();
}

/** Orders with one line item of this `sku` whose `qty` is at least `minQty`, oldest first. */
export async function ordersWithItem(db: Db, sku: string, minQty: number): Promise<Order[]> {
  // why: $elemMatch holds both conditions to the same item; dot notation would let one item match the sku and another the qty.
  return db.collection<Order>('orders')
    .find({ items: { $elemMatch: { sku, qty: { $gte: minQty } } } })
    .sort({ createdAt: 1 })
    .toArray();
}
// #endregion find-members

// #region name-prefix
/** Names of the users whose name starts with `prefix` exactly as written (case counts), sorted. */
export async function namesStartingWith(db: Db, prefix: string): Promise<string[]> {
  // why: ^ anchors the match to the start, which an index on name can use; escaping makes `.` or `(` in the prefix mean themselves.
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const users = await db.collection<User>('users')
    .find<{ name: string }>({ name: { $regex: `^${escaped}` } }, { projection: { _id: 0, name: 1 } })
    .sort({ name: 1 })
    .toArray();
  return users.map((u) => u.name);
}
// #endregion name-prefix

// #region pages
/** Page `page` (1 is the first) of `size` users in `_id` order, skipping the pages before it. */
export async function pageBySkip(db: Db, page: number, size: number): Promise<UserSummary[]> {
  // why: page 1 skips nothing; without a sort the order of documents, and so each page, is not defined.
  return db.collection<User>('users')
    .find<UserSummary>({}, { projection: { name: 1 } })
    .sort({ _id: 1 })
    .skip((page - 1) * size)
    .limit(size)
    .toArray();
}

/** The `size` users after `after` in `_id` order (from the start when null); `next` is null when no user is left. */
export async function pageAfter(db: Db, after: ObjectId | null, size: number): Promise<{ users: UserSummary[]; next: ObjectId | null }> {
  // why: $gt starts right after the last id seen, through the _id index, however deep the page; one extra document says whether more exist.
  const filter = after === null ? {} : { _id: { $gt: after } };
  const found = await db.collection<User>('users')
    .find<UserSummary>(filter, { projection: { name: 1 } })
    .sort({ _id: 1 })
    .limit(size + 1)
    .toArray();
  const users = found.slice(0, size);
  return { users, next: found.length > size ? (users[users.length - 1]?._id ?? null) : null };
}
// #endregion pages

// #region register
/** Makes `email` unique in `users`. Safe to run twice. */
export async function createUserIndexes(db: Db): Promise<void> {
  // why: only a unique index stops two registrations that arrive together; a check-then-insert in code races.
  await db.collection<User>('users').createIndex({ email: 1 }, { unique: true });
}

/** Stores a new user with a hashed password; a taken email is a result, not an exception. */
export async function register(db: Db, user: Omit<User, '_id' | 'passwordHash'>, password: string): Promise<Registration> {
  // why: insert and let the index decide; 11000 is "email taken", and any other error is a real failure the caller must see.
  try {
    const { insertedId } = await db.collection<User>('users').insertOne({ ...user, passwordHash: hashPassword(password) });
    return { ok: true, id: insertedId.toHexString() };
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 11000) return { ok: false, reason: 'email-taken' };
    throw error;
  }
}
// #endregion register

// #region orders-index
/** The index that lets findOrders examine only the orders it returns. */
export async function createOrderIndexes(db: Db): Promise<void> {
  // why: equality fields first, then the sort field (ESR), so the index finds exactly the matches already in order.
  await db.collection<Order>('orders').createIndex({ customerId: 1, status: 1, createdAt: -1 });
}

/** One customer's orders with this status, newest first, as a cursor (the check runs it and explains it). */
export function findOrders(db: Db, customerId: string, status: Order['status']): FindCursor<Order> {
  // why: two equalities and a sort: exactly the shape of the index above, so no document is examined in vain and nothing is sorted in memory.
  return db.collection<Order>('orders').find({ customerId, status }).sort({ createdAt: -1 });
}
// #endregion orders-index

// #region login
/** Logs in with a parsed JSON body `{ email, password }`; anything but two strings is a failed login. */
export async function login(db: Db, body: unknown): Promise<LoginResult> {
  // why: JSON can carry `{ "$ne": null }` where a string belongs; checking types before the filter keeps operators out of it.
  if (typeof body !== 'object' || body === null) return { ok: false };
  const { email, password } = body as Record<string, unknown>;
  if (typeof email !== 'string' || typeof password !== 'string') return { ok: false };
  const user = await db.collection<User>('users').findOne({ email });
  // why: the hash is checked in code with the user's own salt, never by putting the request's value into the filter.
  if (!user?.passwordHash || !verifyPassword(password, user.passwordHash)) return { ok: false };
  return { ok: true, userId: user._id.toHexString() };
}
// #endregion login
