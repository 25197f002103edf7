/**
 * Which MongoDB a run talks to, in one order:
 *   MONGODB_URI → (NOSQL_LAB_MONGO forces `emulator` | `memory-server`) → mongodb-memory-server when a
 *   `mongod` binary is installed or can be fetched → the course's emulator, with a one-line reason.
 *
 * A failed binary download is remembered for 24 h (download-memory.ts), so an offline machine pays the
 * failed fetch (~8 s) once, not on every run. mongodb-memory-server and the emulator are imported only
 * when chosen.
 */
import type { MongoConnection, MongoServer } from './types.ts';
import {
  MongoBinaryUnavailableError,
  MongoStartError,
  MongoUnreachableError,
  UnknownMongoChoiceError,
  shortReason,
} from './errors.ts';
import { defaultCacheDir, describeUrl } from './where.ts';
import { DownloadMemory } from './download-memory.ts';
import { defaultMongoBinaries, startReplicaSet } from './mongod.ts';
import type { MongoBinaryFinder } from './mongod.ts';

export { DOWNLOAD_MEMORY_FILE, DOWNLOAD_RETRY_MS } from './download-memory.ts';
export type { FailedDownload } from './download-memory.ts';
export { defaultMongoBinaries } from './mongod.ts';
export type { MongoBinaryFinder } from './mongod.ts';

export const MONGO_CHOICES = ['auto', 'emulator', 'memory-server'] as const;
export type MongoChoice = (typeof MONGO_CHOICES)[number];

export interface ResolveMongoOptions {
  /** Where the failed-download memory lives; default `node_modules/.cache/nosql-lab/`. */
  cacheDir?: string;
  binaries?: (env: NodeJS.ProcessEnv) => Promise<MongoBinaryFinder>;
  startMemoryServer?: (binaryPath: string, version: string) => Promise<MongoServer>;
  startEmulator?: (reason: string) => Promise<MongoServer>;
  /**
   * Port for a server we start (emulator or mongod); default a free one. Lets a caller hand the
   * address to another process before the server is up (the driver waits for it to appear).
   */
  port?: number;
  /** Where the one-line download notice goes; default stderr. */
  notice?: (line: string) => void;
  now?: () => number;
}

export async function resolveMongoServer(
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveMongoOptions = {},
): Promise<MongoServer> {
  const uri = env['MONGODB_URI']?.trim();
  if (uri) return externalServer(uri);

  const choice = parseChoice(env['NOSQL_LAB_MONGO']);
  const startEmulator = options.startEmulator ?? ((reason: string) => startEmulatorServer(reason, options.port ?? 0));
  if (choice === 'emulator') return startEmulator('NOSQL_LAB_MONGO=emulator');

  const forced = choice === 'memory-server';
  const fallBack = async (reason: string): Promise<MongoServer> => {
    if (forced) throw new MongoBinaryUnavailableError(reason);
    return startEmulator(`no mongod binary: ${reason}`);
  };

  const memory = new DownloadMemory(options.cacheDir ?? defaultCacheDir(), env, options.now ?? Date.now);
  const emulatorAfterFailure = (ago: string): Promise<MongoServer> =>
    startEmulator(`no mongod binary; download failed ${ago}`);
  if (!forced) {
    // Fast path: a recent failure, the same settings, and still no binary at any path the lookup probes.
    const ago = await memory.failedWithNoBinarySince();
    if (ago) return emulatorAfterFailure(ago);
  }

  const finder = await (options.binaries ?? defaultMongoBinaries)(env);
  let binary: string | undefined;
  try {
    binary = await finder.locate();
  } catch (error) {
    return fallBack(shortReason(error));
  }

  if (binary === undefined) {
    if (isFalse(env['MONGOMS_RUNTIME_DOWNLOAD'])) return fallBack('MONGOMS_RUNTIME_DOWNLOAD is off');
    const ago = forced ? undefined : await memory.failedFor(finder.version);
    if (ago) return emulatorAfterFailure(ago);

    (options.notice ?? ((line: string) => process.stderr.write(`${line}\n`)))(
      `Downloading mongod ${finder.version} once for mongodb-memory-server (NOSQL_LAB_MONGO=emulator skips this)…`,
    );
    try {
      binary = await finder.download();
      await memory.forget();
    } catch (error) {
      const reason = `download failed: ${shortReason(error)}`;
      await memory.remember(finder.version, reason, (await finder.candidates?.().catch(() => undefined)) ?? []);
      return fallBack(reason);
    }
  }

  const startMemoryServer = options.startMemoryServer ?? ((path: string, version: string) => startReplicaSet(path, version, options.port));
  try {
    return await startMemoryServer(binary, finder.version);
  } catch (error) {
    if (forced) throw new MongoStartError('mongodb-memory-server', shortReason(error), MEMORY_SERVER_NEXT);
    return startEmulator(`mongod did not start: ${shortReason(error)}`);
  }
}

