/**
 * One error class per thing that can go wrong while choosing or opening a backend.
 * Every message says what happened and what to do next, in one or two sentences.
 */

/** Base class, so callers (the CLI, the check runner) can show these without a stack. */
export class BackendError extends Error {
  override readonly name: string = 'BackendError';
}

export class UnknownMongoChoiceError extends BackendError {
  override readonly name = 'UnknownMongoChoiceError';
  constructor(value: string, allowed: readonly string[]) {
    super(
      `NOSQL_LAB_MONGO=${JSON.stringify(value)} is not a choice. Use one of: ${allowed.join(', ')} ` +
        `(or unset it to let the course choose).`,
    );
  }
}

export class MongoBinaryUnavailableError extends BackendError {
  override readonly name = 'MongoBinaryUnavailableError';
  constructor(reason: string) {
    super(
      `NOSQL_LAB_MONGO=memory-server, but no mongod binary could be had (${reason}). ` +
        `Point MONGOMS_SYSTEM_BINARY at an installed mongod, connect to a server with MONGODB_URI, ` +
        `or use NOSQL_LAB_MONGO=emulator.`,
    );
  }
}

export class MongoStartError extends BackendError {
  override readonly name = 'MongoStartError';
  constructor(what: string, reason: string, next: string) {
    super(`Could not start ${what}: ${reason}. ${next}`);
  }
}

export class MongoUnreachableError extends BackendError {
  override readonly name = 'MongoUnreachableError';
  constructor(where: string, reason: string, fromEnv: boolean) {
    super(
      `Could not reach MongoDB at ${where} — is it running? (${reason})` +
        (fromEnv ? ' Unset MONGODB_URI to use the embedded server.' : ''),
    );
  }
}

export class RedisUnreachableError extends BackendError {
  override readonly name = 'RedisUnreachableError';
  constructor(where: string, reason: string) {
    super(`Could not reach Redis at ${where} — is it running? Unset REDIS_URL to use the in-memory mock. (${reason})`);
  }
}

export class PostgresUnreachableError extends BackendError {
  override readonly name = 'PostgresUnreachableError';
  constructor(where: string, reason: string) {
    super(
      `Could not reach PostgreSQL at ${where} — is it running, and does the database exist? ` +
        `Unset DATABASE_URL to use the embedded PGlite. (${reason})`,
    );
  }
}

export class InvalidSchemaNameError extends BackendError {
  override readonly name = 'InvalidSchemaNameError';
  constructor(schema: string) {
    super(`${JSON.stringify(schema)} is not a usable schema name: use lower-case letters, digits and _ only.`);
  }
}

export class BackendNotRequestedError extends BackendError {
  override readonly name = 'BackendNotRequestedError';
  constructor(backend: string, needs: readonly string[]) {
    super(
      `This test file did not ask for ${backend}: it called useBackends(${JSON.stringify(needs)}). ` +
        `Add '${backend}' to that list.`,
    );
  }
}

export class BackendNotReadyError extends BackendError {
  override readonly name = 'BackendNotReadyError';
  constructor(handle: string, state: 'not-open' | 'closed') {
    super(
      state === 'not-open'
        ? `backends.${handle} is only available inside tests and hooks, after useBackends' beforeAll has run. ` +
            `Call useBackends([...]) at the top of the file and read backends.${handle} inside it()/beforeEach().`
        : `backends.${handle} was used after the file's afterAll closed it. Use it only inside tests and hooks.`,
    );
  }
}

/** First line of an error's message, without the noise, for one-line reasons. */
export function shortReason(error: unknown, max = 80): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim();
  // Name the network failure in words: a refused connection is a server that is not running, not "offline".
  const code = /\b(ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/.exec(text)?.[1];
  const words: Record<string, string> = {
    ENOTFOUND: 'offline',
    EAI_AGAIN: 'offline',
    ENETUNREACH: 'offline',
    EHOSTUNREACH: 'host unreachable',
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
  };
  if (code) return `${words[code] ?? 'network error'} (${code})`;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
