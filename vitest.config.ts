import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The docs site's browser test has its own run: `npm run test:docs`.
    exclude: [...configDefaults.exclude, 'test/docs/**'],
    pool: 'forks',
    // One MongoDB per run (MONGODB_URI, mongodb-memory-server or the emulator), shared by every file.
    globalSetup: ['lab/testing/global-setup.ts'],
    // Records the running test for `npm run lesson`'s infinite-loop watchdog; inert otherwise.
    setupFiles: ['lab/checks/worker-setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
