/**
 * `npm test`: the course checks itself.
 *   1. every test against the solutions (NOSQL_LAB_TARGET=solutions), with the type check (tsc --noEmit)
 *      running alongside in a child process, its verdict printed after the tests;
 *   2. every exercise test against the untouched starters, where each one must fail.
 * Ends with the plain line `N passed, N failed` that CI reads.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../paths.ts';
import { bold, green, red } from '../cli/style.ts';
import { checkStarters } from './starter-check.ts';
import { runVitest } from './vitest-json.ts';

function step(title: string): void {
  process.stdout.write(`\n${bold(`▶ ${title}`)}\n`);
}

function typeCheck(): Promise<{ ok: boolean; output: string }> {
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', ROOT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  tsc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  tsc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => tsc.on('close', (code) => resolve({ ok: code === 0, output })));
}

async function main(): Promise<number> {
  const started = performance.now();
  let passed = 0;
  let failed = 0;
  const skipTypes = process.argv.includes('--no-typecheck');

  // tsc is single-threaded and waits on nothing the tests do: it runs beside them.
  const types = skipTypes ? undefined : typeCheck();

  step('Tests against the solutions');
  const solutions = await runVitest([], { NOSQL_LAB_TARGET: 'solutions' }, false);
  if (types) {
    step('Type check (tsc --noEmit)');
    const { ok, output } = await types;
    if (output.trim()) process.stdout.write(output);
    if (ok) {
      passed += 1;
      process.stdout.write(`${green('✓ no type errors')}\n`);
    } else failed += 1;
  }
  for (const file of solutions.files) {
    for (const test of file.assertionResults) {
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') failed += 1;
    }
    if (file.status === 'failed' && file.assertionResults.length === 0) failed += 1;
  }
  if (solutions.exitCode !== 0 && solutions.files.length === 0) failed += 1;

  step('Every exercise test must fail on the untouched starter files');
  const starters = await checkStarters();
  if (starters.note) process.stdout.write(`${starters.note}\n`);
  for (const name of starters.vacuous) process.stdout.write(`${red(`✗ passes on the starter (it checks nothing): ${name}`)}\n`);
  for (const file of starters.broken) process.stdout.write(`${red(`✗ ${file} did not run on the starters`)}\n`);
  const good = starters.checked - starters.vacuous.length;
  passed += good;
  failed += starters.vacuous.length + starters.broken.length;
  if (starters.vacuous.length === 0 && starters.broken.length === 0) {
    process.stdout.write(`${green(`✓ all ${good} exercise tests fail on the starters, as they should`)}\n`);
  }

  process.stdout.write(`\n${failed === 0 ? green('All checks passed.') : red('Some checks failed (see above).')}\n`);
  process.stdout.write(`npm test took ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
