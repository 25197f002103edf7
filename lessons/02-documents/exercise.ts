// Lesson 02 — Documents: create and find users by id, import a batch past a duplicate, and
// change documents with update operators instead of rewriting them.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 2`;
// stuck? `npm run lesson 2 -- --hint`.
import { MongoBulkWriteError, ObjectId, type Db } from 'mongodb';
import { todo } from '#lab/todo.ts';

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
  return todo('createUser: insert the user and return its id as a string'); // TODO: insertOne a copy, return insertedId.toHexString()
}
// #endregion create-user

// #region find-by-id
/** The user whose `_id` is the ObjectId written as `id`; `null` when there is none or `id` is not an ObjectId. */
export async function findUserById(db: Db, id: string): Promise<User | null> {
  return todo('findUserById: turn the string into an ObjectId and find the user'); // TODO: ObjectId.isValid, then findOne({ _id: new ObjectId(id) })
}
// #endregion find-by-id

// #region import-users
/** Inserts every user whose `_id` is free into `users`, skipping the taken ones; says how many of each. */
export async function importUsers(db: Db, users: readonly ImportedUser[]): Promise<ImportResult> {
  return todo('importUsers: insert the batch without stopping at a duplicate _id'); // TODO: insertMany(…, { ordered: false }), count error 11000
}
// #endregion import-users

// #region set-preference
/** Sets `preferences.<name>` to `value` for user `id`; the user's other preferences and fields stay. */
export async function setPreference(db: Db, id: ObjectId, name: string, value: string): Promise<void> {
  return todo('setPreference: change one nested field'); // TODO: updateOne with $set on 'preferences.' + name
}
// #endregion set-preference

// #region record-login
/** Counts a login of user `id` in `loginCount` and keeps the last `keep` login times in `recentLogins`, oldest first. */
export async function recordLogin(db: Db, id: ObjectId, at: Date, keep: number): Promise<void> {
  return todo('recordLogin: count the login and keep the last N times'); // TODO: one updateOne: $inc, and $push with $each and $slice
}
// #endregion record-login

// #region upsert-profile
/**
 * Creates the user with this email, or updates the one there is: `name` and `updatedAt` are written every
 * time, `createdAt` only when the document is created. Says whether it created one.
 */
export async function upsertProfile(db: Db, email: string, name: string, now: Date): Promise<{ created: boolean }> {
  return todo('upsertProfile: create or update in one call'); // TODO: updateOne with $set, $setOnInsert and { upsert: true }
}
// #endregion upsert-profile
