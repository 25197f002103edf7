/**
 * Lesson 01 — SQL vs NoSQL. One `describe` per task in lessons/01-sql-vs-nosql/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/01-sql-vs-nosql.test.ts
 * Test data is seeded (useRandom): a failing test prints the seed, NOSQL_LAB_SEED=<seed> repeats it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';
import { recordSql } from '#lab/testing/sql-recorder.ts';

type Exercise = typeof import('../solutions/01-sql-vs-nosql/exercise.ts');
type User = import('../solutions/01-sql-vs-nosql/exercise.ts').User;

const ex = await loadExercise<Exercise>('01-sql-vs-nosql');
const db = useBackends(['sql', 'mongo', 'redis']);
const rnd = useRandom();

// The tables the notebook creates, made afresh for every test that needs them.
const TABLES = `
  DROP TABLE IF EXISTS orders, users;
  CREATE TABLE users (
    id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name  text NOT NULL,
    email text UNIQUE,
    age   integer,
    phone text,
    theme text
  );
  CREATE TABLE orders (
    id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id  integer NOT NULL REFERENCES users (id),
    item     text NOT NULL,
    quantity integer NOT NULL
  );
`;

/** A user like the article's Alice: name, email and age. */
const withEmail = (): User => rnd.user();
/** A user like the article's Bob: name, phone and a theme, no email or age. */
const withPhone = (): User => ({ name: rnd.name(), phone: `+${rnd.int(1, 99)} ${rnd.int(100_000, 999_999_999)}`, preferences: { theme: rnd.theme() } });

/** Values a hand-escaper gets wrong: quotes, backslashes, a placeholder inside the value, SQL, a long string. */
const awkward = (): string[] => [
  `${rnd.name()} O'Brien`,
  `back\\slash \\' ${rnd.word()}`,
  `Robert $1 ${rnd.word()} $2`,
  `x'); DROP TABLE users; -- ${rnd.id(4)}`,
  `${rnd.word()} ${'ä'.repeat(rnd.int(5_000, 9_000))}`,
];

/** Rows inserted before the learner's, so the new id is not 1. */
async function someRowsFirst(): Promise<number> {
  const count = rnd.int(1, 4);
  for (const user of rnd.users(count)) await db.sql.query('INSERT INTO users (name, email) VALUES ($1, $2)', [user.name, user.email]);
  return count;
}

describe('Save a user as a row', () => {
  // Mistakes this catches: values pasted into the SQL text (even hand-escaped); `undefined` instead of NULL
  // for a missing field; preferences.theme not mapped to `theme`; an id that is not the new row's (a
  // hard-coded 1, a count); a column left out of the INSERT.
  beforeEach(async () => {
    await db.sql.exec(TABLES);
  });

  it('inserts a row with every field the user has and returns its id', async () => {
    await someRowsFirst();
    const user = withEmail();

    const id = await ex.saveUserRow(db.sql, user);

    const expected = [{ id, name: user.name, email: user.email, age: user.age, phone: null, theme: null }];
    const { rows } = await db.sql.query('SELECT id, name, email, age, phone, theme FROM users WHERE email = $1', [user.email]);
    expect(rows).toEqual(expected);
  });

  it('fills the columns of missing fields with NULL and maps preferences.theme to theme', async () => {
    const user = withPhone();

    const id = await ex.saveUserRow(db.sql, user);

    const expected = { id, name: user.name, email: null, age: null, phone: user.phone, theme: user.preferences?.theme };
    const { rows } = await db.sql.query('SELECT id, name, email, age, phone, theme FROM users WHERE id = $1', [id]);
    expect(rows[0]).toEqual(expected);
  });

  it('stores names a hand-escaper gets wrong exactly: quotes, backslashes, $1 inside the value, SQL, a long string', async () => {
    const names = awkward();

    const ids: number[] = [];
    for (const name of names) ids.push(await ex.saveUserRow(db.sql, { name, email: `${rnd.id(6)}@example.com` }));

    const expected = names.map((name, i) => ({ id: ids[i], name }));
    const { rows } = await db.sql.query('SELECT id, name FROM users ORDER BY id');
    expect(rows).toEqual(expected);
  });

  it('sends every value as a $n parameter, never inside the statement text', async () => {
    const recorder = recordSql(db.sql);
    const [quote = '', slash = '', dollar = ''] = awkward();
    const user: User = { name: quote, email: `${slash}@example.com`, age: rnd.int(18, 80), phone: dollar, preferences: { theme: rnd.theme() } };

    await ex.saveUserRow(recorder.sql, user);

    recorder.expectParameterised([user.name, user.email ?? '', user.phone ?? '', user.preferences?.theme ?? '']);
    expect(recorder.statements.map((s) => s.text).join('\n')).toMatch(/\$1/);
  });

  it('keeps a value with a NUL character out of the statement text too (PostgreSQL refuses to store it)', async () => {
    const recorder = recordSql(db.sql);
    const name = `${rnd.name()}\u0000${rnd.word()}`;

    // The database refuses the value; that error is expected. A TODO is not: it means nothing was sent.
    await ex.saveUserRow(recorder.sql, { name }).catch((error: unknown) => {
      if ((error as Error | undefined)?.name === 'TodoError') throw error;
    });

    const expected = { inText: false, asParameter: true };
    const actual = {
      inText: recorder.statements.some((s) => s.text.includes('\u0000')),
      asParameter: recorder.statements.some((s) => s.params.includes(name)),
    };
    expect(actual).toEqual(expected);
  });

  it('gives each saved user its own id, the id of the row it wrote', async () => {
    await someRowsFirst();
    const [first, second] = [withEmail(), withPhone()];

    const ids = [await ex.saveUserRow(db.sql, first), await ex.saveUserRow(db.sql, second)];

    const { rows } = await db.sql.query<{ id: number }>('SELECT id FROM users WHERE name = ANY($1) ORDER BY id', [[first.name, second.name]]);
    const expected = rows.map((r) => r.id);
    expect(ids).toEqual(expected);
  });
});

