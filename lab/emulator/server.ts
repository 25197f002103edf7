/** The TCP listener: accepts connections, runs the housekeeping timer, stops cleanly. */
import { createServer, type Server, type Socket } from 'node:net';
import { Connection } from './connection.ts';
import { ServerState } from './context.ts';

/**
 * Housekeeping period. mongod's TTL monitor runs every 60 s; ours runs every second (and reads of a
 * TTL collection purge it first) so lessons see documents expire without waiting a minute.
 */
const HOUSEKEEPING_MS = 1000;

export class EmulatorServer {
  readonly state = new ServerState();
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
    // A failing accept must not take the process down.
    this.server.on('error', () => undefined);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const conn = new Connection(socket, this.state);
    this.connections.add(conn);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.connections.delete(conn);
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
        this.state.host = host;
        this.state.port = actual;
        this.timer = setInterval(() => this.housekeeping(), HOUSEKEEPING_MS);
        this.timer.unref();
        resolve(actual);
      });
    });
  }

  private housekeeping(): void {
    const now = Date.now();
    try {
      this.state.store.purgeExpired(now);
      this.state.cursors.sweep(now);
      this.state.sessions.reap(now);
    } catch {
      // Housekeeping must never crash the server; the next tick retries.
    }
  }

  stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.connections) c.close();
    for (const s of this.sockets) s.destroy();
    this.connections.clear();
    this.sockets.clear();
    this.state.cursors.clear();
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }
}
