/**
 * Lesson 01 — SQL vs NoSQL, the walkthrough. `npm run lesson 1` runs it cell by cell, then checks
 * exercise.ts; `npx tsx lessons/01-sql-vs-nosql/notebook.ts` runs it alone. Safe to run again:
 * each cell clears what it creates before it writes.
 */
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('Three databases, one pair of users', `
  SQL keeps data in tables whose columns are fixed up front; MongoDB keeps documents that each
  carry their own fields; Redis keeps values under keys, in memory. To see what that means, this
  lesson stores the same two users in all three: Alice, who has an email and an age, and Bob,
  who has a phone and a theme preference instead.
`);
const { mongo, redis, sql } = await backends();
const alice = { name: 'Alice', email: 'alice@example.com', age: 28 };
const bob = {
  name: 'Bob',
  phone: '+1234567890',
  preferences: { theme: 'dark' },
};
show({ alice, bob });

cell('PostgreSQL: a table first, then rows', `
  A table is declared before any row goes in: every column has a name and a type. Each row has
  every column, so whatever a user lacks is stored as NULL. Values travel as \`$1\`, \`$2\`
  parameters, never pasted into the SQL text.
`);
// #region sql-rows
await sql.exec(`
  DROP TABLE IF EXISTS orders, users;
  CREATE TABLE users (
    id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name  text NOT NULL,
    email text UNIQUE,
    age   integer,
    phone text,
    theme text
  )`);
const insertAlice =
  'INSERT INTO users (name, email, age) VALUES ($1, $2, $3)';
await sql.query(insertAlice, [alice.name, alice.email, alice.age]);
const insertBob =
  'INSERT INTO users (name, phone, theme) VALUES ($1, $2, $3)';
await sql.query(insertBob, [bob.name, bob.phone, bob.preferences.theme]);
show(await sql.query('SELECT * FROM users ORDER BY id'));
// #endregion sql-rows
note(`Bob's nested \`preferences.theme\` had to become a flat \`theme\` column: a row has no nesting.`);

cell('MongoDB: documents with their own fields', `
  No CREATE: a collection appears with its first document. Alice and Bob share the \`users\`
  collection with different fields, Bob's theme stays nested, and nothing is stored for a field a
  user lacks. MongoDB gives each document an \`_id\`.
`);
// #region mongo-documents
const users = mongo.collection('users');
await users.deleteMany({});
await users.insertMany([{ ...alice }, { ...bob }]);
show(await users.find().toArray());
// #endregion mongo-documents
note(`The copies (\`{ ...alice }\`) matter: the driver writes the new \`_id\` into the object it is given.`);

cell('Redis: one hash per user, under a namespaced key', `
  Redis has no tables and no collections: one keyspace holds every key, so a key's name says what
  it holds. \`user:1\` is user number 1 — the id Alice got in PostgreSQL. A hash is a flat map of
  field to string: Bob's theme is flattened, and numbers come back as text.
`);
// #region redis-hash
await redis.del('user:1', 'user:2');
await redis.hset('user:1', {
  name: alice.name, email: alice.email, age: alice.age,
});
await redis.hset('user:2', {
  name: bob.name, phone: bob.phone, theme: bob.preferences.theme,
});
show([
  { key: 'user:1', ...(await redis.hgetall('user:1')) },
  { key: 'user:2', ...(await redis.hgetall('user:2')) },
]);
show(typeof (await redis.hget('user:1', 'age')), 'type of age');
// #endregion redis-hash
note(`\`DEL\` first because \`HSET\` merges into a hash that already exists: it never removes a field.`);

cell('Where the missing fields went', `
  Ask each database for the users without an email. SQL finds a NULL in a column that every row
  has; MongoDB and Redis find no field at all.
`);
// #region missing-fields
const noEmailRows = 'SELECT name FROM users WHERE email IS NULL';
show(await sql.query(noEmailRows), 'PostgreSQL: email IS NULL');
const noEmail = { email: { $exists: false } };
const nameOnly = { projection: { _id: 0, name: 1 } };
const noEmailDocs = await users.find(noEmail, nameOnly).toArray();
show(noEmailDocs, 'MongoDB: no email field');
const bobHasEmail = await redis.hexists('user:2', 'email');
show(bobHasEmail, 'Redis: HEXISTS (1 = yes, 0 = no)');
// #endregion missing-fields

cell('A new field, the SQL way: ALTER TABLE', `
  In SQL the schema belongs to the table, so a new field is a schema change, and every row gets
  the column at once. Rows that were already there get NULL unless the column has a DEFAULT.
`);
// #region alter-table
await sql.exec('ALTER TABLE users ADD COLUMN created_at timestamptz');
show(await sql.query(
  'SELECT id, name, created_at FROM users ORDER BY id',
));
// #endregion alter-table
note(`
  ALTER TABLE locks the table while it runs. Here that is a blink; the article warns that on a
  table busy with writes it can stall them, which is why teams plan such changes as migrations.
`);

