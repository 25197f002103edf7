import { configDefaults, defineConfig } from 'vitest/config';

// `npm run test:slow`: the emulator's tests that take a minute by design — a client held open for 60 s
// (no heartbeat failure) and pings timed during a 1,000,000-document aggregation. CI runs them; they are
// kept out of `npm test` so that it stays quick.
export default defineConfig({
  test: {
    include: ['test/emulator/monitoring-60s.test.ts', 'test/emulator/resilience-ping.test.ts'],
    exclude: [...configDefaults.exclude],
    pool: 'forks',
    globalSetup: ['lab/testing/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
