/** The CLI's options: one table that both parses arguments and prints `--help`. */
import { parseArgs } from 'node:util';

export const OPTIONS = {
  watch: { type: 'boolean', short: 'w', help: 're-check the exercises on every save (Ctrl-C to stop)' },
  hint: { type: 'boolean', help: 'show the next hint for the first task that is not passing yet' },
  solution: { type: 'boolean', help: 'run the checks against solutions/ (the reference answers)' },
  reset: { type: 'boolean', help: 'restore the starter exercise file; your version is backed up first' },
  task: { type: 'string', help: 'with --reset: restore only task N\'s function(s), e.g. --reset --task 3' },
  check: { type: 'boolean', short: 'c', help: 'skip the notebook; only check the exercises' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const;

export type Flag = Exclude<keyof typeof OPTIONS, 'task'>;

export interface CliArgs {
  readonly lesson: string | undefined;
  readonly flags: Readonly<Record<Flag, boolean>>;
  /** `--task N` (1-based), with --reset. */
  readonly task?: number;
}

/** The one line that shows every form of the command; printed under any usage error. */
export const USAGE_LINE = 'Usage: npm run lesson [N] [-- --watch|--check|--hint|--solution|--reset|--help]';

/** Flags that each choose what the command does: at most one of them at a time. */
const VERBS: readonly Flag[] = ['watch', 'hint', 'reset', 'help'];
/** Flags that only change how a lesson runs, and the verbs they go with. */
const GOES_WITH: Partial<Record<Flag, readonly Flag[]>> = { check: ['watch'], solution: ['watch'] };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * `npm run lesson 3 --hint` (without the `--` separator) reaches us only as npm_config_hint,
 * so those count too; words like `hint` after the lesson work as well: `npm run lesson 3 hint`.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${plainParseError(error as Error)}\n${USAGE_LINE}`);
  }
  const words = parsed.positionals;
  const flags = {} as Record<Flag, boolean>;
  for (const flag of Object.keys(OPTIONS).filter((f) => f !== 'task') as Flag[]) {
    flags[flag] = parsed.values[flag] === true || words.includes(flag) || env[`npm_config_${flag}`] === 'true';
  }
  const lessons = words.filter((word) => !(word in OPTIONS));
  if (lessons.length > 1) throw new UsageError(`One lesson at a time: got ${lessons.map((w) => `"${w}"`).join(' and ')}.\n${USAGE_LINE}`);
  const taskText = parsed.values.task ?? env.npm_config_task;
  if (flags.help) return { lesson: lessons[0], flags };
  const verbs = VERBS.filter((v) => flags[v]);
  if (verbs.length > 1) throw new UsageError(`--${verbs[0]} and --${verbs[1]} do different things: use one at a time.`);
  for (const [flag, allowed] of Object.entries(GOES_WITH) as Array<[Flag, readonly Flag[]]>) {
    const clash = verbs.find((v) => !allowed.includes(v));
    if (flags[flag] && clash) throw new UsageError(`--${flag} does not go with --${clash}: use one at a time.`);
  }
  if (taskText === undefined) return { lesson: lessons[0], flags };
  if (!flags.reset) throw new UsageError('--task goes with --reset: `npm run lesson 1 -- --reset --task 3` restores task 3 only.');
  const task = Number(taskText);
  if (!Number.isInteger(task) || task < 1) throw new UsageError(`--task takes a task number (1, 2, …), not "${taskText}".`);
  return { lesson: lessons[0], flags, task };
}

/** Node's parser says `Unknown option '--bogus'. To specify a positional argument …`: keep the first sentence. */
function plainParseError(error: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `There is no option ${unknown[1]}.`;
  const missing = /Option '([^']+)' argument missing/.exec(error.message);
  if (missing) return `${missing[1]?.replace(/^-\w, /, '')} needs a value.`;
  return `${error.message.split('. ')[0]?.replace(/\.$/, '')}.`;
}

export function usage(): string {
  const rows = Object.entries(OPTIONS).map(([name, o]) => `  ${'short' in o ? `-${o.short}, ` : '    '}--${name.padEnd(10)} ${o.help}`);
  return [
    USAGE_LINE,
    '',
    '  npm run lesson            list every lesson with its status',
    '  npm run lesson 3          run lesson 3: the notebook, then check your exercises',
    '  npm run lesson 3 -- --watch',
    '',
    'Options:',
    ...rows,
  ].join('\n');
}
