/**
 * One client socket: reassembles frames from the byte stream, answers each request, and hangs up
 * on input it cannot stay in sync with. Nothing a client sends may throw out of here.
 */
import type { Socket } from 'node:net';
import { ObjectId, type Document } from 'bson';
import { execute } from './commands/index.ts';
import { WriteBlocked } from './store.ts';
import type { ConnectionInfo, ServerState } from './context.ts';
import { Codes, MongoError } from './errors.ts';
import {
  MAX_MESSAGE_SIZE,
  MSG_EXHAUST_ALLOWED,
  MSG_MORE_TO_COME,
  OP_MSG,
  OP_QUERY,
  ProtocolError,
  encodeOpMsg,
  encodeOpReply,
  parseMessage,
  readHeader,
  type Request,
} from './wire.ts';

let nextRequestId = 1;
function requestId(): number {
  nextRequestId = (nextRequestId + 1) & 0x7fffffff;
  return nextRequestId;
}

/** Longest we hold an awaitable hello (the driver's streaming monitor) before answering. */
const MAX_AWAIT_MS = 10_000;
/** Floor between streamed hello replies, so maxAwaitTimeMS: 0 cannot turn into a busy loop. */
const MIN_STREAM_MS = 100;

export class Connection {
  private readonly socket: Socket;
  private readonly server: ServerState;
  readonly info: ConnectionInfo;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(socket: Socket, server: ServerState) {
    this.socket = socket;
    this.server = server;
    this.info = { id: server.nextConnectionId++, remote: `${socket.remoteAddress ?? '127.0.0.1'}:${socket.remotePort ?? 0}` };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.chunks = [];
    this.buffered = 0;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const head = this.peek(4);
      const length = head.readInt32LE(0);
      // A length we cannot trust means we can never find the next frame: hang up.
      if (length < 16 || length > MAX_MESSAGE_SIZE) {
        this.close();
        return;
      }
      if (this.buffered < length) return;
      const frame = this.take(length);
      this.handleFrame(frame);
    }
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0] as Buffer).length >= n) return this.chunks[0] as Buffer;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }

  /** Frames run one after another per connection, so replies keep their order while a long command yields. */
  private handleFrame(frame: Buffer): void {
    this.queue = this.queue.then(() => this.process(frame)).catch(() => this.close());
  }

  private async process(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const header = readHeader(frame);
    let req: Request;
    try {
      req = parseMessage(frame);
    } catch (err) {
      if (err instanceof ProtocolError && err.recoverable && (header.opCode === OP_MSG || header.opCode === OP_QUERY)) {
        const reply = new MongoError(err.code, err.message).toReply();
        this.send(header.opCode === OP_QUERY ? encodeOpReply(reply, requestId(), header.requestId) : encodeOpMsg(reply, requestId(), header.requestId));
        return;
      }
      this.close();
      return;
    }
    const wait = this.awaitMs(req.command);
    if (wait >= 0 && !req.legacy) {
      // The streaming monitor: answer at the deadline, and with exhaustAllowed keep answering every
      // maxAwaitTimeMS with moreToCome set, each reply answering the previous one (as mongod does).
      const exhaust = (req.flags & MSG_EXHAUST_ALLOWED) !== 0;
      this.later(wait, () => this.stream(req, header.requestId, wait, exhaust));
      return;
    }
    const reply = await this.run(req);
    // Unacknowledged writes (w:0) set moreToCome: the client expects no answer.
    if (!req.legacy && (req.flags & MSG_MORE_TO_COME) !== 0) return;
    this.send(this.encode(req, reply, requestId(), header.requestId));
  }

  private async run(req: Request): Promise<Document> {
    for (;;) {
      try {
        return await execute(this.server, this.info, req.command, req.db);
      } catch (err) {
        if (!(err instanceof WriteBlocked)) {
          return new MongoError(Codes.InternalError, err instanceof Error ? err.message : String(err)).toReply();
        }
        if (await this.expiresWhileBlocked(req, err)) return new MongoError(Codes.MaxTimeMSExpired, 'operation exceeded time limit').toReply();
        if (this.closed) return new MongoError(Codes.InternalError, 'connection closed').toReply();
      }
    }
  }

  /**
   * mongod makes a write outside a transaction wait for the lock of an open transaction that wrote
   * the same document, until that transaction commits or aborts or the command's maxTimeMS passes
   * (error 50); the command then runs again from the start. Frames run one at a time per connection,
   * so this connection's later requests wait too, as on mongod. True when maxTimeMS ran out first.
   */
  private expiresWhileBlocked(req: Request, blocked: WriteBlocked): Promise<boolean> {
    const maxTimeMS = Number(req.command.maxTimeMS ?? 0);
    return new Promise<boolean>((resolve) => {
      let t: ReturnType<typeof setTimeout> | undefined;
      if (Number.isFinite(maxTimeMS) && maxTimeMS > 0) {
        t = setTimeout(() => {
          if (t !== undefined) this.timers.delete(t);
          resolve(true);
        }, maxTimeMS);
        this.timers.add(t);
      }
      void blocked.until.then(() => {
        if (t !== undefined) {
          clearTimeout(t);
          this.timers.delete(t);
        }
        resolve(false);
      });
    });
  }

  private encode(req: Request, reply: Document, id: number, responseTo: number, flags = 0): Buffer {
    try {
      return req.legacy ? encodeOpReply(reply, id, responseTo) : encodeOpMsg(reply, id, responseTo, flags);
    } catch (err) {
      const fallback = new MongoError(Codes.InternalError, `could not encode reply: ${(err as Error).message}`).toReply();
      return req.legacy ? encodeOpReply(fallback, id, responseTo) : encodeOpMsg(fallback, id, responseTo, flags);
    }
  }

  /** One awaited hello reply; with exhaust, schedules the next one after `every` ms. */
  private stream(req: Request, responseTo: number, every: number, exhaust: boolean): void {
    void this.run(req).then((reply) => {
      if (this.closed) return;
      const id = requestId();
      this.send(this.encode(req, reply, id, responseTo, exhaust ? MSG_MORE_TO_COME : 0));
      if (exhaust) this.later(Math.max(every, MIN_STREAM_MS), () => this.stream(req, id, every, exhaust));
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    // Pending hello replies must not keep a process alive (unref does not exist in browsers).
    (t as { unref?: () => void }).unref?.();
    this.timers.add(t);
  }

  /**
   * An awaitable hello (topologyVersion + maxAwaitTimeMS) asks us to reply when the topology
   * changes or the time is up; -1 for any other command. Ours never changes, so we answer at the
   * deadline (answering at once would make the driver's monitor spin), or at once when the client's
   * topologyVersion is from another process.
   */
  private awaitMs(cmd: Document): number {
    const name = Object.keys(cmd)[0];
    if (name !== 'hello' && name !== 'isMaster' && name !== 'ismaster') return -1;
    if (cmd.topologyVersion === undefined || cmd.maxAwaitTimeMS === undefined) return -1;
    const ms = Number(cmd.maxAwaitTimeMS);
    if (!Number.isFinite(ms) || ms < 0) return -1;
    const seen = (cmd.topologyVersion as Document | null)?.processId;
    if (!(seen instanceof ObjectId) || !seen.equals(this.server.processId)) return 0;
    return Math.min(ms, MAX_AWAIT_MS);
  }

  private send(buf: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(buf);
  }
}
