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
  const hash = await scryptAsync(password, salt, KEY_LENGTH); // why: scrypt is slow on purpose and the salt makes every user's hash different
  return { salt: salt.toString('hex'), hash: hash.toString('hex') };
}

/** Whether `password` hashes to `stored.hash` with `stored.salt`, compared in constant time. */
export async function verifyPassword(password: string, stored: StoredPassword): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'hex');
  const actual = await scryptAsync(password, Buffer.from(stored.salt, 'hex'), expected.length);
  return timingSafeEqual(actual, expected); // why: === stops at the first different byte, and that time can be measured
}

/** Adds a user to `users (email, salt, password_hash)`; returns the new id. */
export async function createUser(sql: Sql, email: string, password: string): Promise<number> {
  const { salt, hash } = await hashPassword(password);
  // why: $1, $2, $3 carry the values apart from the SQL text, so an email with a quote cannot change the statement
  const { rows } = await sql.query<{ id: number }>(
    'INSERT INTO users (email, salt, password_hash) VALUES ($1, $2, $3) RETURNING id', [email, salt, hash]);
  return rows[0]!.id;
}
// #endregion passwords

// #region log-in
/** The body of POST /login as two strings, or null when it is anything else (→ 400). */
export function parseCredentials(body: unknown): Credentials | null {
  if (typeof body !== 'object' || body === null) return null;
  const { email, password } = body as Record<string, unknown>;
  // why: only strings pass; an object such as { "$ne": null } must never reach a query filter
  if (typeof email !== 'string' || typeof password !== 'string') return null;
  if (email.length === 0 || email.length > 254 || password.length === 0 || password.length > 1024) return null;
  return { email, password };
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
  const { rows } = await stores.sql.query<{ id: number; email: string; salt: string; password_hash: string }>(
    'SELECT id, email, salt, password_hash FROM users WHERE email = $1', [credentials.email]); // why: a parameter, never pasted
  const user = rows[0];
  // why: an unknown email runs scrypt too (against a dummy), so it takes as long as a wrong password
  const stored = user ? { salt: user.salt, hash: user.password_hash } : DUMMY_PASSWORD;
  const ok = await verifyPassword(credentials.password, stored);
  if (!user || !ok) return null; // why: one answer for both, so nobody learns which emails have accounts
  const token = randomBytes(TOKEN_BYTES).toString('base64url'); // why: unpredictable, unlike Math.random
  const session: Session = { userId: user.id, email: user.email };
  // why: EX makes Redis end the session after an hour by itself
  await stores.redis.set(sessionKey(token), JSON.stringify(session), 'EX', SESSION_TTL_SECONDS);
  return token;
}
// #endregion log-in

// #region profile
/** The session of `token`, or null when it is unknown or has expired. */
export async function readSession(redis: Redis, token: string): Promise<Session | null> {
  const value = await redis.get(sessionKey(token)); // why: an expired key is simply gone: Redis answers null
  return value === null ? null : (JSON.parse(value) as Session);
}

/** The profile document of `userId` from `profiles` (its `_id` is the user's id), without `_id`; null if none. */
export async function readProfile(mongo: Db, userId: number): Promise<Profile | null> {
  // why: the profile keeps whatever fields the user has; a projection of fixed fields would drop the rest
  return mongo.collection<{ _id: number }>('profiles').findOne({ _id: userId }, { projection: { _id: 0 } });
}
// #endregion profile

// #region feed
/**
 * The newest FEED_SIZE messages (by createdAt, then _id, both descending), cache-aside: FEED_KEY
 * holds JSON `{ builtAt, posts }` for FEED_TTL_SECONDS; on a miss the feed is built from MongoDB
 * and cached. A hit's age is whole seconds since builtAt.
 */
export async function readFeed(stores: Stores, now: number = Date.now()): Promise<Feed> {
  const cached = await stores.redis.get(FEED_KEY);
  if (cached !== null) {
    const { builtAt, posts } = JSON.parse(cached) as { builtAt: number; posts: FeedPost[] };
    return { posts, cache: 'hit', ageSeconds: Math.floor((now - builtAt) / 1000) }; // why: a hit never touches MongoDB
  }
  const docs = await stores.mongo.collection<MessageDocument>('messages')
    .find().sort({ createdAt: -1, _id: -1 }).limit(FEED_SIZE).toArray();
  const posts = docs.map(toFeedPost);
  // why: the TTL is the refresh: after five minutes the key is gone and the next reader rebuilds it
  await stores.redis.set(FEED_KEY, JSON.stringify({ builtAt: now, posts }), 'EX', FEED_TTL_SECONDS);
  return { posts, cache: 'miss', ageSeconds: 0 };
}
// #endregion feed

// #region messages
/** Saves a message by the session's user in `messages`, then publishes it on MESSAGES_CHANNEL. */
export async function postMessage(stores: Stores, session: Session, text: string, now: number = Date.now()): Promise<FeedPost> {
  const doc: MessageDocument = { authorId: session.userId, author: session.email, text, createdAt: new Date(now) };
  // why: save first: if it fails, this throws and nothing is announced that was never kept
  const { insertedId } = await stores.mongo.collection<MessageDocument>('messages').insertOne(doc);
  const post = toFeedPost({ ...doc, _id: insertedId });
  await stores.redis.publish(MESSAGES_CHANNEL, JSON.stringify(post)); // why: pub/sub is instant but forgets: only a saved message may go out
  return post;
}
// #endregion messages

// #region log-out
/** Ends the session of `token`; true if there was one. */
export async function logOut(redis: Redis, token: string): Promise<boolean> {
  return (await redis.del(sessionKey(token))) === 1; // why: the token must stop working now, not in an hour
}
// #endregion log-out
