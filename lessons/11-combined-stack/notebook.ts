/**
 * Lesson 11 — The combined stack, the walkthrough. `npm run lesson 11` runs it cell by
 * cell, then checks exercise.ts. Safe to run again: it empties its own table and
 * collections, deletes only the `app:*` keys it writes, and closes the server it starts.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ObjectId, type Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { backends, cell, note, show } from '#lab/notebook/index.ts';
import type {
  Credentials, Feed, FeedPost, MessageDocument, Session, Stores, StoredPassword,
} from './exercise.ts';
import { buildApp, prepareStores, type Logic } from './server.ts';

cell('The article\'s flow, as five routes', `
  The article ends with a stack that uses all three databases: PostgreSQL for
  users, MongoDB for profiles and messages, Redis for sessions, the feed cache
  and pub/sub. This lesson builds that flow as a small HTTP service on Fastify,
  one route per step. First the tables and collections, empty.
`);
const { sql, mongo, redis } = await backends();
const stores: Stores = { sql, mongo, redis };
type UserRow = { id: number; email: string; salt: string; password_hash: string };
await sql.exec('DROP TABLE IF EXISTS users CASCADE'); // lesson 01 has a users table too
await prepareStores(stores);
await mongo.collection('profiles').deleteMany({});
await mongo.collection('messages').deleteMany({});
/** Deletes the keys this lesson writes (all under app:), and only those. */
async function clearAppKeys(): Promise<void> {
  const keys = await redis.keys('app:*');
  if (keys.length > 0) await redis.del(...keys);
}
await clearAppKeys();
show([
  { route: 'POST /login', step: 'check the password', store: 'PostgreSQL users' },
  { route: '', step: 'start a session (1 hour)', store: 'Redis app:session:<token>' },
  { route: 'GET /profile', step: 'the user\'s profile', store: 'MongoDB profiles' },
  { route: 'GET /feed', step: 'newest messages (5 min)', store: 'Redis app:feed:latest' },
  { route: 'POST /messages', step: 'save, then publish', store: 'MongoDB + app:messages' },
  { route: 'POST /logout', step: 'end the session', store: 'Redis DEL' },
]);

cell('A password becomes a salt and a scrypt hash', `
  The users table never holds a password: it holds a random salt and the scrypt
  hash of salt + password. scrypt is slow and memory-hungry on purpose, so a
  stolen table costs a lot to guess through; the salt makes two users with the
  same password look different. The INSERT carries every value as a parameter.
`);
// #region passwords
const scryptAsync = promisify(scrypt) as
  (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
async function hashPassword(password: string): Promise<StoredPassword> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 64);
  return { salt: salt.toString('hex'), hash: hash.toString('hex') };
}
async function createUser(email: string, password: string): Promise<number> {
  const { salt, hash } = await hashPassword(password);
  const { rows } = await sql.query<{ id: number }>(
    'INSERT INTO users (email, salt, password_hash) VALUES ($1, $2, $3) RETURNING id',
    [email, salt, hash]);
  return rows[0]!.id;
}
const aliceId = await createUser('alice@example.com', 'correct horse battery');
const bobId = await createUser('bob@example.com', 'correct horse battery');
await createUser('chidi@example.com', 'ethics & 2 more words');
const { rows: users } = await sql.query<UserRow>('SELECT * FROM users ORDER BY id');
show(users.map((u) => ({
  id: u.id, email: u.email,
  salt: `${u.salt.slice(0, 8)}…`, hash: `${u.password_hash.slice(0, 16)}…`,
})));
// #endregion passwords
note(`
  Alice and Bob chose the same password; nothing in the table says so.
`);

