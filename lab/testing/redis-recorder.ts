/**
 * Records the commands learner code sends through an ioredis client, without MONITOR (which a shared
 * server may not allow, and the mock lacks):
 *
 *   const recorder = recordRedis(db.redis);
 *   await ex.findKeys(recorder.redis, 'shop:user:*');
 *   expect(recorder.used('keys')).toBe(false);
 *
 * `recorder.redis` behaves as the client it wraps; `multi()`/`pipeline()` and `call('KEYS', …)` are
 * recorded by the commands inside them.
 */
import type { Redis } from 'ioredis';

export interface RedisRecorder {
  /** The client to hand to the code under test. */
  readonly redis: Redis;
  /** Command names in the order they were sent, lower case (`set`, `scan`, `keys`, …). */
  readonly commands: readonly string[];
  used(command: string): boolean;
}

const NOT_COMMANDS = new Set(['on', 'once', 'off', 'emit', 'removeListener', 'addListener', 'duplicate', 'quit',
  'disconnect', 'connect', 'status', 'options', 'then', 'constructor', 'defineCommand']);

function recording<T extends object>(target: T, commands: string[]): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function' || NOT_COMMANDS.has(property)) return value;
      return (...args: unknown[]) => {
        const name = property === 'call' || property === 'send_command' ? String(args[0]).toLowerCase() : property.replace(/Buffer$/, '').toLowerCase();
        if (property !== 'exec') commands.push(name);
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(object, args);
        // multi() and pipeline() return a builder whose commands are recorded too.
        if ((property === 'multi' || property === 'pipeline') && result && typeof result === 'object') {
          return recording(result, commands);
        }
        return result === object ? receiver : result;
      };
    },
  });
}

export function recordRedis(redis: Redis): RedisRecorder {
  const commands: string[] = [];
  return {
    redis: recording(redis, commands),
    commands,
    used: (command) => commands.includes(command.toLowerCase()),
  };
}
