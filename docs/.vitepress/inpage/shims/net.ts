/**
 * `net`/`tls`/`dns` for the page: the official driver calls `net.createConnection()`, and here that
 * returns one end of an in-memory socket pair whose other end the course's MongoDB emulator serves
 * (see ../mongo.ts). Nothing leaves the page.
 */
import { Duplex } from 'stream';

type Accept = (server: Duplex) => void;
let accept: Accept | undefined;

/** Called once by ../mongo.ts: every new connection's server end goes to the emulator. */
export function onConnection(handler: Accept): void {
  accept = handler;
}

/** One end of the pair; writes on one side arrive as 'data' on the other. */
class MemorySocket extends Duplex {
  peer: MemorySocket | undefined;
  remoteAddress = '127.0.0.1';
  remotePort = 27017;
  private timeout: ReturnType<typeof setTimeout> | undefined;

  override _read(): void {}

  override _write(chunk: Uint8Array, _encoding: string, done: (error?: Error | null) => void): void {
    const peer = this.peer;
    // A copy: the sender may reuse its buffer once the write is done.
    if (peer && !peer.destroyed) queueMicrotask(() => peer.push(Buffer.from(chunk)));
    done();
  }

  override _final(done: () => void): void {
    this.peer?.push(null);
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.timeout) clearTimeout(this.timeout);
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.destroyed) queueMicrotask(() => peer.destroy());
    done(error);
  }

  setKeepAlive(): this { return this; }
  setNoDelay(): this { return this; }
  /** A socket idle for `ms` emits 'timeout' in Node; our pair never idles out, so only 0 matters. */
  setTimeout(ms: number): this {
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    void ms;
    return this;
  }
  ref(): this { return this; }
  unref(): this { return this; }
}

export function createConnection(): MemorySocket {
  const client = new MemorySocket();
  const server = new MemorySocket();
  client.peer = server;
  server.peer = client;
  queueMicrotask(() => {
    if (!accept) {
      client.destroy(new Error('The in-page MongoDB emulator is not running.'));
      return;
    }
    accept(server);
    client.emit('connect');
  });
  return client;
}

export const connect = createConnection;
export function isIP(host: string): number {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 4 : host.includes(':') ? 6 : 0;
}
export const isIPv4 = (host: string): boolean => isIP(host) === 4;
export const isIPv6 = (host: string): boolean => isIP(host) === 6;
export function lookup(host: string, _options: unknown, callback: (e: Error | null, address: string, family: number) => void): void {
  callback(null, host === 'localhost' ? '127.0.0.1' : host, 4);
}
export const promises = { lookup: async (host: string) => ({ address: host, family: 4 }), resolveSrv: async () => [], resolveTxt: async () => [] };
export const resolveSrv = (_: string, cb: (e: Error) => void): void => cb(new Error('No DNS in the page.'));
export const resolveTxt = resolveSrv;
export class Socket extends MemorySocket {}
export class TLSSocket extends MemorySocket {}
export default { createConnection, connect, isIP, isIPv4, isIPv6, lookup, promises, resolveSrv, resolveTxt, Socket, TLSSocket };
