/**
 * Lesson 05 — Schema design. One `describe` per task in lessons/05-schema-design/lesson.ts.
 * Posts, authors, tags and comments come from the seeded generator, so a hard-coded answer fails.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/05-schema-design.test.ts
 */
import { describe, expect, it } from 'vitest';
import { MongoServerError, ObjectId, type Db, type Document } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/05-schema-design/exercise.ts');
type PostInput = import('../solutions/05-schema-design/exercise.ts').PostInput;
type BrokenRule = import('../solutions/05-schema-design/exercise.ts').BrokenRule;

const ex = await loadExercise<Exercise>('05-schema-design');
const db = useBackends(['mongo']);
const rnd = useRandom();

/** A valid post input, different on every run. */
function postInput(): PostInput {
  return {
    title: `${rnd.word()} ${rnd.word()} in ${rnd.int(2, 9)} steps`,
    author: rnd.name(),
    body: `${rnd.word()} `.repeat(rnd.int(3, 12)).trim(),
    status: rnd.pick(['draft', 'published'] as const),
    tags: rnd.sample(['mongodb', 'schema', 'zod', 'sql', 'redis', 'design', 'json'], rnd.int(0, 4)),
    meta: { lang: rnd.pick(['en', 'fr', 'de', 'es']), readingMinutes: rnd.int(1, 30) },
  };
}

/** An error a test expects, unless it is the starter's TodoError: that one must surface as "not started". */
function expectedError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'TodoError') throw error;
  return error;
}

const paths = (result: ReturnType<Exercise['parsePost']>): string[] => (result.ok ? [] : result.problems.map((p) => p.path).sort());

/** Whether an insert into `posts` was refused with 121 (true), accepted (false), or failed otherwise (the error). */
async function refused(document: Document): Promise<boolean | string> {
  try {
    await db.mongo.collection('posts').insertOne(document);
    return false;
  } catch (error) {
    return error instanceof MongoServerError && error.code === 121 ? true : String(error);
  }
}

describe('Validate in code with zod', () => {
  // Likely mistakes, each caught below:
  // - z.object instead of z.strictObject (or .strict()): an unknown key is silently dropped, not rejected;
  // - author as z.any() or a union with an object: the seed's "sometimes an object" bug gets in;
  // - meta not checked inside (z.object({}) or z.record): a missing meta.lang passes;
  // - parse() instead of safeParse(): the first problem throws, and the others are never reported;
  // - readingMinutes as z.number() without .int(): 2.5 minutes passes.

  it('accepts a valid post and returns it unchanged', () => {
    const input = postInput();

    const expected = { ok: true, post: input };
    expect(ex.parsePost(structuredClone(input))).toEqual(expected);
  });

  it('rejects an unknown key instead of silently dropping it, at the top and inside meta', () => {
    const top = { ...postInput(), [`is${rnd.word()}`]: true };
    const nested = { ...postInput(), meta: { ...postInput().meta, [rnd.word()]: 1 } };

    const expected = { top: false, nested: false, paths: { top: [''], nested: ['meta'] } };
    const a = ex.parsePost(top);
    const b = ex.parsePost(nested);
    expect({ top: a.ok, nested: b.ok, paths: { top: paths(a), nested: paths(b) } }).toEqual(expected);
  });

  it('rejects an author that is an object, the bug the article warns about', () => {
    const input = { ...postInput(), author: { name: rnd.name(), id: rnd.id() } };

    const expected = ['author'];
    expect(paths(ex.parsePost(input))).toEqual(expected);
  });

  it('reports every problem at once, nested ones by their dotted path', () => {
    const { lang: _lang, ...meta } = postInput().meta;
    const input = { ...postInput(), title: '', status: 'archived', tags: Array.from({ length: 11 }, () => rnd.word()), meta: { ...meta, readingMinutes: 2.5 } };

    const expected = ['meta.lang', 'meta.readingMinutes', 'status', 'tags', 'title'];
    expect(paths(ex.parsePost(input))).toEqual(expected);
  });

  it('returns problems rather than throwing for input that is not an object at all', () => {
    const expected = { null: false, text: false, array: false };
    expect({ null: ex.parsePost(null).ok, text: ex.parsePost(rnd.word()).ok, array: ex.parsePost([postInput()]).ok }).toEqual(expected);
  });
});

