/**
 * Lesson 11 — The combined stack. One `describe` per task in lessons/11-combined-stack/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/11-combined-stack.test.ts
 *
 * The service (lessons/11-combined-stack/server.ts, given) is built around the exercise's functions
 * and driven through Fastify's `inject()`: no port is opened. Each test then reads the databases to
 * see what the step wrote. node:crypto is wrapped so a test can count scrypt and timingSafeEqual
 * calls; the functions still do their real work. Time for the feed comes from a clock the test moves;
 * events are awaited with a timeout, never slept for.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Db, ObjectId } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Sql } from '#lab/backends/types.ts';
import { useBackends } from '#lab/testing/backends.ts';
import type { OpenedRedis } from '#lab/backends/redis.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';
import { recordSql } from '#lab/testing/sql-recorder.ts';
import { buildApp, prepareStores, type AppOptions } from '../lessons/11-combined-stack/server.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const counted = { scrypt: vi.fn(real.scrypt), scryptSync: vi.fn(real.scryptSync), timingSafeEqual: vi.fn(real.timingSafeEqual) };
  return { ...real, ...counted, default: { ...real, ...counted } };
});

type Exercise = typeof import('../solutions/11-combined-stack/exercise.ts');
type Stores = import('../solutions/11-combined-stack/exercise.ts').Stores;

const ex = await loadExercise<Exercise>('11-combined-stack');
const db = useBackends(['sql', 'mongo', 'redis']);
/** "Redis flushed between requests", for this file's own keys only: a real server's other keys stay. */
const flushRedis = (): Promise<void> => (db.redisConnection as OpenedRedis).clear();
const rnd = useRandom();

const HOUR = 60 * 60;
const FIVE_MINUTES = 5 * 60;
const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

const apps: FastifyInstance[] = [];
let clock = 0;

