/**
 * The page's side of the runtime: starts the worker, sends it cells one at a time, streams their
 * output back, and stops a runaway cell (too long, too much output) by terminating the worker and
 * starting a fresh one, so the page stays usable.
 */
import type { FromWorker, ToWorker } from './protocol.ts';

/** How long one cell may run (time spent loading PGlite does not count). */
export const TIME_LIMIT_MS = 10_000;

export interface CellResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
}

export interface RunHandlers {
  output(text: string): void;
  note(text: string): void;
}

interface Pending {
  readonly handlers: RunHandlers;
  readonly resolve: (result: CellResult) => void;
  readonly started: number;
  loadingSince?: number;
  loadingMs: number;
}

export class PageRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /** Called with "Loading PostgreSQL…" while PGlite loads, then with ''. */
  onStatus: (text: string) => void = () => undefined;
  private status = '';
  readyMs: number | undefined;

  /** Starts the worker (and so the databases) ahead of the first Run. */
  start(): void {
    if (this.worker) return;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'nosql-lab-cells' });
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => this.receive(event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      // An error thrown outside any cell (a driver's timer, say) leaves the worker running; one
      // before it is ready means it could not start at all.
      if (this.readyMs === undefined) this.stop(`The in-page runtime could not start: ${event.message || 'unknown error'}. Reload the page to try again.`);
    });
    this.worker = worker;
  }

  private receive(m: FromWorker): void {
    if (m.type === 'ready') {
      this.readyMs = m.ms;
      return;
    }
    if (m.type === 'status') {
      this.status = m.text;
      const now = performance.now();
      for (const p of this.pending.values()) {
        if (m.text && p.loadingSince === undefined) p.loadingSince = now;
        if (!m.text && p.loadingSince !== undefined) {
          p.loadingMs += now - p.loadingSince;
          p.loadingSince = undefined;
        }
      }
      this.onStatus(m.text);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'output') p.handlers.output(m.text);
    else if (m.type === 'note') p.handlers.note(m.text);
    else {
      this.pending.delete(m.id);
      p.resolve({ ok: m.ok, ...(m.error !== undefined ? { error: m.error } : {}), ms: m.ms });
    }
  }

  private send(message: ToWorker, handlers: RunHandlers): Promise<CellResult> {
    this.start();
    this.armWatchdog();
    return new Promise((resolve) => {
      this.pending.set(message.id, { handlers, resolve, started: performance.now(), loadingMs: 0, ...(this.status ? { loadingSince: performance.now() } : {}) });
      this.worker?.postMessage(message);
    });
  }

  run(code: string, firstLine: number, handlers: RunHandlers): Promise<CellResult> {
    return this.send({ type: 'run', id: this.nextId++, code, firstLine }, handlers);
  }

  reset(): Promise<CellResult> {
    return this.send({ type: 'reset', id: this.nextId++ }, { output: () => undefined, note: () => undefined });
  }

  /** Checks the oldest pending cell's running time, less any time spent loading PGlite. */
  private armWatchdog(): void {
    this.watchdog ??= setInterval(() => {
      const now = performance.now();
      // The worker runs one message at a time, so only the oldest can be running.
      const first = this.pending.values().next();
      if (first.done) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        return;
      }
      const p = first.value;
      const loading = p.loadingMs + (p.loadingSince !== undefined ? now - p.loadingSince : 0);
      if (now - p.started - loading > TIME_LIMIT_MS) {
        this.stop(`Stopped after ${TIME_LIMIT_MS / 1000} s: the cell did not finish (an endless loop?). The databases were reset; use "Run all above" to restore the page's state.`);
      }
    }, 250);
  }

  /** Terminates the worker: every pending cell fails with `message`; the next run starts a fresh one. */
  stop(message: string): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.readyMs = undefined;
    this.status = '';
    this.onStatus('');
    const pending = [...this.pending.values()];
    this.pending.clear();
    pending.forEach((p, i) => p.resolve({ ok: false, error: i === 0 ? message : 'Not run: the page was reset.', ms: performance.now() - p.started }));
  }

  dispose(): void {
    this.stop('The page was left.');
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}
