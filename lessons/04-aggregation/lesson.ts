import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 4,
  slug: 'aggregation',
  title: 'Aggregation',
  summary: 'One sales report built twice, as a MongoDB pipeline and as SQL GROUP BY and JOIN, over the same orders.',
  databases: ['mongo', 'sql'],
  objectives: [
    'Build a report as a pipeline of stages ($match, $unwind, $group, $sort, $project) and say why their order matters.',
    'Build the same report with GROUP BY and JOIN, and check that both give the same answer on the same data.',
    'Treat a month as the half-open range [first instant, next month\'s first instant), in both databases.',
    'Join with $lookup and with JOIN, say which side does the work, and keep rows that have no match (LEFT JOIN).',
    'Count the right thing: COUNT(*) vs COUNT(column), countDocuments vs estimatedDocumentCount; divide without losing the fraction.',
    'Bucket and summarise in one round trip with $facet and $bucket, and say why the article sends reporting to SQL.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Revenue per category for a month',
      points: 3,
      hints: [
        'Which orders belong to March: those placed on or after 1 March 00:00 and … before what? Write monthRange first; every other function uses it.',
        '`new Date(Date.UTC(year, month - 1, 1))` is the first instant of the month; `Date.UTC(year, month, 1)` is the next month\'s, and Date.UTC turns month 12 into January of the next year. Compare with $gte and $lt (>= and <).',
        'One order has several items, and revenue is per item: which stage turns one order into one document per item, and must it come before or after $group? And where does $match go, before or after $group, if $group drops placedAt?',
        'Almost there: `[{ $match: { placedAt: { $gte: start, $lt: end } } }, { $unwind: \'$items\' }, { $group: { _id: \'$items.category\', revenueCents: { $sum: { $multiply: [\'$items.quantity\', \'$items.priceCents\'] } }, units: { $sum: \'$items.quantity\' } } }, { $sort: { revenueCents: -1, _id: 1 } }, { $project: { _id: 0, category: \'$_id\', revenueCents: 1, units: 1 } }]`; in SQL `GROUP BY i.category ORDER BY "revenueCents" DESC, i.category` with `[start, end]` as $1, $2.',
      ],
    },
    {
      title: 'Top customers by spend',
      points: 2,
      hints: [
        'Group the month\'s orders by customerId, sum totalCents and count them. Then sort and cut: in which order must $sort and $limit come?',
        'Two customers spent exactly the same: which comes first? Without a second sort key, neither database promises an order. Sort by spend, then by id.',
        'The names are in `customers`: `{ $lookup: { from: \'customers\', localField: \'_id\', foreignField: \'_id\', as: \'customer\' } }` gives an ARRAY; $unwind it. Look up after $limit, so only n customers are looked up.',
        'Almost there, in SQL: `SELECT c.id AS "customerId", c.name, SUM(o.total_cents) AS "spentCents", COUNT(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id WHERE … GROUP BY c.id, c.name ORDER BY "spentCents" DESC, c.id LIMIT $3`.',
      ],
    },
    {
      title: 'Every customer, orders or not: $lookup vs LEFT JOIN',
      points: 3,
      hints: [
        'Every customer must appear, even one who ordered nothing this month. So start from customers, not from orders: which kind of JOIN keeps a row with no match?',
        'After `customers c LEFT JOIN orders o`, a customer without orders has ONE row whose o columns are NULL. What does COUNT(*) count for it, and what does COUNT(o.id) count? And where must the month go, ON or WHERE, so that row survives?',
        'SUM(o.total_cents) / COUNT(o.id) is integer ÷ integer in PostgreSQL: 7 / 2 = 3. Cast one side (`::float8`) and use NULLIF(COUNT(o.id), 0) so no orders gives NULL, not a division by zero; COALESCE(SUM(…), 0) turns no orders into 0.',
        'Almost there, in MongoDB: `db.collection(\'customers\').aggregate([{ $lookup: { from: \'orders\', localField: \'_id\', foreignField: \'customerId\', pipeline: [{ $match: { placedAt: { $gte: start, $lt: end } } }], as: \'placed\' } }, { $project: { _id: 0, customerId: \'$_id\', name: 1, orders: { $size: \'$placed\' }, spentCents: { $sum: \'$placed.totalCents\' }, averageOrderCents: { $avg: \'$placed.totalCents\' } } }, { $sort: { customerId: 1 } }])` — and no $unwind.',
      ],
    },
    {
      title: 'Orders bucketed by amount',
      points: 2,
      hints: [
        'Two reports over the same orders in one round trip: which stage runs several sub-pipelines over one input? And which stage sorts values into ranges given by boundaries?',
        '`$bucket` puts x in [boundaries[i], boundaries[i+1]): the lower bound is in, the upper is out. Its _id is the lower bound; `output: { orders: { $sum: 1 }, revenueCents: { $sum: \'$totalCents\' } }` says what to compute.',
        'For a month without orders, the totals facet\'s $group yields no document at all, and SQL\'s SUM over no rows is NULL. What should the caller get instead?',
        'Almost there, in SQL: width_bucket gives the index i with boundaries[i] <= total < boundaries[i+1], so `const { rows: buckets } = await sql.query<AmountBucket>(\'SELECT ($3::int[])[width_bucket(total_cents, $3::int[])] AS "fromCents", COUNT(*) AS orders, SUM(total_cents) AS "revenueCents" FROM orders WHERE placed_at >= $1 AND placed_at < $2 GROUP BY 1 ORDER BY 1\', [start, end, boundaries]);` then `SELECT COUNT(*) AS orders, COALESCE(SUM(total_cents), 0) AS "revenueCents" …` for the totals.',
      ],
    },
    {
      title: 'Count orders: exact or estimated',
      points: 1,
      hints: [
        'A collection has two count methods. Which one takes a filter?',
        'estimatedDocumentCount reads the count the collection keeps in its metadata: cheap, but it cannot filter. countDocuments runs your filter and counts what matches.',
        'Almost there: `db.collection(\'orders\').countDocuments({ placedAt: { $gte: start, $lt: end } })` and `db.collection(\'orders\').estimatedDocumentCount()`.',
      ],
    },
  ],
});
