/**
 * Tests that take many seconds each by design, run by `npm run test:slow` (CI runs it after `npm test`)
 * rather than by `npm test`, which stays quick: the machinery end to end in child processes (the CLI
 * in a git sandbox, the check runner with broken learner code, real-server isolation, the starter
 * check), a client held open for 60 s, pings timed during a 1,000,000-document aggregation, and the
 * emulator's command line stopped by signals.
 */
export const SLOW_TESTS = [
  'test/lab/loop.test.ts',
  'test/lab/checks.test.ts',
  'test/lab/cli.test.ts',
  'test/lab/grading.test.ts',
  'test/lab/isolation.test.ts',
  'test/emulator/resilience-cli.test.ts',
  'test/emulator/monitoring-60s.test.ts',
  'test/emulator/resilience-ping.test.ts',
];
