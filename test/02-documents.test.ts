/**
 * Lesson 02 — Documents. One `describe` per task in lessons/02-documents/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/02-documents.test.ts
 */
import { describe, expect, it } from 'vitest';
import { ObjectId } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/02-documents/exercise.ts');
type User = import('../solutions/02-documents/exercise.ts').User;
type ImportedUser = import('../solutions/02-documents/exercise.ts').ImportedUser;

const ex = await loadExercise<Exercise>('02-documents');
const db = useBackends(['mongo']);
const rnd = useRandom();

const users = () => db.mongo.collection<User>('users');
const PREFERENCE_NAMES = ['theme', 'language', 'timezone', 'fontSize', 'currency'] as const;

/** A random user with a nested preferences document of two or three fields. */
function randomUser(): User {
  const { name, email, age } = rnd.user();
  const names = rnd.sample(PREFERENCE_NAMES, rnd.int(2, 3));
  const preferences = Object.fromEntries(names.map((n) => [n, n === 'theme' ? rnd.theme() : rnd.word()]));
  return { name, email, age, preferences };
}

/** Inserts users straight through the driver (not through the learner's code) and returns their ids. */
async function seedUsers(count: number): Promise<{ ids: ObjectId[]; docs: User[] }> {
  const docs = Array.from({ length: count }, () => ({ ...randomUser(), _id: new ObjectId() }));
  await users().insertMany(docs.map((d) => ({ ...d })));
  return { ids: docs.map((d) => d._id), docs };
}

describe('Create a user and return its id', () => {
  // Mistakes caught: returning the ObjectId instead of its string; passing the caller's object, which
  // the driver then gives an `_id`; storing into another collection; dropping the nested preferences.

  it('returns a 24-character hex string that is the _id of the stored document', async () => {
    const user = randomUser();

    const id = await ex.createUser(db.mongo, user);

    expect(typeof id).toBe('string');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const expected = { _id: new ObjectId(id), ...user };
    expect(await users().findOne({ _id: new ObjectId(id) })).toEqual(expected);
  });

  it('leaves the object it was given without an _id', async () => {
    const user = randomUser();
    const expected = structuredClone(user);

    await ex.createUser(db.mongo, user);

    expect(user).toEqual(expected);
    expect('_id' in user).toBe(false);
  });

  it('gives each user its own id, all in the users collection', async () => {
    const given = Array.from({ length: rnd.int(3, 6) }, randomUser);

    const ids: string[] = [];
    for (const user of given) ids.push(await ex.createUser(db.mongo, user));

    const expected = given.map((user, i) => ({ _id: new ObjectId(ids[i]), ...user }));
    expect(new Set(ids).size).toBe(given.length);
    expect(await users().find().sort({ _id: 1 }).toArray()).toEqual(expected);
  });
});

describe('Find a user by a string id', () => {
  // Mistakes caught: filtering with the string itself (a string never equals an ObjectId); `new ObjectId(id)`
  // on any input (it throws on 'nonsense'); returning some user when the id matches none.

  it('returns the user whose _id is the ObjectId written as the string', async () => {
    const { ids, docs } = await seedUsers(rnd.int(4, 8));
    const i = rnd.int(0, ids.length - 1);

    const expected = docs[i];
    expect(await ex.findUserById(db.mongo, ids[i]!.toHexString())).toEqual(expected);
  });

  it('returns null for a well-formed id that no user has', async () => {
    await seedUsers(rnd.int(2, 4));

    const expected = null;
    expect(await ex.findUserById(db.mongo, new ObjectId().toHexString())).toEqual(expected);
  });

  it('returns null, without throwing, for strings that cannot be an ObjectId', async () => {
    await seedUsers(2);
    const bad = ['', 'nonsense', rnd.id(23), `${rnd.id(12)}zzzzzzzzzzzz`, rnd.id(12), 'user_1', `${'0'.repeat(24)} `];

    const expected = bad.map(() => null);
    const actual: unknown[] = [];
    for (const id of bad) actual.push(await ex.findUserById(db.mongo, id));
    expect(actual).toEqual(expected);
  });
});

