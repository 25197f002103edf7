// Lesson 05 — Schema design: a "semi-schema" for blog posts. Rules in code (zod) and in the database
// ($jsonSchema), a migration for the field that is sometimes an object, lazy upgrades between schema
// versions, and comments embedded where a page needs them and referenced where they grow.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 5`;
// stuck? `npm run lesson 5 -- --hint`.
import { MongoServerError, type Db, type Document, type ObjectId } from 'mongodb';
import { z } from 'zod';

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
  // why: strictObject REJECTS unknown keys (z.object would silently drop them), at both levels; author is a string, never an object.
  return z.strictObject({
    title: z.string().min(1).max(200),
    author: z.string().min(1),
    body: z.string(),
    status: z.enum(['draft', 'published']),
    tags: z.array(z.string().min(1)).max(10),
    meta: z.strictObject({ lang: z.string().length(2), readingMinutes: z.number().int().min(1) }),
  });
}

/** Checks `input` against postInputSchema and returns the post, or EVERY problem found. */
export function parsePost(input: unknown): ParseResult {
  // why: safeParse returns all issues instead of throwing at the first; the path tells the caller which field to fix.
  const result = postInputSchema().safeParse(input);
  if (result.success) return { ok: true, post: result.data };
  return { ok: false, problems: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) };
}
// #endregion zod

// #region json-schema
/** The same rules for the database: a validator document for the `posts` collection. */
export function postValidator(): Document {
  // why: bsonType (not JSON Schema's "integer") names BSON types; nested objects need their OWN required list, or meta: {} passes.
  return {
    $jsonSchema: {
      bsonType: 'object',
      required: ['title', 'author', 'body', 'status', 'tags', 'meta'],
      properties: {
        title: { bsonType: 'string', minLength: 1, maxLength: 200 },
        author: { bsonType: 'string', description: 'the author\'s name, never an object' },
        body: { bsonType: 'string' },
        status: { enum: ['draft', 'published'] },
        tags: { bsonType: 'array', maxItems: 10, items: { bsonType: 'string' } },
        meta: {
          bsonType: 'object',
          required: ['lang', 'readingMinutes'],
          properties: { lang: { bsonType: 'string', minLength: 2, maxLength: 2 }, readingMinutes: { bsonType: ['int', 'long'], minimum: 1 } },
        },
      },
    },
  };
}

/** Creates `posts` with postValidator, strict and erroring; on an existing collection, applies it. Safe to run twice. */
export async function createPosts(db: Db): Promise<void> {
  const rules = { validator: postValidator(), validationLevel: 'strict', validationAction: 'error' } as const;
  // why: createCollection fails with 48 NamespaceExists the second time; collMod changes the rules of the collection that is there, keeping its documents.
  const exists = (await db.listCollections({ name: 'posts' }, { nameOnly: true }).toArray()).length > 0;
  if (exists) await db.command({ collMod: 'posts', ...rules });
  else await db.createCollection('posts', rules);
}
// #endregion json-schema

// #region broken-rules
/** The rules a write broke, from error 121's errInfo, sorted by field then rule. Any other error is rethrown. */
export function brokenRules(error: unknown): BrokenRule[] {
  // why: only a validation failure (121) carries errInfo; a duplicate key or a lost connection must reach the caller unchanged.
  if (!(error instanceof MongoServerError) || error.code !== 121) throw error;
  const out: BrokenRule[] = [];
  const walk = (details: Document[] | undefined, path: string): void => {
    for (const d of details ?? []) {
      const at = (name: string | number): string => (path ? `${path}.${name}` : String(name));
      // why: errInfo nests: properties → propertiesNotSatisfied → details, items → itemIndex → details; a missing field is named in missingProperties.
      if (d.operatorName === 'properties') for (const p of d.propertiesNotSatisfied ?? []) walk(p.details, at(p.propertyName));
      else if (d.operatorName === 'items') walk(d.details, at(d.itemIndex));
      else if (d.operatorName === 'required') for (const name of d.missingProperties ?? []) out.push({ field: at(name), rule: 'required' });
      else if (d.operatorName === 'additionalProperties') for (const name of d.additionalProperties ?? []) out.push({ field: at(name), rule: 'additionalProperties' });
      else out.push({ field: path, rule: String(d.operatorName) });
    }
  };
  walk(error.errInfo?.details?.schemaRulesNotSatisfied, '');
  return out.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}
// #endregion broken-rules

// #region author-objects
/** How many posts have an `author` that is an embedded document instead of a string. */
export async function countAuthorObjects(db: Db): Promise<number> {
  // why: $type 'object' matches embedded documents only; the strings (and missing authors) do not count.
  return db.collection('posts').countDocuments({ author: { $type: 'object' } });
}

/** Replaces each object author by its `name`; returns how many posts changed. Safe to run twice, on mixed data. */
export async function migrateAuthors(db: Db): Promise<number> {
  // why: the filter picks only objects, so a second run (or a string author) is left alone; the [ ] makes it a pipeline update, where '$author.name' is a value, not text.
  const { modifiedCount } = await db.collection('posts').updateMany({ author: { $type: 'object' } }, [{ $set: { author: '$author.name' } }]);
  return modifiedCount;
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
  const posts = db.collection<PostV1 | PostV2>('posts');
  const post = await posts.findOne({ _id: id });
  if (post === null || post.schemaVersion === 2) return post as PostV2 | null;
  const tags = post.tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
  // why: the filter on schemaVersion makes the write-back a no-op if someone upgraded it meanwhile, and $set touches only what the upgrade changes, so a concurrent edit of another field survives.
  await posts.updateOne({ _id: id, schemaVersion: { $ne: 2 } }, { $set: { tags, schemaVersion: 2 } });
  return (await posts.findOne({ _id: id })) as PostV2 | null; // what is stored now, whoever upgraded it
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
  // why: $slice -N keeps the NEWEST N after the push, so the embedded array is bounded however many comments come; $inc counts them all.
  const { matchedCount } = await db.collection<CommentedPost>('posts').updateOne(
    { _id: postId },
    { $push: { recentComments: { $each: [comment], $slice: -RECENT_COMMENTS } }, $inc: { commentCount: 1 } },
  );
  if (matchedCount === 0) throw new PostNotFoundError(`No post has _id ${postId.toHexString()}; create the post first, then comment on it.`);
  // why: the full history is unbounded, so it lives in its own collection, one document per comment, found by postId.
  await db.collection('comments').insertOne({ postId, ...comment });
}
// #endregion comments
