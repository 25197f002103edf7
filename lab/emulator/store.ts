/**
 * In-memory storage: databases of collections of documents, each collection with its indexes as
 * ordered trees (btree.ts) maintained on every write. Stored documents are never mutated after they
 * are stored (updates store a new object), so reads hand documents to the serializer without
 * cloning and a transaction can keep an old version by keeping a reference.
 */
import { UUID, calculateObjectSize } from 'bson';
import { IndexTree, type Entry } from './btree.ts';
import { Codes, MongoError } from './errors.ts';
import { ID_INDEX, duplicateKeyError, indexKeys, type IndexEntry, type IndexSpec } from './indexes.ts';
import { getPath, keyOf, type Doc } from './values.ts';

/** The index keys one document holds in one index. */
interface Keyed {
  spec: IndexSpec;
  entries: IndexEntry[];
  arrays: number[];
}

function dirsOf(spec: IndexSpec): number[] {
  return Object.values(spec.key).map((d) => (typeof d === 'number' && d < 0 ? -1 : 1));
}

function sameEntries(a: IndexEntry[], b: IndexEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] as IndexEntry).key !== (b[i] as IndexEntry).key) return false;
  return true;
}

export class Collection {
  readonly db: string;
  readonly name: string;
  /** create() options: validator, validationLevel, validationAction, capped... */
  options: Doc;
  uuid: UUID;
  /** Keyed by keyOf(_id); Map order is the natural (insertion) order. */
  protected data = new Map<string, Doc>();
  protected specs: IndexSpec[] = [{ ...ID_INDEX }];
  /** Index name -> its ordered entries. */
  trees = new Map<string, IndexTree>();
  /** Index name -> positions of the index fields some document held an array for (multikey). */
  multikey = new Map<string, Set<number>>();
  /** keyOf(_id) -> logical clock of its last write, for transaction write-conflict detection. */
  stamps = new Map<string, number>();

