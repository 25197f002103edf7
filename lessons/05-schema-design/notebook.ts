/**
 * Lesson 05 — Schema design, the walkthrough. `npm run lesson 5` runs it cell by cell, then checks
 * exercise.ts. Safe to run again: each cell drops the collections it creates before it writes.
 */
import { BSON, MongoServerError, ObjectId, type Document } from 'mongodb';
import { z } from 'zod';
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('A field that is sometimes an object', `
  The article warns: "A field that should be a string but sometimes contains an
  object will cause bugs." Here is that bug. Four posts; one was saved by a
  client that sent the whole author object instead of the name. Ask for Ada's
  posts by name and one of them is missing, with no error.
`);
const { mongo } = await backends();
// #region the-bug
const posts = mongo.collection('posts');
await posts.drop().catch(() => undefined);
await posts.insertMany([
  { title: 'Why documents', author: 'Ada Abara', tags: ['mongodb'] },
  { title: 'Joins, twice', author: 'Ben Bianchi', tags: ['sql', 'mongodb'] },
  { title: 'Schemas that rot', author: { name: 'Ada Abara', id: 'u-1' }, tags: ['schema'] },
  { title: 'Untitled draft' },
]);
show(await posts.find({}, { projection: { _id: 0 } }).toArray());
show(await posts.find({ author: 'Ada Abara' }, { projection: { _id: 0, title: 1 } }).toArray(), "find({ author: 'Ada Abara' })");
// #endregion the-bug

cell('$type finds the odd ones out', `
  \`$type\` matches a field by its BSON type, and the aggregation operator of the
  same name reports it. Grouping by the type of \`author\` shows the whole problem
  at once: mostly strings, one object, and one post with no author at all
  ("missing").
`);
// #region find-type
show(await posts.aggregate([
  { $group: { _id: { $type: '$author' }, posts: { $sum: 1 } } },
  { $sort: { _id: 1 } },
  { $project: { _id: 0, 'type of author': '$_id', posts: 1 } },
]).toArray());
show(await posts.countDocuments({ author: { $type: 'object' } }), "countDocuments({ author: { $type: 'object' } })");
// #endregion find-type

cell('Rules in code: a zod schema', `
  The article's "semi-schema" keeps the rules in code, where the app checks
  every input before it reaches the database (Python teams use Pydantic; in
  TypeScript, zod). \`safeParse\` returns every problem with the path of its
  field, instead of throwing at the first.
`);
// #region zod
const post = z.strictObject({
  title: z.string().min(1),
  author: z.string().min(1),
  meta: z.strictObject({ lang: z.string().length(2), readingMinutes: z.number().int().min(1) }),
});
const good = post.safeParse({ title: 'Hello', author: 'Ada Abara', meta: { lang: 'en', readingMinutes: 3 } });
show(good, 'a good post');
const bad = post.safeParse({ title: '', author: { name: 'Ada Abara' }, meta: { readingMinutes: 2.5 } });
show(bad.error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message })), 'a bad one');
// #endregion zod

cell('Unknown keys: dropped or refused', `
  \`z.object\` silently DROPS keys it does not know: the caller never learns that
  \`isAdmin\` was ignored. \`z.strictObject\` refuses them. Dropping is right for
  lenient reading; refusing is right when an unexpected key means a client bug
  (or someone trying something).
`);
// #region strict
const input = { title: 'Hi', author: 'Ada Abara', isAdmin: true };
const loose = z.object({ title: z.string(), author: z.string() }).safeParse(input);
const strict = z.strictObject({ title: z.string(), author: z.string() }).safeParse(input);
show([
  { schema: 'z.object', success: loose.success, result: JSON.stringify(loose.data) },
  { schema: 'z.strictObject', success: strict.success, result: strict.error?.issues[0]?.message },
]);
// #endregion strict

cell('Rules in the database: $jsonSchema', `
  Code can be bypassed: an old service, a script, mongosh. A validator makes the
  server check every insert and update. MongoDB speaks JSON Schema draft 4 with
  \`bsonType\` for BSON types (no \`$ref\`, no \`format\`, no "integer" type). A
  nested object needs its own \`required\`.
`);
// #region validator
const strictPosts = mongo.collection('strict_posts');
await strictPosts.drop().catch(() => undefined);
await mongo.createCollection('strict_posts', {
  validator: {
    $jsonSchema: {
      bsonType: 'object',
      required: ['title', 'author', 'meta'],
      properties: {
        title: { bsonType: 'string' },
        author: { bsonType: 'string', description: 'the name, never an object' },
        meta: {
          bsonType: 'object',
          required: ['lang'],
          properties: { lang: { bsonType: 'string' }, readingMinutes: { bsonType: 'int', minimum: 1 } },
        },
      },
    },
  },
  validationLevel: 'strict',
  validationAction: 'error',
});
const rejected = await strictPosts
  .insertOne({ title: 'Schemas that rot', author: { name: 'Ada Abara' }, meta: { readingMinutes: 0 } })
  .then(() => undefined, (error: unknown) => error);
