/**
 * Lesson 10 — Pub/sub and streams, the walkthrough. `npm run lesson 10` runs it cell by cell, then
 * checks exercise.ts. Safe to run again: each cell deletes the keys it is about to write. Nothing
 * sleeps for a fixed time: a cell that waits, waits for the event itself.
 */
import type { Redis } from 'ioredis';
import { backends, cell, note, show } from '#lab/notebook/index.ts';

cell('Two services, two connections', `
  Pub/sub is how the article's services talk in real time: one publishes "user
  sent a message", others react at once. A connection that subscribes enters
  subscriber mode and can run nothing but (P)SUBSCRIBE, UNSUBSCRIBE and PING, so
  a service needs a second connection: \`duplicate()\` opens one to the same
  server.
`);
const { redis } = await backends();
// #region connections
const subscriber = redis.duplicate();
await subscriber.subscribe('chat:room:lobby');
const refused = await subscriber
  .get('anything')
  .catch((e: Error) => e.message);
show(refused, 'GET on the subscribed connection');
// #endregion connections

cell('PUBLISH and SUBSCRIBE, with JSON', `
  A message is a string. An object travels as JSON and is parsed on arrival.
  PUBLISH replies with the number of subscribers that received the message. The
  cell waits for the message itself, with a timeout, rather than for a guessed
  number of milliseconds.
`);
// #region publish
function nextMessage(conn: Redis, event = 'message'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const fail = (): void => reject(new Error('no message within 2 s'));
    const timer = setTimeout(fail, 2_000);
    conn.once(event, (...args: string[]) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
const arriving = nextMessage(subscriber);
const sent = { room: 'lobby', from: 'Ada', text: 'Hello, lobby!' };
const json = JSON.stringify(sent);
const receivers = await redis.publish('chat:room:lobby', json);
const [channel, text] = await arriving;
show({ receivers, channel, received: JSON.parse(text!) });
// #endregion publish

cell('Patterns: one subscription, many channels', `
  PSUBSCRIBE takes a glob pattern. Its messages arrive as 'pmessage' events
  with the pattern, the channel and the message, so one handler can serve every
  room and still tell them apart.
`);
// #region pattern
const rooms = redis.duplicate();
await rooms.psubscribe('chat:room:*');
const got: { pattern: string; channel: string; text: string }[] = [];
const two = new Promise<void>((resolve) => {
  rooms.on('pmessage', (pattern: string, ch: string, message: string) => {
    got.push({ pattern, channel: ch, text: JSON.parse(message).text });
    if (got.length === 2) resolve();
  });
});
await redis.publish('chat:room:support', JSON.stringify({ text: 'help!' }));
await redis.publish('chat:news', JSON.stringify({ text: 'not a room' }));
await redis.publish('chat:room:dev', JSON.stringify({ text: 'deploying' }));
await two;
show(got);
// #endregion pattern

cell('Fire and forget: an offline subscriber misses it', `
  Redis delivers a published message to whoever is subscribed at that moment
  and keeps no copy. A service that is restarting, or subscribes a moment
  late, never sees what was published meanwhile: here the late subscriber gets
  the second message and nothing of the first.
`);
// #region fire-and-forget
const late = redis.duplicate();
const first = 'first: nobody listens';
const whileOffline = await redis.publish('alerts:ops', first);
await late.subscribe('alerts:ops');
const lateArrival = nextMessage(late);
await redis.publish('alerts:ops', 'second: after subscribing');
const [, lateText] = await lateArrival;
show({ receiversOfFirst: whileOffline, lateSubscriberGot: lateText });
// #endregion fire-and-forget
note(`
  Good for "typing…" indicators and cache invalidation hints; wrong for orders
  or payments. For a message that must not be lost, use a stream.
`);

cell('Streams: messages that stay', `
  A stream is an append-only log stored under a key. XADD appends an entry of
  field-value pairs and Redis gives it an ID, \`<milliseconds>-<sequence>\`. The
  entries stay after they are read, until you trim them, so a reader that was
  away can catch up.
`);
// #region xadd
await redis.del('shop:orders');
const orders = ['o-101', 'o-102', 'o-103', 'o-104'];
for (const [i, orderId] of orders.entries()) {
  const event = JSON.stringify({ orderId, total: 20 + i * 5 });
  await redis.xadd('shop:orders', '*', 'event', event);
}
const entries = await redis.xrange('shop:orders', '-', '+');
const firstId = entries[0]![0];
const idShape = firstId.replace(/^\d+/, '<ms>');
show({ length: await redis.xlen('shop:orders'), idShape });
const events = entries.map(([, fields]) => JSON.parse(fields[1]!));
show(events, 'the entries, in order');
// #endregion xadd

cell('A consumer group shares the work', `
  A consumer group reads a stream on behalf of several workers: each entry is
  delivered to one consumer of the group. XREADGROUP with the ID \`>\` asks for
  entries never delivered to the group; the group was created at \`0\`, so it
  starts with the entries already there.
`);
// #region group
await redis.xgroup('CREATE', 'shop:orders', 'billing', '0');
type StreamReply = [string, [string, string[]][]][] | null;
async function readNew(consumer: string, count: number): Promise<string[]> {
  const reply = (await redis.xreadgroup(
    'GROUP', 'billing', consumer, 'COUNT', count,
    'STREAMS', 'shop:orders', '>',
  )) as StreamReply;
  return (reply?.[0]?.[1] ?? []).map(([, fields]) => JSON.parse(fields[1]!).orderId);
}
show([
  { consumer: 'worker-a', got: await readNew('worker-a', 2) },
  { consumer: 'worker-b', got: await readNew('worker-b', 10) },
  { consumer: 'worker-a', got: await readNew('worker-a', 10) },
]);
// #endregion group

cell('Pending until acknowledged', `
  Every delivered entry sits in the group's pending entries list (PEL) under
  its consumer until that consumer sends XACK. XPENDING summarises the list:
  how many, the lowest and highest ID, and how many per consumer.
`);
// #region ack
const pendingBefore = await redis.xpending('shop:orders', 'billing');
const [aEntries] = (await redis.xreadgroup(
  'GROUP', 'billing', 'worker-a', 'STREAMS', 'shop:orders', '0',
)) as [string, [string, string[]][]][];
const aIds = aEntries![1].map(([id]) => id);
const acked = await redis.xack('shop:orders', 'billing', ...aIds);
const pendingAfter = await redis.xpending('shop:orders', 'billing');
show([
  { when: 'before XACK', count: pendingBefore[0], each: pendingBefore[3] },
  { when: `after ${acked} acked`, count: pendingAfter[0], each: pendingAfter[3] },
]);
// #endregion ack
note(`
  Reading with \`0\` instead of \`>\` (as above, to find worker-a's IDs) returns a
  consumer's own pending entries: useful after a restart, but it never brings
  new work.
`);

cell('A consumer crashes: XAUTOCLAIM takes over', `
  worker-b took two orders and crashed before XACK. Its entries stay pending
  forever unless another consumer claims them. XAUTOCLAIM hands over entries
  idle for at least min-idle-time, so one a healthy consumer is busy with is
  left alone. The cell waits until worker-b's entries have been idle 100 ms.
`);
// #region reclaim
async function idleAtLeast(ms: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const idle = (await redis.xpending(
      'shop:orders', 'billing', 'IDLE', ms, '-', '+', 10, 'worker-b',
    )) as unknown[];
    if (idle.length > 0) return;
    if (Date.now() > deadline) throw new Error(`not idle ${ms} ms in 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
await idleAtLeast(100);
const [nextStart, claimed] = (await redis.xautoclaim(
  'shop:orders', 'billing', 'worker-c', 100, '0-0',
)) as [string, [string, string[]][]];
for (const [id] of claimed) await redis.xack('shop:orders', 'billing', id);
show({
  nextStart,
  claimedByWorkerC: claimed.map(([, fields]) => JSON.parse(fields[1]!).orderId),
  pendingNow: (await redis.xpending('shop:orders', 'billing'))[0],
});
// #endregion reclaim

cell('Trimming: MAXLEN', `
  A stream keeps every entry until it is trimmed. \`MAXLEN = n\` keeps exactly
  n; \`MAXLEN ~ n\` removes only whole internal nodes (100 entries by default),
  which is cheaper and keeps at least n.
`);
// #region maxlen
const exact = 'shop:clicks:exact';
const about = 'shop:clicks:about';
const all = 'shop:clicks:all';
await redis.del(exact, about, all);
for (let i = 0; i < 1050; i++) {
  await redis.xadd(exact, 'MAXLEN', '=', 100, '*', 'n', String(i));
  await redis.xadd(about, 'MAXLEN', '~', 100, '*', 'n', String(i));
  await redis.xadd(all, '*', 'n', String(i));
}
show([
  { stream: 'MAXLEN = 100', added: 1050, length: await redis.xlen(exact) },
  { stream: 'MAXLEN ~ 100', added: 1050, length: await redis.xlen(about) },
  { stream: 'no MAXLEN', added: 1050, length: await redis.xlen(all) },
]);
// #endregion maxlen

cell('A job queue on a list: BLMOVE', `
  Before streams, queues were lists, and for a simple job queue they still
  work. A worker blocks in BLMOVE until a job arrives (no polling), and the job
  moves to a \`processing\` list in the same step, so a worker that crashes
  mid-job leaves it there to be retried rather than losing it.
`);
// #region job-queue
await redis.del('shop:jobs:email', 'shop:jobs:email:processing');
const worker = redis.duplicate();
const taking = worker.blmove(
  'shop:jobs:email', 'shop:jobs:email:processing', 'RIGHT', 'LEFT', 5,
);
const job = JSON.stringify({ to: 'ada@example.com', template: 'welcome' });
await redis.lpush('shop:jobs:email', job);
const taken = await taking;
const processing = await redis.lrange('shop:jobs:email:processing', 0, -1);
await redis.lrem('shop:jobs:email:processing', 1, taken!);
const left = await redis.llen('shop:jobs:email:processing');
show({ taken: JSON.parse(taken!), whileWorking: processing.length, left });
// #endregion job-queue
note(`
  BRPOP is the simpler call, but a job it pops exists only in the worker's
  memory until done. BLMOVE's timeout is in seconds; 0 waits forever.
`);

cell('Pub/sub, stream or list?', `
  The three ways to move a message, side by side.
`);
// #region compare
show([
  { need: 'live updates', use: 'PUBLISH', offline: 'missed', to: 'all subs' },
  { need: 'orders', use: 'XADD+group', offline: 'kept', to: 'per group' },
  { need: 'job queue', use: 'LPUSH+BLMOVE', offline: 'kept', to: 'one worker' },
]);
// QUIT is allowed in subscriber mode too: the extra connections are done.
const extra = [subscriber, rooms, late, worker];
await Promise.all(extra.map((conn) => conn.quit()));
// #endregion compare

cell('Your turn', `
  Open \`lessons/10-pub-sub/exercise.ts\`. Six tasks: publish and subscribe
  with JSON, listen to a pattern, append to a capped stream, consume with a
  group and acknowledge, reclaim what a crashed consumer left, and a job queue
  on a list. \`npm run lesson 10\` checks them; \`npm run lesson 10 -- --hint\`
  helps.
`);
