/** Writing the course's own state files (.nosql-lab/: progress, caches). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a state file whole or not at all (a temporary file renamed over it), so a run killed mid-write or a second run never reads half of one. */
export function writeStateFile(file: string, data: string | NodeJS.ArrayBufferView): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}
