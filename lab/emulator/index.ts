/**
 * The course's MongoDB emulator: an in-process server that speaks the MongoDB wire protocol,
 * so the official `mongodb` driver connects to it unchanged.
 *
 * Public API (stable — the backends and the tests depend on it):
 *   const emu = await startMongoEmulator({ port: 0 });   // 0 picks a free port
 *   emu.uri   // 'mongodb://127.0.0.1:PORT/'
 *   await emu.stop();                                    // frees the port, leaves no timer or socket
 */
import { EmulatorServer } from './server.ts';

export interface MongoEmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  host?: string;
}

export interface MongoEmulator {
  /** Connection string, always ending in '/', e.g. 'mongodb://127.0.0.1:27017/'. */
  readonly uri: string;
  readonly port: number;
  /** Closes every connection and the listener; resolves when the port is free. */
  stop(): Promise<void>;
}

export async function startMongoEmulator(options: MongoEmulatorOptions = {}): Promise<MongoEmulator> {
  const host = options.host ?? '127.0.0.1';
  const server = new EmulatorServer();
  const port = await server.listen(options.port ?? 0, host);
  let stopping: Promise<void> | undefined;
  return {
    uri: `mongodb://${server.state.me}/`,
    port,
    stop(): Promise<void> {
      stopping ??= server.stop();
      return stopping;
    },
  };
}
