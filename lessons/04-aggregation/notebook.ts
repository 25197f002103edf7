/**
 * Lesson 04 — Aggregation, the walkthrough. `npm run lesson 4` runs it cell by cell, then checks
 * exercise.ts. Safe to run again: the first cell drops what the lesson creates before it writes.
 */
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('One shop, two databases', `
  A report asks questions of many records at once: revenue per category last
  month, the best customers, how big orders are. This lesson answers each
  question twice, as a MongoDB pipeline and as SQL, over the same small shop:
  five customers and their orders, stored as documents (each order carries its
  items) and as rows (orders and order_items tables). Money is whole cents:
  integers are exact in JavaScript, BSON and SQL alike, so both databases agree
  to the cent (0.1 + 0.2 in floating point does not even equal 0.3).
`);
const { mongo, sql } = await backends();
// #region shop
type Line = [category: string, quantity: number, priceCents: number];
const order = (id: string, customerId: string, at: string, lines: Line[]) => ({
  _id: id,
  customerId,
  placedAt: new Date(at),
  totalCents: lines.reduce((sum, [, q, p]) => sum + q * p, 0),
  items: lines.map(([category, quantity, priceCents]) => ({ category, quantity, priceCents })),
});
const customers = [
  { _id: 'c-ada', name: 'Ada Abara', email: 'ada@example.com' },
  { _id: 'c-ben', name: 'Ben Bianchi', email: 'ben@example.com' },
  { _id: 'c-chloe', name: 'Chloé Chen', email: 'chloe@example.com' },
  { _id: 'c-dev', name: 'Dev Dubois', email: 'dev@example.com' },
  { _id: 'c-eun', name: 'Eun-ji Eriksen', email: 'eun@example.com' },
];
const orders = [
  order('o-01', 'c-ada', '2025-02-28T23:59:59Z', [['books', 2, 1250]]),
  order('o-02', 'c-ada', '2025-03-01T00:00:00Z', [['audio', 1, 8999], ['cables', 3, 499]]),
  order('o-03', 'c-ben', '2025-03-04T10:15:00Z', [['books', 1, 2400]]),
  order('o-04', 'c-chloe', '2025-03-09T18:40:00Z', [['desks', 1, 24900], ['cables', 2, 499]]),
  order('o-05', 'c-ada', '2025-03-12T08:05:00Z', [['books', 3, 1250], ['audio', 1, 3499]]),
  order('o-06', 'c-ben', '2025-03-17T12:00:00Z', [['audio', 2, 3499]]),
  order('o-07', 'c-dev', '2025-03-21T21:30:00Z', [['cables', 5, 499]]),
  order('o-08', 'c-chloe', '2025-03-28T09:45:00Z', [['books', 2, 2400]]),
  order('o-09', 'c-ben', '2025-03-31T23:59:59.999Z', [['desks', 1, 19900]]),
  order('o-10', 'c-dev', '2025-04-01T00:00:00Z', [['audio', 1, 8999]]),
];
await mongo.collection('customers').drop().catch(() => undefined);
await mongo.collection('orders').drop().catch(() => undefined);
await mongo.collection('customers').insertMany(customers.map((c) => ({ ...c })) as never[]);
await mongo.collection('orders').insertMany(orders.map((o) => ({ ...o })) as never[]);
await sql.exec(`
  DROP TABLE IF EXISTS order_items, orders, customers;
  CREATE TABLE customers (id text PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE);
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
  )`);
for (const c of customers) {
  await sql.query('INSERT INTO customers VALUES ($1, $2, $3)', [c._id, c.name, c.email]);
}
for (const o of orders) {
  await sql.query('INSERT INTO orders VALUES ($1, $2, $3, $4)',
    [o._id, o.customerId, o.placedAt, o.totalCents]);
  for (const [i, item] of o.items.entries()) {
    await sql.query('INSERT INTO order_items VALUES ($1, $2, $3, $4, $5)',
      [o._id, i + 1, item.category, item.quantity, item.priceCents]);
  }
}
// #endregion shop
const counted = await sql.query(
  'SELECT (SELECT COUNT(*) FROM customers) AS customers, (SELECT COUNT(*) FROM orders) AS orders');
show([
  { database: 'MongoDB',
    customers: await mongo.collection('customers').countDocuments(),
    orders: await mongo.collection('orders').countDocuments() },
  { database: 'PostgreSQL', ...counted.rows[0] },
]);

