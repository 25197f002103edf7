/** Reads through a view: find, aggregate, count and distinct become an aggregation on the view's source. */
import type { Document } from 'bson';
import type { Ctx } from '../context.ts';
import { Codes, MongoError } from '../errors.ts';
import { isPlainObject, toNumber, type Doc } from '../values.ts';
import { distinctValues, runAggregate } from './aggregate.ts';
import { cursorReply, optDoc, optNumber } from './common.ts';

/** Runs `stages` on what the view `name` shows; returns the documents. */
async function throughView(ctx: Ctx, cmd: Document, name: string, stages: Doc[]): Promise<Doc[]> {
  const { source, pipeline } = ctx.server.views.resolve(ctx.db, name);
  const inner: Document = { aggregate: source, pipeline: [...pipeline, ...stages], cursor: {} };
  for (const k of ['maxTimeMS', 'let', 'allowDiskUse']) if (cmd[k] !== undefined) inner[k] = cmd[k];
  const collation = ctx.server.views.get(ctx.db, name)?.collation ?? optDoc(cmd, 'collation');
  if (collation !== undefined) inner.collation = collation;
  return (await runAggregate(ctx, inner)).docs;
}

function findStages(cmd: Document): Doc[] {
  const stages: Doc[] = [];
  const filter = optDoc(cmd, 'filter');
  if (filter !== undefined && Object.keys(filter).length > 0) stages.push({ $match: filter });
  const sort = optDoc(cmd, 'sort');
  if (sort !== undefined && Object.keys(sort).length > 0) stages.push({ $sort: sort });
  const skip = optNumber(cmd, 'skip') ?? 0;
  if (skip < 0) throw new MongoError(Codes.BadValue, `Skip value must be non-negative, but received: ${skip}`);
  if (skip > 0) stages.push({ $skip: skip });
  const limit = Math.abs(optNumber(cmd, 'limit') ?? 0);
  if (limit > 0) stages.push({ $limit: limit });
  const projection = optDoc(cmd, 'projection');
  if (projection !== undefined && Object.keys(projection).length > 0) stages.push({ $project: projection });
  return stages;
}

/** The reply to a read on a view, or undefined when `cmd` does not read a view. */
export function viewCommand(canonical: string, cmd: Document, ctx: Ctx): Promise<Document> | undefined {
  const views = ctx.server.views;
  const target = (field: string): string | undefined => {
    const v = cmd[field];
    return typeof v === 'string' && views.has(ctx.db, v) ? v : undefined;
  };
  switch (canonical) {
    case 'find': {
      const name = target('find');
      if (name === undefined) return undefined;
      return (async () => {
        const docs = await throughView(ctx, cmd, name, findStages(cmd));
        const limit = optNumber(cmd, 'limit') ?? 0;
        const single = cmd.singleBatch === true || limit < 0;
        const batchSize = optNumber(cmd, 'batchSize');
        return cursorReply(ctx, `${ctx.db}.${name}`, docs, batchSize ?? (single ? undefined : limit > 0 ? Math.min(limit, 101) : undefined), single);
      })();
    }
    case 'aggregate': {
      const name = target('aggregate');
      if (name === undefined || cmd.explain === true) return undefined;
      return (async () => {
        if (!isPlainObject(cmd.cursor)) throw new MongoError(Codes.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
        if (!Array.isArray(cmd.pipeline)) throw new MongoError(Codes.TypeMismatch, "'pipeline' option must be specified as an array");
        const docs = await throughView(ctx, cmd, name, cmd.pipeline as Doc[]);
        const batchSize = cmd.cursor.batchSize === undefined ? undefined : toNumber(cmd.cursor.batchSize);
        return cursorReply(ctx, `${ctx.db}.${name}`, docs, batchSize, false);
      })();
    }
    case 'count': {
      const name = target('count');
      if (name === undefined) return undefined;
      return (async () => {
        const stages: Doc[] = [];
        if (isPlainObject(cmd.query) && Object.keys(cmd.query).length > 0) stages.push({ $match: cmd.query });
        const skip = toNumber(cmd.skip, 0);
        if (skip > 0) stages.push({ $skip: skip });
        const limit = Math.abs(toNumber(cmd.limit, 0));
        if (limit > 0) stages.push({ $limit: limit });
        return { n: (await throughView(ctx, cmd, name, stages)).length, ok: 1 };
      })();
    }
    case 'distinct': {
      const name = target('distinct');
      if (name === undefined) return undefined;
      return (async () => {
        if (typeof cmd.key !== 'string') throw new MongoError(Codes.TypeMismatch, "BSON field 'distinct.key' is missing or not a string");
        const stages: Doc[] = isPlainObject(cmd.query) && Object.keys(cmd.query).length > 0 ? [{ $match: cmd.query }] : [];
        return { values: distinctValues(await throughView(ctx, cmd, name, stages), cmd.key), ok: 1 };
      })();
    }
    case 'drop': {
      const name = target('drop');
      if (name === undefined) return undefined;
      views.drop(ctx.db, name);
      return Promise.resolve({ ns: `${ctx.db}.${name}`, ok: 1 });
    }
    default:
      return undefined;
  }
}