beforeEach(async () => {
  clock = rnd.date().getTime();
  await prepareStores(stores());
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function stores(overrides: Partial<Stores> = {}): Stores {
  return { sql: db.sql, mongo: db.mongo, redis: db.redis, ...overrides };
}

/**
 * The service around the exercise's functions, on the test's clock; closed after the test. A 500 whose
 * body is a TODO from exercise.ts is thrown as that TODO, so the task shows as not started, not failing.
 */
async function service(overrides: Partial<Stores> = {}, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(stores(overrides), ex, { now: () => clock, ...options });
  apps.push(app);
  const inject = app.inject.bind(app) as (opts: InjectOptions) => Promise<LightMyRequestResponse>;
  const checked = async (opts: InjectOptions): Promise<LightMyRequestResponse> => {
    const res = await inject(opts);
    const said = res.statusCode === 500 ? (JSON.parse(res.body) as { error?: string }).error : undefined;
    if (said?.startsWith('TODO:')) throw Object.assign(new Error(said), { name: 'TodoError' });
    return res;
  };
  return Object.assign(app, { inject: checked });
}

/** A user row made by the test itself (not by task 1), so the other tasks do not depend on it. */
async function insertUser(sql: Sql = db.sql): Promise<{ id: number; email: string; password: string }> {
  const email = rnd.email();
  const password = `${rnd.word()} ${rnd.id(10)}!`;
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 64);
  const { rows } = await sql.query<{ id: number }>(
    'INSERT INTO users (email, salt, password_hash) VALUES ($1, $2, $3) RETURNING id', [email, salt.toString('hex'), hash.toString('hex')]);
  return { id: rows[0]!.id, email, password };
}

function login(app: FastifyInstance, email: unknown, password: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/login', payload: { email, password } });
}

/** A session written straight into Redis (not by task 2), so the other tasks do not depend on it. */
async function sessionFor(): Promise<{ id: number; email: string; token: string }> {
  const user = { id: rnd.int(1, 1_000_000), email: rnd.email(), token: randomBytes(32).toString('base64url') };
  await db.redis.set(`app:session:${user.token}`, JSON.stringify({ userId: user.id, email: user.email }), 'EX', HOUR);
  return user;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function reply(res: LightMyRequestResponse): { status: number; body: unknown } {
  return { status: res.statusCode, body: res.body === '' ? '' : res.json() };
}

const profiles = () => db.mongo.collection<{ _id: number } & Record<string, unknown>>('profiles');

async function sessionKeys(redis: Redis = db.redis): Promise<string[]> {
  return (await redis.keys('app:session:*')).sort();
}

/** Resolves with the next message on `channel` of a fresh subscriber connection; rejects after `ms`. */
async function subscriber(channel: string): Promise<{ next(ms?: number): Promise<string> }> {
  const sub = db.redisConnection.duplicate();
  const queue: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  sub.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else queue.push(message);
  });
  await sub.subscribe(channel);
  return {
    next(ms = 5000) {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No message on ${channel} within ${ms} ms.`)), ms);
        waiting.push((message) => {
          clearTimeout(timer);
          resolve(message);
        });
      });
    },
  };
}

interface Message {
  _id: ObjectId;
  authorId: number;
  author: string;
  text: string;
  createdAt: Date;
}

/** `count` messages with distinct times, inserted straight into MongoDB. */
async function insertMessages(count: number): Promise<Message[]> {
  const base = rnd.date().getTime();
  const offsets = rnd.sample(Array.from({ length: count * 3 }, (_, i) => i), count);
  const docs = offsets.map((o) => ({
    authorId: rnd.int(1, 500),
    author: rnd.email(),
    text: `${rnd.word()} ${rnd.id(6)}`,
    createdAt: new Date(base + o * 60_000),
  }));
  const { insertedIds } = await db.mongo.collection('messages').insertMany(docs);
  return docs.map((d, i) => ({ ...d, _id: insertedIds[i]! }));
}

const asPost = (m: Message): Record<string, unknown> =>
  ({ id: m._id.toHexString(), authorId: m.authorId, author: m.author, text: m.text, createdAt: m.createdAt.toISOString() });

function newest(messages: Message[], n = 20): Record<string, unknown>[] {
  return [...messages].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, n).map(asPost);
}

/** Waits, with a deadline, until `key` is gone (a 1 ms TTL has run out). */
async function untilGone(key: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while ((await db.redis.exists(key)) === 1) {
    if (Date.now() > deadline) throw new Error(`${key} still exists 2 s after its TTL of 1 ms.`);
    await sleep(5);
  }
}

describe('Store a password as a salted scrypt hash', () => {
  // Likely mistakes: the password in plain text, or hashed without a salt (same password → same hash);
  // one fixed salt for everyone; SHA-256 instead of scrypt; `===` on the hex strings instead of
  // timingSafeEqual; the INSERT built by concatenation (breaks on a quote, opens SQL injection).
  it('stores a 16-byte salt and the 64-byte scrypt hash of the password, never the password', async () => {
    const email = rnd.email();
    const password = `${rnd.word()}-${rnd.id(8)}`;

    const id = await ex.createUser(db.sql, email, password);

    const { rows } = await db.sql.query<{ id: number; email: string; salt: string; password_hash: string }>('SELECT * FROM users WHERE email = $1', [email]);
    const row = rows[0];
    const salt = Buffer.from(row?.salt ?? '', 'hex');
    const expected = { id, saltBytes: 16, hash: scryptSync(password, salt, 64).toString('hex'), passwordInRow: false };
    expect({
      id: row?.id,
      saltBytes: salt.length,
      hash: row?.password_hash,
      passwordInRow: JSON.stringify(row).includes(password),
    }).toEqual(expected);
  });

  it('gives two users with the same password different salts and hashes', async () => {
    const password = `${rnd.word()}-${rnd.id(8)}`;

    await ex.createUser(db.sql, rnd.email(), password);
    await ex.createUser(db.sql, rnd.email(), password);

    const { rows } = await db.sql.query<{ salt: string; password_hash: string }>('SELECT salt, password_hash FROM users');
    const expected = { salts: 2, hashes: 2 };
    expect({ salts: new Set(rows.map((r) => r.salt)).size, hashes: new Set(rows.map((r) => r.password_hash)).size }).toEqual(expected);
  });

  it('sends the email and the hash as parameters, even an email with a quote, a backslash and $1', async () => {
    const email = `${rnd.id(5)}.o'brien\\$1@example.com`;
    const password = `it's ${rnd.id(8)}`;
    const recorder = recordSql(db.sql);

    await ex.createUser(recorder.sql, email, password);

    recorder.expectParameterised([email]);
    const expected = { passwordInStatements: false, stored: 1 };
    const { rows } = await db.sql.query('SELECT id FROM users WHERE email = $1', [email]);
    expect({ passwordInStatements: JSON.stringify(recorder.statements).includes(password), stored: rows.length }).toEqual(expected);
  });

  it('hashes with the salt it is given: scrypt, 64 bytes, as hex', async () => {
    const salt = randomBytes(16);
    const password = `${rnd.word()} ${rnd.id(6)}`;

    const stored = await ex.hashPassword(password, salt);

    const expected = { salt: salt.toString('hex'), hash: scryptSync(password, salt, 64).toString('hex') };
    expect(stored).toEqual(expected);
  });

  it('verifies the right password and refuses a wrong one, with timingSafeEqual', async () => {
    const password = `${rnd.word()} ${rnd.id(6)}`;
    const salt = randomBytes(16);
    const stored = { salt: salt.toString('hex'), hash: scryptSync(password, salt, 64).toString('hex') };
    vi.mocked(timingSafeEqual).mockClear();

    const right = await ex.verifyPassword(password, stored);
    const wrong = await ex.verifyPassword(`${password.slice(0, -1)}${password.endsWith('x') ? 'y' : 'x'}`, stored);

    const expected = { right: true, wrong: false, timingSafeEqualCalls: 2 };
    expect({ right, wrong, timingSafeEqualCalls: vi.mocked(timingSafeEqual).mock.calls.length }).toEqual(expected);
  });
});

