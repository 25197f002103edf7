import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { type Doc, rejection, stagesOf, useMongo } from './helpers.ts';

const mongo = useMongo('commands');

/** The first plan node (anywhere in an explain document) whose stage is `stage`. */
function findStage(plan: unknown, stage: string): Document | undefined {
  if (Array.isArray(plan)) {
    for (const p of plan) {
      const hit = findStage(p, stage);
      if (hit) return hit;
    }
  } else if (plan && typeof plan === 'object') {
    if ((plan as Document)['stage'] === stage) return plan as Document;
    for (const value of Object.values(plan)) {
      const hit = findStage(value, stage);
      if (hit) return hit;
    }
  }
  return undefined;
}

// Manual: "hello" (Database Commands → Replication)
describe('hello', () => {
  it('describes a writable primary with mongod\'s size limits and session support', async () => {
    const reply = await mongo.db().admin().command({ hello: 1 });
    const expected = {
      isWritablePrimary: true,
      maxBsonObjectSize: 16_777_216,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      minWireVersion: 0,
      readOnly: false,
      ok: 1,
    };
    expect(reply).toMatchObject(expected);
    expect(reply['localTime']).toBeInstanceOf(Date);
    expect(reply['maxWireVersion']).toBeGreaterThanOrEqual(9);
    expect(typeof reply['logicalSessionTimeoutMinutes']).toBe('number');
    expect(typeof reply['connectionId']).toBe('number');
  });

  it('still answers the legacy isMaster command with ismaster: true', async () => {
    const reply = await mongo.db().admin().command({ isMaster: 1 });
    expect(reply).toMatchObject({ ismaster: true, ok: 1 });
  });
});

// Manual: "endSessions" (Database Commands → Sessions)
describe('endSessions', () => {
  it('accepts the endSessions the driver sends for its sessions when the client closes', async () => {
    const watched = await mongo.connect({ monitorCommands: true });
    const succeeded: string[] = [];
    const failed: string[] = [];
    watched.on('commandSucceeded', (e) => succeeded.push(e.commandName));
    watched.on('commandFailed', (e) => failed.push(e.commandName));
    const session = watched.startSession();
    await watched.db(mongo.db().databaseName).collection('sessions_probe').insertOne({ x: 1 }, { session });
    await session.endSession();

    await watched.close();

    expect(succeeded).toContain('endSessions');
    expect(failed).toEqual([]);
  });

  it('answers an explicit endSessions with ok: 1', async () => {
    const session = mongo.client().startSession();
    await mongo.db().collection('sessions_probe').findOne({}, { session });
    const reply = await mongo.db().admin().command({ endSessions: [session.id] });
    await session.endSession();
    expect(reply).toMatchObject({ ok: 1 });
  });
});

// Manual: "ping", "buildInfo" (Database Commands → Diagnostic)
describe('ping and buildInfo', () => {
  it('answers ping with { ok: 1 }', async () => {
    const expected = { ok: 1 };
    // A replica-set member adds $clusterTime and operationTime, so only ok is compared.
    expect(await mongo.db().admin().command({ ping: 1 })).toMatchObject(expected);
  });

  it('reports a version string and a four-number versionArray in buildInfo', async () => {
    const reply = await mongo.db().admin().command({ buildInfo: 1 });
    expect(reply['version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(reply['versionArray']).toHaveLength(4);
    expect((reply['versionArray'] as unknown[]).every((n) => typeof n === 'number')).toBe(true);
    expect(String(reply['version']).startsWith((reply['versionArray'] as number[]).slice(0, 3).join('.'))).toBe(true);
    expect(reply).toMatchObject({ maxBsonObjectSize: 16_777_216, ok: 1 });
  });
});

// Manual: "listDatabases", "dropDatabase"
describe('listDatabases and dropDatabase', () => {
  it('lists a database once it holds data, with its size and empty: false', async () => {
    await mongo.db().collection('present').insertOne({ x: 1 });
    const reply = await mongo.db().admin().command({ listDatabases: 1 });
    const mine = (reply['databases'] as Document[]).find((d) => d['name'] === mongo.db().databaseName);
    expect(mine).toMatchObject({ name: mongo.db().databaseName, empty: false });
    expect(typeof mine?.['sizeOnDisk']).toBe('number');
    expect(typeof reply['totalSize']).toBe('number');
  });

  it('returns only names with nameOnly: true', async () => {
    await mongo.db().collection('present').insertOne({ x: 2 });
    const reply = await mongo.db().admin().command({ listDatabases: 1, nameOnly: true });
    const mine = (reply['databases'] as Document[]).find((d) => d['name'] === mongo.db().databaseName);
    const expected = { name: mongo.db().databaseName };
    expect(mine).toEqual(expected);
  });

  it('removes the database and all its collections with dropDatabase', async () => {
    const scratch = mongo.client().db(`${mongo.db().databaseName}_scratch`);
    await scratch.collection('a').insertOne({ x: 1 });
    await scratch.collection('b').insertOne({ x: 1 });

    const dropped = await scratch.dropDatabase();

    const names = (await mongo.client().db('admin').admin().listDatabases()).databases.map((d) => d.name);
    expect(dropped).toBe(true);
    expect(names).not.toContain(scratch.databaseName);
    expect(await scratch.listCollections().toArray()).toEqual([]);
  });
});

// Manual: "create", "listCollections", "drop"
describe('create, listCollections and drop', () => {
  it('creates an empty collection that listCollections describes, with its _id index', async () => {
    await mongo.db().createCollection('made');
    const [info] = await mongo.db().listCollections({ name: 'made' }).toArray();
    const expected = {
      name: 'made',
      type: 'collection',
      options: {},
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    };
    expect(info).toMatchObject(expected);
    expect((info as Document)['info']).toMatchObject({ readOnly: false });
    expect(await mongo.db().collection('made').countDocuments()).toBe(0);
  });

  it('returns only name and type with nameOnly: true', async () => {
    await mongo.db().createCollection('made_name_only');
    const infos = await mongo.db().listCollections({ name: 'made_name_only' }, { nameOnly: true }).toArray();
    const expected = [{ name: 'made_name_only', type: 'collection' }];
    expect(infos).toEqual(expected);
  });

  it('refuses to create a collection that already exists with other options (48 NamespaceExists)', async () => {
    await mongo.db().createCollection('exists_already');
    const error = await rejection(mongo.db().createCollection('exists_already', { validator: { a: { $exists: true } } }));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 48, codeName: 'NamespaceExists' });
  });

  it('removes the collection, its documents and its indexes with drop', async () => {
    const coll = await mongo.seed('to_drop', [{ email: 'a@example.com' }]);
    await coll.createIndex({ email: 1 });

    const dropped = await coll.drop();

    expect(dropped).toBe(true);
    expect(await mongo.db().listCollections({ name: 'to_drop' }).toArray()).toEqual([]);
    expect(await coll.countDocuments()).toBe(0);
    await coll.insertOne({ email: 'a@example.com' });
    const names = (await coll.listIndexes().toArray()).map((i: Document) => i['name']);
    expect(names).toEqual(['_id_']);
  });
});

