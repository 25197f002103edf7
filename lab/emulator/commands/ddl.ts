/** Databases, collections and indexes: create, drop, list*, createIndexes, dropIndexes, collMod, renameCollection, stats. */
import { viewDefinition } from '../views.ts';
import { calculateObjectSize, type Document } from 'bson';
import type { Ctx, Handler } from '../context.ts';
import { Codes, MongoError, notEmulated } from '../errors.ts';
import { normaliseIndexSpec, sameIndexOptions, type IndexSpec } from '../indexes.ts';
import { compileQuery } from '../query.ts';
import { checkSchemaKeywords } from '../schema.ts';
import type { Collection } from '../store.ts';
import { isPlainObject, keyOf, render, type Doc } from '../values.ts';
import { collName, cursorReply } from './common.ts';

const SYSTEM_DBS = ['admin', 'config', 'local'];
/** create() fields that become collection options (everything else is command plumbing). */
const CREATE_OPTIONS = ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'collation', 'expireAfterSeconds', 'changeStreamPreAndPostImages', 'storageEngine', 'indexOptionDefaults', 'comment'];

function checkName(name: string): void {
  if (name.includes('$') || name.startsWith('system.') || name.includes('\0')) {
    throw new MongoError(Codes.InvalidNamespace, `Invalid collection name: ${name}`);
  }
}

function sizeOf(coll: Collection): number {
  let n = 0;
  for (const d of coll.docs.values()) n += calculateObjectSize(d);
  return n;
}

const create: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'create');
  checkName(name);
  if (cmd.timeseries !== undefined) throw notEmulated('Time series collections');
  if (cmd.validationLevel !== undefined && !['off', 'strict', 'moderate'].includes(String(cmd.validationLevel))) {
    throw new MongoError(Codes.BadValue, `Enumeration value '${String(cmd.validationLevel)}' for field 'validationLevel' is not a valid value.`);
  }
  if (cmd.validationAction !== undefined && !['error', 'warn'].includes(String(cmd.validationAction))) {
    throw new MongoError(Codes.BadValue, `Enumeration value '${String(cmd.validationAction)}' for field 'validationAction' is not a valid value.`);
  }
  const options: Doc = {};
  for (const k of CREATE_OPTIONS) if (cmd[k] !== undefined) options[k] = cmd[k];
  if (options.validator !== undefined) {
    if (!isPlainObject(options.validator)) throw new MongoError(Codes.TypeMismatch, "BSON field 'create.validator' is the wrong type, expected type 'object'");
    compileQuery(options.validator);
    if (options.validator.$jsonSchema !== undefined) checkSchemaKeywords(options.validator.$jsonSchema);
  }
  const store = ctx.server.store;
  const existing = store.get(ctx.db, name);
  if (existing !== undefined || ctx.server.views.has(ctx.db, name)) {
    throw new MongoError(Codes.NamespaceExists, `Collection ${ctx.db}.${name} already exists.`);
  }
  if (cmd.viewOn !== undefined) {
    // A view: only its definition is kept; reads run its pipeline on the source (views.ts).
    ctx.server.views.create(ctx.db, name, viewDefinition(cmd));
    return { ok: 1 };
  }
  store.create(ctx.db, name, options);
  return { ok: 1 };
};

const drop: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'drop');
  const coll = ctx.server.store.get(ctx.db, name);
  // Since MongoDB 7.0 dropping a collection that does not exist succeeds.
  if (coll === undefined) return { ok: 1 };
  const nIndexesWas = coll.indexes.length;
  ctx.server.store.drop(ctx.db, name);
  return { nIndexesWas, ns: coll.ns, ok: 1 };
};

const dropDatabase: Handler = (_cmd, ctx) => {
  ctx.server.store.dropDatabase(ctx.db);
  ctx.server.views.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
};

const listDatabases: Handler = (cmd, ctx) => {
  const store = ctx.server.store;
  const names = new Set<string>([...SYSTEM_DBS, ...store.dbs.keys()]);
  let entries: Doc[] = [...names].sort().map((name) => {
    const colls = store.collections(name);
    const size = colls.reduce((n, c) => n + sizeOf(c), 0);
    return { name, sizeOnDisk: Math.max(size, colls.length > 0 || SYSTEM_DBS.includes(name) ? 8192 : 0), empty: colls.length === 0 && !SYSTEM_DBS.includes(name) };
  });
  if (isPlainObject(cmd.filter)) {
    const q = compileQuery(cmd.filter);
    entries = entries.filter((e) => q.test(e));
  }
  if (cmd.nameOnly === true) return { databases: entries.map((e) => ({ name: e.name })), ok: 1 };
  const totalSize = entries.reduce((n, e) => n + (e.sizeOnDisk as number), 0);
  return { databases: entries, totalSize, totalSizeMb: Math.floor(totalSize / 1024 / 1024), ok: 1 };
};

