/**
 * What a submission did besides its exercises. Only the exercise files are graded, so an edited test
 * gains nothing; these checks say so in the report, and catch what would: exercise code that reaches
 * for the test framework or the answer key, and exercise files copied from the reference solution.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { ROOT, SOLUTIONS_DIR } from '../paths.ts';
import type { Learner } from './discover.ts';

export interface Flag {
  readonly kind: 'tampered' | 'extra-file' | 'cheat' | 'solution-copy';
  /** Path in the learner's folder. */
  readonly file: string;
  readonly detail: string;
}

const SKIP = new Set(['.git', 'node_modules', '.nosql-lab', 'grades', 'dist', 'cache', 'screenshots']);
/** Files whose change could change a grade if they were used; only `lessons/*\/exercise` files are. */
const GUARDED = /^(test|lab|solutions|\.ci|\.github)\/|^(vitest\.config\.[cm]?[jt]s|package(-lock)?\.json|tsconfig\.json)$/;
const CODE = /\.(c|m)?(t|j)sx?$|\.json$/;

function walk(dir: string, root: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, root, out);
    else if (entry.isFile()) out.push(relative(root, path));
  }
}

let history: Map<string, Set<string>> | undefined;

/** Every version of every path in the course's git history, as blob ids. */
function courseHistory(): Map<string, Set<string>> {
  if (history) return history;
  history = new Map();
  let log = '';
  try {
    log = execFileSync('git', ['log', '--all', '--pretty=format:', '--raw', '--no-abbrev', '--no-renames'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  } catch {
    return history;
  }
  for (const line of log.split('\n')) {
    const match = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) \w+\t(.+)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const known = history.get(match[2]) ?? new Set<string>();
    known.add(match[1]);
    history.set(match[2], known);
  }
  return history;
}

function blobIds(paths: readonly string[]): string[] {
  if (paths.length === 0) return [];
  const out = execFileSync('git', ['hash-object', '--no-filters', '--stdin-paths'], { cwd: ROOT, input: paths.join('\n'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.trim().split('\n');
}

/** Files of a clone that differ from every version the course ever shipped, or that it never had. */
export function tamperedFiles(learner: Learner, lessons: readonly Lesson[]): Flag[] {
  const exercises = new Set(lessons.flatMap((l) => l.exercises.map((f) => `lessons/${lessonId(l)}/${f}`)));
  const files: string[] = [];
  walk(learner.lessonsDir, learner.kind === 'clone' ? learner.root : learner.lessonsDir, files);
  if (learner.kind === 'clone') {
    for (const entry of readdirSync(learner.root, { withFileTypes: true })) {
      if (entry.name === 'lessons' || SKIP.has(entry.name)) continue;
      if (entry.isDirectory()) walk(join(learner.root, entry.name), learner.root, files);
      else if (entry.isFile()) files.push(entry.name);
    }
  }
  const asCourse = (file: string): string => (learner.kind === 'clone' ? file : `lessons/${file}`);
  const candidates = files.filter((f) => !exercises.has(asCourse(f)) && (GUARDED.test(asCourse(f)) || (asCourse(f).startsWith('lessons/') && CODE.test(f))));
  const root = learner.kind === 'clone' ? learner.root : learner.lessonsDir;
  const ids = blobIds(candidates.map((f) => join(root, f)));
  const known = courseHistory();
  const flags: Flag[] = [];
  candidates.forEach((file, i) => {
    const versions = known.get(asCourse(file));
    if (versions?.has(ids[i] ?? '')) return;
    const guarded = GUARDED.test(asCourse(file));
    if (!versions) flags.push({ kind: guarded ? 'tampered' : 'extra-file', file, detail: guarded ? 'added; the course never had this file (not used for grading)' : 'added next to the exercises (not used for grading: only the exercise files are)' });
    else if (guarded) flags.push({ kind: 'tampered', file, detail: 'differs from every version of the course (not used for grading)' });
  });
  return flags;
}

const CHEATS: readonly { pattern: RegExp; detail: string }[] = [
  { pattern: /from\s+['"](vitest|@vitest\/[\w-]+|chai|expect|node:test)['"]|import\(\s*['"](vitest|@vitest\/[\w-]+|chai|expect)['"]|require\(\s*['"](vitest|chai|expect)['"]/, detail: 'imports the test framework' },
  { pattern: /\bexpect\s*\.\s*(extend|addEqualityTesters|addSnapshotSerializer)\b|\$\$jest-matchers-object|jest\.asymmetricMatcher/, detail: 'changes the assertions' },
  { pattern: /\bsolutions\//, detail: 'refers to the reference solutions' },
  { pattern: /\bNOSQL_LAB_(TARGET|RUNNING|SEED)\b/, detail: "reads the grader's settings" },
  { pattern: /\b(Object|Array|Function|Promise|String|Number)\.prototype\s*(\.\s*\w+|\[[^\]]+\])\s*=(?!=)|\bglobalThis\s*(\.\s*\w+|\[[^\]]+\])\s*=(?!=)|Object\.defineProperty\(\s*(globalThis|Object\.prototype|Array\.prototype)/, detail: 'patches built-in objects' },
];

/** Reasons to fail every task of a lesson whose exercise code reaches for the checks themselves. */
export function cheatsIn(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  return CHEATS.filter((c) => c.pattern.test(code)).map((c) => c.detail);
}

/** The text with comments and all white space removed, for spotting a copied solution. */
function skeleton(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1').replace(/\s+/g, '');
}

export function isSolutionCopy(lesson: Lesson, file: string, source: string): boolean {
  try {
    return skeleton(readFileSync(join(SOLUTIONS_DIR, lessonId(lesson), file), 'utf8')) === skeleton(source);
  } catch {
    return false;
  }
}
