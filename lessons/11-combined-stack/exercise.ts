// Lesson 11 — The combined stack: the article's flow as a small HTTP service. The Fastify routes
// are given (lessons/11-combined-stack/server.ts); you write what each route calls: passwords in
// PostgreSQL, sessions and the feed cache in Redis, profiles and messages in MongoDB.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 11`;
// stuck? `npm run lesson 11 -- --hint`.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Db, ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Sql } from '#lab/backends/types.ts';
import { todo } from '#lab/todo.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** The three stores every function works with; server.ts passes them in. */
export interface Stores {
  sql: Sql;
  mongo: Db;
  redis: Redis;
}

export const SALT_BYTES = 16;
/** Bytes of scrypt output kept per password. */
export const KEY_LENGTH = 64;
export const TOKEN_BYTES = 32;
/** The article: "store session token in Redis (expires in 1 hour)". */
export const SESSION_TTL_SECONDS = 60 * 60;
/** The article: "refresh every 5 minutes from MongoDB". */
export const FEED_TTL_SECONDS = 5 * 60;
export const FEED_SIZE = 20;
export const FEED_KEY = 'app:feed:latest';
export const MESSAGES_CHANNEL = 'app:messages';
export const sessionKey = (token: string): string => `app:session:${token}`;

/** A password as the `users` table keeps it: both hex, never the password itself. */
export interface StoredPassword {
  salt: string;
  hash: string;
}

export interface Credentials {
  email: string;
  password: string;
}

/** What a session key holds, as JSON. */
export interface Session {
  userId: number;
  email: string;
}

/** A profile is a flexible document: each user has the fields they filled in. */
export type Profile = Record<string, unknown>;

/** A message as the feed, the API and the channel show it: plain JSON, no BSON types. */
export interface FeedPost {
  id: string;
  authorId: number;
  author: string;
  text: string;
  createdAt: string;
}

export interface Feed {
  posts: FeedPost[];
  cache: 'hit' | 'miss';
  /** Whole seconds since the cached feed was built (0 on a miss). */
  ageSeconds: number;
}

/** A document of the `messages` collection. */
export interface MessageDocument {
  _id?: ObjectId;
  authorId: number;
  author: string;
  text: string;
  createdAt: Date;
}

/** Given: a message document as JSON for the feed and the channel. */
export function toFeedPost(doc: MessageDocument & { _id: ObjectId }): FeedPost {
  return { id: doc._id.toHexString(), authorId: doc.authorId, author: doc.author, text: doc.text, createdAt: doc.createdAt.toISOString() };
}

// #region passwords
/** scrypt of `password` with `salt` (SALT_BYTES random bytes when not given), both as hex. */
export async function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): Promise<StoredPassword> {
  return todo('hashPassword: scrypt with a salt'); // TODO: scryptAsync(password, salt, KEY_LENGTH); return { salt, hash } as hex
}

/** Whether `password` hashes to `stored.hash` with `stored.salt`, compared in constant time. */
export async function verifyPassword(password: string, stored: StoredPassword): Promise<boolean> {
  return todo('verifyPassword: hash again, compare in constant time'); // TODO: scrypt with the stored salt, then timingSafeEqual with the stored hash
}

/** Adds a user to `users (email, salt, password_hash)`; returns the new id. */
export async function createUser(sql: Sql, email: string, password: string): Promise<number> {
  return todo('createUser: insert the user with a hashed password'); // TODO: hashPassword, then INSERT … VALUES ($1, $2, $3) RETURNING id
}
// #endregion passwords

// #region log-in
/** The body of POST /login as two strings, or null when it is anything else (→ 400). */
export function parseCredentials(body: unknown): Credentials | null {
  return todo('parseCredentials: two strings, or null'); // TODO: null unless body is an object whose email (1–254 chars) and password (1–1024) are strings
}

/**
 * What an unknown email's password is checked against: the same scrypt work as a real user's, and
 * no password matches it (random bytes, not the hash of anything).
 */
export const DUMMY_PASSWORD: StoredPassword = {
  salt: randomBytes(SALT_BYTES).toString('hex'),
  hash: randomBytes(KEY_LENGTH).toString('hex'),
};

/** Checks the credentials in PostgreSQL; on success a new session in Redis and its token, else null. */
export async function logIn(stores: Stores, credentials: Credentials): Promise<string | null> {
  return todo('logIn: check the password, start a session'); // TODO: SELECT the user by $1; verifyPassword (against DUMMY_PASSWORD if none); a random token; SET the session EX SESSION_TTL_SECONDS
}
// #endregion log-in

// #region profile
/** The session of `token`, or null when it is unknown or has expired. */
export async function readSession(redis: Redis, token: string): Promise<Session | null> {
  return todo('readSession: the session of a token'); // TODO: GET the session key; null, or the parsed JSON
}

/** The profile document of `userId` from `profiles` (its `_id` is the user's id), without `_id`; null if none. */
export async function readProfile(mongo: Db, userId: number): Promise<Profile | null> {
  return todo('readProfile: one document from MongoDB'); // TODO: findOne in profiles by _id, every field but _id
}
// #endregion profile

// #region feed
/**
 * The newest FEED_SIZE messages (by createdAt, then _id, both descending), cache-aside: FEED_KEY
 * holds JSON `{ builtAt, posts }` for FEED_TTL_SECONDS; on a miss the feed is built from MongoDB
 * and cached. A hit's age is whole seconds since builtAt.
 */
export async function readFeed(stores: Stores, now: number = Date.now()): Promise<Feed> {
  return todo('readFeed: Redis first, MongoDB on a miss'); // TODO: GET FEED_KEY (hit: its posts and age); else the newest FEED_SIZE messages, SET … EX FEED_TTL_SECONDS
}
// #endregion feed

// #region messages
/** Saves a message by the session's user in `messages`, then publishes it on MESSAGES_CHANNEL. */
export async function postMessage(stores: Stores, session: Session, text: string, now: number = Date.now()): Promise<FeedPost> {
  return todo('postMessage: save, then publish'); // TODO: insertOne { authorId, author, text, createdAt } into messages, then PUBLISH toFeedPost(…) as JSON
}
// #endregion messages

// #region log-out
/** Ends the session of `token`; true if there was one. */
export async function logOut(redis: Redis, token: string): Promise<boolean> {
  return todo('logOut: end the session'); // TODO: DEL the session key; true if one was deleted
}
// #endregion log-out
