/**
 * Sessions and multi-document transactions.
 *
 * Model: snapshot isolation in O(what the transaction touches). Starting a transaction copies
 * nothing. Reads go through a view per collection: the live collection, overlaid with the
 * transaction's own writes and with the versions it started with for documents the live store has
 * changed since (the store hands each open transaction the old version before every write, see
 * Store.beforeWrite). Indexes are the live ones; the planner re-checks the few overlaid documents.
 *
 * Conflicts follow mongod: writing a document that another open transaction has written, or that
 * changed in the live store after this transaction started, fails with WriteConflict (112) labelled
 * TransientTransactionError, so `withTransaction` retries. A write outside any transaction to a
 * document an open transaction has written waits until that transaction ends (WriteBlocked).
 * Commit applies the writes to the live store, undoing them all if one fails.
 */
import { Long, type Binary, type Document } from 'bson';
import { Codes, MongoError } from './errors.ts';
import { duplicateKeyError, ID_INDEX, indexKeys } from './indexes.ts';
import { Collection, lockKey, noIndexBuildInTransaction, uniqueLockId, type Catalog, type OpenTransaction, type Store } from './store.ts';
import { keyOf, type Doc } from './values.ts';

const TRANSIENT = ['TransientTransactionError'];

type TxnState = 'inProgress' | 'committed' | 'aborted';

/** The documents of a view: live ones, replaced by the overlay where it has an entry (null = absent). */
class OverlayMap implements ReadonlyMap<string, Doc> {
  constructor(private readonly view: TxnView) {}

  get(k: string): Doc | undefined {
    return this.view.versionOf(k);
  }

  has(k: string): boolean {
    return this.view.versionOf(k) !== undefined;
  }

  get size(): number {
    const live = this.view.live.docs;
    let n = live.size;
    for (const k of this.view.overlay()) {
      const mine = this.view.versionOf(k) !== undefined;
      const theirs = live.has(k);
      if (mine && !theirs) n += 1;
      else if (!mine && theirs) n -= 1;
    }
    return n;
  }

  *entries(): MapIterator<[string, Doc]> {
    const over = this.view.overlay();
    for (const [k, d] of this.view.live.docs) {
      if (!over.has(k)) yield [k, d];
      else {
        const v = this.view.versionOf(k);
        if (v !== undefined) yield [k, v];
      }
    }
    for (const k of over) {
      if (this.view.live.docs.has(k)) continue;
      const v = this.view.versionOf(k);
      if (v !== undefined) yield [k, v];
    }
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<Doc> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[string, Doc]> {
    return this.entries();
  }

  forEach(cb: (value: Doc, key: string, map: ReadonlyMap<string, Doc>) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }
}

/** A transaction's view of one live collection. */
export class TxnView extends Collection {
  readonly live: Collection;
  private readonly txn: Transaction;
  /** keyOf(_id) -> the document as this transaction wrote it (null = deleted). */
  readonly writes = new Map<string, Doc | null>();
  /** Unique index name -> key -> keyOf(_id) of the document this transaction wrote holding it. */
  private readonly uniqueKeys = new Map<string, Map<string, string>>();
  private readonly map: OverlayMap;

  constructor(live: Collection, txn: Transaction) {
    super(live.db, live.name, live.options);
    this.uuid = live.uuid;
    this.live = live;
    this.txn = txn;
    this.map = new OverlayMap(this);
  }

  override get docs(): ReadonlyMap<string, Doc> {
    return this.map;
  }

  override get indexes(): Collection['indexes'] {
    return this.live.indexes;
  }

  override get base(): Collection {
    return this.live;
  }

  override overlay(): ReadonlySet<string> {
    const pre = this.txn.preimages.get(this.ns);
    if (pre === undefined || pre.size === 0) return new Set(this.writes.keys());
    if (this.writes.size === 0) return new Set(pre.keys());
    return new Set([...this.writes.keys(), ...pre.keys()]);
  }

  /** The version of a document this transaction sees. */
  versionOf(k: string): Doc | undefined {
    const w = this.writes.get(k);
    if (w !== undefined) return w ?? undefined;
    if (this.writes.has(k)) return undefined;
    const pre = this.txn.preimages.get(this.ns);
    if (pre !== undefined && pre.has(k)) return pre.get(k) ?? undefined;
    return this.live.docs.get(k);
  }

