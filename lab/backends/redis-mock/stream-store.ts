/**
 * A Redis stream as the mock keeps it: entries in ID order, consumer groups with their pending
 * entries lists (PEL). The keyspace holds `{ [STREAM]: StreamState }`: ioredis-mock copies plain
 * objects shallowly on every read and write, so the state object itself is shared and mutated in place.
 */
import { replyError } from './internals.ts';

export interface StreamId {
  ms: number;
  seq: number;
}

export interface StreamEntry {
  id: StreamId;
  fields: string[];
}

export interface PendingEntry {
  id: StreamId;
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

export interface Consumer {
  name: string;
  seenAt: number;
}

export interface ConsumerGroup {
  name: string;
  lastDelivered: StreamId;
  entriesRead: number | null;
  consumers: Map<string, Consumer>;
  /** Keyed by the entry ID's text. */
  pending: Map<string, PendingEntry>;
}

export class StreamState {
  entries: StreamEntry[] = [];
  lastId: StreamId = { ms: 0, seq: 0 };
  maxDeletedId: StreamId = { ms: 0, seq: 0 };
  entriesAdded = 0;
  groups = new Map<string, ConsumerGroup>();
}

const STREAM = Symbol.for('nosql-lab.stream');

export function isStream(value: unknown): value is { [STREAM]: StreamState } {
  return typeof value === 'object' && value !== null && STREAM in value;
}

export function wrapStream(state: StreamState): { [STREAM]: StreamState } {
  return { [STREAM]: state };
}

export function stateOf(value: { [STREAM]: StreamState }): StreamState {
  return value[STREAM];
}

export function cloneStream(value: { [STREAM]: StreamState }): { [STREAM]: StreamState } {
  const from = stateOf(value);
  const to = new StreamState();
  to.entries = from.entries.map((e) => ({ id: { ...e.id }, fields: [...e.fields] }));
  to.lastId = { ...from.lastId };
  to.maxDeletedId = { ...from.maxDeletedId };
  to.entriesAdded = from.entriesAdded;
  for (const [name, g] of from.groups) {
    to.groups.set(name, {
      ...g,
      lastDelivered: { ...g.lastDelivered },
      consumers: new Map([...g.consumers].map(([k, c]) => [k, { ...c }])),
      pending: new Map([...g.pending].map(([k, p]) => [k, { ...p, id: { ...p.id } }])),
    });
  }
  return wrapStream(to);
}

export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const MAX = Number.MAX_SAFE_INTEGER;

export function idText(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** Parses `ms-seq`, `ms` (seq = `missingSeq`), `-` and `+`. */
export function parseId(text: string | undefined, missingSeq = 0): StreamId {
  if (text === '-') return { ms: 0, seq: 0 };
  if (text === '+') return { ms: MAX, seq: MAX };
  const match = /^(\d+)(?:-(\d+))?$/.exec(text ?? '');
  if (!match) throw replyError(INVALID_ID);
  const ms = Number(match[1]);
  const seq = match[2] === undefined ? missingSeq : Number(match[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) throw replyError(INVALID_ID);
  return { ms, seq };
}

/** A range bound: `(id` is exclusive (Redis 6.2+). Returns the inclusive bound. */
export function parseBound(text: string | undefined, isStart: boolean): StreamId {
  if (text?.startsWith('(')) {
    const id = parseId(text.slice(1), isStart ? 0 : MAX);
    if (isStart) return id.seq === MAX ? { ms: id.ms + 1, seq: 0 } : { ms: id.ms, seq: id.seq + 1 };
    if (id.seq === 0) {
      if (id.ms === 0) throw replyError(INVALID_ID);
      return { ms: id.ms - 1, seq: MAX };
    }
    return { ms: id.ms, seq: id.seq - 1 };
  }
  return parseId(text, isStart ? 0 : MAX);
}

/** `[id, [field, value, …]]`, the shape every stream reply uses for an entry. */
export function entryReply(entry: StreamEntry): [string, string[]] {
  return [idText(entry.id), [...entry.fields]];
}

export function findEntry(state: StreamState, id: StreamId): StreamEntry | undefined {
  let lo = 0, hi = state.entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareIds(state.entries[mid]!.id, id);
    if (c === 0) return state.entries[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Entries after `after` (exclusive), in order, at most `count` (0 = all). */
export function entriesAfter(state: StreamState, after: StreamId, count: number): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const entry of state.entries) {
    if (compareIds(entry.id, after) <= 0) continue;
    out.push(entry);
    if (count > 0 && out.length >= count) break;
  }
  return out;
}
