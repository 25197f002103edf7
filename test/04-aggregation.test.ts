/**
 * Lesson 04 — Aggregation. One `describe` per task in lessons/04-aggregation/lesson.ts.
 * Every test generates a shop (customers, orders and their items) from the seeded generator and
 * inserts the SAME data into MongoDB and PostgreSQL, then checks each report against an answer
 * computed here in plain TypeScript, so the pipeline and the SQL must agree with each other too.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/04-aggregation.test.ts
 */
import { describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom, type Random } from '#lab/testing/random.ts';
import { recordSql, type SqlRecorder } from '#lab/testing/sql-recorder.ts';

type Exercise = typeof import('../solutions/04-aggregation/exercise.ts');
type Customer = import('../solutions/04-aggregation/exercise.ts').Customer;
type Order = import('../solutions/04-aggregation/exercise.ts').Order;
type CategoryRevenue = import('../solutions/04-aggregation/exercise.ts').CategoryRevenue;
type CustomerSpend = import('../solutions/04-aggregation/exercise.ts').CustomerSpend;
type CustomerActivity = import('../solutions/04-aggregation/exercise.ts').CustomerActivity;
type OrderDashboard = import('../solutions/04-aggregation/exercise.ts').OrderDashboard;

const ex = await loadExercise<Exercise>('04-aggregation');
const db = useBackends(['mongo', 'sql']);
const rnd = useRandom();

// The tables the notebook creates; the same columns as the documents, in snake_case.
const TABLES = `
  DROP TABLE IF EXISTS order_items, orders, customers;
  CREATE TABLE customers (
    id    text PRIMARY KEY,
    name  text NOT NULL,
    email text NOT NULL UNIQUE
  );
  CREATE TABLE orders (
    id          text PRIMARY KEY,
    customer_id text NOT NULL REFERENCES customers (id),
    placed_at   timestamptz NOT NULL,
    total_cents integer NOT NULL
  );
  CREATE TABLE order_items (
    order_id    text NOT NULL REFERENCES orders (id),
    line        integer NOT NULL,
    category    text NOT NULL,
    quantity    integer NOT NULL,
    price_cents integer NOT NULL,
    PRIMARY KEY (order_id, line)
  );
`;

const CATEGORIES = ['audio', 'books', 'cables', 'desks', 'games', 'garden', 'kitchen', 'lamps', 'office', 'toys'] as const;

// ---------------------------------------------------------------- the generator

interface Shop {
  /** The month the reports ask about, 'YYYY-MM'. */
  month: string;
  start: Date;
  end: Date;
  customers: Customer[];
  orders: Order[];
  categories: string[];
}

const DAY = 86_400_000;

