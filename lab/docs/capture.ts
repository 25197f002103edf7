/**
 * `npm run docs:outputs`: runs every lesson's notebook on the embedded backends (MongoDB emulator,
 * ioredis-mock, PGlite — the same everywhere, so pages do not depend on the machine that built them) and
 * writes `docs/generated/NN-slug.json`: the lesson's metadata, each cell's prose and code, and what the
 * cell printed. The docs site renders lesson pages from these files.
 *
 *   npm run docs:outputs                 # regenerate every lesson
 *   npm run docs:outputs -- 3 8          # only lessons 3 and 8
 *   npm run docs:outputs -- --check      # fail when a committed file is stale (CI runs this)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openBackends } from '../backends/index.ts';
import { lessonId, type Lesson } from '../lesson.ts';
import { findLesson, loadLessons } from '../lessons.ts';
import { dedent } from '../notebook/print.ts';
import { setNotebook, type NotebookContext } from '../notebook/context.ts';
import { splitCells } from '../notebook/source.ts';
import { LESSONS_DIR, ROOT, relative } from '../paths.ts';
import { normaliseOutput, type CapturedCell, type CapturedItem, type CapturedLesson } from './captured.ts';

export const GENERATED_DIR = join(ROOT, 'docs', 'generated');

const ANSI = /\x1b\[[0-9;]*m/g;

/** The embedded defaults, whatever the environment says: pages must not depend on who built them. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NOSQL_LAB_MONGO: 'emulator', NO_COLOR: '1' };
  delete env['MONGODB_URI'];
  delete env['REDIS_URL'];
  delete env['DATABASE_URL'];
  return env;
}

interface Building {
  title: string;
  prose: string;
  items: CapturedItem[];
}

export async function captureLesson(lesson: Lesson): Promise<CapturedLesson> {
  const id = lessonId(lesson);
  const file = join(LESSONS_DIR, id, 'notebook.ts');
  const sources = splitCells(readFileSync(file, 'utf8'));
  const backends = await openBackends(lesson.databases, { env: embeddedEnv(), dbName: `docs_${id.replace(/-/g, '_')}` });
  const cells: Building[] = [];
  const current = (): Building | undefined => cells[cells.length - 1];
  const push = (item: CapturedItem): void => {
    const cell = current();
    if (!cell) return;
    const last = cell.items[cell.items.length - 1];
    if ('output' in item && last && 'output' in last) cell.items[cell.items.length - 1] = { output: last.output + item.output };
    else cell.items.push(item);
  };
  const ctx: NotebookContext = {
    file,
    cells: sources,
    backends,
    index: -1,
    startedAt: performance.now(),
    capture: {
      cell: (title, prose) => cells.push({ title, prose: prose ? dedent(prose) : '', items: [] }),
      note: (prose) => push({ note: dedent(prose) }),
    },
  };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    push({ output: (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')).replace(ANSI, '') });
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  setNotebook(ctx);
  try {
    // A query string makes each capture a fresh module instance, should one process capture twice.
    await import(`${pathToFileURL(file).href}?capture=${Date.now()}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${relative(file)} stopped in cell ${cells.length} ("${current()?.title ?? 'before the first cell'}"): ${message}`);
  } finally {
    setNotebook(undefined);
    process.stdout.write = write;
    await backends.close();
  }
  if (cells.length !== sources.length) {
    throw new Error(`${relative(file)} ran ${cells.length} cells but its source has ${sources.length} \`cell(\` lines; is a cell() call inside a function or a loop?`);
  }
  const captured: CapturedCell[] = cells.map((cell, i) => ({
    title: cell.title,
    prose: cell.prose,
    lines: sources[i]?.lines ?? [],
    items: cell.items
      .map((item) => ('output' in item ? { output: item.output.replace(/\s+$/, '') } : item))
      .filter((item) => !('output' in item) || item.output.trim() !== ''),
  }));
  return {
    id,
    number: lesson.number,
    slug: lesson.slug,
    title: lesson.title,
    summary: lesson.summary,
    databases: [...lesson.databases],
    objectives: [...lesson.objectives],
    tasks: lesson.tasks.map((t) => ({ title: t.title, points: t.points, hints: [...t.hints] })),
    notebook: relative(file),
    backends: backends.summary,
    cells: captured,
  };
}

/** What must match for a committed file to count as fresh: everything, with outputs normalised. */
function comparable(lesson: CapturedLesson): string {
  return JSON.stringify({
    ...lesson,
    cells: lesson.cells.map((c) => ({ ...c, items: c.items.map((i) => ('output' in i ? { output: normaliseOutput(i.output) } : i)) })),
  }, null, 1);
}

/** The first difference between two comparable forms, as a short sentence. */
function firstDifference(was: CapturedLesson, now: CapturedLesson): string {
  const keys = ['title', 'summary', 'objectives', 'tasks', 'databases'] as const;
  for (const key of keys) if (JSON.stringify(was[key]) !== JSON.stringify(now[key])) return `lesson.ts's ${key} changed`;
  if (was.cells.length !== now.cells.length) return `the notebook has ${now.cells.length} cells, the file ${was.cells.length}`;
  for (let i = 0; i < now.cells.length; i++) {
    const a = was.cells[i];
    const b = now.cells[i];
    if (!a || !b) continue;
    if (JSON.stringify(a.lines) !== JSON.stringify(b.lines) || a.title !== b.title || a.prose !== b.prose) return `cell ${i + 1} ("${b.title}") has new code or prose`;
    if (comparable({ ...now, cells: [a] }) !== comparable({ ...now, cells: [b] })) return `cell ${i + 1} ("${b.title}") prints something else now`;
  }
  return 'the captured backends differ';
}

export function generatedPath(id: string): string {
  return join(GENERATED_DIR, `${id}.json`);
}

async function main(args: readonly string[]): Promise<number> {
  const check = args.includes('--check');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const lessons = wanted.length > 0 ? await Promise.all(wanted.map(findLesson)) : await loadLessons();
  mkdirSync(GENERATED_DIR, { recursive: true });
  const stale: string[] = [];
  for (const lesson of lessons) {
    const id = lessonId(lesson);
    const path = generatedPath(id);
    const started = performance.now();
    const now = await captureLesson(lesson);
    const ms = (performance.now() - started).toFixed(0);
    if (check) {
      const was = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CapturedLesson) : undefined;
      if (!was) stale.push(`${relative(path)} is missing`);
      else if (comparable(was) !== comparable(now)) stale.push(`${relative(path)} is stale: ${firstDifference(was, now)}`);
      else process.stderr.write(`✓ ${relative(path)} is fresh (${now.cells.length} cells, ${ms} ms)\n`);
    } else {
      writeFileSync(path, `${JSON.stringify(now, null, 2)}\n`);
      process.stderr.write(`wrote ${relative(path)} (${now.cells.length} cells, ${ms} ms)\n`);
    }
  }
  if (stale.length > 0) {
    for (const line of stale) process.stderr.write(`✗ ${line}\n`);
    process.stderr.write('Run `npm run docs:outputs` and commit docs/generated/.\n');
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
