import { defineConfig } from 'vitest/config';

// `npm run test:grade`: grades a made-up class of 14 learners; kept out of `npm test` for its length.
export default defineConfig({
  test: {
    include: ['test/lab/grade-class.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 600_000,
  },
});
