/**
 * explain('executionStats') reports what the query really did. Lesson 03 grades a learner's query by
 * "examines no more documents than it returns", so these are the numbers it reads.
 * Manual: "Explain Results", "Analyze Query Performance", "Covered Queries", "Multikey Indexes",
 * "$regex — Index Use", "The ESR (Equality, Sort, Range) Guideline".
 * Assertions look for stages anywhere in queryPlanner.winningPlan (see stagesOf), so they hold for
 * mongod's classic and slot-based plan shapes alike.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { stagesOf, useMongo, type Doc } from './helpers.ts';

const mongo = useMongo('explain');

const CITIES = ['London', 'Paris', 'Oslo', 'Rome'];
const N = 200;

/** 200 users: unique emails, 20 distinct names, 4 cities, ages 18–67, two tags each. */
function users(): Doc[] {
  return Array.from({ length: N }, (_, i) => ({
    _id: i,
    email: `user${i}@example.com`,
    name: `${['Al', 'Bo', 'Cy', 'Di'][i % 4]}${i % 20}`,
    city: CITIES[i % 4],
    age: 18 + (i % 50),
    tags: [`t${i % 3}`, `u${i % 5}`],
  }));
}

interface Summary {
  stages: string[];
  nReturned: number;
  keysExamined: number;
  docsExamined: number;
}

function summary(explained: Document): Summary {
  return {
    stages: stagesOf(explained['queryPlanner'].winningPlan),
    nReturned: explained['executionStats'].nReturned,
    keysExamined: explained['executionStats'].totalKeysExamined,
    docsExamined: explained['executionStats'].totalDocsExamined,
  };
}

/** The IXSCAN node of the winning plan. */
function ixscan(explained: Document): Doc {
  let found: Doc;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if ((node as Doc).stage === 'IXSCAN') found = node;
      else Object.values(node).forEach(walk);
    }
  };
  walk(explained['queryPlanner'].winningPlan);
  if (found === undefined) throw new Error(`no IXSCAN in ${JSON.stringify(explained['queryPlanner'].winningPlan)}`);
  return found;
}

let coll: Collection<Doc>;
beforeAll(async () => {
  coll = await mongo.seed('users', users());
  await coll.createIndex({ email: 1 }, { unique: true });
  await coll.createIndex({ name: 1 });
  await coll.createIndex({ city: 1, age: 1 });
  await coll.createIndex({ tags: 1 });
});

describe('Explain: an equality on an indexed field', () => {
  it('reads the index (IXSCAN under FETCH) and examines exactly the keys and documents it returns', async () => {
    const s = summary(await coll.find({ name: 'Al0' }).explain('executionStats'));
    const expected = { stages: ['FETCH', 'IXSCAN'], nReturned: 10, keysExamined: 10, docsExamined: 10 };
    expect(s).toEqual(expected);
  });

  it('names the index, its key pattern and the point bounds it scanned', async () => {
    const ix = ixscan(await coll.find({ name: 'Al0' }).explain('executionStats'));
    const expected = { indexName: 'name_1', keyPattern: { name: 1 }, isMultiKey: false, direction: 'forward', indexBounds: { name: ['["Al0", "Al0"]'] } };
    expect({ indexName: ix.indexName, keyPattern: ix.keyPattern, isMultiKey: ix.isMultiKey, direction: ix.direction, indexBounds: ix.indexBounds }).toEqual(expected);
  });
});

describe('Explain: a unique email lookup', () => {
  it('examines one key and one document to return one user', async () => {
    const explained = await coll.find({ email: 'user123@example.com' }).explain('executionStats');
    const expected = { stages: ['FETCH', 'IXSCAN'], nReturned: 1, keysExamined: 1, docsExamined: 1 };
    expect(summary(explained)).toEqual(expected);
    const ix = ixscan(explained);
    expect({ indexName: ix.indexName, isUnique: ix.isUnique }).toEqual({ indexName: 'email_1', isUnique: true });
  });

  it('examines nothing for an email nobody has', async () => {
    const s = summary(await coll.find({ email: 'nobody@example.com' }).explain('executionStats'));
    expect({ nReturned: s.nReturned, docsExamined: s.docsExamined }).toEqual({ nReturned: 0, docsExamined: 0 });
  });
});

