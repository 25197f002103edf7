/** Sessions and transactions: the commands; the state lives in transactions.ts. */
import { UUID } from 'bson';
import type { Handler } from '../context.ts';
import { Codes, MongoError } from '../errors.ts';

const commitTransaction: Handler = (_cmd, ctx) => {
  const txn = ctx.txn;
  if (txn === undefined) throw new MongoError(Codes.InvalidOptions, 'commitTransaction must be run within a transaction');
  if (txn.state === 'committed') return { ok: 1 };
  try {
    txn.commit();
  } catch (err) {
    txn.abort();
    throw err;
  }
  return { ok: 1 };
};

const abortTransaction: Handler = (_cmd, ctx) => {
  const txn = ctx.txn;
  if (txn === undefined) throw new MongoError(Codes.InvalidOptions, 'abortTransaction must be run within a transaction');
  txn.abort();
  return { ok: 1 };
};

export const sessionCommands: Record<string, Handler> = {
  commitTransaction,
  abortTransaction,
  endSessions: (cmd, ctx) => {
    ctx.server.sessions.end(Array.isArray(cmd.endSessions) ? cmd.endSessions : []);
    return { ok: 1 };
  },
  killSessions: (cmd, ctx) => {
    ctx.server.sessions.end(Array.isArray(cmd.killSessions) ? cmd.killSessions : []);
    return { ok: 1 };
  },
  killAllSessions: () => ({ ok: 1 }),
  refreshSessions: () => ({ ok: 1 }),
  startSession: () => ({ id: { id: new UUID() }, timeoutMinutes: 30, ok: 1 }),
};
