/**
 * mongodb-memory-server: finding (or fetching) a `mongod` binary, and starting it as a one-member
 * replica set. Imported lazily: a run that does not start mongod never loads mongodb-memory-server-core.
 */
import type { MongoServer } from './types.ts';

/** Finds (and, if asked, fetches) the `mongod` binary. The default wraps mongodb-memory-server-core. */
export interface MongoBinaryFinder {
  /** The mongod version that would be used (keys the failed-download memory). */
  readonly version: string;
  /** Path of a binary already on disk, without downloading; throws if MONGOMS_SYSTEM_BINARY is bad. */
  locate(): Promise<string | undefined>;
  /** Downloads the binary (once; it is cached on disk) and returns its path. */
  download(): Promise<string>;
  /**
   * Every path `locate()` looks at. Recorded with a failed download, so that later runs can see that
   * none of them has appeared without loading mongodb-memory-server at all (~0.25 s saved per run).
   */
  candidates?(): Promise<string[]>;
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
    candidates: async () => {
      const paths = Object.values(await DryMongoBinary.generatePaths(opts));
      return [...new Set(paths)].filter((p) => p !== '');
    },
  };
}

/** A one-member replica set (transactions need one), wiredTiger, its dbPath removed on stop. */
export async function startReplicaSet(binaryPath: string, version: string, port?: number): Promise<MongoServer> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: binaryPath, version },
    ...(port ? { instanceOpts: [{ port }] } : {}),
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