describe('Explain: a range and a sort on a compound index', () => {
  it('follows equality-sort-range: no SORT stage, and no document examined that is not returned', async () => {
    const explained = await coll.find({ city: 'Oslo', age: { $gte: 30, $lt: 40 } }).sort({ age: 1 }).explain('executionStats');
    const s = summary(explained);
    const expected = { stages: ['FETCH', 'IXSCAN'], nReturned: 10, docsExamined: 10 };
    expect({ stages: s.stages, nReturned: s.nReturned, docsExamined: s.docsExamined }).toEqual(expected);
    expect(ixscan(explained).indexBounds).toEqual({ city: ['["Oslo", "Oslo"]'], age: ['[30, 40)'] });
  });

  it('reads the index backwards for a descending sort', async () => {
    const ix = ixscan(await coll.find({ city: 'Oslo' }).sort({ age: -1 }).explain('executionStats'));
    expect(ix.direction).toBe('backward');
  });

  it('adds a blocking SORT stage when the sort has a field the index does not hold', async () => {
    const s = summary(await coll.find({ city: 'Oslo' }).sort({ age: -1, nickname: 1 }).explain('executionStats'));
    expect(s.stages.includes('SORT')).toBe(true);
  });
});

describe('Explain: an unindexed filter', () => {
  it('scans the collection (COLLSCAN), examining every document and no key', async () => {
    const s = summary(await coll.find({ age: 30, name: { $exists: true }, nickname: null }).hint({ $natural: 1 }).explain('executionStats'));
    expect({ stages: s.stages, keysExamined: s.keysExamined, docsExamined: s.docsExamined }).toEqual({ stages: ['COLLSCAN'], keysExamined: 0, docsExamined: N });
  });

  it('scans the collection for a field that has no index at all', async () => {
    const s = summary(await coll.find({ nickname: 'x' }).explain('executionStats'));
    expect({ stages: s.stages, nReturned: s.nReturned, docsExamined: s.docsExamined }).toEqual({ stages: ['COLLSCAN'], nReturned: 0, docsExamined: N });
  });
});

describe('Explain: $or with an index for every branch', () => {
  it('runs one IXSCAN per branch under an OR stage and fetches each document once', async () => {
    const explained = await coll.find({ $or: [{ name: 'Al0' }, { email: 'user1@example.com' }] }).explain('executionStats');
    const s = summary(explained);
    expect(s.stages.filter((x) => x === 'IXSCAN').length).toBe(2);
    expect(s.stages).toContain('OR');
    expect(s.stages).not.toContain('COLLSCAN');
    expect({ nReturned: s.nReturned, keysExamined: s.keysExamined, docsExamined: s.docsExamined }).toEqual({ nReturned: 11, keysExamined: 11, docsExamined: 11 });
  });

  it('examines a document two branches both point to only once', async () => {
    // Users 0 and 100 are both named Al0 and live in London aged 18.
    const filter = { $or: [{ name: 'Al0' }, { city: 'London', age: 18 }] };
    const s = summary(await coll.find(filter).explain('executionStats'));
    expect({ nReturned: s.nReturned, keysExamined: s.keysExamined, docsExamined: s.docsExamined }).toEqual({ nReturned: 10, keysExamined: 12, docsExamined: 10 });
    expect((await coll.find(filter).toArray()).length).toBe(10);
  });

  it('scans the collection when one branch has no index', async () => {
    const s = summary(await coll.find({ $or: [{ name: 'Al0' }, { nickname: 'x' }] }).explain('executionStats'));
    expect({ stages: s.stages, docsExamined: s.docsExamined }).toEqual({ stages: ['COLLSCAN'], docsExamined: N });
  });
});

