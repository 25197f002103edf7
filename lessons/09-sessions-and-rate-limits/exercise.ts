// Lesson 09 — Sessions and rate limits: the article's 30-minute sessions, rate limits that hold
// when a hundred requests arrive at once, and a leaderboard — all on Redis's atomic commands.
// Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 9`;
// stuck? `npm run lesson 9 -- --hint`.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { todo } from '#lab/todo.ts';

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
  return todo('newToken: make an unguessable token'); // TODO: TOKEN_BYTES random bytes from node:crypto, as base64url
}

/** Stores a new session for `userId` under `session:<token>` for SESSION_TTL_SECONDS; returns the token. */
export async function createSession(redis: Redis, userId: string, now: number = Date.now()): Promise<string> {
  return todo('createSession: store a new session'); // TODO: SET session:<token> to JSON of { userId, createdAt: now }, EX SESSION_TTL_SECONDS
}
// #endregion new-session

// #region read-session
/** The session of `token`, or null; each read gives the session another full SESSION_TTL_SECONDS. */
export async function readSession(redis: Redis, token: string): Promise<Session | null> {
  return todo('readSession: read the session and slide its expiry'); // TODO: GETEX session:<token> EX SESSION_TTL_SECONDS, then JSON.parse
}
// #endregion read-session

// #region log-in-out
/** Ends the session of `token`; true if there was one. */
export async function logOut(redis: Redis, token: string): Promise<boolean> {
  return todo('logOut: end the session'); // TODO: DEL session:<token>, true if a key was deleted
}

/**
 * Logs `userId` in: a new session with a new token. The token the browser had before (if any)
 * stops working, so a token planted before login (session fixation) is worth nothing.
 */
export async function logIn(redis: Redis, userId: string, previousToken?: string, now: number = Date.now()): Promise<string> {
  return todo('logIn: a fresh session, the old token dead'); // TODO: log the previous token out, then createSession
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
  return todo('allowFixedWindow: count this request in its window'); // TODO: MULTI: INCR the window's key + EXPIRE it; allowed if count <= limit
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
-- TODO: drop the requests older than the window (ZREMRANGEBYSCORE … '-inf' now - window),
-- count the rest (ZCARD); if fewer than limit: ZADD now member, PEXPIRE the key, return 1
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
  return todo('allowSlidingWindow: run the sliding-window script'); // TODO: EVAL SLIDING_WINDOW_LUA with the key, now, windowMs, limit and a unique member
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
  return todo('addPoints: add to a score'); // TODO: ZINCRBY, and the new score as a number
}

/**
 * The top `n` of `board`, highest score first. Ties: the order Redis gives with REV — equal scores
 * in reverse byte order of the name ("zoe" before "adam").
 */
export async function topPlayers(redis: Redis, board: string, n: number): Promise<Standing[]> {
  return todo('topPlayers: the highest scores first'); // TODO: ZRANGE 0 n-1 REV WITHSCORES, then standings(flat, 0)
}

/** `player`'s rank on `board` (1 = top, same tie order as topPlayers), or null if they have no score. */
export async function rankOf(redis: Redis, board: string, player: string): Promise<number | null> {
  return todo('rankOf: a 1-based rank'); // TODO: ZREVRANK, counting from 1
}

/** `player` with up to `k` players above and `k` below, in rank order; [] if they have no score. */
export async function neighbours(redis: Redis, board: string, player: string, k: number): Promise<Standing[]> {
  return todo('neighbours: the players around one'); // TODO: ZREVRANK, then ZRANGE from max(0, index - k) to index + k REV WITHSCORES
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