const listCollections: Handler = (cmd, ctx) => {
  let entries: Doc[] = ctx.server.store.collections(ctx.db).map((c) => ({
    name: c.name,
    type: 'collection',
    options: { ...c.options },
    info: { readOnly: false, uuid: c.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  }));
  if (ctx.txn !== undefined) {
    // Collections created inside the transaction are visible to it.
    for (const c of ctx.txn.writes.keys()) {
      const name = c.slice(ctx.db.length + 1);
      if (c.startsWith(`${ctx.db}.`) && !entries.some((e) => e.name === name)) {
        entries.push({ name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } });
      }
    }
  }
  for (const [name, def] of ctx.server.views.list(ctx.db)) {
    const options: Doc = { viewOn: def.viewOn, pipeline: def.pipeline };
    if (def.collation !== undefined) options.collation = def.collation;
    entries.push({ name, type: 'view', options, info: { readOnly: true } });
  }
  if (isPlainObject(cmd.filter)) {
    const q = compileQuery(cmd.filter);
    entries = entries.filter((e) => q.test(e));
  }
  if (cmd.nameOnly === true) entries = entries.map((e) => ({ name: e.name, type: e.type }));
  const batchSize = isPlainObject(cmd.cursor) && typeof cmd.cursor.batchSize === 'number' ? cmd.cursor.batchSize : undefined;
  return cursorReply(ctx, `${ctx.db}.$cmd.listCollections`, entries, batchSize, false);
};

const createIndexes: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'createIndexes');
  checkName(name);
  if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0) {
    throw new MongoError(Codes.BadValue, 'Must specify at least one index to create');
  }
  const specs = (cmd.indexes as unknown[]).map((raw) => {
    if (!isPlainObject(raw)) throw new MongoError(Codes.TypeMismatch, 'index specification must be an object');
    return normaliseIndexSpec(raw);
  });
  const store = ctx.server.store;
  const existed = store.get(ctx.db, name) !== undefined;
  const coll = store.getOrCreate(ctx.db, name);
  const before = coll.indexes.length;
  const toAdd: IndexSpec[] = [];
  for (const spec of specs) {
    const sameName = coll.indexes.find((i) => i.name === spec.name) ?? toAdd.find((i) => i.name === spec.name);
    const sameKey = coll.indexes.find((i) => keyOf(i.key) === keyOf(spec.key)) ?? toAdd.find((i) => keyOf(i.key) === keyOf(spec.key));
    if (sameName !== undefined) {
      if (keyOf(sameName.key) !== keyOf(spec.key)) {
        throw new MongoError(Codes.IndexKeySpecsConflict, `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${render(spec)}, existing index: ${render(sameName)}`);
      }
      if (!sameIndexOptions(sameName, spec)) {
        throw new MongoError(Codes.IndexOptionsConflict, `An equivalent index already exists with the same name but different options. Requested index: ${render(spec)}, existing index: ${render(sameName)}`);
      }
      continue;
    }
    if (sameKey !== undefined && sameIndexOptions(sameKey, spec)) {
      throw new MongoError(Codes.IndexOptionsConflict, `Index already exists with a different name: ${sameKey.name}`);
    }
    toAdd.push(spec);
  }
  const added: IndexSpec[] = [];
  try {
    for (const spec of toAdd) {
      coll.addIndex(spec);
      added.push(spec);
    }
  } catch (err) {
    for (const spec of added) coll.dropIndex(spec.name);
    if (!existed) store.drop(ctx.db, name);
    throw err;
  }
  const reply: Document = { numIndexesBefore: before, numIndexesAfter: coll.indexes.length, createdCollectionAutomatically: !existed };
  if (toAdd.length === 0) reply.note = 'all indexes already exist';
  reply.ok = 1;
  return reply;
};

const listIndexes: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'listIndexes');
  const coll = ctx.server.store.get(ctx.db, name);
  if (coll === undefined) throw new MongoError(Codes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const batchSize = isPlainObject(cmd.cursor) && typeof cmd.cursor.batchSize === 'number' ? cmd.cursor.batchSize : undefined;
  return cursorReply(ctx, `${ctx.db}.$cmd.listIndexes.${name}`, coll.indexes.map((i) => ({ ...i })), batchSize, false);
};

