/**
 * Which MongoDB a run talks to, in one order:
 *   MONGODB_URI → (NOSQL_LAB_MONGO forces `emulator` | `memory-server`) → mongodb-memory-server when a
 *   `mongod` binary is installed or can be fetched → the course's emulator, with a one-line reason.
 *
 * A failed binary download is remembered for 24 h in `node_modules/.cache/nosql-lab/mongod-download.json`,
 * so an offline machine pays the failed fetch (~8 s) once, not on every run.
 * mongodb-memory-server and the emulator are imported only when chosen.
 */
import { MongoClient } from 'mongodb';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MongoConnection, MongoServer } from './types.ts';
import {
  MongoBinaryUnavailableError,
  MongoStartError,
  MongoUnreachableError,
  UnknownMongoChoiceError,
  shortReason,
} from './errors.ts';
import { defaultCacheDir, describeUrl, readJson, writeFileAtomic } from './where.ts';

export const MONGO_CHOICES = ['auto', 'emulator', 'memory-server'] as const;
export type MongoChoice = (typeof MONGO_CHOICES)[number];

/** How long a failed `mongod` download is trusted before trying again. */
export const DOWNLOAD_RETRY_MS = 24 * 60 * 60 * 1000;
export const DOWNLOAD_MEMORY_FILE = 'mongod-download.json';

/** Finds (and, if asked, fetches) the `mongod` binary. The default wraps mongodb-memory-server-core. */
export interface MongoBinaryFinder {
  /** The mongod version that would be used (keys the failed-download memory). */
  readonly version: string;
  /** Path of a binary already on disk, without downloading; throws if MONGOMS_SYSTEM_BINARY is bad. */
  locate(): Promise<string | undefined>;
  /** Downloads the binary (once; it is cached on disk) and returns its path. */
  download(): Promise<string>;
}

export interface ResolveMongoOptions {
  /** Where the failed-download memory lives; default `node_modules/.cache/nosql-lab/`. */
  cacheDir?: string;
  binaries?: (env: NodeJS.ProcessEnv) => Promise<MongoBinaryFinder>;
  startMemoryServer?: (binaryPath: string, version: string) => Promise<MongoServer>;
  startEmulator?: (reason: string) => Promise<MongoServer>;
  /** Where the one-line download notice goes; default stderr. */
  notice?: (line: string) => void;
  now?: () => number;
}

/** What `mongod-download.json` holds after a failed fetch. */
export interface FailedDownload {
  readonly failedAt: string;
  readonly version: string;
  readonly reason: string;
}

export async function resolveMongoServer(
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveMongoOptions = {},
): Promise<MongoServer> {
  const uri = env['MONGODB_URI']?.trim();
  if (uri) return externalServer(uri);

  const choice = parseChoice(env['NOSQL_LAB_MONGO']);
  const startEmulator = options.startEmulator ?? startEmulatorServer;
  if (choice === 'emulator') return startEmulator('NOSQL_LAB_MONGO=emulator');

  const forced = choice === 'memory-server';
  const fallBack = async (reason: string): Promise<MongoServer> => {
    if (forced) throw new MongoBinaryUnavailableError(reason);
    return startEmulator(`no mongod binary: ${reason}`);
  };

  const finder = await (options.binaries ?? defaultMongoBinaries)(env);
  let binary: string | undefined;
  try {
    binary = await finder.locate();
  } catch (error) {
    return fallBack(shortReason(error));
  }

  if (binary === undefined) {
    if (isFalse(env['MONGOMS_RUNTIME_DOWNLOAD'])) return fallBack('MONGOMS_RUNTIME_DOWNLOAD is off');
    const now = options.now ?? Date.now;
    const memoryFile = join(options.cacheDir ?? defaultCacheDir(), DOWNLOAD_MEMORY_FILE);
    const failed = await recentFailure(memoryFile, finder.version, now());
    if (failed && !forced) return startEmulator(`no mongod binary; download failed ${ago(now() - failed.at)}`);

    (options.notice ?? ((line: string) => process.stderr.write(`${line}\n`)))(
      `Downloading mongod ${finder.version} once for mongodb-memory-server (NOSQL_LAB_MONGO=emulator skips this)…`,
    );
    try {
      binary = await finder.download();
      await rm(memoryFile, { force: true }).catch(() => undefined);
    } catch (error) {
      const reason = `download failed: ${shortReason(error)}`;
      const record: FailedDownload = { failedAt: new Date(now()).toISOString(), version: finder.version, reason };
      await writeFileAtomic(memoryFile, `${JSON.stringify(record, null, 2)}\n`).catch(() => undefined);
      return fallBack(reason);
    }
  }

  const startMemoryServer = options.startMemoryServer ?? startReplicaSet;
  try {
    return await startMemoryServer(binary, finder.version);
  } catch (error) {
    if (forced) throw new MongoStartError('mongodb-memory-server', shortReason(error), MEMORY_SERVER_NEXT);
    return startEmulator(`mongod did not start: ${shortReason(error)}`);
  }
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

/** The real finder: mongodb-memory-server-core's own lookup, honouring MONGOMS_* settings. */
export async function defaultMongoBinaries(env: NodeJS.ProcessEnv): Promise<MongoBinaryFinder> {
  const { DryMongoBinary, MongoBinary } = await import('mongodb-memory-server-core');
  const opts = await DryMongoBinary.generateOptions({
    version: env['MONGOMS_VERSION'] || undefined,
    downloadDir: env['MONGOMS_DOWNLOAD_DIR'] || undefined,
    systemBinary: env['MONGOMS_SYSTEM_BINARY'] || undefined,
  });
  return {
    version: opts.version,
    locate: () => DryMongoBinary.locateBinary(opts),
    download: () => MongoBinary.download({ ...opts, checkMD5: false }),
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

/** A one-member replica set (transactions need one), wiredTiger, its dbPath removed on stop. */
async function startReplicaSet(binaryPath: string, version: string): Promise<MongoServer> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: binaryPath, version },
    replSet: { count: 1, storageEngine: 'wiredTiger' },
  });
  let stopping: Promise<void> | undefined;
  return {
    kind: 'memory-server',
    uri: replSet.getUri(),
    label: `mongodb-memory-server ${version} (replica set)`,
    stop: () => (stopping ??= replSet.stop({ doCleanup: true, force: true }).then(() => undefined)),
  };
}

async function startEmulatorServer(reason: string): Promise<MongoServer> {
  const { startMongoEmulator } = await import('../emulator/index.ts');
  let emulator: Awaited<ReturnType<typeof startMongoEmulator>>;
  try {
    emulator = await startMongoEmulator({ port: 0 });
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

async function recentFailure(file: string, version: string, now: number): Promise<{ at: number } | undefined> {
  const data = (await readJson(file)) as Partial<FailedDownload> | undefined;
  if (!data || data.version !== version || typeof data.failedAt !== 'string') return undefined;
  const at = Date.parse(data.failedAt);
  if (Number.isNaN(at) || now - at >= DOWNLOAD_RETRY_MS || at > now) return undefined;
  return { at };
}

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}

function isFalse(value: string | undefined): boolean {
  return value !== undefined && /^(0|false|no|off)$/i.test(value.trim());
}
