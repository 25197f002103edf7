/**
 * A throw-away copy of the course for end-to-end tests of `npm run lesson`: the CLI writes progress,
 * backups and exercise files, so it never runs in the real repository. The copy is a git repository
 * of its own (the starters come from git) and shares the real node_modules through a symlink.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../lab/paths.ts';

const COURSE = ['lab', 'lessons', 'solutions', 'test', 'package.json', 'tsconfig.json', 'vitest.config.ts', '.gitignore'];

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function linkNodeModules(dir: string): void {
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // `node_modules/` in .gitignore matches directories only, not a symlink to one.
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '/node_modules\n');
}

/** A copy of the course with one commit, "starter", as a fresh clone would have. */
export function createSandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nosql-lab-cli-'));
  for (const entry of COURSE) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  git(dir, ['init', '-q']);
  linkNodeModules(dir);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'starter']);
  return dir;
}

/** A `git clone` of a sandbox: it has an upstream (origin), as a learner's clone of the course does. */
export function cloneSandbox(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nosql-lab-clone-'));
  git(tmpdir(), ['clone', '-q', from, dir]);
  linkNodeModules(dir);
  return dir;
}

/** Back to the committed starters, with no progress, backups or hints. */
export function freshen(dir: string): void {
  git(dir, ['checkout', '-q', 'HEAD', '--', 'lessons']);
  rmSync(join(dir, '.nosql-lab'), { recursive: true, force: true });
}

export function removeSandbox(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export function commit(dir: string, message: string): void {
  git(dir, ['commit', '-qam', message]);
}

export function committed(dir: string, path: string): string {
  return git(dir, ['show', `HEAD:${path}`]);
}

export function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), 'utf8');
}

export function write(dir: string, path: string, text: string): void {
  writeFileSync(join(dir, path), text);
}

/** The learner's environment: no colours, no real servers, nothing inherited from the test runner or npm. */
function learnerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|NOSQL_LAB_|npm_config_|MONGOMS_)/i.test(key)) continue;
    if (['MONGODB_URI', 'REDIS_URL', 'DATABASE_URL', 'FORCE_COLOR', 'NODE_ENV', 'TEST'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1' };
}

/**
 * What `npm run lesson <args>` runs in `dir`: the package.json script (e.g. `tsx lab/cli/main.ts`), with
 * `node` as this Node, other commands from node_modules/.bin, and file paths made absolute so `ps` shows the sandbox.
 */
export function lessonCommand(dir: string, args: readonly string[]): string[] {
  const script = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lesson'] ?? '';
  const [bin = '', ...rest] = script.trim().split(/\s+/);
  const command = bin === 'node' ? [] : [join(dir, 'node_modules', '.bin', bin)];
  const words = rest.map((word) => (/^[\w./-]+\.[cm]?[jt]s$/.test(word) && existsSync(join(dir, word)) ? join(dir, word) : word));
  return [...command, ...words, ...args];
}

function spawnCli(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, lessonCommand(dir, args), {
    cwd: dir,
    env: { ...learnerEnv(), ...env },
    // Its own process group, like a command a terminal starts: Ctrl-C goes to the group.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Ends any CLI a failed test left running. */
export function stopAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

export interface RunningCli {
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout has `text` at or after `from` (an index into stdout()); rejects, showing the output, if the CLI ends or `ms` pass first. */
  waitFor(text: string | RegExp, options?: { from?: number; ms?: number }): Promise<void>;
  /** Ctrl-C: SIGINT to the CLI's process group, as a terminal sends it. */
  interrupt(): void;
  /** Kills the CLI's process group outright. */
  kill(): void;
  readonly exited: Promise<CliResult>;
}

export function startCli(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawnCli(dir, args, env);
  live.add(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    listeners.forEach((l) => l());
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
      listeners.forEach((l) => l());
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));

  return {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    interrupt: () => killGroup(child, 'SIGINT'),
    kill: () => killGroup(child, 'SIGKILL'),
    waitFor: (text, { from = 0, ms = 45_000 } = {}) =>
      new Promise<void>((resolve, reject) => {
        const seen = (): boolean => (typeof text === 'string' ? stdout.indexOf(text, from) >= 0 : text.test(stdout.slice(from)));
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = (): void => {
          if (seen()) {
            done();
            resolve();
          } else if (ended) {
            done();
            reject(new Error(`the CLI ended before printing ${String(text)}.\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${String(text)} after ${ms} ms.\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
        }, ms);
        listeners.add(check);
        check();
      }),
  };
}

/** Runs the CLI to the end; a CLI still running after `ms` is killed and the run rejects with its output. */
export async function runCli(dir: string, args: readonly string[], ms = 50_000, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const cli = startCli(dir, args, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.kill();
      reject(new Error(`lesson ${args.join(' ')} still running after ${ms} ms.\n--- stdout ---\n${cli.stdout()}\n--- stderr ---\n${cli.stderr()}`));
    }, ms);
  });
  try {
    return await Promise.race([cli.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `pid args` of every process whose command line names `dir` or that runs inside it. */
export function processesIn(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      const pid = Number(line.split(/\s+/, 1)[0]);
      if (!pid || pid === process.pid) return false;
      if (line.includes(dir)) return true;
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd.startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
}

/** `processesIn(dir)`, after at most half a second for killed processes to go. */
export async function leftoversIn(dir: string): Promise<string[]> {
  let left = processesIn(dir);
  for (let i = 0; i < 5 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesIn(dir);
  }
  return left;
}

/** TCP ports listening now, with the pid that owns each (from `ss -ltnpH`). */
export function listeningPorts(): Array<{ port: number; pid: number | undefined }> {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const local = line.trim().split(/\s+/)[3] ?? '';
      const pid = /pid=(\d+)/.exec(line)?.[1];
      return { port: Number(local.slice(local.lastIndexOf(':') + 1)), pid: pid ? Number(pid) : undefined };
    });
}

/** Backup folders under `.nosql-lab/backups/<lesson>/`. */
export function backups(dir: string, lesson: string): string[] {
  try {
    return readdirSync(join(dir, '.nosql-lab', 'backups', lesson)).sort();
  } catch {
    return [];
  }
}
