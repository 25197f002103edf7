/**
 * The memory of a failed `mongod` download (`node_modules/.cache/nosql-lab/mongod-download.json`), so an
 * offline machine pays the failed fetch (~8 s) once a day rather than on every run.
 */
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeFileAtomic } from './where.ts';

/** How long a failed `mongod` download is trusted before trying again. */
export const DOWNLOAD_RETRY_MS = 24 * 60 * 60 * 1000;
export const DOWNLOAD_MEMORY_FILE = 'mongod-download.json';

/** What `mongod-download.json` holds after a failed fetch. */
export interface FailedDownload {
  readonly failedAt: string;
  readonly version: string;
  readonly reason: string;
  /** The settings the lookup depended on, and the paths it probed. */
  readonly lookup?: { readonly key: string; readonly paths: readonly string[] };
}

export class DownloadMemory {
  private readonly file: string;

  constructor(
    cacheDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly now: () => number,
  ) {
    this.file = join(cacheDir, DOWNLOAD_MEMORY_FILE);
  }

  /** `3 min ago` if the download of `version` failed less than 24 h ago. */
  async failedFor(version: string): Promise<string | undefined> {
    const data = await this.recent();
    return data && data.record.version === version ? data.ago : undefined;
  }

  /**
   * The same, known before loading mongodb-memory-server: the failure must carry the same settings and
   * probed paths, and none of those paths may hold a binary now.
   */
  async failedWithNoBinarySince(): Promise<string | undefined> {
    const data = await this.recent();
    const lookup = data?.record.lookup;
    if (!data || !lookup || lookup.key !== lookupKey(this.env) || !Array.isArray(lookup.paths)) return undefined;
    if (lookup.paths.length === 0) return undefined;
    const found = await Promise.all(lookup.paths.map((p) => access(p).then(() => true, () => false)));
    return found.includes(true) ? undefined : data.ago;
  }

  async remember(version: string, reason: string, probedPaths: readonly string[]): Promise<void> {
    const record: FailedDownload = {
      failedAt: new Date(this.now()).toISOString(),
      version,
      reason,
      ...(probedPaths.length > 0 ? { lookup: { key: lookupKey(this.env), paths: probedPaths } } : {}),
    };
    // Only a time saver: a read-only node_modules must not stop the run.
    await writeFileAtomic(this.file, `${JSON.stringify(record, null, 2)}\n`).catch(() => undefined);
  }

  async forget(): Promise<void> {
    await rm(this.file, { force: true }).catch(() => undefined);
  }

  private async recent(): Promise<{ record: FailedDownload; ago: string } | undefined> {
    const record = (await readJson(this.file)) as Partial<FailedDownload> | undefined;
    if (!record || typeof record.failedAt !== 'string' || typeof record.version !== 'string') return undefined;
    const age = this.now() - Date.parse(record.failedAt);
    if (Number.isNaN(age) || age < 0 || age >= DOWNLOAD_RETRY_MS) return undefined;
    return { record: record as FailedDownload, ago: ago(age) };
  }
}

/** Everything besides the files on disk that decides where (and whether) the lookup finds mongod. */
function lookupKey(env: NodeJS.ProcessEnv): string {
  const names = ['VERSION', 'DOWNLOAD_DIR', 'SYSTEM_BINARY', 'ARCHIVE_NAME', 'DOWNLOAD_URL', 'PLATFORM', 'ARCH', 'DISTRO'];
  return JSON.stringify([process.cwd(), ...names.map((n) => env[`MONGOMS_${n}`] ?? '')]);
}

function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}