describe('Explain: $ne and $elemMatch on indexed fields', () => {
  it('scans the index around the value for $ne, as [MinKey, v) and (v, MaxKey]', async () => {
    const explained = await coll.find({ city: { $ne: 'London' } }).explain('executionStats');
    const s = summary(explained);
    expect({ stages: s.stages, nReturned: s.nReturned, docsExamined: s.docsExamined }).toEqual({ stages: ['FETCH', 'IXSCAN'], nReturned: 150, docsExamined: 150 });
    expect(ixscan(explained).indexBounds.city).toEqual(['[MinKey, "London")', '("London", MaxKey]']);
  });

  it('bounds a multikey index by every condition of a value $elemMatch, since one element meets them all', async () => {
    const explained = await coll.find({ tags: { $elemMatch: { $gte: 't1', $lt: 't2' } } }).explain('executionStats');
    const s = summary(explained);
    expect({ stages: s.stages, nReturned: s.nReturned, docsExamined: s.docsExamined }).toEqual({ stages: ['FETCH', 'IXSCAN'], nReturned: 67, docsExamined: 67 });
    expect(ixscan(explained).indexBounds.tags).toEqual(['["t1", "t2")']);
  });
});

describe('Explain: a regular expression on an indexed field', () => {
  it('turns an anchored /^prefix/ into index bounds, examining only matching documents', async () => {
    const explained = await coll.find({ name: /^Bo1/ }).explain('executionStats');
    const s = summary(explained);
    const bounds = ixscan(explained).indexBounds.name as string[];
    // Bo1, Bo13, Bo17 -> 3 names x 10 users.
    expect({ nReturned: s.nReturned, docsExamined: s.docsExamined, prefixBound: bounds.includes('["Bo1", "Bo2")') }).toEqual({ nReturned: 30, docsExamined: 30, prefixBound: true });
    expect(s.keysExamined <= s.nReturned + 1).toBe(true);
  });

  it('scans every key for an unanchored regex but fetches only the documents whose key matches', async () => {
    const explained = await coll.find({ name: /o1/ }).explain('executionStats');
    const s = summary(explained);
    expect({ nReturned: s.nReturned, docsExamined: s.docsExamined, everyKey: s.keysExamined >= N }).toEqual({ nReturned: 30, docsExamined: 30, everyKey: true });
    expect(ixscan(explained).indexBounds.name).toEqual(['["", {})', '[/o1/, /o1/]']);
  });
});

describe('Explain: covered queries and multikey indexes', () => {
  it('answers from the index alone (PROJECTION_COVERED) and examines no document', async () => {
    const s = summary(await coll.find({ name: 'Cy2' }, { projection: { _id: 0, name: 1 } }).explain('executionStats'));
    const expected = { stages: ['PROJECTION_COVERED', 'IXSCAN'], nReturned: 10, keysExamined: 10, docsExamined: 0 };
    expect(s).toEqual(expected);
  });

  it('is not covered when the projection keeps _id, which the index does not hold', async () => {
    const s = summary(await coll.find({ name: 'Cy2' }, { projection: { name: 1 } }).explain('executionStats'));
    expect({ fetch: s.stages.includes('FETCH'), docsExamined: s.docsExamined }).toEqual({ fetch: true, docsExamined: 10 });
  });

  it('reports isMultiKey for an index on an array field, and returns each document once', async () => {
    const explained = await coll.find({ tags: { $in: ['t1', 'u1'] } }).explain('executionStats');
    const ix = ixscan(explained);
    const s = summary(explained);
    // t1: i % 3 == 1 (67 users); u1: i % 5 == 1 (40); both: i % 15 == 1 (14) -> 93 users.
    expect({ isMultiKey: ix.isMultiKey, multiKeyPaths: ix.multiKeyPaths, nReturned: s.nReturned, docsExamined: s.docsExamined }).toEqual({
      isMultiKey: true,
      multiKeyPaths: { tags: ['tags'] },
      nReturned: 93,
      docsExamined: 93,
    });
  });

  it('looks a document up by _id examining one key and one document', async () => {
    const s = summary(await coll.find({ _id: 42 }).explain('executionStats'));
    expect({ nReturned: s.nReturned, keysExamined: s.keysExamined, docsExamined: s.docsExamined }).toEqual({ nReturned: 1, keysExamined: 1, docsExamined: 1 });
  });
});
