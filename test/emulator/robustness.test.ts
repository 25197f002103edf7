/**
 * Bad input never kills the emulator. Raw TCP sockets throw malformed, oversized, truncated and seeded
 * random frames at it; after every batch a normal driver client must still ping and round-trip a document.
 *
 * Emulator-only: a real mongod is not ours to fuzz, so this file is skipped when MONGODB_URI is set.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON, MongoClient, ObjectId } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import { startMongoEmulator } from '../../lab/emulator/index.ts';
import type { MongoEmulator } from '../../lab/emulator/index.ts';
import { eventually, isEmulator } from './helpers.ts';

// ── Wire format (MongoDB Wire Protocol: standard message header, OP_MSG, OP_QUERY, OP_REPLY) ─────────

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MAX_MESSAGE_SIZE = 48_000_000; // hello's maxMessageSizeBytes

let nextRequestId = 1;

function header(length: number, opCode: number, requestId = nextRequestId++, responseTo = 0): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

/** A complete message: header (with the right length) + body. */
function frame(opCode: number, body: Buffer): Buffer {
  return Buffer.concat([header(16 + body.length, opCode), body]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

/** OP_MSG with a kind-0 body section and, optionally, one kind-1 document sequence. */
function opMsg(command: Document, sequence?: { identifier: string; documents: Document[] }): Buffer {
  const parts = [uint32(0), Buffer.from([0]), Buffer.from(BSON.serialize(command))];
  if (sequence) {
    const payload = Buffer.concat([
      Buffer.from(`${sequence.identifier}\0`, 'utf8'),
      ...sequence.documents.map((d) => Buffer.from(BSON.serialize(d))),
    ]);
    parts.push(Buffer.from([1]), uint32(4 + payload.length), payload);
  }
  return frame(OP_MSG, Buffer.concat(parts));
}

/** Legacy OP_QUERY against `<db>.$cmd`, as drivers send their first handshake. */
function opQuery(db: string, command: Document): Buffer {
  const body = Buffer.concat([
    uint32(0), // flags
    Buffer.from(`${db}.$cmd\0`, 'utf8'),
    uint32(0), // numberToSkip
    uint32(0xffffffff), // numberToReturn: -1
    Buffer.from(BSON.serialize(command)),
  ]);
  return frame(OP_QUERY, body);
}

interface Reply {
  opCode: number;
  responseTo: number;
  doc: Document;
}

function parseReply(msg: Buffer): Reply {
  const opCode = msg.readInt32LE(12);
  const responseTo = msg.readInt32LE(8);
  if (opCode === OP_MSG) {
    if (msg[20] !== 0) throw new Error(`reply OP_MSG starts with section kind ${msg[20]}, expected 0`);
    return { opCode, responseTo, doc: BSON.deserialize(msg.subarray(21)) };
  }
  if (opCode === OP_REPLY) {
    return { opCode, responseTo, doc: BSON.deserialize(msg.subarray(36)) };
  }
  throw new Error(`reply has unexpected opCode ${opCode}`);
}

type Outcome =
  | { kind: 'reply'; replies: Reply[] }
  | { kind: 'closed' }
  | { kind: 'silent' }
  | { kind: 'malformed'; error: string };

let port = 0;

/**
 * Opens a socket, writes `chunks` (each in its own write), and reports what the server did within
 * `waitMs`: answered (all complete replies so far), closed the connection, or stayed silent.
 * `expectReplies` lets a well-formed pipelined exchange wait for all its answers.
 */
function exchange(chunks: Buffer[], { waitMs = 1_000, expectReplies = 1, destroyAfterWrite = false } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const replies: Reply[] = [];
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(replies.length ? { kind: 'reply', replies } : { kind: 'silent' }), waitMs);
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (chunks.length > 1) await new Promise((r) => setImmediate(r));
      }
      if (destroyAfterWrite) finish({ kind: 'silent' });
    });
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      while (received.length >= 4) {
        const length = received.readInt32LE(0);
        if (received.length < length) break;
        try {
          replies.push(parseReply(received.subarray(0, length)));
        } catch (e) {
          finish({ kind: 'malformed', error: String(e) });
          return;
        }
        received = received.subarray(length);
      }
      if (replies.length >= expectReplies) finish({ kind: 'reply', replies });
    });
    socket.on('error', () => undefined); // ECONNRESET and friends count as "closed"
    socket.on('close', () => finish(replies.length ? { kind: 'reply', replies } : { kind: 'closed' }));
  });
}

