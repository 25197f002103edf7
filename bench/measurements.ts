/**
 * Lesson 12's measurements on this machine, on the embedded defaults and on the real servers the
 * environment names, saved as the docs site's committed sample (docs/measurements/sample.json).
 *
 *   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
 *     npm run bench:measurements -- "a note about the machine, e.g. what else was running"
 *
 * Each run is lesson 12's notebook in a child process of its own (a fresh module, fresh databases); the
 * notebook writes .nosql-lab/measurements.json, which is read after each run. Without REDIS_URL,
 * DATABASE_URL or MONGODB_URI only the embedded run is made.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBackends } from '../lab/backends/index.ts';
import { findLesson } from '../lab/lessons.ts';
import { runNotebook } from '../lab/notebook/run.ts';
import { ROOT, STATE_DIR } from '../lab/paths.ts';
import type { Measurements } from '../lessons/12-choosing-and-measuring/bench.ts';

const SAMPLE = join(ROOT, 'docs', 'measurements', 'sample.json');
const RESULT = join(STATE_DIR, 'measurements.json');

async function child(): Promise<void> {
  const lesson = await findLesson('12');
  const backends = await openBackends(lesson.databases, { dbName: 'bench_measurements' });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write; // the notebook's cells: not wanted here
  try {
    const result = await runNotebook(lesson, backends);
    if (!result.ok) throw new Error('lesson 12 notebook failed: run `npm run lesson 12` to see where.');
  } finally {
    process.stdout.write = write;
    await backends.close();
  }
}

function run(label: string, env: NodeJS.ProcessEnv): Measurements {
  process.stderr.write(`measuring on ${label}…\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/measurements.ts'), '--child'], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`the ${label} run failed (exit ${result.status}).`);
  return JSON.parse(readFileSync(RESULT, 'utf8')) as Measurements;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child();
  const note = process.argv.slice(2).filter((a) => !a.startsWith('--')).join(' ');
  const runs: Measurements[] = [run('the embedded defaults', { NOSQL_LAB_MONGO: 'emulator', MONGODB_URI: '', REDIS_URL: '', DATABASE_URL: '' })];
  if (process.env['REDIS_URL'] || process.env['DATABASE_URL'] || process.env['MONGODB_URI']) {
    runs.push(run('the servers in the environment', {}));
  }
  mkdirSync(join(ROOT, 'docs', 'measurements'), { recursive: true });
  const sample = {
    version: 1,
    command: 'npm run bench:measurements (lesson 12\'s notebook, once per set of backends)',
    note,
    runs,
  };
  writeFileSync(SAMPLE, `${JSON.stringify(sample, null, 2)}\n`);
  for (const r of runs) {
    process.stderr.write(`\n${r.backends}\n`);
    for (const c of r.claims) process.stderr.write(`  ${c.claim.padEnd(18)} ${c.measured.toFixed(3).padStart(10)} ${c.unit}  ${c.verdict}\n`);
  }
  process.stderr.write(`\nwrote docs/measurements/sample.json (${runs.length} runs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
