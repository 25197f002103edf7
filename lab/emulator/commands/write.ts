/** The write commands: insert, update, delete, findAndModify. */
import { ObjectId, type Document } from 'bson';
import type { Handler } from '../context.ts';
import { Codes, MongoError, fromMingo } from '../errors.ts';
import { copyMarks } from '../numbers.ts';
import { project } from '../query.ts';
import { WriteBlocked } from '../store.ts';
import { validate } from '../validation.ts';
import { idFirst, isPlainObject, keyOf, toNumber, type Doc } from '../values.ts';
import { performDelete, performUpdate } from '../update.ts';
import { collName, optDoc, queryOptions, writeReply } from './common.ts';

function prepareInsert(raw: unknown): Doc {
  if (!isPlainObject(raw)) throw new MongoError(Codes.TypeMismatch, 'document to insert must be an object');
  let doc = raw;
  if (raw._id === undefined) {
    doc = { _id: new ObjectId(), ...raw };
    copyMarks(raw, doc);
  } else doc = idFirst(raw);
  if (Array.isArray(doc._id)) throw new MongoError(Codes.BadValue, "The '_id' value cannot be of type array");
  if (doc._id instanceof RegExp) throw new MongoError(Codes.BadValue, "can't use a regex for _id");
  return doc;
}

const insert: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'insert');
  const docs = cmd.documents;
  if (!Array.isArray(docs)) throw new MongoError(Codes.TypeMismatch, "BSON field 'insert.documents' is missing or not an array");
  const ordered = cmd.ordered !== false;
  const bypass = cmd.bypassDocumentValidation === true;
  const coll = ctx.catalog.getOrCreate(ctx.db, name);
  // Wait for transactions' locks on any of these _ids or unique keys before inserting the first document.
  ctx.catalog.checkWritable?.(
    coll,
    docs.flatMap((d) => (isPlainObject(d) && d._id !== undefined ? [keyOf(d._id)] : [])),
    docs.filter(isPlainObject),
  );
  const writeErrors: Document[] = [];
  let n = 0;
  for (let i = 0; i < docs.length; i++) {
    try {
      const doc = prepareInsert(docs[i]);
      validate(coll, doc, undefined, bypass);
      ctx.catalog.insert(coll, doc);
      n += 1;
    } catch (err) {
      if (err instanceof WriteBlocked) throw err;
      if (!(err instanceof MongoError)) throw err;
      if (err.code === Codes.WriteConflict) throw err;
      writeErrors.push(err.toWriteError(i));
      if (ordered) break;
    }
  }
  return writeReply({ n }, writeErrors);
};

const update: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'update');
  const updates = cmd.updates;
  if (!Array.isArray(updates)) throw new MongoError(Codes.TypeMismatch, "BSON field 'update.updates' is missing or not an array");
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  const upserted: Document[] = [];
  let n = 0;
  let nModified = 0;
  for (let i = 0; i < updates.length; i++) {
    const st = updates[i] as Doc;
    try {
      if (!isPlainObject(st)) throw new MongoError(Codes.TypeMismatch, 'update statement must be an object');
      const res = performUpdate(ctx, name, {
        filter: optDoc(st, 'q'),
        update: st.u,
        multi: st.multi === true,
        upsert: st.upsert === true,
        arrayFilters: Array.isArray(st.arrayFilters) ? (st.arrayFilters as Doc[]) : undefined,
        sort: optDoc(st, 'sort'),
        bypass: cmd.bypassDocumentValidation === true,
        opts: { collation: optDoc(st, 'collation'), variables: optDoc(cmd, 'let') },
      });
      n += res.matched;
      nModified += res.modified;
      if (res.upsertedId !== undefined) {
        n += 1;
        upserted.push({ index: i, _id: res.upsertedId });
      }
    } catch (err) {
      if (err instanceof WriteBlocked) throw err;
      if (!(err instanceof MongoError)) throw fromMingo(err, 'update');
      if (err.code === Codes.WriteConflict) throw err;
      writeErrors.push(err.toWriteError(i));
      if (ordered) break;
    }
  }
  const body: Document = { n, nModified };
  if (upserted.length > 0) body.upserted = upserted;
  return writeReply(body, writeErrors);
};

