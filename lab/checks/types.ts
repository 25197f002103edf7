/**
 * Types first: the TypeScript compiler's verdict on the learner's exercise file(s) only, not the
 * whole project. A program rooted at those files with the project's tsconfig options; only errors in
 * the roots are reported (an error the learner causes in a file they did not write still shows at the
 * line of theirs that causes it).
 *
 * `TypeChecker` keeps the previous program, so a second check after a save reuses every unchanged
 * source file (the libraries' .d.ts files are parsed once per process): that is what --watch uses.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type * as TS from 'typescript';
import { relative, ROOT, STATE_DIR } from '../paths.ts';
import { writeStateFile } from '../state-file.ts';

export interface CompileError {
  /** Repository-relative path, e.g. `lessons/01-sql-vs-nosql/exercise.ts`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `TS2322`. */
  readonly code: string;
  readonly message: string;
  /** The line before, the line itself and a caret under the column, each prefixed with its number. */
  readonly frame: readonly string[];
}

let tsModule: typeof TS | undefined;
/** Writes V8's code cache of typescript.js once a check has compiled the functions it uses (see loadTypescript). */
let saveCodeCache: (() => void) | undefined;

/** TypeScript is loaded only when a check needs it (it is the biggest module the course uses). */
export function typescript(): typeof TS {
  tsModule ??= loadTypescript();
  return tsModule;
}

/**
 * typescript.js (9 MB) compiled with V8's code cache from the last check (`.nosql-lab/cache/typescript-*.v8`):
 * it holds the functions that check compiled too, which saves ~0.2 s of the ~1.5 s a check costs. The cache
 * is V8's own, for this Node and these V8 flags (the CLI sets its flags first thing); V8 rejects one that
 * does not fit, and a new one is written after the check.
 */