describe('Validate in the database with $jsonSchema', () => {
  // Likely mistakes, each caught below:
  // - meta declared as bsonType 'object' without its own required list: { meta: {} } is stored;
  // - validationAction 'warn' (or validationLevel 'off'): invalid posts are logged, and stored;
  // - createCollection on a second run: 48 NamespaceExists; or drop-and-create: the posts are gone;
  // - author without a bsonType: the object author of the article's bug is stored.

  it('creates posts with the validator, validationLevel strict and validationAction error', async () => {
    await ex.createPosts(db.mongo);

    const expected = { validator: ex.postValidator(), validationLevel: 'strict', validationAction: 'error' };
    const [info] = await db.mongo.listCollections({ name: 'posts' }).toArray();
    const options = (info as { options?: Document } | undefined)?.options ?? {};
    expect({ validator: options.validator, validationLevel: options.validationLevel, validationAction: options.validationAction }).toEqual(expected);
  });

  it('stores a valid post and refuses (121) the invalid ones, nested fields included', async () => {
    await ex.createPosts(db.mongo);
    const { lang: _lang, ...metaWithoutLang } = postInput().meta;

    const expected = { valid: false, authorObject: true, noMetaLang: true, emptyMeta: true, status: true, zeroMinutes: true, numberTag: true, missingTitle: true };
    const { title: _title, ...noTitle } = postInput();
    expect({
      valid: await refused(postInput()),
      authorObject: await refused({ ...postInput(), author: { name: rnd.name() } }),
      noMetaLang: await refused({ ...postInput(), meta: metaWithoutLang }),
      emptyMeta: await refused({ ...postInput(), meta: {} }),
      status: await refused({ ...postInput(), status: 'archived' }),
      zeroMinutes: await refused({ ...postInput(), meta: { lang: 'en', readingMinutes: 0 } }),
      numberTag: await refused({ ...postInput(), tags: [rnd.word(), rnd.int(1, 99)] }),
      missingTitle: await refused(noTitle),
    }).toEqual(expected);
  });

  it('can run twice, and on a collection that already has posts it applies the rules and keeps the posts', async () => {
    const existing = Array.from({ length: rnd.int(2, 5) }, () => postInput());
    await db.mongo.collection('posts').insertMany(existing.map((p) => ({ ...p })));

    await ex.createPosts(db.mongo);
    await ex.createPosts(db.mongo);

    const expected = { posts: existing.length, refusesObjectAuthor: true };
    expect({ posts: await db.mongo.collection('posts').countDocuments(), refusesObjectAuthor: await refused({ ...postInput(), author: { name: rnd.name() } }) }).toEqual(expected);
  });

  it('accepts every post that the zod schema accepts', async () => {
    await ex.createPosts(db.mongo);
    const inputs = Array.from({ length: 5 }, () => postInput());

    const expected = inputs.map(() => false);
    const actual = [];
    for (const input of inputs) actual.push(await refused({ ...input }));
    expect(actual).toEqual(expected);
  });
});

describe("Explain a rejected write", () => {
  // Likely mistakes, each caught below:
  // - reading only the top level: a nested failure comes out as { field: 'meta', rule: 'properties' };
  // - a missing field named by its parent ('meta', 'required') instead of itself ('meta.lang');
  // - the array index dropped: 'tags' instead of 'tags.2';
  // - every error swallowed: a duplicate key (11000) must reach the caller, not become [].

  /** The test's own validator, so this task does not depend on the previous one. */
  async function postsWithRules(): Promise<void> {
    await db.mongo.createCollection('posts', {
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          required: ['title', 'author', 'meta'],
          properties: {
            title: { bsonType: 'string' },
            author: { bsonType: 'string' },
            status: { enum: ['draft', 'published'] },
            tags: { bsonType: 'array', items: { bsonType: 'string' } },
            meta: { bsonType: 'object', required: ['lang'], properties: { lang: { bsonType: 'string' }, readingMinutes: { bsonType: 'int', minimum: 1 } } },
          },
        },
      },
    });
  }

  async function rejection(document: Document): Promise<unknown> {
    return db.mongo.collection('posts').insertOne(document).then(() => new Error('the insert was accepted'), (error: unknown) => error);
  }

  it('names a top-level field of the wrong type', async () => {
    await postsWithRules();
    const error = await rejection({ title: rnd.word(), author: { name: rnd.name() }, meta: { lang: 'en' } });

    const expected: BrokenRule[] = [{ field: 'author', rule: 'bsonType' }];
    expect(ex.brokenRules(error)).toEqual(expected);
  });

  it('names nested fields by their dotted path, a missing one by its own name', async () => {
    await postsWithRules();
    const error = await rejection({ title: rnd.word(), author: rnd.name(), meta: { readingMinutes: 0 } });

    const expected: BrokenRule[] = [{ field: 'meta.lang', rule: 'required' }, { field: 'meta.readingMinutes', rule: 'minimum' }];
    expect(ex.brokenRules(error)).toEqual(expected);
  });

  it('lists every broken rule, sorted by field, with array items by index', async () => {
    await postsWithRules();
    const index = rnd.int(1, 4);
    const tags: unknown[] = Array.from({ length: index + 2 }, () => rnd.word());
    tags[index] = rnd.int(1, 99);
    const error = await rejection({ author: rnd.name(), status: 'archived', tags, meta: { lang: 'en' } });

    const expected: BrokenRule[] = [
      { field: 'status', rule: 'enum' },
      { field: `tags.${index}`, rule: 'bsonType' },
      { field: 'title', rule: 'required' },
    ];
    expect(ex.brokenRules(error)).toEqual(expected);
  });

  it('rethrows an error that is not a validation failure, such as a duplicate key', async () => {
    await postsWithRules();
    const post = { _id: new ObjectId(), title: rnd.word(), author: rnd.name(), meta: { lang: 'en' } };
    await db.mongo.collection('posts').insertOne({ ...post });
    const error = await rejection({ ...post });

    const expected = 11000;
    let thrown: unknown;
    try {
      ex.brokenRules(error);
    } catch (e) {
      thrown = expectedError(e);
    }
    expect(thrown instanceof MongoServerError ? thrown.code : thrown).toBe(expected);
  });
});

