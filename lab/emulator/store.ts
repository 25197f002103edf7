/**
 * In-memory storage: databases of collections of documents. Stored documents are never mutated
 * after they are stored (updates store a new object), which makes snapshots for transactions a
 * matter of copying Maps and lets reads hand documents to the serializer without cloning.
 */
import { UUID, calculateObjectSize } from 'bson';
import { ID_INDEX, duplicateKeyError, indexEntries, type IndexSpec } from './indexes.ts';
import { getPath, keyOf, type Doc } from './values.ts';

export class Collection {
  readonly db: string;
  readonly name: string;
  /** create() options: validator, validationLevel, validationAction, capped... */
  options: Doc;
  uuid: UUID;
  /** Keyed by keyOf(_id); Map order is the natural (insertion) order. */
  docs: Map<string, Doc>;
  indexes: IndexSpec[];
  /** For each unique index: index key -> keyOf(_id) of the document holding it. */
  unique: Map<string, Map<string, string>>;
  /** keyOf(_id) -> logical clock of its last write, for transaction write-conflict detection. */
  stamps: Map<string, number>;

  constructor(db: string, name: string, options: Doc = {}) {
    this.db = db;
    this.name = name;
    this.options = options;
    this.uuid = new UUID();
    this.docs = new Map();
    this.indexes = [{ ...ID_INDEX }];
    this.unique = new Map();
    this.stamps = new Map();
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** A copy sharing the (immutable) documents. */
  clone(): Collection {
    const c = new Collection(this.db, this.name, this.options);
    c.uuid = this.uuid;
    c.docs = new Map(this.docs);
    c.indexes = this.indexes.map((i) => ({ ...i }));
    c.unique = new Map([...this.unique].map(([k, m]) => [k, new Map(m)]));
    c.stamps = new Map(this.stamps);
    return c;
  }

  /** Takes over the state of another copy (used to publish a committed transaction atomically). */
  assign(other: Collection): void {
    this.options = other.options;
    this.docs = other.docs;
    this.indexes = other.indexes;
    this.unique = other.unique;
    this.stamps = other.stamps;
  }

  all(): Doc[] {
    return Array.from(this.docs.values());
  }

  private checkUnique(doc: Doc, idKey: string): void {
    for (const spec of this.indexes) {
      if (spec.unique !== true) continue;
      const map = this.unique.get(spec.name);
      if (map === undefined) continue;
      for (const e of indexEntries(spec, doc)) {
        const holder = map.get(e.key);
        if (holder !== undefined && holder !== idKey) throw duplicateKeyError(this.ns, spec, e.values);
      }
    }
  }

  private addKeys(doc: Doc, idKey: string): void {
    for (const spec of this.indexes) {
      const map = this.unique.get(spec.name);
      if (map === undefined) continue;
      for (const e of indexEntries(spec, doc)) map.set(e.key, idKey);
    }
  }

  private removeKeys(doc: Doc, idKey: string): void {
    for (const spec of this.indexes) {
      const map = this.unique.get(spec.name);
      if (map === undefined) continue;
      for (const e of indexEntries(spec, doc)) if (map.get(e.key) === idKey) map.delete(e.key);
    }
  }

  insert(doc: Doc, stamp: number): void {
    const idKey = keyOf(doc._id);
    if (this.docs.has(idKey)) throw duplicateKeyError(this.ns, ID_INDEX, [doc._id]);
    this.checkUnique(doc, idKey);
    this.docs.set(idKey, doc);
    this.addKeys(doc, idKey);
    this.stamps.set(idKey, stamp);
  }

  replace(idKey: string, doc: Doc, stamp: number): void {
    const old = this.docs.get(idKey);
    if (old === undefined) {
      this.insert(doc, stamp);
      return;
    }
    this.removeKeys(old, idKey);
    try {
      this.checkUnique(doc, idKey);
    } catch (err) {
      this.addKeys(old, idKey);
      throw err;
    }
    this.docs.set(idKey, doc);
    this.addKeys(doc, idKey);
    this.stamps.set(idKey, stamp);
  }

  remove(idKey: string, stamp: number): void {
    const old = this.docs.get(idKey);
    if (old === undefined) return;
    this.removeKeys(old, idKey);
    this.docs.delete(idKey);
    this.stamps.set(idKey, stamp);
  }

  /** Adds an index, building its unique map first so a duplicate leaves the collection unchanged. */
  addIndex(spec: IndexSpec): void {
    if (spec.unique === true) {
      const map = new Map<string, string>();
      for (const [idKey, doc] of this.docs) {
        for (const e of indexEntries(spec, doc)) {
          const holder = map.get(e.key);
          if (holder !== undefined && holder !== idKey) throw duplicateKeyError(this.ns, spec, e.values);
          map.set(e.key, idKey);
        }
      }
      this.unique.set(spec.name, map);
    }
    this.indexes.push(spec);
  }

  dropIndex(name: string): void {
    this.indexes = this.indexes.filter((i) => i.name !== name);
    this.unique.delete(name);
  }
}

/**
 * Where commands read and write. The live store and a transaction's snapshot both implement it,
 * so command handlers do not care whether they run inside a transaction.
 */
export interface Catalog {
  get(db: string, name: string): Collection | undefined;
  /** Implicit creation, as insert/update/createIndexes do. */
  getOrCreate(db: string, name: string): Collection;
  insert(coll: Collection, doc: Doc): void;
  replace(coll: Collection, idKey: string, doc: Doc): void;
  remove(coll: Collection, idKey: string): void;
  readonly inTransaction: boolean;
}

export class Store implements Catalog {
  readonly dbs = new Map<string, Map<string, Collection>>();
  /** Logical clock bumped by every write. */
  clock = 0;
  readonly inTransaction = false;

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  getOrCreate(db: string, name: string): Collection {
    return this.get(db, name) ?? this.create(db, name, {});
  }

  create(db: string, name: string, options: Doc): Collection {
    let colls = this.dbs.get(db);
    if (colls === undefined) {
      colls = new Map();
      this.dbs.set(db, colls);
    }
    const c = new Collection(db, name, options);
    colls.set(name, c);
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

  insert(coll: Collection, doc: Doc): void {
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
    coll.replace(idKey, doc, ++this.clock);
  }

  remove(coll: Collection, idKey: string): void {
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
        for (const [idKey, doc] of coll.docs) {
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