describe('Import users past a duplicate', () => {
  // Mistakes caught: the default ordered insertMany, which stops at the first duplicate and drops the rest;
  // letting the MongoBulkWriteError escape; counting the whole batch as failed; overwriting the user
  // that already had the id.

  /** `count` users with the article's string ids: user_1, user_2, … */
  function batch(count: number, from = 1): ImportedUser[] {
    return Array.from({ length: count }, (_, i) => {
      const { name, email } = rnd.user();
      return rnd.bool() ? { _id: `user_${from + i}`, name, email } : { _id: `user_${from + i}`, name, phone: `+1${rnd.int(2000000000, 9999999999)}` };
    });
  }

  it('inserts every user when no id is taken, each with only its own fields', async () => {
    const given = batch(rnd.int(3, 7));

    const expected = { inserted: given.length, duplicates: 0 };
    expect(await ex.importUsers(db.mongo, given)).toEqual(expected);
    const stored = await db.mongo.collection<ImportedUser>('users').find().toArray();
    expect(stored.sort((a, b) => a._id.localeCompare(b._id, 'en', { numeric: true }))).toEqual(given);
  });

  it('skips an id that is already taken and inserts the users after it', async () => {
    const given = batch(rnd.int(5, 9));
    const taken = rnd.int(0, given.length - 2);
    const existing = { _id: given[taken]!._id, name: 'Already here', email: rnd.email() };
    await db.mongo.collection<ImportedUser>('users').insertOne(existing);

    const expected = { inserted: given.length - 1, duplicates: 1 };
    expect(await ex.importUsers(db.mongo, given)).toEqual(expected);
    const stored = await db.mongo.collection<ImportedUser>('users').find().toArray();
    const expectedDocs = given.map((u, i) => (i === taken ? existing : u));
    expect(stored.sort((a, b) => a._id.localeCompare(b._id, 'en', { numeric: true }))).toEqual(expectedDocs);
  });

  it('keeps the first of two users with the same id in one batch and counts the second', async () => {
    const given = batch(rnd.int(4, 7));
    const first = rnd.int(0, 1);
    const copy = { ...given[first]!, name: `${given[first]!.name} (copy)` };
    const withCopy = [...given.slice(0, first + 1), copy, ...given.slice(first + 1)];

    const expected = { inserted: given.length, duplicates: 1 };
    expect(await ex.importUsers(db.mongo, withCopy)).toEqual(expected);
    const stored = await db.mongo.collection<ImportedUser>('users').find().toArray();
    expect(stored.sort((a, b) => a._id.localeCompare(b._id, 'en', { numeric: true }))).toEqual(given);
  });
});

describe('Change one preference with dot notation', () => {
  // Mistakes caught: `$set: { preferences: { [name]: value } }`, which replaces the other preferences;
  // replaceOne, which drops every other field; a filter that changes other users too; a hard-coded
  // `theme`; writing the field at the top level instead of inside preferences.

  it('changes preferences.<name> and keeps the other preferences and fields', async () => {
    const { ids, docs } = await seedUsers(1);
    const user = docs[0]!;
    const name = rnd.pick(Object.keys(user.preferences ?? {}));
    const value = `${rnd.word()}-${rnd.id(4)}`;

    await ex.setPreference(db.mongo, ids[0]!, name, value);

    const expected = { ...user, preferences: { ...user.preferences, [name]: value } };
    expect(await users().findOne({ _id: ids[0]! })).toEqual(expected);
  });

  it('adds a preference to a user who has no preferences yet', async () => {
    // The article's user_1: Alice has an email and an age, and no preferences at all.
    const { name, email, age } = rnd.user();
    const { insertedId } = await users().insertOne({ name, email, age });
    const preference = rnd.pick(PREFERENCE_NAMES.filter((n) => n !== 'theme')); // so a hard-coded theme fails
    const value = rnd.word();

    await ex.setPreference(db.mongo, insertedId, preference, value);

    const expected = { _id: insertedId, name, email, age, preferences: { [preference]: value } };
    expect(await users().findOne({ _id: insertedId })).toEqual(expected);
  });

  it('leaves every other user as it was', async () => {
    const { ids, docs } = await seedUsers(rnd.int(3, 6));
    const target = rnd.int(0, ids.length - 1);
    const name = rnd.pick(PREFERENCE_NAMES);

    await ex.setPreference(db.mongo, ids[target]!, name, `${rnd.word()}-${rnd.id(4)}`);

    const expected = docs.filter((_, i) => i !== target);
    expect(await users().find({ _id: { $ne: ids[target]! } }).sort({ _id: 1 }).toArray()).toEqual(expected);
  });
});

