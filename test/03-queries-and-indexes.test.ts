/**
 * Lesson 03 — Queries and indexes. One `describe` per task in lessons/03-queries-and-indexes/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/03-queries-and-indexes.test.ts
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ObjectId, type Document } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/03-queries-and-indexes/exercise.ts');
type User = import('../solutions/03-queries-and-indexes/exercise.ts').User;
type Order = import('../solutions/03-queries-and-indexes/exercise.ts').Order;

const ex = await loadExercise<Exercise>('03-queries-and-indexes');
const db = useBackends(['mongo']);
const rnd = useRandom();

const users = () => db.mongo.collection<User>('users');
const orders = () => db.mongo.collection<Order>('orders');
const TAGS = ['admin', 'beta', 'newsletter', 'vip', 'mobile', 'early-adopter'] as const;
const COUNTRIES = ['BR', 'DE', 'IN', 'JP', 'NG', 'SE', 'US'] as const;
const STATUSES = ['paid', 'shipped', 'cancelled'] as const;

/** The test's own scrypt hashing, in the course's `scrypt:<salt>:<hash>` format (not the learner's code). */
function hash(password: string): string {
  const salt = randomBytes(16);
  return `scrypt:${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

function matches(password: string, stored: string): boolean {
  const [, salt = '', expected = ''] = stored.split(':');
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), 32);
  return actual.length === Buffer.from(expected, 'hex').length && timingSafeEqual(actual, Buffer.from(expected, 'hex'));
}

/** Code-unit order, which is how MongoDB compares strings without a collation. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A random user with a random set of tags and a (dummy) password hash that must never be returned. */
function randomUser(overrides: Partial<User> = {}): User {
  const { name, email, age } = rnd.user();
  return {
    name, email, age,
    country: rnd.pick(COUNTRIES),
    tags: rnd.sample(TAGS, rnd.int(0, 4)),
    passwordHash: `scrypt:${rnd.id(32)}:${rnd.id(64)}`,
    ...overrides,
  };
}

describe('Filter with operators and arrays', () => {
  // Mistakes caught: $in where $all is meant (any tag instead of every tag); $gt where $gte is meant (drops
  // the user who is exactly minAge); no projection (returns _id and passwordHash); no sort; dot notation on
  // an array of documents (`'items.sku'` and `'items.qty'` matched by different items) instead of
  // $elemMatch; an exact sub-document match (`items: { sku, qty }`).

  /** Users that straddle every edge of the filter, plus random ones, stored in reverse order of name. */
  async function seedMembers(tags: string[], minAge: number): Promise<User[]> {
    const edges = [
      randomUser({ tags: [...tags, 'mobile'], age: minAge }),
      ...Array.from({ length: rnd.int(2, 4) }, () => randomUser({ tags: rnd.shuffle([...tags, 'beta']), age: minAge + rnd.int(1, 30) })),
      randomUser({ tags: [tags[0]!], age: minAge + rnd.int(1, 30) }),
      randomUser({ tags: [...tags], age: minAge - 1 }),
    ];
    const all = [...edges, ...Array.from({ length: rnd.int(6, 12) }, () => randomUser())].sort((a, b) => byText(b.name, a.name));
    await users().insertMany(all.map((u) => ({ ...u })));
    return all;
  }

  it('returns name and email of the users with every tag and at least minAge, sorted by name', async () => {
    const tags = rnd.sample(['admin', 'beta', 'newsletter', 'vip'], 2);
    const minAge = rnd.int(25, 50);
    const all = await seedMembers(tags, minAge);

    const expected = all
      .filter((u) => tags.every((t) => u.tags.includes(t)) && u.age >= minAge)
      .map(({ name, email }) => ({ name, email }))
      .sort((a, b) => byText(a.name, b.name));
    expect(await ex.findMembers(db.mongo, tags, minAge)).toEqual(expected);
  });

  it('returns an empty list when nobody has every one of the tags', async () => {
    const tags = [rnd.pick(TAGS), `ghost-${rnd.id(5)}`];
    await seedMembers([tags[0]!], 18);

    const expected: unknown[] = [];
    expect(await ex.findMembers(db.mongo, tags, 18)).toEqual(expected);
  });

  it('returns the orders where one and the same item has the sku and at least minQty, oldest first', async () => {
    const sku = `SKU-${rnd.id(5).toUpperCase()}`;
    const other = `SKU-${rnd.id(5).toUpperCase()}`;
    const minQty = rnd.int(3, 6);
    const order = (items: Order['items']): Order => ({
      customerId: `c_${rnd.id(6)}`, status: rnd.pick(STATUSES), createdAt: rnd.date(), total: rnd.int(5, 500), items,
    });
    const wanted = [
      order([{ sku, qty: minQty }]),
      order([{ sku: other, qty: 1 }, { sku, qty: minQty + rnd.int(1, 5) }]),
    ];
    const unwanted = [
      order([{ sku, qty: minQty - 1 }, { sku: other, qty: minQty + rnd.int(1, 5) }]), // the dot-notation trap
      order([{ sku: other, qty: minQty + 2 }]),
      order([{ sku, qty: rnd.int(0, minQty - 1) }]),
    ];
    // Stored newest first, so only a sort returns them oldest first.
    const all = [...wanted, ...unwanted].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    await orders().insertMany(all);

    const expected = [...wanted].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    expect(await ex.ordersWithItem(db.mongo, sku, minQty)).toEqual(expected);
  });
});

describe('Search names by prefix', () => {
  // Mistakes caught: an unanchored regex (finds the prefix in the middle of a name); an unescaped prefix (the
  // `.` in `St.` matches any character, the `(` in `Li (` is a broken regex); the `i` flag (case counts, and
  // a case-insensitive regex cannot use an index well); returning documents instead of names; no sort.

  /** Stores users with these names in reverse order, so only a sort returns them in order. */
  async function seedNames(names: string[]): Promise<void> {
    await users().insertMany([...names].sort((a, b) => byText(b, a)).map((name) => randomUser({ name })));
  }

  it('returns the names that start with the prefix, and not those that only contain it, sorted', async () => {
    const base = rnd.users(rnd.int(6, 10)).map((u) => u.name);
    const prefix = base[0]!.slice(0, rnd.int(2, 4));
    const names = [...base, `Ana ${prefix}${rnd.word()}`, `${prefix}${rnd.word()} Lee`];
    await seedNames(names);

    const expected = names.filter((n) => n.startsWith(prefix)).sort(byText);
    expect(await ex.namesStartingWith(db.mongo, prefix)).toEqual(expected);
  });

  it('treats regex characters in the prefix as themselves (St. and Li ()', async () => {
    const names = ['St. John Rivers', 'Ste. Marie Dubois', 'Stan Lee', 'Mary St. Clair', 'Li (Lily) Wen', 'Lin Chen', 'Lia Rossi'];
    await seedNames([...names, ...rnd.users(rnd.int(2, 5)).map((u) => u.name)]);

    const expected = { 'St.': ['St. John Rivers'], 'Li (': ['Li (Lily) Wen'] };
    const actual = {
      'St.': await ex.namesStartingWith(db.mongo, 'St.'),
      'Li (': await ex.namesStartingWith(db.mongo, 'Li ('),
    };
    expect(actual).toEqual(expected);
  });

  it('matches case exactly as written', async () => {
    const upper = `De ${rnd.pick(['Vries', 'Jong', 'Boer'])} ${rnd.word()}`;
    const lower = `de ${rnd.pick(['la Cruz', 'Souza', 'Luca'])} ${rnd.word()}`;
    await seedNames([upper, lower, ...rnd.users(rnd.int(2, 5)).map((u) => u.name)]);

    const expected = { 'de ': [lower], 'De ': [upper] };
    const actual = {
      'de ': await ex.namesStartingWith(db.mongo, 'de '),
      'De ': await ex.namesStartingWith(db.mongo, 'De '),
    };
    expect(actual).toEqual(expected);
  });
});

describe('Page through users two ways', () => {
  // Mistakes caught: skip(page * size) for a 1-based page (skips the first page); no sort (stored order is
  // not _id order here); $gte on the seek (repeats the last user of the previous page); `next` set after a
  // full last page (an extra, empty page) or left null while users remain; fields other than _id and name.

  /** `count` users whose ids increase but who are stored in random order; returns them in _id order. */
  async function seedUsers(count: number): Promise<Array<{ _id: ObjectId; name: string }>> {
    const all = Array.from({ length: count }, () => ({ ...randomUser(), _id: new ObjectId() }));
    await users().insertMany(rnd.shuffle(all).map((u) => ({ ...u })));
    return all.map(({ _id, name }) => ({ _id, name })).sort((a, b) => byText(a._id.toHexString(), b._id.toHexString()));
  }

  /** Every page from pageAfter, following `next` until it is null (and never more calls than users + 2). */
  async function walk(size: number, limit: number): Promise<Array<Array<{ _id: ObjectId; name: string }>>> {
    const pages = [];
    let after: ObjectId | null = null;
    do {
      const page: Awaited<ReturnType<Exercise['pageAfter']>> = await ex.pageAfter(db.mongo, after, size);
      pages.push(page.users);
      after = page.next;
    } while (after !== null && pages.length < limit);
    return pages;
  }

  it('returns page 1, a middle page and the last, partial page by skip and limit', async () => {
    const size = rnd.int(3, 5);
    const all = await seedUsers(size * rnd.int(3, 4) + rnd.int(1, size - 1));
    const last = Math.ceil(all.length / size);
    const middle = rnd.int(2, last - 1);

    const expected = [1, middle, last].map((page) => all.slice((page - 1) * size, page * size));
    const actual = [];
    for (const page of [1, middle, last]) actual.push(await ex.pageBySkip(db.mongo, page, size));
    expect(actual).toEqual(expected);
  });

  it('returns an empty page past the end', async () => {
    const size = rnd.int(3, 5);
    const all = await seedUsers(rnd.int(4, 9));

    const expected: unknown[] = [];
    expect(await ex.pageBySkip(db.mongo, Math.ceil(all.length / size) + 1, size)).toEqual(expected);
  });

  it('walks every user once, in _id order, from the first page to a null next', async () => {
    const size = rnd.int(2, 5);
    const all = await seedUsers(size * rnd.int(2, 4) + rnd.int(1, size - 1));

    const expected = Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, (i + 1) * size));
    expect(await walk(size, all.length + 2)).toEqual(expected);
  });

  it('stops without an empty page when the users fill the last page exactly', async () => {
    const size = rnd.int(2, 5);
    const all = await seedUsers(size * rnd.int(2, 4));

    const expected = Array.from({ length: all.length / size }, (_, i) => all.slice(i * size, (i + 1) * size));
    expect(await walk(size, all.length + 2)).toEqual(expected);
  });

  it('starts right after the given _id', async () => {
    const size = rnd.int(2, 4);
    const all = await seedUsers(rnd.int(8, 12));
    const from = rnd.int(0, all.length - size - 2);

    const expected = { users: all.slice(from + 1, from + 1 + size), next: all[from + size]!._id };
    expect(await ex.pageAfter(db.mongo, all[from]!._id, size)).toEqual(expected);
  });
});

describe('Register behind a unique email', () => {
  // Mistakes caught: no unique index, or check-then-insert (concurrent sign-ups create the same email twice);
  // catching every error as "email taken" (hides a real failure); storing the password instead of
  // hashPassword(password); returning the ObjectId instead of its string.

  beforeEach(async () => {
    await ex.createUserIndexes(db.mongo);
  });

  it('creates a unique index on email, and can run twice', async () => {
    await ex.createUserIndexes(db.mongo);

    const expected = [{ key: { email: 1 }, unique: true }];
    const indexes = await users().indexes();
    const onEmail = indexes.filter((i) => Object.keys(i.key).join() === 'email').map((i) => ({ key: i.key, unique: i.unique }));
    expect(onEmail).toEqual(expected);
  });

  it('stores the user with a hash of the password, and returns its id as a string', async () => {
    const { name, email, age } = rnd.user();
    const password = `${rnd.word()}-${rnd.id(10)}`;
    const profile = { name, email, age, country: rnd.pick(COUNTRIES), tags: rnd.sample(TAGS, 2) };

    const result = await ex.register(db.mongo, profile, password);

    const stored = await users().findOne({ email });
    expect(result).toEqual({ ok: true, id: stored?._id.toHexString() });
    const { _id, passwordHash, ...rest } = stored ?? ({} as User);
    expect(rest).toEqual(profile);
    expect(typeof passwordHash === 'string' && matches(password, passwordHash)).toBe(true);
  });

  it('answers email-taken for a second sign-up with the same email, keeping the first user', async () => {
    const { name, email, age } = rnd.user();
    const first = { name, email, age, country: 'SE', tags: [] };
    await ex.register(db.mongo, first, rnd.id(12));

    const result = await ex.register(db.mongo, { ...first, name: rnd.name() }, rnd.id(12));

    expect(result).toEqual({ ok: false, reason: 'email-taken' });
    const expected = [{ name, email }];
    expect(await users().find({}, { projection: { _id: 0, name: 1, email: 1 } }).toArray()).toEqual(expected);
  });

  it('lets exactly one of several simultaneous sign-ups with one email through', async () => {
    const { email } = rnd.user();
    const attempts = rnd.int(4, 8);

    const results = await Promise.all(Array.from({ length: attempts }, () =>
      ex.register(db.mongo, { name: rnd.name(), email, age: rnd.int(18, 80), country: 'JP', tags: [] }, rnd.id(12))));

    const expected = { ok: 1, taken: attempts - 1, stored: 1 };
    const actual = {
      ok: results.filter((r) => r.ok).length,
      taken: results.filter((r) => !r.ok && r.reason === 'email-taken').length,
      stored: await users().countDocuments({ email }),
    };
    expect(actual).toEqual(expected);
  });

  it('lets an error that is not a duplicate email reach the caller', async () => {
    // A validator that refuses an empty name: the insert fails with code 121, not 11000.
    await db.mongo.command({
      collMod: 'users',
      validator: { $jsonSchema: { bsonType: 'object', properties: { name: { bsonType: 'string', minLength: 1 } } } },
    });
    const { email } = rnd.user();

    const outcome = await ex.register(db.mongo, { name: '', email, age: 30, country: 'DE', tags: [] }, rnd.id(12)).then(
      (result) => ({ resolved: result }),
      (error: unknown) => ({ rejectedWithCode: (error as { code?: unknown }).code }),
    );

    const expected = { rejectedWithCode: 121 };
    expect(outcome).toEqual(expected);
  });
});

describe('Index a query until explain agrees', () => {
  // Graded by explain('executionStats'), in the shape mongod documents: the winning plan must read an index
  // (IXSCAN, no COLLSCAN), must not sort in memory (no SORT stage), and totalDocsExamined must not exceed
  // nReturned, nor totalKeysExamined nReturned + 1. Mistakes caught: no index (COLLSCAN); an index on
  // customerId alone (examines the customer's orders of every status); { customerId, status } without
  // createdAt (a SORT stage); the sort field first (walks every key: mongod may still fetch only the
  // matches, so the key count is what catches it there); sorting oldest first, or not at all.

  let seeded: Order[] = [];

  beforeEach(async () => {
    const customers = Array.from({ length: rnd.int(3, 5) }, () => `c_${rnd.id(6)}`);
    seeded = Array.from({ length: rnd.int(60, 120) }, () => ({
      _id: new ObjectId(),
      customerId: rnd.pick(customers),
      status: rnd.pick(STATUSES),
      createdAt: rnd.date(),
      total: rnd.int(5, 900),
      items: [{ sku: `SKU-${rnd.int(1, 20)}`, qty: rnd.int(1, 4) }],
    }));
    await orders().insertMany(seeded.map((o) => ({ ...o })));
    await ex.createOrderIndexes(db.mongo);
  });

  /** A customer and status that some orders have, and the orders the query must return, newest first. */
  function pickQuery(): { customerId: string; status: Order['status']; expected: Order[] } {
    const { customerId, status } = rnd.pick(seeded);
    const expected = seeded
      .filter((o) => o.customerId === customerId && o.status === status)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return { customerId, status, expected };
  }

  /** The stage names of the winning plan, top down (classic and slot-based engine explain alike). */
  function stages(explained: Document): string[] {
    const planner = explained['queryPlanner'] as Document;
    const winning = planner['winningPlan'] as Document;
    const names: string[] = [];
    const visit = (s: Document | undefined): void => {
      if (!s) return;
      names.push(String(s['stage']));
      visit(s['inputStage'] as Document | undefined);
      for (const child of (s['inputStages'] as Document[] | undefined) ?? []) visit(child);
    };
    visit((winning['queryPlan'] as Document | undefined) ?? winning);
    return names;
  }

  it("returns the customer's orders with that status, newest first", async () => {
    const { customerId, status, expected } = pickQuery();

    expect(await ex.findOrders(db.mongo, customerId, status).toArray()).toEqual(expected);
  });

  it('reads them through an index, examining no more keys or documents than it returns', async () => {
    const { customerId, status, expected } = pickQuery();

    const explained = await ex.findOrders(db.mongo, customerId, status).explain('executionStats');

    const stats = explained['executionStats'] as Document;
    const plan = stages(explained);
    const returned = Number(stats['nReturned']);
    const actual = {
      nReturned: returned,
      docsNoMoreThanReturned: Number(stats['totalDocsExamined']) <= returned,
      keysNoMoreThanReturned: Number(stats['totalKeysExamined']) <= returned + 1,
      usesIndex: plan.includes('IXSCAN') && !plan.includes('COLLSCAN'),
    };
    const expectedStats = { nReturned: expected.length, docsNoMoreThanReturned: true, keysNoMoreThanReturned: true, usesIndex: true };
    // The plan and the counts on both sides, so a failure shows them to the learner.
    const shown = { plan: plan.join(' > '), totalKeysExamined: stats['totalKeysExamined'], totalDocsExamined: stats['totalDocsExamined'] };
    const why = 'explain must show an IXSCAN that examines only what it returns: which index finds exactly these orders?';
    expect({ ...actual, ...shown }, why).toEqual({ ...expectedStats, ...shown });
  });

  it('gets the order from the index, with no SORT stage', async () => {
    const { customerId, status } = pickQuery();

    const explained = await ex.findOrders(db.mongo, customerId, status).explain('executionStats');

    const plan = stages(explained);
    const why = 'a SORT stage means the server sorted the matches in memory: the index does not give the order yet';
    expect({ plan: plan.join(' > '), sortsInMemory: plan.includes('SORT') }, why).toEqual({ plan: plan.join(' > '), sortsInMemory: false });
  });
});

describe('Log in without NoSQL injection', () => {
  // Mistakes caught: passing body.email to findOne unchecked ({ "$ne": null } logs in as whoever comes first);
  // passing a password object to scrypt (a TypeError: a crash instead of a refusal); putting a hash in the
  // filter (never matches, because each user has their own salt); trusting a body that is not an object.

  /** Users with their own passwords; `shared` gives all of them one password (the attacker's guess). */
  async function seedAccounts(shared?: string): Promise<Array<{ id: ObjectId; email: string; password: string }>> {
    const accounts = rnd.users(rnd.int(3, 5)).map((u) => ({ ...u, id: new ObjectId(), password: shared ?? `${rnd.word()}-${rnd.id(8)}` }));
    await users().insertMany(accounts.map((a) => ({
      _id: a.id, name: a.name, email: a.email, age: a.age, country: rnd.pick(COUNTRIES), tags: [], passwordHash: hash(a.password),
    })));
    return accounts.map(({ id, email, password }) => ({ id, email, password }));
  }

  it('returns the user id for the right email and password', async () => {
    const accounts = await seedAccounts();
    const who = rnd.pick(accounts);

    const expected = { ok: true, userId: who.id.toHexString() };
    expect(await ex.login(db.mongo, JSON.parse(JSON.stringify({ email: who.email, password: who.password })))).toEqual(expected);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const accounts = await seedAccounts();
    const who = rnd.pick(accounts);

    const expected = [{ ok: false }, { ok: false }];
    const actual = [
      await ex.login(db.mongo, { email: who.email, password: `${who.password}x` }),
      await ex.login(db.mongo, { email: rnd.email(), password: who.password }),
    ];
    expect(actual).toEqual(expected);
  });

  it('refuses an operator object as the email, even with a password every user has', async () => {
    const shared = `${rnd.word()}${rnd.int(100, 999)}`;
    await seedAccounts(shared);
    const attacks = ['{"$ne": null}', '{"$gt": ""}', '{"$regex": "."}', '{"$exists": true}'];

    const expected = attacks.map((email) => ({ email, result: { ok: false } }));
    const actual = [];
    for (const email of attacks) {
      const body: unknown = JSON.parse(`{"email": ${email}, "password": ${JSON.stringify(shared)}}`);
      actual.push({ email, result: await ex.login(db.mongo, body) });
    }
    expect(actual).toEqual(expected);
  });

  it('refuses an operator object as the password, without throwing', async () => {
    const accounts = await seedAccounts();
    const who = rnd.pick(accounts);
    const body: unknown = JSON.parse(`{"email": ${JSON.stringify(who.email)}, "password": {"$ne": null}}`);

    const expected = { ok: false };
    expect(await ex.login(db.mongo, body)).toEqual(expected);
  });

  it('refuses bodies of the wrong shape, without throwing', async () => {
    const accounts = await seedAccounts();
    const who = rnd.pick(accounts);
    const bodies: unknown[] = [null, 'email=x', 42, [who.email, who.password], {}, { email: who.email }, { password: who.password },
      { email: [who.email], password: who.password }, { email: who.email, password: [who.password] }];

    const expected = bodies.map(() => ({ ok: false }));
    const actual = [];
    for (const body of bodies) actual.push(await ex.login(db.mongo, body));
    expect(actual).toEqual(expected);
  });
});