/** The server refused the frame: an error reply (ok: 0) or a closed connection — not silence, not ok: 1. */
function expectRefused(outcome: Outcome): void {
  if (outcome.kind === 'reply') {
    expect(outcome.replies[0]?.doc['ok']).toBe(0);
  } else {
    expect(outcome.kind).toBe('closed');
  }
}

// ── Seeded pseudo-random generator (mulberry32), so a failing frame can be replayed ─────────────────

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function randomFrames(seed: number, count: number): Buffer[] {
  const random = mulberry32(seed);
  const int = (max: number) => Math.floor(random() * max);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const ping = opMsg({ ping: 1, $db: 'admin' });
  const opCodes = [OP_MSG, OP_MSG, OP_QUERY, OP_REPLY, 2012, 2002, 9999, 0, -1];
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 5) {
      case 0: // pure noise
        frames.push(bytes(int(200)));
        break;
      case 1: {
        // honest length, chosen opcode, noise body
        const body = bytes(int(300));
        frames.push(Buffer.concat([header(16 + body.length, opCodes[int(opCodes.length)] as number), body]));
        break;
      }
      case 2: {
        // OP_MSG: flags, a random section kind, then noise
        const body = Buffer.concat([uint32(int(4) === 0 ? int(0xffffffff) : 0), Buffer.from([int(4)]), bytes(int(120))]);
        frames.push(frame(OP_MSG, body));
        break;
      }
      case 3: {
        // a valid ping with a few bytes flipped
        const mutated = Buffer.from(ping);
        for (let k = 0, n = 1 + int(4); k < n; k++) mutated[int(mutated.length)] = int(256);
        frames.push(mutated);
        break;
      }
      default: // a valid ping cut short
        frames.push(ping.subarray(0, int(ping.length)));
    }
  }
  return frames;
}

// ── Set-up ───────────────────────────────────────────────────────────────────────────────────────────