describe('Record a login, keeping the last N', () => {
  // Mistakes caught: read-count-then-$set (concurrent logins lose updates); a positive $slice (keeps the
  // oldest); $slice off by one (keep - 1 or keep + 1); no $slice (the array grows without bound);
  // `$set: { recentLogins: [at] }` (keeps only one).

  /** `count` login times, one minute apart, from a random start. */
  function loginTimes(count: number): Date[] {
    const start = rnd.date().getTime();
    return Array.from({ length: count }, (_, i) => new Date(start + i * 60_000));
  }

  it('counts the first login and records its time', async () => {
    const { ids, docs } = await seedUsers(1);
    const [at] = loginTimes(1);

    await ex.recordLogin(db.mongo, ids[0]!, at!, rnd.int(3, 6));

    const expected = { ...docs[0], loginCount: 1, recentLogins: [at] };
    expect(await users().findOne({ _id: ids[0]! })).toEqual(expected);
  });

  it('keeps exactly the last `keep` times, oldest first, after more logins than that', async () => {
    const { ids } = await seedUsers(1);
    const keep = rnd.int(3, 6);
    const times = loginTimes(keep + rnd.int(2, 5));

    for (const at of times) await ex.recordLogin(db.mongo, ids[0]!, at, keep);

    const expected = { loginCount: times.length, recentLogins: times.slice(-keep) };
    expect(await users().findOne({ _id: ids[0]! }, { projection: { _id: 0, loginCount: 1, recentLogins: 1 } })).toEqual(expected);
  });

  it('keeps all of them after exactly `keep` logins', async () => {
    const { ids } = await seedUsers(1);
    const keep = rnd.int(3, 6);
    const times = loginTimes(keep);

    for (const at of times) await ex.recordLogin(db.mongo, ids[0]!, at, keep);

    const expected = { loginCount: keep, recentLogins: times };
    expect(await users().findOne({ _id: ids[0]! }, { projection: { _id: 0, loginCount: 1, recentLogins: 1 } })).toEqual(expected);
  });

  it('counts every one of many logins that arrive at the same time', async () => {
    const { ids } = await seedUsers(1);
    const keep = rnd.int(3, 6);
    const times = loginTimes(rnd.int(20, 40));

    await Promise.all(times.map((at) => ex.recordLogin(db.mongo, ids[0]!, at, keep)));

    const stored = await users().findOne({ _id: ids[0]! });
    const expected = { loginCount: times.length, kept: keep };
    expect({ loginCount: stored?.loginCount, kept: stored?.recentLogins?.length }).toEqual(expected);
  });
});

describe('Upsert a profile by email', () => {
  // Mistakes caught: no `upsert: true` (nothing is created); createdAt in $set (rewritten on every call);
  // name in $setOnInsert (never updated); replaceOne with upsert (drops the user's other fields);
  // `created` read from the wrong counter (modifiedCount is 0 for a retry that changes nothing, too).

  it('creates the user when no document has the email', async () => {
    const { name, email } = rnd.user();
    const now = rnd.date();

    const result = await ex.upsertProfile(db.mongo, email, name, now);

    expect(result).toEqual({ created: true });
    const expected = { email, name, createdAt: now, updatedAt: now };
    expect(await users().findOne({ email }, { projection: { _id: 0 } })).toEqual(expected);
  });

  it('updates name and updatedAt of the user there is, keeping createdAt and every other field', async () => {
    const { ids, docs } = await seedUsers(rnd.int(2, 4));
    const i = rnd.int(0, ids.length - 1);
    const createdAt = rnd.date(new Date('2024-01-01T00:00:00Z'), new Date('2024-12-31T00:00:00Z'));
    await users().updateOne({ _id: ids[i]! }, { $set: { createdAt } });
    const newName = rnd.name();
    const now = rnd.date(new Date('2025-01-01T00:00:00Z'));

    const result = await ex.upsertProfile(db.mongo, docs[i]!.email!, newName, now);

    expect(result).toEqual({ created: false });
    const expected = { ...docs[i], name: newName, createdAt, updatedAt: now };
    expect(await users().findOne({ _id: ids[i]! })).toEqual(expected);
    expect(await users().countDocuments()).toBe(ids.length);
  });

  it('keeps the first createdAt when called twice, with one document in the end', async () => {
    const { name, email } = rnd.user();
    const first = rnd.date(new Date('2024-01-01T00:00:00Z'), new Date('2024-12-31T00:00:00Z'));
    const second = rnd.date(new Date('2025-01-01T00:00:00Z'));
    const renamed = rnd.name();

    const results = [await ex.upsertProfile(db.mongo, email, name, first), await ex.upsertProfile(db.mongo, email, renamed, second)];

    expect(results).toEqual([{ created: true }, { created: false }]);
    const expected = [{ email, name: renamed, createdAt: first, updatedAt: second }];
    expect(await users().find({}, { projection: { _id: 0 } }).toArray()).toEqual(expected);
  });

  it('says it created nothing when a retry sends the same name and time again', async () => {
    const { name, email } = rnd.user();
    const now = rnd.date();

    const results = [await ex.upsertProfile(db.mongo, email, name, now), await ex.upsertProfile(db.mongo, email, name, now)];

    const expected = [{ created: true }, { created: false }];
    expect(results).toEqual(expected);
    expect(await users().countDocuments({ email })).toBe(1);
  });
});