describe('Save a user as a document', () => {
  // Mistakes this catches: insertOne(user) without a copy (the driver adds `_id` to the caller's object);
  // nulls stored for fields the user lacks; a made-up id (`new ObjectId()`) instead of insertedId; the
  // wrong collection; flattening preferences.
  it('stores the document in users and returns the _id it was given', async () => {
    const user = withEmail();

    const id = await ex.saveUserDocument(db.mongo, user);

    const expected = { _id: id, ...user };
    expect(id).toBeInstanceOf(ObjectId);
    expect(await db.mongo.collection('users').findOne({ _id: id })).toEqual(expected);
  });

  it('keeps only the fields each user has, nested ones included, in one collection', async () => {
    const [a, b] = [withEmail(), withPhone()];

    const ids = [await ex.saveUserDocument(db.mongo, a), await ex.saveUserDocument(db.mongo, b)];

    const expected = [{ _id: ids[0], ...a }, { _id: ids[1], ...b }];
    const documents = await db.mongo.collection('users').find({ _id: { $in: ids } }).toArray();
    expect(documents.sort((x, y) => ids.findIndex((i) => i.equals(x._id)) - ids.findIndex((i) => i.equals(y._id)))).toEqual(expected);
  });

  it('stores no null for a field the user lacks', async () => {
    const id = await ex.saveUserDocument(db.mongo, withPhone());

    const expected = ['_id', 'name', 'phone', 'preferences'];
    const document = await db.mongo.collection('users').findOne({ _id: id });
    expect(Object.keys(document ?? {}).sort()).toEqual(expected);
  });

  it("leaves the caller's object as it was: no _id added to it", async () => {
    const user = withEmail();
    const before = structuredClone(user);

    await ex.saveUserDocument(db.mongo, user);

    const expected = before;
    expect(user).toStrictEqual(expected);
  });
});

