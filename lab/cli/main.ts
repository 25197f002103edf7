/**
 * The `npm run lesson` command: parses the arguments and hands over to one module per verb.
 * Errors the course raises itself print as one plain sentence; anything else as a short report.
 */
import { setFlagsFromString } from 'node:v8';
import { BackendError } from '../backends/errors.ts';
import { quickWasm } from '../backends/sql.ts';
import { parseCli, usage, UsageError } from './args.ts';
import { cleanupAll, installSignalHandlers, isExiting } from './cleanup.ts';
import { red } from './style.ts';

async function main(argv: readonly string[]): Promise<number> {
  const { lesson: query, flags, task } = parseCli(argv);
  if (flags.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (!query) {
    if (flags.hint || flags.reset || flags.solution || flags.watch) throw new UsageError('Which lesson? Put its number first, e.g. `npm run lesson 3 -- --hint`.');
    const { listLessons } = await import('./list.ts');
    return listLessons();
  }
  const { findLesson } = await import('../lessons.ts');
  const lesson = await findLesson(query);
  const target = flags.solution ? 'solutions' : 'lessons';
  if (flags.reset) return (await import('./reset.ts')).resetLesson(lesson, task);
  if (flags.hint) return (await import('./hint.ts')).showHint(lesson);
  if (flags.watch) return (await import('./watch.ts')).watchLesson(lesson, target);
  return (await import('./run.ts')).runLesson(lesson, { target, notebook: !flags.check });
}

/** Errors the course raises on purpose: their message already says what to do next. */
const KNOWN = new Set(['UsageError', 'UnknownLessonError', 'NoStarterError']);

// A lesson run lasts seconds: V8's optimising compiler spent ~0.3 s of CPU (of the 2 cores the run
// shares with its check thread) on functions run a few hundred times. Eight times V8's default
// budget (67584) before a function is considered for optimising leaves it the code that stays hot.
// PGlite sets --liftoff-only when it starts (lab/backends/sql.ts); set here too, before any thread
// compiles, so the flags are the same whenever the type check reads its code cache (lab/checks/types.ts).
setFlagsFromString('--interrupt-budget=540000');
quickWasm();
installSignalHandlers();
main(process.argv.slice(2))
  .then(async (code) => {
    await cleanupAll();
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    await cleanupAll();
    // Ctrl-C closed the databases under a running cell: that cell's error is not news.
    if (isExiting()) return;
    const e = error instanceof Error ? error : new Error(String(error));
    if (KNOWN.has(e.name) || e instanceof BackendError) process.stderr.write(`${red(e.message)}\n`);
    else process.stderr.write(`${red(`Unexpected error: ${e.message}`)}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}\n`);
    process.exitCode = 2;
  });