/** This test's own month arithmetic, so a wrong monthRange cannot make the expected answers wrong too. */
function range(year: number, month: number): { start: Date; end: Date } {
  return { start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

function makeOrder(r: Random, customerId: string, placedAt: Date, categories: readonly string[]): Order {
  const items = Array.from({ length: r.int(1, 3) }, () => ({ category: r.pick(categories), quantity: r.int(1, 3), priceCents: r.int(150, 9_999) }));
  return { _id: `o-${r.id(10)}`, customerId, placedAt, totalCents: items.reduce((sum, i) => sum + i.quantity * i.priceCents, 0), items };
}

/**
 * Customers with 0–4 orders each, spread over the month before, the month itself and the month after;
 * plus orders on the edges of the month (its first instant, its last millisecond, the next month's first
 * instant, the previous month's last second), a customer whose only order is outside the month and a
 * customer with no orders at all.
 */
function generateShop(r: Random, monthNumber = r.int(1, 12)): Shop {
  const year = r.int(2024, 2025);
  const month = `${year}-${String(monthNumber).padStart(2, '0')}`;
  const { start, end } = range(year, monthNumber);
  const categories = r.sample(CATEGORIES, 5);
  const customers: Customer[] = r.users(r.int(9, 13)).map((u) => ({ _id: `c-${r.id(6)}`, name: u.name, email: u.email }));
  const around = { from: new Date(start.getTime() - 20 * DAY), to: new Date(end.getTime() + 20 * DAY) };
  const orders: Order[] = [];
  const ids = customers.map((c) => c._id);
  const [a, b, c, d, outsideOnly, none] = ids.slice(-6) as [string, string, string, string, string, string];
  void none; // the last customer never orders
  for (const id of ids.slice(0, -2)) {
    for (let k = r.int(0, 4); k > 0; k--) orders.push(makeOrder(r, id, r.date(around.from, around.to), categories));
  }
  orders.push(
    makeOrder(r, a, start, categories), // first instant: in
    makeOrder(r, b, new Date(end.getTime() - 1), categories), // last millisecond: in
    makeOrder(r, c, end, categories), // next month's first instant: out
    makeOrder(r, d, new Date(start.getTime() - 1000), categories), // previous month's last second: out
    makeOrder(r, outsideOnly, new Date(end.getTime() + 3 * DAY), categories), // this customer's only order: out
  );
  return { month, start, end, customers, orders: r.shuffle(orders), categories };
}

/** Inserts the same shop into MongoDB (documents) and PostgreSQL (rows). */
async function insertShop(shop: Shop, extra: Order[] = []): Promise<void> {
  const orders = [...shop.orders, ...extra];
  await db.mongo.collection<Customer>('customers').insertMany(shop.customers.map((c) => ({ ...c })));
  if (orders.length > 0) await db.mongo.collection<Order>('orders').insertMany(orders.map((o) => ({ ...o, items: o.items.map((i) => ({ ...i })) })));
  await db.sql.exec(TABLES);
  await insertRows('customers', ['id', 'name', 'email'], shop.customers.map((c) => [c._id, c.name, c.email]));
  await insertRows('orders', ['id', 'customer_id', 'placed_at', 'total_cents'], orders.map((o) => [o._id, o.customerId, o.placedAt, o.totalCents]));
  await insertRows('order_items', ['order_id', 'line', 'category', 'quantity', 'price_cents'],
    orders.flatMap((o) => o.items.map((i, line) => [o._id, line + 1, i.category, i.quantity, i.priceCents])));
}

async function insertRows(table: string, columns: string[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row, r) => `(${row.map((_, c) => `$${r * row.length + c + 1}`).join(', ')})`).join(', ');
  await db.sql.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, rows.flat());
}

// ---------------------------------------------------------------- the answers, in plain TypeScript

const inMonth = (shop: Shop, orders = shop.orders): Order[] => orders.filter((o) => o.placedAt >= shop.start && o.placedAt < shop.end);
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function expectedRevenue(shop: Shop, orders = shop.orders): CategoryRevenue[] {
  const totals = new Map<string, CategoryRevenue>();
  for (const item of inMonth(shop, orders).flatMap((o) => o.items)) {
    const t = totals.get(item.category) ?? { category: item.category, revenueCents: 0, units: 0 };
    t.revenueCents += item.quantity * item.priceCents;
    t.units += item.quantity;
    totals.set(item.category, t);
  }
  return [...totals.values()].sort((x, y) => y.revenueCents - x.revenueCents || byText(x.category, y.category));
}

function expectedTop(shop: Shop, n: number, orders = shop.orders): CustomerSpend[] {
  const spend = new Map<string, CustomerSpend>();
  for (const o of inMonth(shop, orders)) {
    const name = shop.customers.find((c) => c._id === o.customerId)?.name ?? '?';
    const s = spend.get(o.customerId) ?? { customerId: o.customerId, name, spentCents: 0, orders: 0 };
    s.spentCents += o.totalCents;
    s.orders += 1;
    spend.set(o.customerId, s);
  }
  return [...spend.values()].sort((x, y) => y.spentCents - x.spentCents || byText(x.customerId, y.customerId)).slice(0, n);
}

function expectedActivity(shop: Shop): CustomerActivity[] {
  const month = inMonth(shop);
  return shop.customers
    .map((c) => {
      const totals = month.filter((o) => o.customerId === c._id).map((o) => o.totalCents);
      const spentCents = totals.reduce((sum, t) => sum + t, 0);
      return { customerId: c._id, name: c.name, orders: totals.length, spentCents, averageOrderCents: totals.length === 0 ? null : spentCents / totals.length };
    })
    .sort((x, y) => byText(x.customerId, y.customerId));
}