/**
 * True when `resolveMongoServer` will download nothing: a URI, a forced emulator, a remembered failed
 * download, or a mongod already on disk. The lesson runner starts its checks on the server's address
 * before the server is up only then; a first download can take minutes.
 */
export async function mongoStartIsQuick(env: NodeJS.ProcessEnv = process.env, options: ResolveMongoOptions = {}): Promise<boolean> {
  if (env['MONGODB_URI']?.trim()) return true;
  const choice = parseChoice(env['NOSQL_LAB_MONGO']);
  if (choice === 'emulator' || isFalse(env['MONGOMS_RUNTIME_DOWNLOAD'])) return true;
  const memory = new DownloadMemory(options.cacheDir ?? defaultCacheDir(), env, options.now ?? Date.now);
  if (choice === 'auto' && (await memory.failedWithNoBinarySince())) return true;
  const finder = await (options.binaries ?? defaultMongoBinaries)(env);
  return (await finder.locate().catch(() => undefined)) !== undefined;
}

export interface ConnectMongoOptions {
  /** The uri came from MONGODB_URI (the error then says how to go back to the embedded server). */
  fromEnv?: boolean;
  /** How long to look for the server; default 5 s. */
  serverSelectionTimeoutMS?: number;
}

/** Opens the official driver on `uri` and picks `dbName`. */
export async function connectMongo(
  uri: string,
  dbName: string,
  opts: ConnectMongoOptions = {},
): Promise<MongoConnection> {
  const fromEnv = opts.fromEnv ?? false;
  // Loaded here, not at the top: vitest's global setup resolves servers without ever opening a client.
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new MongoUnreachableError(describeUrl(uri), shortReason(error, 120), fromEnv);
  }
  let closing: Promise<void> | undefined;
  return {
    client,
    db: client.db(dbName),
    close: () => (closing ??= client.close()),
  };
}

const MEMORY_SERVER_NEXT = 'Unset NOSQL_LAB_MONGO to fall back to the emulator, or set MONGODB_URI.';
const EMULATOR_NEXT = 'Set MONGODB_URI to a running MongoDB, or install mongod and point MONGOMS_SYSTEM_BINARY at it.';

function parseChoice(raw: string | undefined): MongoChoice {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '') return 'auto';
  if ((MONGO_CHOICES as readonly string[]).includes(value)) return value as MongoChoice;
  throw new UnknownMongoChoiceError(raw ?? '', MONGO_CHOICES);
}

function externalServer(uri: string): MongoServer {
  return { kind: 'uri', uri, label: `MONGODB_URI (${describeUrl(uri)})`, stop: async () => undefined };
}

async function startEmulatorServer(reason: string, port: number): Promise<MongoServer> {
  const { startMongoEmulator } = await import('../emulator/index.ts');
  let emulator: Awaited<ReturnType<typeof startMongoEmulator>>;
  try {
    emulator = await startMongoEmulator({ port });
  } catch (error) {
    throw new MongoStartError('the MongoDB emulator', shortReason(error), EMULATOR_NEXT);
  }
  let stopping: Promise<void> | undefined;
  return {
    kind: 'emulator',
    uri: emulator.uri,
    label: `emulator (${reason})`,
    stop: () => (stopping ??= emulator.stop()),
  };
}

function isFalse(value: string | undefined): boolean {
  return value !== undefined && /^(0|false|no|off)$/i.test(value.trim());
}
