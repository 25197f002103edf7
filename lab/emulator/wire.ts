/**
 * MongoDB wire protocol: message header, OP_MSG (kind 0 body + kind 1 document sequences),
 * legacy OP_QUERY (only used by drivers for the first handshake) and the OP_REPLY answering it.
 * Pure functions over Buffers, so framing bugs can be tested without sockets.
 */
import { deserialize, serialize, type Document } from 'bson';
import { batchBytes } from './encoded.ts';
import { fromWire, toWire } from './numbers.ts';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MAX_MESSAGE_SIZE = 48_000_000;
export const MAX_BSON_SIZE = 16 * 1024 * 1024;
const HEADER_SIZE = 16;

export const MSG_CHECKSUM_PRESENT = 1 << 0;
export const MSG_MORE_TO_COME = 1 << 1;
export const MSG_EXHAUST_ALLOWED = 1 << 16;

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** A decoded request: the command document plus what is needed to answer it. */
export interface Request {
  header: MessageHeader;
  /** Command document; kind-1 sequences already folded in as arrays. */
  command: Document;
  /** OP_QUERY only: the database from `db.$cmd`. OP_MSG carries `$db` in the command. */
  db: string;
  flags: number;
  legacy: boolean;
}

/** Thrown for frames we cannot understand; the connection decides whether to reply or hang up. */
export class ProtocolError extends Error {
  /** Whether the stream is still in sync (the frame length was sane), so an error reply is possible. */
  readonly recoverable: boolean;
  /** mongod's code for the reply: 22 InvalidBSON for undecodable documents, else 17 ProtocolError. */
  readonly code: number;
  constructor(message: string, recoverable: boolean, code = 17) {
    super(message);
    this.recoverable = recoverable;
    this.code = code;
  }
}

// Numbers are decoded as Int32/Double/Long and then turned into JS numbers by fromWire, which
// remembers whole-number doubles and int64s so replies give them back with the type they came with.
const DESERIALIZE_OPTIONS = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;

export function readHeader(buf: Buffer): MessageHeader {
  return {
    length: buf.readInt32LE(0),
    requestId: buf.readInt32LE(4),
    responseTo: buf.readInt32LE(8),
    opCode: buf.readInt32LE(12),
  };
}

function readBson(buf: Buffer, offset: number, end: number): { doc: Document; size: number } {
  if (offset + 5 > end) throw new ProtocolError('BSON document runs past the end of the message', true, 22);
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError('invalid BSON document length', true, 22);
  let doc: Document;
  try {
    doc = deserialize(buf.subarray(offset, offset + size), DESERIALIZE_OPTIONS);
    fromWire(doc);
  } catch (err) {
    throw new ProtocolError(`invalid BSON: ${(err as Error).message}`, true, 22);
  }
  return { doc, size };
}

function readCString(buf: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated C string', true);
  return { value: buf.toString('utf8', offset, zero), next: zero + 1 };
}

/** Parses one complete frame (header included). */
export function parseMessage(frame: Buffer): Request {
  const header = readHeader(frame);
  const end = frame.length;
  if (header.opCode === OP_MSG) {
    const flags = frame.readUInt32LE(HEADER_SIZE);
    // Unknown required flag bits (0-15) must make the server reject the message.
    if ((flags & 0xfffc) !== 0) throw new ProtocolError(`unsupported OP_MSG flag bits ${flags}`, true);
    const bodyEnd = flags & MSG_CHECKSUM_PRESENT ? end - 4 : end;
    let offset = HEADER_SIZE + 4;
    let command: Document | undefined;
    const sequences: Array<[string, Document[]]> = [];
    while (offset < bodyEnd) {
      const kind = frame.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        if (command !== undefined) throw new ProtocolError('OP_MSG has more than one body section', true);
        const { doc, size } = readBson(frame, offset, bodyEnd);
        command = doc;
        offset += size;
      } else if (kind === 1) {
        if (offset + 4 > bodyEnd) throw new ProtocolError('truncated document sequence', true);
        const size = frame.readInt32LE(offset);
        const seqEnd = offset + size;
        if (size < 5 || seqEnd > bodyEnd) throw new ProtocolError('invalid document sequence length', true);
        const { value: id, next } = readCString(frame, offset + 4, seqEnd);
        const docs: Document[] = [];
        let p = next;
        while (p < seqEnd) {
          const { doc, size: s } = readBson(frame, p, seqEnd);
          docs.push(doc);
          p += s;
        }
        sequences.push([id, docs]);
        offset = seqEnd;
      } else {
        throw new ProtocolError(`unknown OP_MSG section kind ${kind}`, true);
      }
    }
    if (command === undefined) throw new ProtocolError('OP_MSG has no body section', true);
    for (const [id, docs] of sequences) {
      if (id in command) throw new ProtocolError(`duplicate field '${id}' in OP_MSG`, true);
      command[id] = docs;
    }
    const db = typeof command.$db === 'string' ? command.$db : '';
    return { header, command, db, flags, legacy: false };
  }
  if (header.opCode === OP_QUERY) {
    if (end < HEADER_SIZE + 4 + 1 + 8 + 5) throw new ProtocolError('truncated OP_QUERY', true);
    const flags = frame.readInt32LE(HEADER_SIZE);
    const { value: ns, next } = readCString(frame, HEADER_SIZE + 4, end);
    const { doc } = readBson(frame, next + 8, end);
    // Legacy commands may wrap themselves as { $query: {...}, $readPreference }.
    const command = doc.$query !== undefined && typeof doc.$query === 'object' ? (doc.$query as Document) : doc;
    const dot = ns.indexOf('.');
    const db = dot < 0 ? ns : ns.slice(0, dot);
    if (!ns.endsWith('.$cmd')) throw new ProtocolError(`Unsupported OP_QUERY on '${ns}': only commands on <db>.$cmd are supported. The client driver may require an upgrade.`, true, 352);
    return { header, command, db, flags, legacy: true };
  }
  throw new ProtocolError(`unsupported opCode ${header.opCode}`, false);
}

