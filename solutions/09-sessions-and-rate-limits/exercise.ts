// Lesson 09 — Sessions and rate limits: the article's 30-minute sessions, rate limits that hold
// when a hundred requests arrive at once, and a leaderboard — all on Redis's atomic commands.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 9`;
// stuck? `npm run lesson 9 -- --hint`.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What a session key holds. */
export interface Session {
  userId: string;
  /** When the session was created, in milliseconds since 1970. */
  createdAt: number;
}

/** The article: "store their session for 30 minutes, auto-expire". */
export const SESSION_TTL_SECONDS = 30 * 60;
/** 32 random bytes: 256 bits, far beyond guessing. */
export const TOKEN_BYTES = 32;

export const sessionKey = (token: string): string => `session:${token}`;
export const fixedWindowKey = (clientId: string, window: number): string => `rate:fixed:${clientId}:${window}`;
export const slidingWindowKey = (clientId: string): string => `rate:sliding:${clientId}`;
export const boardKey = (board: string): string => `leaderboard:${board}`;

// #region new-session
/** A new session token: TOKEN_BYTES from a cryptographic random source, as base64url (43 characters). */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url'); // why: crypto randomness cannot be predicted; Math.random can
}

/** Stores a new session for `userId` under `session:<token>` for SESSION_TTL_SECONDS; returns the token. */
export async function createSession(redis: Redis, userId: string, now: number = Date.now()): Promise<string> {
  const token = newToken();
  const session: Session = { userId, createdAt: now };
  // why: EX makes Redis forget an abandoned session by itself; NX never overwrites another session (a collision is astronomically unlikely)
  await redis.set(sessionKey(token), JSON.stringify(session), 'EX', SESSION_TTL_SECONDS, 'NX');
  return token;
}
// #endregion new-session

// #region read-session
/** The session of `token`, or null; each read gives the session another full SESSION_TTL_SECONDS. */
export async function readSession(redis: Redis, token: string): Promise<Session | null> {
  // why: GETEX reads and resets the expiry in one command, so 30 minutes count from the last use, and a missing key stays missing
  const value = await redis.getex(sessionKey(token), 'EX', SESSION_TTL_SECONDS);
  return value === null ? null : (JSON.parse(value) as Session);
}
// #endregion read-session

// #region log-in-out
/** Ends the session of `token`; true if there was one. */
export async function logOut(redis: Redis, token: string): Promise<boolean> {
  return (await redis.del(sessionKey(token))) === 1; // why: the token must stop working now, not when its TTL runs out
}

/**
 * Logs `userId` in: a new session with a new token. The token the browser had before (if any)
 * stops working, so a token planted before login (session fixation) is worth nothing.
 */
export async function logIn(redis: Redis, userId: string, previousToken?: string, now: number = Date.now()): Promise<string> {
  if (previousToken !== undefined) await logOut(redis, previousToken); // why: never promote a token someone else may know
  return createSession(redis, userId, now); // why: a fresh random token for the logged-in session
}
// #endregion log-in-out

// #region fixed-window
/**
 * Fixed window: at most `limit` requests per client in each window of `windowSeconds`, windows
 * numbered floor(now / (windowSeconds × 1000)). Counts in `rate:fixed:<clientId>:<window>`, a key
 * that has a TTL from the moment it exists. Returns whether this request is allowed.
 */
export async function allowFixedWindow(
  redis: Redis, clientId: string, limit: number, windowSeconds: number, now: number = Date.now(),
): Promise<boolean> {
  const key = fixedWindowKey(clientId, Math.floor(now / (windowSeconds * 1000)));
  // why: MULTI runs INCR and EXPIRE together, so no crash or race can leave a counter without a TTL
  const replies = await redis.multi().incr(key).expire(key, windowSeconds).exec();
  const count = Number(replies?.[0]?.[1]);
  return count <= limit; // why: INCR counts and answers in one atomic step, so 100 concurrent requests get 1…100
}
// #endregion fixed-window

// #region sliding-window
/**
 * KEYS[1]: the client's sorted set; ARGV: now (ms), window (ms), limit, a unique member for this request.
 * Returns 1 if the request is allowed (and recorded), 0 if not.
 */
export const SLIDING_WINDOW_LUA = `
local key    = KEYS[1]
local now    = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit  = tonumber(ARGV[3])
local member = ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 1
end
return 0
`;

/**
 * Sliding window: at most `limit` requests per client in any `windowMs` milliseconds. A request
 * made at time t counts until t + windowMs. Requests are members of the sorted set
 * `rate:sliding:<clientId>`, scored by time; a refused request is not recorded.
 */
export async function allowSlidingWindow(
  redis: Redis, clientId: string, limit: number, windowMs: number, now: number = Date.now(),
): Promise<boolean> {
  // why: a unique member, because two requests in the same millisecond would otherwise be one ZADD
  const member = `${now}:${randomUUID()}`;
  // why: one script runs as one atomic step: no other request can slip in between the count and the add
  const allowed = await redis.eval(SLIDING_WINDOW_LUA, 1, slidingWindowKey(clientId), now, windowMs, limit, member);
  return allowed === 1;
}
// #endregion sliding-window

// #region leaderboard
export interface Standing {
  /** 1 for the top player. */
  rank: number;
  player: string;
  score: number;
}

/** Adds `points` to `player` on `board` (a player not there yet starts at 0); returns the new score. */
export async function addPoints(redis: Redis, board: string, player: string, points: number): Promise<number> {
  return Number(await redis.zincrby(boardKey(board), points, player)); // why: ZINCRBY adds atomically; read-then-ZADD loses points under concurrency
}

/**
 * The top `n` of `board`, highest score first. Ties: the order Redis gives with REV — equal scores
 * in reverse byte order of the name ("zoe" before "adam").
 */
export async function topPlayers(redis: Redis, board: string, n: number): Promise<Standing[]> {
  // why: REV returns the highest scores first; WITHSCORES sends them along as strings
  const flat = await redis.zrange(boardKey(board), 0, n - 1, 'REV', 'WITHSCORES');
  return standings(flat, 0);
}

/** `player`'s rank on `board` (1 = top, same tie order as topPlayers), or null if they have no score. */
export async function rankOf(redis: Redis, board: string, player: string): Promise<number | null> {
  const index = await redis.zrevrank(boardKey(board), player);
  return index === null ? null : index + 1; // why: ZREVRANK counts from 0; people count from 1
}

/** `player` with up to `k` players above and `k` below, in rank order; [] if they have no score. */
export async function neighbours(redis: Redis, board: string, player: string, k: number): Promise<Standing[]> {
  const index = await redis.zrevrank(boardKey(board), player);
  if (index === null) return [];
  const start = Math.max(0, index - k); // why: a negative start would count from the bottom of the set
  const flat = await redis.zrange(boardKey(board), start, index + k, 'REV', 'WITHSCORES');
  return standings(flat, start);
}

/** [member, score, member, score…] from index `start` → standings with 1-based ranks and numeric scores. */
function standings(flat: string[], start: number): Standing[] {
  const out: Standing[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push({ rank: start + i / 2 + 1, player: flat[i]!, score: Number(flat[i + 1]) });
  }
  return out;
}
// #endregion leaderboard
