/** Runs vitest in a child process and reads back its JSON report: one place that knows that format. */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, STATE_DIR } from '../paths.ts';
import { colours } from '../cli/style.ts';

export interface JsonAssertion {
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly fullName: string;
  readonly status: 'passed' | 'failed' | 'pending' | 'skipped' | 'todo' | 'disabled';
  readonly failureMessages: readonly string[];
}

export interface JsonFile {
  readonly name: string;
  readonly status: string;
  readonly message: string;
  readonly assertionResults: readonly JsonAssertion[];
}

export interface VitestRun {
  readonly exitCode: number;
  readonly files: readonly JsonFile[];
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/** Colours only for a terminal: vitest paints piped output too unless told NO_COLOR. */
function plainUnlessTerminal(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (colours) return env;
  const { FORCE_COLOR: _, ...rest } = env;
  return { ...rest, NO_COLOR: '1' };
}

/** `quiet` hides vitest's own output (the caller summarises); otherwise it streams to the terminal. */
export function runVitest(args: readonly string[], env: NodeJS.ProcessEnv, quiet: boolean): Promise<VitestRun> {
  mkdirSync(STATE_DIR, { recursive: true });
  const out = join(STATE_DIR, `vitest-${process.pid}-${Date.now()}.json`);
  const reporters = quiet ? ['--reporter=json'] : ['--reporter=default', '--reporter=json'];
  const child = spawn(process.execPath, [VITEST, 'run', ...args, ...reporters, `--outputFile.json=${out}`], {
    cwd: ROOT,
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'],
    env: plainUnlessTerminal({ ...process.env, ...env }),
  });
  const stop = (): void => void child.kill('SIGTERM');
  process.once('SIGINT', stop);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      process.removeListener('SIGINT', stop);
      let files: JsonFile[] = [];
      try {
        files = (JSON.parse(readFileSync(out, 'utf8')) as { testResults: JsonFile[] }).testResults;
      } catch {
        // No report: vitest failed before running anything; the exit code says so.
      }
      rmSync(out, { force: true });
      resolve({ exitCode: code ?? 1, files });
    });
  });
}
