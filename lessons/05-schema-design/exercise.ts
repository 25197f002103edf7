// Lesson 05 — Schema design: a "semi-schema" for blog posts. Rules in code (zod) and in the database
// ($jsonSchema), a migration for the field that is sometimes an object, lazy upgrades between schema
// versions, and comments embedded where a page needs them and referenced where they grow.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 5`;
// stuck? `npm run lesson 5 -- --hint`.
import { MongoServerError, type Db, type Document, type ObjectId } from 'mongodb';
import { z } from 'zod';
import { todo } from '#lab/todo.ts';

/** What a client may send to create a post. */
export interface PostInput {
  title: string;
  author: string;
  body: string;
  status: 'draft' | 'published';
  tags: string[];
  meta: { lang: string; readingMinutes: number };
}

/** One thing wrong with an input: where (`meta.lang`; '' for the post itself) and what. */
export interface Problem {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; post: PostInput } | { ok: false; problems: Problem[] };

/** One rule of the collection's $jsonSchema that a rejected document broke. */
export interface BrokenRule {
  /** Dotted path to the field: `meta.lang`, `tags.2`. */
  field: string;
  /** The $jsonSchema keyword: `required`, `bsonType`, `enum`, `minimum`, `maxItems`, … */
  rule: string;
}

/** Turns broken rules into one sentence a person can act on (given; used by the notebook). */
export function describeBrokenRules(rules: readonly BrokenRule[]): string {
  const say: Record<string, string> = {
    required: 'is missing',
    bsonType: 'has the wrong type',
    enum: 'is not one of the allowed values',
    minimum: 'is too small',
    maximum: 'is too large',
    maxItems: 'has too many items',
    minLength: 'is too short',
    additionalProperties: 'is not allowed',
  };
  const parts = rules.map((r) => `${r.field} ${say[r.rule] ?? `breaks the ${r.rule} rule`}`);
  return `The post was not saved: ${parts.join('; ')}. Fix ${parts.length === 1 ? 'it' : 'them'} and save again.`;
}

// #region zod
/** The rules for PostInput, in code. Unknown keys are an error, at every level. */
export function postInputSchema(): z.ZodType<PostInput> {
  return todo('postInputSchema: the rules for PostInput as a zod schema'); // TODO: z.strictObject({ … }), meta too
}

/** Checks `input` against postInputSchema and returns the post, or EVERY problem found. */
export function parsePost(input: unknown): ParseResult {
  return todo('parsePost: check the input and collect every problem'); // TODO: safeParse, then issues → { path, message }
}
// #endregion zod

// #region json-schema
/** The same rules for the database: a validator document for the `posts` collection. */
export function postValidator(): Document {
  return todo('postValidator: the same rules as a $jsonSchema validator'); // TODO: { $jsonSchema: { bsonType: 'object', required, properties } }
}

/** Creates `posts` with postValidator, strict and erroring; on an existing collection, applies it. Safe to run twice. */
export async function createPosts(db: Db): Promise<void> {
  return todo('createPosts: create posts with the validator, or apply it if posts exists'); // TODO: createCollection or collMod, strict + error
}
// #endregion json-schema

// #region broken-rules
/** The rules a write broke, from error 121's errInfo, sorted by field then rule. Any other error is rethrown. */
export function brokenRules(error: unknown): BrokenRule[] {
  return todo('brokenRules: read error 121\'s errInfo'); // TODO: rethrow other errors; walk schemaRulesNotSatisfied
}
// #endregion broken-rules

// #region author-objects
/** How many posts have an `author` that is an embedded document instead of a string. */
export async function countAuthorObjects(db: Db): Promise<number> {
  return todo('countAuthorObjects: count the object authors'); // TODO: countDocuments with $type
}

/** Replaces each object author by its `name`; returns how many posts changed. Safe to run twice, on mixed data. */
export async function migrateAuthors(db: Db): Promise<number> {
  return todo('migrateAuthors: object author → its name, safe to run twice'); // TODO: updateMany with a $type filter and a pipeline
}
// #endregion author-objects

// #region lazy-upgrade
/** Version 1 stored tags as one comma-separated string, and often had no schemaVersion at all. */
export interface PostV1 {
  _id: ObjectId;
  schemaVersion?: 1;
  title: string;
  tags: string;
}

/** Version 2 stores tags as an array. */
export interface PostV2 {
  _id: ObjectId;
  schemaVersion: 2;
  title: string;
  tags: string[];
}

/** The post with this id as version 2; a version 1 post is upgraded and written back. null if there is none. */
export async function readPost(db: Db, id: ObjectId): Promise<PostV2 | null> {
  return todo('readPost: read, upgrade a version 1 post, write it back'); // TODO: findOne; updateOne filtered on schemaVersion with $set
}
// #endregion lazy-upgrade

// #region comments
/** How many comments a post keeps embedded, for the post page. */
export const RECENT_COMMENTS = 5;

export interface CommentInput {
  author: string;
  text: string;
  at: Date;
}

/** The fields of a post that comments touch. */
export interface CommentedPost {
  _id: ObjectId;
  commentCount: number;
  recentComments: CommentInput[];
}

export class PostNotFoundError extends Error {
  override readonly name = 'PostNotFoundError';
}

/**
 * Adds a comment: every comment is a document of `comments` (with `postId`), and the post keeps the
 * RECENT_COMMENTS newest in `recentComments` (oldest first) and the total in `commentCount`.
 * A post that does not exist gets no comment: PostNotFoundError.
 */
export async function addComment(db: Db, postId: ObjectId, comment: CommentInput): Promise<void> {
  return todo('addComment: bounded embedded array + a document per comment'); // TODO: $push with $each/$slice, $inc, insertOne
}
// #endregion comments
