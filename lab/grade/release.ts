/**
 * `npm run release -- <dir>`: writes the learner edition of the course into <dir> — what a GitHub
 * Classroom template repository holds. Everything git tracks, with the starters in lessons/, and
 * without the answer key: no solutions/, no course-internal tests, and lesson tests that take their
 * types from the starters. (nbgrader's source/release split, for this course.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadLessons } from '../lessons.ts';
import { ROOT } from '../paths.ts';
import { classroomWorkflow } from './classroom.ts';

/** Paths the learner edition leaves out: the answer key and the course's own machinery tests. */
const LEFT_OUT = /^(solutions\/|test\/(lab|emulator|redis|docs)\/|\.ci\/|\.github\/workflows\/docs\.yml$)/;

export interface Release {
  readonly dir: string;
  readonly files: number;
}

function tracked(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\0').filter(Boolean);
}

/** The committed text of a file (the starter, for lessons/), not the instructor's working copy. */
function committed(path: string): Buffer {
  return execFileSync('git', ['show', `HEAD:${path}`], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}

export async function writeRelease(target: string): Promise<Release> {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${target} is not empty; give a new or empty folder for the learner edition.`);
  }
  let files = 0;
  for (const path of tracked()) {
    if (LEFT_OUT.test(path)) continue;
    let content = committed(path);
    if (/^test\/\d\d-[\w-]+\.test\.ts$/.test(path)) {
      // Types only: the starter has the same signatures as the solution it no longer ships with.
      content = Buffer.from(content.toString('utf8').replaceAll('../solutions/', '../lessons/'));
    }
    if (path === 'package.json') {
      const pkg = JSON.parse(content.toString('utf8')) as { scripts: Record<string, string> };
      pkg.scripts['test'] = 'vitest run';
      for (const script of ['release', 'grade', 'docs:outputs']) delete pkg.scripts[script];
      content = Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`);
    }
    const to = join(dir, path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, content);
    files += 1;
  }
  const workflow = join(dir, '.github', 'workflows', 'classroom.yml');
  mkdirSync(dirname(workflow), { recursive: true });
  writeFileSync(workflow, classroomWorkflow(await loadLessons()));
  return { dir, files: files + 1 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    process.stderr.write('usage: npm run release -- <empty folder>\n');
    process.exit(2);
  }
  try {
    const { dir, files } = await writeRelease(target);
    const lessons = readdirSync(join(dir, 'lessons')).length;
    process.stdout.write(`Wrote the learner edition (${files} files, ${lessons} lessons, no solutions/) to ${dir}.\nNext: cd ${target} && git init && git add -A && git commit -m "NoSQL Lab" — then make it a template repository for GitHub Classroom.\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
