/**
 * Redis: `REDIS_URL` (a real server through ioredis) → ioredis-mock, with the commands the lessons use
 * that it lacks added by `./redis-mock/` (streams and consumer groups, blocking pops, SCRIPT …).
 *
 * ioredis-mock keeps one in-memory keyspace per host:port, shared by every mock instance in the process.
 * Each connection group therefore gets its own fake port (its keyspace); `duplicate()` copies the options,
 * so a duplicate shares the keyspace and pub/sub between the two works as on a real server.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { RedisConnection } from './types.ts';
import { RedisUnreachableError, shortReason } from './errors.ts';
import { describeUrl } from './where.ts';

export interface ConnectRedisOptions {
  /**
   * Which keyspace to use. On the mock: any name or number; the same value gives the same keyspace in
   * this process, and leaving it out gives a fresh one. On a real server only a number counts: it is the
   * database index (`SELECT n`); otherwise the index in REDIS_URL (default 0) is used.
   */
  keyspace?: string | number;
  /**
   * On a real server, every key this connection (and its duplicates) reads or writes gets this prefix
   * (ioredis `keyPrefix`; KEYS and SCAN patterns and their results are translated too), so a run never
   * sees or touches a key it did not create. Ignored on the mock, whose keyspace is already private.
   */
  prefix?: string;
}

/** A RedisConnection that also says what it is and can drop the extra connections made so far. */
export interface OpenedRedis extends RedisConnection {
  readonly label: string;
  /** Closes every connection made by `duplicate()` so far (the main one stays open). */
  closeDuplicates(): Promise<void>;
  /** Deletes every key of this connection's own space: its prefix on a real server, its keyspace on the mock. */
  clear(): Promise<void>;
}

/** Fake ports for the mock's keyspaces; far from 6379 so learner code using `new RedisMock()` never meets them. */
const MOCK_PORT_BASE = 46_000;
const mockKeyspaces = new Map<string | number, number>();
let nextMockPort = MOCK_PORT_BASE;

/** The words for the start-up line, without connecting. */
export function redisLabel(env: NodeJS.ProcessEnv = process.env): string {
  const url = env['REDIS_URL']?.trim();
  return url ? `ioredis ${describeUrl(url)}` : 'ioredis-mock';
}

export async function connectRedis(
  env: NodeJS.ProcessEnv = process.env,
  opts: ConnectRedisOptions = {},
): Promise<OpenedRedis> {
  const url = env['REDIS_URL']?.trim();
  return url ? connectReal(url, opts) : connectMock(opts);
}

async function connectMock(opts: ConnectRedisOptions): Promise<OpenedRedis> {
  // ioredis-mock plus the commands the lessons need that it lacks (streams, blocking pops, SCRIPT …).
  const { createLabRedisMock } = await import('./redis-mock/index.ts');
  let port: number;
  if (opts.keyspace === undefined) {
    port = nextMockPort++;
  } else {
    port = mockKeyspaces.get(opts.keyspace) ?? nextMockPort++;
    mockKeyspaces.set(opts.keyspace, port);
  }
  const redis = createLabRedisMock({ host: '127.0.0.1', port });
  return wrap('mock', redis, 'ioredis-mock');
}

async function connectReal(url: string, opts: ConnectRedisOptions): Promise<OpenedRedis> {
  const { Redis: IORedis } = await import('ioredis');
  const where = describeUrl(url);
  const options: RedisOptions = {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    connectTimeout: 3_000,
    // Give up after a few quick tries at start-up, so a missing server is reported in about a second.
    retryStrategy: (times: number) => (times > 3 ? null : times * 100),
  };
  if (typeof opts.keyspace === 'number') options.db = opts.keyspace;
  if (opts.prefix) options.keyPrefix = opts.prefix;
  const redis = new IORedis(url, options);
  if (opts.prefix) translatePatterns(redis, opts.prefix);
  let lastError: unknown;
  const onError = (error: unknown): void => {
    lastError = error;
  };
  redis.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('end', () => reject(lastError ?? new Error('connection closed')));
    });
  } catch (error) {
    redis.disconnect();
    throw new RedisUnreachableError(url.replace(/\/\/[^@/]*@/, '//'), shortReason(error));
  }
  const db = options.db ?? redis.options.db ?? 0;
  const space = opts.prefix ? ` (keys under ${opts.prefix})` : db !== 0 && !where.includes('/') ? ` (db ${db})` : '';
  return wrap('url', redis, `ioredis ${where}${space}`, opts.prefix);
}

