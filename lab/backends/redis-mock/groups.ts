/**
 * Consumer groups as Redis 7 answers them: XGROUP, XREADGROUP (`>` or an ID, COUNT, BLOCK, NOACK),
 * XACK, XPENDING (summary and extended), XCLAIM, XAUTOCLAIM and a minimal XINFO.
 */
import type { MockInternals } from './internals.ts';
import { replyError, SYNTAX, toInt, upper, wrongArgs } from './internals.ts';
import { blockUntil } from './blocking.ts';
import type { StreamEntry, StreamId } from './stream-store.ts';
import { compareIds, entriesAfter, entryReply, findEntry, idText, parseBound, parseId, StreamState as State } from './stream-store.ts';
import { consumerOf, groupOf, NODE_ENTRIES, parseRead, read, touched } from './stream-access.ts';
import type { StreamsReply } from './stream-access.ts';

export const groupCommands = {
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
