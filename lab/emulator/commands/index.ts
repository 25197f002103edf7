/**
 * Command dispatch: finds the handler, resolves the session's transaction, runs the command and
 * wraps the reply (errors become `{ ok: 0, ... }`, every reply gets $clusterTime/operationTime).
 */
import { Binary, Long, Timestamp, type Document } from 'bson';
import type { ConnectionInfo, Ctx, Handler, ServerState } from '../context.ts';
import { Codes, MongoError, commandNotFound, fromMingo } from '../errors.ts';
import { toWire } from '../numbers.ts';
import { WriteBlocked } from '../store.ts';
import type { Transaction } from '../transactions.ts';
import { adminCommands, listCommandsNames } from './admin.ts';
import { aggregateCommands } from './aggregate.ts';
import { findCommands } from './find.ts';
import { writeCommands } from './write.ts';
import { ddlCommands } from './ddl.ts';
import { explainCommands } from './explain.ts';
import { sessionCommands } from './sessions.ts';
import { viewCommand } from './views.ts';
import { refuseWriteOnView } from '../views.ts';

const table: Record<string, Handler> = {
  ...adminCommands,
  ...findCommands,
  ...writeCommands,
  ...aggregateCommands,
  ...ddlCommands,
  ...explainCommands,
  ...sessionCommands,
};
table.listCommands = (): Document => listCommandsNames(Object.keys(table));

const byLowerName = new Map(Object.keys(table).map((k) => [k.toLowerCase(), k]));

/** What may run inside a multi-document transaction (as in mongod). */
const TXN_COMMANDS = new Set([
  'find', 'getMore', 'killCursors', 'insert', 'update', 'delete', 'findAndModify', 'findandmodify',
  'aggregate', 'distinct', 'commitTransaction', 'abortTransaction', 'create', 'createIndexes',
  'hello', 'isMaster', 'ismaster', 'ping',
]);

let clusterCounter = 0;
function clusterTime(): Timestamp {
  clusterCounter = (clusterCounter + 1) % 0xffffffff;
  return new Timestamp({ t: Math.floor(Date.now() / 1000), i: clusterCounter });
}
const ZERO_HASH = new Binary(Buffer.alloc(20), 0);

/** Resolves the command name as mongod does: exact, else case-insensitive (isMaster/ismaster style). */
function handlerFor(name: string): [string, Handler] | undefined {
  const exact = table[name];
  if (exact !== undefined) return [name, exact];
  const alias = byLowerName.get(name.toLowerCase());
  return alias !== undefined ? [alias, table[alias] as Handler] : undefined;
}

export async function execute(server: ServerState, conn: ConnectionInfo, cmd: Document, db: string): Promise<Document> {
  let reply: Document;
  let txn: Transaction | undefined;
  const name = Object.keys(cmd)[0] ?? '';
  try {
    if (name === '') throw new MongoError(Codes.FailedToParse, 'no command name given');
    if (db === '') throw new MongoError(Codes.Location40571, 'OP_MSG requests require a $db argument');
    const found = handlerFor(name);
    if (found === undefined) throw commandNotFound(name);
    const [canonical, handler] = found;
    if (cmd.autocommit === false) {
      txn = server.sessions.resolve(cmd, canonical, db);
      if (!TXN_COMMANDS.has(canonical)) {
        throw new MongoError(Codes.OperationNotSupportedInTransaction, `Cannot run '${canonical}' in a multi-document transaction.`);
      }
    } else {
      server.sessions.noteTxnNumber(cmd);
    }
    const ctx: Ctx = { server, conn, db, catalog: txn ?? server.store, txn };
    // The emulator has no tailable awaitData cursors, and mongod refuses maxTimeMS on getMore for any other.
    if (canonical === 'getMore' && cmd.maxTimeMS !== undefined) {
      throw new MongoError(Codes.BadValue, 'cannot set maxTimeMS on getMore command for a non-awaitData cursor');
    }
    refuseWriteOnView(canonical, cmd, ctx);
    const viaView = viewCommand(canonical, cmd, ctx);
    reply = viaView !== undefined ? await viaView : await handler(cmd, ctx);
    // A write error inside a transaction aborts it, as in mongod.
    if (txn !== undefined && txn.state === 'inProgress' && Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0) txn.abort();
  } catch (err) {
    // A write waiting for a transaction's lock: the connection runs the command again once it ends.
    if (err instanceof WriteBlocked) throw err;
    const e = err instanceof MongoError ? err : err instanceof Error && /mingo|operator|\$/i.test(err.message) ? fromMingo(err, 'query') : new MongoError(Codes.InternalError, err instanceof Error ? err.message : String(err));
    if (txn !== undefined && txn.state === 'inProgress') txn.abort();
    reply = e.toReply();
  }
  reply = toWire(reply) as Document;
  const t = clusterTime();
  reply.$clusterTime = { clusterTime: t, signature: { hash: ZERO_HASH, keyId: Long.ZERO } };
  reply.operationTime = t;
  return reply;
}
