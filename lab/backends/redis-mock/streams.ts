/**
 * Stream commands as Redis 7 answers them: XADD (with NOMKSTREAM, MAXLEN/MINID, `=`/`~`), XLEN,
 * XRANGE, XREVRANGE, XDEL, XTRIM and XREAD (with BLOCK). They replace ioredis-mock's own XADD, XRANGE
 * and XREAD, whose IDs and reads differ from Redis's. Consumer groups are in groups.ts.
 */
import type { MockInternals } from './internals.ts';
import { replyError, SYNTAX, toInt, upper, wrongArgs } from './internals.ts';
import { blockUntil } from './blocking.ts';
import type { StreamId, StreamState } from './stream-store.ts';
import { compareIds, entriesAfter, entryReply, idText, INVALID_ID, parseBound, parseId, StreamState as State } from './stream-store.ts';
import { NODE_ENTRIES, parseRead, read, touched } from './stream-access.ts';
import type { StreamsReply } from './stream-access.ts';

interface Trim {
  strategy: 'MAXLEN' | 'MINID';
  approximate: boolean;
  threshold: string;
  limit: number | undefined;
}

/** Parses `MAXLEN|MINID [=|~] threshold [LIMIT n]` at `args[i]`; returns the index after it. */
export function parseTrim(args: string[], i: number): [Trim, number] {
  const strategy = upper(args[i]) as Trim['strategy'];
  let approximate = false;
  i++;
  if (args[i] === '~' || args[i] === '=') approximate = args[i++] === '~';
  const threshold = args[i++];
  if (threshold === undefined) throw replyError(SYNTAX);
  if (strategy === 'MAXLEN') {
    const n = toInt(threshold);
    if (n < 0) throw replyError('ERR The MAXLEN argument must be >= 0.');
  } else parseId(threshold);
  let limit: number | undefined;
  if (upper(args[i]) === 'LIMIT') {
    limit = toInt(args[i + 1]);
    if (!approximate) throw replyError('ERR syntax error, LIMIT cannot be used without the special ~ option');
    i += 2;
  }
  return [{ strategy, approximate, threshold, limit }, i];
}

/** Removes entries from the head; `~` removes only whole nodes of 100, as Redis does. Returns how many. */
function trim(state: StreamState, t: Trim): number {
  let remove: number;
  if (t.strategy === 'MAXLEN') {
    remove = Math.max(0, state.entries.length - Number(t.threshold));
  } else {
    const min = parseId(t.threshold);
    remove = state.entries.findIndex((e) => compareIds(e.id, min) >= 0);
    if (remove < 0) remove = state.entries.length;
  }
  if (t.approximate) {
    remove = Math.floor(remove / NODE_ENTRIES) * NODE_ENTRIES;
    if (t.limit !== undefined && t.limit > 0) remove = Math.min(remove, Math.floor(t.limit / NODE_ENTRIES) * NODE_ENTRIES);
  }
  if (remove === 0) return 0;
  const removed = state.entries.splice(0, remove);
  const last = removed[removed.length - 1]!.id;
  if (compareIds(last, state.maxDeletedId) > 0) state.maxDeletedId = { ...last };
  return remove;
}