/** Subcommands of XGROUP and XINFO whose second argument is a key. */
const KEYED_SUBCOMMANDS = new Set(['CREATE', 'DESTROY', 'CREATECONSUMER', 'DELCONSUMER', 'SETID', 'STREAM', 'GROUPS', 'CONSUMERS']);

/**
 * ioredis adds `keyPrefix` to keys but not to the patterns of KEYS and SCAN, nor takes it off their
 * replies, nor to the key of XGROUP and XINFO (it stands after a subcommand): do all three, so code sees
 * its own keys by the names it gave them.
 */
function translatePatterns(redis: Redis, prefix: string): void {
  const strip = (keys: string[]): string[] => keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const keys = redis.keys.bind(redis) as (pattern: string) => Promise<string[]>;
  const scan = redis.scan.bind(redis) as (...args: unknown[]) => Promise<[string, string[]]>;
  const keyAfterSubcommand = (command: (...args: unknown[]) => Promise<unknown>) => (...args: unknown[]) =>
    command(...args.map((a, i) => (i === 1 && KEYED_SUBCOMMANDS.has(String(args[0]).toUpperCase()) ? `${prefix}${String(a)}` : a)));
  Object.assign(redis, {
    xgroup: keyAfterSubcommand(redis.xgroup.bind(redis) as (...args: unknown[]) => Promise<unknown>),
    xinfo: keyAfterSubcommand(redis.xinfo.bind(redis) as (...args: unknown[]) => Promise<unknown>),
    keys: (pattern: string) => keys(`${prefix}${pattern}`).then(strip),
    // scanStream() calls scan([cursor, …], callback): take both forms.
    scan: (...input: unknown[]) => {
      const callback = typeof input[input.length - 1] === 'function' ? (input.pop() as (e: unknown, r?: unknown) => void) : undefined;
      const [cursor, ...args] = (Array.isArray(input[0]) ? input[0] : input) as unknown[];
      const at = args.findIndex((a) => typeof a === 'string' && a.toUpperCase() === 'MATCH');
      const rest = at >= 0 ? args.map((a, i) => (i === at + 1 ? `${prefix}${String(a)}` : a)) : ['MATCH', `${prefix}*`, ...args];
      const result = scan(cursor, ...rest).then(([next, found]) => [next, strip(found)] as [string, string[]]);
      if (callback) result.then((r) => callback(null, r), (e: unknown) => callback(e));
      return result;
    },
  });
}

/** Deletes every key that starts with `prefix`, through a connection without a prefix of its own. */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<number> {
  const raw = redis.duplicate({ keyPrefix: '' });
  raw.on('error', () => undefined);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, found] = await raw.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) deleted += await raw.unlink(...found);
    } while (cursor !== '0');
  } finally {
    raw.disconnect();
  }
  return deleted;
}

/** SCAN MATCH treats `*?[]\` as wildcards: escape them so a prefix matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function wrap(kind: 'url' | 'mock', redis: Redis, label: string, prefix?: string): OpenedRedis {
  let duplicates: Redis[] = [];
  let closing: Promise<void> | undefined;
  const closeDuplicates = async (): Promise<void> => {
    const open = duplicates;
    duplicates = [];
    await Promise.all(open.map((client) => quit(client, kind)));
  };
  return {
    kind,
    redis,
    label,
    duplicate(): Redis {
      const copy = redis.duplicate();
      if (prefix) translatePatterns(copy, prefix);
      // A real connection reports errors as events; keep them from crashing the process.
      copy.on('error', () => undefined);
      duplicates.push(copy);
      return copy;
    },
    closeDuplicates,
    async clear() {
      if (kind === 'mock') await redis.flushdb();
      else if (prefix) await deleteByPrefix(redis, prefix);
      else throw new Error('This Redis connection has no key prefix of its own: clearing it would delete keys the course did not create.');
    },
    close: () =>
      (closing ??= (async () => {
        await closeDuplicates();
        await quit(redis, kind);
      })()),
  };
}

/**
 * QUIT politely (works in subscriber mode too); if that fails, drop the socket.
 * ioredis-mock keeps a quit client subscribed (it would still receive, and count in PUBLISH replies),
 * so on the mock unsubscribe first, as a real server does on disconnect.
 */
async function quit(client: Redis, kind: 'url' | 'mock'): Promise<void> {
  if (client.status === 'end') return;
  try {
    if (kind === 'mock') {
      await client.unsubscribe();
      await client.punsubscribe();
      await client.quit();
      return;
    }
    // QUIT's reply comes before the socket closes: wait for 'end', so close() leaves no handle behind.
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await client.quit();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
    clearTimeout(timer);
    if ((client.status as string) !== 'end') client.disconnect();
  } catch {
    client.disconnect();
  }
}
