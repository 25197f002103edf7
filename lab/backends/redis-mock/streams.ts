/**
 * Stream commands as Redis 7 answers them: XADD (with NOMKSTREAM, MAXLEN/MINID, `=`/`~`), XLEN,
 * XRANGE, XREVRANGE, XDEL, XTRIM, XREAD (with BLOCK), consumer groups (XGROUP, XREADGROUP with BLOCK,
 * XACK, XPENDING, XCLAIM, XAUTOCLAIM) and a minimal XINFO. They replace ioredis-mock's own XADD,
 * XRANGE and XREAD, whose IDs and reads differ from Redis's.
 */
import type { MockInternals } from './internals.ts';
import { replyError, SYNTAX, toInt, upper, wrongArgs } from './internals.ts';
import { blockUntil } from './blocking.ts';
import { expectType } from './keyspace.ts';
import type { ConsumerGroup, StreamEntry, StreamId, StreamState } from './stream-store.ts';
import {
  compareIds, entriesAfter, entryReply, findEntry, idText, INVALID_ID, isStream, parseBound, parseId, stateOf,
  StreamState as State, wrapStream,
} from './stream-store.ts';

/** Entries per listpack node in Redis (stream-node-max-entries): `~` trimming removes whole nodes only. */
const NODE_ENTRIES = 100;

function read(mock: MockInternals, key: string): StreamState | undefined {
  expectType(mock, key, 'stream');
  const value = mock.data.get(key);
  return isStream(value) ? stateOf(value) : undefined;
}

/** Tells ioredis-mock the key changed (WATCH, and blocked readers on other connections). */
function touched(mock: MockInternals, key: string, state: StreamState): void {
  mock.data.set(key, wrapStream(state));
}

function noGroup(key: string, group: string, suffix = ''): Error {
  return replyError(`NOGROUP No such key '${key}' or consumer group '${group}'${suffix}`);
}

function groupOf(mock: MockInternals, key: string, name: string, suffix = ''): { state: StreamState; group: ConsumerGroup } {
  const state = read(mock, key);
  const group = state?.groups.get(name);
  if (!state || !group) throw noGroup(key, name, suffix);
  return { state, group };
}

function consumerOf(group: ConsumerGroup, name: string): void {
  const now = Date.now();
  const consumer = group.consumers.get(name);
  if (consumer) consumer.seenAt = now;
  else group.consumers.set(name, { name, seenAt: now });
}

interface Trim {
  strategy: 'MAXLEN' | 'MINID';
  approximate: boolean;
  threshold: string;
  limit: number | undefined;
}

