import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 11,
  slug: 'combined-stack',
  title: 'The combined stack',
  summary: 'The article\'s flow as a Fastify service: log in against PostgreSQL, a one-hour session in Redis, a profile from MongoDB, a feed cached for five minutes, messages saved then published, and logout.',
  databases: ['sql', 'mongo', 'redis'],
  objectives: [
    'Keep passwords in PostgreSQL as salted `scrypt` hashes, check them with `timingSafeEqual`, and query with `$1` parameters only.',
    'Give an unknown email the same answer, and the same scrypt work, as a wrong password, and refuse anything but strings at login (no `{ "$ne": null }`).',
    'Keep a session in Redis under a random token for one hour, send it as an HttpOnly cookie or a bearer token, and answer 401 once it is gone.',
    'Read a flexible profile document from MongoDB, and cache the feed in Redis for five minutes with its age in the response headers.',
    'Save a message in MongoDB before publishing it on Redis pub/sub, so a failed save announces nothing.',
    'Drive the whole service through Fastify\'s `inject()` in tests, and survive a flushed Redis with a rebuilt feed and a fresh login, never a 500.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Store a password as a salted scrypt hash',
      points: 3,
      hints: [
        'Two users pick the same password. Without a salt, what does a reader of the `users` table learn? `randomBytes(SALT_BYTES)` gives each user their own salt.',
        '`scrypt` is slow on purpose, so guessing is slow too. `scryptAsync(password, salt, KEY_LENGTH)` (defined at the top of the file) resolves to a Buffer: store it and the salt as hex.',
        'To verify, hash the attempt again with the stored salt and compare the Buffers with `timingSafeEqual`: why not `===` on the hex strings?',
        'Almost there: `timingSafeEqual(await scryptAsync(password, Buffer.from(stored.salt, \'hex\'), KEY_LENGTH), Buffer.from(stored.hash, \'hex\'))`; and `sql.query<{ id: number }>(\'INSERT INTO users (email, salt, password_hash) VALUES ($1, $2, $3) RETURNING id\', [email, salt, hash])`.',
      ],
    },
    {
      title: 'Log in: PostgreSQL, then a session in Redis',
      points: 3,
      hints: [
        'A client sends `{"email": {"$ne": null}, "password": "x"}`. What would that object do in a MongoDB filter? `parseCredentials` lets through only two non-empty strings.',
        'Look the user up with `WHERE email = $1`. If there is no row, check the password against `DUMMY_PASSWORD` anyway: otherwise an unknown email answers faster, and the time tells which emails have accounts.',
        'Wrong password and unknown email must both return null: the route turns that into one 401. The token: `randomBytes(TOKEN_BYTES).toString(\'base64url\')`, never `Math.random`.',
        'Almost there: `await stores.redis.set(sessionKey(token), JSON.stringify({ userId: user.id, email: user.email }), \'EX\', SESSION_TTL_SECONDS)`, then return the token.',
      ],
    },
    {
      title: 'Read the profile for a session',
      points: 2,
      hints: [
        'What does Redis answer for a key whose hour is up? The route answers 401 when `readSession` returns null.',
        'A profile is a document with whatever fields the user filled in: which fields should you list in a projection, if you keep them all?',
        'The profile\'s `_id` is the user\'s id from PostgreSQL (a number). Leave `_id` out of the answer with `{ projection: { _id: 0 } }`.',
        'Almost there: `const value = await redis.get(sessionKey(token)); return value === null ? null : JSON.parse(value) as Session;` and `mongo.collection<{ _id: number }>(\'profiles\').findOne({ _id: userId }, { projection: { _id: 0 } })`.',
      ],
    },
    {
      title: 'Serve the feed cache-aside',
      points: 2,
      hints: [
        'Cache-aside: ask Redis first; only on a miss ask MongoDB, then keep the answer in Redis. What must a hit never do?',
        'The article refreshes the feed every five minutes. Which SET option makes the key disappear after FEED_TTL_SECONDS, so the next reader rebuilds it?',
        'Keep `{ builtAt: now, posts }` as JSON: a hit can then say how old it is, `Math.floor((now - builtAt) / 1000)` seconds.',
        'Almost there, on a miss: `const docs = await stores.mongo.collection<MessageDocument>(\'messages\').find().sort({ createdAt: -1, _id: -1 }).limit(FEED_SIZE).toArray(); const posts = docs.map(toFeedPost);` then `await stores.redis.set(FEED_KEY, JSON.stringify({ builtAt: now, posts }), \'EX\', FEED_TTL_SECONDS);`',
      ],
    },
    {
      title: 'Save a message, then publish it',
      points: 2,
      hints: [
        'Pub/sub is instant and forgets: a subscriber that is not listening never gets the message. Which store keeps it for good?',
        'If you publish first and the save then fails, subscribers have shown a message that does not exist. Which order avoids that?',
        'If `insertOne` throws, let the error go: the route answers 503 and nothing was published. Build the published JSON with `toFeedPost({ ...doc, _id: insertedId })`.',
        'Almost there: `const { insertedId } = await stores.mongo.collection<MessageDocument>(\'messages\').insertOne(doc)`, then `await stores.redis.publish(MESSAGES_CHANNEL, JSON.stringify(post))`.',
      ],
    },
    {
      title: 'Log out',
      points: 1,
      hints: [
        'The route already clears the cookie. Does that stop someone who copied the token?',
        'After a logout, for how long may the token still work? Not until its hour is up: now.',
        'Almost there: `return (await redis.del(sessionKey(token))) === 1;`.',
      ],
    },
  ],
});