  constructor(db: string, name: string, options: Doc = {}) {
    this.db = db;
    this.name = name;
    this.options = options;
    this.uuid = new UUID();
    this.trees.set(ID_INDEX.name, new IndexTree([1]));
    this.multikey.set(ID_INDEX.name, new Set());
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** The documents, by keyOf(_id). */
  get docs(): ReadonlyMap<string, Doc> {
    return this.data;
  }

  get indexes(): IndexSpec[] {
    return this.specs;
  }

  /** The live collection whose indexes serve this one (itself, or the one a transaction reads through). */
  get base(): Collection {
    return this;
  }

  /** Record ids whose version here differs from `base` (a transaction's own writes and snapshot). */
  overlay(): ReadonlySet<string> | undefined {
    return undefined;
  }

  /** A copy sharing the (immutable) documents. */
  clone(): Collection {
    const c = new Collection(this.db, this.name, this.options);
    c.uuid = this.uuid;
    c.data = new Map(this.data);
    c.specs = this.specs.map((i) => ({ ...i }));
    c.trees = new Map([...this.trees].map(([k, t]) => [k, t.copy()]));
    c.multikey = new Map([...this.multikey].map(([k, s]) => [k, new Set(s)]));
    c.stamps = new Map(this.stamps);
    return c;
  }

  /** Takes over the state of another copy. */
  assign(other: Collection): void {
    this.options = other.options;
    this.data = other.data;
    this.specs = other.specs;
    this.trees = other.trees;
    this.multikey = other.multikey;
    this.stamps = other.stamps;
  }

  all(): Doc[] {
    return Array.from(this.docs.values());
  }

  /** The index keys of a document for every index (throws 171 for parallel arrays). */
  keysOf(doc: Doc): Keyed[] {
    return this.specs.map((spec) => ({ spec, ...indexKeys(spec, doc) }));
  }

  /** Record ids holding exactly this key tuple in an index. */
  holders(spec: IndexSpec, values: readonly unknown[]): string[] {
    const tree = this.trees.get(spec.name);
    const out: string[] = [];
    tree?.scan(values, true, values, true, false, (e) => {
      out.push(e.id);
      return true;
    });
    return out;
  }

  private checkUnique(keyed: Keyed[], idKey: string): void {
    for (const { spec, entries } of keyed) {
      if (spec.unique !== true) continue;
      for (const e of entries) {
        for (const holder of this.holders(spec, e.values)) {
          if (holder !== idKey) throw duplicateKeyError(this.ns, spec, e.values);
        }
      }
    }
  }

  private addKeys(keyed: Keyed[], idKey: string): void {
    for (const { spec, entries, arrays } of keyed) {
      const tree = this.trees.get(spec.name);
      if (tree === undefined) continue;
      for (const e of entries) tree.insert({ key: e.values, id: idKey });
      if (arrays.length > 0) {
        const mk = this.multikey.get(spec.name);
        for (const i of arrays) mk?.add(i);
      }
    }
  }

  private removeKeys(keyed: Keyed[], idKey: string): void {
    for (const { spec, entries } of keyed) {
      const tree = this.trees.get(spec.name);
      if (tree === undefined) continue;
      for (const e of entries) tree.delete({ key: e.values, id: idKey });
    }
  }

  insert(doc: Doc, stamp: number): void {
    const idKey = keyOf(doc._id);
    if (this.data.has(idKey)) throw duplicateKeyError(this.ns, ID_INDEX, [doc._id]);
    const keyed = this.keysOf(doc);
    this.checkUnique(keyed, idKey);
    this.data.set(idKey, doc);
    this.addKeys(keyed, idKey);
    this.stamps.set(idKey, stamp);
  }

  replace(idKey: string, doc: Doc, stamp: number): void {
    const old = this.data.get(idKey);
    if (old === undefined) {
      this.insert(doc, stamp);
      return;
    }
    const before = this.keysOf(old);
    const after = this.keysOf(doc);
    // Only the indexes whose keys change are touched (most updates change no indexed field).
    const changed: number[] = [];
    for (let i = 0; i < after.length; i++) if (!sameEntries((before[i] as Keyed).entries, (after[i] as Keyed).entries)) changed.push(i);
    const pick = (list: Keyed[]): Keyed[] => changed.map((i) => list[i] as Keyed);
    this.checkUnique(pick(after), idKey);
    this.removeKeys(pick(before), idKey);
    this.addKeys(pick(after), idKey);
    this.data.set(idKey, doc);
    this.stamps.set(idKey, stamp);
  }

  remove(idKey: string, stamp: number): void {
    const old = this.data.get(idKey);
    if (old === undefined) return;
    this.removeKeys(this.keysOf(old), idKey);
    this.data.delete(idKey);
    this.stamps.set(idKey, stamp);
  }

  /** Builds and adds an index; a duplicate (unique) or parallel arrays leave the collection unchanged. */
  addIndex(spec: IndexSpec): void {
    const tree = new IndexTree(dirsOf(spec));
    const entries: Entry[] = [];
    const mk = new Set<number>();
    for (const [idKey, doc] of this.data) {
      const { entries: es, arrays } = indexKeys(spec, doc);
      for (const e of es) entries.push({ key: e.values, id: idKey });
      for (const i of arrays) mk.add(i);
    }
    tree.build(entries);
    if (spec.unique === true) {
      let prev: Entry | undefined;
      for (const e of tree.entries()) {
        if (prev !== undefined && prev.id !== e.id && tree.comparePrefix(prev, e.key) === 0) throw duplicateKeyError(this.ns, spec, [...e.key]);
        prev = e;
      }
    }
    this.specs.push(spec);
    this.trees.set(spec.name, tree);
    this.multikey.set(spec.name, mk);
  }

  dropIndex(name: string): void {
    this.specs = this.specs.filter((i) => i.name !== name);
    this.trees.delete(name);
    this.multikey.delete(name);
  }
}

/** An open transaction as the store sees it: it keeps the versions it started with. */
export interface OpenTransaction {
  readonly inProgress: boolean;
  /** Settles when the transaction commits or aborts. */
  readonly ended: Promise<void>;
  /** Called before the live store changes a document, with the version about to be replaced. */
  remember(ns: string, idKey: string, before: Doc | undefined): void;
}

/**
 * Thrown by a write outside a transaction to a document an open transaction has written: mongod
 * makes such a write wait for the transaction's lock, so the connection retries it once `until` settles.
 */
export class WriteBlocked extends Error {
  readonly until: Promise<void>;
  constructor(until: Promise<void>) {
    super('write waits for an open transaction that holds this document');
    this.until = until;
  }
}

/**
 * Where commands read and write. The live store and a transaction both implement it,
 * so command handlers do not care whether they run inside a transaction.
 */
export interface Catalog {
  get(db: string, name: string): Collection | undefined;
  /** Implicit creation, as insert/update/createIndexes do. */
  getOrCreate(db: string, name: string): Collection;
  insert(coll: Collection, doc: Doc): void;
  replace(coll: Collection, idKey: string, doc: Doc): void;
  remove(coll: Collection, idKey: string): void;
  /** Throws WriteBlocked (outside a transaction) when one of these documents is locked by an open transaction. */
  checkWritable?(coll: Collection, idKeys: Iterable<string>, docs?: Iterable<Doc>): void;
  readonly inTransaction: boolean;
}

/** The lock id of a unique index key (beside the documents' own lock ids). */
export function uniqueLockId(spec: IndexSpec, key: string): string {
  return `\u0001${spec.name}\u0001${key}`;
}

export function lockKey(ns: string, idKey: string): string {
  return `${ns}\u0000${idKey}`;
}

export class Store implements Catalog {
  readonly dbs = new Map<string, Map<string, Collection>>();
  /** Logical clock bumped by every write. */
  clock = 0;
  readonly inTransaction = false;
  /** ns + keyOf(_id) -> the transaction that wrote that document and has not ended. */
  readonly locks = new Map<string, OpenTransaction>();
  /** Transactions whose snapshot must be kept. */
  readonly open = new Set<OpenTransaction>();

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  getOrCreate(db: string, name: string): Collection {
    return this.get(db, name) ?? this.create(db, name, {});
  }

