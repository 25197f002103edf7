/**
 * Small shared helpers: where the course caches things, and how to name a server without its password.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ROOT } from '../paths.ts';

/** `<repo>/node_modules/.cache/nosql-lab/`: survives runs, goes away with node_modules. */
export function defaultCacheDir(): string {
  return join(ROOT, 'node_modules', '.cache', 'nosql-lab');
}

/** Writes `data` to `file` through a temporary file and a rename, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Parsed JSON of `file`, or undefined when it is missing or unreadable. */
export async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `host:port[/db]` of a connection string, never its user or password.
 * Works for `mongodb://u:p@h1:1,h2:2/db?x`, `redis://:p@h:6379/2`, `postgres://u@h:5432/test`.
 */
export function describeUrl(url: string): string {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const withoutQuery = rest.split(/[?#]/)[0] ?? '';
  const at = withoutQuery.lastIndexOf('@');
  const hostAndPath = at >= 0 ? withoutQuery.slice(at + 1) : withoutQuery;
  return hostAndPath.replace(/\/+$/, '') || 'localhost';
}
