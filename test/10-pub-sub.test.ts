/**
 * Lesson 10 — Pub/sub and streams. One `describe` per task in lessons/10-pub-sub/lesson.ts.
 * Run against the reference: NOSQL_LAB_TARGET=solutions npx vitest run test/10-pub-sub.test.ts
 *
 * Nothing here sleeps for a fixed time: a test waits for the message, or for the worker to block, with
 * a timeout. Channels are shared by every database of a server, so their names carry this run's tag.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { useBackends } from '#lab/testing/backends.ts';
import { loadExercise } from '#lab/testing/exercise.ts';
import { useRandom } from '#lab/testing/random.ts';

type Exercise = typeof import('../solutions/10-pub-sub/exercise.ts');
type ChatMessage = import('../solutions/10-pub-sub/exercise.ts').ChatMessage;

const ex = await loadExercise<Exercise>('10-pub-sub');
const db = useBackends(['redis']);
const rnd = useRandom();
const RUN = randomBytes(3).toString('hex');

const channelFor = (room: string): string => `chat:${RUN}:room:${room}`;

function message(room: string): ChatMessage {
  return { room, from: rnd.name(), text: `${rnd.word()} ${rnd.word()} ${rnd.int(1, 999)}` };
}

/** Collects what a callback receives; `until(n)` resolves when n items arrived, or fails after 3 s saying so. */
function collector<T>(): { push(item: T): void; items: T[]; until(n: number): Promise<T[]> } {
  const items: T[] = [];
  const waiters: (() => void)[] = [];
  return {
    items,
    push(item) {
      items.push(item);
      waiters.forEach((wake) => wake());
    },
    until(n) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => (items.length >= n ? (resolve(items), true) : false);
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`Waited 3 s for ${n} message(s), got ${items.length}: ${JSON.stringify(items)}`)), 3_000);
        waiters.push(() => {
          if (check()) clearTimeout(timer);
        });
      });
    },
  };
}

/** A second connection, connected (so the order of commands across connections is the order we send them). */
async function connection(): Promise<Redis> {
  const client = db.redisConnection.duplicate();
  await client.ping();
  return client;
}

/** Resolves when `worker` is blocked in a command on the server, or `pending` settled (a call that did not block). */
async function blockedOrSettled(worker: Redis, workerId: number, pending: Promise<unknown>): Promise<void> {
  let settled = false;
  void pending.then(() => (settled = true), () => (settled = true));
  const deadline = Date.now() + 3_000;
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) return;
    if (db.redisConnection.kind === 'mock') return; // the mock blocks before the call returns
    const info = String(await db.redis.client('LIST', 'ID', String(workerId)));
    if (/flags=\S*b/.test(info)) return;
    if (Date.now() > deadline) throw new Error('The worker neither blocked nor returned within 3 s.');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type Entries = [string, string[]][];
const eventOf = (fields: string[]): unknown => JSON.parse(fields[fields.indexOf('event') + 1]!);

describe('Publish and subscribe with JSON', () => {
  // Mistakes caught: publishing the object itself ('[object Object]'); not returning PUBLISH's reply;
  // handing the handler the raw string (JSON not parsed); resolving before SUBSCRIBE is confirmed
  // (a message published right after is missed); subscribing on the connection that publishes.
  it('publishes the message as JSON and returns the number of subscribers (1)', async () => {
    const channel = channelFor(rnd.word());
    const sent = message(channel);
    const subscriber = await connection();
    const got = collector<[string, string]>();
    subscriber.on('message', (ch: string, text: string) => got.push([ch, text]));
    await subscriber.subscribe(channel);

    const receivers = await ex.publishMessage(db.redis, channel, sent);

    const [[ch, text]] = (await got.until(1)) as [[string, string]];
    const expected = { receivers: 1, channel, message: sent };
    expect({ receivers, channel: ch, message: JSON.parse(text) }).toEqual(expected);
  });

  it('returns 0 when no one is subscribed: the message is simply gone', async () => {
    const receivers = await ex.publishMessage(db.redis, channelFor(rnd.word()), message('lobby'));

    const expected = 0;
    expect(receivers).toEqual(expected);
  });

  it('subscribeJson calls the handler with the channel and the parsed message', async () => {
    const [a, b] = [channelFor(`a-${rnd.id(4)}`), channelFor(`b-${rnd.id(4)}`)];
    const [first, second] = [message(a), message(b)];
    const subscriber = await connection();
    const got = collector<[string, ChatMessage]>();

    await ex.subscribeJson(subscriber, [a, b], (channel, msg) => got.push([channel, msg]));
    await db.redis.publish(a, JSON.stringify(first));
    await db.redis.publish(b, JSON.stringify(second));

    const expected = [[a, first], [b, second]];
    expect(await got.until(2)).toEqual(expected);
  });

  it('is subscribed by the time subscribeJson resolves: a message published at once arrives', async () => {
    const channel = channelFor(rnd.word());
    const subscriber = await connection();
    const got = collector<[string, ChatMessage]>();

    await ex.subscribeJson(subscriber, [channel], (ch, msg) => got.push([ch, msg]));
    const sent = message(channel);
    const receivers = await db.redis.publish(channel, JSON.stringify(sent));

    const expected = { receivers: 1, got: [[channel, sent]] };
    expect({ receivers, got: await got.until(1) }).toEqual(expected);
  });
});

