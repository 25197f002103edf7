import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 3,
  slug: 'queries-and-indexes',
  title: 'Queries and indexes',
  summary: 'Filters, arrays, projection, sort and pagination; a unique index; explain; defending a login against NoSQL injection.',
  databases: ['mongo'],
  objectives: [
    'Write filters with comparison and logical operators, $in, $exists and $regex, and say which ones an index can answer.',
    'Query arrays: $all, $size, and $elemMatch for conditions that must hold for the same element of an array of documents.',
    'Return only the fields you need (projection), in a defined order (sort), one page at a time: skip/limit, and seek on _id.',
    'Enforce a rule with a unique index and turn its error 11000 into an answer a person can act on.',
    'Read explain("executionStats"): COLLSCAN vs IXSCAN, totalDocsExamined vs nReturned, a SORT stage; order compound index fields equality, sort, range.',
    'Keep operators from a request body out of a filter: check types before the query, and check password hashes in code.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Filter with operators and arrays',
      points: 2,
      hints: [
        'Which operator asks for an array holding every value of a list, and which for any one of them? Is an age equal to minAge "at least minAge"?',
        'A projection chooses the fields that come back: `{ _id: 0, name: 1, email: 1 }`. Without a sort, the order is whatever the server finds first.',
        "`{ 'items.sku': sku, 'items.qty': { $gte: minQty } }` can match an order where one item has the sku and another the quantity. Which operator holds both conditions to one element?",
        "Almost there: `return db.collection<User>('users').find<Member>({ tags: { $all: [...tags] }, age: { $gte: minAge } }, { projection: { _id: 0, name: 1, email: 1 } }).sort({ name: 1 }).toArray();` and `return db.collection<Order>('orders').find({ items: { $elemMatch: { sku, qty: { $gte: minQty } } } }).sort({ createdAt: 1 }).toArray();`",
      ],
    },
    {
      title: 'Search names by prefix',
      points: 2,
      hints: [
        '`{ name: { $regex: prefix } }` finds the prefix anywhere in the name. Which character pins a regular expression to the start?',
        'An anchored, case-sensitive regex is the one kind an index on name can answer as a range. What does `.` mean inside a regex, and what if the prefix is `St.`?',
        "Escape every character that means something in a regex: `prefix.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')`.",
        "Almost there: `const users = await db.collection<User>('users').find<{ name: string }>({ name: { $regex: '^' + escaped } }, { projection: { _id: 0, name: 1 } }).sort({ name: 1 }).toArray(); return users.map((u) => u.name);`",
      ],
    },
    {
      title: 'Page through users two ways',
      points: 3,
      hints: [
        'Pages only make sense in a defined order: sort by `_id`. How many users come before page 1, before page 2, before page `page`?',
        'For the seek version, which operator on `_id` starts right after the last id of the previous page, without repeating it?',
        'To know whether another page exists without a second query, ask for one document more than `size` and look at how many came back.',
        "Almost there: `const found = await db.collection<User>('users').find<UserSummary>(after === null ? {} : { _id: { $gt: after } }, { projection: { name: 1 } }).sort({ _id: 1 }).limit(size + 1).toArray();` then return its first `size`, and as `next` the last `_id` of those when more than `size` came back, otherwise null.",
      ],
    },
    {
      title: 'Register behind a unique email',
      points: 3,
      hints: [
        'Check whether the email exists, then insert: what happens when two sign-ups with the same email arrive at the same moment? The check sends several at once.',
        'A unique index makes the database refuse the second insert. `createIndex({ email: 1 }, { unique: true })` is safe to run twice.',
        'The refusal is a MongoServerError with `code` 11000. Only that one means "email taken": any other error must reach the caller.',
        'Almost there: `try { const { insertedId } = await db.collection<User>(\'users\').insertOne({ ...user, passwordHash: hashPassword(password) }); return { ok: true, id: insertedId.toHexString() }; } catch (e) { if (e instanceof MongoServerError && e.code === 11000) return { ok: false, reason: \'email-taken\' }; throw e; }`',
      ],
    },
    {
      title: 'Index a query until explain agrees',
      points: 3,
      hints: [
        "Run `findOrders(db, id, 'paid').explain('executionStats')` in a scratch file or the notebook: which stage do you see without an index, and how many keys and documents were examined?",
        'An index on customerId alone still fetches that customer\'s orders of every status. Which fields does the filter test for equality?',
        'After the equality fields, the sort field: then the index hands out the matches already newest first, and no SORT stage sorts them in memory (ESR: equality, sort, range).',
        "Almost there: `await db.collection<Order>('orders').createIndex({ customerId: 1, status: 1, createdAt: -1 });` and `return db.collection<Order>('orders').find({ customerId, status }).sort({ createdAt: -1 });`",
      ],
    },
    {
      title: 'Log in without NoSQL injection',
      points: 3,
      hints: [
        'JSON.parse(\'{"email": {"$ne": null}}\') gives an object, not a string. What does `findOne({ email: body.email })` match then?',
        'Check the types before anything reaches a filter: a body that is not an object, or an email or a password that is not a string, is a failed login.',
        'Passwords are stored hashed with a salt per user, so you cannot put a hash in the filter: find the user by email, then `verifyPassword(password, user.passwordHash)`.',
        "Almost there: `if (typeof email !== 'string' || typeof password !== 'string') return { ok: false };` then `const user = await db.collection<User>('users').findOne({ email });` and `if (!user?.passwordHash || !verifyPassword(password, user.passwordHash)) return { ok: false };`",
      ],
    },
  ],
});