function expectedDashboard(shop: Shop, boundaries: number[], orders = shop.orders): OrderDashboard {
  const month = inMonth(shop, orders);
  const buckets = boundaries.slice(0, -1).map((from, i) => {
    const inside = month.filter((o) => o.totalCents >= from && o.totalCents < (boundaries[i + 1] as number));
    return { fromCents: from, orders: inside.length, revenueCents: inside.reduce((sum, o) => sum + o.totalCents, 0) };
  });
  return {
    buckets: buckets.filter((b) => b.orders > 0),
    totals: { orders: month.length, revenueCents: month.reduce((sum, o) => sum + o.totalCents, 0) },
  };
}

/** Averages compared to 4 decimals: the two databases and this file divide the same numbers, but a double is a double. */
function rounded(rows: CustomerActivity[]): CustomerActivity[] {
  return rows.map((r) => ({ ...r, averageOrderCents: typeof r.averageOrderCents === 'number' ? Math.round(r.averageOrderCents * 1e4) / 1e4 : r.averageOrderCents }));
}

/** Dates must travel as parameters: no statement's text may carry the year (a pasted '2025-03-01' or make_date(2025, …)). */
function expectDatesAsParameters(recorder: SqlRecorder, shop: Shop): void {
  const year = shop.month.slice(0, 4);
  const pasted = recorder.statements.filter((s) => s.text.includes(year) || s.text.includes(shop.month));
  const expected: string[] = [];
  expect(pasted.map((s) => s.text), `the dates of ${shop.month} were written into the SQL text; pass them as $1, $2 parameters`).toEqual(expected);
  expect(recorder.statements.some((s) => s.params.length >= 2), 'no statement carried the month as parameters').toBe(true);
}

/**
 * Ties: a database may return equal rows in any order, and PostgreSQL often happens to return them in a
 * good one, so the SQL must say how ties are broken: an ORDER BY with a second key.
 */
function expectTieBreak(recorder: SqlRecorder): void {
  const clauses = recorder.statements.map((s) => /ORDER\s+BY\s+([\s\S]*?)(?:\s+LIMIT\b|$)/i.exec(s.text.trim())?.[1]).filter((c) => c !== undefined);
  const withoutTieBreak = clauses.filter((c) => !c.includes(','));
  expect(clauses.length, 'no ORDER BY: rows come back in whatever order the plan produces').toBeGreaterThan(0);
  expect(withoutTieBreak.map((c) => `ORDER BY ${c}`), 'an ORDER BY with one key leaves ties in any order: add a second key').toEqual([]);
}

/** A Db whose collections remember which of their methods were called. */
function spyDb(real: Db): { db: Db; calls: string[] } {
  const calls: string[] = [];
  const db = new Proxy(real, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (key !== 'collection' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const coll = (value as (...a: unknown[]) => object).apply(target, args);
        return new Proxy(coll, {
          get(c, k, r) {
            const v: unknown = Reflect.get(c, k, r);
            if (typeof v !== 'function') return v;
            if (typeof k === 'string') calls.push(k);
            return v.bind(c);
          },
        });
      };
    },
  });
  return { db, calls };
}

// ---------------------------------------------------------------- the tasks