describe('Listen to a pattern of channels', () => {
  // Mistakes caught: SUBSCRIBE with the pattern (it would only match a channel literally named `…*`);
  // listening for 'message' instead of 'pmessage'; passing on the pattern instead of the channel;
  // JSON not parsed.
  it('receives messages from every matching channel, with the channel each came on', async () => {
    const rooms = rnd.sample(['lobby', 'support', 'random', 'dev', 'ops'], 3);
    const subscriber = await connection();
    const got = collector<[string, ChatMessage]>();

    await ex.subscribePattern(subscriber, channelFor('*'), (channel, msg) => got.push([channel, msg]));
    const sent = rooms.map((room) => message(room));
    for (const [i, room] of rooms.entries()) await db.redis.publish(channelFor(room), JSON.stringify(sent[i]));

    const expected = rooms.map((room, i) => [channelFor(room), sent[i]]);
    expect(await got.until(3)).toEqual(expected);
  });

  it('ignores channels that do not match', async () => {
    const subscriber = await connection();
    const got = collector<[string, ChatMessage]>();
    await ex.subscribePattern(subscriber, channelFor('*'), (channel, msg) => got.push([channel, msg]));

    const other = `news:${RUN}:${rnd.word()}`;
    const receiversOther = await db.redis.publish(other, JSON.stringify(message('news')));
    const last = message('lobby');
    await db.redis.publish(channelFor('lobby'), JSON.stringify(last));

    const expected = { receiversOther: 0, got: [[channelFor('lobby'), last]] };
    expect({ receiversOther, got: await got.until(1) }).toEqual(expected);
  });
});

describe('Append to a capped stream', () => {
  // Mistakes caught: no MAXLEN (the stream grows without end); the event stored as separate fields or
  // not as JSON in `event`; returning nothing instead of the entry's ID.
  it('appends the event as JSON in the field `event` and returns the entry ID', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const event = { orderId: rnd.id(), total: rnd.int(5, 500), email: rnd.email() };

    const id = await ex.appendEvent(db.redis, stream, event, 1000);

    const entries = (await db.redis.xrange(stream, '-', '+')) as Entries;
    const expected = [[id, event]];
    expect(id).toMatch(/^\d+-\d+$/);
    expect(entries.map(([entryId, fields]) => [entryId, eventOf(fields)])).toEqual(expected);
  });

  it('keeps the stream near maxLen: at least maxLen entries, not every entry ever added', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const maxLen = rnd.int(100, 150);
    const added = 600;

    for (let i = 0; i < added; i++) await ex.appendEvent(db.redis, stream, { n: i }, maxLen);

    const length = await db.redis.xlen(stream);
    const expected = { atLeastMaxLen: true, trimmed: true };
    expect({ atLeastMaxLen: length >= maxLen, trimmed: length <= maxLen + 100 }).toEqual(expected);
  });

  it('keeps the newest entries', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const n = rnd.int(250, 350);

    for (let i = 0; i < n; i++) await ex.appendEvent(db.redis, stream, { n: i }, 100);

    const [[, fields]] = (await db.redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    const expected = { n: n - 1 };
    expect(eventOf(fields)).toEqual(expected);
  });
});

