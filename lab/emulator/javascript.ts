/**
 * Server-side JavaScript ($where, $function, $accumulator) runs in a `node:vm` context with a
 * timeout, so an infinite loop is interrupted instead of hanging the server: each call may run
 * until the operation's maxTimeMS deadline (then error 50, as mongod) and never longer than
 * SCRIPT_CALL_LIMIT_MS (then error 139 JSInterpreterFailure). The context has no `require`,
 * `process` or timers; it is a time limit, not a security boundary — use it on code you trust.
 */
import vm from 'node:vm';
import { Codes, MongoError } from './errors.ts';
import { SCRIPT_CALL_LIMIT_MS, maxTimeExpired, type OpGuard } from './guard.ts';

/** The source text of a BSON Code value, a string or a function. */
export function codeText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return value.toString();
  if (value !== null && typeof value === 'object' && (value as { _bsontype?: unknown })._bsontype === 'Code') {
    const code = (value as { code?: unknown }).code;
    return typeof code === 'string' ? code : typeof code === 'function' ? code.toString() : undefined;
  }
  return undefined;
}

// Compiled on first use: in the docs site's page, where there is no `vm`, server-side JavaScript is never run.
let callScript: vm.Script | undefined;
const CALL = (): vm.Script => (callScript ??= new vm.Script('__fn.apply(__this, __args)'));

/**
 * A main-realm function that runs `source` (a function expression, or for $where also a bare
 * expression such as `this.a > 1`) inside the sandbox with the time limits above.
 */
export function scriptFunction(source: string, guard: OpGuard | undefined, what: string, bareExpression = false): (...args: unknown[]) => unknown {
  const context = vm.createContext({ __fn: undefined, __this: undefined, __args: [] });
  const isFunction = /^\s*(async\s+)?function\b|^\s*\(?[\w\s,]*\)?\s*=>/.test(source);
  const text = isFunction || !bareExpression ? `(${source})` : `(function () { return (${source}); })`;
  let fn: unknown;
  try {
    fn = vm.runInContext(text, context, { timeout: SCRIPT_CALL_LIMIT_MS });
  } catch (err) {
    throw new MongoError(Codes.JSInterpreterFailure, `${what}: could not compile the JavaScript: ${(err as Error).message}`);
  }
  if (typeof fn !== 'function') throw new MongoError(Codes.JSInterpreterFailure, `${what}: the JavaScript is not a function`);
  context.__fn = fn;
  return function (this: unknown, ...args: unknown[]): unknown {
    const left = guard?.remaining() ?? Number.POSITIVE_INFINITY;
    if (left <= 0) throw maxTimeExpired();
    const bound = left < SCRIPT_CALL_LIMIT_MS;
    context.__this = this;
    context.__args = args;
    try {
      return CALL().runInContext(context, { timeout: Math.max(1, Math.ceil(Math.min(left, SCRIPT_CALL_LIMIT_MS))) });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/Script execution timed out/.test(msg)) {
        // With maxTimeMS the caller asked for a time limit: report it as mongod does (50).
        if (bound || guard?.limited === true) throw maxTimeExpired();
        throw new MongoError(
          Codes.JSInterpreterFailure,
          `${what} ran longer than ${SCRIPT_CALL_LIMIT_MS} ms in one call and was interrupted (the NoSQL Lab emulator's limit for server-side JavaScript); make the function cheaper or run it against a real MongoDB`,
        );
      }
      if (err instanceof MongoError) throw err;
      throw new MongoError(Codes.JSInterpreterFailure, `${what} threw: ${msg}`);
    } finally {
      context.__this = undefined;
      context.__args = [];
    }
  };
}

/**
 * A regular expression with nested quantifiers, such as `(a+)+$`, can backtrack for minutes on a
 * short string (ReDoS) and would hold the whole server. Such patterns are matched inside the vm
 * with the same time limits as server-side JavaScript; every other pattern runs natively.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*}]|\|)(?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)/;

export function isRiskyPattern(source: string): boolean {
  return NESTED_QUANTIFIER.test(source) || /\\[1-9]/.test(source);
}

let matchScript: vm.Script | undefined;
const MATCH = (): vm.Script => (matchScript ??= new vm.Script('__re.lastIndex = 0; __re.exec(__s)'));

export class GuardedRegExp extends RegExp {
  private readonly guard: OpGuard | undefined;
  private readonly context: vm.Context;

  constructor(source: string, flags: string, guard: OpGuard | undefined) {
    super(source, flags);
    this.guard = guard;
    this.context = vm.createContext({ __re: new RegExp(source, flags), __s: '' });
  }

  override exec(s: string): RegExpExecArray | null {
    const left = this.guard?.remaining() ?? Number.POSITIVE_INFINITY;
    if (left <= 0) throw maxTimeExpired();
    this.context.__s = String(s);
    try {
      return MATCH().runInContext(this.context, { timeout: Math.max(1, Math.ceil(Math.min(left, SCRIPT_CALL_LIMIT_MS))) }) as RegExpExecArray | null;
    } catch (err) {
      if (/Script execution timed out/.test((err as Error).message)) {
        if (left < SCRIPT_CALL_LIMIT_MS || this.guard?.limited === true) throw maxTimeExpired();
        throw new MongoError(
          Codes.BadValue,
          `Regular expression /${this.source}/ took longer than ${SCRIPT_CALL_LIMIT_MS} ms on one value and was stopped (catastrophic backtracking); simplify the pattern`,
        );
      }
      throw err;
    }
  }

  override test(s: string): boolean {
    return this.exec(s) !== null;
  }
}