describe('Log in: PostgreSQL, then a session in Redis', () => {
  // Likely mistakes: a token from Math.random; SET without EX (a session forever) or EX in the wrong
  // unit; an unknown email answered early without scrypt (its speed tells which emails exist) or with a
  // different status or body; the SELECT built by concatenation; the body passed on unchecked, so
  // {"$ne": null} reaches a query; a session stored before the password is checked.
  it('logs in: 200, the token in the body and in an HttpOnly, SameSite=Lax cookie', async () => {
    const app = await service();
    const user = await insertUser();

    const res = await login(app, user.email, user.password);

    const token = (res.json<{ token?: string }>()).token ?? '';
    const cookie = String(res.headers['set-cookie'] ?? '');
    const expected = { status: 200, token: true, cookie: true, httpOnly: true, sameSite: true };
    expect({
      status: res.statusCode,
      token: BASE64URL_32_BYTES.test(token),
      cookie: cookie.startsWith(`session=${token};`),
      httpOnly: /;\s*HttpOnly/i.test(cookie),
      sameSite: /;\s*SameSite=Lax/i.test(cookie),
    }, `body: ${res.body}; set-cookie: ${cookie}`).toEqual(expected);
  });

  it('keeps { userId, email } under app:session:<token> for one hour', async () => {
    const app = await service();
    const user = await insertUser();

    const { token } = (await login(app, user.email, user.password)).json<{ token: string }>();

    const key = `app:session:${token}`;
    const value = await db.redis.get(key);
    const ttl = await db.redis.ttl(key);
    const expected = { session: { userId: user.id, email: user.email }, ttlAboutAnHour: true };
    expect({ session: value === null ? null : JSON.parse(value), ttlAboutAnHour: ttl > HOUR - 10 && ttl <= HOUR }, `TTL of ${key}: ${ttl}`).toEqual(expected);
  });

  it('makes a new 32-byte token from node:crypto at every login, never from Math.random', async () => {
    const user = await insertUser();
    const spy = vi.spyOn(Math, 'random');

    const first = await ex.logIn(stores(), { email: user.email, password: user.password });
    const second = await ex.logIn(stores(), { email: user.email, password: user.password });

    const expected = { format: [true, true], different: true, mathRandomCalls: 0, keys: 2 };
    expect({
      format: [first, second].map((t) => BASE64URL_32_BYTES.test(t ?? '')),
      different: first !== second,
      mathRandomCalls: spy.mock.calls.length,
      keys: (await sessionKeys()).length,
    }).toEqual(expected);
  });

  it('answers a wrong password and an unknown email alike: 401, the same body, no session', async () => {
    const app = await service();
    const user = await insertUser();

    const wrong = reply(await login(app, user.email, `${user.password}?`));
    const unknown = reply(await login(app, rnd.email(), user.password));

    const expected = { wrong: { status: 401, body: wrong.body }, unknown: { status: 401, body: wrong.body }, sessions: [] };
    expect({ wrong, unknown, sessions: await sessionKeys() }).toEqual(expected);
  });

  it('runs scrypt for an unknown email exactly as for a wrong password (a dummy hash)', async () => {
    const app = await service();
    const user = await insertUser();
    const calls = (): number => vi.mocked(scrypt).mock.calls.length + vi.mocked(scryptSync).mock.calls.length;

    vi.mocked(scrypt).mockClear();
    vi.mocked(scryptSync).mockClear();
    await login(app, user.email, `${user.password}?`);
    const wrongPassword = calls();
    vi.mocked(scrypt).mockClear();
    vi.mocked(scryptSync).mockClear();
    await login(app, rnd.email(), user.password);
    const unknownEmail = calls();

    expect(wrongPassword, 'scrypt calls for a wrong password').toBeGreaterThanOrEqual(1);
    const expected = { wrongPassword, unknownEmail: wrongPassword };
    expect({ wrongPassword, unknownEmail }, 'scrypt calls per login attempt').toEqual(expected);
  });

  it('rejects {"$ne": null} as the email with 400, before any SQL is sent', async () => {
    const recorder = recordSql(db.sql);
    const app = await service({ sql: recorder.sql });
    await insertUser();

    const res = await login(app, { $ne: null }, { $ne: null });

    const expected = { status: 400, statements: [] };
    expect({ status: res.statusCode, statements: recorder.statements }, res.body).toEqual(expected);
  });

  it('accepts two non-empty strings and nothing else', () => {
    const email = rnd.email();
    const password = rnd.id(10);
    const bodies: unknown[] = [
      null, 'text', [email, password], {}, { email }, { email, password: 42 }, { email: { $gt: '' }, password },
      { email: [email], password }, { email: '', password }, { email, password: '' },
    ];

    const answers = bodies.map((b) => ex.parseCredentials(b));

    const expected = { bad: bodies.map(() => null), good: { email, password } };
    expect({ bad: answers, good: ex.parseCredentials({ email, password }) }).toEqual(expected);
  });

  it('logs in again after Redis was flushed: a new session, never a 500', async () => {
    const app = await service();
    const user = await insertUser();
    const first = (await login(app, user.email, user.password)).json<{ token?: string }>().token;

    await flushRedis();
    const again = await login(app, user.email, user.password);

    const token = again.json<{ token?: string }>().token;
    const expected = { status: 200, newToken: true, sessions: [`app:session:${token}`] };
    expect({ status: again.statusCode, newToken: token !== undefined && token !== first, sessions: await sessionKeys() }).toEqual(expected);
  });

  it('looks the user up with $1, even for an email with a quote and a backslash', async () => {
    const user = await insertUser();
    const email = `${rnd.id(4)}'; DROP TABLE users; --\\@example.com`;
    const recorder = recordSql(db.sql);

    const missing = await ex.logIn(stores({ sql: recorder.sql }), { email, password: user.password });
    const found = await ex.logIn(stores({ sql: recorder.sql }), { email: user.email, password: user.password });

    recorder.expectParameterised([email, user.email]);
    const expected = { missing: null, found: true, passwordSent: false };
    expect({ missing, found: typeof found === 'string', passwordSent: JSON.stringify(recorder.statements).includes(user.password) }).toEqual(expected);
  });
});