let emulator: MongoEmulator | undefined;
let client: MongoClient | undefined;
let probe: Collection<{ _id: ObjectId; n: number }>;
const dbName = `conf_robustness_${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  if (!isEmulator) return;
  emulator = await startMongoEmulator({ port: 0 });
  port = emulator.port;
  client = new MongoClient(emulator.uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  probe = client.db(dbName).collection('probe');
});

afterAll(async () => {
  await client?.close();
  await emulator?.stop();
});

let probeCount = 0;
/** A normal driver client still pings and round-trips a document. */
async function expectHealthy(): Promise<void> {
  if (!client) throw new Error('no client');
  expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
  const doc = { _id: new ObjectId(), n: ++probeCount };
  await probe.insertOne(doc);
  expect(await probe.findOne({ _id: doc._id })).toEqual(doc);
}

// MongoDB Wire Protocol ("Legacy Opcodes", "OP_MSG") — the frames a well-behaved client sends
describe.skipIf(!isEmulator)('Wire protocol: well-formed frames', () => {
  it('answers a raw OP_MSG ping with ok: 1, echoing the requestId in responseTo', async () => {
    const ping = opMsg({ ping: 1, $db: 'admin' });
    const requestId = ping.readInt32LE(4);
    const outcome = await exchange([ping]);
    expect(outcome.kind).toBe('reply');
    const [reply] = outcome.kind === 'reply' ? outcome.replies : [];
    expect({ opCode: reply?.opCode, responseTo: reply?.responseTo, ok: reply?.doc['ok'] }).toEqual({
      opCode: OP_MSG,
      responseTo: requestId,
      ok: 1,
    });
  });

  it('answers the legacy OP_QUERY isMaster handshake with an OP_REPLY', async () => {
    const outcome = await exchange([opQuery('admin', { isMaster: 1, helloOk: true })]);
    const [reply] = outcome.kind === 'reply' ? outcome.replies : [];
    expect(reply?.opCode).toBe(OP_REPLY);
    expect(reply?.doc).toMatchObject({ ismaster: true, ok: 1 });
    expect(reply?.doc['maxWireVersion']).toBeGreaterThanOrEqual(9);
  });

  it('accepts an insert whose documents come as a kind-1 document sequence', async () => {
    const ids = [new ObjectId(), new ObjectId()];
    const outcome = await exchange([
      opMsg({ insert: 'probe', $db: dbName }, { identifier: 'documents', documents: ids.map((_id, i) => ({ _id, seq: i })) }),
    ]);
    const [reply] = outcome.kind === 'reply' ? outcome.replies : [];
    expect(reply?.doc).toMatchObject({ n: 2, ok: 1 });
    const stored = await client!.db(dbName).collection('probe').find({ _id: { $in: ids } }).sort({ seq: 1 }).toArray();
    expect(stored).toEqual(ids.map((_id, i) => ({ _id, seq: i })));
  });

  it('reassembles a message that arrives one byte at a time', async () => {
    const ping = opMsg({ ping: 1, $db: 'admin' });
    const bytes = [...ping].map((b) => Buffer.from([b]));
    const outcome = await exchange(bytes, { waitMs: 3_000 });
    expect(outcome.kind === 'reply' ? outcome.replies[0]?.doc['ok'] : outcome.kind).toBe(1);
  });

  it('answers two messages sent in one write, in order', async () => {
    const a = opMsg({ ping: 1, $db: 'admin' });
    const b = opMsg({ buildInfo: 1, $db: 'admin' });
    const outcome = await exchange([Buffer.concat([a, b])], { expectReplies: 2 });
    const replies = outcome.kind === 'reply' ? outcome.replies : [];
    expect(replies.map((r) => r.responseTo)).toEqual([a.readInt32LE(4), b.readInt32LE(4)]);
  });
});

// Issue 2, "Bad input never kills it": truncated, undersized and oversized frames, unknown opcodes, bad BSON
describe.skipIf(!isEmulator)('Malformed frames', () => {
  it('survives truncated headers (1 to 15 bytes, then nothing)', async () => {
    const ping = opMsg({ ping: 1, $db: 'admin' });
    const outcomes = await Promise.all(
      Array.from({ length: 15 }, (_, i) => exchange([ping.subarray(0, i + 1)], { waitMs: 300 })),
    );
    // Waiting for the rest of a header is fine; a reply claiming success is not.
    for (const o of outcomes) expect(o.kind === 'reply' ? o.replies[0]?.doc['ok'] : 'no reply').not.toBe(1);
    await expectHealthy();
  });

  it('refuses a length field smaller than the 16-byte header (0, 1, 15, -1)', async () => {
    for (const length of [0, 1, 15, -1]) {
      const bad = Buffer.concat([header(length, OP_MSG), Buffer.alloc(16)]);
      expectRefused(await exchange([bad]));
    }
    await expectHealthy();
  });

  it(`refuses a declared length over ${MAX_MESSAGE_SIZE} bytes at once, without allocating it`, async () => {
    for (const length of [MAX_MESSAGE_SIZE + 1, 64 * 1024 * 1024, 0x7fffffff]) {
      const before = process.memoryUsage().arrayBuffers;
      const outcome = await exchange([header(length, OP_MSG), Buffer.alloc(64)], { waitMs: 2_000 });
      const grown = process.memoryUsage().arrayBuffers - before;
      expectRefused(outcome);
      expect(grown).toBeLessThan(32 * 1024 * 1024);
    }
    await expectHealthy();
  });

  it('refuses unknown and retired opcodes (0, 1 OP_REPLY from a client, 2002 OP_INSERT, 9999)', async () => {
    for (const opCode of [0, OP_REPLY, 2002, 9999]) {
      expectRefused(await exchange([frame(opCode, Buffer.from(BSON.serialize({ ping: 1, $db: 'admin' })))]));
    }
    await expectHealthy();
  });

  it('refuses OP_MSG bodies holding garbage instead of BSON', async () => {
    const bodies = [
      Buffer.concat([uint32(0), Buffer.from([0]), Buffer.from('this is not bson at all')]),
      Buffer.concat([uint32(0), Buffer.from([0]), uint32(1_000), Buffer.alloc(8)]), // BSON length past the end
      Buffer.concat([uint32(0), Buffer.from([0]), uint32(12), Buffer.from([0x55, 0x61, 0, 1, 2, 3, 0])]), // bad element type
      Buffer.concat([uint32(0), Buffer.from([0]), uint32(5), Buffer.from([1])]), // missing terminating NUL
      Buffer.concat([uint32(0), Buffer.from([0]), Buffer.from(BSON.serialize({}))]), // empty command
      uint32(0), // flags and no section at all
    ];
    for (const body of bodies) expectRefused(await exchange([frame(OP_MSG, body)]));
    await expectHealthy();
  });

  it('refuses OP_MSG with an unknown section kind', async () => {
    for (const kind of [2, 7, 255]) {
      const body = Buffer.concat([uint32(0), Buffer.from([kind]), Buffer.from(BSON.serialize({ ping: 1, $db: 'admin' }))]);
      expectRefused(await exchange([frame(OP_MSG, body)]));
    }
    await expectHealthy();
  });

  it('refuses a kind-1 section whose size runs past the end of the message', async () => {
    const body = Buffer.concat([
      uint32(0),
      Buffer.from([0]),
      Buffer.from(BSON.serialize({ insert: 'probe', $db: dbName })),
      Buffer.from([1]),
      uint32(10_000),
      Buffer.from('documents\0'),
    ]);
    expectRefused(await exchange([frame(OP_MSG, body)]));
    await expectHealthy();
  });

  it('carries on when clients disconnect in the middle of a message', async () => {
    const ping = opMsg({ ping: 1, $db: 'admin' });
    const partial = Buffer.concat([header(200, OP_MSG), Buffer.alloc(50)]);
    await Promise.all([
      exchange([partial], { destroyAfterWrite: true }),
      exchange([ping.subarray(0, 20)], { destroyAfterWrite: true }),
      exchange([header(MAX_MESSAGE_SIZE, OP_MSG), Buffer.alloc(1_000)], { destroyAfterWrite: true }),
    ]);
    await expectHealthy();
  });
});

// Seeded fuzzing: 300 frames (noise, honest headers with noise bodies, mutated and truncated pings)
describe.skipIf(!isEmulator)('Seeded random frames', () => {
  const seed = 0x5eed_2026;
  const frames = randomFrames(seed, 300);
  const batchSize = 25;

  for (let start = 0; start < frames.length; start += batchSize) {
    it(`survives frames ${start}–${start + batchSize - 1} of seed ${seed.toString(16)} and still serves a client`, async () => {
      const batch = frames.slice(start, start + batchSize);
      const outcomes = await Promise.all(batch.map((f) => exchange([f], { waitMs: 250 })));
      // Random bytes may happen to be a valid command; what matters is that nothing crashed and every
      // reply is a well-formed message.
      const malformed = outcomes.flatMap((o, i) => (o.kind === 'malformed' ? [{ frame: start + i, error: o.error }] : []));
      expect(malformed).toEqual([]);
      await expectHealthy();
    });
  }
});

// Issue 2: "Many concurrent connections", and other connections keep working
describe.skipIf(!isEmulator)('Many connections', () => {
  it('serves 50 concurrent driver clients, each inserting and reading back its own document', async () => {
    const uri = emulator!.uri;
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const c = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
        try {
          await c.connect();
          const coll = c.db(dbName).collection<{ _id: string; i: number }>('concurrent');
          await coll.insertOne({ _id: `client-${i}`, i });
          return await coll.findOne({ _id: `client-${i}` });
        } finally {
          await c.close();
        }
      }),
    );
    const expected = Array.from({ length: 50 }, (_, i) => ({ _id: `client-${i}`, i }));
    expect(results).toEqual(expected);
    expect(await client!.db(dbName).collection('concurrent').countDocuments()).toBe(50);
  });

  it('keeps serving clients while 20 other sockets hold half-sent messages', async () => {
    const stuck = Array.from({ length: 20 }, () => net.connect(port, '127.0.0.1'));
    try {
      await Promise.all(stuck.map((s) => new Promise((r) => s.once('connect', r))));
      for (const s of stuck) s.write(Buffer.concat([header(1_000, OP_MSG), Buffer.alloc(10)]));
      await expectHealthy();
    } finally {
      for (const s of stuck) s.destroy();
    }
  });
});

// Issue 2: "stop() frees the port and leaves no timer or socket behind"
describe.skipIf(!isEmulator)('stop()', () => {
  it('frees the port and leaves no socket or server handle behind, even with clients connected', async () => {
    const handles = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
    await new Promise((r) => setTimeout(r, 200)); // let sockets from earlier tests finish closing
    const before = handles();
    const own = await startMongoEmulator({ port: 0 });
    const c = new MongoClient(own.uri, { serverSelectionTimeoutMS: 2_000 });
    await c.connect();
    await c.db('admin').command({ ping: 1 });
    const raw = net.connect(own.port, '127.0.0.1');
    raw.on('error', () => undefined);
    await new Promise((r) => raw.once('connect', r));
    raw.write(header(100, OP_MSG)); // a half-sent message the server is waiting on
    const rawClosed = new Promise((r) => raw.once('close', r));

    await c.close();
    await own.stop();
    await rawClosed;

    const rebound = net.createServer();
    await new Promise<void>((resolve, reject) => {
      rebound.once('error', reject);
      rebound.listen(own.port, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => rebound.close(r));
    // This file's own driver client shares the process and may open or close a pooled socket meanwhile,
    // so the claim is "back to no more than before" within a moment, and that nothing answers on the port.
    expect(await eventually(async () => handles() <= before, 2_000, 50)).toBe(true);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(own.port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
