/**
 * Every run of the course on a real server works in names of its own, and never touches anything else:
 *
 *   lab_<host>_<pid>_<start>_<what>     a PostgreSQL schema, a MongoDB database, and (with a `:`) the
 *                                       prefix of every Redis key the run writes
 *
 * `host` is a short hash of the machine's name, `pid` the process that owns the name and `start` when it
 * started (base 36), so two runs (two clones, two `npm test`s at once) never share a name. A run that is
 * killed cannot clean up after itself: the next run on the same machine sweeps every name whose process
 * is gone. Names of other machines, of live processes, and anything not in this form are left alone.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

const PREFIX = 'lab_';
const STARTED = Date.now().toString(36);

/** 4 characters that tell this machine's names from another's on a shared server. */
export function hostTag(name = hostname()): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 4);
}

function clean(what: string): string {
  return what.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'run';
}

/** A name owned by this process, valid as an unquoted SQL identifier and a MongoDB database name (≤ 63). */
export function ownName(what: string, pid = process.pid, started = STARTED, host = hostTag()): string {
  const head = `${PREFIX}${host}_${pid}_${started}_`;
  return `${head}${clean(what)}`.slice(0, 63).replace(/_+$/, '');
}

export interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly started: string;
}

/** Who owns a name made by ownName (a Redis key's prefix part counts), or undefined for any other name. */
export function ownerOf(name: string): Owner | undefined {
  const match = /^lab_([0-9a-f]{4})_(\d+)_([0-9a-z]+)_/.exec(name);
  if (!match) return undefined;
  return { host: match[1] ?? '', pid: Number(match[2]), started: match[3] ?? '' };
}

/** Whether a process with this pid exists (on this machine), whoever owns it. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True for a name of this machine whose owning process has ended: safe to drop. */
export function isStale(name: string, host = hostTag(), isAlive: (pid: number) => boolean = alive): boolean {
  const owner = ownerOf(name);
  return owner !== undefined && owner.host === host && !isAlive(owner.pid);
}

/** The Redis key prefix for a name: every key the run writes starts with it. */
export function keyPrefix(name: string): string {
  return `${name}:`;
}

/** The parts of the clients a sweep needs (so it can be tested with stand-ins). */
export interface SweepTargets {
  readonly sql?: { query<Row>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>; exec(text: string): Promise<void> };
  readonly mongo?: { db(name?: string): { admin(): { listDatabases(o: { nameOnly: true }): Promise<{ databases: Array<{ name: string }> }> }; dropDatabase(): Promise<unknown> } };
  readonly redis?: import('ioredis').Redis;
}

/**
 * Drops the schemas and databases, and deletes the keys, of runs on this machine that were killed
 * before they could clean up. Returns what it removed. Anything else on the server is not looked at twice.
 */
export async function sweepStale(targets: SweepTargets, stale: (name: string) => boolean = isStale): Promise<string[]> {
  const removed: string[] = [];
  const jobs: Array<Promise<void>> = [];
  const { sql, mongo, redis } = targets;
  if (sql) {
    jobs.push((async () => {
      const { rows } = await sql.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'lab\\_%'");
      for (const { nspname } of rows.filter((r) => stale(r.nspname))) {
        await sql.exec(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
        removed.push(`schema ${nspname}`);
      }
    })());
  }
  if (mongo) {
    jobs.push((async () => {
      const { databases } = await mongo.db('admin').admin().listDatabases({ nameOnly: true });
      for (const { name } of databases.filter((d) => stale(d.name))) {
        await mongo.db(name).dropDatabase();
        removed.push(`database ${name}`);
      }
    })());
  }
  if (redis) {
    jobs.push((async () => {
      const { deleteByPrefix } = await import('./redis.ts');
      const raw = redis.duplicate({ keyPrefix: '' });
      raw.on('error', () => undefined);
      const prefixes = new Set<string>();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await raw.scan(cursor, 'MATCH', 'lab_*', 'COUNT', 1000);
          cursor = next;
          for (const key of keys) {
            const prefix = key.slice(0, key.indexOf(':') + 1);
            if (prefix && stale(prefix)) prefixes.add(prefix);
          }
        } while (cursor !== '0');
      } finally {
        raw.disconnect();
      }
      for (const prefix of prefixes) {
        await deleteByPrefix(redis, prefix);
        removed.push(`keys ${prefix}*`);
      }
    })());
  }
  await Promise.allSettled(jobs);
  return removed;
}