describe('Read the profile for a session', () => {
  // Likely mistakes: a projection of fixed fields (a flexible profile loses what it has beyond them);
  // `_id` left in the answer; the session read without JSON.parse; a session that answers after its key
  // has expired (a local cache of sessions); a filter on a string id where the profile's _id is a number.
  it('answers 401 without a token, with a made-up one, and with a made-up cookie', async () => {
    const app = await service();
    const madeUp = randomBytes(32).toString('base64url');

    const answers = [
      await app.inject({ method: 'GET', url: '/profile' }),
      await app.inject({ method: 'GET', url: '/profile', headers: bearer(madeUp) }),
      await app.inject({ method: 'GET', url: '/profile', headers: { cookie: `session=${madeUp}` } }),
    ].map((r) => r.statusCode);

    const expected = [401, 401, 401];
    expect(answers).toEqual(expected);
  });

  it('returns the profile with all of its own fields, by bearer token or by cookie', async () => {
    const app = await service();
    const alice = await sessionFor();
    const bob = await sessionFor();
    const aliceProfile = { name: rnd.name(), theme: rnd.theme(), links: [`https://${rnd.word()}.example.org`] };
    const bobProfile = { name: rnd.name(), bio: `${rnd.word()} ${rnd.word()}`, location: { city: rnd.word(), country: 'NO' }, age: rnd.int(18, 80) };
    await profiles().insertMany([{ _id: alice.id, ...aliceProfile }, { _id: bob.id, ...bobProfile }]);

    const a = await app.inject({ method: 'GET', url: '/profile', headers: bearer(alice.token) });
    const b = await app.inject({ method: 'GET', url: '/profile', headers: { cookie: `theme=dark; session=${bob.token}` } });

    const expected = {
      alice: { status: 200, body: { userId: alice.id, email: alice.email, profile: aliceProfile } },
      bob: { status: 200, body: { userId: bob.id, email: bob.email, profile: bobProfile } },
    };
    expect({ alice: reply(a), bob: reply(b) }).toEqual(expected);
  });

  it('answers 401 once the session key has expired', async () => {
    const app = await service();
    const user = await sessionFor();
    await profiles().insertOne({ _id: user.id, name: rnd.name() });
    const before = (await app.inject({ method: 'GET', url: '/profile', headers: bearer(user.token) })).statusCode;

    await db.redis.pexpire(`app:session:${user.token}`, 1);
    await untilGone(`app:session:${user.token}`);
    const after = (await app.inject({ method: 'GET', url: '/profile', headers: bearer(user.token) })).statusCode;

    const expected = { before: 200, after: 401 };
    expect({ before, after }).toEqual(expected);
  });

  it('answers 401, not 500, after Redis was flushed', async () => {
    const app = await service();
    const user = await sessionFor();
    await profiles().insertOne({ _id: user.id, name: rnd.name() });

    await flushRedis();
    const res = await app.inject({ method: 'GET', url: '/profile', headers: bearer(user.token) });

    const expected = { status: 401, body: { error: 'Not logged in, or the session has expired: POST /login again.' } };
    expect(reply(res)).toEqual(expected);
  });

  it('reads a session as { userId, email }, and null for an unknown token', async () => {
    const token = randomBytes(32).toString('base64url');
    const session = { userId: rnd.int(1, 10_000), email: rnd.email() };
    await db.redis.set(`app:session:${token}`, JSON.stringify(session), 'EX', 60);

    const found = await ex.readSession(db.redis, token);
    const unknown = await ex.readSession(db.redis, randomBytes(32).toString('base64url'));

    const expected = { found: session, unknown: null };
    expect({ found, unknown }).toEqual(expected);
  });

  it('answers 404 for a logged-in user without a profile', async () => {
    const app = await service();
    const user = await sessionFor();
    await profiles().insertOne({ _id: user.id + 1, name: rnd.name() });

    const res = await app.inject({ method: 'GET', url: '/profile', headers: bearer(user.token) });

    const expected = 404;
    expect(res.statusCode, res.body).toEqual(expected);
  });
});

