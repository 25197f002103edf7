/** Messages between the page (client.ts) and the worker (worker.ts). */
export type ToWorker =
  | { readonly type: 'run'; readonly id: number; readonly code: string; readonly firstLine: number }
  | { readonly type: 'reset'; readonly id: number };

export type FromWorker =
  | { readonly type: 'ready'; readonly ms: number }
  | { readonly type: 'status'; readonly text: string }
  | { readonly type: 'output'; readonly id: number; readonly text: string }
  | { readonly type: 'note'; readonly id: number; readonly text: string }
  | { readonly type: 'done'; readonly id: number; readonly ok: boolean; readonly error?: string; readonly ms: number };

/** Past this many characters a cell's output is cut and the cell stopped. */
export const MAX_OUTPUT = 200_000;