// Manual: "listIndexes", "dropIndexes"
describe('listIndexes and dropIndexes', () => {
  it('answers listIndexes on a missing collection with 26 NamespaceNotFound', async () => {
    const error = await rejection(mongo.db().collection('never_created').listIndexes().toArray());
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 26, codeName: 'NamespaceNotFound' });
  });

  it('drops every index but _id_ with dropIndexes', async () => {
    const coll = await mongo.seed('drop_indexes', [{ a: 1, b: 1 }]);
    await coll.createIndex({ a: 1 });
    await coll.createIndex({ a: 1, b: -1 });

    await coll.dropIndexes();

    const names = (await coll.listIndexes().toArray()).map((i: Document) => i['name']);
    expect(names).toEqual(['_id_']);
  });

  it('drops one index by its key pattern', async () => {
    const coll = await mongo.seed('drop_by_key', [{ a: 1, b: 1 }]);
    await coll.createIndex({ a: 1, b: -1 });
    await coll.dropIndex({ a: 1, b: -1 } as never);
    const names = (await coll.listIndexes().toArray()).map((i: Document) => i['name']);
    expect(names).toEqual(['_id_']);
  });

  it('refuses to drop the _id index (72 InvalidOptions)', async () => {
    const coll = await mongo.seed('drop_id', [{ a: 1 }]);
    const error = await rejection(coll.dropIndex('_id_'));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 72, codeName: 'InvalidOptions' });
  });

  it('answers dropping an unknown index name with 27 IndexNotFound', async () => {
    const coll = await mongo.seed('drop_unknown', [{ a: 1 }]);
    const error = await rejection(coll.dropIndex('nope_1'));
    expect({ code: error.code, codeName: error.codeName }).toEqual({ code: 27, codeName: 'IndexNotFound' });
  });
});

// Manual: "count", "distinct"
describe('count and distinct', () => {
  // The manual's "distinct" example collection.
  let inventory: Collection<Doc>;
  beforeAll(async () => {
    inventory = await mongo.seed('distinct_inventory', [
      { _id: 1, dept: 'A', item: { sku: '111', color: 'red' }, sizes: ['S', 'M'] },
      { _id: 2, dept: 'A', item: { sku: '111', color: 'blue' }, sizes: ['M', 'L'] },
      { _id: 3, dept: 'B', item: { sku: '222', color: 'blue' }, sizes: 'S' },
      { _id: 4, dept: 'A', item: { sku: '333', color: 'black' }, sizes: ['S'] },
    ]);
  });

  it('counts matching documents with the count command ({ n, ok })', async () => {
    const reply = await mongo.db().command({ count: 'distinct_inventory', query: { dept: 'A' } });
    const expected = { n: 3, ok: 1 };
    expect(reply).toMatchObject(expected);
  });

  it('applies skip and limit in the count command', async () => {
    const reply = await mongo.db().command({ count: 'distinct_inventory', query: {}, skip: 1, limit: 2 });
    expect(reply['n']).toBe(2);
  });

  it('returns the distinct values of a field', async () => {
    const expected = ['A', 'B'];
    expect((await inventory.distinct('dept')).sort()).toEqual(expected);
  });

  it('returns the distinct values of an embedded field', async () => {
    const expected = ['111', '222', '333'];
    expect((await inventory.distinct('item.sku')).sort()).toEqual(expected);
  });

  it('treats each array element as a separate value', async () => {
    const expected = ['L', 'M', 'S'];
    expect((await inventory.distinct('sizes')).sort()).toEqual(expected);
  });

  it('applies a query to distinct', async () => {
    const expected = ['111', '333'];
    expect((await inventory.distinct('item.sku', { dept: 'A' })).sort()).toEqual(expected);
  });
});

