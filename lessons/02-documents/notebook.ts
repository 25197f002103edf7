/**
 * Lesson 02 — Documents, the walkthrough. `npm run lesson 2` runs it cell by cell, then checks
 * exercise.ts. Safe to run again: each cell clears what it creates before it writes.
 */
import { MongoBulkWriteError, ObjectId, type UpdateFilter } from 'mongodb';

/** Every field this walkthrough writes; each document has only some of them. */
interface User {
  _id?: ObjectId;
  name?: string;
  email?: string;
  age?: number;
  years?: number;
  phone?: string;
  preferences?: Record<string, string>;
  tags?: string[];
  recentLogins?: Date[];
  viaSet?: number;
  viaInc?: number;
  createdAt?: Date;
  updatedAt?: Date;
  needsEmail?: boolean;
}
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('Two users, one collection', `
  The article's user_1 and user_2 share the \`users\` collection with different
  fields: Alice has an email and an age, Bob a phone and a nested \`preferences\`
  document. \`insertOne\` returns the new \`_id\`, and the driver also writes it
  into the very object you passed in.
`);
const { mongo } = await backends();
// #region insert-one
const users = mongo.collection<User>('users');
await users.deleteMany({});
const user1: User = { name: 'Alice', email: 'alice@example.com', age: 28 };
const user2: User = {
  name: 'Bob', phone: '+1234567890',
  preferences: { theme: 'dark', language: 'en' },
};
const { insertedId } = await users.insertOne(user1);
await users.insertOne({ ...user2 });
show({ insertedId, 'user1._id': user1._id, 'user2._id': user2._id });
show(await users.find().toArray());
// #endregion insert-one
note(`
  user1 now has an \`_id\`: the driver added it. user2 was passed as a copy
  (\`{ ...user2 }\`), so it stayed as it was.
`);

cell('What an ObjectId holds', `
  An ObjectId is 12 bytes: a 4-byte timestamp (seconds since 1970), a 5-byte
  random value chosen once per process, and a 3-byte counter that starts at a
  random number. Ids made in a row share the middle and count up at the end,
  and every id knows when it was made.
`);
// #region object-id
const ids = [new ObjectId(), new ObjectId(), new ObjectId()];
show(ids.map((id) => {
  const hex = id.toHexString();
  return {
    timestamp: hex.slice(0, 8),
    random: hex.slice(8, 18),
    counter: hex.slice(18),
    'getTimestamp()': id.getTimestamp().toISOString(),
  };
}));
// #endregion object-id
note(`
  The timestamp comes first, so sorting by \`_id\` is roughly sorting by
  creation time, to the second.
`);

cell('A string is not an ObjectId', `
  A URL or a JSON body carries an id as 24 hex characters. A filter matches the
  type as well as the value, so the string finds nothing: make it an ObjectId
  first. \`new ObjectId(text)\` throws on anything that is not an id, so ask
  \`ObjectId.isValid(text)\` before.
`);
// #region string-id
const fromUrl = insertedId.toHexString();
const asString = await users.findOne({ _id: fromUrl as never });
const asObjectId = await users.findOne({ _id: new ObjectId(fromUrl) });
show([
  { filter: '{ _id: fromUrl }', found: asString?.name ?? null },
  { filter: '{ _id: new ObjectId(fromUrl) }', found: asObjectId?.name },
]);
const texts = [fromUrl, 'nonsense', fromUrl.slice(1), `zz${fromUrl.slice(2)}`];
show(texts.map((text) => ({ text, isValid: ObjectId.isValid(text) })));
// #endregion string-id

