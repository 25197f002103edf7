import { defineConfig } from 'vitest/config';

// The docs site's browser test: `npm run test:docs`. Kept out of `npm test`'s run (see vitest.config.ts),
// because it builds the site and drives Chromium.
export default defineConfig({
  test: {
    include: ['test/docs/**/*.test.ts'],
    globalSetup: ['test/docs/build-site.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
