// Lesson 01 — SQL vs NoSQL: store the same users as rows, documents and hashes, add a field
// both ways, and read orders through a join and from an embedded array.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 1`;
// stuck? `npm run lesson 1 -- --hint`.
import type { Db, ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Sql } from '#lab/backends/types.ts';

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
  // why: placeholders keep O'Brien's quote out of the SQL text; a row has every column, so a missing field is an explicit NULL.
  const { rows } = await sql.query<{ id: number }>(
    'INSERT INTO users (name, email, age, phone, theme) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [user.name, user.email ?? null, user.age ?? null, user.phone ?? null, user.preferences?.theme ?? null],
  );
  return rows[0]!.id; // INSERT … RETURNING yields exactly one row
}
// #endregion save-user-row

// #region save-user-document
/** Inserts `user` into the `users` collection with only the fields it has; returns its `_id`. */
export async function saveUserDocument(db: Db, user: User): Promise<ObjectId> {
  // why: a document keeps just the fields it has (nested ones too); the copy stops the driver adding `_id` to the caller's object.
  const { insertedId } = await db.collection<User>('users').insertOne({ ...user });
  return insertedId;
}
// #endregion save-user-document

// #region save-user-hash
/** Writes `fields` to the hash of user `id` under a namespaced key, and returns that key. */
export async function saveUserHash(redis: Redis, id: number, fields: Record<string, string | number>): Promise<string> {
  // why: one flat keyspace holds everything, so the `user:` prefix says what the key is; HSET sets all fields in one command.
  const key = `user:${id}`;
  await redis.hset(key, fields);
  return key;
}
// #endregion save-user-hash

// #region add-created-at
/** Adds a `created_at` timestamptz column to `users`; rows that exist get the time of the change. Safe to run twice. */
export async function addCreatedAtColumn(sql: Sql): Promise<void> {
  // why: the table's schema changes for every row at once; IF NOT EXISTS makes a rerun harmless, DEFAULT fills the rows already there.
  await sql.exec('ALTER TABLE users ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now()');
}

/** Writes `created_at: at` into the document of the user with this email, and changes nothing else. */
export async function setCreatedAt(db: Db, email: string, at: Date): Promise<void> {
  // why: no schema to change, just write the field; $set touches only it, where replaceOne would drop the other fields.
  await db.collection<User>('users').updateOne({ email }, { $set: { created_at: at } });
}
// #endregion add-created-at

// #region read-orders
/** The orders of the user with this email, in order of `orders.id`, read with a JOIN. */
export async function findOrdersJoined(sql: Sql, email: string): Promise<Order[]> {
  // why: orders live in their own table, linked by user_id; the JOIN puts them back together and ORDER BY makes the order stable.
  const { rows } = await sql.query<Order>(
    'SELECT o.item, o.quantity FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = $1 ORDER BY o.id',
    [email],
  );
  return rows;
}

/** The orders embedded in the document of the user with this email; `[]` if there is no such user. */
export async function findOrdersEmbedded(db: Db, email: string): Promise<Order[]> {
  // why: the orders travel inside the user's document, so one read with no join brings them; no document means no orders.
  const user = await db.collection<UserWithOrders>('users').findOne({ email }, { projection: { _id: 0, orders: 1 } });
  return user?.orders ?? [];
}
// #endregion read-orders
