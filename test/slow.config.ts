import { defineConfig } from 'vitest/config';
import base from '../vitest.config.ts';
import { SLOW_TESTS } from './slow-tests.ts';

// `npm run test:slow`: the tests in test/slow-tests.ts, with the same set-up as `npm test`.
export default defineConfig({
  test: {
    ...base.test,
    include: SLOW_TESTS,
    exclude: [],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
