import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 6,
  slug: 'transactions-and-scaling',
  title: 'Transactions and scaling',
  summary: 'Money in Decimal128, a transfer that commits both sides or leaves no trace, when one guarded update is enough, and shard keys tried on a simulated cluster.',
  databases: ['mongo'],
  objectives: [
    'Keep money in Decimal128, because a binary double cannot hold 0.10 exactly (0.1 + 0.2 is 0.30000000000000004).',
    'Move money between two documents with session.withTransaction so both sides commit or neither does, passing { session } to every write.',
    'Explain a write conflict (error 112, TransientTransactionError) and why withTransaction retries it.',
    'Replace a transaction with one single-document update whose filter does the check ({ _id, balance: { $gte: amount } }).',
    'Choose a shard key on a simulated cluster: no hot shard from an ever-increasing key, targeted rather than scatter-gather queries, no jumbo chunks from a key with few values.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Keep money in Decimal128',
      points: 2,
      hints: [
        'What does `0.1 + 0.2` print in Node? Which BSON type keeps the digits you wrote? The notebook cell "Money is not a float" shows both.',
        "parseAmount should refuse '-5', '12.345', '1e3' and 'abc' before they reach the database: a regular expression such as /^\\d{1,15}(\\.\\d{1,2})?$/ does it. Then `Decimal128.fromString(text)`.",
        "Let the database add: `aggregate([{ $group: { _id: null, total: { $sum: '$balance' } } }])` returns a Decimal128 when the balances are Decimal128. What do you return when there is no row at all?",
        "Almost there: `const [row] = await db.collection<Account>('accounts').aggregate<{ total: Decimal128 }>([{ $group: { _id: null, total: { $sum: '$balance' } } }]).toArray(); return row === undefined ? '0' : row.total.toString();`",
      ],
    },
    {
      title: 'Transfer money in one transaction',
      points: 3,
      hints: [
        'Three writes must happen together or not at all: the debit, the credit and the ledger entry. Which driver call runs a callback as one transaction and retries it on a write conflict?',
        'Start with `const session = client.startSession();` and end it in `finally`. Inside `session.withTransaction(async () => { … })` pass `{ session }` as the options of EVERY write: a write without it commits on its own.',
        "Debit with a filter that also checks the balance: `updateOne({ _id: from, balance: { $gte: amount } }, { $inc: { balance: negative(amount) } }, { session })`. If it matched nothing, throw InsufficientFundsError: the throw aborts the transaction.",
        'Almost there: debit → `await hooks.afterDebit?.()` → credit (throw UnknownAccountError if it matched nothing) → `await db.collection<LedgerEntry>(\'ledger\').insertOne({ from: request.from, to: request.to, amount, at: new Date() }, { session });` → `await hooks.beforeCommit?.()`.',
      ],
    },
    {
      title: 'Withdraw with one guarded update',
      points: 2,
      hints: [
        'A single document is always updated atomically. Can one updateOne both check that the balance is large enough and take the money?',
        'Reading the balance with findOne and then updating is two requests: what happens when ten withdrawals all read the balance before any of them writes?',
        'Put the check in the filter: `{ _id: id, balance: { $gte: value } }`, and the change in the update: `{ $inc: { balance: negative(value) } }`.',
        'Almost there: `const value = parseAmount(amount);` then `const r = await db.collection<Account>(\'accounts\').updateOne({ _id: id, balance: { $gte: value } }, { $inc: { balance: negative(value) } }); return r.matchedCount === 1;`',
      ],
    },
    {
      title: 'Shard key: orders without a hot shard',
      points: 1,
      hints: [
        'Where does an order with a brand-new ObjectId go when the collection is ranged on `_id`? And the next one? The notebook cell "An ever-increasing key makes a hot shard" shows it.',
        'The busiest query is `{ customerId }`: a key that starts with customerId lets the router send it to one shard.',
        'Customer ids arrive in no particular order, so either `{ customerId: 1 }` or `{ customerId: \'hashed\' }` spreads the inserts.',
      ],
    },
    {
      title: 'Shard key: deliveries by postcode range',
      points: 1,
      hints: [
        'The query is a range: `{ postcode: { $gte: 20000, $lt: 30000 } }`. Which kind of key keeps neighbouring postcodes in the same chunks?',
        'A hashed key scatters neighbouring values over the whole cluster: good for spreading writes, but a range query then goes to every shard.',
        'Postcodes arrive in random order, so a ranged key on them has no hot shard: `{ postcode: 1 }`.',
      ],
    },
    {
      title: 'Shard key: page views without jumbo chunks',
      points: 1,
      hints: [
        'How many different countries are there? A chunk can only split between two different key values: what happens to a chunk of 300 views all from US?',
        'Both queries filter on country, so country should come first in the key. What second field has many values and is in the second query?',
        'A compound key `{ country: 1, <another field>: 1 }` keeps each country together and lets its chunks split.',
      ],
    },
  ],
});
