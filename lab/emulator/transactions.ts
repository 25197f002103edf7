/**
 * Sessions and multi-document transactions.
 *
 * Model: a transaction works on copies of the collections it touches (copied on first touch;
 * documents are immutable so a copy is just new Maps). Its writes are invisible to everyone else.
 * Write conflicts follow mongod's "first writer wins": writing a document that another open
 * transaction has written, or that changed in the live store after this transaction started,
 * fails with WriteConflict (112) labelled TransientTransactionError so `withTransaction` retries.
 * Commit re-checks, applies the writes to copies of the live collections and swaps them in,
 * so a commit is all-or-nothing.
 */
import { Long, type Binary, type Document } from 'bson';
import { Codes, MongoError } from './errors.ts';
import { Collection, type Catalog, type Store } from './store.ts';
import { keyOf, type Doc } from './values.ts';

const TRANSIENT = ['TransientTransactionError'];

type TxnState = 'inProgress' | 'committed' | 'aborted';

export class Transaction implements Catalog {
  readonly inTransaction = true;
  readonly txnNumber: number;
  state: TxnState = 'inProgress';
  private readonly store: Store;
  private readonly startClock: number;
  readonly startedAt = Date.now();
  /** ns -> the transaction's copy of the collection (null = does not exist in the snapshot). */
  private readonly views = new Map<string, Collection | null>();
  /** ns -> keyOf(_id) of every document written. */
  readonly writes = new Map<string, Set<string>>();
  private readonly locks: Map<string, Transaction>;

  constructor(store: Store, txnNumber: number, locks: Map<string, Transaction>, db: string) {
    this.store = store;
    this.txnNumber = txnNumber;
    this.startClock = store.clock;
    this.locks = locks;
    // The snapshot is taken when the transaction starts, for the whole database it starts in;
    // collections of other databases are copied on first touch.
    for (const coll of store.collections(db)) this.views.set(coll.ns, coll.clone());
  }

  get(db: string, name: string): Collection | undefined {
    const ns = `${db}.${name}`;
    if (this.views.has(ns)) return this.views.get(ns) ?? undefined;
    const live = this.store.get(db, name);
    const view = live?.clone() ?? null;
    this.views.set(ns, view);
    return view ?? undefined;
  }

  getOrCreate(db: string, name: string): Collection {
    const existing = this.get(db, name);
    if (existing !== undefined) return existing;
    const created = new Collection(db, name, {});
    this.views.set(`${db}.${name}`, created);
    return created;
  }

  private claim(coll: Collection, idKey: string): void {
    const lockKey = `${coll.ns}\u0000${idKey}`;
    const holder = this.locks.get(lockKey);
    if (holder !== undefined && holder !== this && holder.state === 'inProgress') {
      throw writeConflict();
    }
    const liveStamp = this.store.get(coll.db, coll.name)?.stamps.get(idKey);
    if (liveStamp !== undefined && liveStamp > this.startClock) throw writeConflict();
    this.locks.set(lockKey, this);
    let set = this.writes.get(coll.ns);
    if (set === undefined) {
      set = new Set();
      this.writes.set(coll.ns, set);
    }
    set.add(idKey);
  }

  insert(coll: Collection, doc: Doc): void {
    const idKey = keyOf(doc._id);
    this.claim(coll, idKey);
    coll.insert(doc, 0);
  }

  replace(coll: Collection, idKey: string, doc: Doc): void {
    this.claim(coll, idKey);
    coll.replace(idKey, doc, 0);
  }

  remove(coll: Collection, idKey: string): void {
    this.claim(coll, idKey);
    coll.remove(idKey, 0);
  }

  /** Applies the writes to the live store, all or nothing. */
  commit(): void {
    const staged: Array<[Collection, Collection]> = [];
    for (const [ns, ids] of this.writes) {
      const view = this.views.get(ns);
      if (view === undefined || view === null) continue;
      const live = this.store.get(view.db, view.name);
      const target = live?.clone() ?? new Collection(view.db, view.name, view.options);
      if (live === undefined) {
        target.uuid = view.uuid;
        for (const spec of view.indexes) if (spec.name !== '_id_') target.addIndex({ ...spec });
      }
      for (const idKey of ids) {
        const stamp = live?.stamps.get(idKey);
        if (stamp !== undefined && stamp > this.startClock) throw writeConflict();
      }
      const clock = this.store.clock + 1;
      for (const idKey of ids) {
        const doc = view.docs.get(idKey);
        if (doc === undefined) target.remove(idKey, clock);
        else target.replace(idKey, doc, clock);
      }
      staged.push([live ?? target, target]);
    }
    this.store.clock += 1;
    for (const [live, target] of staged) {
      if (live === target) {
        const created = this.store.getOrCreate(target.db, target.name);
        created.uuid = target.uuid;
        created.assign(target);
      } else live.assign(target);
    }
    this.state = 'committed';
    this.release();
  }

  abort(): void {
    this.state = 'aborted';
    this.release();
  }

  private release(): void {
    for (const [key, holder] of this.locks) if (holder === this) this.locks.delete(key);
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
  private readonly locks = new Map<string, Transaction>();
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
      session.txn = new Transaction(this.store, txnNumber, this.locks, db);
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