function writeHeader(buf: Buffer, length: number, requestId: number, responseTo: number, opCode: number): void {
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
}

/** Total decimal digits of the numbers 0 .. n-1 (the array keys of an n-element BSON array). */
function digitsUpTo(n: number): number {
  let total = 0;
  for (let width = 1, from = 0, to = 10; from < n; width++, from = to, to *= 10) total += width * (Math.min(n, to) - from);
  return total;
}

function isDocument(v: unknown): v is Document {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The batch's documents as BSON: the cursor's cached bytes, else each document serialized. */
function batchBson(batch: unknown[]): Uint8Array[] | undefined {
  const cached = batchBytes(batch);
  if (cached !== undefined && cached.length === batch.length) return cached;
  if (!batch.every(isDocument)) return undefined;
  return batch.map((d) => serialize(toWire(d) as Document));
}

/**
 * An OP_MSG whose body is a cursor reply ({ cursor: { firstBatch | nextBatch: [...], ...rest }, ...rest }),
 * written in one buffer from each document's BSON instead of serializing the batch again.
 * Undefined when the reply is not of that shape (then the caller serializes it whole).
 */
function encodeCursorMessage(doc: Document, requestId: number, responseTo: number, flags: number): Buffer | undefined {
  const cursor = doc.cursor as unknown;
  if (!isDocument(cursor)) return undefined;
  const batchKey = Array.isArray(cursor.firstBatch) ? 'firstBatch' : Array.isArray(cursor.nextBatch) ? 'nextBatch' : undefined;
  if (batchKey === undefined || Object.keys(cursor)[0] !== batchKey || Object.keys(doc)[0] !== 'cursor') return undefined;
  const docs = batchBson(cursor[batchKey] as unknown[]);
  if (docs === undefined) return undefined;
  const { [batchKey]: _batch, ...cursorRest } = cursor;
  const { cursor: _cursor, ...rest } = doc;
  const cursorTail = serialize(cursorRest);
  const topTail = serialize(rest);
  let arrayLength = 4 + 1;
  for (let i = 0; i < docs.length; i++) arrayLength += (docs[i] as Uint8Array).length;
  arrayLength += 2 * docs.length + digitsUpTo(docs.length);
  const cursorLength = 4 + 1 + batchKey.length + 1 + arrayLength + (cursorTail.length - 4);
  const topLength = 4 + 1 + 'cursor'.length + 1 + cursorLength + (topTail.length - 4);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 5 + topLength);
  writeHeader(out, out.length, requestId, responseTo, OP_MSG);
  out.writeUInt32LE(flags, HEADER_SIZE);
  out[HEADER_SIZE + 4] = 0; // section kind 0: the body
  let p = HEADER_SIZE + 5;
  out.writeInt32LE(topLength, p);
  p += 4;
  out[p++] = 0x03;
  p += out.write('cursor', p, 'latin1');
  out[p++] = 0;
  out.writeInt32LE(cursorLength, p);
  p += 4;
  out[p++] = 0x04;
  p += out.write(batchKey, p, 'latin1');
  out[p++] = 0;
  out.writeInt32LE(arrayLength, p);
  p += 4;
  for (let i = 0; i < docs.length; i++) {
    const b = docs[i] as Uint8Array;
    out[p++] = 0x03;
    // The key: the index's decimal digits and a 0 byte.
    if (i < 10) out[p++] = 48 + i;
    else p += out.write(String(i), p, 'latin1');
    out[p++] = 0;
    out.set(b, p);
    p += b.length;
  }
  out[p++] = 0;
  out.set(cursorTail.subarray(4), p);
  p += cursorTail.length - 4;
  out.set(topTail.subarray(4), p);
  return out;
}

export function encodeOpMsg(doc: Document, requestId: number, responseTo: number, flags = 0): Buffer {
  const assembled = encodeCursorMessage(doc, requestId, responseTo, flags);
  if (assembled !== undefined) return assembled;
  const body = serialize(doc);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 4 + 1 + body.length);
  writeHeader(out, out.length, requestId, responseTo, OP_MSG);
  out.writeUInt32LE(flags, HEADER_SIZE);
  out.writeUInt8(0, HEADER_SIZE + 4);
  out.set(body, HEADER_SIZE + 5);
  return out;
}

export function encodeOpReply(doc: Document, requestId: number, responseTo: number): Buffer {
  const body = serialize(doc);
  const out = Buffer.allocUnsafe(HEADER_SIZE + 20 + body.length);
  writeHeader(out, out.length, requestId, responseTo, OP_REPLY);
  out.writeInt32LE(8, HEADER_SIZE); // responseFlags: AwaitCapable
  out.writeBigInt64LE(0n, HEADER_SIZE + 4); // cursorID
  out.writeInt32LE(0, HEADER_SIZE + 12); // startingFrom
  out.writeInt32LE(1, HEADER_SIZE + 16); // numberReturned
  out.set(body, HEADER_SIZE + 20);
  return out;
}
