/**
 * ioredis-mock plus the commands the lessons use that it lacks or answers differently from Redis 7:
 * streams and consumer groups, blocking list pops, the script cache, WRONGTYPE errors, and a few key
 * commands. A subclass, not a fork: it adds commands when ioredis-mock builds its own, and keeps
 * `duplicate()` on the same keyspace (and the same blocked-client wake-ups). test/redis/ checks every
 * reply here against a real server.
 *
 *   const redis = createLabRedisMock({ host: '127.0.0.1', port: 46000 });
 *   await redis.xgroup('CREATE', 'orders', 'billing', '$', 'MKSTREAM');
 */
import RedisMock from 'ioredis-mock';
import type { Redis, RedisOptions } from 'ioredis';
import type { CommandImpl, MockInternals } from './internals.ts';
import { blockingCommands, cancelBlocked } from './blocking.ts';
import { checkKeyTypes, guardedCommands, keyCommands } from './keyspace.ts';
import { scriptCommands, scriptsOf } from './scripts.ts';
import { groupCommands } from './groups.ts';
import { streamCommands } from './streams.ts';

const LAB_COMMANDS: Record<string, CommandImpl> = {
  ...(keyCommands as unknown as Record<string, CommandImpl>),
  ...(blockingCommands as unknown as Record<string, CommandImpl>),
  ...(streamCommands as unknown as Record<string, CommandImpl>),
  ...(groupCommands as unknown as Record<string, CommandImpl>),
  ...(scriptCommands as unknown as Record<string, CommandImpl>),
};

/** The command names this module adds or replaces (for docs/backends.md and the parity suite). */
export const labCommandNames: readonly string[] = Object.keys(LAB_COMMANDS).sort();

function argument(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString() : String(value);
}

/** Arguments as ioredis sends them: arrays flattened, everything a string. */
function flatten(args: unknown[]): string[] {
  return args.flat().map(argument);
}

function settle<T>(promise: Promise<T>, callback: unknown): Promise<T> {
  if (typeof callback === 'function') {
    promise.then((reply) => callback(null, reply), (error: unknown) => callback(error));
  }
  return promise;
}

const SUBSCRIBER_ONLY = 'Connection in subscriber mode, only subscriber commands may be used';

function install(mock: MockInternals, name: string, impl: CommandImpl): void {
  // multi() and pipeline() copy customCommands, bound to the connection.
  mock.customCommands[name] = impl;
  mock[name] = (...args: unknown[]) => {
    const callback = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    const reply = new Promise((resolve) => {
      if (mock.subscriberMode) throw new Error(SUBSCRIBER_ONLY);
      resolve(impl.apply(mock, flatten(args)));
    });
    return settle(reply, callback);
  };
}

/** Wraps one of ioredis-mock's own commands with the WRONGTYPE check Redis makes first. */
function guard(mock: MockInternals, name: string): void {
  const original = mock[name];
  if (typeof original !== 'function') return;
  mock[name] = (...args: unknown[]) => {
    try {
      checkKeyTypes(mock, name, flatten(args.filter((a) => typeof a !== 'function')));
    } catch (error) {
      const callback = args[args.length - 1];
      return settle(Promise.reject(error), callback);
    }
    return (original as (...a: unknown[]) => unknown)(...args);
  };
}

/**
 * A real server registers a subscription only when SUBSCRIBE arrives, a round trip later; ioredis-mock
 * registers it at once, which hides the bug of publishing before the subscription is confirmed.
 * Deferring it to the next turn of the event loop makes that bug show offline as it does on a server.
 */
function deferSubscription(mock: MockInternals, name: 'subscribe' | 'psubscribe'): void {
  const original = mock[name] as (...args: unknown[]) => Promise<unknown>;
  mock[name] = (...args: unknown[]) => new Promise((resolve) => setImmediate(resolve)).then(() => original(...args));
}

type MockConstructor = new (options?: object) => MockInternals;
const Base = RedisMock as unknown as MockConstructor;

class LabRedisMock extends Base {
  /** One script cache per keyspace, as one per server on Redis. */
  get shaScripts(): Record<string, string> {
    return scriptsOf(this.context);
  }

  set shaScripts(_ignored: Record<string, string>) {
    // ioredis-mock's constructor assigns a per-connection cache; the getter above replaces it.
  }

  _initCommands(): void {
    (Base.prototype as unknown as { _initCommands(this: MockInternals): void })._initCommands.call(this);
    for (const name of guardedCommands) guard(this, name);
    for (const [name, impl] of Object.entries(LAB_COMMANDS)) install(this, name, impl);
    deferSubscription(this, 'subscribe');
    deferSubscription(this, 'psubscribe');
  }

  /** Another connection to the same keyspace, with the lab's commands too (ioredis-mock's own would lack them). */
  duplicate(override?: object): LabRedisMock {
    const copy = new LabRedisMock({ ...(this.options as object), ...override });
    copy.expires = this.expires;
    copy.data = this.data;
    return copy;
  }

  disconnect(): void {
    cancelBlocked(this);
    (Base.prototype as unknown as { disconnect(this: MockInternals): void }).disconnect.call(this);
  }
}

/** An ioredis-mock client with the lab's commands, typed as the ioredis client learners use. */
export function createLabRedisMock(options: RedisOptions = {}): Redis {
  return new LabRedisMock(options) as unknown as Redis;
}

export function isLabRedisMock(client: unknown): boolean {
  return client instanceof LabRedisMock;
}

/**
 * What a Redis server without persistence does on restart: it comes back with an empty keyspace
 * and an empty script cache. Clears the mock's keyspace (every connection to it sees that); returns
 * false, changing nothing, for any other client — a real server is not restarted from a lesson.
 */
export function simulateRestart(client: Redis): boolean {
  if (!(client instanceof LabRedisMock)) return false;
  const mock = client as unknown as MockInternals;
  mock.context.data.clear();
  mock.context.expires.clear();
  const scripts = scriptsOf(mock.context);
  for (const sha of Object.keys(scripts)) delete scripts[sha];
  return true;
}