/** Parses `MAXLEN|MINID [=|~] threshold [LIMIT n]` at `args[i]`; returns the index after it. */
function parseTrim(args: string[], i: number): [Trim, number] {
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

interface ReadOptions {
  count: number;
  block: number | undefined;
  noack: boolean;
  keys: string[];
  ids: string[];
}

function parseRead(args: string[], command: 'xread' | 'xreadgroup'): ReadOptions {
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

type StreamsReply = [string, [string, string[] | null][]][];

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

  /** XGROUP CREATE|DESTROY|CREATECONSUMER|DELCONSUMER|SETID … */
  xgroup(this: MockInternals, subcommand: string, key: string, group: string, ...rest: string[]): unknown {
    const sub = upper(subcommand);
    if (sub === 'CREATE') {
      const idText_ = rest[0];
      if (idText_ === undefined) throw wrongArgs('xgroup|create');
      let mkStream = false, entriesRead: number | null = null;
      for (let i = 1; i < rest.length; i++) {
        const word = upper(rest[i]);
        if (word === 'MKSTREAM') mkStream = true;
        else if (word === 'ENTRIESREAD') entriesRead = toInt(rest[++i]);
        else throw replyError(SYNTAX);
      }
      let state = read(this, key);
      if (!state) {
        if (!mkStream) {
          throw replyError('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
        }
        state = new State();
      }
      const lastDelivered = idText_ === '$' ? { ...state.lastId } : parseId(idText_);
      if (state.groups.has(group)) throw replyError('BUSYGROUP Consumer Group name already exists');
      if (idText_ === '$' && entriesRead === null) entriesRead = state.entriesAdded;
      state.groups.set(group, { name: group, lastDelivered, entriesRead, consumers: new Map(), pending: new Map() });
      touched(this, key, state);
      return 'OK';
    }
    if (sub === 'DESTROY') {
      const state = read(this, key);
      if (!state) throw replyError("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
      const existed = state.groups.delete(group);
      if (existed) touched(this, key, state);
      return existed ? 1 : 0;
    }
    if (sub === 'CREATECONSUMER' || sub === 'DELCONSUMER') {
      const consumer = rest[0];
      if (consumer === undefined) throw wrongArgs(`xgroup|${sub.toLowerCase()}`);
      const { group: g } = groupOf(this, key, group, sub === 'CREATECONSUMER' ? " for CREATECONSUMER" : " for DELCONSUMER");
      if (sub === 'CREATECONSUMER') {
        if (g.consumers.has(consumer)) return 0;
        g.consumers.set(consumer, { name: consumer, seenAt: Date.now() });
        return 1;
      }
      if (!g.consumers.delete(consumer)) return 0;
      let pending = 0;
      for (const [id, p] of g.pending) if (p.consumer === consumer) { g.pending.delete(id); pending++; }
      return pending;
    }
    if (sub === 'SETID') {
      const { state, group: g } = groupOf(this, key, group);
      g.lastDelivered = rest[0] === '$' ? { ...state.lastId } : parseId(rest[0]);
      return 'OK';
    }
    throw replyError(`ERR unknown subcommand '${subcommand}'. Try XGROUP HELP.`);
  },

  /** XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key … >|id … */
  xreadgroup(this: MockInternals, groupWord: string, groupName: string, consumer: string, ...args: string[]): StreamsReply | null | Promise<StreamsReply | null> {
    if (upper(groupWord) !== 'GROUP' || consumer === undefined) throw replyError(SYNTAX);
    const options = parseRead(args, 'xreadgroup');
    const suffix = ' in XREADGROUP with GROUP option';
    options.keys.forEach((key, n) => {
      groupOf(this, key, groupName, suffix);
      if (options.ids[n] !== '>') parseId(options.ids[n]);
    });
    const attempt = (): StreamsReply | null => {
      const reply: StreamsReply = [];
      options.keys.forEach((key, n) => {
        const { state, group } = groupOf(this, key, groupName, suffix);
        consumerOf(group, consumer);
        const id = options.ids[n]!;
        if (id === '>') {
          // New entries: delivered to this consumer and remembered in the PEL until XACK (unless NOACK).
          const entries = entriesAfter(state, group.lastDelivered, options.count);
          if (entries.length === 0) return;
          const at = Date.now();
          for (const entry of entries) {
            group.lastDelivered = { ...entry.id };
            if (group.entriesRead !== null) group.entriesRead++;
            if (!options.noack) group.pending.set(idText(entry.id), { id: entry.id, consumer, deliveredAt: at, deliveries: 1 });
          }
          reply.push([key, entries.map(entryReply)]);
          return;
        }
        // History: this consumer's own pending entries after `id`; deleted entries come back as [id, null].
        const after = parseId(id);
        const mine = [...group.pending.values()]
          .filter((p) => p.consumer === consumer && compareIds(p.id, after) > 0)
          .sort((a, b) => compareIds(a.id, b.id));
        const taken = options.count > 0 ? mine.slice(0, options.count) : mine;
        const at = Date.now();
        reply.push([key, taken.map((p): [string, string[] | null] => {
          const entry = findEntry(state, p.id);
          if (!entry) return [idText(p.id), null];
          // Delivered again: Redis counts it and restarts its idle time.
          p.deliveredAt = at;
          p.deliveries++;
          return [idText(p.id), [...entry.fields]];
        })]);
      });
      return reply.length > 0 ? reply : null;
    };
    // Only `>` blocks: history is answered at once, as on Redis.
    if (options.block === undefined || options.ids.some((id) => id !== '>')) return attempt();
    return blockUntil(this, options.keys, options.block, attempt);
  },

  /** XACK key group id … → how many were pending and are acknowledged now. */
  xack(this: MockInternals, key: string, group: string, ...ids: string[]): number {
    if (ids.length === 0) throw wrongArgs('xack');
    const parsed = ids.map((id) => parseId(id));
    const g = read(this, key)?.groups.get(group);
    if (!g) return 0;
    let acked = 0;
    for (const id of parsed) if (g.pending.delete(idText(id))) acked++;
    return acked;
  },

  /** XPENDING key group [[IDLE ms] start end count [consumer]] */
  xpending(this: MockInternals, key: string, groupName: string, ...args: string[]): unknown {
    const { group } = groupOf(this, key, groupName);
    const all = [...group.pending.values()].sort((a, b) => compareIds(a.id, b.id));
    if (args.length === 0) {
      if (all.length === 0) return [0, null, null, null];
      const perConsumer = new Map<string, number>();
      for (const p of all) perConsumer.set(p.consumer, (perConsumer.get(p.consumer) ?? 0) + 1);
      const consumers = [...perConsumer].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, n]) => [name, String(n)]);
      return [all.length, idText(all[0]!.id), idText(all[all.length - 1]!.id), consumers];
    }
    let i = 0, minIdle = 0;
    if (upper(args[0]) === 'IDLE') {
      minIdle = toInt(args[1]);
      i = 2;
    }
    const [start, end, countText, consumer, extra] = args.slice(i);
    if (start === undefined || end === undefined || countText === undefined || extra !== undefined) throw replyError(SYNTAX);
    const from = parseBound(start, true), to = parseBound(end, false), count = toInt(countText);
    const now = Date.now();
    return all
      .filter((p) => compareIds(p.id, from) >= 0 && compareIds(p.id, to) <= 0)
      .filter((p) => consumer === undefined || p.consumer === consumer)
      .filter((p) => now - p.deliveredAt >= minIdle)
      .slice(0, Math.max(0, count))
      .map((p) => [idText(p.id), p.consumer, now - p.deliveredAt, p.deliveries]);
  },

  /** XCLAIM key group consumer min-idle-time id … [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
  xclaim(this: MockInternals, key: string, groupName: string, consumer: string, minIdleText: string, ...args: string[]): unknown {
    if (minIdleText === undefined || args.length === 0) throw wrongArgs('xclaim');
    const { state, group } = groupOf(this, key, groupName);
    const minIdle = toInt(minIdleText, 'ERR Invalid min-idle-time argument for XCLAIM');
    const ids: StreamId[] = [];
    let i = 0;
    for (; i < args.length; i++) {
      if (!/^\d+(-\d+)?$/.test(args[i]!)) break;
      ids.push(parseId(args[i]));
    }
    const now = Date.now();
    let deliveredAt = now, retryCount: number | undefined, force = false, justId = false;
    for (; i < args.length; i++) {
      const word = upper(args[i]);
      if (word === 'IDLE') deliveredAt = now - toInt(args[++i]);
      else if (word === 'TIME') deliveredAt = toInt(args[++i]);
      else if (word === 'RETRYCOUNT') retryCount = toInt(args[++i]);
      else if (word === 'FORCE') force = true;
      else if (word === 'JUSTID') justId = true;
      else if (word === 'LASTID') parseId(args[++i]);
      else throw replyError(`ERR Unrecognized XCLAIM option '${args[i]}'`);
    }
    consumerOf(group, consumer);
    const claimed: (StreamEntry | StreamId)[] = [];
    for (const id of ids) {
      let pending = group.pending.get(idText(id));
      const entry = findEntry(state, id);
      if (!pending) {
        if (!force || !entry) continue;
        pending = { id, consumer, deliveredAt: now, deliveries: 0 };
        group.pending.set(idText(id), pending);
      }
      if (!entry) {
        group.pending.delete(idText(id));
        continue;
      }
      if (now - pending.deliveredAt < minIdle) continue;
      pending.consumer = consumer;
      pending.deliveredAt = deliveredAt;
      if (retryCount !== undefined) pending.deliveries = retryCount;
      else if (!justId) pending.deliveries++;
      claimed.push(justId ? id : entry);
    }
    return claimed.map((c) => ('fields' in c ? entryReply(c) : idText(c)));
  },

  /** XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID] → [next-start, entries, deleted-ids] */
  xautoclaim(this: MockInternals, key: string, groupName: string, consumer: string, minIdleText: string, start: string, ...args: string[]): unknown {
    if (start === undefined) throw wrongArgs('xautoclaim');
    const { state, group } = groupOf(this, key, groupName);
    const minIdle = toInt(minIdleText, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
    const from = parseBound(start, true);
    let count = 100, justId = false;
    for (let i = 0; i < args.length; i++) {
      const word = upper(args[i]);
      if (word === 'COUNT') {
        count = toInt(args[++i], 'ERR COUNT must be > 0');
        if (count < 1) throw replyError('ERR COUNT must be > 0');
      } else if (word === 'JUSTID') justId = true;
      else throw replyError(SYNTAX);
    }
    consumerOf(group, consumer);
    const now = Date.now();
    const candidates = [...group.pending.values()]
      .filter((p) => compareIds(p.id, from) >= 0)
      .sort((a, b) => compareIds(a.id, b.id));
    let attempts = count * 10, claimedCount = 0, index = 0;
    const claimed: unknown[] = [];
    const deleted: string[] = [];
    for (; index < candidates.length && attempts > 0 && claimedCount < count; index++, attempts--) {
      const pending = candidates[index]!;
      if (now - pending.deliveredAt < minIdle) continue;
      const entry = findEntry(state, pending.id);
      if (!entry) {
        group.pending.delete(idText(pending.id));
        deleted.push(idText(pending.id));
        claimedCount++;
        continue;
      }
      pending.consumer = consumer;
      pending.deliveredAt = now;
      if (!justId) pending.deliveries++;
      claimed.push(justId ? idText(entry.id) : entryReply(entry));
      claimedCount++;
    }
    const next = index < candidates.length ? idText(candidates[index]!.id) : '0-0';
    return [next, claimed, deleted];
  },

  /** XINFO GROUPS key | STREAM key | CONSUMERS key group — the fields every Redis 7 returns. */
  xinfo(this: MockInternals, subcommand: string, key: string, group?: string): unknown {
    const sub = upper(subcommand);
    if (key === undefined) throw wrongArgs(`xinfo|${sub.toLowerCase()}`);
    const state = read(this, key);
    if (!state) throw replyError('ERR no such key');
    if (sub === 'GROUPS') {
      return [...state.groups.values()].map((g) => {
        const lag = entriesAfter(state, g.lastDelivered, 0).length;
        return ['name', g.name, 'consumers', g.consumers.size, 'pending', g.pending.size,
          'last-delivered-id', idText(g.lastDelivered), 'entries-read', g.entriesRead, 'lag', lag];
      });
    }
    if (sub === 'STREAM') {
      const first = state.entries[0], last = state.entries[state.entries.length - 1];
      return ['length', state.entries.length, 'radix-tree-keys', Math.ceil(state.entries.length / NODE_ENTRIES),
        'radix-tree-nodes', Math.ceil(state.entries.length / NODE_ENTRIES) + 1, 'last-generated-id', idText(state.lastId),
        'max-deleted-entry-id', idText(state.maxDeletedId), 'entries-added', state.entriesAdded,
        'recorded-first-entry-id', first ? idText(first.id) : '0-0', 'groups', state.groups.size,
        'first-entry', first ? entryReply(first) : null, 'last-entry', last ? entryReply(last) : null];
    }
    if (sub === 'CONSUMERS') {
      if (group === undefined) throw wrongArgs('xinfo|consumers');
      const g = state.groups.get(group);
      if (!g) throw replyError(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
      const now = Date.now();
      return [...g.consumers.values()].map((c) => {
        const pending = [...g.pending.values()].filter((p) => p.consumer === c.name).length;
        return ['name', c.name, 'pending', pending, 'idle', now - c.seenAt];
      });
    }
    throw replyError(`ERR unknown subcommand '${subcommand}'. Try XINFO HELP.`);
  },
};