  create(db: string, name: string, options: Doc): Collection {
    return this.adopt(new Collection(db, name, options));
  }

  /** Publishes a collection built elsewhere (one a transaction created). */
  adopt(c: Collection): Collection {
    let colls = this.dbs.get(c.db);
    if (colls === undefined) {
      colls = new Map();
      this.dbs.set(c.db, colls);
    }
    colls.set(c.name, c);
    return c;
  }

  drop(db: string, name: string): boolean {
    const colls = this.dbs.get(db);
    if (colls === undefined || !colls.delete(name)) return false;
    if (colls.size === 0) this.dbs.delete(db);
    return true;
  }

  dropDatabase(db: string): void {
    this.dbs.delete(db);
  }

  collections(db: string): Collection[] {
    return Array.from(this.dbs.get(db)?.values() ?? []);
  }

  /** The open transaction holding a document, if any. */
  holder(coll: Collection, idKey: string): OpenTransaction | undefined {
    if (this.locks.size === 0) return undefined;
    const t = this.locks.get(lockKey(coll.ns, idKey));
    return t !== undefined && t.inProgress ? t : undefined;
  }

  checkWritable(coll: Collection, idKeys: Iterable<string>, docs: Iterable<Doc> = []): void {
    if (this.locks.size === 0) return;
    for (const k of idKeys) {
      const t = this.holder(coll, k);
      if (t !== undefined) throw new WriteBlocked(t.ended);
    }
    // A unique key an open transaction has written is locked too (mongod: the index entry conflicts).
    for (const doc of docs) {
      for (const spec of coll.indexes) {
        if (spec.unique !== true) continue;
        let entries: IndexEntry[];
        try {
          entries = indexKeys(spec, doc).entries;
        } catch {
          continue; // the write itself reports what is wrong with the document
        }
        for (const e of entries) {
          const t = this.locks.get(lockKey(coll.ns, uniqueLockId(spec, e.key)));
          if (t !== undefined && t.inProgress) throw new WriteBlocked(t.ended);
        }
      }
    }
  }

