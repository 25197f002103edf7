// Lesson 04 — Aggregation: one sales report built twice, as a MongoDB pipeline and as SQL.
// The data is the same in both databases (see the notebook): `customers` and `orders` documents,
// each order with its `items`; `customers`, `orders` and `order_items` tables. Money is whole cents.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 4`;
// stuck? `npm run lesson 4 -- --hint`.
import type { Db } from 'mongodb';
import type { Sql } from '#lab/backends/types.ts';

/** A customer document; `_id` is the same text as `customers.id` in SQL. */
export interface Customer {
  _id: string;
  name: string;
  email: string;
}

/** One line of an order: `quantity` units at `priceCents` each. */
export interface OrderItem {
  category: string;
  quantity: number;
  priceCents: number;
}

/** An order document; in SQL a row of `orders` plus one row of `order_items` per item. */
export interface Order {
  _id: string;
  customerId: string;
  placedAt: Date;
  /** The sum of quantity × priceCents over the items. */
  totalCents: number;
  items: OrderItem[];
}

export interface CategoryRevenue {
  category: string;
  revenueCents: number;
  units: number;
}

export interface CustomerSpend {
  customerId: string;
  name: string;
  spentCents: number;
  orders: number;
}

export interface CustomerActivity {
  customerId: string;
  name: string;
  orders: number;
  spentCents: number;
  /** spentCents / orders, with its fraction; null for a customer without orders. */
  averageOrderCents: number | null;
}

export interface AmountBucket {
  /** The bucket's lower boundary: it holds totals from fromCents up to, not including, the next boundary. */
  fromCents: number;
  orders: number;
  revenueCents: number;
}

export interface OrderDashboard {
  buckets: AmountBucket[];
  totals: { orders: number; revenueCents: number };
}

// #region month-range
/** The month `'2025-03'` as the half-open range [start, next month's start), in UTC. */
export function monthRange(month: string): { start: Date; end: Date } {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  // why: end is the NEXT month's first instant, used with $lt / <, so the last second of the month is in and nothing of the next is; Date.UTC rolls month 12 into January.
  return { start: new Date(Date.UTC(year, mon - 1, 1)), end: new Date(Date.UTC(year, mon, 1)) };
}
// #endregion month-range

// #region revenue-by-category
/** Revenue and units per item category for orders placed in `month`, highest revenue first, then by category. */
export async function revenueByCategory(db: Db, month: string): Promise<CategoryRevenue[]> {
  const { start, end } = monthRange(month);
  // why: $match first so only the month's orders are unwound (and an index on placedAt can help); $unwind makes one document per item so $group sums lines, not arrays; the category breaks ties.
  return db.collection<Order>('orders').aggregate<CategoryRevenue>([
    { $match: { placedAt: { $gte: start, $lt: end } } },
    { $unwind: '$items' },
    { $group: { _id: '$items.category', revenueCents: { $sum: { $multiply: ['$items.quantity', '$items.priceCents'] } }, units: { $sum: '$items.quantity' } } },
    { $sort: { revenueCents: -1, _id: 1 } },
    { $project: { _id: 0, category: '$_id', revenueCents: 1, units: 1 } },
  ]).toArray();
}

/** The same report with GROUP BY over `order_items` joined to `orders`. */
export async function revenueByCategorySql(sql: Sql, month: string): Promise<CategoryRevenue[]> {
  const { start, end } = monthRange(month);
  // why: the dates travel as $1/$2 parameters (never pasted into the text); the same half-open range and the same tie-break as the pipeline.
  const { rows } = await sql.query<CategoryRevenue>(
    `SELECT i.category, SUM(i.quantity * i.price_cents) AS "revenueCents", SUM(i.quantity) AS units
       FROM order_items i JOIN orders o ON o.id = i.order_id
      WHERE o.placed_at >= $1 AND o.placed_at < $2
      GROUP BY i.category
      ORDER BY "revenueCents" DESC, i.category`,
    [start, end],
  );
  return rows;
}
// #endregion revenue-by-category

// #region top-customers
/** The `n` customers who spent most in `month`, with their names; equal spend is ordered by customer id. */
export async function topCustomers(db: Db, month: string, n: number): Promise<CustomerSpend[]> {
  const { start, end } = monthRange(month);
  // why: group and cut to n BEFORE $lookup, so names are fetched for n customers, not for every order; _id breaks ties so the cut is the same every run.
  return db.collection<Order>('orders').aggregate<CustomerSpend>([
    { $match: { placedAt: { $gte: start, $lt: end } } },
    { $group: { _id: '$customerId', spentCents: { $sum: '$totalCents' }, orders: { $sum: 1 } } },
    { $sort: { spentCents: -1, _id: 1 } },
    { $limit: n },
    { $lookup: { from: 'customers', localField: '_id', foreignField: '_id', as: 'customer' } },
    { $unwind: '$customer' },
    { $project: { _id: 0, customerId: '$_id', name: '$customer.name', spentCents: 1, orders: 1 } },
  ]).toArray();
}

/** The same report with JOIN, GROUP BY, ORDER BY and LIMIT. */
export async function topCustomersSql(sql: Sql, month: string, n: number): Promise<CustomerSpend[]> {
  const { start, end } = monthRange(month);
  // why: n is a value like the dates, so it is $3 too; c.id breaks ties exactly as _id does in the pipeline.
  const { rows } = await sql.query<CustomerSpend>(
    `SELECT c.id AS "customerId", c.name, SUM(o.total_cents) AS "spentCents", COUNT(*) AS orders
       FROM orders o JOIN customers c ON c.id = o.customer_id
      WHERE o.placed_at >= $1 AND o.placed_at < $2
      GROUP BY c.id, c.name
      ORDER BY "spentCents" DESC, c.id
      LIMIT $3`,
    [start, end, n],
  );
  return rows;
}
// #endregion top-customers