show(rejected instanceof MongoServerError ? `${rejected.code} ${rejected.codeName}: ${rejected.message}` : rejected);
// #endregion validator

cell('Reading error 121', `
  "Document failed validation" alone helps nobody. The reason is in \`errInfo\`:
  the rules not satisfied, each with its \`operatorName\`, and nested rules inside
  \`propertiesNotSatisfied\`. One level of it, by hand; the exercise walks all of
  it into a sentence a person can act on.
`);
// #region errinfo
const details = (rejected as MongoServerError).errInfo?.details as Document;
show(details.schemaRulesNotSatisfied.map((r: Document) => ({ operatorName: r.operatorName, reason: r.reason })), 'schemaRulesNotSatisfied');
const properties = details.schemaRulesNotSatisfied[0].propertiesNotSatisfied as Document[];
show(properties.map((p) => ({
  propertyName: p.propertyName,
  operators: p.details.map((d: Document) => d.operatorName).join(', '),
})), 'propertiesNotSatisfied');
show(properties[1]?.details, 'meta, in full');
// #endregion errinfo

cell('validationLevel and validationAction', `
  A validator added to a collection with old data must decide about the old
  documents. \`validationLevel: 'moderate'\` checks inserts and updates of
  documents that are valid, and lets an update of an already-invalid one
  through; \`'strict'\` checks them all. \`validationAction: 'warn'\` stores an
  invalid document and only logs it.
`);
// #region levels
await strictPosts.insertOne({ title: 'Old post', author: { name: 'Ben Bianchi' }, meta: { lang: 'en' } }, { bypassDocumentValidation: true });
const tryUpdate = () => strictPosts.updateOne({ title: 'Old post' }, { $set: { 'meta.readingMinutes': 4 } })
  .then(() => 'updated', (error: MongoServerError) => `refused (${error.code})`);
const levels = [];
for (const validationLevel of ['strict', 'moderate']) {
  await mongo.command({ collMod: 'strict_posts', validationLevel });
  levels.push({ validationLevel, 'update an already-invalid post': await tryUpdate() });
}
await mongo.command({ collMod: 'strict_posts', validationLevel: 'strict', validationAction: 'warn' });
const warned = await strictPosts.insertOne({ title: 7 } as Document).then(() => 'stored (and logged)', () => 'refused');
levels.push({ validationLevel: 'strict + warn', 'insert an invalid post': warned });
show(levels);
await mongo.command({ collMod: 'strict_posts', validationAction: 'error' });
// #endregion levels

cell('A migration that is safe to run twice', `
  The fix for the object authors: set author to its own \`name\`, only where
  author is an object. The update is a pipeline (note the \`[ ]\`), so
  \`'$author.name'\` is read from the document. Run it twice: the second run finds
  nothing to do. That is what "idempotent" buys you.
`);
// #region migrate
const runs = [];
for (const run of [1, 2]) {
  const { matchedCount, modifiedCount } = await posts.updateMany(
    { author: { $type: 'object' } },
    [{ $set: { author: '$author.name' } }],
  );
  runs.push({ run, matchedCount, modifiedCount });
}
show(runs);
show(await posts.find({ author: 'Ada Abara' }, { projection: { _id: 0, title: 1 } }).toArray(), "find({ author: 'Ada Abara' })");
// #endregion migrate

cell('The same migration, unsafe', `
  Drop the \`$type\` filter and the first run already does damage: for a string
  author, \`'$author.name'\` is missing, so author is removed. Without the
  brackets, a classic \`$set\` stores the text "$author.name". Both are easy to
  write and run fine once, on the wrong data.
`);
// #region unsafe
const copy = mongo.collection('posts_copy');
await copy.drop().catch(() => undefined);
await copy.insertMany([{ author: 'Ada Abara' }, { author: { name: 'Ben Bianchi' } }]);
await copy.updateMany({}, [{ $set: { author: '$author.name' } }]);
show(await copy.find({}, { projection: { _id: 0 } }).toArray(), 'no filter');
await copy.updateMany({ author: { $exists: false } }, { $set: { author: '$author.name' } });
show(await copy.find({}, { projection: { _id: 0 } }).toArray(), 'no brackets');
// #endregion unsafe

