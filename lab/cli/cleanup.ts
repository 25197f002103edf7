/**
 * One place that knows what must be closed when the CLI ends — normally or by Ctrl-C — so no
 * mongod, port, child process or PGlite handle is left behind.
 */
type Cleanup = () => Promise<void> | void;

const cleanups = new Set<Cleanup>();
let installed = false;
let exiting = false;

export function onCleanup(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export async function cleanupAll(): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of pending) {
    try {
      await fn();
    } catch {
      // Closing is best effort: one failed close must not keep the others open.
    }
  }
}

/** True once Ctrl-C (or SIGTERM) has started closing everything: errors from closed clients are expected then. */
export function isExiting(): boolean {
  return exiting;
}

/** Called once by the CLI's entry point; library code (and tests that import it) never install handlers. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (exiting) process.exit(130);
      exiting = true;
      // Cells still running meet closed clients (MongoClientClosedError…): nothing to tell the learner.
      process.on('unhandledRejection', () => undefined);
      process.stderr.write('\nStopping: closing databases and servers…\n');
      const force = setTimeout(() => process.exit(130), 5000);
      force.unref();
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}
