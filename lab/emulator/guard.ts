/**
 * What keeps one operation from stalling the server: its `maxTimeMS` deadline (error 50, as mongod),
 * cooperative yielding so long scans and pipelines let other clients' commands run in between, and
 * the memory limits mongod applies to single expressions and accumulators (error 146).
 */
import { Codes, MongoError } from './errors.ts';

/** mongod's per-accumulator / per-$range memory limit (internalQueryMaxPushBytes and friends): 100 MiB. */
export const MEMORY_LIMIT_BYTES = 100 * 1024 * 1024;
/**
 * The emulator's own ceiling for one operation's in-memory state ($group groups, $sort input…),
 * where mongod would spill to disk. Above it the operation fails with 146 instead of exhausting the heap.
 */
export const OPERATION_MEMORY_BYTES = 512 * 1024 * 1024;
/** Longest one call of server-side JavaScript may run when no maxTimeMS is given. */
export const SCRIPT_CALL_LIMIT_MS = 1000;
/** Work between two yields: a slice this long, then other connections get their turn. */
const SLICE_MS = 8;

export function maxTimeExpired(): MongoError {
  return new MongoError(Codes.MaxTimeMSExpired, 'operation exceeded time limit');
}

export class OpGuard {
  /** Epoch ms after which the operation fails with 50; Infinity without maxTimeMS. */
  readonly deadline: number;
  private sliceStart = Date.now();

  constructor(maxTimeMS?: number) {
    this.deadline = maxTimeMS !== undefined && maxTimeMS > 0 ? Date.now() + maxTimeMS : Number.POSITIVE_INFINITY;
  }

  get limited(): boolean {
    return Number.isFinite(this.deadline);
  }

  /** Milliseconds left before the deadline (Infinity without one). */
  remaining(): number {
    return this.deadline - Date.now();
  }

  /** Throws 50 MaxTimeMSExpired once the deadline has passed. */
  check(): void {
    if (Date.now() > this.deadline) throw maxTimeExpired();
  }

  /** True when the current slice of work has run long enough that the caller should `pause()`. */
  shouldYield(): boolean {
    return Date.now() - this.sliceStart >= SLICE_MS;
  }

  /** Lets the event loop serve other connections (setImmediate runs after pending I/O), then checks the deadline. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = Date.now();
    this.check();
  }

  /** check() always, pause() when the slice is used up: call it every few hundred documents. */
  async tick(): Promise<void> {
    this.check();
    if (this.shouldYield()) await this.pause();
  }
}

/** A guard for a command: its maxTimeMS, validated as mongod does (a non-negative 32-bit integer). */
export function guardFor(cmd: { maxTimeMS?: unknown }): OpGuard {
  const raw = cmd.maxTimeMS;
  if (raw === undefined || raw === null) return new OpGuard();
  const n = typeof raw === 'number' ? raw : Number((raw as { valueOf(): unknown }).valueOf());
  if (!Number.isFinite(n) || n < 0 || n > 2 ** 31 - 1 || !Number.isInteger(n)) {
    throw new MongoError(Codes.BadValue, `${String(raw)} value for maxTimeMS is out of range [0, 2147483647]`);
  }
  return new OpGuard(n);
}
