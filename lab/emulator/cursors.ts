/**
 * Server-side cursors. A query's results are materialised when it runs (documents are immutable,
 * so this costs one array), and getMore hands out further batches. Idle cursors die after
 * 10 minutes like mongod's cursorTimeoutMillis; the sweep timer is owned by the server.
 */
import { Long, type Document } from 'bson';
import { Codes, MongoError } from './errors.ts';
import { bsonOf, encodedBatch } from './encoded.ts';

const IDLE_MS = 10 * 60_000;
/** Leave room for the reply envelope under the 16 MiB BSON limit. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;
/**
 * Most documents a getMore without batchSize returns. mongod fills 16 MiB; the emulator stops at
 * 1,000 documents too, because the Node.js driver keeps a parsed view of every document of a
 * reply until the whole batch is consumed: one 10,000-document batch costs it ~62 ms of CPU to
 * decode, ten of 1,000 ~42 ms (bench/emulator.ts has the figures). Only the number of round trips
 * differs; what the cursor returns is the same.
 */
const GETMORE_DEFAULT_DOCS = 1000;

interface Cursor {
  ns: string;
  docs: Document[];
  pos: number;
  lastUse: number;
}

export class Cursors {
  private readonly open = new Map<string, Cursor>();

  /** Takes the first batch; returns the cursor id (0 when everything fit) and the batch. */
  start(ns: string, docs: Document[], batchSize: number | undefined, single: boolean): { id: Long; batch: Document[] } {
    const cursor: Cursor = { ns, docs, pos: 0, lastUse: Date.now() };
    // batchSize 0 asks for a cursor with an empty first batch (mongod does the same).
    const batch = batchSize === 0 ? [] : this.take(cursor, batchSize ?? 101);
    if (single || (cursor.pos >= docs.length && batchSize !== 0)) return { id: Long.ZERO, batch };
    const id = this.newId();
    this.open.set(id.toString(), cursor);
    return { id, batch };
  }

  next(id: Long, ns: string, batchSize: number | undefined): { id: Long; batch: Document[] } {
    const cursor = this.open.get(id.toString());
    if (cursor === undefined) throw new MongoError(Codes.CursorNotFound, `cursor id ${id.toString()} not found`);
    if (cursor.ns !== ns) {
      throw new MongoError(Codes.Unauthorized, `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    cursor.lastUse = Date.now();
    const batch = this.take(cursor, batchSize !== undefined && batchSize > 0 ? batchSize : GETMORE_DEFAULT_DOCS);
    if (cursor.pos >= cursor.docs.length) {
      this.open.delete(id.toString());
      return { id: Long.ZERO, batch };
    }
    return { id, batch };
  }

  kill(id: Long): boolean {
    return this.open.delete(id.toString());
  }

  sweep(now: number): void {
    for (const [id, c] of this.open) if (now - c.lastUse > IDLE_MS) this.open.delete(id);
  }

  clear(): void {
    this.open.clear();
  }

  get size(): number {
    return this.open.size;
  }

  private take(cursor: Cursor, batchSize: number): Document[] {
    const limit = batchSize <= 0 ? Number.MAX_SAFE_INTEGER : batchSize;
    const batch: Document[] = [];
    const encoded: Uint8Array[] = [];
    let bytes = 0;
    while (cursor.pos < cursor.docs.length && batch.length < limit) {
      const doc = cursor.docs[cursor.pos] as Document;
      // The BSON is cached per document and copied into the reply as it is (encoded.ts, wire.ts).
      const bson = bsonOf(doc);
      if (batch.length > 0 && bytes + bson.length > MAX_BATCH_BYTES) break;
      batch.push(doc);
      encoded.push(bson);
      bytes += bson.length;
      cursor.pos += 1;
    }
    return encodedBatch(batch, encoded);
  }

  private newId(): Long {
    // Positive 53-bit ids: unique enough and exact in every driver.
    for (;;) {
      const n = Math.floor(Math.random() * 2 ** 52) + 1;
      if (!this.open.has(String(n))) return Long.fromNumber(n);
    }
  }
}