  /** Unique indexes as this transaction sees them: live holders still holding the key, and overlaid documents. */
  checkTxnUnique(doc: Doc, idKey: string): void {
    const pre = this.txn.preimages.get(this.ns);
    for (const spec of this.live.indexes) {
      if (spec.unique !== true) continue;
      const { entries } = indexKeys(spec, doc);
      const mine = this.uniqueKeys.get(spec.name);
      for (const e of entries) {
        for (const h of this.live.holders(spec, e.values)) {
          if (h === idKey) continue;
          // Taken outside since this transaction started: mongod reports the conflict, not a duplicate.
          if ((this.live.stamps.get(h) ?? 0) > this.txn.startClock) throw writeConflict();
          // A holder this transaction rewrote is judged by its new version (uniqueKeys) below.
          if (!this.writes.has(h) && !(pre?.has(h) ?? false)) throw duplicateKeyError(this.ns, spec, e.values);
        }
        const holder = mine?.get(e.key);
        if (holder !== undefined && holder !== idKey) throw duplicateKeyError(this.ns, spec, e.values);
      }
      if (pre === undefined || entries.length === 0) continue;
      // Snapshot versions of documents changed outside since: usually none or a few.
      for (const [k, old] of pre) {
        if (k === idKey || old === null || this.writes.has(k)) continue;
        const theirs = new Set(indexKeys(spec, old).entries.map((x) => x.key));
        for (const e of entries) if (theirs.has(e.key)) throw duplicateKeyError(this.ns, spec, e.values);
      }
    }
  }

  /** Records a write (null = delete), keeping the unique keys this transaction's documents hold. */
  put(idKey: string, doc: Doc | null): void {
    const before = this.writes.get(idKey);
    for (const spec of this.live.indexes) {
      if (spec.unique !== true) continue;
      let mine = this.uniqueKeys.get(spec.name);
      if (mine === undefined) {
        mine = new Map();
        this.uniqueKeys.set(spec.name, mine);
      }
      if (before !== undefined && before !== null) for (const e of indexKeys(spec, before).entries) if (mine.get(e.key) === idKey) mine.delete(e.key);
      if (doc !== null) for (const e of indexKeys(spec, doc).entries) mine.set(e.key, idKey);
    }
    this.writes.set(idKey, doc);
  }

  override insert(): void {
    throw new Error('TxnView is written through its Transaction');
  }

  override addIndex(): void {
    throw noIndexBuildInTransaction(this.ns);
  }

  override dropIndex(): void {
    throw new MongoError(Codes.OperationNotSupportedInTransaction, `Cannot run 'dropIndexes' in a multi-document transaction.`);
  }

  override clone(): Collection {
    const c = new Collection(this.db, this.name, this.options);
    for (const d of this.docs.values()) c.insert(d, 0);
    return c;
  }
}

export class Transaction implements Catalog, OpenTransaction {
  readonly inTransaction = true;
  readonly txnNumber: number;
  state: TxnState = 'inProgress';
  private readonly store: Store;
  readonly startClock: number;
  readonly startedAt = Date.now();
  /** ns -> this transaction's view of a live collection, or a collection it created. */
  private readonly views = new Map<string, Collection>();
  /** ns -> keyOf(_id) -> the version this transaction started with, for documents changed since outside it. */
  readonly preimages = new Map<string, Map<string, Doc | null>>();
  readonly ended: Promise<void>;
  /** Lock keys this transaction holds. */
  private readonly claimed = new Set<string>();
  private settle: () => void = () => undefined;

  constructor(store: Store, txnNumber: number) {
    this.store = store;
    this.txnNumber = txnNumber;
    this.startClock = store.clock;
    this.ended = new Promise((resolve) => {
      this.settle = resolve;
    });
    store.open.add(this);
  }

  /** ns -> collection for every collection this transaction created or wrote to. */
  get writes(): ReadonlyMap<string, Collection> {
    return new Map([...this.views].filter(([, c]) => !(c instanceof TxnView) || c.writes.size > 0));
  }

  get inProgress(): boolean {
    return this.state === 'inProgress';
  }

  remember(ns: string, idKey: string, before: Doc | undefined): void {
    let pre = this.preimages.get(ns);
    if (pre === undefined) {
      pre = new Map();
      this.preimages.set(ns, pre);
    }
    if (!pre.has(idKey)) pre.set(idKey, before ?? null);
  }

  get(db: string, name: string): Collection | undefined {
    const ns = `${db}.${name}`;
    const seen = this.views.get(ns);
    if (seen !== undefined) return seen;
    const live = this.store.get(db, name);
    if (live === undefined) return undefined;
    const view = new TxnView(live, this);
    this.views.set(ns, view);
    return view;
  }