cell('insertMany: ordered stops at the first duplicate', `
  An old system's users keep their own string ids. By default \`insertMany\` is
  ordered: it stops at the first document whose \`_id\` is taken and skips the
  rest of the batch. With \`ordered: false\` it tries every document and
  reports all the failures at the end, in one MongoBulkWriteError.
`);
// #region insert-many
const legacy = mongo.collection<{ _id: string; name: string }>('legacy');
const batch = [
  { _id: 'user_3', name: 'Chidi' },
  { _id: 'user_1', name: 'Alice again' },
  { _id: 'user_4', name: 'Dagny' },
];
const outcomes = [];
for (const ordered of [true, false]) {
  await legacy.deleteMany({});
  await legacy.insertOne({ _id: 'user_1', name: 'Alice' });
  try {
    await legacy.insertMany(batch.map((d) => ({ ...d })), { ordered });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const stored = await legacy.find().sort({ _id: 1 }).toArray();
    outcomes.push({
      ordered, code: error.code, insertedCount: error.insertedCount,
      'ids stored': stored.map((d) => d._id).join(', '),
    });
  }
}
show(outcomes);
// #endregion insert-many
note(`
  11000 is the duplicate-key error: every collection has a unique index on
  \`_id\`. Unordered, user_4 went in although user_1 failed before it.
`);

cell('Dot notation reaches into a nested document', `
  \`preferences.theme\` names one field inside Bob's \`preferences\`, in a filter
  as in an update. The projection picks the fields to bring back.
`);
// #region dot-notation
const dark = { 'preferences.theme': 'dark' };
const projection = { _id: 0, name: 1, preferences: 1 };
show(await users.findOne(dark, { projection }));
// #endregion dot-notation

cell('$set on the parent replaces all of it', `
  \`$set: { preferences: { theme: 'light' } }\` writes a whole new
  \`preferences\` document, so Bob's language is gone.
  \`$set: { 'preferences.theme': 'light' }\` changes the theme and nothing else.
`);
// #region set-nested
const bob = { name: 'Bob' };
const reset = { $set: { preferences: { theme: 'dark', language: 'en' } } };
await users.updateOne(bob, { $set: { preferences: { theme: 'light' } } });
const whole = (await users.findOne(bob))?.preferences;
await users.updateOne(bob, reset);
await users.updateOne(bob, { $set: { 'preferences.theme': 'light' } });
const dotted = (await users.findOne(bob))?.preferences;
show([
  { $set: "{ preferences: { theme: 'light' } }", after: JSON.stringify(whole) },
  { $set: "{ 'preferences.theme': 'light' }", after: JSON.stringify(dotted) },
]);
// #endregion set-nested

cell('replaceOne keeps only the _id', `
  \`replaceOne\` swaps the whole document for the one you give it: every field
  you leave out is gone. Use it when you mean "this is the document now"; to
  change some fields, use $set.
`);
// #region replace-one
await users.replaceOne(bob, { name: 'Bob', phone: '+1234567890' });
show(await users.findOne(bob));
await users.updateOne(bob, reset);
// #endregion replace-one

cell('Update operators: one change each, on the server', `
  Each operator names one kind of change, and the server applies it to the
  document it finds in one atomic step. The table shows Alice after each.
`);
// #region operators
const alice = { email: 'alice@example.com' };
const updates: UpdateFilter<User>[] = [
  { $inc: { age: 1 } },
  { $addToSet: { tags: 'beta' } },
  { $addToSet: { tags: 'beta' } },
  { $push: { tags: 'admin' } },
  { $pull: { tags: 'beta' } },
  { $rename: { age: 'years' } },
  { $unset: { years: '' } },
];
await users.updateOne(alice, { $set: { age: 28 }, $unset: { tags: '' } });
const fields = { _id: 0, age: 1, years: 1, tags: 1 };
const steps = [];
for (const update of updates) {
  await users.updateOne(alice, update);
  const after = await users.findOne(alice, { projection: fields });
  steps.push({ update: JSON.stringify(update), after: JSON.stringify(after) });
}
show(steps);
// #endregion operators
note(`
  $addToSet added \`beta\` once: the second call changed nothing. $unset
  removes the field whatever value you give it ('' is the custom).
`);

