/** find, getMore, killCursors. */
import { Long } from 'bson';
import type { Handler } from '../context.ts';
import { Codes, MongoError } from '../errors.ts';
import { choosePlan, runPlanAsync } from '../planner.ts';
import { checkSortSpec, runFind, type QueryOptions } from '../query.ts';
import { sortDocuments, sortDocumentsAsync } from '../compare.ts';
import type { OpGuard } from '../guard.ts';
import { toNumber, type Doc } from '../values.ts';
import { collName, cursorReply, optDoc, optNumber, queryOptions, readable } from './common.ts';

function collated(collation: Doc | undefined): boolean {
  return collation !== undefined && typeof collation.locale === 'string' && collation.locale !== 'simple';
}

function slice(docs: Doc[], skip: number, limit: number): Doc[] {
  if (skip === 0 && limit === 0) return docs;
  return docs.slice(skip, limit > 0 ? skip + limit : undefined);
}

/** Above this many documents a blocking sort runs in slices that let other connections in. */
const SYNC_SORT_MAX = 16_384;

function sortBy(docs: Doc[], sort: Doc, guard: OpGuard): Doc[] | Promise<Doc[]> {
  return docs.length > SYNC_SORT_MAX ? sortDocumentsAsync(docs, sort, guard) : sortDocuments(docs, sort);
}

const find: Handler = async (cmd, ctx) => {
  const name = collName(cmd, 'find');
  const filter = optDoc(cmd, 'filter');
  const sort = optDoc(cmd, 'sort');
  checkSortSpec(sort);
  const projection = optDoc(cmd, 'projection');
  const skip = optNumber(cmd, 'skip') ?? 0;
  let limit = optNumber(cmd, 'limit') ?? 0;
  const batchSize = optNumber(cmd, 'batchSize');
  if (skip < 0) throw new MongoError(Codes.BadValue, `Skip value must be non-negative, but received: ${skip}`);
  if (batchSize !== undefined && batchSize < 0) throw new MongoError(Codes.BadValue, `Batch size must be non-negative, but received: ${batchSize}`);
  let single = cmd.singleBatch === true;
  if (limit < 0) {
    // Legacy negative limit: return that many in one batch and close the cursor.
    limit = -limit;
    single = true;
  }
  if (cmd.tailable === true) throw new MongoError(Codes.BadValue, 'error processing query: tailable cursor requested on non capped collection');
  const coll = readable(ctx, name);
  const opts = queryOptions(cmd);
  const plan = choosePlan(coll, { filter, sort, projection, hint: cmd.hint, opts });
  const blockingSort = sort !== undefined && Object.keys(sort).length > 0 && !plan.providesSort;
  // Without a blocking sort the scan can stop as soon as skip + limit documents matched.
  const need = limit > 0 && !blockingSort ? skip + limit : 0;
  // The scan yields to other connections every few milliseconds (guard.ts), as mongod's does.
  const found = (await runPlanAsync(coll, plan, filter, opts, need)).found;
  const candidates = found.map(([, d]) => d);
  const plain = !collated(opts.collation) && sort?.$natural === undefined;
  const projected = projection !== undefined && Object.keys(projection).length > 0;
  let docs: Doc[];
  if (plain) {
    // Without a collation the documents are sorted and sliced here, then projected (if asked) slice by slice.
    docs = slice(blockingSort ? await sortBy(candidates, sort as Doc, opts.guard) : candidates, skip, limit);
    if (projected) docs = await projectAsync(docs, projection, filter, opts);
  } else {
    docs = runFind(candidates, { sort: blockingSort ? sort : undefined, projection, skip, limit, matchedBy: filter }, opts);
  }
  const first = single && limit > 0 ? Math.min(limit, batchSize ?? limit) : limit > 0 && batchSize === undefined ? Math.min(limit, 101) : batchSize;
  return cursorReply(ctx, `${ctx.db}.${name}`, docs, first, single);
};

/** The projection applied a slice at a time, yielding in between (runFind() does it in one go). */
async function projectAsync(docs: Doc[], projection: Doc, matchedBy: Doc | undefined, opts: QueryOptions & { guard: OpGuard }): Promise<Doc[]> {
  const SLICE = 2048;
  if (docs.length <= SLICE) return runFind(docs, { projection, matchedBy }, opts);
  const out: Doc[] = [];
  for (let s = 0; s < docs.length; s += SLICE) {
    for (const d of runFind(docs.slice(s, s + SLICE), { projection, matchedBy }, opts)) out.push(d);
    await opts.guard.tick();
  }
  return out;
}

const getMore: Handler = (cmd, ctx) => {
  const raw = cmd.getMore;
  const id = raw instanceof Long ? raw : Long.fromNumber(toNumber(raw));
  const name = collName(cmd, 'collection');
  const batchSize = optNumber(cmd, 'batchSize');
  const ns = `${ctx.db}.${name}`;
  const next = ctx.server.cursors.next(id, ns, batchSize);
  return { cursor: { nextBatch: next.batch, id: next.id, ns }, ok: 1 };
};

const killCursors: Handler = (cmd, ctx) => {
  const ids = Array.isArray(cmd.cursors) ? cmd.cursors : [];
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const raw of ids) {
    const id = raw instanceof Long ? raw : Long.fromNumber(toNumber(raw));
    (ctx.server.cursors.kill(id) ? killed : notFound).push(id);
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

export const findCommands: Record<string, Handler> = { find, getMore, killCursors };
