import { defineLesson } from '#lab/lesson.ts';

export default defineLesson({
  number: 10,
  slug: 'pub-sub',
  title: 'Pub/sub and streams',
  summary: 'Messages between services: publish/subscribe with JSON and patterns, fire-and-forget delivery, streams with consumer groups that must not lose a message, and a job queue on a list.',
  databases: ['redis'],
  objectives: [
    'Publish JSON messages on a channel and receive them on a second connection: a subscribed connection can do nothing else.',
    'Subscribe to a pattern of channels with PSUBSCRIBE and tell the channels apart.',
    'Say what fire-and-forget means: a subscriber that is offline when a message is published never gets it.',
    'Use a stream when a message must not be lost: XADD with MAXLEN, a consumer group, XREADGROUP with `>`, and XACK after the work.',
    'Recover the messages of a consumer that crashed before acknowledging, with XAUTOCLAIM and a minimum idle time.',
    'Build a reliable job queue on a list with BLMOVE, and say when a stream is the better choice.',
  ],
  exercises: ['exercise.ts'],
  tasks: [
    {
      title: 'Publish and subscribe with JSON',
      points: 3,
      hints: [
        'A channel carries strings. How does an object become a string, and how does the subscriber turn it back?',
        'Which ioredis event delivers a message to a subscribed connection, and with which arguments? Attach the listener before you subscribe.',
        'The check publishes the moment your subscribeJson resolves: `await` the `subscribe(...)` call, whose reply means Redis has registered it.',
        "Almost there: `return redis.publish(channel, JSON.stringify(message))`; and `subscriber.on('message', (channel, text) => onMessage(channel, JSON.parse(text)))` then `await subscriber.subscribe(...channels)`.",
      ],
    },
    {
      title: 'Listen to a pattern of channels',
      points: 2,
      hints: [
        'Does `SUBSCRIBE chat:room:*` treat the `*` as a wildcard? Which command does?',
        'Pattern subscriptions deliver a different event than plain ones. Which, and what are its three arguments?',
        "The handler wants the channel each message came on (`chat:room:lobby`), not the pattern (`chat:room:*`).",
        "Almost there: `subscriber.on('pmessage', (_pattern, channel, text) => onMessage(channel, JSON.parse(text)))`, then `await subscriber.psubscribe(pattern)`.",
      ],
    },
    {
      title: 'Append to a capped stream',
      points: 2,
      hints: [
        'A stream keeps every entry until you trim it. Which XADD option keeps it near a length?',
        '`MAXLEN ~ n` trims whole internal nodes only, so it is cheap and keeps at least n entries; `MAXLEN = n` is exact but costs more.',
        "Store the event as JSON in one field named `event`, and let Redis choose the ID with `*`; XADD replies with the ID.",
        "Almost there: `return (await redis.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'event', JSON.stringify(event)))!;`",
      ],
    },
    {
      title: 'Consume a stream with a group, and acknowledge',
      points: 3,
      hints: [
        'A consumer group remembers what it has delivered. From which ID should it start, so the entries already in the stream are read too? What error does creating it twice raise?',
        'XREADGROUP takes an ID per stream: `>` means "entries never delivered to this group"; `0` means "my own pending ones". Which do you want for new work?',
        'An entry stays in the pending list (PEL) until XACK. Acknowledge only after the handler succeeded; if it throws, leave it pending and go on.',
        "Almost there: `await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');` in a try whose catch rethrows unless the message starts with `BUSYGROUP`; `const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;` then `for (const [id, fields] of reply?.[0]?.[1] ?? []) { try { await handle(JSON.parse(fields[fields.indexOf('event') + 1]!)); } catch { continue; } await redis.xack(stream, group, id); }`, counting the entries acknowledged.",
      ],
    },
    {
      title: 'Reclaim what a crashed consumer left',
      points: 2,
      hints: [
        'A consumer that crashed never acknowledges; its entries sit in the PEL under its name. Which command hands them to another consumer?',
        'XAUTOCLAIM takes a min-idle-time: why not 0? Think of a consumer that is alive and halfway through an entry.',
        "XAUTOCLAIM replies `[nextStart, entries, deletedIds]` and looks at a page at a time: call it again from `nextStart` until it is `'0-0'`.",
        "Almost there: `const [next, entries] = await redis.xautoclaim(stream, group, consumer, minIdleMs, cursor, 'COUNT', 100)`; handle and `xack` each; loop while `cursor !== '0-0'`.",
      ],
    },
    {
      title: 'A job queue on a list',
      points: 2,
      hints: [
        'A worker should wait for a job without polling. Which list commands block until an element arrives?',
        'If the worker crashes after popping a job, where is the job? Which command moves it to a `processing` list in the same step?',
        'LPUSH adds at the left; take from the right for first-in, first-out. BLMOVE counts its timeout in seconds.',
        "Almost there: `await redis.lpush(queue, JSON.stringify(job))`; `const raw = await worker.blmove(queue, processing, 'RIGHT', 'LEFT', timeoutSeconds)`; and `redis.lrem(processing, 1, JSON.stringify(job))`.",
      ],
    },
  ],
});