  getOrCreate(db: string, name: string): Collection {
    const existing = this.get(db, name);
    if (existing !== undefined) return existing;
    // A collection created inside the transaction is private to it until commit.
    const created = new Collection(db, name, {});
    this.views.set(`${db}.${name}`, created);
    return created;
  }

  private claim(coll: Collection, idKey: string): void {
    const key = lockKey(coll.ns, idKey);
    const holder = this.store.locks.get(key);
    if (holder !== undefined && holder !== this && holder.inProgress) throw writeConflict();
    const liveStamp = this.store.get(coll.db, coll.name)?.stamps.get(idKey);
    if (liveStamp !== undefined && liveStamp > this.startClock) throw writeConflict();
    this.store.locks.set(key, this);
    this.claimed.add(key);
  }

  insert(coll: Collection, doc: Doc): void {
    if (!(coll instanceof TxnView)) {
      coll.insert(doc, 0);
      return;
    }
    const idKey = keyOf(doc._id);
    this.claim(coll, idKey);
    if (coll.versionOf(idKey) !== undefined) throw duplicateKeyError(coll.ns, ID_INDEX, [doc._id]);
    coll.checkTxnUnique(doc, idKey);
    this.claimUnique(coll, doc);
    coll.put(idKey, doc);
  }

  /** Locks the unique keys a written document holds, so outside writes of the same key wait. */
  private claimUnique(coll: TxnView, doc: Doc): void {
    for (const spec of coll.indexes) {
      if (spec.unique !== true) continue;
      for (const e of indexKeys(spec, doc).entries) {
        const key = lockKey(coll.ns, uniqueLockId(spec, e.key));
        const holder = this.store.locks.get(key);
        if (holder !== undefined && holder !== this && holder.inProgress) throw writeConflict();
        this.store.locks.set(key, this);
        this.claimed.add(key);
      }
    }
  }

  replace(coll: Collection, idKey: string, doc: Doc): void {
    if (!(coll instanceof TxnView)) {
      coll.replace(idKey, doc, 0);
      return;
    }
    this.claim(coll, idKey);
    coll.checkTxnUnique(doc, idKey);
    this.claimUnique(coll, doc);
    coll.put(idKey, doc);
  }

  remove(coll: Collection, idKey: string): void {
    if (!(coll instanceof TxnView)) {
      coll.remove(idKey, 0);
      return;
    }
    this.claim(coll, idKey);
    coll.put(idKey, null);
  }

  /** Applies the writes to the live store, all or nothing. */
  commit(): void {
    const created: Collection[] = [];
    const changed: TxnView[] = [];
    for (const view of this.views.values()) {
      if (view instanceof TxnView) {
        if (view.writes.size > 0) changed.push(view);
      } else {
        if (this.store.get(view.db, view.name) !== undefined) throw writeConflict();
        created.push(view);
      }
    }
    for (const view of changed) {
      for (const idKey of view.writes.keys()) {
        const stamp = view.live.stamps.get(idKey);
        if (stamp !== undefined && stamp > this.startClock) throw writeConflict();
      }
    }
    // From here on the locks no longer hold back our own writes, and no snapshot is kept for us.
    this.state = 'committed';
    this.store.open.delete(this);
    const undo: Array<[Collection, string, Doc | undefined]> = [];
    try {
      for (const view of changed) {
        const live = view.live;
        for (const [idKey, doc] of view.writes) {
          const before = live.docs.get(idKey);
          if (doc === null) {
            if (before === undefined) continue;
            this.store.remove(live, idKey);
          } else if (before === undefined) this.store.insert(live, doc);
          else this.store.replace(live, idKey, doc);
          undo.push([live, idKey, before]);
        }
      }
    } catch (err) {
      for (const [live, idKey, before] of undo.reverse()) {
        if (before === undefined) this.store.remove(live, idKey);
        else if (live.docs.has(idKey)) this.store.replace(live, idKey, before);
        else this.store.insert(live, before);
      }
      this.state = 'aborted';
      this.release();
      throw err;
    }
    for (const c of created) this.store.adopt(c);
    this.release();
  }

  abort(): void {
    this.state = 'aborted';
    this.release();
  }

