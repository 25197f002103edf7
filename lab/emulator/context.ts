/** What every command handler gets: the server's shared state and the request's surroundings. */
import { ObjectId, type Document } from 'bson';
import { Cursors } from './cursors.ts';
import { Sessions, type Transaction } from './transactions.ts';
import { Store, type Catalog } from './store.ts';
import { Views } from './views.ts';

export class ServerState {
  readonly store = new Store();
  readonly cursors = new Cursors();
  /** View definitions (views.ts); the documents stay in their source collections. */
  readonly views = new Views();
  readonly sessions: Sessions;
  readonly processId = new ObjectId();
  readonly startedAt = new Date();
  host = '127.0.0.1';
  port = 0;
  nextConnectionId = 1;

  constructor() {
    this.sessions = new Sessions(this.store);
  }

  /** host:port as clients should dial it (a wildcard listen address is not dialable everywhere). */
  get me(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    return host.includes(':') ? `[${host}]:${this.port}` : `${host}:${this.port}`;
  }
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
}

export interface Ctx {
  readonly server: ServerState;
  readonly conn: ConnectionInfo;
  /** Database the command targets ($db). */
  readonly db: string;
  /** The live store, or the open transaction's snapshot. */
  readonly catalog: Catalog;
  readonly txn: Transaction | undefined;
}

export type Handler = (cmd: Document, ctx: Ctx) => Document | Promise<Document>;