describe('Save a user as a Redis hash', () => {
  // Mistakes this catches: a hard-coded key (`return 'user:7'`); another namespace (`users:7`, `user_7`);
  // the user as one JSON string (SET) instead of a hash; a key returned that is not the one written;
  // expecting numbers back as numbers.
  it('stores the fields under user:<id> and returns that key', async () => {
    const id = rnd.int(1, 99_999);
    const user = withEmail();

    const key = await ex.saveUserHash(db.redis, id, { name: user.name, email: user.email ?? '' });

    const expected = { key: `user:${id}`, fields: { name: user.name, email: user.email }, type: 'hash' };
    expect({ key, fields: await db.redis.hgetall(`user:${id}`), type: await db.redis.type(`user:${id}`) }).toEqual(expected);
  });

  it('gives numbers back as strings, because hash values are strings', async () => {
    const id = rnd.int(1, 99_999);
    const age = rnd.int(18, 80);
    const name = rnd.name();

    await ex.saveUserHash(db.redis, id, { name, age });

    const expected = { name, age: String(age) };
    expect(await db.redis.hgetall(`user:${id}`)).toEqual(expected);
  });

  it('keeps each user in its own hash with only its own fields, and writes no other key', async () => {
    const [first, second] = rnd.sample([...Array(500).keys()].map((n) => n + 1), 2) as [number, number];
    const a = withEmail();
    const b = withPhone();

    const keys = [
      await ex.saveUserHash(db.redis, first, { name: a.name, email: a.email ?? '', age: a.age ?? 0 }),
      await ex.saveUserHash(db.redis, second, { name: b.name, phone: b.phone ?? '', theme: b.preferences?.theme ?? '' }),
    ];

    const expected = {
      keys: [`user:${first}`, `user:${second}`],
      hashes: [
        { name: a.name, email: a.email, age: String(a.age) },
        { name: b.name, phone: b.phone, theme: b.preferences?.theme },
      ],
      all: [`user:${first}`, `user:${second}`].sort(),
    };
    const actual = {
      keys,
      hashes: [await db.redis.hgetall(`user:${first}`), await db.redis.hgetall(`user:${second}`)],
      all: (await db.redis.keys('*')).sort(),
    };
    expect(actual).toEqual(expected);
  });
});

describe('Add created_at: a column vs a field', () => {
  // Mistakes this catches: no IF NOT EXISTS (a second run fails); no DEFAULT (rows already there get NULL);
  // `timestamp` instead of `timestamptz`; replaceOne instead of $set (the other fields are lost); updateMany
  // or an empty filter (every document gets the field); a date other than the one given.
  beforeEach(async () => {
    await db.sql.exec(TABLES);
  });

  it('adds a created_at column of type timestamptz to users', async () => {
    await ex.addCreatedAtColumn(db.sql);

    const expected = [{ column_name: 'created_at', data_type: 'timestamp with time zone' }];
    const { rows } = await db.sql.query(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'created_at'`,
    );
    expect(rows).toEqual(expected);
  });

  it('gives the rows already in the table a created_at time', async () => {
    const count = await someRowsFirst();

    await ex.addCreatedAtColumn(db.sql);

    const expected = Array.from({ length: count }, () => ({ has_time: true }));
    const { rows } = await db.sql.query('SELECT created_at IS NOT NULL AS has_time FROM users ORDER BY id');
    expect(rows).toEqual(expected);
  });

  it('can run twice, leaving one created_at column', async () => {
    await ex.addCreatedAtColumn(db.sql);
    await ex.addCreatedAtColumn(db.sql);

    const expected = [{ column_name: 'created_at' }];
    const { rows } = await db.sql.query(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'created_at'`,
    );
    expect(rows).toEqual(expected);
  });

  it('writes the given created_at into one document and leaves its other fields as they were', async () => {
    const users = db.mongo.collection('users');
    const user = withEmail();
    const { insertedId } = await users.insertOne({ ...user });
    const at = rnd.date();

    await ex.setCreatedAt(db.mongo, user.email ?? '', at);

    const expected = { _id: insertedId, ...user, created_at: at };
    expect(await users.findOne({ _id: insertedId })).toEqual(expected);
  });

  it('leaves the other documents without the field', async () => {
    const users = db.mongo.collection('users');
    const others = rnd.users(rnd.int(1, 3));
    const { insertedIds } = await users.insertMany(others.map((u) => ({ ...u })));
    const target = withEmail();
    await users.insertOne({ ...target });

    await ex.setCreatedAt(db.mongo, target.email ?? '', rnd.date());

    const expected = { untouched: others.map((u, i) => ({ _id: insertedIds[i], ...u })), withField: 1 };
    const actual = {
      untouched: await users.find({ _id: { $in: Object.values(insertedIds) } }).sort({ _id: 1 }).toArray(),
      withField: await users.countDocuments({ created_at: { $exists: true } }),
    };
    expect(actual).toEqual(expected);
  });
});

