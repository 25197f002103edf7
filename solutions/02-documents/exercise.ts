// Lesson 02 — Documents: create and find users by id, import a batch past a duplicate, and
// change documents with update operators instead of rewriting them.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 2`;
// stuck? `npm run lesson 2 -- --hint`.
import { MongoBulkWriteError, ObjectId, type Db } from 'mongodb';

/** A user in the `users` collection: only `name` is always there. */
export interface User {
  _id?: ObjectId;
  name: string;
  email?: string;
  phone?: string;
  age?: number;
  preferences?: Record<string, string>;
  loginCount?: number;
  recentLogins?: Date[];
  createdAt?: Date;
  updatedAt?: Date;
}

/** A user from an old system, keeping its own string id (`user_1`, `user_2`, …). */
export interface ImportedUser {
  _id: string;
  name: string;
  email?: string;
  phone?: string;
}

export interface ImportResult {
  inserted: number;
  duplicates: number;
}

// #region create-user
/** Inserts `user` into `users` and returns its new `_id` as a 24-character hex string. Leaves `user` as it was. */
export async function createUser(db: Db, user: User): Promise<string> {
  // why: the driver writes `_id` into the object it is given, so it gets a copy; an id leaves the server as a string.
  const { insertedId } = await db.collection<User>('users').insertOne({ ...user });
  return insertedId.toHexString();
}
// #endregion create-user

// #region find-by-id
/** The user whose `_id` is the ObjectId written as `id`; `null` when there is none or `id` is not an ObjectId. */
export async function findUserById(db: Db, id: string): Promise<User | null> {
  // why: a string never equals an ObjectId, so convert it; isValid first, because `new ObjectId('nonsense')` throws.
  if (!ObjectId.isValid(id)) return null;
  return db.collection<User>('users').findOne({ _id: new ObjectId(id) });
}
// #endregion find-by-id

// #region import-users
/** Inserts every user whose `_id` is free into `users`, skipping the taken ones; says how many of each. */
export async function importUsers(db: Db, users: readonly ImportedUser[]): Promise<ImportResult> {
  // why: ordered: false tries every document instead of stopping at the first duplicate; 11000 is a duplicate key, anything else is a real failure.
  try {
    const result = await db.collection<ImportedUser>('users').insertMany(users.map((u) => ({ ...u })), { ordered: false });
    return { inserted: result.insertedCount, duplicates: 0 };
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.some((e) => e.code !== 11000)) throw error;
    return { inserted: error.insertedCount, duplicates: writeErrors.length };
  }
}
// #endregion import-users

// #region set-preference
/** Sets `preferences.<name>` to `value` for user `id`; the user's other preferences and fields stay. */
export async function setPreference(db: Db, id: ObjectId, name: string, value: string): Promise<void> {
  // why: dot notation names one field inside the nested document; `$set: { preferences: … }` would replace all of it.
  await db.collection<User>('users').updateOne({ _id: id }, { $set: { ['preferences.' + name]: value } });
}
// #endregion set-preference

// #region record-login
/** Counts a login of user `id` in `loginCount` and keeps the last `keep` login times in `recentLogins`, oldest first. */
export async function recordLogin(db: Db, id: ObjectId, at: Date, keep: number): Promise<void> {
  // why: $inc adds on the server, so concurrent logins cannot overwrite each other; a negative $slice keeps the newest `keep`.
  await db.collection<User>('users').updateOne(
    { _id: id },
    { $inc: { loginCount: 1 }, $push: { recentLogins: { $each: [at], $slice: -keep } } },
  );
}
// #endregion record-login

// #region upsert-profile
/**
 * Creates the user with this email, or updates the one there is: `name` and `updatedAt` are written every
 * time, `createdAt` only when the document is created. Says whether it created one.
 */
export async function upsertProfile(db: Db, email: string, name: string, now: Date): Promise<{ created: boolean }> {
  // why: one atomic round-trip instead of find-then-insert; $setOnInsert keeps the first createdAt on every later call.
  const result = await db.collection<User>('users').updateOne(
    { email },
    { $set: { name, updatedAt: now }, $setOnInsert: { createdAt: now } },
    { upsert: true },
  );
  return { created: result.upsertedCount === 1 };
}
// #endregion upsert-profile
