/** Messages the check reporter (inside the vitest process) sends to the lesson runner over IPC. */
export interface CheckError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly expected?: string;
  readonly actual?: string;
  readonly diff?: string;
}

export type CheckEvent =
  | {
      readonly type: 'result';
      readonly task: string;
      readonly test: string;
      readonly state: 'passed' | 'failed' | 'skipped';
      readonly errors: readonly CheckError[];
      readonly ms: number;
    }
  | { readonly type: 'log'; readonly task: string | undefined; readonly text: string }
  /** A test file that failed before any test ran, or an error outside every test. */
  | { readonly type: 'error'; readonly errors: readonly CheckError[] }
  | { readonly type: 'end' };

export const CHECK_EVENT_TAG = 'nosql-lab:check';