describe('Revenue per category for a month', () => {
  // Likely mistakes, each caught below:
  // - an inclusive end ($lte next month, <= end): the order at the next month's first instant counts;
  //   or "the last day at 23:59:59" as the end: the order in the month's last millisecond is lost;
  // - $match after $group: placedAt is gone by then, so nothing (or everything) matches;
  // - no $unwind before $group: the items arrays are grouped whole, not line by line;
  // - no tie-break in $sort / ORDER BY: two categories with equal revenue come back in any order;
  // - dates pasted into the SQL text instead of travelling as $1, $2;
  // - December's next month computed as month 13 of the same year.

  it('returns the half-open range [first instant of the month, first instant of the next month)', () => {
    const year = rnd.int(2024, 2030);
    const month = rnd.int(1, 11);

    const expected = { start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
    expect(ex.monthRange(`${year}-${String(month).padStart(2, '0')}`)).toEqual(expected);
  });

  it('rolls December over into January of the next year', () => {
    const year = rnd.int(2024, 2030);

    const expected = { start: new Date(Date.UTC(year, 11, 1)), end: new Date(Date.UTC(year + 1, 0, 1)) };
    expect(ex.monthRange(`${year}-12`)).toEqual(expected);
  });

  it('sums quantity × price per category for the orders of the month, the first instant and last millisecond included', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);

    const expected = expectedRevenue(shop);
    expect(await ex.revenueByCategory(db.mongo, shop.month)).toEqual(expected);
  });

  it('gives the same answer in SQL, with the dates sent as parameters', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const recorder = recordSql(db.sql);

    const expected = expectedRevenue(shop);
    expect(await ex.revenueByCategorySql(recorder.sql, shop.month)).toEqual(expected);
    expectDatesAsParameters(recorder, shop);
  });

  it('orders categories with equal revenue by name, in both databases', async () => {
    const shop = generateShop(rnd);
    // The five categories the shop does not use, tied at the top, listed in reverse order of name.
    const tied = CATEGORIES.filter((c) => !shop.categories.includes(c)).sort().reverse();
    const price = 999_999; // more than any generated category earns, so the tie is at the top
    const tie: Order = {
      _id: `o-${rnd.id(10)}`, customerId: shop.customers[0]!._id, placedAt: new Date(shop.start.getTime() + DAY), totalCents: tied.length * price,
      items: tied.map((category) => ({ category, quantity: 1, priceCents: price })),
    };
    await insertShop(shop, [tie]);

    const expected = expectedRevenue(shop, [...shop.orders, tie]);
    const recorder = recordSql(db.sql);
    const actual = { mongo: await ex.revenueByCategory(db.mongo, shop.month), sql: await ex.revenueByCategorySql(recorder.sql, shop.month) };
    expect(actual).toEqual({ mongo: expected, sql: expected });
    expectTieBreak(recorder);
  });

  it("counts December's orders, whose next month is January of the next year", async () => {
    const shop = generateShop(rnd, 12);
    await insertShop(shop);

    const expected = expectedRevenue(shop);
    const actual = { mongo: await ex.revenueByCategory(db.mongo, shop.month), sql: await ex.revenueByCategorySql(db.sql, shop.month) };
    expect(actual).toEqual({ mongo: expected, sql: expected });
  });
});

describe('Top customers by spend', () => {
  // Likely mistakes, each caught below:
  // - no tie-break: two customers with the same spend swap places, and the cut at n drops the wrong one;
  // - $limit before $sort: the first n groups, not the top n;
  // - $lookup without $unwind: name comes back as an array of documents;
  // - n hard-coded, or pasted into the SQL text as LIMIT 10 instead of LIMIT $3;
  // - summing every order, not only the month's.

  it('returns the n customers who spent most in the month, with their names and order counts', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const n = rnd.int(2, 4);

    const expected = expectedTop(shop, n);
    expect(await ex.topCustomers(db.mongo, shop.month, n)).toEqual(expected);
  });

  it('gives the same answer in SQL, with n and the dates as parameters', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const n = rnd.int(10, 12);
    const recorder = recordSql(db.sql);

    const expected = expectedTop(shop, n);
    expect(await ex.topCustomersSql(recorder.sql, shop.month, n)).toEqual(expected);
    recorder.expectParameterised([n]);
    expectDatesAsParameters(recorder, shop);
  });

  it('breaks a tie in spend by customer id, so the cut at n is the same every time', async () => {
    const shop = generateShop(rnd);
    const best = Math.max(0, ...expectedTop(shop, 1).map((s) => s.spentCents)) + rnd.int(1, 500) * 100;
    // Two new customers who spend exactly the same, the larger id inserted first.
    const twins: Customer[] = [{ _id: 'c-zz' + rnd.id(4), name: rnd.name(), email: rnd.email() }, { _id: 'c-00' + rnd.id(4), name: rnd.name(), email: rnd.email() }];
    shop.customers.push(...twins);
    const orders = twins.map((t): Order => ({ _id: `o-${rnd.id(10)}`, customerId: t._id, placedAt: new Date(shop.start.getTime() + 2 * DAY), totalCents: best, items: [{ category: shop.categories[0]!, quantity: 1, priceCents: best }] }));
    await insertShop(shop, orders);

    const expected = expectedTop(shop, 1, [...shop.orders, ...orders]);
    const recorder = recordSql(db.sql);
    const actual = { mongo: await ex.topCustomers(db.mongo, shop.month, 1), sql: await ex.topCustomersSql(recorder.sql, shop.month, 1) };
    expect(expected[0]?.customerId.startsWith('c-00')).toBe(true);
    expect(actual).toEqual({ mongo: expected, sql: expected });
    expectTieBreak(recorder);
  });

  it('returns every customer who ordered when n is larger than that, in both databases', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);

    const expected = expectedTop(shop, 1000);
    const actual = { mongo: await ex.topCustomers(db.mongo, shop.month, 1000), sql: await ex.topCustomersSql(db.sql, shop.month, 1000) };
    expect(actual).toEqual({ mongo: expected, sql: expected });
  });
});

