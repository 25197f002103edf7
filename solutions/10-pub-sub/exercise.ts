// Lesson 10 — Pub/sub and streams: JSON messages between two connections, channel patterns, a capped
// stream read by a consumer group that acknowledges, reclaiming what a crashed consumer left, and a
// job queue on a list. Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 10`;
// stuck? `npm run lesson 10 -- --hint`.
import type { Redis } from 'ioredis';

/** A chat message, as the article's "user sends message" step publishes it. */
export interface ChatMessage {
  room: string;
  from: string;
  text: string;
}

/** Called with the channel a message came on and the message, parsed. */
export type OnMessage = (channel: string, message: ChatMessage) => void;

/** Handles one event read from a stream; throwing means "not done": the entry stays pending. */
export type Handler = (event: Record<string, unknown>) => Promise<void>;

// #region publish-subscribe
/** Publishes `message` as JSON on `channel`; returns how many subscribers received it. */
export async function publishMessage(redis: Redis, channel: string, message: ChatMessage): Promise<number> {
  // why: a channel carries strings, so the object travels as JSON; PUBLISH replies with the receivers (0: it is gone).
  return redis.publish(channel, JSON.stringify(message));
}

/** Subscribes `subscriber` to `channels` and calls `onMessage` with each message parsed; resolves once subscribed. */
export async function subscribeJson(subscriber: Redis, channels: string[], onMessage: OnMessage): Promise<void> {
  // why: the listener goes on before SUBSCRIBE so nothing is missed, and the promise resolves only when Redis has confirmed the subscription.
  subscriber.on('message', (channel: string, text: string) => onMessage(channel, JSON.parse(text) as ChatMessage));
  await subscriber.subscribe(...channels);
}
// #endregion publish-subscribe

// #region pattern
/** Subscribes `subscriber` to every channel matching `pattern` (such as `chat:room:*`); resolves once subscribed. */
export async function subscribePattern(subscriber: Redis, pattern: string, onMessage: OnMessage): Promise<void> {
  // why: PSUBSCRIBE matches a glob pattern, and its messages arrive as 'pmessage' events (pattern, channel, message).
  subscriber.on('pmessage', (_pattern: string, channel: string, text: string) => onMessage(channel, JSON.parse(text) as ChatMessage));
  await subscriber.psubscribe(pattern);
}
// #endregion pattern

// #region append
/** Appends `event` as JSON in the field `event` of `stream`, keeping roughly the newest `maxLen`; returns the entry's ID. */
export async function appendEvent(redis: Redis, stream: string, event: Record<string, unknown>, maxLen: number): Promise<string> {
  // why: a stream grows until trimmed; MAXLEN ~ trims in whole nodes (cheap) and keeps at least maxLen entries.
  return (await redis.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'event', JSON.stringify(event)))!;
}
// #endregion append

// #region consume
/** Creates consumer group `group` on `stream` reading from the start (creating the stream too); safe to call twice. */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    // why: ID 0 delivers the entries already in the stream as well ($ would only see new ones); MKSTREAM creates an empty stream.
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    // why: BUSYGROUP means the group exists already: that is what we wanted.
    if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
  }
}

/** Reads up to `count` new entries for `consumer`, handles each, acknowledges the ones handled; returns how many. */
export async function consumeNew(
  redis: Redis, stream: string, group: string, consumer: string, handle: Handler, count = 10,
): Promise<number> {
  // why: '>' asks for entries never delivered to this group; '0' would re-read this consumer's own pending ones.
  const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')) as
    [string, [string, string[]][]][] | null;
  let handled = 0;
  for (const [id, fields] of reply?.[0]?.[1] ?? []) {
    try {
      await handle(JSON.parse(fields[fields.indexOf('event') + 1]!) as Record<string, unknown>);
    } catch {
      continue; // why: not acknowledged, so it stays pending and can be retried or reclaimed
    }
    await redis.xack(stream, group, id); // why: only after the work is done; until then the entry is pending
    handled++;
  }
  return handled;
}
// #endregion consume

// #region reclaim
/** Claims for `consumer` every pending entry idle at least `minIdleMs`, handles and acknowledges each; returns how many. */
export async function reclaimStale(
  redis: Redis, stream: string, group: string, consumer: string, minIdleMs: number, handle: Handler,
): Promise<number> {
  let handled = 0;
  let cursor = '0-0';
  do {
    // why: min-idle-time leaves entries a live consumer is still working on; the cursor pages through a long PEL.
    const [next, entries] = (await redis.xautoclaim(stream, group, consumer, minIdleMs, cursor, 'COUNT', 100)) as
      [string, [string, string[]][]];
    for (const [id, fields] of entries) {
      await handle(JSON.parse(fields[fields.indexOf('event') + 1]!) as Record<string, unknown>);
      await redis.xack(stream, group, id); // why: reclaimed work must be acknowledged too, or it stays pending
      handled++;
    }
    cursor = next;
  } while (cursor !== '0-0');
  return handled;
}
// #endregion reclaim

// #region job-queue
/** Adds `job` (as JSON) to the queue list `queue`; the oldest job is taken first. */
export async function enqueueJob(redis: Redis, queue: string, job: Record<string, unknown>): Promise<void> {
  // why: LPUSH at the head, BLMOVE … RIGHT takes from the tail: first in, first out.
  await redis.lpush(queue, JSON.stringify(job));
}

/** Waits up to `timeoutSeconds` for a job, moving it to `processing` as it is taken; null when none came. */
export async function takeJob(
  worker: Redis, queue: string, processing: string, timeoutSeconds: number,
): Promise<Record<string, unknown> | null> {
  // why: BLMOVE blocks instead of polling, and keeps the job in `processing` so a crashed worker's job is not lost.
  const raw = await worker.blmove(queue, processing, 'RIGHT', 'LEFT', timeoutSeconds);
  return raw === null ? null : (JSON.parse(raw) as Record<string, unknown>);
}

/** Removes a finished `job` from `processing`. */
export async function finishJob(redis: Redis, processing: string, job: Record<string, unknown>): Promise<void> {
  // why: the job is done, so its safety copy goes; LREM finds it by its exact JSON.
  await redis.lrem(processing, 1, JSON.stringify(job));
}
// #endregion job-queue
