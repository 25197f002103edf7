/**
 * Lesson 03 — Queries and indexes, the walkthrough. `npm run lesson 3` runs it cell by cell, then
 * checks exercise.ts. Safe to run again: the first cell drops what the lesson creates.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { MongoServerError, ObjectId, type Document } from 'mongodb';
import { backends, cell, note, show } from '#lab/notebook/index.ts';

interface User {
  _id: ObjectId;
  name: string;
  email: string;
  age: number;
  country: string;
  tags: string[];
  passwordHash?: string;
}
interface Order {
  customerId: string;
  status: 'paid' | 'shipped' | 'cancelled';
  createdAt: Date;
  total: number;
  items: Array<{ sku: string; qty: number }>;
}

cell('Users and orders to query', `
  300 users and 3,000 orders, made by a fixed rule so every run sees the
  same data. The tags are an array, the line items an array of documents.
`);
const { mongo } = await backends();
// #region data
const FIRST = ['Alice', 'Bob', 'Chidi', 'Dagny', 'Farah', 'Hana', 'Ines', 'Kofi'];
const LAST = ['Abara', 'Chen', 'Dubois', 'Haddad', 'Jensen', 'Moreau', 'Rossi'];
const TAGS = ['admin', 'beta', 'newsletter', 'vip'];
const COUNTRIES = ['BR', 'DE', 'IN', 'JP', 'SE', 'US'];
const STATUSES = ['paid', 'shipped', 'cancelled'] as const;
const users = mongo.collection<User>('users');
const orders = mongo.collection<Order>('orders');
await users.drop().catch(() => false); // a fresh start, indexes included
await orders.drop().catch(() => false);
await users.insertMany(Array.from({ length: 300 }, (_, i) => ({
  _id: new ObjectId(),
  name: `${FIRST[i % 8]} ${LAST[(i >> 3) % 7]} ${1 + Math.floor(i / 56)}`,
  email: `user${i}@example.com`,
  age: 18 + ((i * 7) % 60),
  country: COUNTRIES[i % 6]!,
  tags: TAGS.filter((_, t) => (i >> t) % 2 === 1),
})));
await orders.insertMany(Array.from({ length: 3000 }, (_, i) => ({
  customerId: `c${i % 50}`,
  status: STATUSES[(i * 5) % 3]!,
  createdAt: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000),
  total: (i * 37) % 500,
  items: [
    { sku: `sku-${i % 7}`, qty: 1 + (i % 4) },
    { sku: `sku-${(i + 3) % 7}`, qty: 1 + (i % 3) },
  ],
})));
const sample = await users.find().limit(4).toArray();
show(sample.map(({ _id, tags, ...user }) => ({ ...user, tags: tags.join() })));
// #endregion data

cell('Comparison and logical operators', `
  A filter is a document: \`{ age: { $gte: 30, $lt: 40 } }\` is a range,
  \`$in\` matches any value of a list, \`$or\` any of several filters,
  \`$exists\` whether a field is there at all. Each row counts the users.
`);
// #region operators
const filters: Record<string, Document> = {
  '30 <= age < 40': { age: { $gte: 30, $lt: 40 } },
  'country in JP, SE': { country: { $in: ['JP', 'SE'] } },
  'age < 20 or from BR': { $or: [{ age: { $lt: 20 } }, { country: 'BR' }] },
  'country not US': { country: { $ne: 'US' } },
  'no passwordHash field': { passwordHash: { $exists: false } },
};
const counted = [];
for (const [asked, filter] of Object.entries(filters)) {
  counted.push({ asked, users: await users.countDocuments(filter) });
}
show(counted);
// #endregion operators

cell('Arrays: one value, every value, a length', `
  \`{ tags: 'vip' }\` matches an array that holds 'vip'. \`$in\` wants any of
  a list, \`$all\` every one of it, \`$size\` an exact length.
`);
// #region arrays
const arrayFilters: Document[] = [
  { tags: 'vip' },
  { tags: { $in: ['admin', 'vip'] } },
  { tags: { $all: ['admin', 'vip'] } },
  { tags: { $size: 0 } },
];
const arrayCounts = [];
for (const filter of arrayFilters) {
  const n = await users.countDocuments(filter);
  arrayCounts.push({ filter: JSON.stringify(filter), users: n });
}
show(arrayCounts);
// #endregion arrays

cell('Arrays of documents: $elemMatch', `
  Dot notation on an array of documents asks each condition of any element:
  one item can have the sku and another the quantity. \`$elemMatch\` holds
  all its conditions to the same element.
`);
// #region elem-match
const dotted = { 'items.sku': 'sku-3', 'items.qty': { $gte: 4 } };
const elem = { items: { $elemMatch: { sku: 'sku-3', qty: { $gte: 4 } } } };
show([
  { filter: 'dot notation', orders: await orders.countDocuments(dotted) },
  { filter: '$elemMatch', orders: await orders.countDocuments(elem) },
]);
// #endregion elem-match

cell('Projection and sort', `
  A projection returns only the fields you name (\`_id\` comes unless you
  say \`_id: 0\`). Without a sort the order is whatever the server meets
  first; with one it is defined.
`);
// #region projection
const oldest = await users
  .find({ country: 'JP' }, { projection: { _id: 0, name: 1, age: 1 } })
  .sort({ age: -1, name: 1 })
  .limit(4)
  .toArray();
show(oldest);
// #endregion projection

cell('explain: COLLSCAN, then IXSCAN', `
  \`explain('executionStats')\` runs a query and says how: a COLLSCAN reads
  every document; an IXSCAN walks an index to the matches, then FETCH
  loads them. Compare \`totalDocsExamined\` with \`nReturned\`.
`);
// #region explain
function summary(explained: Document): Record<string, unknown> {
  const stats = explained['executionStats'] as Document;
  const planner = explained['queryPlanner'] as Document;
  const winning = planner['winningPlan'] as Document;
  const stages: string[] = [];
  let stage: Document | undefined = winning['queryPlan'] ?? winning;
  for (; stage; stage = stage['inputStage']) stages.push(stage['stage']);
  return {
    plan: stages.join('>'),
    keys: stats['totalKeysExamined'],
    docs: stats['totalDocsExamined'],
    returned: stats['nReturned'],
  };
}
const c7 = { customerId: 'c7' };
const before = summary(await orders.find(c7).explain('executionStats'));
await orders.createIndex({ customerId: 1 });
const after = summary(await orders.find(c7).explain('executionStats'));
show([{ index: 'none', ...before }, { index: 'customerId', ...after }]);
// #endregion explain

cell('Compound indexes: equality, sort, range', `
  One customer's paid orders, newest first. An index helps as far as its
  fields follow the query: first the fields tested for equality, then the
  sort field, then any range (ESR). \`hint\` makes the server use each
  index in turn; a SORT stage means the order was made in memory.
`);
// #region esr
const paid = { customerId: 'c7', status: 'paid' as const };
const candidates: Array<Record<string, 1 | -1>> = [
  { customerId: 1 },
  { customerId: 1, status: 1 },
  { createdAt: -1, customerId: 1, status: 1 },
  { customerId: 1, status: 1, createdAt: -1 },
];
const compared = [];
for (const key of candidates) {
  await orders.createIndex(key);
  const cursor = orders.find(paid).sort({ createdAt: -1 }).hint(key);
  const index = Object.keys(key).join(', ');
  const explained = await cursor.explain('executionStats');
  compared.push({ index, ...summary(explained) });
}
show(compared);
// #endregion esr
note(`
  Only the last index finds exactly the matches, already in order. A range
  (\`total: { $gte: 100 }\`) goes after the sort field: before it, the index
  can no longer give the order, which pays only for a very selective range.
`);

cell('$regex: anchored or not', `
  With an index on \`name\`, a case-sensitive regex anchored with ^ becomes
  a range of the index: only names from 'Ali' to 'Alj' are read. An
  unanchored one can match anywhere, so every key must be looked at.
`);
// #region regex
await users.createIndex({ name: 1 });
const regexes = [];
for (const pattern of ['^Ali', 'Ali']) {
  const cursor = users.find({ name: { $regex: pattern } });
  const explained = await cursor.explain('executionStats');
  regexes.push({ pattern, ...summary(explained) });
}
show(regexes);
// #endregion regex

cell('Pagination: skip/limit, or seek on _id', `
  skip(n) still walks past the n documents it skips, so deep pages get
  slower. Seek pagination remembers the last _id of a page and asks for
  \`{ _id: { $gt: last } }\`: the index jumps straight there, however deep.
`);
// #region pagination
const byId = { _id: 1 } as const;
const deep = users.find().sort(byId).skip(250).limit(10);
const before250 = await users.find().sort(byId).limit(250).toArray();
const last = before250[before250.length - 1]!._id;
const seek = users.find({ _id: { $gt: last } }).sort(byId).limit(10);
const skipped = summary(await deep.explain('executionStats'));
const sought = summary(await seek.explain('executionStats'));
show([
  { page: 'skip(250).limit(10)', ...skipped },
  { page: '{ _id: { $gt: last } }', ...sought },
]);
// #endregion pagination

cell('A unique index on email, and error 11000', `
  Checking "is this email taken?" and then inserting races: two sign-ups can
  both pass the check. A unique index makes the server refuse the second
  insert with error 11000, which code can turn into a sentence.
`);
// #region unique
await users.createIndex({ email: 1 }, { unique: true });
const again = { name: 'Bob', email: 'user1@example.com', age: 40 };
try {
  await users.insertOne({ ...again, _id: new ObjectId(), country: 'DE', tags: [] });
} catch (error) {
  const taken = error instanceof MongoServerError && error.code === 11000;
  if (!taken) throw error;
  const answer = 'That email is already registered. Log in instead?';
  show({ code: error.code, keyValue: error.keyValue, answer });
}
// #endregion unique

cell('NoSQL injection: an operator where a string belongs', `
  A login handler gets \`JSON.parse(body)\`. If the email is
  \`{ "$ne": null }\`, \`findOne({ email })\` matches the first user there is;
  with a guessable password, the attacker is in without knowing any email.
  The defence: refuse anything but strings before it reaches a filter.
`);
// #region injection
const hash = (password: string, salt = randomBytes(16)): string => {
  const digest = scryptSync(password, salt, 32);
  return `scrypt:${salt.toString('hex')}:${digest.toString('hex')}`;
};
const verify = (password: string, stored: string): boolean => {
  const [, salt = '', digest = ''] = stored.split(':');
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), 32);
  return timingSafeEqual(actual, Buffer.from(digest, 'hex'));
};
const firstUser = await users.findOne({}, { sort: { _id: 1 } });
const guessable = { $set: { passwordHash: hash('summer2025') } };
await users.updateOne({ _id: firstUser!._id }, guessable);
const body = JSON.parse('{"email": {"$ne": null}, "password": "summer2025"}');

type Login = { email: string; password: string };
async function naiveLogin({ email, password }: Login): Promise<string> {
  const user = await users.findOne({ email, passwordHash: { $exists: true } });
  const ok = user?.passwordHash && verify(password, user.passwordHash);
  return ok ? `logged in as ${user.email}` : 'refused';
}
async function safeLogin(b: unknown): Promise<string> {
  if (typeof b !== 'object' || b === null) return 'refused';
  const { email, password } = b as Record<string, unknown>;
  if (typeof email !== 'string') return 'refused';
  if (typeof password !== 'string') return 'refused';
  return naiveLogin({ email, password });
}
show([
  { login: 'naive', result: await naiveLogin(body) },
  { login: 'types checked', result: await safeLogin(body) },
]);
// #endregion injection
note(`
  Passwords are stored as salted scrypt hashes, so a hash never goes into
  the filter: find the user by email, then verify in code.
`);

cell('Your turn', `
  Open \`lessons/03-queries-and-indexes/exercise.ts\`. Six tasks: filter with
  operators and arrays; search names by prefix; page through users two ways;
  register behind a unique email; index a query until explain agrees; log in
  without NoSQL injection. \`npm run lesson 3\` checks them;
  \`npm run lesson 3 -- --hint\` helps when you are stuck.
`);
