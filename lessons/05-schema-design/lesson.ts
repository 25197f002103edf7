import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 5,
  slug: 'schema-design',
  title: 'Schema design',
  summary: 'The article\'s "semi-schema": rules in code with zod and in MongoDB with $jsonSchema, a migration for the field that is sometimes an object, versions upgraded on read, and embed vs reference.',
  databases: ['mongo'],
  objectives: [
    'Write the rules of a document twice: in code with zod (rejecting unknown keys), and in the database with $jsonSchema.',
    'Choose validationLevel and validationAction, and turn error 121\'s errInfo into a message a person can act on.',
    'Find the field that "should be a string but sometimes contains an object" with $type, and fix it with a migration that is safe to run twice.',
    'Evolve a schema with a schemaVersion field: upgrade old documents when they are read, without overwriting concurrent changes.',
    'Choose embed or reference per access pattern: a bounded array of recent comments in the post, every comment in its own collection.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Validate in code with zod',
      points: 2,
      hints: [
        'Which zod function builds an object schema, and what does it do with a key it does not know? The task says reject, not drop.',
        '`z.object` strips unknown keys silently; `z.strictObject` (zod 4) reports them as an issue. meta is an object too: it needs its own strictObject.',
        '`schema.parse` throws at the first problem; `schema.safeParse(input)` returns `{ success, data }` or `{ success: false, error }` with every issue in `error.issues`, each with a `path` array and a `message`.',
        'Almost there: `z.strictObject({ title: z.string().min(1).max(200), author: z.string().min(1), body: z.string(), status: z.enum([\'draft\', \'published\']), tags: z.array(z.string().min(1)).max(10), meta: z.strictObject({ lang: z.string().length(2), readingMinutes: z.number().int().min(1) }) })`; then `const result = postInputSchema().safeParse(input);` and, when it fails, `return { ok: false, problems: result.error.issues.map((i) => ({ path: i.path.join(\'.\'), message: i.message })) };`',
      ],
    },
    {
      title: 'Validate in the database with $jsonSchema',
      points: 2,
      hints: [
        'A validator is a query document the server checks on every insert and update: `{ $jsonSchema: { … } }`. MongoDB speaks JSON Schema draft 4 with `bsonType` (string, int, long, object, array …); it has no `$ref`, no `format` and no "integer" type.',
        '`required` lists the fields of ONE level. Does `meta: { bsonType: \'object\' }` say anything about meta.lang? Give meta its own `required` and `properties`.',
        'The second run finds `posts` already there: `createCollection` fails with 48 NamespaceExists. `db.listCollections({ name: \'posts\' })` says whether it exists; `db.command({ collMod: \'posts\', validator, validationLevel, validationAction })` changes the rules of one that does.',
        'Almost there: `const rules = { validator: postValidator(), validationLevel: \'strict\', validationAction: \'error\' } as const;` (`as const` keeps \'strict\' and \'error\' the literal types the driver wants), then `await db.createCollection(\'posts\', rules)` or `await db.command({ collMod: \'posts\', ...rules })`.',
      ],
    },
    {
      title: 'Explain a rejected write',
      points: 2,
      hints: [
        'Catch the error of a refused insert and print `error.errInfo`. Where are the broken rules? Which `operatorName` values do you see, and which of them contain more details?',
        '`errInfo.details.schemaRulesNotSatisfied` is a list; an entry with operatorName `properties` has `propertiesNotSatisfied: [{ propertyName, details }]`, and those details can nest again. A recursive walk that carries the path so far fits.',
        '`required` names the missing fields in `missingProperties` (one rule per field: `meta.lang`); `items` has `itemIndex` and its own details (`tags.2`). Anything else is a leaf: its operatorName is the rule.',
        'Almost there: first `if (!(error instanceof MongoServerError) || error.code !== 121) throw error;`, then walk, then sort by field and rule.',
      ],
    },
    {
      title: 'Fix the field that is sometimes an object',
      points: 2,
      hints: [
        'Which query operator matches a field by its BSON type? Count the posts whose author is an `object`.',
        'To set author to a value computed from the document itself (`$author.name`), the update must be a pipeline: `updateMany(filter, [{ $set: { … } }])`. Without the brackets, "$author.name" is stored as text.',
        'Run it twice in your head: on the second run, what is `$author.name` of a string author? The filter must pick only the posts that still need fixing.',
        'Almost there: `const { modifiedCount } = await db.collection(\'posts\').updateMany({ author: { $type: \'object\' } }, [{ $set: { author: \'$author.name\' } }]); return modifiedCount;`',
      ],
    },
    {
      title: 'Schema versions: upgrade on read',
      points: 2,
      hints: [
        'A post without schemaVersion is version 1, just like one marked 1. What must change to make it version 2, and where must that change end up besides the value you return?',
        'Split the tags text on commas, trim each, drop the empty ones. Then write back ONLY what changed (`$set: { tags, schemaVersion: 2 }`): replaceOne would put back fields another request changed after your read.',
        'Another request may upgrade the same post between your read and your write. Put the version you read in the filter: `schemaVersion: { $ne: 2 }` matches 1 and a missing field, so your write does nothing if someone made it version 2 meanwhile.',
        'Almost there: `const posts = db.collection<PostV1 | PostV2>(\'posts\'); const post = await posts.findOne({ _id: id });` if it is null or version 2, return it; else `await posts.updateOne({ _id: id, schemaVersion: { $ne: 2 } }, { $set: { tags, schemaVersion: 2 } });` and return what is stored now: `(await posts.findOne({ _id: id })) as PostV2 | null`.',
      ],
    },
    {
      title: 'Embed or reference: comments',
      points: 2,
      hints: [
        'The post page shows the newest few comments; the comment history grows without end. Which belongs inside the post (one read), and which in its own collection (no size limit)?',
        'A document may not pass 16 MB. `$push` alone grows the array forever; `$push: { recentComments: { $each: [comment], $slice: -RECENT_COMMENTS } }` keeps the newest N. What does a positive $slice keep?',
        'Count with `$inc: { commentCount: 1 }` in the same update. `matchedCount === 0` means there is no such post: throw PostNotFoundError before storing the comment.',
        'Almost there: `db.collection<CommentedPost>(\'posts\').updateOne({ _id: postId }, { $push: …, $inc: … })` (the type lets the driver check $push), check matchedCount, then `db.collection(\'comments\').insertOne({ postId, ...comment })`.',
      ],
    },
  ],
});
