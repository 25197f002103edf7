/**
 * Turns raw test failures into what a learner needs: one sentence, the data that differed,
 * and the line of their own file — never a wall of stack frames.
 */
import { ROOT } from '../paths.ts';
import type { CheckError } from './protocol.ts';

export interface Explanation {
  readonly headline: string;
  readonly details: readonly string[];
  /** `lessons/03-…/exercise.ts:12:5`, when the error points into an exercise or solution file. */
  readonly where?: string;
}

const MAX_LINES = 24;

const ANSI = /\x1b\[[0-9;]*m/g;

function strip(text: string): string {
  return text.replace(ANSI, '');
}

function shortenPaths(text: string): string {
  return text.split(`${ROOT}/`).join('');
}

/** The first stack frame (or "file:line:col" in a message) inside lessons/ or solutions/. */
export function locate(error: CheckError): string | undefined {
  const text = `${error.message}\n${error.stack ?? ''}`;
  const match = /((?:lessons|solutions|\.nosql-lab\/starters\/lessons)\/\d\d-[\w-]+\/[\w./-]+\.ts):(\d+)(?::(\d+))?/.exec(shortenPaths(text));
  return match ? `${match[1]}:${match[2]}${match[3] ? `:${match[3]}` : ''}` : undefined;
}

function clip(lines: readonly string[]): string[] {
  return lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… (${lines.length - MAX_LINES} more lines)`] : [...lines];
}

/** The line useRandom() adds to a failing test's message (lab/testing/random.ts). */
const SEED_LINE = /\n?(Test data came from seed \d+: NOSQL_LAB_SEED=\d+ repeats this run\.)/;

export function explain(error: CheckError): Explanation {
  const seed = SEED_LINE.exec(error.message)?.[1];
  if (seed) {
    const e = explain({ ...error, message: error.message.replace(SEED_LINE, '') });
    return { ...e, details: [...e.details, seed] };
  }
  const message = shortenPaths(strip(error.message)).trim();
  const where = locate(error);
  const at = where ? { where } : {};
  const exit = /process\.exit unexpectedly called with "?(\d+|undefined)"?/.exec(message);
  if (exit) {
    return { headline: `Your code called process.exit(${exit[1] === 'undefined' ? '' : exit[1]}). An exercise function should return a value or throw an Error; exiting stops the whole check.`, details: [], ...at };
  }
  if (error.name === 'TodoError' || error.name === 'NeverSettledError' || message.startsWith('TODO:')) {
    return { headline: message, details: [], ...at };
  }
  if (error.name === 'ExerciseLoadError' || error.name === 'MissingExportError') {
    const [first = message, ...rest] = message.split('\n');
    return { headline: first, details: clip(rest.filter((l) => l.trim() && !/^\s+at /.test(l))), ...at };
  }
  if (error.name === 'UnhandledRejection') {
    return { headline: `A promise was rejected and nothing awaited it: "${message.split('\n')[0]}". Did you forget an \`await\` (or a \`return\`) in front of a call?`, details: [], ...at };
  }
  const details: string[] = [];
  if (error.diff) {
    details.push(...clip(strip(error.diff).split('\n')));
  } else if (error.expected !== undefined || error.actual !== undefined) {
    details.push(`Expected: ${strip(error.expected ?? '')}`, `Received: ${strip(error.actual ?? '')}`);
  }
  const thrownValue = error.name === 'Error' && !error.stack?.includes('\n    at ');
  const headline = thrownValue && !/^\w*Error\b/.test(message)
    ? `Your code threw ${JSON.stringify(message)}, which is not an Error — throw new Error(…) to get a line number.`
    : `${error.name && error.name !== 'Error' && error.name !== 'AssertionError' ? `${error.name}: ` : ''}${message.split('\n')[0]}`;
  const rest = message.split('\n').slice(1).filter((l) => l.trim() && !/^\s+at /.test(l));
  return { headline, details: clip([...rest, ...details]), ...at };
}
