/**
 * `npm run bench:grade [-- LEARNERS]`: grades a made-up class (default 30: a third complete, a third
 * half done, a third untouched, two of them hostile) on every lesson, and prints how long it took:
 * wall clock, CPU time (this process and every child; CPU / cores estimates the wall clock of a quiet
 * machine when the machine is shared), and the time per learner by kind.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnersIn } from '../lab/grade/discover.ts';
import { makeClass, type Kind } from '../lab/grade/fixtures.ts';
import { grade } from '../lab/grade/main.ts';
import { loadLessons } from '../lab/lessons.ts';

const count = Number(process.argv[2] ?? 30);
const kinds: Kind[] = Array.from({ length: count }, (_, i) => (['complete', 'half', 'untouched'] as const)[i % 3] ?? 'complete');
if (count >= 6) {
  kinds[count - 1] = 'loop';
  kinds[count - 2] = 'memory';
}

/** Seconds of CPU used by this process and its children that have ended (Linux: /proc), or undefined. */
function cpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime stime cutime cstime, in clock ticks (100 a second on Linux).
    return [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0) / 100;
  } catch {
    return undefined;
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const load = (): string => loadavg().map((n) => n.toFixed(1)).join(' ');

const lessons = await loadLessons();
const root = mkdtempSync(join(tmpdir(), 'bench-grade-'));
try {
  makeClass(join(root, 'class'), lessons, kinds, join(root, 'canary', 'keep.txt'));
  const jobs = availableParallelism();
  process.stdout.write(`Grading ${count} learners × ${lessons.length} lessons with --jobs ${jobs} (load average ${load()})…\n`);
  const cpuBefore = cpuSeconds();
  const started = performance.now();
  const report = await grade(learnersIn(join(root, 'class')).learners, { out: join(root, 'grades'), jobs, timeout: 90, log: () => undefined });
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds();
  const per = report.learners.map((l) => l.seconds);
  process.stdout.write(`${count} learners graded in ${seconds.toFixed(1)} s (${(seconds / count).toFixed(1)} s a learner; one learner's own run: median ${median(per)} s, max ${Math.max(...per)} s)\n`);
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    const cpu = cpuAfter - cpuBefore;
    process.stdout.write(`CPU time ${cpu.toFixed(1)} s (user + sys, children included): ${(cpu / jobs).toFixed(1)} s over ${jobs} cores; load average now ${load()}\n`);
  }
  const byKind = new Map<string, number[]>();
  report.learners.forEach((l, i) => byKind.set(kinds[i] ?? '?', [...(byKind.get(kinds[i] ?? '?') ?? []), l.seconds]));
  process.stdout.write(`per learner, wall clock: ${[...byKind].map(([kind, s]) => `${kind} median ${median(s)} s (${s.length})`).join(', ')}\n`);
  process.stdout.write(`points: ${report.learners.map((l) => `${l.points}/${l.max}`).join(' ')}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
