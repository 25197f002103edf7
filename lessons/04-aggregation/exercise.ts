// Lesson 04 — Aggregation: one sales report built twice, as a MongoDB pipeline and as SQL.
// The data is the same in both databases (see the notebook): `customers` and `orders` documents,
// each order with its `items`; `customers`, `orders` and `order_items` tables. Money is whole cents.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 4`;
// stuck? `npm run lesson 4 -- --hint`.
import type { Db } from 'mongodb';
import type { Sql } from '#lab/backends/types.ts';
import { todo } from '#lab/todo.ts';

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
  return todo('monthRange: the month as [start, start of next month)'); // TODO: two Date.UTC(…) dates, the end exclusive
}
// #endregion month-range

// #region revenue-by-category
/** Revenue and units per item category for orders placed in `month`, highest revenue first, then by category. */
export async function revenueByCategory(db: Db, month: string): Promise<CategoryRevenue[]> {
  return todo('revenueByCategory: $match, $unwind, $group, $sort, $project'); // TODO: aggregate over orders
}

/** The same report with GROUP BY over `order_items` joined to `orders`. */
export async function revenueByCategorySql(sql: Sql, month: string): Promise<CategoryRevenue[]> {
  return todo('revenueByCategorySql: GROUP BY category'); // TODO: SELECT … JOIN orders … WHERE placed_at >= $1 AND placed_at < $2 GROUP BY …
}
// #endregion revenue-by-category

// #region top-customers
/** The `n` customers who spent most in `month`, with their names; equal spend is ordered by customer id. */
export async function topCustomers(db: Db, month: string, n: number): Promise<CustomerSpend[]> {
  return todo('topCustomers: $group, $sort, $limit, then $lookup the names'); // TODO: aggregate over orders
}

/** The same report with JOIN, GROUP BY, ORDER BY and LIMIT. */
export async function topCustomersSql(sql: Sql, month: string, n: number): Promise<CustomerSpend[]> {
  return todo('topCustomersSql: JOIN customers, GROUP BY, ORDER BY, LIMIT $3'); // TODO: one SELECT with $1, $2, $3
}
// #endregion top-customers

// #region customer-activity
/** Every customer, in order of id, with their orders in `month`: customers without any count 0. */
export async function customerActivity(db: Db, month: string): Promise<CustomerActivity[]> {
  return todo('customerActivity: $lookup the month\'s orders into every customer'); // TODO: aggregate over customers
}

/** The same report with a LEFT JOIN. */
export async function customerActivitySql(sql: Sql, month: string): Promise<CustomerActivity[]> {
  return todo('customerActivitySql: customers LEFT JOIN orders'); // TODO: LEFT JOIN … ON … AND the month, GROUP BY c.id
}
// #endregion customer-activity

// #region order-buckets
/**
 * Orders of `month` counted in buckets of `totalCents` (`boundaries` ascending; every order's total is
 * at least the first and below the last), only the buckets that have orders, plus the month's totals.
 */
export async function orderDashboard(db: Db, month: string, boundaries: number[]): Promise<OrderDashboard> {
  return todo('orderDashboard: $match, then $facet with $bucket and $group'); // TODO: one aggregate, then zeros for an empty month
}

/** The same dashboard in SQL: width_bucket for the buckets, one more query for the totals. */
export async function orderDashboardSql(sql: Sql, month: string, boundaries: number[]): Promise<OrderDashboard> {
  return todo('orderDashboardSql: buckets with width_bucket, totals with COUNT and SUM'); // TODO: two SELECTs, boundaries as $3
}
// #endregion order-buckets

// #region count-orders
/** How many orders were placed in `month`: an exact count of the matching documents. */
export async function countOrdersInMonth(db: Db, month: string): Promise<number> {
  return todo('countOrdersInMonth: an exact count with a filter'); // TODO: countDocuments with the month range
}

/** How many orders there are in all, cheaply: the collection's own count, without scanning documents. */
export async function countAllOrders(db: Db): Promise<number> {
  return todo('countAllOrders: the cheap total'); // TODO: estimatedDocumentCount
}
// #endregion count-orders