cell('Checking a password, in constant time', `
  To check a login, hash the attempt with the stored salt and compare the two
  hashes. \`===\` on strings stops at the first byte that differs, so how long it
  takes says how much of the hash was right; \`timingSafeEqual\` always looks at
  every byte.
`);
// #region verify
async function verifyPassword(password: string, stored: StoredPassword): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'hex');
  const salt = Buffer.from(stored.salt, 'hex');
  const actual = await scryptAsync(password, salt, expected.length);
  return timingSafeEqual(actual, expected);
}
const alice = { salt: users[0]!.salt, hash: users[0]!.password_hash };
const attempts = ['correct horse battery', 'correct horse battery!', 'Correct horse battery'];
const checked = [];
for (const attempt of attempts) {
  checked.push({ attempt, matches: await verifyPassword(attempt, alice) });
}
show(checked);
// #endregion verify

cell('Log in: one answer for a wrong password and an unknown email', `
  If an unknown email is refused straight away, while a known one waits for
  scrypt, the time of the answer tells an attacker which emails have accounts.
  So an unknown email is checked against a dummy hash: the same work, and the
  same null. Measured here, five attempts each, the median:
`);
// #region log-in
const DUMMY: StoredPassword = {
  salt: randomBytes(16).toString('hex'), hash: randomBytes(64).toString('hex'),
};
const sessionKey = (token: string): string => `app:session:${token}`;
async function checkPassword(email: string, password: string, dummy = true) {
  const { rows } = await sql.query<UserRow>(
    'SELECT id, email, salt, password_hash FROM users WHERE email = $1', [email]);
  const user = rows[0];
  if (!user && !dummy) return null; // the shortcut this cell measures
  const stored = user ? { salt: user.salt, hash: user.password_hash } : DUMMY;
  const ok = await verifyPassword(password, stored);
  return user && ok ? user : null;
}
async function logIn(s: Stores, { email, password }: Credentials): Promise<string | null> {
  const user = await checkPassword(email, password);
  if (user === null) return null;
  const token = randomBytes(32).toString('base64url');
  const session: Session = { userId: user.id, email: user.email };
  await s.redis.set(sessionKey(token), JSON.stringify(session), 'EX', 3600);
  return token;
}
// #endregion log-in
async function medianMs(attempt: () => Promise<unknown>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await attempt();
    times.push(performance.now() - start);
  }
  return `${times.sort((a, b) => a - b)[2]!.toFixed(1)} ms`;
}
const known = 'alice@example.com';
const unknown = 'eve@example.com';
show([
  { attempt: 'known email, wrong password',
    median: await medianMs(() => checkPassword(known, 'guess')) },
  { attempt: 'unknown email, dummy hash',
    median: await medianMs(() => checkPassword(unknown, 'guess')) },
  { attempt: 'unknown email, no scrypt',
    median: await medianMs(() => checkPassword(unknown, 'guess', false)) },
]);
note(`
  The last line is the leak: much faster, so "no such account". The first two
  should be close; on a busy machine they wobble, which is why the tests count
  the scrypt calls instead of timing them.
`);

cell('Only strings get in: {"$ne": null} as an email', `
  A JSON body can carry an object where a string is expected. Handed to a
  MongoDB filter, \`{ "$ne": null }\` is an operator, "any email that is not
  null": the classic NoSQL injection. Here it is against a collection of
  accounts; then the check the login runs before anything else.
`);
// #region parse-credentials
const accounts = mongo.collection('accounts');
await accounts.deleteMany({});
await accounts.insertMany([{ email: 'alice@example.com' }, { email: 'bob@example.com' }]);
const body = JSON.parse('{"email": {"$ne": null}, "password": "x"}') as
  Record<string, unknown>;
const matched = await accounts.findOne({ email: body['email'] });
function parseCredentials(input: unknown): Credentials | null {
  if (typeof input !== 'object' || input === null) return null;
  const { email, password } = input as Record<string, unknown>;
  if (typeof email !== 'string' || typeof password !== 'string') return null;
  if (email.length === 0 || email.length > 254) return null;
  if (password.length === 0 || password.length > 1024) return null;
  return { email, password };
}
show({
  'findOne matched': matched?.['email'],
  'parseCredentials(body)': parseCredentials(body),
});
await accounts.drop();
// #endregion parse-credentials
note(`
  The route answers 400 for null. The same string check guards PostgreSQL,
  where $1 makes any value safe, and MongoDB, where only a string is.
`);