// Manual: "explain" and "Explain Results" (COLLSCAN vs IXSCAN); "Compound Indexes" → "Index Prefixes"
describe('explain', () => {
  let users: Collection<Doc>;
  beforeAll(async () => {
    users = await mongo.seed(
      'users',
      Array.from({ length: 50 }, (_, i) => ({ email: `user${i}@example.com`, age: 20 + (i % 30), city: i % 2 ? 'Oslo' : 'Lima' })),
    );
  });

  it('shows a collection scan (COLLSCAN) when no index covers the filter', async () => {
    const explained = await users.find({ email: 'user7@example.com' }).explain('queryPlanner');
    const stages = stagesOf(explained['queryPlanner']['winningPlan']);
    expect(stages).toContain('COLLSCAN');
    expect(stages).not.toContain('IXSCAN');
  });

  it('shows an index scan (IXSCAN) on email_1 once a usable index exists', async () => {
    await users.createIndex({ email: 1 }, { unique: true });
    const explained = await users.find({ email: 'user7@example.com' }).explain('queryPlanner');
    const winningPlan = explained['queryPlanner']['winningPlan'];
    const stages = stagesOf(winningPlan);
    expect(stages).toContain('IXSCAN');
    expect(stages).not.toContain('COLLSCAN');
    expect(findStage(winningPlan, 'IXSCAN')).toMatchObject({ indexName: 'email_1', keyPattern: { email: 1 } });
  });

  it('names the namespace in queryPlanner', async () => {
    const explained = await users.find({}).explain('queryPlanner');
    expect(explained['queryPlanner']['namespace']).toBe(`${mongo.db().databaseName}.users`);
  });

  it('uses a compound index for a query on its prefix but not for one on its second field alone', async () => {
    await users.createIndex({ age: 1, city: -1 });
    const onPrefix = stagesOf((await users.find({ age: 30 }).explain('queryPlanner'))['queryPlanner']['winningPlan']);
    const onSecond = stagesOf((await users.find({ city: 'Oslo' }).explain('queryPlanner'))['queryPlanner']['winningPlan']);
    expect(onPrefix).toContain('IXSCAN');
    expect(onSecond).toContain('COLLSCAN');
    expect(onSecond).not.toContain('IXSCAN');
  });

  it('reports executionStats as in the manual\'s "Analyze Query Performance" example, before and after an index', async () => {
    const inventory = await mongo.seed('perf_inventory', [
      { _id: 1, item: 'f1', type: 'food', quantity: 500 },
      { _id: 2, item: 'f2', type: 'food', quantity: 100 },
      { _id: 3, item: 'p1', type: 'paper', quantity: 200 },
      { _id: 4, item: 'p2', type: 'paper', quantity: 150 },
      { _id: 5, item: 'f3', type: 'food', quantity: 300 },
      { _id: 6, item: 't1', type: 'toys', quantity: 500 },
      { _id: 7, item: 'a1', type: 'apparel', quantity: 250 },
      { _id: 8, item: 'a2', type: 'apparel', quantity: 400 },
      { _id: 9, item: 't2', type: 'toys', quantity: 50 },
      { _id: 10, item: 'f4', type: 'food', quantity: 75 },
    ]);
    const query = { quantity: { $gte: 100, $lte: 200 } };
    const stats = async () => {
      const explained = await inventory.find(query).explain('executionStats');
      const s = explained['executionStats'] as Document;
      return {
        scan: stagesOf(explained['queryPlanner']['winningPlan']).includes('IXSCAN') ? 'IXSCAN' : 'COLLSCAN',
        nReturned: s['nReturned'],
        totalKeysExamined: s['totalKeysExamined'],
        totalDocsExamined: s['totalDocsExamined'],
      };
    };

    const before = await stats();
    await inventory.createIndex({ quantity: 1 });
    const after = await stats();

    expect(before).toEqual({ scan: 'COLLSCAN', nReturned: 3, totalKeysExamined: 0, totalDocsExamined: 10 });
    expect(after).toEqual({ scan: 'IXSCAN', nReturned: 3, totalKeysExamined: 3, totalDocsExamined: 3 });
  });

  it('returns the same documents with or without the index', async () => {
    const withIndex = await users.find({ email: 'user7@example.com' }, { projection: { _id: 0 } }).toArray();
    const expected = [{ email: 'user7@example.com', age: 27, city: 'Oslo' }];
    expect(withIndex).toEqual(expected);
  });
});