cell('One order as a document, the same order as rows', `
  The document holds its items in an array; SQL spreads the same order over a
  row of \`orders\` and one row of \`order_items\` per item, joined back by
  \`order_id\`.
`);
show(await mongo.collection('orders').findOne({ _id: 'o-05' as never }));
show(await sql.query(`
  SELECT o.id, o.total_cents, i.line, i.category, i.quantity, i.price_cents
    FROM orders o JOIN order_items i ON i.order_id = o.id
   WHERE o.id = $1 ORDER BY i.line`, ['o-05']));

cell('A month is a half-open range', `
  "March" is every instant from 1 March 00:00 up to, but not including, 1 April
  00:00: the range [start, end) with \`$gte\`/\`$lt\` (\`>=\`/\`<\` in SQL). Ending at
  "31 March 23:59:59" loses the order placed in March's last millisecond; \`$lte\`
  1 April takes April's first order.
`);
// #region month
const march = { start: new Date(Date.UTC(2025, 2, 1)), end: new Date(Date.UTC(2025, 3, 1)) };
const edges = await mongo.collection('orders')
  .find({ _id: { $in: ['o-01', 'o-02', 'o-09', 'o-10'] as never[] } }).sort({ placedAt: 1 }).toArray();
show(edges.map((o) => ({
  order: o._id,
  placedAt: o.placedAt.toISOString(),
  '[start, end)': o.placedAt >= march.start && o.placedAt < march.end,
  '[start, end]': o.placedAt >= march.start && o.placedAt <= march.end,
  'to 23:59:59': o.placedAt >= march.start && o.placedAt <= new Date('2025-03-31T23:59:59Z'),
})));
// #endregion month
note(`
  \`Date.UTC(2025, 12, 1)\` is 1 January 2026: Date.UTC rolls December over for
  you.
`);

cell('Revenue per category: the pipeline', `
  A pipeline is a list of stages; each stage's output is the next one's input.
  \`$match\` keeps March's orders, \`$unwind\` makes one document per item, \`$group\`
  adds the items up per category, \`$sort\` orders them (with a tie-break),
  \`$project\` shapes the result.
`);
// #region pipeline
const byCategory = await mongo.collection('orders').aggregate([
  { $match: { placedAt: { $gte: march.start, $lt: march.end } } },
  { $unwind: '$items' },
  { $group: {
    _id: '$items.category',
    revenueCents: { $sum: { $multiply: ['$items.quantity', '$items.priceCents'] } },
    units: { $sum: '$items.quantity' },
  } },
  { $sort: { revenueCents: -1, _id: 1 } },
  { $project: { _id: 0, category: '$_id', revenueCents: 1, units: 1 } },
]).toArray();
show(byCategory);
// #endregion pipeline

cell('Revenue per category: GROUP BY', `
  The same report in SQL: the join plays \`$unwind\`'s part (one row per item
  already), WHERE is \`$match\`, GROUP BY is \`$group\`. The dates go in as \`$1\`,
  \`$2\` parameters, like any value.
`);
// #region group-by
const { rows: byCategorySql } = await sql.query(`
  SELECT i.category, SUM(i.quantity * i.price_cents) AS "revenueCents", SUM(i.quantity) AS units
    FROM order_items i JOIN orders o ON o.id = i.order_id
   WHERE o.placed_at >= $1 AND o.placed_at < $2
   GROUP BY i.category
   ORDER BY "revenueCents" DESC, i.category`, [march.start, march.end]);
show(byCategorySql);
const same = (rows: Record<string, unknown>[]) => JSON.stringify(rows.map((r) => [r.category, r.revenueCents, r.units]));
show(same(byCategorySql) === same(byCategory), 'the same answer?');
// #endregion group-by

cell('The order of stages is the meaning', `
  \`$group\` keeps only what it computes: after it there is no \`placedAt\` to
  match, so a \`$match\` placed there finds nothing. And without \`$unwind\`,
  \`$items.category\` is an ARRAY per order, so \`$group\` makes one group per
  combination of categories, not one per category.
`);
// #region stage-order
const matchLate = await mongo.collection('orders').aggregate([
  { $unwind: '$items' },
  { $group: { _id: '$items.category', units: { $sum: '$items.quantity' } } },
  { $match: { placedAt: { $gte: march.start, $lt: march.end } } },
]).toArray();
show(matchLate, '$match after $group');
const noUnwind = await mongo.collection('orders').aggregate([
  { $match: { placedAt: { $gte: march.start, $lt: march.end } } },
  { $group: { _id: '$items.category', orders: { $sum: 1 } } },
  { $sort: { orders: -1, _id: 1 } },
]).toArray();
show(noUnwind.map((g) => ({ group: JSON.stringify(g._id), orders: g.orders })), 'no $unwind');
// #endregion stage-order
note(`
  Put \`$match\` first even where a later one would give the same answer: early,
  it can use an index on placedAt and every later stage handles fewer documents.
`);

