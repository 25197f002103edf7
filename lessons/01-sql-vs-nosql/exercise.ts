// Lesson 01 — SQL vs NoSQL: store the same users as rows, documents and hashes, add a field
// both ways, and read orders through a join and from an embedded array.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 1`;
// stuck? `npm run lesson 1 -- --hint`.
import type { Db, ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Sql } from '#lab/backends/types.ts';
import { todo } from '#lab/todo.ts';

/** A user as the article shows them: only `name` is always there. */
export interface User {
  name: string;
  email?: string;
  age?: number;
  phone?: string;
  preferences?: { theme: string };
}

export interface Order {
  item: string;
  quantity: number;
}

export interface UserWithOrders extends User {
  orders: Order[];
}

// #region save-user-row
/** Inserts `user` into `users` (name, email, age, phone, theme) and returns the row's new `id`. */
export async function saveUserRow(sql: Sql, user: User): Promise<number> {
  return todo('saveUserRow: INSERT the user into the users table'); // TODO: one INSERT … RETURNING id, values as $1…$5
}
// #endregion save-user-row

// #region save-user-document
/** Inserts `user` into the `users` collection with only the fields it has; returns its `_id`. */
export async function saveUserDocument(db: Db, user: User): Promise<ObjectId> {
  return todo('saveUserDocument: insert the user into the users collection'); // TODO: insertOne, return insertedId
}
// #endregion save-user-document

// #region save-user-hash
/** Writes `fields` to the hash of user `id` under a namespaced key, and returns that key. */
export async function saveUserHash(redis: Redis, id: number, fields: Record<string, string | number>): Promise<string> {
  return todo('saveUserHash: write the fields to the hash of this user'); // TODO: HSET user:<id>, return the key
}
// #endregion save-user-hash

// #region add-created-at
/** Adds a `created_at` timestamptz column to `users`; rows that exist get the time of the change. Safe to run twice. */
export async function addCreatedAtColumn(sql: Sql): Promise<void> {
  return todo('addCreatedAtColumn: ALTER TABLE users'); // TODO: ADD COLUMN IF NOT EXISTS … DEFAULT now()
}

/** Writes `created_at: at` into the document of the user with this email, and changes nothing else. */
export async function setCreatedAt(db: Db, email: string, at: Date): Promise<void> {
  return todo('setCreatedAt: write created_at into one document'); // TODO: updateOne with $set
}
// #endregion add-created-at

// #region read-orders
/** The orders of the user with this email, in order of `orders.id`, read with a JOIN. */
export async function findOrdersJoined(sql: Sql, email: string): Promise<Order[]> {
  return todo('findOrdersJoined: JOIN orders to users'); // TODO: SELECT item, quantity … JOIN … WHERE email = $1
}

/** The orders embedded in the document of the user with this email; `[]` if there is no such user. */
export async function findOrdersEmbedded(db: Db, email: string): Promise<Order[]> {
  return todo('findOrdersEmbedded: read the orders array'); // TODO: findOne({ email }), return its orders
}
// #endregion read-orders
