/** Argument parsing and reply helpers shared by the command modules. */
import type { Document } from 'bson';
import type { Ctx } from '../context.ts';
import { Codes, MongoError } from '../errors.ts';
import { guardFor, type OpGuard } from '../guard.ts';
import type { QueryOptions } from '../query.ts';
import type { Collection } from '../store.ts';
import { isPlainObject, toNumber, type Doc } from '../values.ts';

export function collName(cmd: Document, name: string): string {
  const v = cmd[name];
  if (typeof v !== 'string' || v.length === 0) {
    throw new MongoError(Codes.InvalidNamespace, `collection name has invalid type ${v === undefined ? 'missing' : typeof v}`);
  }
  return v;
}

export function optDoc(cmd: Document, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw new MongoError(Codes.TypeMismatch, `BSON field '${field}' is the wrong type '${Array.isArray(v) ? 'array' : typeof v}', expected type 'object'`);
  return v;
}

export function optNumber(cmd: Document, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  const n = toNumber(v, Number.NaN);
  if (Number.isNaN(n)) throw new MongoError(Codes.TypeMismatch, `BSON field '${field}' is the wrong type '${typeof v}', expected types '[long, int, decimal, double']`);
  return n;
}

export function queryOptions(cmd: Document): QueryOptions & { guard: OpGuard } {
  return { collation: optDoc(cmd, 'collation'), variables: optDoc(cmd, 'let'), guard: guardFor(cmd) };
}

/** Reads go through this so TTL-expired documents are gone as soon as anyone looks. */
export function readable(ctx: Ctx, name: string): Collection | undefined {
  const live = ctx.server.store.get(ctx.db, name);
  if (live !== undefined && live.indexes.some((i) => i.expireAfterSeconds !== undefined)) {
    ctx.server.store.purgeExpired(Date.now(), live);
  }
  return ctx.catalog.get(ctx.db, name);
}

export function cursorReply(ctx: Ctx, ns: string, docs: Doc[], batchSize: number | undefined, single: boolean): Document {
  const { id, batch } = ctx.server.cursors.start(ns, docs, batchSize, single);
  return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
}

export function writeReply(body: Document, writeErrors: Document[]): Document {
  const reply: Document = { ...body };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}