describe('Consume a stream with a group, and acknowledge', () => {
  // Mistakes caught: a group created at `$` (misses what is already in the stream); ensureGroup that
  // throws BUSYGROUP the second time; reading with `0` instead of `>` (only re-reads pending entries);
  // no XACK (everything stays pending); XACK before the work (a failed event is lost); JSON not parsed.
  async function seed(stream: string, n: number): Promise<Record<string, unknown>[]> {
    const events = Array.from({ length: n }, () => ({ orderId: rnd.id(), total: rnd.int(5, 500) }));
    for (const event of events) await db.redis.xadd(stream, '*', 'event', JSON.stringify(event));
    return events;
  }

  it('ensureGroup creates the stream and can run twice', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;

    await ex.ensureGroup(db.redis, stream, 'billing');
    await ex.ensureGroup(db.redis, stream, 'billing');

    const groups = (await db.redis.xinfo('GROUPS', stream)) as unknown[][];
    const expected = { type: 'stream', groups: ['billing'] };
    expect({ type: await db.redis.type(stream), groups: groups.map((g) => g[1]) }).toEqual(expected);
  });

  it('handles every entry already in the stream once, parsed, and acknowledges it', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const events = await seed(stream, rnd.int(3, 8));
    await ex.ensureGroup(db.redis, stream, 'billing');
    const handled: unknown[] = [];

    const count = await ex.consumeNew(db.redis, stream, 'billing', 'worker-1', async (e) => void handled.push(e), 20);

    const expected = { count: events.length, handled: events, pending: 0 };
    const [pending] = (await db.redis.xpending(stream, 'billing')) as [number];
    expect({ count, handled, pending }).toEqual(expected);
  });

  it('reads only new entries: a second call handles nothing, a new entry is handled next time', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    await seed(stream, 3);
    await ex.ensureGroup(db.redis, stream, 'billing');
    const handled: unknown[] = [];
    const handle = async (e: Record<string, unknown>): Promise<void> => void handled.push(e);
    await ex.consumeNew(db.redis, stream, 'billing', 'w', handle);

    const again = await ex.consumeNew(db.redis, stream, 'billing', 'w', handle);
    const [late] = await seed(stream, 1);
    const next = await ex.consumeNew(db.redis, stream, 'billing', 'w', handle);

    const expected = { again: 0, next: 1, last: late };
    expect({ again, next, last: handled[handled.length - 1] }).toEqual(expected);
  });

  it('leaves an entry pending when its handler throws, and still handles the others', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const events = await seed(stream, rnd.int(4, 7));
    const failing = rnd.pick(events);
    await ex.ensureGroup(db.redis, stream, 'billing');

    const count = await ex.consumeNew(db.redis, stream, 'billing', 'w', async (e) => {
      if (e['orderId'] === failing['orderId']) throw new Error('payment service down');
    });

    const pending = (await db.redis.xpending(stream, 'billing', '-', '+', 10)) as [string, string, number, number][];
    const [[, fields]] = (await db.redis.xrange(stream, pending[0]![0], pending[0]![0])) as [[string, string[]]];
    const expected = { count: events.length - 1, pending: 1, stillPending: failing };
    expect({ count, pending: pending.length, stillPending: eventOf(fields) }).toEqual(expected);
  });

  it('splits the entries between two consumers of one group, each handled once', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const events = await seed(stream, rnd.int(6, 10));
    await ex.ensureGroup(db.redis, stream, 'billing');
    const handled: unknown[] = [];
    const handle = async (e: Record<string, unknown>): Promise<void> => void handled.push(e);

    const a = await ex.consumeNew(db.redis, stream, 'billing', 'a', handle, 3);
    const b = await ex.consumeNew(db.redis, stream, 'billing', 'b', handle, 100);

    const expected = { a: 3, b: events.length - 3, handled: events };
    expect({ a, b, handled }).toEqual(expected);
  });
});