  private release(): void {
    this.store.open.delete(this);
    for (const key of this.claimed) if (this.store.locks.get(key) === this) this.store.locks.delete(key);
    this.claimed.clear();
    this.views.clear();
    this.preimages.clear();
    this.settle();
  }
}

export function writeConflict(): MongoError {
  return new MongoError(
    Codes.WriteConflict,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    {},
    TRANSIENT,
  );
}

export function noSuchTransaction(txnNumber: number): MongoError {
  return new MongoError(
    Codes.NoSuchTransaction,
    `Transaction with { txnNumber: ${txnNumber} } has been aborted.`,
    {},
    TRANSIENT,
  );
}

interface Session {
  txnNumber: number;
  txn: Transaction | undefined;
  lastUse: number;
}

/** Session ids arrive as { id: UUID(Binary) }; this turns one into a map key. */
export function sessionKey(lsid: unknown): string | undefined {
  if (lsid === null || typeof lsid !== 'object') return undefined;
  const id = (lsid as { id?: Binary }).id;
  if (id === undefined || id === null || typeof id !== 'object' || !('buffer' in id)) return undefined;
  return Buffer.from(id.buffer).toString('hex');
}

function txnNumberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof Long) return v.toNumber();
  if (typeof v === 'bigint') return Number(v);
  return Number(v);
}

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /**
   * The transaction a command runs in, or undefined when it runs outside one.
   * Throws NoSuchTransaction for a command naming a transaction that is not open.
   */
  resolve(cmd: Document, name: string, db: string): Transaction | undefined {
    if (cmd.autocommit !== false) return undefined;
    const key = sessionKey(cmd.lsid);
    if (key === undefined || cmd.txnNumber === undefined) {
      throw new MongoError(Codes.InvalidOptions, "'autocommit' field requires a transaction number to also be specified");
    }
    const txnNumber = txnNumberOf(cmd.txnNumber);
    let session = this.sessions.get(key);
    if (session === undefined) {
      session = { txnNumber: -1, txn: undefined, lastUse: Date.now() };
      this.sessions.set(key, session);
    }
    session.lastUse = Date.now();
    if (cmd.startTransaction === true) {
      if (txnNumber < session.txnNumber || (txnNumber === session.txnNumber && session.txn !== undefined)) {
        throw new MongoError(
          Codes.NoSuchTransaction,
          `Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${session.txnNumber}`,
          {},
          TRANSIENT,
        );
      }
      if (session.txn?.state === 'inProgress') session.txn.abort();
      session.txnNumber = txnNumber;
      session.txn = new Transaction(this.store, txnNumber);
      return session.txn;
    }
    const txn = session.txn;
    if (txn === undefined || session.txnNumber !== txnNumber) throw noSuchTransaction(txnNumber);
    if (txn.state === 'committed') {
      // A retried commit is fine; anything else after commit is not.
      if (name === 'commitTransaction') return txn;
      if (name === 'abortTransaction') {
        throw new MongoError(Codes.TransactionCommitted, `Transaction with { txnNumber: ${txnNumber} } has been committed.`);
      }
      throw new MongoError(Codes.TransactionCommitted, `Transaction with { txnNumber: ${txnNumber} } has been committed.`);
    }
    if (txn.state === 'aborted') throw noSuchTransaction(txnNumber);
    return txn;
  }

  /** A retryable write outside a transaction moves the session's transaction number forward. */
  noteTxnNumber(cmd: Document): void {
    const key = sessionKey(cmd.lsid);
    if (key === undefined || cmd.txnNumber === undefined || cmd.autocommit === false) return;
    const session = this.sessions.get(key);
    const n = txnNumberOf(cmd.txnNumber);
    if (session === undefined) {
      this.sessions.set(key, { txnNumber: n, txn: undefined, lastUse: Date.now() });
    } else if (n > session.txnNumber) {
      if (session.txn?.state === 'inProgress') session.txn.abort();
      session.txnNumber = n;
      session.txn = undefined;
    }
  }

  end(lsids: unknown[]): void {
    for (const lsid of lsids) {
      const key = sessionKey(lsid);
      if (key === undefined) continue;
      const s = this.sessions.get(key);
      if (s?.txn?.state === 'inProgress') s.txn.abort();
      this.sessions.delete(key);
    }
  }

  /** Aborts transactions older than mongod's transactionLifetimeLimitSeconds (60 s) and forgets idle sessions. */
  reap(now: number): void {
    for (const [key, s] of this.sessions) {
      if (s.txn?.state === 'inProgress' && now - s.txn.startedAt > 60_000) s.txn.abort();
      if (now - s.lastUse > 30 * 60_000) this.sessions.delete(key);
    }
  }
}
