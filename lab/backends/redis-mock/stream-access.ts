/**
 * What the stream commands share: reading a stream key (with the WRONGTYPE check), telling ioredis-mock
 * it changed, finding a consumer group (NOGROUP), and parsing XREAD/XREADGROUP's options.
 */
import type { MockInternals } from './internals.ts';
import { replyError, SYNTAX, toInt, upper } from './internals.ts';
import { expectType } from './keyspace.ts';
import type { ConsumerGroup, StreamState } from './stream-store.ts';
import { isStream, stateOf, wrapStream } from './stream-store.ts';

export const NODE_ENTRIES = 100;

export function read(mock: MockInternals, key: string): StreamState | undefined {
  expectType(mock, key, 'stream');
  const value = mock.data.get(key);
  return isStream(value) ? stateOf(value) : undefined;
}

/** Tells ioredis-mock the key changed (WATCH, and blocked readers on other connections). */
export function touched(mock: MockInternals, key: string, state: StreamState): void {
  mock.data.set(key, wrapStream(state));
}

export function noGroup(key: string, group: string, suffix = ''): Error {
  return replyError(`NOGROUP No such key '${key}' or consumer group '${group}'${suffix}`);
}

export function groupOf(mock: MockInternals, key: string, name: string, suffix = ''): { state: StreamState; group: ConsumerGroup } {
  const state = read(mock, key);
  const group = state?.groups.get(name);
  if (!state || !group) throw noGroup(key, name, suffix);
  return { state, group };
}

export function consumerOf(group: ConsumerGroup, name: string): void {
  const now = Date.now();
  const consumer = group.consumers.get(name);
  if (consumer) consumer.seenAt = now;
  else group.consumers.set(name, { name, seenAt: now });
}

export interface ReadOptions {
  count: number;
  block: number | undefined;
  noack: boolean;
  keys: string[];
  ids: string[];
}

export function parseRead(args: string[], command: 'xread' | 'xreadgroup'): ReadOptions {
  const options: ReadOptions = { count: 0, block: undefined, noack: false, keys: [], ids: [] };
  let i = 0;
  for (; i < args.length; i++) {
    const word = upper(args[i]);
    if (word === 'COUNT') options.count = Math.max(0, toInt(args[++i]));
    else if (word === 'BLOCK') {
      options.block = toInt(args[++i], 'ERR timeout is not an integer or out of range');
      if (options.block < 0) throw replyError('ERR timeout is negative');
    } else if (word === 'NOACK' && command === 'xreadgroup') options.noack = true;
    else if (word === 'STREAMS') break;
    else throw replyError(SYNTAX);
  }
  const rest = args.slice(i + 1);
  if (i >= args.length || rest.length === 0) throw replyError(SYNTAX);
  if (rest.length % 2 !== 0) {
    throw replyError(`ERR Unbalanced '${command}' list of streams: for each stream key an ID or '$' must be specified.`);
  }
  options.keys = rest.slice(0, rest.length / 2);
  options.ids = rest.slice(rest.length / 2);
  return options;
}

export type StreamsReply = [string, [string, string[] | null][]][];