cell('Schema versions, upgraded when read', `
  Some changes need more than a one-off fix: version 1 stored tags as one
  string, version 2 as an array. Rather than rewrite millions of posts at once,
  mark each with \`schemaVersion\` and upgrade a post when it is read. The
  write-back filters on the version it read, so if another request upgraded it
  first, this write matches nothing and changes nothing.
`);
// #region versions
const versioned = mongo.collection('versioned_posts');
await versioned.drop().catch(() => undefined);
const id = new ObjectId();
await versioned.insertOne({ _id: id, title: 'Old post', tags: 'mongodb, schema' });
const old = await versioned.findOne({ _id: id });
const tags = String(old?.tags).split(',').map((t) => t.trim()).filter(Boolean);
const writes = [];
for (const attempt of ['first reader', 'second reader, same old copy']) {
  const { modifiedCount } = await versioned.updateOne(
    { _id: id, schemaVersion: { $ne: 2 } },
    { $set: { tags, schemaVersion: 2 } },
  );
  writes.push({ attempt, modifiedCount });
}
show(writes);
show(await versioned.findOne({ _id: id }));
// #endregion versions

cell('Embed or reference: the 16 MB limit', `
  One document may not pass 16 MB (16,777,216 bytes). Comments embedded in a
  post look free until a popular post has thousands. \`BSON.calculateObjectSize\`
  says what a comment costs; an unbounded \`$push\` of 1 MiB strings shows where
  it ends: error 17419.
`);
// #region limit
const comment = { author: 'Ada Abara', text: 'Great post, thanks! '.repeat(5), at: new Date() };
const size = BSON.calculateObjectSize(comment);
show({ 'bytes per comment': size, 'comments that fit in 16 MB': Math.floor(16_777_216 / size) });
const grows = mongo.collection<{ _id: number; chunks: string[] }>('grows');
await grows.drop().catch(() => undefined);
await grows.insertOne({ _id: 1, chunks: [] });
let pushes = 0;
const limit = await (async () => {
  for (;;) {
    try {
      await grows.updateOne({ _id: 1 }, { $push: { chunks: 'x'.repeat(1024 * 1024) } });
      pushes += 1;
    } catch (error) {
      return (error as MongoServerError).message;
    }
  }
})();
show({ 'successful pushes of 1 MiB': pushes, 'then': limit });
await grows.drop();
// #endregion limit

cell('Bounded: $push with $slice', `
  The post page shows the newest comments, so keep those in the post, bounded:
  \`$each\` with \`$slice: -5\` pushes and then keeps the last five. Every comment
  also goes into a \`comments\` collection of its own, where the history can grow
  without limit and be paged.
`);
// #region bounded
type Recent = { n: number; text: string };
const blog = mongo.collection<{ title: string; commentCount: number; recentComments: Recent[] }>('blog');
await blog.drop().catch(() => undefined);
const { insertedId: postId } = await blog.insertOne({ title: 'Popular post', commentCount: 0, recentComments: [] });
for (let n = 1; n <= 8; n++) {
  await blog.updateOne({ _id: postId }, {
    $push: { recentComments: { $each: [{ n, text: `comment ${n}` }], $slice: -5 } },
    $inc: { commentCount: 1 },
  });
}
show(await blog.findOne({ _id: postId }, { projection: { _id: 0 } }));
// #endregion bounded

cell('Choose per access pattern', `
  Embed what is read together with its parent and stays bounded; reference what
  grows without limit, is shared, or is read on its own. The same data can be
  both, as the comments are here.
`);
show([
  { data: 'newest 5 comments', read: 'with the post, every view', grows: 'no (bounded)', choice: 'embed' },
  { data: 'all comments', read: 'paged, on demand', grows: 'without limit', choice: 'reference' },
  { data: 'author name', read: 'with the post', grows: 'no', choice: 'embed (copy)' },
  { data: 'author profile', read: 'on its own, shared', grows: 'changes often', choice: 'reference' },
]);
note(`
  A copied author name goes stale when the name changes: that is the price of
  embedding.
`);

cell('Your turn', `
  Open \`lessons/05-schema-design/exercise.ts\`. Six tasks: a zod schema that
  refuses unknown keys, the same rules as a $jsonSchema validator, error 121
  read into broken rules, the author migration (safe twice), a lazy upgrade that
  keeps concurrent edits, and bounded comments. \`npm run lesson 5\` checks them;
  \`npm run lesson 5 -- --hint\` helps when you are stuck.
`);
