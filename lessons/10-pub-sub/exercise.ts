// Lesson 10 — Pub/sub and streams: JSON messages between two connections, channel patterns, a capped
// stream read by a consumer group that acknowledges, reclaiming what a crashed consumer left, and a
// job queue on a list. Replace each `return todo(…)` marked `// TODO:`. Check with `npm run lesson 10`;
// stuck? `npm run lesson 10 -- --hint`.
import type { Redis } from 'ioredis';
import { todo } from '#lab/todo.ts';

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
  return todo('publishMessage: publish the message as JSON'); // TODO: PUBLISH channel JSON.stringify(message); return the reply
}

/** Subscribes `subscriber` to `channels` and calls `onMessage` with each message parsed; resolves once subscribed. */
export async function subscribeJson(subscriber: Redis, channels: string[], onMessage: OnMessage): Promise<void> {
  return todo('subscribeJson: subscribe and parse each message'); // TODO: on('message', …) with JSON.parse, then await subscribe(...channels)
}
// #endregion publish-subscribe

// #region pattern
/** Subscribes `subscriber` to every channel matching `pattern` (such as `chat:room:*`); resolves once subscribed. */
export async function subscribePattern(subscriber: Redis, pattern: string, onMessage: OnMessage): Promise<void> {
  return todo('subscribePattern: subscribe to a pattern of channels'); // TODO: on('pmessage', …), then await psubscribe(pattern)
}
// #endregion pattern

// #region append
/** Appends `event` as JSON in the field `event` of `stream`, keeping roughly the newest `maxLen`; returns the entry's ID. */
export async function appendEvent(redis: Redis, stream: string, event: Record<string, unknown>, maxLen: number): Promise<string> {
  return todo('appendEvent: append the event to a capped stream'); // TODO: XADD stream MAXLEN ~ maxLen * event <json>
}
// #endregion append

// #region consume
/** Creates consumer group `group` on `stream` reading from the start (creating the stream too); safe to call twice. */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  return todo('ensureGroup: create the consumer group once'); // TODO: XGROUP CREATE stream group 0 MKSTREAM; ignore BUSYGROUP
}

/** Reads up to `count` new entries for `consumer`, handles each, acknowledges the ones handled; returns how many. */
export async function consumeNew(
  redis: Redis, stream: string, group: string, consumer: string, handle: Handler, count = 10,
): Promise<number> {
  return todo('consumeNew: read new entries, handle them, acknowledge'); // TODO: XREADGROUP … STREAMS stream >, then XACK each entry handled
}
// #endregion consume

// #region reclaim
/** Claims for `consumer` every pending entry idle at least `minIdleMs`, handles and acknowledges each; returns how many. */
export async function reclaimStale(
  redis: Redis, stream: string, group: string, consumer: string, minIdleMs: number, handle: Handler,
): Promise<number> {
  return todo('reclaimStale: claim entries a crashed consumer left'); // TODO: XAUTOCLAIM from 0-0 until the cursor is 0-0; handle, XACK
}
// #endregion reclaim

// #region job-queue
/** Adds `job` (as JSON) to the queue list `queue`; the oldest job is taken first. */
export async function enqueueJob(redis: Redis, queue: string, job: Record<string, unknown>): Promise<void> {
  return todo('enqueueJob: push the job onto the queue'); // TODO: LPUSH queue JSON.stringify(job)
}

/** Waits up to `timeoutSeconds` for a job, moving it to `processing` as it is taken; null when none came. */
export async function takeJob(
  worker: Redis, queue: string, processing: string, timeoutSeconds: number,
): Promise<Record<string, unknown> | null> {
  return todo('takeJob: wait for a job and move it to processing'); // TODO: BLMOVE queue processing RIGHT LEFT timeoutSeconds; parse
}

/** Removes a finished `job` from `processing`. */
export async function finishJob(redis: Redis, processing: string, job: Record<string, unknown>): Promise<void> {
  return todo('finishJob: remove the finished job from processing'); // TODO: LREM processing 1 JSON.stringify(job)
}
// #endregion job-queue
