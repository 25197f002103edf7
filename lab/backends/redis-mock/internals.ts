/**
 * The parts of an ioredis-mock instance the lab's commands use. ioredis-mock ships no types for its
 * internals; these are read from its source (v8): `data` is the keyspace shared by every instance
 * on the same host:port/db (so by `duplicate()` too), `context.modifiedKeyEvents` fires on every
 * write to it, and `customCommands` are copied into `multi()` and `pipeline()`.
 */
import type { EventEmitter } from 'node:events';

export interface MockData {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  has(key: string): boolean;
  delete(key: string): void;
  keys(): string[];
  clear(): void;
}

export interface MockExpires {
  get(key: string): number | undefined;
  set(key: string, at: number): void;
  has(key: string): boolean;
  delete(key: string): void;
  clear(): void;
}

export interface MockContext {
  data: MockData;
  expires: MockExpires;
  modifiedKeyEvents: EventEmitter;
  /** Added by the lab: the server-wide script cache (SCRIPT LOAD, EVAL, EVALSHA). */
  labScripts?: Record<string, string>;
}

export type CommandImpl = (this: MockInternals, ...args: string[]) => unknown;

export interface MockInternals {
  data: MockData;
  expires: MockExpires;
  context: MockContext;
  options: { keyPrefix?: string };
  customCommands: Record<string, CommandImpl>;
  subscriberMode: boolean;
  connected: boolean;
  [command: string]: unknown;
}

/** Redis's own error texts, word for word (checked by test/redis/ against a real server). */
export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';

/** An error as ioredis-mock raises it: a plain Error whose message is Redis's reply. */
export function replyError(message: string): Error {
  return new Error(message);
}

export function toInt(value: string | undefined, message = NOT_INTEGER): number {
  if (value === undefined || !/^-?\d+$/.test(value)) throw replyError(message);
  return Number(value);
}

export function upper(value: string | undefined): string {
  return (value ?? '').toUpperCase();
}

export function wrongArgs(command: string): Error {
  return replyError(`ERR wrong number of arguments for '${command}' command`);
}