// #region customer-activity
/** Every customer, in order of id, with their orders in `month`: customers without any count 0. */
export async function customerActivity(db: Db, month: string): Promise<CustomerActivity[]> {
  const { start, end } = monthRange(month);
  // why: start from customers so none is lost; the month goes INSIDE the $lookup, and no $unwind, so a customer without orders keeps an empty array; $avg of [] is null.
  return db.collection<Customer>('customers').aggregate<CustomerActivity>([
    { $lookup: { from: 'orders', localField: '_id', foreignField: 'customerId', pipeline: [{ $match: { placedAt: { $gte: start, $lt: end } } }], as: 'placed' } },
    { $project: { _id: 0, customerId: '$_id', name: 1, orders: { $size: '$placed' }, spentCents: { $sum: '$placed.totalCents' }, averageOrderCents: { $avg: '$placed.totalCents' } } },
    { $sort: { customerId: 1 } },
  ]).toArray();
}

/** The same report with a LEFT JOIN. */
export async function customerActivitySql(sql: Sql, month: string): Promise<CustomerActivity[]> {
  const { start, end } = monthRange(month);
  // why: the month goes in ON (in WHERE it would drop the customers without orders); COUNT(o.id) skips the NULL row COUNT(*) would count; ::float8 avoids integer division; COALESCE turns no orders into 0.
  const { rows } = await sql.query<CustomerActivity>(
    `SELECT c.id AS "customerId", c.name,
            COUNT(o.id) AS orders,
            COALESCE(SUM(o.total_cents), 0) AS "spentCents",
            SUM(o.total_cents)::float8 / NULLIF(COUNT(o.id), 0) AS "averageOrderCents"
       FROM customers c
       LEFT JOIN orders o ON o.customer_id = c.id AND o.placed_at >= $1 AND o.placed_at < $2
      GROUP BY c.id, c.name
      ORDER BY c.id`,
    [start, end],
  );
  return rows;
}
// #endregion customer-activity

// #region order-buckets
/**
 * Orders of `month` counted in buckets of `totalCents` (`boundaries` ascending; every order's total is
 * at least the first and below the last), only the buckets that have orders, plus the month's totals.
 */
export async function orderDashboard(db: Db, month: string, boundaries: number[]): Promise<OrderDashboard> {
  const { start, end } = monthRange(month);
  // why: one $facet runs both reports over the same matched orders in one round trip; $bucket's lower bound is inclusive, its upper exclusive, like [start, end).
  const [result] = await db.collection<Order>('orders').aggregate<{ buckets: AmountBucket[]; totals: OrderDashboard['totals'][] }>([
    { $match: { placedAt: { $gte: start, $lt: end } } },
    {
      $facet: {
        buckets: [
          { $bucket: { groupBy: '$totalCents', boundaries, output: { orders: { $sum: 1 }, revenueCents: { $sum: '$totalCents' } } } },
          { $project: { _id: 0, fromCents: '$_id', orders: 1, revenueCents: 1 } },
        ],
        totals: [{ $group: { _id: null, orders: { $sum: 1 }, revenueCents: { $sum: '$totalCents' } } }, { $project: { _id: 0 } }],
      },
    },
  ]).toArray();
  // why: a $group over no documents yields no document, so an empty month has to become zeros here.
  return { buckets: result?.buckets ?? [], totals: result?.totals[0] ?? { orders: 0, revenueCents: 0 } };
}

/** The same dashboard in SQL: width_bucket for the buckets, one more query for the totals. */
export async function orderDashboardSql(sql: Sql, month: string, boundaries: number[]): Promise<OrderDashboard> {
  const { start, end } = monthRange(month);
  // why: width_bucket(x, array) finds i with array[i] <= x < array[i+1], the same rule as $bucket; the boundaries travel as one array parameter.
  const { rows: buckets } = await sql.query<AmountBucket>(
    `SELECT ($3::int[])[width_bucket(total_cents, $3::int[])] AS "fromCents", COUNT(*) AS orders, SUM(total_cents) AS "revenueCents"
       FROM orders
      WHERE placed_at >= $1 AND placed_at < $2
      GROUP BY 1
      ORDER BY 1`,
    [start, end, boundaries],
  );
  // why: SUM over no rows is NULL, not 0; COALESCE says what an empty month means.
  const { rows: totals } = await sql.query<OrderDashboard['totals']>(
    'SELECT COUNT(*) AS orders, COALESCE(SUM(total_cents), 0) AS "revenueCents" FROM orders WHERE placed_at >= $1 AND placed_at < $2',
    [start, end],
  );
  return { buckets, totals: totals[0] ?? { orders: 0, revenueCents: 0 } };
}
// #endregion order-buckets

// #region count-orders
/** How many orders were placed in `month`: an exact count of the matching documents. */
export async function countOrdersInMonth(db: Db, month: string): Promise<number> {
  const { start, end } = monthRange(month);
  // why: countDocuments runs the filter (a $match + $group on the server) and counts exactly; estimatedDocumentCount cannot take a filter.
  return db.collection<Order>('orders').countDocuments({ placedAt: { $gte: start, $lt: end } });
}

/** How many orders there are in all, cheaply: the collection's own count, without scanning documents. */
export async function countAllOrders(db: Db): Promise<number> {
  // why: estimatedDocumentCount reads the collection's metadata instead of scanning; right for a dashboard total, not for a filter.
  return db.collection<Order>('orders').estimatedDocumentCount();
}
// #endregion count-orders
