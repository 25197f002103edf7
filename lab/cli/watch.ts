/**
 * `--watch`, the main loop: check once, then again on every save of an exercise file. The databases,
 * the test runner (a warm thread, lab/checks/warm.ts) and the type checker stay loaded between saves,
 * so a verdict comes about a second after a save. Keys: h hint, l list, r re-run, n next lesson (once
 * this one is complete), q quit.
 */
import { watch } from 'node:fs';
import { dirname } from 'node:path';
import { resolveMongoServer } from '../backends/index.ts';
import { checksFor } from '../checks/runner.ts';
import { BackgroundTypeChecker } from '../checks/types.ts';
import { lessonId, type Lesson } from '../lesson.ts';
import { findLesson } from '../lessons.ts';
import type { Target } from '../paths.ts';
import { readProgress } from '../progress.ts';
import { cleanupAll, onCleanup } from './cleanup.ts';
import { columns, wrap } from './layout.ts';
import { complete, printReport } from './report.ts';
import { exerciseFiles, header, nextLesson, recordCheck, reportFile } from './run.ts';
import { bold, cyan, dim } from './style.ts';
import { mark } from './timings.ts';

const KEYS = `${bold('h')} hint · ${bold('l')} list · ${bold('r')} re-run · ${bold('q')} quit`;

export async function watchLesson(lesson: Lesson, target: Target): Promise<number> {
  // One MongoDB server for the whole session; the checks connect to it.
  const mongo = lesson.databases.includes('mongo') && !process.env.MONGODB_URI ? await resolveMongoServer() : undefined;
  if (mongo) onCleanup(() => mongo.stop());
  return watchWith(lesson, target, mongo ? { MONGODB_URI: mongo.uri } : {});
}

async function watchWith(lesson: Lesson, target: Target, env: NodeJS.ProcessEnv): Promise<number> {
  const files = exerciseFiles(lesson, target);
  const checks = await checksFor(lesson, target, env);
  // Both off this thread: it serves the MongoDB emulator the checks talk to, and must not be blocked.
  const types = new BackgroundTypeChecker(files);
  const forgetChecks = onCleanup(async () => {
    await checks.close();
    await types.close();
  });
  const next = nextLesson(lesson);
  const tty = process.stdout.isTTY === true;
  let running = false;
  let again = false;
  let done = false;

  const once = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    mark('save');
    if (tty) process.stdout.write('\x1b[2J\x1b[H');
    process.stdout.write(`${header(lesson)}\n${dim(`Checking… (${new Date().toLocaleTimeString()})`)}\n`);
    const before = readProgress()[lessonId(lesson)];
    // Tests and compiler side by side; after the first check the compiler re-reads only what changed.
    const [result, typeErrors] = await Promise.all([checks.run(), types.check()]);
    const run = { ...result, typeErrors };
    recordCheck(lesson, target, run);
    printReport(lesson, run, reportFile(lesson, target), { before, next });
    done = complete(run);
    const keys = done && next !== undefined ? `${bold('n')} next lesson · ${KEYS}` : KEYS;
    const where = files.length === 1 ? cyan(reportFile(lesson, target)) : 'the exercise files';
    process.stdout.write(`\n${wrap(`Watching ${where} — save to re-check. ${tty && process.stdin.isTTY ? keys : 'Ctrl-C to stop.'}`, columns()).map(dim).join('\n')}\n`);
    mark('verdict');
    running = false;
    if (again) {
      again = false;
      void once();
    }
  };

  let timer: NodeJS.Timeout | undefined;
  // Watch the folder, not the file: editors that save by rename would end a file watch.
  const watchers = [...new Set(files.map((f) => dirname(f)))].map((dir) =>
    watch(dir, (_event, name) => {
      if (!name || !files.some((f) => f.endsWith(`/${name}`))) return;
      clearTimeout(timer);
      // Editors write a file in more than one step: one check per save.
      timer = setTimeout(() => void once(), 40);
    }),
  );
  const forgetWatchers = onCleanup(() => watchers.forEach((w) => w.close()));
  checks.warm();
  await once();

  return new Promise<number>((resolve) => {
    if (!process.stdin.isTTY) return; // Runs until Ctrl-C; cleanup.ts closes the watchers and the databases.
    process.stdin.setRawMode(true);
    process.stdin.resume();
    const stop = (): void => {
      process.stdin.off('data', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      watchers.forEach((w) => w.close());
      forgetWatchers();
    };
    const onKey = (data: Buffer): void => {
      const key = data.toString();
      if (key === '\u0003') {
        // Raw mode swallows Ctrl-C: pass it on to the handler that closes everything.
        process.kill(process.pid, 'SIGINT');
        return;
      }
      if (running) return;
      if (key === 'q') {
        stop();
        void cleanupAll().then(() => resolve(done ? 0 : 1));
      } else if (key === 'r') {
        void once();
      } else if (key === 'h') {
        void import('./hint.ts').then(({ showHint }) => showHint(lesson));
      } else if (key === 'l') {
        void import('./list.ts').then(({ listLessons }) => listLessons());
      } else if (key === 'n' && done && next !== undefined) {
        stop();
        void Promise.all([checks.close(), types.close()]).then(async () => {
          forgetChecks();
          resolve(await watchWith(await findLesson(String(next)), target, env));
        });
      }
    };
    process.stdin.on('data', onKey);
  });
}
