import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 1,
  slug: 'sql-vs-nosql',
  title: 'SQL vs NoSQL',
  summary: 'The same users as PostgreSQL rows, MongoDB documents and Redis hashes: fields, schema changes, joins and embedding.',
  databases: ['sql', 'mongo', 'redis'],
  objectives: [
    'Store the same user as a PostgreSQL row, a MongoDB document and a Redis hash, and say where each keeps a missing field.',
    'Write SQL with $1, $2 placeholders, never by pasting values into the text.',
    'Name Redis keys by namespace (`user:1`) and expect every hash value back as a string.',
    'Add a field both ways: ALTER TABLE for every row at once, $set for one document at a time.',
    'Read related data both ways: a JOIN across two tables, or one document with the data embedded.',
    "Read the article's comparison table as claims to check, not facts: lesson 12 measures them.",
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Save a user as a row',
      points: 2,
      hints: [
        'Which SQL statement adds a row, and which columns does `users` have? The notebook cell "PostgreSQL: a table first, then rows" creates it.',
        'What happens to the SQL text if you paste in the name `Seán O\'Brien`? Write `$1`, `$2`, … in the text and pass the values as the second argument of `sql.query`.',
        'A field the user lacks must become NULL, not `undefined`: pass `user.email ?? null`, and `user.preferences?.theme ?? null` for the `theme` column.',
        'Almost there: `const { rows } = await sql.query<{ id: number }>(\'INSERT INTO users (name, email, age, phone, theme) VALUES ($1, $2, $3, $4, $5) RETURNING id\', [user.name, user.email ?? null, user.age ?? null, user.phone ?? null, user.preferences?.theme ?? null]);` then `return rows[0]!.id;` (RETURNING gives exactly one row; the `!` tells TypeScript so).',
      ],
    },
    {
      title: 'Save a user as a document',
      points: 2,
      hints: [
        'Which collection method stores one document? The collection is `db.collection(\'users\')`.',
        'Does a document need a key for every field, as a row needs a column? Store only the fields the user has: no nulls to fill in.',
        'Which id did the database give the document? `insertOne` resolves to `{ insertedId }`.',
        'Almost there: `const { insertedId } = await db.collection<User>(\'users\').insertOne({ ...user }); return insertedId;` (the copy matters: the driver adds `_id` to the object it is given).',
      ],
    },
    {
      title: 'Save a user as a Redis hash',
      points: 2,
      hints: [
        'Which Redis command sets several fields of one hash at once?',
        'Every key in Redis shares one flat keyspace. What key name tells a reader "this is user 7" and keeps it apart from order 7? The check expects `user:<id>`.',
        'ioredis takes an object for the fields: `redis.hset(key, fields)`. Read it back with `HGETALL`: which type does `age` come back as?',
        'Almost there: build the key with a template literal (user:${id}), then `await redis.hset(key, fields)` and return the key.',
      ],
    },
    {
      title: 'Add created_at: a column vs a field',
      points: 2,
      hints: [
        'In SQL the table changes and every row gets the column; in MongoDB you write the field into the documents that need it. Which statement does the first, and which update operator the second?',
        'The check runs your ALTER TABLE twice and expects rows that already exist to get a time. Look up `ADD COLUMN IF NOT EXISTS` and `DEFAULT now()`.',
        'For MongoDB, `updateOne` with a filter on `email` and `$set`: what would `replaceOne` do to the fields you did not mention?',
        'Almost there: `ALTER TABLE users ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now()`, and `db.collection(\'users\').updateOne({ email }, { $set: { created_at: at } })`.',
      ],
    },
    {
      title: 'Read orders: a join vs an embedded array',
      points: 2,
      hints: [
        'In PostgreSQL the orders are rows of their own table with a `user_id`; in MongoDB they sit inside the user\'s document. Which SQL clause combines rows of two tables?',
        'JOIN `orders` to `users` on `orders.user_id = users.id`, keep the rows whose `users.email = $1`, and ORDER BY `orders.id` so the order is stable.',
        'In MongoDB one `findOne({ email })` brings the user and the orders together. What should you return when no user has that email?',
        'Almost there: `SELECT o.item, o.quantity FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email = $1 ORDER BY o.id`; and `(await db.collection<UserWithOrders>(\'users\').findOne({ email }))?.orders ?? []`.',
      ],
    },
  ],
});