describe('Reclaim what a crashed consumer left', () => {
  // Mistakes caught: min-idle-time 0 (takes entries a live consumer is still working on); one XAUTOCLAIM
  // call (a long pending list needs the cursor loop); no XACK after handling; XREADGROUP `0` as
  // `helper` (it sees only helper's own pending entries, not the crashed consumer's).
  const MIN_IDLE = 60_000;

  /** `stale` entries read by a consumer that crashed 10 minutes ago, `fresh` ones just read by a live one. */
  async function scene(stream: string, stale: number, fresh: number): Promise<{ staleEvents: unknown[] }> {
    await db.redis.xgroup('CREATE', stream, 'billing', '0', 'MKSTREAM');
    const staleEvents = Array.from({ length: stale }, (_, i) => ({ orderId: `s${i}-${rnd.id(4)}` }));
    const pipeline = db.redis.pipeline();
    for (const e of staleEvents) pipeline.xadd(stream, '*', 'event', JSON.stringify(e));
    await pipeline.exec();
    const read = (await db.redis.xreadgroup('GROUP', 'billing', 'crashed', 'STREAMS', stream, '>')) as [string, Entries][];
    const ids = read[0]![1].map(([id]) => id);
    // Make them look 10 minutes old without waiting 10 minutes: XCLAIM … IDLE sets their idle time.
    for (let i = 0; i < ids.length; i += 100) {
      await db.redis.xclaim(stream, 'billing', 'crashed', 0, ...ids.slice(i, i + 100), 'IDLE', 600_000, 'JUSTID');
    }
    for (let i = 0; i < fresh; i++) await db.redis.xadd(stream, '*', 'event', JSON.stringify({ orderId: `f${i}` }));
    if (fresh > 0) await db.redis.xreadgroup('GROUP', 'billing', 'alive', 'STREAMS', stream, '>');
    return { staleEvents };
  }

  it('handles and acknowledges the entries idle longer than minIdleMs', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const { staleEvents } = await scene(stream, rnd.int(2, 6), 0);
    const handled: unknown[] = [];

    const count = await ex.reclaimStale(db.redis, stream, 'billing', 'helper', MIN_IDLE, async (e) => void handled.push(e));

    const expected = { count: staleEvents.length, handled: staleEvents, pending: [0, null, null, null] };
    expect({ count, handled, pending: await db.redis.xpending(stream, 'billing') }).toEqual(expected);
  });

  it('leaves alone the entries a live consumer read a moment ago', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const fresh = rnd.int(2, 5);
    await scene(stream, rnd.int(1, 3), fresh);

    await ex.reclaimStale(db.redis, stream, 'billing', 'helper', MIN_IDLE, async () => undefined);

    const [count, , , consumers] = (await db.redis.xpending(stream, 'billing')) as [number, string, string, string[][]];
    const expected = { count: fresh, consumers: [['alive', String(fresh)]] };
    expect({ count, consumers }).toEqual(expected);
  });

  it('reclaims a pending list longer than one XAUTOCLAIM page (100 entries)', async () => {
    const stream = `shop:orders:${rnd.id(4)}`;
    const { staleEvents } = await scene(stream, rnd.int(150, 260), 0);
    let handled = 0;

    const count = await ex.reclaimStale(db.redis, stream, 'billing', 'helper', MIN_IDLE, async () => void handled++);

    const expected = { count: staleEvents.length, handled: staleEvents.length, pending: 0 };
    const [pending] = (await db.redis.xpending(stream, 'billing')) as [number];
    expect({ count, handled, pending }).toEqual(expected);
  });
});

describe('A job queue on a list', () => {
  // Mistakes caught: RPOP/LMOVE without blocking (returns null instead of waiting for the job);
  // LPUSH with LPOP-side taking (last in, first out); BRPOP (the job is not kept in `processing` while
  // it runs); the timeout in milliseconds (BLMOVE counts seconds: 0.2 would wait 200 s); finishJob
  // that leaves the job in `processing`.
  const names = (): { queue: string; processing: string } => {
    const id = rnd.id(4);
    return { queue: `shop:jobs:${id}`, processing: `shop:jobs:${id}:processing` };
  };

  it('takes jobs in the order they were enqueued', async () => {
    const { queue, processing } = names();
    const jobs = Array.from({ length: rnd.int(3, 6) }, () => ({ to: rnd.email(), template: rnd.word() }));
    for (const job of jobs) await ex.enqueueJob(db.redis, queue, job);
    const worker = await connection();

    const taken = [];
    for (let i = 0; i < jobs.length; i++) taken.push(await ex.takeJob(worker, queue, processing, 1));

    const expected = jobs;
    expect(taken).toEqual(expected);
  });

  it('waits for a job enqueued after the worker started waiting', async () => {
    const { queue, processing } = names();
    const job = { to: rnd.email(), template: 'welcome' };
    const worker = await connection();
    const workerId = db.redisConnection.kind === 'url' ? Number(await worker.client('ID')) : 0;

    const taking = ex.takeJob(worker, queue, processing, 5);
    await blockedOrSettled(worker, workerId, taking);
    await ex.enqueueJob(db.redis, queue, job);

    const expected = job;
    expect(await taking).toEqual(expected);
  });

  it('keeps a taken job in the processing list until finishJob removes it', async () => {
    const { queue, processing } = names();
    const job = { to: rnd.email(), template: rnd.word() };
    await ex.enqueueJob(db.redis, queue, job);
    const worker = await connection();

    const taken = await ex.takeJob(worker, queue, processing, 1);
    const during = (await db.redis.lrange(processing, 0, -1)).map((raw) => JSON.parse(raw));
    await ex.finishJob(db.redis, processing, taken!);

    const expected = { during: [job], after: [], queue: [] };
    expect({ during, after: await db.redis.lrange(processing, 0, -1), queue: await db.redis.lrange(queue, 0, -1) }).toEqual(expected);
  });

  it('returns null when no job arrives within the timeout (in seconds)', async () => {
    const { queue, processing } = names();
    const worker = await connection();

    const taken = await ex.takeJob(worker, queue, processing, 0.2);

    const expected = null;
    expect(taken).toEqual(expected);
  });
});