cell('Top customers: sort, cut, then look up names', `
  \`$lookup\` is MongoDB's join: for each input document it finds the matching
  documents in another collection and puts them in an array. Look names up after
  \`$limit\`, so only the top customers are looked up; sort by spend and then by
  id, so equal spend has a fixed order.
`);
// #region top-customers
const top = await mongo.collection('orders').aggregate([
  { $match: { placedAt: { $gte: march.start, $lt: march.end } } },
  { $group: { _id: '$customerId', spentCents: { $sum: '$totalCents' }, orders: { $sum: 1 } } },
  { $sort: { spentCents: -1, _id: 1 } },
  { $limit: 3 },
  { $lookup: { from: 'customers', localField: '_id', foreignField: '_id', as: 'customer' } },
  { $unwind: '$customer' },
  { $project: { _id: 0, customerId: '$_id', name: '$customer.name', spentCents: 1, orders: 1 } },
]).toArray();
show(top);
const { rows: topSql } = await sql.query(`
  SELECT c.id AS "customerId", c.name, SUM(o.total_cents) AS "spentCents", COUNT(*) AS orders
    FROM orders o JOIN customers c ON c.id = o.customer_id
   WHERE o.placed_at >= $1 AND o.placed_at < $2
   GROUP BY c.id, c.name
   ORDER BY "spentCents" DESC, c.id
   LIMIT $3`, [march.start, march.end, 3]);
show(topSql);
// #endregion top-customers

cell('$lookup vs JOIN: who does the work', `
  PostgreSQL plans a JOIN as a whole: it may hash one table once and stream the
  other past it. \`$lookup\` starts from the input documents: for each one, the
  server looks up matches in the foreign collection, so the foreign side does
  the work once per input document, and an index on its \`foreignField\` turns
  each lookup from a scan into a seek. (Since MongoDB 6.0 the server may run a
  simple \`$lookup\` as a hash join; explain then shows \`EQ_LOOKUP\` and its
  strategy.)
`);
// #region lookup-cost
const plan = await sql.query(`EXPLAIN
  SELECT c.id, COUNT(o.id) FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id`);
show(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), 'PostgreSQL: EXPLAIN');
type Plan = { stage: string; inputStage?: Plan };
const stage = async (): Promise<string> => {
  // The query $lookup runs for one customer: orders whose customerId is hers.
  const explained = await mongo.collection('orders').find({ customerId: 'c-ada' }).explain();
  const planner = explained.queryPlanner.winningPlan as Plan & { queryPlan?: Plan };
  const winning = planner.queryPlan ?? planner; // MongoDB 7+ may nest the plan in queryPlan
  return winning.inputStage?.stage ?? winning.stage;
};
const before = await stage();
await mongo.collection('orders').createIndex({ customerId: 1 });
show([{ query: "find({ customerId: 'c-ada' })", 'no index': before, 'index on customerId': await stage() }]);
// #endregion lookup-cost
note(`
  Five customers make five small queries. A million make a million: that is why
  a $lookup wants an index on the foreign field, and why the article gives
  "complex joins" to SQL.
`);

cell('COUNT(*) or COUNT(column), after a LEFT JOIN', `
  Every customer, with their March orders: a LEFT JOIN keeps Eun-ji, who ordered
  nothing, as one row whose order columns are NULL. COUNT(*) counts that row;
  COUNT(o.id) skips NULLs. And the month must go in ON: in WHERE, the NULL row
  fails the test and Eun-ji disappears.
`);
// #region count-star
show(await sql.query(`
  SELECT c.id, COUNT(*) AS count_star, COUNT(o.id) AS count_orders, SUM(o.total_cents) AS sum
    FROM customers c
    LEFT JOIN orders o ON o.customer_id = c.id AND o.placed_at >= $1 AND o.placed_at < $2
   GROUP BY c.id ORDER BY c.id`, [march.start, march.end]));
// #endregion count-star
note(`
  SUM over no rows is NULL, not 0: \`COALESCE(SUM(o.total_cents), 0)\` says what
  "none" means.
`);

cell('Dividing whole numbers', `
  In SQL, integer ÷ integer is an integer: the fraction is dropped. MongoDB's
  \`$divide\` always returns a double. An average of cents needs its fraction
  until you decide how to round it.
`);
// #region division
show(await sql.query(`
  SELECT 7 / 2 AS "7 / 2", 7::float8 / 2 AS "7::float8 / 2", AVG(x) AS "AVG(3, 4)"
    FROM (VALUES (3), (4)) v(x)`), 'PostgreSQL');