  /** Before a live write: wait for a transaction's lock, and let open transactions keep the old version. */
  private beforeWrite(coll: Collection, idKey: string, doc?: Doc): void {
    this.checkWritable(coll, [idKey], doc !== undefined ? [doc] : []);
    if (this.open.size === 0) return;
    const before = coll.docs.get(idKey);
    for (const t of this.open) t.remember(coll.ns, idKey, before);
  }

  insert(coll: Collection, doc: Doc): void {
    const idKey = keyOf(doc._id);
    this.beforeWrite(coll, idKey, doc);
    coll.insert(doc, ++this.clock);
    if (coll.options.capped === true) this.trimCapped(coll);
  }

  /** Capped collections drop their oldest documents beyond `max` documents or `size` bytes. */
  private trimCapped(coll: Collection): void {
    const max = typeof coll.options.max === 'number' && coll.options.max > 0 ? coll.options.max : Infinity;
    const size = typeof coll.options.size === 'number' && coll.options.size > 0 ? coll.options.size : Infinity;
    let bytes = size === Infinity ? 0 : coll.all().reduce((n, d) => n + calculateObjectSize(d), 0);
    for (const [idKey, doc] of coll.docs) {
      if (coll.docs.size <= max && bytes <= size) break;
      if (coll.docs.size <= 1) break;
      if (size !== Infinity) bytes -= calculateObjectSize(doc);
      this.remove(coll, idKey);
    }
  }

  replace(coll: Collection, idKey: string, doc: Doc): void {
    this.beforeWrite(coll, idKey, doc);
    coll.replace(idKey, doc, ++this.clock);
  }

  remove(coll: Collection, idKey: string): void {
    this.beforeWrite(coll, idKey);
    coll.remove(idKey, ++this.clock);
  }

  /** Deletes documents whose TTL has passed. The earliest date of an array counts, like mongod. */
  purgeExpired(now: number, only?: Collection): void {
    const colls = only !== undefined ? [only] : Array.from(this.dbs.values()).flatMap((m) => Array.from(m.values()));
    for (const coll of colls) {
      for (const spec of coll.indexes) {
        if (spec.expireAfterSeconds === undefined) continue;
        const field = Object.keys(spec.key)[0];
        if (field === undefined || Object.keys(spec.key).length !== 1) continue;
        const ttlMs = spec.expireAfterSeconds * 1000;
        const expired: string[] = [];
        // The index is ordered by date, so the expired documents are its first entries of type date.
        const tree = coll.trees.get(spec.name);
        if (tree === undefined) continue;
        const dir = tree.dirs[0] ?? 1;
        const cutoff = new Date(now - ttlMs);
        const start = dir > 0 ? [new Date(-8.64e15)] : [cutoff];
        const end = dir > 0 ? [cutoff] : [new Date(-8.64e15)];
        tree.scan(start, true, end, true, false, (e) => {
          if (e.key[0] instanceof Date) expired.push(e.id);
          return true;
        });
        for (const idKey of new Set(expired)) {
          const doc = coll.docs.get(idKey);
          if (doc === undefined || this.holder(coll, idKey) !== undefined) continue;
          const v = getPath(doc, field);
          const dates = (Array.isArray(v) ? v : [v]).filter((x): x is Date => x instanceof Date);
          if (dates.length === 0) continue;
          const earliest = Math.min(...dates.map((d) => d.getTime()));
          if (earliest + ttlMs <= now) this.remove(coll, idKey);
        }
      }
    }
  }
}

/** mongod refuses index builds on an existing collection inside a transaction. */
export function noIndexBuildInTransaction(ns: string): MongoError {
  return new MongoError(Codes.OperationNotSupportedInTransaction, `Cannot create new indexes on existing collection ${ns} in a multi-document transaction.`);
}