const del: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'delete');
  const deletes = cmd.deletes;
  if (!Array.isArray(deletes)) throw new MongoError(Codes.TypeMismatch, "BSON field 'delete.deletes' is missing or not an array");
  const ordered = cmd.ordered !== false;
  const writeErrors: Document[] = [];
  let n = 0;
  for (let i = 0; i < deletes.length; i++) {
    const st = deletes[i] as Doc;
    try {
      if (!isPlainObject(st)) throw new MongoError(Codes.TypeMismatch, 'delete statement must be an object');
      const limit = toNumber(st.limit, 0);
      if (limit !== 0 && limit !== 1) throw new MongoError(Codes.FailedToParse, `The limit field in delete objects must be 0 or 1. Got ${limit}`);
      n += performDelete(ctx, name, optDoc(st, 'q'), limit, { collation: optDoc(st, 'collation'), variables: optDoc(cmd, 'let') }).length;
    } catch (err) {
      if (err instanceof WriteBlocked) throw err;
      if (!(err instanceof MongoError)) throw fromMingo(err, 'query');
      if (err.code === Codes.WriteConflict) throw err;
      writeErrors.push(err.toWriteError(i));
      if (ordered) break;
    }
  }
  return writeReply({ n }, writeErrors);
};

const findAndModify: Handler = (cmd, ctx) => {
  const name = typeof cmd.findAndModify === 'string' ? collName(cmd, 'findAndModify') : collName(cmd, 'findandmodify');
  const filter = optDoc(cmd, 'query');
  const sort = optDoc(cmd, 'sort');
  const fields = optDoc(cmd, 'fields');
  const opts = queryOptions(cmd);
  const remove = cmd.remove === true;
  if (remove && cmd.update !== undefined) throw new MongoError(Codes.FailedToParse, 'Cannot specify both an update and remove=true');
  if (!remove && cmd.update === undefined) throw new MongoError(Codes.FailedToParse, 'Either an update or remove=true must be specified');
  if (remove && cmd.upsert === true) throw new MongoError(Codes.FailedToParse, 'Cannot specify both upsert=true and remove=true');
  if (remove && cmd.new === true) throw new MongoError(Codes.FailedToParse, 'Cannot specify both new=true and remove=true; \'remove\' always returns the deleted document');
  const shape = (d: Doc | undefined): Doc | null => (d === undefined ? null : (project([d], fields)[0] ?? null));
  if (remove) {
    const removed = performDelete(ctx, name, filter, 1, opts, sort);
    return { lastErrorObject: { n: removed.length }, value: shape(removed[0]), ok: 1 };
  }
  const res = performUpdate(ctx, name, {
    filter,
    update: cmd.update,
    multi: false,
    upsert: cmd.upsert === true,
    arrayFilters: Array.isArray(cmd.arrayFilters) ? (cmd.arrayFilters as Doc[]) : undefined,
    sort,
    bypass: cmd.bypassDocumentValidation === true,
    opts,
  });
  const lastErrorObject: Document = { n: res.matched + (res.upsertedId !== undefined ? 1 : 0), updatedExisting: res.matched > 0 };
  if (res.upsertedId !== undefined) lastErrorObject.upserted = res.upsertedId;
  const value = cmd.new === true ? res.after : res.upsertedId !== undefined ? undefined : res.before;
  return { lastErrorObject, value: shape(value), ok: 1 };
};

export const writeCommands: Record<string, Handler> = {
  insert,
  update,
  delete: del,
  findAndModify,
  findandmodify: findAndModify,
};