cell('A session: a random token in Redis for one hour', `
  A successful login gets 32 random bytes from node:crypto as its token (never
  \`Math.random\`, whose next value can be worked out from a few outputs) and a
  key \`app:session:<token>\` that Redis deletes by itself after an hour, the
  article's expiry.
`);
// #region session
const right = { email: 'alice@example.com', password: 'correct horse battery' };
const token = (await logIn(stores, right))!;
show({
  token,
  key: sessionKey(`${token.slice(0, 8)}…`),
  value: await redis.get(sessionKey(token)),
  'ttl (s)': await redis.ttl(sessionKey(token)),
  'wrong password': await logIn(stores, { ...right, password: 'guess' }),
});
// #endregion session

cell('The profile: a flexible document in MongoDB', `
  Profiles differ from user to user: Alice keeps a theme and links, Bob a bio
  and a city, Chidi has not written one. A document holds what each has, keyed
  by the user's id from PostgreSQL. The route finds the session in Redis, then
  the profile in MongoDB.
`);
// #region profile
const profiles = mongo.collection<{ _id: number } & Record<string, unknown>>('profiles');
await profiles.insertMany([
  { _id: aliceId, name: 'Alice', theme: 'dark', links: ['https://alice.example.org'] },
  { _id: bobId, name: 'Bob', bio: 'Bakes bread', location: { city: 'Oslo' } },
]);
async function readSession(r: Redis, t: string): Promise<Session | null> {
  const value = await r.get(sessionKey(t));
  return value === null ? null : (JSON.parse(value) as Session);
}
async function readProfile(m: Db, userId: number): Promise<Record<string, unknown> | null> {
  return m.collection<{ _id: number }>('profiles')
    .findOne({ _id: userId }, { projection: { _id: 0 } });
}
const session = (await readSession(redis, token))!;
show({ session, profile: await readProfile(mongo, session.userId) });
// #endregion profile

cell('The feed: cache-aside in Redis, five minutes', `
  The feed is the newest 20 messages. The route asks Redis first; on a miss it
  builds the feed from MongoDB and keeps it for 300 seconds, the article's
  "refresh every 5 minutes". The cached JSON records when it was built, so a
  hit can say how old it is.
`);
// #region feed
const FEED_KEY = 'app:feed:latest';
type Saved = MessageDocument & { _id: NonNullable<MessageDocument['_id']> };
const toPost = (d: Saved): FeedPost => ({
  id: d._id.toHexString(), authorId: d.authorId, author: d.author, text: d.text,
  createdAt: d.createdAt.toISOString(),
});
const messages = mongo.collection<MessageDocument>('messages');
const start = Date.UTC(2026, 2, 1, 9);
await messages.insertMany(Array.from({ length: 30 }, (_, i) => ({
  authorId: i % 2 ? aliceId : bobId,
  author: i % 2 ? 'alice@example.com' : 'bob@example.com',
  text: `message ${i + 1}`, createdAt: new Date(start + i * 60_000),
})));
async function readFeed(s: Stores, now = Date.now()): Promise<Feed> {
  const cached = await s.redis.get(FEED_KEY);
  if (cached !== null) {
    const { builtAt, posts } = JSON.parse(cached) as { builtAt: number; posts: FeedPost[] };
    return { posts, cache: 'hit', ageSeconds: Math.floor((now - builtAt) / 1000) };
  }
  const docs = await s.mongo.collection<MessageDocument>('messages')
    .find().sort({ createdAt: -1, _id: -1 }).limit(20).toArray();
  const posts = docs.map(toPost);
  await s.redis.set(FEED_KEY, JSON.stringify({ builtAt: now, posts }), 'EX', 300);
  return { posts, cache: 'miss', ageSeconds: 0 };
}
const t0 = Date.now();
const reads = [];
for (const later of [0, 42_000, 299_000]) {
  const feed = await readFeed(stores, t0 + later);
  reads.push({
    'at (s)': later / 1000, cache: feed.cache, age: feed.ageSeconds,
    posts: feed.posts.length, newest: feed.posts[0]?.text,
    'ttl (s)': await redis.ttl(FEED_KEY),
  });
}
show(reads);
// #endregion feed
note(`
  The clock is passed in, so "42 seconds later" needs no waiting. A message
  written during those five minutes is not in the feed until it is rebuilt:
  that staleness is the price of the cache, and the TTL bounds it.
`);

