/**
 * Three workloads to choose shard keys for: their documents (generated, in insertion order) and
 * the queries the application runs most. Give `generate` any source of numbers in [0, 1): the
 * notebook passes Math.random, the checks a seeded stream, so every run sees different data.
 */
import { ObjectId } from 'mongodb';

export type Rng = () => number;
export type Doc = Record<string, unknown>;

export interface Workload {
  readonly name: 'orders' | 'deliveries' | 'pageViews';
  readonly story: string;
  /** The fields every document has. */
  readonly fields: readonly string[];
  /** `count` documents in the order they are inserted. */
  generate(rng: Rng, count: number): Doc[];
  /** The queries that must go to the shards holding their data, not to all of them; built from a sample document. */
  queries(sample: Doc): Array<{ what: string; filter: Doc }>;
}

const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** Ever-increasing ObjectIds, as a driver makes them: the first four bytes are the creation second. */
function objectIds(rng: Rng): () => ObjectId {
  let second = 1_760_000_000 + int(rng, 0, 1_000_000);
  let counter = int(rng, 0, 0xffff);
  const machine = int(rng, 0, 0xffffffff).toString(16).padStart(10, '0');
  return () => {
    if (rng() < 0.2) second += 1;
    counter += 1;
    return new ObjectId(`${second.toString(16).padStart(8, '0')}${machine}${(counter & 0xffffff).toString(16).padStart(6, '0')}`);
  };
}

export const orders: Workload = {
  name: 'orders',
  story: 'A shop inserts orders all day (ObjectId _id, createdAt now); its busiest query is "this customer\'s orders".',
  fields: ['_id', 'customerId', 'createdAt', 'status', 'total'],
  generate(rng, count) {
    const nextId = objectIds(rng);
    let at = Date.UTC(2026, 0, 1) + int(rng, 0, 86_400_000);
    return Array.from({ length: count }, () => {
      at += int(rng, 1, 2_000);
      return {
        _id: nextId(),
        customerId: `cust-${String(int(rng, 1, 20_000)).padStart(5, '0')}`,
        createdAt: new Date(at),
        status: pick(rng, ['paid', 'shipped', 'delivered', 'returned']),
        total: int(rng, 500, 50_000) / 100,
      };
    });
  },
  queries: (sample) => [{ what: "one customer's orders", filter: { customerId: sample.customerId } }],
};

export const deliveries: Workload = {
  name: 'deliveries',
  story: 'Parcels arrive in any postcode order; each depot works through a range of postcodes, e.g. 20000–29999.',
  fields: ['_id', 'postcode', 'depot', 'weightKg'],
  generate(rng, count) {
    const nextId = objectIds(rng);
    return Array.from({ length: count }, () => {
      const postcode = int(rng, 10_000, 99_999);
      return { _id: nextId(), postcode, depot: `depot-${Math.floor(postcode / 10_000)}`, weightKg: int(rng, 1, 300) / 10 };
    });
  },
  queries: (sample) => {
    const from = Math.floor(Number(sample.postcode) / 10_000) * 10_000;
    return [{ what: `a depot's postcodes ${from}–${from + 9_999}`, filter: { postcode: { $gte: from, $lt: from + 10_000 } } }];
  },
};

const COUNTRIES = ['US', 'US', 'US', 'DE', 'DE', 'IN', 'IN', 'BR', 'JP', 'NL'] as const;

export const pageViews: Workload = {
  name: 'pageViews',
  story: "An analytics dashboard shows one country's page views, and one user's views within their country; views arrive in time order.",
  fields: ['_id', 'at', 'country', 'userId', 'path'],
  generate(rng, count) {
    const nextId = objectIds(rng);
    let at = Date.UTC(2026, 0, 1);
    return Array.from({ length: count }, () => {
      at += int(rng, 1, 500);
      return {
        _id: nextId(),
        at: new Date(at),
        country: pick(rng, COUNTRIES),
        userId: `user-${String(int(rng, 1, 50_000)).padStart(5, '0')}`,
        path: pick(rng, ['/', '/pricing', '/docs', '/blog', '/signup']),
      };
    });
  },
  queries: (sample) => [
    { what: "one country's views", filter: { country: sample.country } },
    { what: "one user's views in their country", filter: { country: sample.country, userId: sample.userId } },
  ],
};

export const workloads = { orders, deliveries, pageViews } as const;

/** The cluster every check uses: four shards, chunks of at most 50 documents, 2,000 documents. */
export const CLUSTER = { shards: 4, chunkSize: 50 } as const;
export const DOCUMENTS = 2_000;