function nextId(state: StreamState, requested: string): StreamId {
  const last = state.lastId;
  if (requested === '*') {
    const now = Date.now();
    return now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
  }
  const partial = /^(\d+)-\*$/.exec(requested);
  if (partial) {
    const ms = Number(partial[1]);
    const id = ms === last.ms ? { ms, seq: last.seq + 1 } : { ms, seq: 0 };
    if (ms < last.ms) throw replyError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    return id;
  }
  const id = parseId(requested);
  if (id.ms === 0 && id.seq === 0) throw replyError('ERR The ID specified in XADD must be greater than 0-0');
  if (compareIds(id, last) <= 0) throw replyError('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  return id;
}

function range(state: StreamState | undefined, start: StreamId, end: StreamId, count: number | undefined, reverse: boolean): [string, string[]][] {
  if (!state || count === 0) return [];
  const matching = state.entries.filter((e) => compareIds(e.id, start) >= 0 && compareIds(e.id, end) <= 0);
  if (reverse) matching.reverse();
  return (count === undefined || count < 0 ? matching : matching.slice(0, count)).map(entryReply);
}

function parseCount(args: string[], i: number): number | undefined {
  if (args.length === i) return undefined;
  if (upper(args[i]) !== 'COUNT' || args.length !== i + 2) throw replyError(SYNTAX);
  return toInt(args[i + 1]);
}

export const streamCommands = {
  /** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT n]] *|id field value … */
  xadd(this: MockInternals, key: string, ...args: string[]): string | null {
    let i = 0, noMkStream = false, trimming: Trim | undefined;
    for (;;) {
      const word = upper(args[i]);
      if (word === 'NOMKSTREAM') { noMkStream = true; i++; }
      else if (word === 'MAXLEN' || word === 'MINID') [trimming, i] = parseTrim(args, i);
      else break;
    }
    const requested = args[i++];
    const fields = args.slice(i);
    if (requested === undefined || fields.length === 0 || fields.length % 2 !== 0) throw wrongArgs('xadd');
    let state = read(this, key);
    if (!state) {
      if (noMkStream) return null;
      state = new State();
    }
    const id = nextId(state, requested);
    state.entries.push({ id, fields });
    state.lastId = id;
    state.entriesAdded++;
    if (trimming) trim(state, trimming);
    touched(this, key, state);
    return idText(id);
  },

  xlen(this: MockInternals, key: string): number {
    return read(this, key)?.entries.length ?? 0;
  },

  /** XRANGE key start end [COUNT n]; `-`, `+` and exclusive `(id` bounds. */
  xrange(this: MockInternals, key: string, start: string, end: string, ...rest: string[]): [string, string[]][] {
    if (start === undefined || end === undefined) throw wrongArgs('xrange');
    return range(read(this, key), parseBound(start, true), parseBound(end, false), parseCount(rest, 0), false);
  },

  /** XREVRANGE key end start [COUNT n] */
  xrevrange(this: MockInternals, key: string, end: string, start: string, ...rest: string[]): [string, string[]][] {
    if (start === undefined || end === undefined) throw wrongArgs('xrevrange');
    return range(read(this, key), parseBound(start, true), parseBound(end, false), parseCount(rest, 0), true);
  },

  xdel(this: MockInternals, key: string, ...ids: string[]): number {
    if (ids.length === 0) throw wrongArgs('xdel');
    const parsed = ids.map((id) => parseId(id));
    const state = read(this, key);
    if (!state) return 0;
    let deleted = 0;
    for (const id of parsed) {
      const index = state.entries.findIndex((e) => compareIds(e.id, id) === 0);
      if (index < 0) continue;
      state.entries.splice(index, 1);
      deleted++;
      if (compareIds(id, state.maxDeletedId) > 0) state.maxDeletedId = id;
    }
    if (deleted > 0) touched(this, key, state);
    return deleted;
  },

  /** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT n] */
  xtrim(this: MockInternals, key: string, ...args: string[]): number {
    const word = upper(args[0]);
    if (word !== 'MAXLEN' && word !== 'MINID') throw replyError(SYNTAX);
    const [trimming, end] = parseTrim(args, 0);
    if (end !== args.length) throw replyError(SYNTAX);
    const state = read(this, key);
    if (!state) return 0;
    const removed = trim(state, trimming);
    if (removed > 0) touched(this, key, state);
    return removed;
  },

  /** XREAD [COUNT n] [BLOCK ms] STREAMS key … id|$ … */
  xread(this: MockInternals, ...args: string[]): StreamsReply | null | Promise<StreamsReply | null> {
    const options = parseRead(args, 'xread');
    const after = options.keys.map((key, n) => {
      const id = options.ids[n]!;
      if (id === '$') return { ...(read(this, key)?.lastId ?? { ms: 0, seq: 0 }) };
      if (id === '+') throw replyError(INVALID_ID);
      return parseId(id);
    });
    const attempt = (): StreamsReply | null => {
      const reply: StreamsReply = [];
      options.keys.forEach((key, n) => {
        const state = read(this, key);
        const entries = state ? entriesAfter(state, after[n]!, options.count) : [];
        if (entries.length > 0) reply.push([key, entries.map(entryReply)]);
      });
      return reply.length > 0 ? reply : null;
    };
    if (options.block === undefined) return attempt();
    return blockUntil(this, options.keys, options.block, attempt);
  },
};