describe('Every customer, orders or not: $lookup vs LEFT JOIN', () => {
  // Likely mistakes, each caught below:
  // - COUNT(*) after a LEFT JOIN: a customer without orders counts 1 (the row of NULLs);
  // - the month in WHERE instead of in ON: customers without orders that month disappear;
  // - $unwind after $lookup: the same customers disappear from the pipeline;
  // - SUM(total_cents) / COUNT(o.id): integer division drops the fraction (and divides by zero for none);
  // - SUM over no rows is NULL: spentCents must be 0, not null;
  // - the month not applied inside $lookup: orders of other months are counted.

  it('lists every customer in order of id with orders, spend and average for the month', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);

    const expected = rounded(expectedActivity(shop));
    expect(rounded(await ex.customerActivity(db.mongo, shop.month))).toEqual(expected);
  });

  it('gives the same answer with a LEFT JOIN, dates as parameters', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const recorder = recordSql(db.sql);

    const expected = rounded(expectedActivity(shop));
    expect(rounded(await ex.customerActivitySql(recorder.sql, shop.month))).toEqual(expected);
    expectDatesAsParameters(recorder, shop);
  });

  it('counts 0 orders, 0 spent and a null average for customers without orders that month', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const idle = expectedActivity(shop).filter((a) => a.orders === 0).map((a) => a.customerId);

    const expected = idle.map((id) => ({ customerId: id, orders: 0, spentCents: 0, averageOrderCents: null }));
    const pick = (rows: CustomerActivity[]) => rows.filter((r) => idle.includes(r.customerId)).map(({ customerId, orders, spentCents, averageOrderCents }) => ({ customerId, orders, spentCents, averageOrderCents }));
    const actual = { mongo: pick(await ex.customerActivity(db.mongo, shop.month)), sql: pick(await ex.customerActivitySql(db.sql, shop.month)) };
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(actual).toEqual({ mongo: expected, sql: expected });
  });

  it('keeps the fraction of an average that is not a whole number of cents', async () => {
    const shop = generateShop(rnd);
    const who = shop.customers[0]!;
    const totals = [rnd.int(1_000, 5_000) * 3 + 1, rnd.int(1_000, 5_000) * 3, rnd.int(1_000, 5_000) * 3]; // sum ≡ 1 (mod 3)
    shop.orders = shop.orders.filter((o) => o.customerId !== who._id);
    const extra = totals.map((t, i): Order => ({ _id: `o-${rnd.id(10)}`, customerId: who._id, placedAt: new Date(shop.start.getTime() + (i + 1) * DAY), totalCents: t, items: [{ category: shop.categories[0]!, quantity: 1, priceCents: t }] }));
    await insertShop(shop, extra);

    const average = Math.round((totals.reduce((s, t) => s + t, 0) / 3) * 1e4) / 1e4;
    const expected = { mongo: average, sql: average };
    const find = (rows: CustomerActivity[]) => rounded(rows).find((r) => r.customerId === who._id)?.averageOrderCents;
    const actual = { mongo: find(await ex.customerActivity(db.mongo, shop.month)), sql: find(await ex.customerActivitySql(db.sql, shop.month)) };
    expect(actual).toEqual(expected);
  });
});