cell('A message: saved in MongoDB, then published on Redis', `
  Pub/sub is instant and forgets: a subscriber that is not connected never
  gets the message. So the message is saved first, durable in MongoDB, and
  published only once the save succeeded. A subscriber needs a connection of
  its own (\`duplicate()\`): once subscribed, a connection only listens.
`);
// #region messages
async function postMessage(
  s: Stores, who: Session, text: string, now = Date.now(),
): Promise<FeedPost> {
  const doc: MessageDocument = {
    authorId: who.userId, author: who.email, text, createdAt: new Date(now),
  };
  const { insertedId } = await s.mongo
    .collection<MessageDocument>('messages').insertOne(doc);
  const post = toPost({ ...doc, _id: insertedId });
  await s.redis.publish('app:messages', JSON.stringify(post));
  return post;
}
const subscriber = redis.duplicate();
const received = new Promise<string>((resolve) => {
  subscriber.once('message', (_channel, message: string) => resolve(message));
});
await subscriber.subscribe('app:messages');
const sent = await postMessage(stores, session, 'Hello from the notebook');
const got = JSON.parse(await received) as FeedPost;
show({
  'subscriber got': got.text,
  'same id as saved': got.id === sent.id,
  'in MongoDB': await messages.countDocuments({ _id: new ObjectId(got.id) }),
});
// #endregion messages
note(`
  Now a save that fails (a stand-in for MongoDB without a primary), then one
  that works. A subscriber gets messages in the order they were published, so
  if the failed one had gone out, it would arrive first.
`);
// #region failed-save
const noPrimary = { collection: () => ({ insertOne: () => Promise.reject(new Error('no primary')) }) };
const broken: Stores = { ...stores, mongo: noPrimary as unknown as Db };
const next = new Promise<string>((resolve) => {
  subscriber.once('message', (_channel, message: string) => resolve(message));
});
const failed = await postMessage(broken, session, 'Lost?').then(() => 'saved', (e: Error) => e.message);
await postMessage(stores, session, 'Second try');
show({ 'first attempt': failed, 'next message received': (JSON.parse(await next) as FeedPost).text });
// #endregion failed-save

cell('The five routes on Fastify, tested with inject()', `
  server.ts (given) is the Fastify wiring: each route parses the request, calls
  one of the functions above and turns the answer into a status, headers and
  JSON. \`app.inject()\` sends a request through the whole service without a
  network socket: that is how the tests drive it.
`);
// #region inject
async function logOut(r: Redis, t: string): Promise<boolean> {
  return (await r.del(sessionKey(t))) === 1;
}
const logic: Logic = {
  parseCredentials, logIn, readSession, readProfile, readFeed, postMessage, logOut,
};
await redis.del(FEED_KEY);
const app = await buildApp(stores, logic);
const post = (url: string, payload: object, headers = {}) =>
  app.inject({ method: 'POST', url, payload, headers });
