/**
 * `npm run bench:grade [-- LEARNERS]`: grades a made-up class (default 30: a third complete, a third
 * half done, a third untouched, two of them hostile) on every lesson, and prints how long it took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
const lessons = await loadLessons();
const root = mkdtempSync(join(tmpdir(), 'bench-grade-'));
try {
  makeClass(join(root, 'class'), lessons, kinds, join(root, 'canary', 'keep.txt'));
  const jobs = availableParallelism();
  process.stdout.write(`Grading ${count} learners × ${lessons.length} lessons with --jobs ${jobs} (load average ${loadavg()[0]?.toFixed(1)})…\n`);
  const started = performance.now();
  const report = await grade(learnersIn(join(root, 'class')).learners, { out: join(root, 'grades'), jobs, timeout: 90, log: () => undefined });
  const seconds = (performance.now() - started) / 1000;
  const per = report.learners.map((l) => l.seconds).sort((a, b) => a - b);
  process.stdout.write(`${count} learners graded in ${seconds.toFixed(1)} s (${(seconds / count).toFixed(1)} s a learner; one learner's own run: median ${per[per.length >> 1]} s, max ${per[per.length - 1]} s)\n`);
  process.stdout.write(`points: ${report.learners.map((l) => `${l.points}/${l.max}`).join(' ')}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
