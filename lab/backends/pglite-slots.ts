/**
 * On-disk PGlite data directories ("slots"), each used by one process at a time and reused between
 * runs: opening a data directory already on disk takes ~0.5 s, restoring the snapshot into memory
 * ~0.9 s, and a lesson run opens two (the notebook's and the checks'). A lock file naming its process
 * holds a slot; a slot whose process has died (Ctrl-C, a killed check) is free again, and postgres
 * recovers its data directory on the next start.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './isolation.ts';

/** Enough for a lesson run, a watch session and a parallel test run; each slot takes 60–90 MB on disk (du -sh). */
const SLOTS = 4;

export interface Slot {
  readonly dir: string;
  /** The directory holds a data directory already (else PGlite fills it from the snapshot). */
  readonly initialised: boolean;
  release(): void;
  /** Deletes a slot that would not open, then releases it. */
  discard(): void;
}

function tryLock(lock: string, retry = true): boolean {
  try {
    const fd = openSync(lock, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lock, 'utf8').trim(), 10);
    } catch {
      // Removed between our open and read: try once more below.
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
    if (!retry) return false;
    rmSync(lock, { force: true });
    return tryLock(lock, false);
  }
}

/** A free slot under `root`, or undefined when every one is taken (the caller then uses memory). */
export function acquireSlot(root: string): Slot | undefined {
  try {
    mkdirSync(root, { recursive: true });
  } catch {
    return undefined; // A read-only cache: memory it is.
  }
  for (let i = 0; i < SLOTS; i++) {
    const lock = join(root, `slot-${i}.lock`);
    if (!tryLock(lock)) continue;
    const dir = join(root, `slot-${i}`);
    // The slot is ours alone now; a postmaster.pid left by a killed process would stop postgres.
    rmSync(join(dir, 'postmaster.pid'), { force: true });
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      try {
        unlinkSync(lock);
      } catch {
        // Already gone.
      }
    };
    return {
      dir,
      initialised: existsSync(join(dir, 'PG_VERSION')),
      release,
      discard: () => {
        rmSync(dir, { recursive: true, force: true });
        release();
      },
    };
  }
  return undefined;
}
