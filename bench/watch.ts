/**
 * Save → verdict under `npm run lesson N -- --watch`: the median of N saves, wall clock and the CPU the
 * CLI process used (all its threads), in a throw-away copy of the course.
 *   npm run bench:watch [-- lesson saves]          (default: lesson 1, 10 saves)
 * Target (issue 6): median ≤ 1.5 s for lesson 01 on the 2-core machine.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lab/paths.ts';
import { findLesson } from '../lab/lessons.ts';
import { lessonId } from '../lab/lesson.ts';

const lesson = await findLesson(process.argv[2] ?? '1');
const saves = Number(process.argv[3] ?? 10);
const id = lessonId(lesson);
const file = lesson.exercises[0] ?? 'exercise.ts';

const dir = mkdtempSync(join(tmpdir(), 'nosql-lab-watch-'));
for (const entry of ['lab', 'lessons', 'solutions', 'test', 'package.json', 'tsconfig.json', 'vitest.config.ts']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
const exercise = join(dir, 'lessons', id, file);
const versions = [readFileSync(join(ROOT, 'solutions', id, file), 'utf8'), readFileSync(exercise, 'utf8')];

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** user + sys of a process and all its threads, in seconds (Linux /proc). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const env = { ...process.env, NO_COLOR: '1', NOSQL_LAB_MONGO: process.env.NOSQL_LAB_MONGO || 'emulator', MONGODB_URI: '', REDIS_URL: '', DATABASE_URL: '' };
const cli = spawn(process.execPath, ['--import', 'tsx', join(dir, 'lab', 'cli', 'main.ts'), String(lesson.number), '--watch'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
let verdicts = 0;
const waiters: Array<() => void> = [];
cli.stdout.on('data', (chunk: Buffer) => {
  out += chunk.toString();
  const count = out.split('save to re-check').length - 1;
  while (count > verdicts) {
    verdicts += 1;
    waiters.shift()?.();
  }
});
cli.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
const nextVerdict = (): Promise<void> => new Promise((resolve) => waiters.push(resolve));

const started = performance.now();
await nextVerdict();
const first = performance.now() - started;
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < saves; i++) {
  await new Promise((r) => setTimeout(r, 300)); // a person does not save twice in 300 ms
  const c0 = cpuOf(cli.pid ?? 0);
  const t0 = performance.now();
  const verdict = nextVerdict();
  writeFileSync(exercise, versions[i % 2] ?? '');
  await verdict;
  wall.push(performance.now() - t0);
  cpu.push(cpuOf(cli.pid ?? 0) - c0);
}
cli.kill('SIGINT');
await new Promise((r) => cli.on('close', r));
rmSync(dir, { recursive: true, force: true });

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
console.log(`npm run lesson ${lesson.number} -- --watch · ${saves} saves (solution / starter in turn) · node ${process.version} · ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'} · load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`  first verdict after start     ${fmt(first)}`);
console.log(`  save → verdict, median        ${fmt(median(wall))}   (min ${fmt(Math.min(...wall))}, max ${fmt(Math.max(...wall))})   target ≤ 1.50 s: ${median(wall) <= 1500 ? 'PASS' : 'MISS'}`);
console.log(`  CPU per save (user+sys), med  ${median(cpu).toFixed(2)} s`);