describe('Fix the field that is sometimes an object', () => {
  // Likely mistakes, each caught below:
  // - $set: { author: '$author.name' } without the [ ]: a classic update stores the TEXT "$author.name";
  // - no $type filter: on the second run (or on string authors) '$author.name' of a string is missing,
  //   and the author is wiped: the migration is not idempotent;
  // - { author: { $ne: null } } or $exists as the filter: the strings are rewritten too;
  // - counting with $type 'string' negated: posts without an author count as objects.

  interface MixedPost {
    _id: ObjectId;
    title: string;
    author?: string | { name: string; id: string };
  }

  /** Posts whose author is a string, an object with a name, or missing; and what each should become. */
  function mixedPosts(): { posts: MixedPost[]; fixed: MixedPost[]; objects: number } {
    const posts: MixedPost[] = [];
    const fixed: MixedPost[] = [];
    let objects = 0;
    const kinds = rnd.shuffle(['string', 'object', 'object', 'missing', ...Array.from({ length: rnd.int(3, 8) }, () => rnd.pick(['string', 'object', 'missing']))]);
    for (const kind of kinds) {
      const name = rnd.name();
      const base = { _id: new ObjectId(), title: `${rnd.word()} ${rnd.word()}` };
      if (kind === 'string') posts.push({ ...base, author: name });
      if (kind === 'object') posts.push({ ...base, author: { name, id: rnd.id() } });
      if (kind === 'missing') posts.push({ ...base });
      fixed.push(kind === 'missing' ? { ...base } : { ...base, author: name });
      if (kind === 'object') objects += 1;
    }
    return { posts, fixed, objects };
  }

  const stored = async (): Promise<Document[]> => db.mongo.collection('posts').find().sort({ _id: 1 }).toArray();
  const byId = (a: MixedPost, b: MixedPost): number => a._id.toHexString().localeCompare(b._id.toHexString());

  it('counts the posts whose author is an object, and only those', async () => {
    const { posts, objects } = mixedPosts();
    await db.mongo.collection('posts').insertMany(posts.map((p) => ({ ...p })));

    const expected = objects;
    expect(await ex.countAuthorObjects(db.mongo)).toBe(expected);
  });

  it("replaces each object author by its name, leaves string and missing authors alone, and says how many changed", async () => {
    const { posts, fixed, objects } = mixedPosts();
    await db.mongo.collection('posts').insertMany(posts.map((p) => ({ ...p })));

    const changed = await ex.migrateAuthors(db.mongo);

    const expected = { changed: objects, posts: [...fixed].sort(byId) };
    expect({ changed, posts: await stored() }).toEqual(expected);
  });

  it('is safe to run twice: the second run changes nothing', async () => {
    const { posts, fixed } = mixedPosts();
    await db.mongo.collection('posts').insertMany(posts.map((p) => ({ ...p })));

    await ex.migrateAuthors(db.mongo);
    const second = await ex.migrateAuthors(db.mongo);

    const expected = { second: 0, posts: [...fixed].sort(byId), objectsLeft: 0 };
    expect({ second, posts: await stored(), objectsLeft: await ex.countAuthorObjects(db.mongo) }).toEqual(expected);
  });

  it('fixes object authors written after a first run, without touching the rest', async () => {
    const first = mixedPosts();
    await db.mongo.collection('posts').insertMany(first.posts.map((p) => ({ ...p })));
    await ex.migrateAuthors(db.mongo);
    const later = mixedPosts();
    await db.mongo.collection('posts').insertMany(later.posts.map((p) => ({ ...p })));

    const changed = await ex.migrateAuthors(db.mongo);

    const expected = { changed: later.objects, posts: [...first.fixed, ...later.fixed].sort(byId) };
    expect({ changed, posts: await stored() }).toEqual(expected);
  });
});

