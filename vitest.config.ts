import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Their own runs: the docs site in a browser (`npm run test:docs`), a class graded (`npm run test:grade`).
    exclude: [...configDefaults.exclude, 'test/docs/**', 'test/lab/grade-class.test.ts'],
    pool: 'forks',
    // One MongoDB per run (MONGODB_URI, mongodb-memory-server or the emulator), shared by every file.
    globalSetup: ['lab/testing/global-setup.ts'],
    // Records the running test for `npm run lesson`'s infinite-loop watchdog; inert otherwise.
    setupFiles: ['lab/checks/worker-setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
