/** Which notebook is running, set by the runner for the duration of one notebook. */
import type { Backends } from '../backends/index.ts';
import type { CellSource } from './source.ts';

/** Receives cells and notes instead of the terminal (the docs site's output capture). */
export interface NotebookCapture {
  cell(title: string, prose: string | undefined): void;
  note(prose: string): void;
}

export interface NotebookContext {
  readonly file: string;
  readonly cells: readonly CellSource[];
  readonly backends: Backends;
  /** Index of the cell now running; -1 before the first. */
  index: number;
  /** When the current cell started (performance.now()). */
  startedAt: number;
  /** When set, `cell()` and `note()` report here and print nothing; only the cells' output is printed. */
  readonly capture?: NotebookCapture;
}

let active: NotebookContext | undefined;

export function currentNotebook(): NotebookContext | undefined {
  return active;
}

export function setNotebook(ctx: NotebookContext | undefined): void {
  active = ctx;
}
