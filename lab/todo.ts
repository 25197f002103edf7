/**
 * What a starter stub throws. The check runner recognises it and shows the task as
 * "not started" rather than as a crash.
 */
export class TodoError extends Error {
  override readonly name = 'TodoError';
  constructor(what: string) {
    super(`TODO: ${what} — open the exercise file, find the // TODO: line and write it.`);
  }
}

/** Put `return todo('…')` (or `todo('…')`) in a stub: it type-checks as any return type. */
export function todo(what: string): never {
  throw new TodoError(what);
}
