/**
 * `npm test`'s starter check, the course's guard against tests that check nothing: an exercise test
 * that passes on the untouched starter must be reported. Run in a throw-away copy of the course whose
 * committed "starter" is, on purpose, already the solution.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../lab/paths.ts';
import { commit, createSandbox, removeSandbox, write } from './sandbox.ts';

const LESSON = '01-sql-vs-nosql';
const SOLUTION = readFileSync(join(ROOT, 'solutions', LESSON, 'exercise.ts'), 'utf8');
/** The lesson's tests (`it(` at the start of a line); other lessons' tests are checked too, and fail on their starters. */
const LESSON_TESTS = (readFileSync(join(ROOT, 'test', `${LESSON}.test.ts`), 'utf8').match(/^\s*it\(/gm) ?? []).length;
let sandbox = '';

interface StarterCheck {
  checked: number;
  vacuous: string[];
  broken: string[];
  note?: string;
}

function checkStarters(dir: string): StarterCheck {
  const script = "const { checkStarters } = await import('./lab/grading/starter-check.ts'); console.log(JSON.stringify(await checkStarters()));";
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NOSQL_LAB_TARGET: '', MONGODB_URI: '', REDIS_URL: '', DATABASE_URL: '' },
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as StarterCheck;
}

beforeAll(() => {
  sandbox = createSandbox();
});
afterAll(() => removeSandbox(sandbox));

describe('the starter check', () => {
  it('reports every exercise test that passes on a committed starter, by file and name', () => {
    write(sandbox, `lessons/${LESSON}/exercise.ts`, SOLUTION);
    commit(sandbox, 'a starter that is already solved');

    const result = checkStarters(sandbox);

    expect(result.checked).toBeGreaterThan(0);
    expect(result.vacuous).toHaveLength(LESSON_TESTS);
    expect(result.vacuous.filter((name) => !name.startsWith(`test/${LESSON}.test.ts › `))).toEqual([]);
    expect(result.vacuous[0]).toMatch(new RegExp(`^test/${LESSON}\\.test\\.ts › Save a user as a row › `));
  }, 120_000);

  it('checks the committed starters, not the learner\'s edits, when lessons/ has local changes', () => {
    execFileSync('git', ['reset', '-q', '--hard', 'HEAD~1'], { cwd: sandbox });
    write(sandbox, `lessons/${LESSON}/exercise.ts`, SOLUTION);

    const result = checkStarters(sandbox);

    expect(result).toMatchObject({ vacuous: [], broken: [], note: expect.stringContaining('taken from git') });
    expect(result.checked).toBeGreaterThan(0);
  }, 120_000);
});