function loadTypescript(): typeof TS {
  const require = createRequire(import.meta.url);
  const file = require.resolve('typescript');
  const version = (JSON.parse(readFileSync(join(dirname(file), '..', 'package.json'), 'utf8')) as { version: string }).version;
  const cacheFile = join(STATE_DIR, 'cache', `typescript-${version}-node${process.versions.v8}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // First check on this machine: written after it.
  }
  try {
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
    const module = { exports: {} as unknown };
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
    if (!cachedData || script.cachedDataRejected) {
      saveCodeCache = () => {
        saveCodeCache = undefined;
        try {
          writeStateFile(cacheFile, script.createCachedData());
        } catch {
          // Only a time saver.
        }
      };
    }
    return module.exports as typeof TS;
  } catch {
    return require('typescript') as typeof TS;
  }
}

let options: TS.CompilerOptions | undefined;

/** The project's compiler options (tsconfig.json), with nothing emitted. */
export function projectOptions(): TS.CompilerOptions {
  if (options) return options;
  const ts = typescript();
  const file = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(file, (path) => readFileSync(path, 'utf8'));
  const parsed = ts.parseJsonConfigFileContent(config.config ?? {}, ts.sys, ROOT, undefined, file);
  options = { ...parsed.options, noEmit: true, incremental: false };
  return options;
}

/** `file:line:col` frame lines for one position. */
export function codeFrame(text: string, line: number, column: number): string[] {
  const lines = text.split('\n');
  const width = String(line + 1).length;
  const out: string[] = [];
  for (let n = Math.max(1, line - 1); n <= line; n++) out.push(`${String(n).padStart(width)} │ ${(lines[n - 1] ?? '').replace(/\t/g, '  ')}`);
  out.push(`${' '.repeat(width)} │ ${' '.repeat(Math.max(0, column - 1))}^`);
  return out;
}

export function toTypeErrors(ts: typeof TS, diagnostics: readonly TS.Diagnostic[]): CompileError[] {
  return diagnostics.flatMap((d) => {
    if (!d.file || d.start === undefined) return [];
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    return [{
      file: relative(d.file.fileName),
      line: line + 1,
      column: character + 1,
      code: `TS${d.code}`,
      message,
      frame: codeFrame(d.file.text, line + 1, character + 1),
    }];
  });
}

/** A compiler host whose parsed files outlive one program, keyed by path and modification time. */
function cachingHost(ts: typeof TS, opts: TS.CompilerOptions, overrides: Map<string, string>): TS.CompilerHost {
  const host = ts.createCompilerHost(opts, true);
  const cache = new Map<string, { stamp: string; file: TS.SourceFile }>();
  const stampOf = (path: string): string => {
    const text = overrides.get(path);
    if (text !== undefined) return `text:${text.length}:${text}`;
    try {
      const s = statSync(path);
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return 'missing';
    }
  };
  const baseRead = host.readFile.bind(host);
  const baseExists = host.fileExists.bind(host);
  host.readFile = (path) => overrides.get(path) ?? baseRead(path);
  host.fileExists = (path) => overrides.has(path) || baseExists(path);
  host.getSourceFile = (path, languageVersion) => {
    const stamp = stampOf(path);
    const known = cache.get(path);
    if (known && known.stamp === stamp) return known.file;
    const text = host.readFile(path);
    if (text === undefined) return undefined;
    const file = ts.createSourceFile(path, text, languageVersion, true);
    cache.set(path, { stamp, file });
    return file;
  };
  return host;
}

/** Checks the same files again and again, reusing the previous program (and every unchanged file). */
export class TypeChecker {
  private program: TS.Program | undefined;
  private readonly host: TS.CompilerHost;
  private readonly overrides = new Map<string, string>();

  constructor(private readonly roots: readonly string[]) {
    const ts = typescript();
    this.host = cachingHost(ts, projectOptions(), this.overrides);
  }

  /** Files of ours (not node_modules) the last program read, with their stamps: what a cached verdict depends on. */
  dependencies(): Record<string, string> {
    const files = this.program?.getSourceFiles().map((f) => f.fileName).filter((f) => !f.includes('/node_modules/')) ?? [];
    return Object.fromEntries(files.map((f) => [f, fileStamp(f)]));
  }

  /** Type errors in the root files; a missing root is left to the checks, which say it in a sentence. */
  check(): CompileError[] {
    const ts = typescript();
    const roots = this.roots.filter((f) => ts.sys.fileExists(f));
    if (roots.length === 0) return [];
    this.program = ts.createProgram({ rootNames: roots, options: projectOptions(), host: this.host, ...(this.program ? { oldProgram: this.program } : {}) });
    const diagnostics = roots.flatMap((root) => {
      const file = this.program?.getSourceFile(root);
      if (!file || !this.program) return [];
      return [...this.program.getSyntacticDiagnostics(file), ...this.program.getSemanticDiagnostics(file)];
    });
    const errors = toTypeErrors(ts, diagnostics);
    saveCodeCache?.();
    return errors;
  }
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

const CACHE = join(STATE_DIR, 'cache', 'types.json');
/** Verdicts kept, the most recent first: one per lesson a learner moves between (each costs ~2 s of CPU to redo). */
const KEPT = 16;

interface CachedVerdict {
  /** The root files, one per line: a newer verdict on the same files replaces this one. */
  readonly roots: string;
  readonly key: string;
  readonly dependencies: Record<string, string>;
  readonly errors: CompileError[];
}

/** What a verdict depends on besides the files' stamps: the roots' text and the compiler's settings. */
function cacheKey(files: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(fileStamp(join(ROOT, 'tsconfig.json')));
  hash.update(fileStamp(join(ROOT, 'node_modules', 'typescript', 'package.json')));
  for (const file of files) {
    hash.update(file);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('missing');
    }
  }
  return hash.digest('hex');
}

function readVerdicts(): CachedVerdict[] {
  try {
    const cached = JSON.parse(readFileSync(CACHE, 'utf8')) as { verdicts?: unknown };
    return Array.isArray(cached.verdicts) ? (cached.verdicts as CachedVerdict[]) : [];
  } catch {
    return [];
  }
}

/** The verdict of an earlier check of exactly these files, when nothing it read has changed since. */
export function cachedTypeErrors(files: readonly string[]): CompileError[] | undefined {
  const key = cacheKey(files);
  const cached = readVerdicts().find((v) => v.key === key);
  if (!cached || Object.entries(cached.dependencies).some(([file, stamp]) => fileStamp(file) !== stamp)) return undefined;
  return cached.errors;
}

function remember(files: readonly string[], checker: TypeChecker, errors: CompileError[]): void {
  try {
    const roots = files.join('\n');
    const verdict: CachedVerdict = { roots, key: cacheKey(files), dependencies: checker.dependencies(), errors };
    const verdicts = [verdict, ...readVerdicts().filter((v) => v.roots !== roots)].slice(0, KEPT);
    writeStateFile(CACHE, JSON.stringify({ verdicts }));
  } catch {
    // A cache that cannot be written only costs the next run a second.
  }
}

/** One check of `files`, for a one-shot run; the verdict is cached until a file it read changes. */
export function typeCheck(files: readonly string[]): CompileError[] {
  const cached = cachedTypeErrors(files);
  if (cached) return cached;
  const checker = new TypeChecker(files);
  const errors = checker.check();
  remember(files, checker, errors);
  return errors;
}

/**
 * The same check on a worker thread, so the notebook keeps printing while the compiler works
 * (a cached verdict comes back at once, without the worker).
 */
export function typeCheckInBackground(files: readonly string[]): Promise<CompileError[]> {
  const cached = cachedTypeErrors(files);
  if (cached) return Promise.resolve(cached);
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./types-worker.mjs', import.meta.url), { workerData: { files: [...files] } });
    worker.unref();
    worker.once('message', (errors: CompileError[]) => resolve(errors));
    // A compiler that cannot run must not hide the checks: no verdict is no type errors to show.
    worker.once('error', () => resolve([]));
    worker.once('exit', () => resolve([]));
  });
}

/** A type checker on a thread of its own that keeps its program between checks (for --watch). */
export class BackgroundTypeChecker {
  private readonly worker: Worker;
  private queue: Array<(errors: CompileError[]) => void> = [];

  constructor(files: readonly string[]) {
    this.worker = new Worker(new URL('./types-worker.mjs', import.meta.url), { workerData: { files: [...files], keep: true } });
    this.worker.unref();
    this.worker.on('message', (errors: CompileError[]) => this.queue.shift()?.(errors));
    // No compiler, no verdict: the checks still run.
    const fail = (): void => this.queue.splice(0).forEach((resolve) => resolve([]));
    this.worker.on('error', fail);
    this.worker.on('exit', fail);
  }

  check(): Promise<CompileError[]> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.worker.postMessage('check');
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