cell('A new field, the document way: just write it', `
  A collection has no schema to change. Write the field into the document that needs it; the
  others stay as they were.
`);
// #region set-field
await users.updateOne(
  { email: alice.email },
  { $set: { created_at: new Date() } },
);
show(await users.find({}, { projection: { _id: 0 } }).toArray());
// #endregion set-field
note(`
  Only Alice has \`created_at\` now, so code that reads users must cope with documents that lack
  it. Lesson 05 puts rules around that freedom.
`);

cell('Related data, the SQL way: a JOIN', `
  Normalised: orders get a table of their own, each row pointing at its user through \`user_id\`.
  Nothing is stored twice, and a JOIN puts user and orders back together when you read.
`);
// #region join
await sql.exec(`
  CREATE TABLE orders (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id  integer NOT NULL REFERENCES users (id),
    item     text NOT NULL,
    quantity integer NOT NULL
  )`);
const aliceId = 1; // her row's id, from the first INSERT in this lesson
await sql.query(
  `INSERT INTO orders (user_id, item, quantity)
   VALUES ($1, $2, $3), ($1, $4, $5)`,
  [aliceId, 'keyboard', 1, 'mouse', 2],
);
show(await sql.query(`
  SELECT u.name, o.item, o.quantity
    FROM users u JOIN orders o ON o.user_id = u.id
   WHERE u.email = $1
   ORDER BY o.id`, [alice.email]));
// #endregion join

cell('Related data, the document way: embed', `
  Embedded: the orders live inside Alice's document, so one read returns her and her orders,
  with no join.
`);
// #region embed
const orders = [
  { item: 'keyboard', quantity: 1 },
  { item: 'mouse', quantity: 2 },
];
await users.updateOne({ email: alice.email }, { $set: { orders } });
const withOrders = { projection: { _id: 0, name: 1, orders: 1 } };
show(await users.findOne({ email: alice.email }, withOrders));
// #endregion embed
note(`
  The price: an array that keeps growing, and data shared between users copied into each of them.
  When to embed and when to reference is lesson 05; \`$lookup\`, MongoDB's join, is lesson 04.
`);

cell("The article's comparison", `
  The article this course grew from sums the three up in one table. Read it as a set of claims:
  the rows about structure are what you just saw; the latency row is a number to measure.
`);
show([
  { aspect: 'data model', SQL: 'fixed-column tables',
    MongoDB: 'documents (BSON)', Redis: 'keys → values' },
  { aspect: 'schema', SQL: 'rigid, up front',
    MongoDB: 'flexible, evolves', Redis: 'none' },
  { aspect: 'transactions', SQL: 'ACID across rows',
    MongoDB: 'ACID per document', Redis: 'atomic operations' },
  { aspect: 'latency *', SQL: '5–100 ms',
    MongoDB: '10–50 ms', Redis: '0.1–1 ms' },
  { aspect: 'storage', SQL: 'disk',
    MongoDB: 'disk', Redis: 'RAM (+ disk opt.)' },
  { aspect: 'best for', SQL: 'structured, reports',
    MongoDB: 'semi-structured', Redis: 'caching, sessions' },
]);
note(`
  * The article's claim, not a measurement: lesson 12 measures reads on your machine. MongoDB has
  had multi-document ACID transactions since 4.0 (lesson 06).
`);

cell('One round-trip, on this machine', `
  A first taste of lesson 12: the median of 25 small reads on each database, on this machine, with
  the backends named at the top. An embedded or emulated database answers inside this process, so
  these numbers say little about servers; lesson 12 measures real ones properly.
`);
// #region round-trip
async function medianMs(read: () => Promise<unknown>, times = 25) {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await read();
    samples.push(performance.now() - start);
  }
  return `${samples.sort((a, b) => a - b)[times >> 1]?.toFixed(3)} ms`;
}
const reads = {
  'PostgreSQL: SELECT … WHERE id = $1': () =>
    sql.query('SELECT name FROM users WHERE id = $1', [aliceId]),
  'MongoDB: findOne({ email })': () =>
    users.findOne({ email: alice.email }),
  'Redis: HGETALL user:1': () => redis.hgetall('user:1'),
};
const timings = [];
for (const [read, run] of Object.entries(reads)) {
  timings.push({ read, median: await medianMs(run) });
}
show(timings);
// #endregion round-trip

cell('Your turn', `
  Open \`lessons/01-sql-vs-nosql/exercise.ts\`. Five tasks turn these cells into functions: save a
  user as a row, as a document and as a hash; add \`created_at\` both ways; read orders through a
  join and from an embedded array. \`npm run lesson 1\` checks them, \`npm run lesson 1 -- --hint\`
  helps when you are stuck.
`);