const [divided] = await mongo.collection('orders').aggregate([
  { $limit: 1 },
  { $project: { _id: 0, '7 / 2': { $divide: [7, 2] }, 'avg of 3, 4': { $avg: [3, 4] } } },
]).toArray();
show([divided], 'MongoDB');
// #endregion division
note(`
  AVG returns \`numeric\`, which the driver hands you as a string: cast it
  (\`::float8\`) for a number.
`);

cell('A dashboard in one round trip: $facet and $bucket', `
  \`$facet\` runs several pipelines over the same input and returns one document
  with a field per pipeline. \`$bucket\` sorts values into ranges: [0, 2500),
  [2500, 10000), [10000, 50000). Its lower bound is in and its upper bound is
  out, like the month; empty buckets are left out.
`);
// #region facet
const [dashboard] = await mongo.collection('orders').aggregate([
  { $match: { placedAt: { $gte: march.start, $lt: march.end } } },
  { $facet: {
    buckets: [{ $bucket: {
      groupBy: '$totalCents',
      boundaries: [0, 2500, 10000, 50000],
      output: { orders: { $sum: 1 }, revenueCents: { $sum: '$totalCents' } },
    } }],
    totals: [
      { $group: { _id: null, orders: { $sum: 1 }, revenueCents: { $sum: '$totalCents' } } },
      { $project: { _id: 0 } },
    ],
  } },
]).toArray();
show(dashboard?.buckets, 'buckets');
show(dashboard?.totals, 'totals');
// #endregion facet

cell('countDocuments or estimatedDocumentCount', `
  \`countDocuments(filter)\` runs the filter and counts what matches: exact, and
  it costs a scan (or an index scan). \`estimatedDocumentCount()\` takes no
  filter: it reads the count the collection keeps, so it is cheap, and after an
  unclean shutdown (or on a sharded cluster with orphaned documents) it can be
  off.
`);
// #region counts
show([{
  'countDocuments(March)': await mongo.collection('orders').countDocuments({ placedAt: { $gte: march.start, $lt: march.end } }),
  'countDocuments({})': await mongo.collection('orders').countDocuments({}),
  'estimatedDocumentCount()': await mongo.collection('orders').estimatedDocumentCount(),
}]);
// #endregion counts

cell('Why the article sends reporting to SQL', `
  Both databases answered every question. The article still lists "aggregations,
  GROUP BY, reporting" under SQL, and this is one reason you can see: a table's
  types are promised, a collection's are not. One order saved with its total as
  TEXT — the bug lesson 05 is about — is refused by PostgreSQL, and silently
  skipped by \`$sum\`.
`);
// #region why-sql
const bad = { _id: 'o-bad', customerId: 'c-eun', placedAt: new Date('2025-03-15T12:00:00Z') };
await mongo.collection('orders').insertOne({ ...bad, totalCents: '5000', items: [] } as never);
const [sum] = await mongo.collection('orders').aggregate([
  { $match: { placedAt: { $gte: march.start, $lt: march.end } } },
  { $group: { _id: null, orders: { $sum: 1 }, revenueCents: { $sum: '$totalCents' } } },
  { $project: { _id: 0 } },
]).toArray();
const revenueBefore = dashboard?.totals[0]?.revenueCents;
show([{ ...sum, 'revenueCents before': revenueBefore }], 'MongoDB');
const row = [bad._id, bad.customerId, bad.placedAt, '5000 cents'];
const refused = await sql.query('INSERT INTO orders VALUES ($1, $2, $3, $4)', row)
  .then(() => 'inserted', (error: Error) => error.message);
show(refused, 'PostgreSQL');
await mongo.collection('orders').deleteOne({ _id: 'o-bad' as never });
// #endregion why-sql
note(`
  SQL also brings a planner that picks join algorithms, window functions and
  decades of reporting tools. Many teams keep documents in MongoDB and copy them
  into SQL (or a warehouse) for reports.
`);

cell('Your turn', `
  Open \`lessons/04-aggregation/exercise.ts\`. Five tasks build the reports you
  saw, each as a pipeline and as SQL: revenue per category, top customers, every
  customer with a LEFT JOIN, an amount dashboard, and counting. The checks
  generate a different shop on every run and insert it into both databases. \`npm
  run lesson 4\` checks them; \`npm run lesson 4 -- --hint\` helps.
`);
