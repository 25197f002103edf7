import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Their own runs, which CI makes too: the docs site in a browser (`npm run test:docs`), a class
    // graded (`npm run test:grade`), and the emulator's minute-long tests (`npm run test:slow`).
    exclude: [...configDefaults.exclude, 'test/docs/**', 'test/lab/grade-class.test.ts', 'test/emulator/monitoring-60s.test.ts', 'test/emulator/resilience-ping.test.ts'],
    pool: 'forks',
    // One MongoDB per run (MONGODB_URI, mongodb-memory-server or the emulator), shared by every file.
    globalSetup: ['lab/testing/global-setup.ts'],
    // Records the running test for `npm run lesson`'s infinite-loop watchdog; inert otherwise.
    setupFiles: ['lab/checks/worker-setup.ts'],
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
