import { configDefaults, defineConfig } from 'vitest/config';
import { SLOW_TESTS } from './test/slow-tests.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Their own runs, which CI makes too: the docs site in a browser (`npm run test:docs`), a class
    // graded (`npm run test:grade`), and the slow end-to-end tests (`npm run test:slow`).
    exclude: [...configDefaults.exclude, 'test/docs/**', 'test/lab/grade-class.test.ts', ...SLOW_TESTS],
    pool: 'forks',
    // One MongoDB per run (MONGODB_URI, mongodb-memory-server or the emulator), shared by every file.
    globalSetup: ['lab/testing/global-setup.ts'],
    // Records the running test for `npm run lesson`'s infinite-loop watchdog; inert otherwise.
    setupFiles: ['lab/checks/worker-setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
