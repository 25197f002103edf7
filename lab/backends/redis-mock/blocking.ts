/**
 * Blocking commands on the mock. A blocked call tries once; if there is nothing to take, it waits
 * for a write to one of its keys (from any connection on the same keyspace, such as a `duplicate()`)
 * and tries again, until it succeeds or its timeout passes. Waiters retry in the order they blocked,
 * so the client that blocked first is served first, as on Redis. `disconnect()`/`quit()` ends them
 * with ioredis's "Connection is closed." error.
 */
import type { MockInternals } from './internals.ts';
import { replyError, SYNTAX, upper } from './internals.ts';
import { expectType, parseMpop, popFromFirst } from './keyspace.ts';

const waiting = new WeakMap<object, Set<() => void>>();

/** Ends every blocked call of this connection (on disconnect). */
export function cancelBlocked(mock: object): void {
  for (const cancel of [...(waiting.get(mock) ?? [])]) cancel();
}

/** Runs `attempt` now and after every write to `keys`, until it returns non-null or `timeoutMs` (0 = never) passes. */
export function blockUntil<T>(mock: MockInternals, keys: readonly string[], timeoutMs: number, attempt: () => T | null): Promise<T | null> {
  const first = attempt();
  if (first !== null) return Promise.resolve(first);
  const events = mock.context.modifiedKeyEvents;
  events.setMaxListeners(0);
  const prefix = mock.options.keyPrefix ?? '';
  const watched = new Set(keys.map((key) => `${prefix}${key}`));
  return new Promise<T | null>((resolve, reject) => {
    let scheduled = false;
    let timer: NodeJS.Timeout | undefined;
    const set = waiting.get(mock) ?? new Set<() => void>();
    waiting.set(mock, set);
    const finish = (settle: () => void): void => {
      events.off('modified', onModified);
      if (timer) clearTimeout(timer);
      set.delete(cancel);
      settle();
    };
    const retry = (): void => {
      scheduled = false;
      try {
        const result = attempt();
        if (result !== null) finish(() => resolve(result));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    // Redis serves a blocked client after the command that woke it has finished: retry on the next turn.
    const onModified = (key: string): void => {
      if (!watched.has(key) || scheduled) return;
      scheduled = true;
      setImmediate(retry);
    };
    const cancel = (): void => finish(() => reject(new Error('Connection is closed.')));
    set.add(cancel);
    events.on('modified', onModified);
    if (timeoutMs > 0) timer = setTimeout(() => finish(() => resolve(null)), timeoutMs);
  });
}

/** A BLPOP-style timeout in seconds (a float; 0 blocks forever), in milliseconds. */
export function timeoutSeconds(text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value)) throw replyError('ERR timeout is not a float or out of range');
  if (value < 0) throw replyError('ERR timeout is negative');
  return Math.round(value * 1000);
}

function side(text: string | undefined): 'LEFT' | 'RIGHT' {
  const value = upper(text);
  if (value !== 'LEFT' && value !== 'RIGHT') throw replyError(SYNTAX);
  return value;
}

function move(mock: MockInternals, source: string, destination: string, from: 'LEFT' | 'RIGHT', to: 'LEFT' | 'RIGHT'): string | null {
  expectType(mock, source, 'list');
  expectType(mock, destination, 'list');
  const list = (mock.data.get(source) as string[] | undefined) ?? [];
  if (list.length === 0) return null;
  const value = (from === 'LEFT' ? list.shift() : list.pop())!;
  if (list.length === 0) mock.data.delete(source);
  else mock.data.set(source, list);
  const target = (mock.data.get(destination) as string[] | undefined) ?? [];
  if (to === 'LEFT') target.unshift(value);
  else target.push(value);
  mock.data.set(destination, target);
  return value;
}

export const blockingCommands = {
  /** BLPOP key … timeout → [key, element] | null */
  blpop(this: MockInternals, ...args: string[]): Promise<[string, string] | null> {
    const timeout = timeoutSeconds(args.pop());
    return blockUntil(this, args, timeout, () => {
      const popped = popFromFirst(this, args, true, 1);
      return popped ? [popped[0], popped[1][0]!] : null;
    });
  },

  /** BRPOP key … timeout → [key, element] | null */
  brpop(this: MockInternals, ...args: string[]): Promise<[string, string] | null> {
    const timeout = timeoutSeconds(args.pop());
    return blockUntil(this, args, timeout, () => {
      const popped = popFromFirst(this, args, false, 1);
      return popped ? [popped[0], popped[1][0]!] : null;
    });
  },

  /** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout → element | null */
  blmove(this: MockInternals, source: string, destination: string, from: string, to: string, timeout: string): Promise<string | null> {
    const f = side(from), t = side(to), ms = timeoutSeconds(timeout);
    return blockUntil(this, [source], ms, () => move(this, source, destination, f, t));
  },

  /** LMOVE with Redis's syntax error for a bad side (ioredis-mock's text differs). */
  lmove(this: MockInternals, source: string, destination: string, from: string, to: string): string | null {
    return move(this, source, destination, side(from), side(to));
  },

  /** BRPOPLPUSH source destination timeout → element | null (deprecated since 6.2: BLMOVE … RIGHT LEFT). */
  brpoplpush(this: MockInternals, source: string, destination: string, timeout: string): Promise<string | null> {
    const ms = timeoutSeconds(timeout);
    return blockUntil(this, [source], ms, () => move(this, source, destination, 'RIGHT', 'LEFT'));
  },

  /** BLMPOP timeout numkeys key … LEFT|RIGHT [COUNT n] */
  blmpop(this: MockInternals, timeout: string, numkeys: string, ...rest: string[]): Promise<[string, string[]] | null> {
    const ms = timeoutSeconds(timeout);
    const { keys, left, count } = parseMpop(numkeys, rest);
    return blockUntil(this, keys, ms, () => popFromFirst(this, keys, left, count));
  },
};
