/**
 * What `import … from 'vitest'` gives a lesson's test file inside the warm runner (warm.ts): vitest's own
 * test runner (@vitest/runner) and matchers (@vitest/expect), without vitest's process, pool and server.
 * Enough for the lesson tests' API: describe/it/test (with .each, .skip, .only), the four hooks,
 * onTestFailed, expect with asymmetric matchers, vi's mocks and spies, and inject (answered from the environment).
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  chai,
  ChaiStyleAssertions,
  GLOBAL_EXPECT,
  getState,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
  type ExpectStatic,
} from '@vitest/expect';
import { clearAllMocks, fn, isMockFunction, resetAllMocks, restoreAllMocks, spyOn } from '@vitest/spy';

export { afterAll, afterEach, beforeAll, beforeEach, describe, it, onTestFailed, onTestFinished, suite, test } from '@vitest/runner';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

function createExpect(): ExpectStatic {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect);
    setState({ assertionCalls: assertionCalls + 1 }, expect);
    return chai.expect(value, message);
  }) as unknown as ExpectStatic;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect);
  expect.setState = (state) => setState(state, expect);
  setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null }, expect);
  expect.extend = (matchers) => (chai.expect as unknown as { extend(on: unknown, m: unknown): void }).extend(expect, matchers);
  // Soft assertions fail the test at once here: the first difference is what a learner needs.
  expect.soft = ((value: unknown, message?: string) => expect(value, message)) as ExpectStatic['soft'];
  return expect;
}

export const expect: ExpectStatic = createExpect();
(globalThis as Record<symbol, unknown>)[GLOBAL_EXPECT] = expect;

/** The values vitest's globalSetup provides; the warm runner passes the server's address in MONGODB_URI instead. */
export function inject(key: string): unknown {
  return key === 'mongoUri' ? process.env.MONGODB_URI : undefined;
}

const viBasics = { fn, spyOn, isMockFunction, clearAllMocks, resetAllMocks, restoreAllMocks };

/** `vi` with mocks and spies; anything else (fake timers, module mocks) says how to run the file instead. */
export const vi = new Proxy(viBasics, {
  get(target, key: string) {
    if (key in target) return target[key as keyof typeof viBasics];
    throw new Error(`vi.${key} is not available in the lesson runner's checks; NOSQL_LAB_CHECKS=process npm run lesson N runs them in vitest itself.`);
  },
}) as typeof viBasics;
