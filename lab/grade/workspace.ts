/**
 * A learner's grading workspace: the instructor's own `lab/`, `test/`, lesson folders and
 * `package.json`, with only the learner's exercise files copied in. Nothing else of the submission
 * is used, so an edited test, config or helper gains nothing. The workspace holds no `solutions/`,
 * and its vitest workers run under Node's permission model: they may read only the workspace and
 * `node_modules`, write only the workspace's scratch folder (not even node_modules/.cache), and start
 * no process or thread.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { LESSONS_DIR, ROOT, TEST_DIR } from '../paths.ts';
import type { Learner } from './discover.ts';

export interface Workspace {
  readonly dir: string;
  /** The workspace's lessons/ folder: the tests' NOSQL_LAB_TARGET. */
  readonly lessonsDir: string;
  /** The only folder the workers may write to (their TMPDIR, the running-test record). */
  readonly scratch: string;
  /** Lessons whose exercise files the submission lacks, by id, with the files. */
  readonly missing: ReadonlyMap<string, readonly string[]>;
  remove(): void;
}

export interface WorkspaceOptions {
  /** Per test, before it counts as hung. */
  readonly testTimeoutMs: number;
  /**
   * Heap limit of a worker, so an allocation bomb fails one learner's task instead of the machine, and
   * fast: at 256 MB it dies in about a second, before the heartbeat would call it a hang. A complete
   * learner's twelve lessons in one worker pass with 160 MB.
   */
  readonly maxHeapMb?: number;
}

function vitestConfig(dir: string, scratch: string, options: WorkspaceOptions): string {
  const modules = realpathSync(join(ROOT, 'node_modules'));
  const execArgv = [
    `--require=${join(dir, 'lab', 'grade', 'preload.cjs')}`,
    '--experimental-permission',
    `--allow-fs-read=${dir}/*`,
    `--allow-fs-read=${modules}/*`,
    // Nothing in node_modules/.cache: PGlite finds its data-directory slots there read-only and starts
    // in memory from the snapshot (grade() makes sure it exists), so a learner can neither spoil the
    // snapshot nor meet a database another learner is using in a slot. It is also no slower here.
    `--allow-fs-write=${scratch}/*`,
    `--max-old-space-size=${options.maxHeapMb ?? 256}`,
    '--no-warnings=ExperimentalWarning',
  ];
  return `// Written by \`npm run grade\` for this workspace only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  cacheDir: ${JSON.stringify(join(scratch, 'vite'))},
  test: {
    include: ['test/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    globalSetup: ['lab/testing/global-setup.ts'],
    setupFiles: ['lab/grade/guard.ts'],
    testTimeout: ${options.testTimeoutMs},
    hookTimeout: 30_000,
    execArgv: ${JSON.stringify(execArgv)},
  },
});
`;
}

export function buildWorkspace(base: string, learner: Learner, lessons: readonly Lesson[], options: WorkspaceOptions): Workspace {
  const dir = join(base, learner.name);
  const scratch = join(dir, '.scratch');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(scratch, 'tmp'), { recursive: true });
  cpSync(join(ROOT, 'lab'), join(dir, 'lab'), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, file), join(dir, file));
  // To the real folder: the workers may read only it, and resolving through a second link would read the link.
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'test'));
  // Shared helpers at the top of test/ come along; other lessons' tests do not.
  const wanted = new Set(lessons.map((l) => `${lessonId(l)}.test.ts`));
  for (const file of readdirSync(TEST_DIR, { withFileTypes: true })) {
    if (!file.isFile() || !file.name.endsWith('.ts')) continue;
    if (file.name.endsWith('.test.ts') && !wanted.has(file.name)) continue;
    cpSync(join(TEST_DIR, file.name), join(dir, 'test', file.name));
  }
  const missing = new Map<string, string[]>();
  for (const lesson of lessons) {
    const id = lessonId(lesson);
    // The instructor's lesson folder (lesson.ts, support modules), then the learner's exercise files over it.
    cpSync(join(LESSONS_DIR, id), join(dir, 'lessons', id), { recursive: true });
    for (const file of lesson.exercises) {
      const from = join(learner.lessonsDir, id, file);
      const to = join(dir, 'lessons', id, file);
      if (existsSync(from)) {
        mkdirSync(dirname(to), { recursive: true });
        cpSync(from, to, { dereference: true });
      } else {
        rmSync(to, { force: true });
        missing.set(id, [...(missing.get(id) ?? []), file]);
      }
    }
  }
  writeFileSync(join(dir, 'vitest.config.ts'), vitestConfig(dir, scratch, options));
  return {
    dir,
    lessonsDir: join(dir, 'lessons'),
    scratch,
    missing,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