describe('Serve the feed cache-aside', () => {
  // Likely mistakes: a cache key without a TTL, or the hour of lesson 08 (EX 3600) instead of five
  // minutes; reading MongoDB every time (the cache is written but never read); the age always 0;
  // a feed that is not the newest 20 (no sort, or sorted the wrong way); a 500 after Redis is flushed.
  it('misses first: the newest 20 messages from MongoDB, cached for five minutes', async () => {
    const app = await service();
    const messages = await insertMessages(rnd.int(21, 30));

    const res = await app.inject({ method: 'GET', url: '/feed' });

    const ttl = await db.redis.ttl('app:feed:latest');
    const expected = { status: 200, cache: 'miss', age: '0', posts: newest(messages), ttlFiveMinutes: true };
    expect({
      status: res.statusCode,
      cache: res.headers['x-cache'],
      age: res.headers['age'],
      posts: res.json<{ posts: unknown }>().posts,
      ttlFiveMinutes: ttl > FIVE_MINUTES - 10 && ttl <= FIVE_MINUTES,
    }, `TTL of app:feed:latest: ${ttl}`).toEqual(expected);
  });

  it('hits next time without asking MongoDB, and says how old the cached feed is', async () => {
    const app = await service();
    const messages = await insertMessages(rnd.int(3, 10));
    await app.inject({ method: 'GET', url: '/feed' });
    const seconds = rnd.int(5, 250);
    clock += seconds * 1000 + rnd.int(0, 999);
    await insertMessages(1); // new in MongoDB, not yet in the cached feed

    const res = await app.inject({ method: 'GET', url: '/feed' });

    const expected = { cache: 'hit', age: String(seconds), posts: newest(messages) };
    expect({ cache: res.headers['x-cache'], age: res.headers['age'], posts: res.json<{ posts: unknown }>().posts }).toEqual(expected);
  });

  it('rebuilds from MongoDB once the cached feed has expired', async () => {
    const app = await service();
    const first = await insertMessages(rnd.int(3, 8));
    await app.inject({ method: 'GET', url: '/feed' });
    const more = await insertMessages(rnd.int(1, 4));
    await db.redis.pexpire('app:feed:latest', 1);
    await untilGone('app:feed:latest');
    clock += FIVE_MINUTES * 1000;

    const res = await app.inject({ method: 'GET', url: '/feed' });

    const expected = { cache: 'miss', posts: newest([...first, ...more]) };
    expect({ cache: res.headers['x-cache'], posts: res.json<{ posts: unknown }>().posts }).toEqual(expected);
  });

  it('rebuilds the feed after Redis was flushed, never a 500', async () => {
    const app = await service();
    const messages = await insertMessages(rnd.int(2, 6));
    await app.inject({ method: 'GET', url: '/feed' });
    const more = await insertMessages(rnd.int(1, 3));

    await flushRedis();
    const feed = await app.inject({ method: 'GET', url: '/feed' });

    const expected = { status: 200, cache: 'miss', posts: newest([...messages, ...more]), ttlFiveMinutes: true };
    const ttl = await db.redis.ttl('app:feed:latest');
    expect({
      status: feed.statusCode,
      cache: feed.headers['x-cache'],
      posts: feed.json<{ posts: unknown }>().posts,
      ttlFiveMinutes: ttl > FIVE_MINUTES - 10 && ttl <= FIVE_MINUTES,
    }).toEqual(expected);
  });
});

