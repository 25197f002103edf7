/**
 * One client socket: reassembles frames from the byte stream, answers each request, and hangs up
 * on input it cannot stay in sync with. Nothing a client sends may throw out of here.
 */
import type { Socket } from 'node:net';
import type { Document } from 'bson';
import { execute } from './commands/index.ts';
import type { ConnectionInfo, ServerState } from './context.ts';
import { Codes, MongoError } from './errors.ts';
import {
  MAX_MESSAGE_SIZE,
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

export class Connection {
  private readonly socket: Socket;
  private readonly server: ServerState;
  readonly info: ConnectionInfo;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
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

  private handleFrame(frame: Buffer): void {
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
    let reply: Document;
    try {
      reply = execute(this.server, this.info, req.command, req.db);
    } catch (err) {
      reply = new MongoError(Codes.InternalError, err instanceof Error ? err.message : String(err)).toReply();
    }
    let out: Buffer;
    try {
      out = req.legacy ? encodeOpReply(reply, requestId(), header.requestId) : encodeOpMsg(reply, requestId(), header.requestId);
    } catch (err) {
      const fallback = new MongoError(Codes.InternalError, `could not encode reply: ${(err as Error).message}`).toReply();
      out = req.legacy ? encodeOpReply(fallback, requestId(), header.requestId) : encodeOpMsg(fallback, requestId(), header.requestId);
    }
    // Unacknowledged writes (w:0) set moreToCome: the client expects no answer.
    if (!req.legacy && (req.flags & MSG_MORE_TO_COME) !== 0) return;
    const wait = this.awaitMs(req.command);
    if (wait > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.send(out);
      }, wait);
      t.unref?.(); // absent in a browser (the docs site runs the emulator in a Web Worker)
      this.timers.add(t);
      return;
    }
    this.send(out);
  }

  /**
   * An awaitable hello (topologyVersion + maxAwaitTimeMS) asks us to reply when the topology
   * changes or the time is up. Ours never changes, so we answer at the deadline; answering at
   * once would make the driver's monitor spin.
   */
  private awaitMs(cmd: Document): number {
    const name = Object.keys(cmd)[0];
    if (name !== 'hello' && name !== 'isMaster' && name !== 'ismaster') return 0;
    if (cmd.topologyVersion === undefined || cmd.maxAwaitTimeMS === undefined) return 0;
    const ms = Number(cmd.maxAwaitTimeMS);
    return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_AWAIT_MS) : 0;
  }

  private send(buf: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(buf);
  }
}