describe('Schema versions: upgrade on read', () => {
  // Likely mistakes, each caught below:
  // - upgrading in memory only: the stored post stays version 1, and every read pays again;
  // - replaceOne with the whole upgraded post: an edit another request made meanwhile is lost;
  // - no schemaVersion in the write's filter: a concurrent upgrade (with its own tags) is overwritten;
  // - a post without schemaVersion treated as current: the oldest posts are never upgraded;
  // - tags split on ',' without trimming: ' schema' with a space.

  /** A version 1 post: tags as one string with stray spaces, schemaVersion 1 or missing. */
  function v1(withVersion: boolean): { doc: Document; tags: string[] } {
    const tags = rnd.sample(['mongodb', 'schema', 'zod', 'sql', 'redis', 'design'], rnd.int(1, 4));
    const doc: Document = { _id: new ObjectId(), title: `${rnd.word()} ${rnd.word()}`, tags: tags.join(rnd.pick([', ', ' , ', ' ,'])) };
    if (withVersion) doc.schemaVersion = 1;
    return { doc, tags };
  }

  /**
   * A Db whose `posts.findOne` lets `meanwhile` run after the read and before the caller's write, like
   * another request that slips in between; and which remembers the collection methods called.
   */
  function racing(real: Db, meanwhile: () => Promise<void>): { db: Db; calls: string[] } {
    const calls: string[] = [];
    let raced = false;
    const db = new Proxy(real, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (key !== 'collection' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => {
          const coll = (value as (...a: unknown[]) => object).apply(target, args);
          return new Proxy(coll, {
            get(c, k, r) {
              const v: unknown = Reflect.get(c, k, r);
              if (typeof v !== 'function') return v;
              if (typeof k === 'string') calls.push(k);
              if (k !== 'findOne') return v.bind(c);
              return async (...a: unknown[]) => {
                const result: unknown = await (v as (...x: unknown[]) => Promise<unknown>).apply(c, a);
                if (!raced) {
                  raced = true;
                  await meanwhile();
                }
                return result;
              };
            },
          });
        };
      },
    });
    return { db, calls };
  }

  it('upgrades a post without schemaVersion to version 2, returns it and writes it back', async () => {
    const { doc, tags } = v1(false);
    await db.mongo.collection('posts').insertOne(doc);

    const expected = { _id: doc._id, title: doc.title, tags, schemaVersion: 2 };
    expect({ returned: await ex.readPost(db.mongo, doc._id), stored: await db.mongo.collection('posts').findOne({ _id: doc._id }) }).toEqual({ returned: expected, stored: expected });
  });

  it('upgrades a post marked schemaVersion 1 the same way', async () => {
    const { doc, tags } = v1(true);
    await db.mongo.collection('posts').insertOne(doc);

    const expected = { _id: doc._id, title: doc.title, tags, schemaVersion: 2 };
    expect({ returned: await ex.readPost(db.mongo, doc._id), stored: await db.mongo.collection('posts').findOne({ _id: doc._id }) }).toEqual({ returned: expected, stored: expected });
  });

  it('returns a version 2 post as it is, without writing, and null for an id nobody has', async () => {
    const post = { _id: new ObjectId(), schemaVersion: 2, title: rnd.word(), tags: [rnd.word()] };
    await db.mongo.collection('posts').insertOne({ ...post });
    const spy = racing(db.mongo, async () => undefined);

    const expected = { post, missing: null, writes: [] };
    const result = { post: await ex.readPost(spy.db, post._id), missing: await ex.readPost(spy.db, new ObjectId()) };
    expect({ ...result, writes: spy.calls.filter((c) => /update|replace|insert|delete|bulk/i.test(c)) }).toEqual(expected);
  });

  it('keeps an edit another request made between the read and the write-back', async () => {
    const { doc, tags } = v1(rnd.bool());
    await db.mongo.collection('posts').insertOne(doc);
    const title = `Edited ${rnd.word()}`;
    const posts = db.mongo.collection('posts');
    const race = racing(db.mongo, async () => void (await posts.updateOne({ _id: doc._id }, { $set: { title } })));

    await ex.readPost(race.db, doc._id);

    const expected = { _id: doc._id, title, tags, schemaVersion: 2 };
    expect(await posts.findOne({ _id: doc._id })).toEqual(expected);
  });

  it('does not overwrite a post another request upgraded meanwhile, and returns what is stored', async () => {
    const { doc } = v1(rnd.bool());
    await db.mongo.collection('posts').insertOne(doc);
    const theirs = { _id: doc._id, title: doc.title, tags: [`${rnd.word()}-${rnd.id(4)}`], schemaVersion: 2 };
    const posts = db.mongo.collection('posts');
    const race = racing(db.mongo, async () => void (await posts.replaceOne({ _id: doc._id }, theirs)));

    const returned = await ex.readPost(race.db, doc._id);

    const expected = { returned: theirs, stored: theirs };
    expect({ returned, stored: await posts.findOne({ _id: doc._id }) }).toEqual(expected);
  });
});

