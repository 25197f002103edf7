/**
 * The page's notebook runtime, in a Web Worker so a cell never freezes the page: it owns the
 * databases (backends.ts) and the scope every cell of the page shares, and runs one cell at a time.
 * The page stops a runaway cell by terminating this worker and starting another.
 */
import './globals.ts';
import { format as inspectFormat } from 'node-inspect-extracted';
import { format } from '../../../lab/notebook/show.ts';
import { dedent } from '../../../lab/notebook/print.ts';
import { openPageBackends, type PageBackends } from './backends.ts';
import { compileCell } from './transform.ts';
import { importFor, notebookImports } from './imports.ts';
import { describeError } from './errors.ts';
import { MAX_OUTPUT, type FromWorker, type ToWorker } from './protocol.ts';

const post = (message: FromWorker): void => (self as unknown as Worker).postMessage(message);

type AsyncFn = (scope: Record<string, unknown>) => Promise<unknown>;
const AsyncFunction = (async () => undefined).constructor as new (...args: string[]) => AsyncFn;

let current = 0;
let printed = 0;

class OutputLimit extends Error {
  override readonly name = 'OutputLimit';
}

function write(text: string): void {
  printed += text.length;
  if (printed > MAX_OUTPUT) throw new OutputLimit(`The cell printed more than ${MAX_OUTPUT.toLocaleString('en')} characters and was stopped.`);
  post({ type: 'output', id: current, text });
}

const opened = performance.now();
let backends: Promise<PageBackends> = openPageBackends((text) => post({ type: 'status', text }));
backends.then(() => post({ type: 'ready', ms: performance.now() - opened }), () => undefined);

function freshScope(): Record<string, unknown> {
  return {
    ...notebookImports,
    backends: () => backends,
    show: (value: unknown, label?: string) => write(label ? `${label}\n${format(value)}\n` : `${format(value)}\n`),
    note: (prose: string) => post({ type: 'note', id: current, text: dedent(prose) }),
    cell: () => undefined,
    console: {
      ...console,
      log: (...args: unknown[]) => write(`${inspectFormat(...args)}\n`),
      info: (...args: unknown[]) => write(`${inspectFormat(...args)}\n`),
      error: (...args: unknown[]) => write(`${inspectFormat(...args)}\n`),
      warn: (...args: unknown[]) => write(`${inspectFormat(...args)}\n`),
    },
  };
}
let scope = freshScope();

async function run(id: number, code: string, firstLine: number): Promise<void> {
  current = id;
  printed = 0;
  const started = performance.now();
  try {
    const compiled = compileCell(code);
    for (const name of compiled.declared) if (!(name in scope)) scope[name] = undefined;
    await backends;
    await importFor(code, scope);
    await new AsyncFunction('__scope', `with (__scope) {${compiled.body}\n}`)(scope);
    post({ type: 'done', id, ok: true, ms: performance.now() - started });
  } catch (error) {
    const message = error instanceof OutputLimit ? error.message : describeError(error, firstLine);
    post({ type: 'done', id, ok: false, error: message, ms: performance.now() - started });
  }
}

async function reset(id: number): Promise<void> {
  const started = performance.now();
  const old = backends;
  scope = freshScope();
  backends = old.then(async (b) => {
    await b.close();
    return openPageBackends((text) => post({ type: 'status', text }));
  });
  await backends;
  post({ type: 'done', id, ok: true, ms: performance.now() - started });
}

// One at a time, in order: a cell sees everything the cells before it did.
let queue = Promise.resolve();
self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  queue = queue.then(() => (m.type === 'run' ? run(m.id, m.code, m.firstLine) : reset(m.id)));
});
