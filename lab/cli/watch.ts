/** `--watch`: check once, then again on every save of an exercise file, until Ctrl-C. */
import { watch } from 'node:fs';
import { dirname } from 'node:path';
import { resolveMongoServer } from '../backends/index.ts';
import type { Lesson } from '../lesson.ts';
import type { Target } from '../paths.ts';
import { onCleanup } from './cleanup.ts';
import { printReport } from './report.ts';
import { check, exerciseFiles, header, reportFile } from './run.ts';
import { cyan, dim } from './style.ts';

export async function watchLesson(lesson: Lesson, target: Target): Promise<number> {
  // One MongoDB server for the whole session, so each re-check starts fast; the checks connect to it.
  const mongo = lesson.databases.includes('mongo') && !process.env.MONGODB_URI ? await resolveMongoServer() : undefined;
  if (mongo) onCleanup(() => mongo.stop());
  const env = mongo ? { MONGODB_URI: mongo.uri } : {};
  const files = exerciseFiles(lesson, target);
  let running = false;
  let again = false;

  const once = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    process.stdout.write('\x1b[2J\x1b[H');
    process.stdout.write(`${header(lesson)}\n${dim(`Checking… (${new Date().toLocaleTimeString()})`)}\n`);
    const run = await check(lesson, target, env);
    printReport(lesson, run, reportFile(lesson, target));
    process.stdout.write(`\n${dim(`Watching ${files.length === 1 ? cyan(reportFile(lesson, target)) : 'the exercise files'} — save to re-check, Ctrl-C to stop.`)}\n`);
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
      timer = setTimeout(() => void once(), 150);
    }),
  );
  onCleanup(() => watchers.forEach((w) => w.close()));
  await once();
  return new Promise<number>(() => {
    // Runs until Ctrl-C; cleanup.ts closes the watchers and MongoDB.
  });
}