describe('Embed or reference: comments', () => {
  // Likely mistakes, each caught below:
  // - an unbounded $push: recentComments grows with every comment, towards the 16 MB document limit;
  // - $slice: 5 (positive) keeps the OLDEST five, not the newest;
  // - commentCount set from the array's length: it stops at five;
  // - the comment stored for a post that does not exist (or an error nobody can act on).

  async function post(): Promise<ObjectId> {
    const { insertedId } = await db.mongo.collection('posts').insertOne({ ...postInput(), commentCount: 0, recentComments: [] });
    return insertedId;
  }

  function comments(n: number): { author: string; text: string; at: Date }[] {
    const start = rnd.date().getTime();
    return Array.from({ length: n }, (_, i) => ({ author: rnd.name(), text: `${rnd.word()} ${rnd.word()}`, at: new Date(start + i * 60_000) }));
  }

  it('embeds only the newest RECENT_COMMENTS, oldest first, and counts them all', async () => {
    const id = await post();
    const all = comments(ex.RECENT_COMMENTS + rnd.int(2, 7));
    for (const c of all) await ex.addComment(db.mongo, id, c);

    const expected = { commentCount: all.length, recentComments: all.slice(-ex.RECENT_COMMENTS) };
    expect(await db.mongo.collection('posts').findOne({ _id: id }, { projection: { _id: 0, commentCount: 1, recentComments: 1 } })).toEqual(expected);
  });

  it('keeps every comment as its own document in comments, with the post id', async () => {
    const id = await post();
    const other = await post();
    const all = comments(ex.RECENT_COMMENTS + rnd.int(1, 4));
    for (const c of all) await ex.addComment(db.mongo, id, c);
    await ex.addComment(db.mongo, other, comments(1)[0]!);

    const expected = all.map((c) => ({ postId: id, ...c }));
    expect(await db.mongo.collection('comments').find({ postId: id }, { projection: { _id: 0 } }).sort({ at: 1 }).toArray()).toEqual(expected);
  });

  it('embeds every comment while there are fewer than RECENT_COMMENTS', async () => {
    const id = await post();
    const few = comments(rnd.int(1, ex.RECENT_COMMENTS - 1));
    for (const c of few) await ex.addComment(db.mongo, id, c);

    const expected = { commentCount: few.length, recentComments: few };
    expect(await db.mongo.collection('posts').findOne({ _id: id }, { projection: { _id: 0, commentCount: 1, recentComments: 1 } })).toEqual(expected);
  });

  it('refuses a comment on a post that does not exist, with PostNotFoundError, and stores nothing', async () => {
    const missing = new ObjectId();

    const error = await ex.addComment(db.mongo, missing, comments(1)[0]!).then(() => undefined, expectedError);

    const expected = { name: 'PostNotFoundError', mentionsId: true, comments: 0 };
    expect({
      name: (error as Error | undefined)?.name,
      mentionsId: String((error as Error | undefined)?.message).includes(missing.toHexString()),
      comments: await db.mongo.collection('comments').countDocuments(),
    }).toEqual(expected);
  });
});