describe('Read orders: a join vs an embedded array', () => {
  // Mistakes this catches: no WHERE on the email (everyone's orders); no ORDER BY (rows come in storage
  // order); extra columns (`SELECT *`); the email pasted into the text; undefined instead of [] for a user
  // who does not exist; the whole document instead of its orders.
  beforeEach(async () => {
    await db.sql.exec(TABLES);
  });

  interface Person {
    readonly email: string;
    readonly orders: Array<{ id: number; item: string; quantity: number }>;
  }

  /**
   * Three users (one email with a quote) with interleaved orders under shuffled ids, so only a JOIN with the
   * right filter returns the right ones, and only ORDER BY returns them in order of id.
   */
  async function seedRows(): Promise<Person[]> {
    const people = rnd.users(3).map((u, i) => ({ ...u, email: i === 2 ? `o'${u.email}` : u.email }));
    const owners = [0, 1, 0, 2, 0, 1, 2];
    // Random ids, but each user's orders go in with falling ids: storage order is never id order.
    const shuffled = rnd.shuffle(Array.from({ length: owners.length }, (_, i) => i + 1));
    const ids = [...shuffled];
    for (const owner of [0, 1, 2]) {
      const slots = owners.flatMap((o, n) => (o === owner ? [n] : []));
      const falling = slots.map((n) => shuffled[n] ?? 0).sort((a, b) => b - a);
      slots.forEach((n, k) => (ids[n] = falling[k] ?? 0));
    }
    const result: Person[] = people.map((p) => ({ email: p.email, orders: [] }));
    for (const p of people) await db.sql.query('INSERT INTO users (name, email) VALUES ($1, $2)', [p.name, p.email]);
    const { rows } = await db.sql.query<{ id: number; email: string }>('SELECT id, email FROM users');
    for (const [n, owner] of owners.entries()) {
      const order = { id: ids[n] ?? n + 1, item: rnd.item(), quantity: rnd.int(1, 9) };
      const userId = rows.find((r) => r.email === people[owner]?.email)?.id;
      await db.sql.query('INSERT INTO orders (id, user_id, item, quantity) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4)', [order.id, userId, order.item, order.quantity]);
      result[owner]?.orders.push(order);
    }
    return result;
  }

  const inIdOrder = (p: Person | undefined): Array<{ item: string; quantity: number }> =>
    [...(p?.orders ?? [])].sort((a, b) => a.id - b.id).map(({ item, quantity }) => ({ item, quantity }));

  it('returns the orders of one user, joined by user_id and in order of id', async () => {
    const people = await seedRows();

    const expected = inIdOrder(people[0]);
    expect(await ex.findOrdersJoined(db.sql, people[0]?.email ?? '')).toEqual(expected);
  });

  it('finds the orders of a user whose email has a quote in it, sending the email as $1', async () => {
    const people = await seedRows();
    const recorder = recordSql(db.sql);

    const orders = await ex.findOrdersJoined(recorder.sql, people[2]?.email ?? '');

    const expected = inIdOrder(people[2]);
    expect(orders).toEqual(expected);
    recorder.expectParameterised([people[2]?.email ?? '']);
  });

  it('returns an empty list for an email nobody has', async () => {
    const people = await seedRows();

    const expected = { nobody: [], second: inIdOrder(people[1]) };
    const actual = {
      nobody: await ex.findOrdersJoined(db.sql, `nobody.${rnd.id(6)}@example.com`),
      second: await ex.findOrdersJoined(db.sql, people[1]?.email ?? ''),
    };
    expect(actual).toEqual(expected);
  });

  it('returns the orders embedded in the user document', async () => {
    const [a, b] = rnd.users(2);
    const orders = (n: number): Array<{ item: string; quantity: number }> => Array.from({ length: n }, () => ({ item: rnd.item(), quantity: rnd.int(1, 9) }));
    const bobs = orders(rnd.int(1, 4));
    await db.mongo.collection('users').insertMany([
      { ...a, orders: orders(rnd.int(1, 4)) },
      { ...b, orders: bobs },
    ]);

    const expected = bobs;
    expect(await ex.findOrdersEmbedded(db.mongo, b?.email ?? '')).toEqual(expected);
  });

  it('returns an empty list when no document has that email', async () => {
    const user = withEmail();
    const order = { item: rnd.item(), quantity: rnd.int(1, 9) };
    await db.mongo.collection('users').insertOne({ ...user, orders: [order] });

    const expected = { nobody: [], user: [order] };
    const actual = {
      nobody: await ex.findOrdersEmbedded(db.mongo, `nobody.${rnd.id(6)}@example.com`),
      user: await ex.findOrdersEmbedded(db.mongo, user.email ?? ''),
    };
    expect(actual).toEqual(expected);
  });
});