cell('$push with $each and $slice: keep the last N', `
  An array that only grows will one day be too big (a document is at most
  16 MB). $push with \`$each\` and a negative \`$slice\` appends, then keeps the
  last N, in the same update. A positive $slice would keep the first N.
`);
// #region push-slice
await users.updateOne(alice, { $unset: { recentLogins: '' } });
const kept = [];
for (let day = 1; day <= 5; day++) {
  const at = new Date(Date.UTC(2026, 0, day, 9));
  const lastThree = { recentLogins: { $each: [at], $slice: -3 } };
  await users.updateOne(alice, { $push: lastThree });
  const logins = (await users.findOne(alice))?.recentLogins ?? [];
  const days = logins.map((d) => d.toISOString().slice(5, 10));
  kept.push({ pushed: at.toISOString().slice(0, 10), kept: days.join(' ') });
}
show(kept);
// #endregion push-slice

cell('$inc vs read-modify-write, 50 requests at once', `
  Read the count, add one in your code, write it back: requests that read at
  the same time all write the same number, and their logins are lost. $inc
  adds on the server, inside the update, so none is lost.
`);
// #region inc-race
await users.updateOne(alice, { $set: { viaSet: 0, viaInc: 0 } });
const fifty = Array.from({ length: 50 }, (_, i) => i);
await Promise.all(fifty.map(async () => {
  const seen = (await users.findOne(alice))?.viaSet ?? 0;
  await users.updateOne(alice, { $set: { viaSet: seen + 1 } });
}));
const inc = { $inc: { viaInc: 1 } };
await Promise.all(fifty.map(() => users.updateOne(alice, inc)));
const { viaSet, viaInc } = (await users.findOne(alice)) ?? {};
show({ viaSet, viaInc }, 'after 50 concurrent increments of each:');
// #endregion inc-race

cell('Upsert: create or update in one call', `
  With \`upsert: true\`, updateOne inserts when its filter matches nothing, and
  the filter's equality fields go into the new document. \`$setOnInsert\`
  writes only on that insert, so \`createdAt\` survives every later call; $set
  writes every time.
`);
// #region upsert
const farah = { email: 'farah@example.com' };
const calls = [];
const visits = [['Farah', '2026-01-01'], ['Farah Haddad', '2026-02-01']];
for (const [name, day] of visits) {
  const now = new Date(`${day}T12:00:00Z`);
  const result = await users.updateOne(
    farah,
    { $set: { name, updatedAt: now }, $setOnInsert: { createdAt: now } },
    { upsert: true },
  );
  const doc = await users.findOne(farah);
  calls.push({
    matched: result.matchedCount, upserted: result.upsertedCount,
    name: doc?.name,
    createdAt: doc?.createdAt?.toISOString().slice(0, 10),
    updatedAt: doc?.updatedAt?.toISOString().slice(0, 10),
  });
}
show(calls);
// #endregion upsert

cell('updateMany and the deletes', `
  \`updateMany\` and \`deleteMany\` act on every match, \`updateOne\` and
  \`deleteOne\` on the first. Each reply says how many documents it touched:
  read the count instead of assuming it.
`);
// #region many
const noEmail = { email: { $exists: false } };
const marked = await users.updateMany(noEmail, { $set: { needsEmail: true } });
const one = await users.deleteOne({ needsEmail: true });
const rest = await users.deleteMany({});
await legacy.deleteMany({});
show([
  { call: 'updateMany(noEmail, $set)', count: marked.modifiedCount },
  { call: 'deleteOne({ needsEmail: true })', count: one.deletedCount },
  { call: 'deleteMany({})', count: rest.deletedCount },
]);
// #endregion many

cell('Your turn', `
  Open \`lessons/02-documents/exercise.ts\`. Six tasks: create a user and return
  its id as a string; find a user by a string id; import a batch past a
  duplicate; change one preference with dot notation; record a login keeping
  the last N; upsert a profile by email. \`npm run lesson 2\` checks them;
  \`npm run lesson 2 -- --hint\` helps when you are stuck.
`);
