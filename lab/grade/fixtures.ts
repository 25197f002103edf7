/**
 * A made-up class, for the grader's tests and its benchmark: learners whose work is complete, half
 * done or untouched, and hostile ones, built from the course's own starters and solutions so they
 * follow every lesson that exists. Each task's functions sit between `// #region` markers in both the
 * exercise and the solution; "half" takes the first half of the regions from the solution.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lessonId, type Lesson } from '../lesson.ts';
import { LESSONS_DIR, SOLUTIONS_DIR, TEST_DIR } from '../paths.ts';
import { starterText } from '../starters.ts';

export type Kind =
  | 'complete' | 'half' | 'untouched'
  | 'loop' | 'exit' | 'memory' | 'promise-bomb' | 'deleter' | 'reader'
  | 'extend-cheat' | 'hidden-extend-cheat' | 'answer-key' | 'prototype-cheat' | 'forged-record' | 'tampered-tests';

const REGION = /\/\/ #region ([\w-]+)\n[\s\S]*?\/\/ #endregion \1\n/g;

function regions(text: string): Map<string, string> {
  return new Map([...text.matchAll(REGION)].map((m) => [m[1] ?? '', m[0]]));
}

/** The starter with the first `count` regions answered from the solution. */
function partly(starter: string, solution: string, count: number): string {
  const answers = regions(solution);
  let i = 0;
  return starter.replace(REGION, (whole, name: string) => (i++ < count ? (answers.get(name) ?? whole) : whole));
}

/** The solution with `line` put at the top of the first exported function of its first region. */
function sabotaged(solution: string, line: string, header = ''): string {
  const injected = solution.replace(/(\/\/ #region [\w-]+\n[\s\S]*?export (?:async )?function [^\n]*\{\n)/, `$1  ${line}\n`);
  return header ? injected.replace(/^((?:import[^\n]*\n)+)/m, `$1${header}\n`) : injected;
}

function exerciseFor(kind: Kind, lesson: Lesson, file: string, canary: string): string {
  const path = `lessons/${lessonId(lesson)}/${file}`;
  const starter = starterText(path);
  const solution = readFileSync(join(SOLUTIONS_DIR, lessonId(lesson), file), 'utf8');
  switch (kind) {
    case 'complete':
      return solution;
    case 'half':
      return partly(starter, solution, Math.floor(regions(starter).size / 2));
    case 'untouched':
    case 'tampered-tests':
      return starter;
    case 'loop':
      return sabotaged(solution, 'while (Date.now() > 0) { /* never ends */ }');
    case 'exit':
      return sabotaged(solution, 'process.exit(3);');
    case 'memory':
      return sabotaged(solution, 'const hog: number[][] = []; for (;;) hog.push(new Array(1_000_000).fill(7));');
    case 'promise-bomb':
      return sabotaged(solution, 'const bomb = (): Promise<void> => Promise.resolve().then(() => { void bomb(); void bomb(); }); await bomb();');
    case 'deleter':
      return sabotaged(solution, `rmSync(${JSON.stringify(canary)}, { recursive: true, force: true });`, "import { rmSync } from 'node:fs';");
    case 'reader':
      return sabotaged(solution, `readFileSync(${JSON.stringify(join(dirname(canary), 'secret.txt'))}, 'utf8');`, "import { readFileSync } from 'node:fs';");
    case 'extend-cheat':
      return `${starter}\nimport { expect } from 'vitest';\nexpect.extend({ toEqual: () => ({ pass: true, message: () => '' }), toBe: () => ({ pass: true, message: () => '' }) });\n`;
    case 'hidden-extend-cheat': {
      // Does no work, and makes every common matcher pass; written to slip past the grader's scan of
      // the source, so only the frozen assertions stop it.
      const matchers = ['toEqual', 'toBe', 'toBeInstanceOf', 'toMatch', 'toContain', 'toBeTruthy', 'toBeGreaterThan', 'toBeLessThanOrEqual', 'toHaveLength', 'toMatchObject', 'toThrow', 'toBeNull', 'toStrictEqual'];
      const lazy = starter.replace(/return todo\([^;]*\);/g, 'return undefined as never;');
      return `${lazy}\nconst framework = (await import(['vi', 'test'].join(''))) as Record<string, Record<string, (m: object) => void>>;\nconst pass = () => ({ pass: true, message: () => '' });\nframework['exp' + 'ect']?.['ext' + 'end']?.(Object.fromEntries(${JSON.stringify(matchers)}.map((m) => [m, pass])));\n`;
    }
    case 'answer-key': {
      const where = ['..', '..', 'sol' + 'utions', lessonId(lesson), file].join('/');
      return `export * from ${JSON.stringify(`./${where}`)};\n`.replace('./../', '../');
    }
    case 'forged-record': {
      // Writes a "passed" line for every task into the running-test record its worker may write, then
      // kills its worker before a real test can fail: only vitest's own report may count (reporter.ts).
      const lines = lesson.tasks.map((t) => JSON.stringify({ type: 'result', file: `${lessonId(lesson)}.test.ts`, task: t.title, test: 'forged', state: 'passed', errors: [] }));
      return `${starter}\nimport { appendFileSync as append } from 'node:fs';\nconst where = process.env['NOSQL_LAB_' + 'RUNNING'];\nif (where) append(where, ${JSON.stringify(lines.join('\n') + '\n')});\nprocess.kill(process.pid, 'SIG' + 'KILL');\n`;
    }
    case 'prototype-cheat':
      return `${starter}\nconst proto = Object['proto' + 'type' as 'prototype'] as Record<string, unknown>;\nproto['asymmetric' + 'Match'] = () => true;\n`;
  }
}

export interface MadeLearner {
  readonly name: string;
  readonly kind: Kind;
}

/**
 * Writes one folder per learner into `dir`. Odd learners are clones (with test/ and package.json
 * copied), even ones just a lessons/ folder. `canary` is a file hostile code tries to delete; a
 * `secret.txt` beside it is what the reader tries to read.
 */
export function makeClass(dir: string, lessons: readonly Lesson[], kinds: readonly Kind[], canary: string): MadeLearner[] {
  mkdirSync(dirname(canary), { recursive: true });
  writeFileSync(canary, 'this file must survive grading\n');
  writeFileSync(join(dirname(canary), 'secret.txt'), 'another learner\'s work\n');
  return kinds.map((kind, i) => {
    const name = `${String(i + 1).padStart(2, '0')}-${kind}`;
    const clone = i % 2 === 0 || kind === 'tampered-tests';
    const lessonsDir = clone ? join(dir, name, 'lessons') : join(dir, name);
    for (const lesson of lessons) {
      const id = lessonId(lesson);
      cpSync(join(LESSONS_DIR, id, 'lesson.ts'), join(lessonsDir, id, 'lesson.ts'));
      for (const file of lesson.exercises) {
        mkdirSync(join(lessonsDir, id), { recursive: true });
        writeFileSync(join(lessonsDir, id, file), exerciseFor(kind, lesson, file, canary));
      }
      if (clone) cpSync(join(TEST_DIR, `${id}.test.ts`), join(dir, name, 'test', `${id}.test.ts`));
    }
    if (kind === 'tampered-tests') {
      for (const lesson of lessons) {
        writeFileSync(join(dir, name, 'test', `${lessonId(lesson)}.test.ts`), `import { it } from 'vitest';\n${lesson.tasks.map((t) => `it(${JSON.stringify(t.title)}, () => {});`).join('\n')}\n`);
      }
      writeFileSync(join(dir, name, 'vitest.config.ts'), "export default { test: { passWithNoTests: true } };\n");
    }
    return { name, kind };
  });
}
