/**
 * How long `npm run lesson 1` takes, phase by phase, beside a bare `tsx` start of an empty file.
 *   npx tsx bench/lesson-run.ts [lesson[,lesson…]] [runs]      e.g. npm run bench:lesson -- 1,3,8,12 5
 * Targets (issue 6): the whole lesson run ≤ 3 s of wall clock and ≤ 4 s of CPU (user + sys, the CLI and
 * everything it starts) on a 2-core machine with the embedded defaults. CPU is measured with
 * /usr/bin/time, and is the figure to trust on a shared machine (the load average is printed with it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lab/paths.ts';

/** One lesson or several, comma-separated: `1,3,8,12`. */
const lessons = (process.argv[2] ?? '1').split(',').filter(Boolean);
const runs = Number(process.argv[3] ?? 5);
/** What `npm run lesson` runs (package.json), without npm itself in between. */
const NODE_TSX = [process.execPath, '--import', 'tsx'] as const;
const work = mkdtempSync(join(tmpdir(), 'nosql-lab-bench-'));
const empty = join(work, 'empty.ts');
writeFileSync(empty, 'export {};\n');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const TIME = '/usr/bin/time';

/** Wall clock in ms; the CPU (user + sys, children included) goes to `cpu` when /usr/bin/time exists. */
function wall(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, cpu?: number[]): number {
  const started = performance.now();
  const out = join(work, 'time.txt');
  const timed = cpu && existsSync(TIME);
  const result = timed
    ? spawnSync(TIME, ['-f', '%U %S', '-o', out, command, ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...env } })
    : spawnSync(command, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  const ms = performance.now() - started;
  if (timed) {
    const [user = 0, sys = 0] = readFileSync(out, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
    cpu.push((user + sys) * 1000);
  }
  return ms;
}

// The embedded defaults, whatever the shell has set (an empty URL counts as unset). NOSQL_LAB_MONGO=emulator
// is kept: it is what an offline machine gets once its failed mongod download is remembered (the memory is
// keyed by the working directory, so a second checkout of the course would otherwise measure the slow lookup).
const mongoChoice = process.env.NOSQL_LAB_MONGO === 'emulator' ? 'emulator' : '';
const embedded = { MONGODB_URI: '', REDIS_URL: '', DATABASE_URL: '', NOSQL_LAB_MONGO: mongoChoice };

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`.padStart(8);
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
})();

/** `runs` one-shot runs of one lesson, printed phase by phase; the targets are for lesson 1. */
function measure(lesson: string): void {
  const cpuSeconds: number[] = [];
  const bareCpu: number[] = [];
  wall(NODE_TSX[0], [...NODE_TSX.slice(1), join(ROOT, 'lab/cli/main.ts'), lesson, '--solution'], embedded); // warm caches (PGlite dump, esbuild, types)
  const bare: number[] = [];
  const total: number[] = [];
  const viaNpm: number[] = [];
  const phases: Record<string, number[]> = { 'process start → CLI ready': [], backends: [], 'notebook cells': [], 'checks (after cells)': [], 'report + close': [] };
  for (let i = 0; i < runs; i++) {
    bare.push(wall(NODE_TSX[0], [...NODE_TSX.slice(1), empty], {}, bareCpu));
    const timings = join(work, `t${i}.json`);
    total.push(wall(NODE_TSX[0], [...NODE_TSX.slice(1), join(ROOT, 'lab/cli/main.ts'), lesson, '--solution'], { ...embedded, NOSQL_LAB_TIMINGS: timings }, cpuSeconds));
    viaNpm.push(wall('npm', ['run', '--silent', 'lesson', lesson, '--', '--solution'], embedded));
    const t = JSON.parse(readFileSync(timings, 'utf8')) as Record<string, number>;
    const at = (k: string): number => t[k] ?? 0;
    phases['process start → CLI ready']?.push(at('start'));
    phases.backends?.push(at('backends') - at('start'));
    phases['notebook cells']?.push(at('cells') - at('backends'));
    phases['checks (after cells)']?.push(Math.max(0, at('checks') - at('cells')));
    phases['report + close']?.push(at('end') - Math.max(at('checks'), at('cells')));
  }
  const target = (value: number, limit: number): string => (lesson === '1' ? `   target ≤ ${(limit / 1000).toFixed(2)} s: ${value <= limit ? 'PASS' : 'MISS'}` : '');
  console.log(`npm run lesson ${lesson} -- --solution${mongoChoice ? ' (NOSQL_LAB_MONGO=emulator)' : ''} · ${runs} runs (median) · node ${process.version} · ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'} · ${commit} · load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`  ${'bare tsx start of an empty file'.padEnd(31)} ${fmt(median(bare))}   CPU ${fmt(median(bareCpu))}`);
  for (const [name, values] of Object.entries(phases)) console.log(`  ${name.padEnd(31)} ${fmt(median(values))}`);
  console.log(`  ${'whole run (wall clock)'.padEnd(31)} ${fmt(median(total))}${target(median(total), 3000)}`);
  if (cpuSeconds.length > 0) console.log(`  ${'whole run, CPU (user + sys)'.padEnd(31)} ${fmt(median(cpuSeconds))}   (min ${fmt(Math.min(...cpuSeconds)).trim()}, max ${fmt(Math.max(...cpuSeconds)).trim()})${target(median(cpuSeconds), 4000)}`);
  console.log(`  ${'the same through npm run'.padEnd(31)} ${fmt(median(viaNpm))}`);
}

for (const lesson of lessons) measure(lesson);
rmSync(work, { recursive: true, force: true });
console.log('  (the checks run on a thread while the notebook prints; "checks (after cells)" is the wait left after the last cell)');
