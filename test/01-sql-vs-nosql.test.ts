/**
 * Lesson 01 — SQL vs NoSQL. One `describe` per task in lessons/01-sql-vs-nosql/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/01-sql-vs-nosql.test.ts
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';

type Exercise = typeof import('../solutions/01-sql-vs-nosql/exercise.ts');
type User = import('../solutions/01-sql-vs-nosql/exercise.ts').User;

const ex = await loadExercise<Exercise>('01-sql-vs-nosql');
const db = useBackends(['sql', 'mongo', 'redis']);

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

// The article's two users, plus one whose name and email carry a quote.
const alice: User = { name: 'Alice', email: 'alice@example.com', age: 28 };
const bob: User = { name: 'Bob', phone: '+1234567890', preferences: { theme: 'dark' } };
const sean: User = { name: "Seán O'Brien", email: "sean.o'brien@example.com", age: 41 };

describe('Save a user as a row', () => {
  beforeEach(async () => {
    await db.sql.exec(TABLES);
  });

  it('inserts a row with every field the user has and returns its id', async () => {
    const id = await ex.saveUserRow(db.sql, alice);

    const expected = [{ id, name: 'Alice', email: 'alice@example.com', age: 28, phone: null, theme: null }];
    const { rows } = await db.sql.query('SELECT id, name, email, age, phone, theme FROM users');
    expect(rows).toEqual(expected);
  });

  it('fills the columns of missing fields with NULL and maps preferences.theme to theme', async () => {
    const id = await ex.saveUserRow(db.sql, bob);

    const expected = { id, name: 'Bob', email: null, age: null, phone: '+1234567890', theme: 'dark' };
    const { rows } = await db.sql.query('SELECT id, name, email, age, phone, theme FROM users WHERE id = $1', [id]);
    expect(rows[0]).toEqual(expected);
  });

  it("stores a name with a quote in it (O'Brien) exactly, because values travel as $1 parameters", async () => {
    const id = await ex.saveUserRow(db.sql, sean);

    const expected = { name: "Seán O'Brien", email: "sean.o'brien@example.com" };
    const { rows } = await db.sql.query('SELECT name, email FROM users WHERE id = $1', [id]);
    expect(rows[0]).toEqual(expected);
  });

  it('gives each saved user its own id', async () => {
    const first = await ex.saveUserRow(db.sql, alice);
    const second = await ex.saveUserRow(db.sql, bob);

    const expected = [
      { id: first, name: 'Alice' },
      { id: second, name: 'Bob' },
    ];
    const { rows } = await db.sql.query('SELECT id, name FROM users ORDER BY id');
    expect(rows).toEqual(expected);
    expect(second).not.toBe(first);
  });
});

describe('Save a user as a document', () => {
  it('stores the document in users and returns the _id it was given', async () => {
    const id = await ex.saveUserDocument(db.mongo, alice);

    const expected = { _id: id, name: 'Alice', email: 'alice@example.com', age: 28 };
    expect(id).toBeInstanceOf(ObjectId);
    expect(await db.mongo.collection('users').findOne({ _id: id })).toEqual(expected);
  });

  it('keeps only the fields each user has, nested ones included, in one collection', async () => {
    const aliceId = await ex.saveUserDocument(db.mongo, alice);
    const bobId = await ex.saveUserDocument(db.mongo, bob);

    const expected = [
      { _id: aliceId, name: 'Alice', email: 'alice@example.com', age: 28 },
      { _id: bobId, name: 'Bob', phone: '+1234567890', preferences: { theme: 'dark' } },
    ];
    const documents = await db.mongo.collection('users').find().sort({ name: 1 }).toArray();
    expect(documents).toEqual(expected);
  });

  it('stores no null for a field the user lacks', async () => {
    const id = await ex.saveUserDocument(db.mongo, bob);

    const expected = ['_id', 'name', 'phone', 'preferences'];
    const document = await db.mongo.collection('users').findOne({ _id: id });
    expect(Object.keys(document ?? {}).sort()).toEqual(expected);
  });
});

describe('Save a user as a Redis hash', () => {
  it('stores the fields under user:<id> and returns that key', async () => {
    const key = await ex.saveUserHash(db.redis, 7, { name: 'Alice', email: 'alice@example.com' });

    const expected = { name: 'Alice', email: 'alice@example.com' };
    expect(key).toBe('user:7');
    expect(await db.redis.hgetall('user:7')).toEqual(expected);
  });

  it('gives numbers back as strings, because hash values are strings', async () => {
    await ex.saveUserHash(db.redis, 42, { name: 'Alice', age: 28 });

    const expected = { name: 'Alice', age: '28' };
    expect(await db.redis.hgetall('user:42')).toEqual(expected);
  });

  it('keeps each user in its own hash with only its own fields', async () => {
    await ex.saveUserHash(db.redis, 1, { name: 'Alice', email: 'alice@example.com', age: 28 });
    await ex.saveUserHash(db.redis, 2, { name: 'Bob', phone: '+1234567890', theme: 'dark' });

    const expected = {
      'user:1': { name: 'Alice', email: 'alice@example.com', age: '28' },
      'user:2': { name: 'Bob', phone: '+1234567890', theme: 'dark' },
    };
    const actual = {
      'user:1': await db.redis.hgetall('user:1'),
      'user:2': await db.redis.hgetall('user:2'),
    };
    expect(actual).toEqual(expected);
  });
});

describe('Add created_at: a column vs a field', () => {
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
    await db.sql.query('INSERT INTO users (name, email) VALUES ($1, $2), ($3, $4)', ['Alice', 'alice@example.com', 'Bob', null]);

    await ex.addCreatedAtColumn(db.sql);

    const expected = [
      { name: 'Alice', has_time: true },
      { name: 'Bob', has_time: true },
    ];
    const { rows } = await db.sql.query('SELECT name, created_at IS NOT NULL AS has_time FROM users ORDER BY id');
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

  it('writes created_at into one document and leaves its other fields as they were', async () => {
    const users = db.mongo.collection('users');
    const { insertedId } = await users.insertOne({ ...alice });
    const at = new Date('2026-01-15T09:30:00Z');

    await ex.setCreatedAt(db.mongo, 'alice@example.com', at);

    const expected = { _id: insertedId, name: 'Alice', email: 'alice@example.com', age: 28, created_at: at };
    expect(await users.findOne({ _id: insertedId })).toEqual(expected);
  });

  it('leaves the other documents without the field', async () => {
    const users = db.mongo.collection('users');
    const { insertedId: bobId } = await users.insertOne({ ...bob, email: 'bob@example.com' });
    await users.insertOne({ ...alice });

    await ex.setCreatedAt(db.mongo, 'alice@example.com', new Date('2026-02-01T00:00:00Z'));

    const expected = { _id: bobId, name: 'Bob', email: 'bob@example.com', phone: '+1234567890', preferences: { theme: 'dark' } };
    expect(await users.findOne({ _id: bobId })).toEqual(expected);
    expect(await users.countDocuments({ created_at: { $exists: true } })).toBe(1);
  });
});

describe('Read orders: a join vs an embedded array', () => {
  beforeEach(async () => {
    await db.sql.exec(TABLES);
  });

  /**
   * Alice (1), Bob (2) and Seán (3) with interleaved orders, so only a JOIN with the right filter returns the
   * right ones; stored out of id order, so only ORDER BY returns them in order of id.
   */
  async function seedRows(): Promise<void> {
    await db.sql.exec(`
      INSERT INTO users (name, email) VALUES
        ('Alice', 'alice@example.com'), ('Bob', 'bob@example.com'), ('Seán O''Brien', 'sean.o''brien@example.com');
      INSERT INTO orders (id, user_id, item, quantity) OVERRIDING SYSTEM VALUE VALUES
        (5, 1, 'cable', 5), (2, 2, 'monitor', 2), (3, 1, 'mouse', 3), (1, 1, 'keyboard', 1), (4, 3, 'desk', 1);
    `);
  }

  it('returns the orders of one user, joined by user_id and in order of id', async () => {
    await seedRows();

    const expected = [
      { item: 'keyboard', quantity: 1 },
      { item: 'mouse', quantity: 3 },
      { item: 'cable', quantity: 5 },
    ];
    expect(await ex.findOrdersJoined(db.sql, 'alice@example.com')).toEqual(expected);
  });

  it('finds the orders of a user whose email has a quote in it', async () => {
    await seedRows();

    const expected = [{ item: 'desk', quantity: 1 }];
    expect(await ex.findOrdersJoined(db.sql, "sean.o'brien@example.com")).toEqual(expected);
  });

  it('returns an empty list for an email nobody has', async () => {
    await seedRows();

    const expected = { nobody: [], bob: [{ item: 'monitor', quantity: 2 }] };
    const actual = {
      nobody: await ex.findOrdersJoined(db.sql, 'nobody@example.com'),
      bob: await ex.findOrdersJoined(db.sql, 'bob@example.com'),
    };
    expect(actual).toEqual(expected);
  });

  it('returns the orders embedded in the user document', async () => {
    await db.mongo.collection('users').insertMany([
      { name: 'Alice', email: 'alice@example.com', orders: [{ item: 'keyboard', quantity: 1 }, { item: 'mouse', quantity: 3 }] },
      { name: 'Bob', email: 'bob@example.com', orders: [{ item: 'monitor', quantity: 2 }] },
    ]);

    const expected = [{ item: 'monitor', quantity: 2 }];
    expect(await ex.findOrdersEmbedded(db.mongo, 'bob@example.com')).toEqual(expected);
  });

  it('returns an empty list when no document has that email', async () => {
    await db.mongo.collection('users').insertOne({ name: 'Alice', email: 'alice@example.com', orders: [{ item: 'keyboard', quantity: 1 }] });

    const expected = { nobody: [], alice: [{ item: 'keyboard', quantity: 1 }] };
    const actual = {
      nobody: await ex.findOrdersEmbedded(db.mongo, 'nobody@example.com'),
      alice: await ex.findOrdersEmbedded(db.mongo, 'alice@example.com'),
    };
    expect(actual).toEqual(expected);
  });
});
