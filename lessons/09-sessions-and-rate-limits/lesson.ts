import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 9,
  slug: 'sessions-and-rate-limits',
  title: 'Sessions and rate limits',
  summary: 'Random session tokens with a 30-minute sliding expiry, fixed- and sliding-window rate limits that hold under 100 concurrent requests, and a leaderboard.',
  databases: ['redis'],
  objectives: [
    'Make session tokens from `crypto.randomBytes` (never `Math.random`) and store them as `session:<token>` with the article\'s 30-minute expiry.',
    'Slide the expiry on every use with `GETEX`, end a session with `DEL`, and issue a new token at login so a planted one is worthless.',
    'Count requests per fixed window with `INCR` and `EXPIRE` in one `MULTI`, so no counter is ever left without a TTL.',
    'Limit requests in a sliding window with a sorted set and one Lua script, and show that exactly N of 100 concurrent requests get through.',
    'Keep a leaderboard with `ZINCRBY`: the top N with scores, a player\'s 1-based rank and neighbours, and how Redis orders ties.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Create a session with a random token',
      points: 2,
      hints: [
        'A session token is a password for as long as it lives: could an attacker who saw a few tokens guess the next one? `Math.random` is not made to prevent that.',
        'node:crypto has `randomBytes(n)`: a Buffer of n unpredictable bytes. How do you write a Buffer as text that is safe in a cookie and a URL?',
        'Store the session with `SET session:<token> <json> EX <seconds>`: the article keeps a session for 30 minutes, SESSION_TTL_SECONDS.',
        'Almost there: `randomBytes(TOKEN_BYTES).toString(\'base64url\')`, then `await redis.set(sessionKey(token), JSON.stringify({ userId, createdAt: now }), \'EX\', SESSION_TTL_SECONDS)`.',
      ],
    },
    {
      title: 'Slide the expiry on every use',
      points: 2,
      hints: [
        'With a plain GET, when does a busy user get logged out? Thirty minutes after login, however active they are.',
        'You need to read the value and reset its TTL. Could one command do both, so a key that has just expired is not brought back?',
        'GETEX is GET with the options of SET: `EX seconds` resets the expiry. It answers null, and creates nothing, for a missing key.',
        'Almost there: `const value = await redis.getex(sessionKey(token), \'EX\', SESSION_TTL_SECONDS)`, then `return value === null ? null : (JSON.parse(value) as Session);`',
      ],
    },
    {
      title: 'Log out, and log in with a fresh token',
      points: 2,
      hints: [
        'After a logout, for how long may the token still work? Not until its TTL runs out: now.',
        'Session fixation: an attacker plants a token in your browser, you log in with it, and they share your session. What must happen to the token you had before login?',
        '`DEL` answers how many keys it removed: 1 means there was a session. At login, end the previous session and create a new one.',
        'Almost there: `return (await redis.del(sessionKey(token))) === 1`; and in logIn, `if (previousToken !== undefined) await logOut(redis, previousToken); return createSession(redis, userId, now);`.',
      ],
    },
    {
      title: 'Limit requests per fixed window',
      points: 3,
      hints: [
        'A hundred requests arrive at once. If each one GETs the count, compares it and then INCRs, how many see a count below the limit?',
        'INCR both counts and answers in one atomic step: request number k gets k back. Allow it if k <= limit.',
        'The counter needs a TTL from the moment it exists. INCR then EXPIRE as two commands leaves a gap: what if the process dies in it? `redis.multi()` sends both as one transaction.',
        'Almost there: `const key = fixedWindowKey(clientId, Math.floor(now / (windowSeconds * 1000)));` then `const replies = await redis.multi().incr(key).expire(key, windowSeconds).exec(); const count = Number(replies?.[0]?.[1]);` and `return count <= limit;`',
      ],
    },
    {
      title: 'Limit requests in a sliding window',
      points: 3,
      hints: [
        'A fixed window lets a client send `limit` requests at 11:59:59 and `limit` more at 12:00:00. A sliding window keeps the time of each request: which Redis type is sorted by a number?',
        'Per request: drop entries older than the window (ZREMRANGEBYSCORE), count what is left (ZCARD), and only if there is room ZADD this one. Done from TypeScript, three requests can all count before any of them adds.',
        'A Lua script runs as one atomic step. Fill in SLIDING_WINDOW_LUA, then call `redis.eval(SLIDING_WINDOW_LUA, 1, slidingWindowKey(clientId), now, windowMs, limit, member)`.',
        'Almost there: in Lua `redis.call(\'ZREMRANGEBYSCORE\', key, \'-inf\', now - window) if redis.call(\'ZCARD\', key) < limit then … return 1 end return 0`, where the … is the ZADD and the PEXPIRE. The member must be unique: `const member = now + \':\' + randomUUID();`',
      ],
    },
    {
      title: 'Rank players on a leaderboard',
      points: 2,
      hints: [
        'Which command adds to a member\'s score atomically and answers the new score? It answers a string.',
        'ZRANGE lists the lowest scores first. Which option turns that round for a top-N, and which one sends the scores along?',
        'ZREVRANK answers 0 for the top player. What rank would a person say? For the neighbours, start the range at `Math.max(0, index - k)`.',
        'Almost there: `Number(await redis.zincrby(boardKey(board), points, player))`; `standings(await redis.zrange(boardKey(board), 0, n - 1, \'REV\', \'WITHSCORES\'), 0)`; `const index = await redis.zrevrank(boardKey(board), player); return index === null ? null : index + 1;`',
      ],
    },
  ],
});