const get = (url: string, headers = {}) => app.inject({ method: 'GET', url, headers });
const bobLogin = { email: 'bob@example.com', password: 'correct horse battery' };
const login = await post('/login', bobLogin);
const bob = { authorization: `Bearer ${login.json<{ token: string }>().token}` };
const calls = [
  login,
  await post('/login', { ...bobLogin, password: 'nope' }),
  await post('/login', { email: { $ne: null }, password: 'x' }),
  await get('/profile', bob),
  await get('/feed'),
  await get('/feed'),
  await post('/messages', { text: 'Fresh bread' }, bob),
  await post('/logout', {}, bob),
  await get('/profile', bob),
];
const short = (text: string): string => (text.length > 40 ? `${text.slice(0, 39)}…` : text);
show(calls.map((r) => ({
  request: `${r.raw.req.method} ${r.raw.req.url}`, status: r.statusCode,
  'x-cache': r.headers['x-cache'] ?? '', body: short(r.body),
})));
// #endregion inject

cell('Redis forgets: the service does not break', `
  Redis keeps everything in memory; a restart without persistence, or a
  FLUSHDB, empties it. Here every \`app:*\` key is deleted between requests. The
  feed is rebuilt from MongoDB, the old session is gone (401, log in again), and
  nothing answers 500: Redis held only what can be rebuilt or asked for again.
`);
// #region flushed
const again = await post('/login', right);
const aliceAuth = { authorization: `Bearer ${again.json<{ token: string }>().token}` };
await clearAppKeys();
const afterFlush = [await get('/feed'), await get('/profile', aliceAuth), await post('/login', right)];
show(afterFlush.map((r) => ({
  request: `${r.raw.req.method} ${r.raw.req.url}`, status: r.statusCode,
  'x-cache': r.headers['x-cache'] ?? '',
})));
await app.close();
// #endregion flushed

cell('On a real port: try it with curl', `
  The same service, listening on 127.0.0.1 on a free port. The lines below are
  what you would type in another terminal; the notebook sends the same requests
  with fetch, then closes the server, so nothing is left listening.
`);
// #region listen
const live = await buildApp(stores, logic);
const base = await live.listen({ port: 0, host: '127.0.0.1' });
show([
  `curl -i -c jar.txt -H 'content-type: application/json' \\`,
  `  -d '{"email":"alice@example.com","password":"correct horse battery"}' ${base}/login`,
  `curl -i -b jar.txt ${base}/profile`,
  `curl -i ${base}/feed`,
  `curl -i -b jar.txt -H 'content-type: application/json' \\`,
  `  -d '{"text":"hi"}' ${base}/messages`,
  `curl -i -b jar.txt -X POST ${base}/logout`,
].join('\n'));
const res = await fetch(`${base}/login`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(right),
});
const setCookie = res.headers.get('set-cookie') ?? '';
const feedRes = await fetch(`${base}/feed`);
const cookie = setCookie.split(';')[0]!;
const profileRes = await fetch(`${base}/profile`, { headers: { cookie } });
const { profile } = (await profileRes.json()) as { profile: unknown };
show([
  { request: 'POST /login', status: res.status, 'came back': setCookie.replace(/=[^;]+/, '=…') },
  { request: 'GET /feed', status: feedRes.status,
    'came back': `x-cache: ${feedRes.headers.get('x-cache')}, age: ${feedRes.headers.get('age')}` },
  { request: 'GET /profile', status: profileRes.status, 'came back': JSON.stringify(profile) },
]);
await live.close();
await subscriber.quit();
const refused = await fetch(`${base}/feed`)
  .then(() => 'still answering', () => 'connection refused: closed');
show({ [base]: refused });
await clearAppKeys();
// #endregion listen

cell('Your turn', `
  Open \`lessons/11-combined-stack/exercise.ts\`. Six tasks, one per step: store
  a password as a salted scrypt hash, log in against PostgreSQL with a session
  in Redis, read the profile for a session, serve the feed cache-aside, save a
  message and then publish it, and log out. The tests drive server.ts through
  \`inject()\` with your functions. \`npm run lesson 11\` checks them;
  \`npm run lesson 11 -- --hint\` helps when you are stuck.
`);