describe('Orders bucketed by amount', () => {
  // Likely mistakes, each caught below:
  // - a boundary in the wrong bucket (<= instead of <, BETWEEN): an order of exactly 50.00 belongs to [5000, …);
  // - an empty month: $group over nothing yields no document, SUM over no rows is NULL — totals must be zeros;
  // - boundaries hard-coded, or pasted into the SQL text;
  // - the month filter forgotten in one of the two facets;
  // - totals returned as the facet's array instead of one object.

  function boundariesFor(): number[] {
    const b1 = rnd.int(20, 60) * 100;
    const b2 = b1 + rnd.int(20, 60) * 100;
    const b3 = b2 + rnd.int(30, 80) * 100;
    return [0, b1, b2, b3, 1_000_000];
  }

  /** Orders whose totals sit exactly on the inner boundaries, placed in the month. */
  function onBoundaries(shop: Shop, boundaries: number[]): Order[] {
    return boundaries.slice(1, -1).map((b, i): Order => ({ _id: `o-${rnd.id(10)}`, customerId: shop.customers[i]!._id, placedAt: new Date(shop.start.getTime() + (i + 1) * DAY), totalCents: b, items: [{ category: shop.categories[0]!, quantity: 1, priceCents: b }] }));
  }

  it('counts the orders of the month per bucket, an order on a boundary in the bucket that boundary opens', async () => {
    const shop = generateShop(rnd);
    const boundaries = boundariesFor();
    const edges = onBoundaries(shop, boundaries);
    await insertShop(shop, edges);

    const expected = expectedDashboard(shop, boundaries, [...shop.orders, ...edges]);
    expect(await ex.orderDashboard(db.mongo, shop.month, boundaries)).toEqual(expected);
  });

  it('gives the same dashboard in SQL, boundaries and dates as parameters', async () => {
    const shop = generateShop(rnd);
    const boundaries = boundariesFor();
    const edges = onBoundaries(shop, boundaries);
    await insertShop(shop, edges);
    const recorder = recordSql(db.sql);

    const expected = expectedDashboard(shop, boundaries, [...shop.orders, ...edges]);
    expect(await ex.orderDashboardSql(recorder.sql, shop.month, boundaries)).toEqual(expected);
    const pasted = recorder.statements.filter((s) => boundaries.slice(1, -1).some((b) => s.text.includes(String(b))));
    expect(pasted.map((s) => s.text), 'a boundary was written into the SQL text; pass the boundaries as a parameter').toEqual([]);
    expectDatesAsParameters(recorder, shop);
  });

  it('returns no buckets and zero totals for a month without orders, in both databases', async () => {
    const shop = generateShop(rnd);
    shop.orders = shop.orders.filter((o) => o.placedAt < shop.start || o.placedAt >= shop.end);
    await insertShop(shop);
    const boundaries = boundariesFor();

    const expected = { buckets: [], totals: { orders: 0, revenueCents: 0 } };
    const actual = { mongo: await ex.orderDashboard(db.mongo, shop.month, boundaries), sql: await ex.orderDashboardSql(db.sql, shop.month, boundaries) };
    expect(actual).toEqual({ mongo: expected, sql: expected });
  });
});

describe('Count orders: exact or estimated', () => {
  // Likely mistakes, each caught below:
  // - estimatedDocumentCount for the month: it takes no filter, so it counts every order;
  // - find(…).toArray().length: right number, but every document travels to the app to be counted;
  // - countDocuments({}) for the total: right number, but it scans where the collection's count is free;
  // - the month range off by one.

  it('counts exactly the orders placed in the month', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const spy = spyDb(db.mongo);

    const expected = inMonth(shop).length;
    expect(await ex.countOrdersInMonth(spy.db, shop.month)).toBe(expected);
    expect(spy.calls.filter((c) => c === 'find'), 'counted by fetching the documents: use countDocuments').toEqual([]);
  });

  it('counts every order with estimatedDocumentCount, which reads the collection count instead of the documents', async () => {
    const shop = generateShop(rnd);
    await insertShop(shop);
    const spy = spyDb(db.mongo);

    const expected = { count: shop.orders.length, used: ['estimatedDocumentCount'] };
    const count = await ex.countAllOrders(spy.db);
    expect({ count, used: spy.calls.filter((c) => /count|find|aggregate/i.test(c)) }).toEqual(expected);
  });
});