const dropIndexes: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'dropIndexes');
  const coll = ctx.server.store.get(ctx.db, name);
  if (coll === undefined) throw new MongoError(Codes.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
  const nIndexesWas = coll.indexes.length;
  const which = cmd.index;
  const dropOne = (spec: IndexSpec | undefined, label: string): void => {
    if (spec === undefined) throw new MongoError(Codes.IndexNotFound, `index not found with name [${label}]`);
    if (spec.name === '_id_') throw new MongoError(Codes.InvalidOptions, 'cannot drop _id index');
    coll.dropIndex(spec.name);
  };
  if (which === '*') {
    for (const spec of [...coll.indexes]) if (spec.name !== '_id_') coll.dropIndex(spec.name);
  } else if (typeof which === 'string') {
    dropOne(coll.indexes.find((i) => i.name === which), which);
  } else if (Array.isArray(which)) {
    for (const n of which) dropOne(coll.indexes.find((i) => i.name === n), String(n));
  } else if (isPlainObject(which)) {
    const spec = coll.indexes.find((i) => keyOf(i.key) === keyOf(which));
    if (spec === undefined) throw new MongoError(Codes.IndexNotFound, `can't find index with key: ${render(which)}`);
    dropOne(spec, spec.name);
  } else {
    throw new MongoError(Codes.TypeMismatch, "BSON field 'dropIndexes.index' must be a string, array or object");
  }
  return { nIndexesWas, ok: 1 };
};

const collMod: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'collMod');
  const coll = ctx.server.store.get(ctx.db, name);
  if (coll === undefined) throw new MongoError(Codes.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const reply: Document = {};
  const options = { ...coll.options };
  for (const k of ['validator', 'validationLevel', 'validationAction']) if (cmd[k] !== undefined) options[k] = cmd[k];
  if (isPlainObject(cmd.validator) && cmd.validator.$jsonSchema !== undefined) checkSchemaKeywords(cmd.validator.$jsonSchema);
  if (isPlainObject(cmd.index)) {
    const ix = cmd.index;
    const spec = coll.indexes.find((i) => (typeof ix.name === 'string' ? i.name === ix.name : keyOf(i.key) === keyOf(ix.keyPattern)));
    if (spec === undefined) throw new MongoError(Codes.IndexNotFound, `cannot find index ${render(ix)} for ns ${coll.ns}`);
    if (typeof ix.expireAfterSeconds === 'number') {
      reply.expireAfterSeconds_old = spec.expireAfterSeconds;
      reply.expireAfterSeconds_new = ix.expireAfterSeconds;
      spec.expireAfterSeconds = ix.expireAfterSeconds;
    }
  }
  coll.options = options;
  return { ...reply, ok: 1 };
};

const renameCollection: Handler = (cmd, ctx) => {
  const from = String(cmd.renameCollection);
  const to = String(cmd.to);
  const split = (ns: string): [string, string] => {
    const i = ns.indexOf('.');
    if (i < 0) throw new MongoError(Codes.InvalidNamespace, `Invalid namespace specified '${ns}'`);
    return [ns.slice(0, i), ns.slice(i + 1)];
  };
  const [fdb, fname] = split(from);
  const [tdb, tname] = split(to);
  const store = ctx.server.store;
  const src = store.get(fdb, fname);
  if (src === undefined) throw new MongoError(Codes.NamespaceNotFound, 'Source collection does not exist');
  if (store.get(tdb, tname) !== undefined) {
    if (cmd.dropTarget !== true) throw new MongoError(Codes.NamespaceExists, 'target namespace exists');
    store.drop(tdb, tname);
  }
  const target = store.create(tdb, tname, src.options);
  target.assign(src.clone());
  store.drop(fdb, fname);
  return { ok: 1 };
};

const collStats: Handler = (cmd, ctx) => {
  const name = collName(cmd, 'collStats');
  const coll = ctx.server.store.get(ctx.db, name);
  if (coll === undefined) throw new MongoError(Codes.NamespaceNotFound, `Collection [${ctx.db}.${name}] not found.`);
  const size = sizeOf(coll);
  return {
    ns: coll.ns,
    count: coll.docs.size,
    size,
    avgObjSize: coll.docs.size > 0 ? Math.round(size / coll.docs.size) : 0,
    storageSize: size,
    nindexes: coll.indexes.length,
    totalIndexSize: 0,
    indexSizes: Object.fromEntries(coll.indexes.map((i) => [i.name, 0])),
    capped: coll.options.capped === true,
    ok: 1,
  };
};

const dbStats: Handler = (_cmd, ctx) => {
  const colls = ctx.server.store.collections(ctx.db);
  const objects = colls.reduce((n, c) => n + c.docs.size, 0);
  const dataSize = colls.reduce((n, c) => n + sizeOf(c), 0);
  return {
    db: ctx.db,
    collections: colls.length,
    views: 0,
    objects,
    avgObjSize: objects > 0 ? dataSize / objects : 0,
    dataSize,
    storageSize: dataSize,
    indexes: colls.reduce((n, c) => n + c.indexes.length, 0),
    indexSize: 0,
    totalSize: dataSize,
    scaleFactor: 1,
    ok: 1,
  };
};

export const ddlCommands: Record<string, Handler> = {
  create,
  drop,
  dropDatabase,
  listDatabases,
  listCollections,
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  collMod,
  renameCollection,
  collStats,
  dbStats,
  dbstats: dbStats,
};
