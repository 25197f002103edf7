import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 2,
  slug: 'documents',
  title: 'Documents',
  summary: 'CRUD with the official driver: ObjectId, nested documents and dot notation, update operators, upserts.',
  databases: ['mongo'],
  objectives: [
    'Insert, find, update, replace and delete documents with the official driver, and say what each returns.',
    'Say what an insertMany does with the rest of a batch after a duplicate _id, ordered and unordered.',
    "Read an ObjectId's 12 bytes (timestamp, random, counter), and turn a string from a URL into an ObjectId safely.",
    'Change one nested field with dot notation (`preferences.theme`) without replacing its siblings.',
    'Pick the update operator that does the job in one atomic step: $set, $unset, $inc, $push with $each/$slice, $addToSet, $pull, $rename.',
    'Create-or-update in one round-trip with an upsert, and keep a field that must be written once with $setOnInsert.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Create a user and return its id',
      points: 2,
      hints: [
        'Which collection method stores one document, and what does it resolve to?',
        'The driver writes the new `_id` into the object you pass it. Whose object is that? Pass a copy: `{ ...user }`.',
        'An id that travels in a URL or a JSON reply is a string. Which ObjectId method gives the 24-character hex form?',
        "Almost there: `const { insertedId } = await db.collection<User>('users').insertOne({ ...user }); return insertedId.toHexString();`",
      ],
    },
    {
      title: 'Find a user by a string id',
      points: 2,
      hints: [
        'Try `findOne({ _id: id })` with the string: why does it find nothing, even for an id you just got back?',
        'An ObjectId and its hex string are different BSON types, and a filter matches type and value. Turn the string into an ObjectId first.',
        "`new ObjectId('not-an-id')` throws. Which static method of ObjectId says whether a string can be one, without throwing?",
        "Almost there: `if (!ObjectId.isValid(id)) return null; return db.collection<User>('users').findOne({ _id: new ObjectId(id) });`",
      ],
    },
    {
      title: 'Import users past a duplicate',
      points: 2,
      hints: [
        'What does insertMany do with the documents after the first one whose `_id` is taken? Look up its `ordered` option.',
        'With `{ ordered: false }` the server tries every document and reports all the failures at the end, as one MongoBulkWriteError.',
        'The error still knows how many went in (`insertedCount`) and which failed (`writeErrors`, each with a `code`; 11000 is a duplicate key).',
        'Almost there: `try { const r = await users.insertMany(copies, { ordered: false }); return { inserted: r.insertedCount, duplicates: 0 }; } catch (e) { if (!(e instanceof MongoBulkWriteError)) throw e; … }`',
      ],
    },
    {
      title: 'Change one preference with dot notation',
      points: 2,
      hints: [
        'What is left of `preferences.language` after `$set: { preferences: { theme } }`? Try it in the notebook.',
        'Dot notation reaches inside a nested document: `preferences.theme` names just that one field.',
        'The field name is built from `name`, so the key of the $set object is computed: `{ [\'preferences.\' + name]: value }`.',
        "Almost there: `await db.collection<User>('users').updateOne({ _id: id }, { $set: { ['preferences.' + name]: value } });`",
      ],
    },
    {
      title: 'Record a login, keeping the last N',
      points: 2,
      hints: [
        'Read the count, add one, write it back: what happens when two logins of the same user do that at the same time?',
        '$inc adds on the server, in the same step that finds the document, so concurrent calls cannot lose an update.',
        '$push with `$each: [at]` and `$slice` trims the array in the same update. A negative $slice keeps the last elements, a positive one the first.',
        "Almost there: `await db.collection<User>('users').updateOne({ _id: id }, { $inc: { loginCount: 1 }, $push: { recentLogins: { $each: [at], $slice: -keep } } });`",
      ],
    },
    {
      title: 'Upsert a profile by email',
      points: 2,
      hints: [
        'Find-then-insert takes two round-trips and races. Which option makes updateOne insert a document when its filter matches none?',
        'On an upsert, the fields of an equality filter (`email`) go into the new document too; $set writes on every call.',
        'Some fields must be written only when the document is created. Which operator writes only on insert?',
        "Almost there: `const result = await db.collection<User>('users').updateOne({ email }, { $set: { name, updatedAt: now }, $setOnInsert: { createdAt: now } }, { upsert: true }); return { created: result.upsertedCount === 1 };`",
      ],
    },
  ],
});