/** `mongo` whose inserts into any collection fail, as when the primary is gone. */
function failingInserts(mongo: Db): Db {
  return new Proxy(mongo, {
    get(target, prop) {
      if (prop === 'collection') {
        return (name: string) => new Proxy(target.collection(name), {
          get(collection, p) {
            if (p === 'insertOne' || p === 'insertMany' || p === 'bulkWrite' || p === 'updateOne' || p === 'replaceOne') {
              return () => Promise.reject(new Error('insert failed (simulated: no primary)'));
            }
            const value = Reflect.get(collection, p, collection) as unknown;
            return typeof value === 'function' ? value.bind(collection) : value;
          },
        });
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** `stores` whose MongoDB writes and Redis publishes append to `log` when they happen. */
function recordingOrder(log: string[]): Partial<Stores> {
  const mongo = new Proxy(db.mongo, {
    get(target, prop) {
      if (prop !== 'collection') {
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (name: string) => new Proxy(target.collection(name), {
        get(collection, p) {
          const value = Reflect.get(collection, p, collection) as unknown;
          if (typeof value !== 'function') return value;
          if (p === 'insertOne' || p === 'insertMany' || p === 'updateOne' || p === 'bulkWrite') {
            return async (...args: unknown[]) => {
              const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(collection, args);
              log.push('saved');
              return result;
            };
          }
          return value.bind(collection);
        },
      });
    },
  });
  const redis = new Proxy(db.redis, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'publish') {
        return (...args: unknown[]) => {
          log.push('published');
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { mongo, redis };
}

describe('Save a message, then publish it', () => {
  // Likely mistakes: publish before save (subscribers see a message that may never be stored);
  // publish and save at once with Promise.all; catching the failed insert and publishing anyway;
  // only publishing (pub/sub forgets) or only saving; the wrong channel; the author taken from the
  // request rather than the session.
  it('saves the message in MongoDB and a subscriber on another connection receives it', async () => {
    const app = await service();
    const user = await sessionFor();
    const sub = await subscriber('app:messages');
    const text = `${rnd.word()} ${rnd.id(8)} "quoted"`;

    const res = await app.inject({ method: 'POST', url: '/messages', headers: bearer(user.token), payload: { text } });
    const received = res.statusCode === 201 ? (JSON.parse(await sub.next()) as Record<string, unknown>) : res.json<unknown>();

    const sent = res.json<{ message: { id: string } }>().message;
    const saved = await db.mongo.collection('messages').find().toArray();
    const expected = {
      status: 201,
      received: sent,
      saved: [{ id: sent.id, authorId: user.id, author: user.email, text, createdAt: new Date(clock).toISOString() }],
    };
    expect({
      status: res.statusCode,
      received,
      saved: saved.map((m) => ({ id: m._id.toHexString(), authorId: m['authorId'], author: m['author'], text: m['text'], createdAt: (m['createdAt'] as Date).toISOString() })),
    }).toEqual(expected);
  });

  it('saves first and publishes after the save has succeeded', async () => {
    const log: string[] = [];
    const app = await service(recordingOrder(log));
    const user = await sessionFor();
    log.length = 0;

    await app.inject({ method: 'POST', url: '/messages', headers: bearer(user.token), payload: { text: rnd.word() } });

    const expected = ['saved', 'published'];
    expect(log).toEqual(expected);
  });

  it('publishes nothing and answers 503 when the save fails', async () => {
    const broken = await service({ mongo: failingInserts(db.mongo) });
    const working = await service();
    const user = await sessionFor();
    const sub = await subscriber('app:messages');
    const lost = `lost ${rnd.id(8)}`;
    const kept = `kept ${rnd.id(8)}`;

    const failed = await broken.inject({ method: 'POST', url: '/messages', headers: bearer(user.token), payload: { text: lost } });
    const ok = await working.inject({ method: 'POST', url: '/messages', headers: bearer(user.token), payload: { text: kept } });
    const first = ok.statusCode === 201 ? (JSON.parse(await sub.next()) as { text: string }) : { text: `POST /messages answered ${ok.statusCode}: ${ok.body}` };

    // Messages on one connection arrive in order: if the lost one had been published, it would come first.
    const expected = { status: 503, firstReceived: kept, saved: [kept] };
    const saved = await db.mongo.collection('messages').find().toArray();
    expect({ status: failed.statusCode, firstReceived: first.text, saved: saved.map((m) => m['text']) }).toEqual(expected);
  });

  it('answers 401 for a token with no session and saves nothing', async () => {
    const app = await service();

    const res = await app.inject({ method: 'POST', url: '/messages', headers: bearer(randomBytes(32).toString('base64url')), payload: { text: rnd.word() } });

    const expected = { status: 401, saved: 0 };
    expect({ status: res.statusCode, saved: await db.mongo.collection('messages').countDocuments() }).toEqual(expected);
  });
});

describe('Log out', () => {
  // Likely mistakes: only the cookie cleared (the key stays: a copied token works for an hour);
  // waiting for the TTL; deleting every session of the user, or the wrong key.
  it('deletes the session key: the token answers 401 afterwards and the cookie is cleared', async () => {
    const app = await service();
    const user = await sessionFor();
    const other = await sessionFor();
    await profiles().insertOne({ _id: user.id, name: rnd.name() });

    const out = await app.inject({ method: 'POST', url: '/logout', headers: bearer(user.token) });
    const after = await app.inject({ method: 'GET', url: '/profile', headers: bearer(user.token) });

    const expected = { status: 204, cookieCleared: true, after: 401, keys: [`app:session:${other.token}`] };
    expect({
      status: out.statusCode,
      cookieCleared: /Max-Age=0/.test(String(out.headers['set-cookie'])),
      after: after.statusCode,
      keys: await sessionKeys(),
    }).toEqual(expected);
  });

  it('returns true when it ended a session and false the second time', async () => {
    const token = randomBytes(32).toString('base64url');
    await db.redis.set(`app:session:${token}`, JSON.stringify({ userId: rnd.int(1, 99), email: rnd.email() }), 'EX', 60);

    const first = await ex.logOut(db.redis, token);
    const second = await ex.logOut(db.redis, token);

    const expected = { first: true, second: false, key: 0 };
    expect({ first, second, key: await db.redis.exists(`app:session:${token}`) }).toEqual(expected);
  });
});
