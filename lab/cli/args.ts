/** The CLI's options: one table that both parses arguments and prints `--help`. */
import { parseArgs } from 'node:util';

export const OPTIONS = {
  watch: { type: 'boolean', short: 'w', help: 're-check the exercises on every save (Ctrl-C to stop)' },
  hint: { type: 'boolean', help: 'show the next hint for the first task that is not passing yet' },
  solution: { type: 'boolean', help: 'run the checks against solutions/ (the reference answers)' },
  reset: { type: 'boolean', help: 'restore the starter exercise file; your version is backed up first' },
  check: { type: 'boolean', short: 'c', help: 'skip the notebook; only check the exercises' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const;

export type Flag = keyof typeof OPTIONS;

export interface CliArgs {
  readonly lesson: string | undefined;
  readonly flags: Readonly<Record<Flag, boolean>>;
}

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
    throw new UsageError(`${(error as Error).message}. Run \`npm run lesson -- --help\` for the options.`);
  }
  const words = parsed.positionals;
  const flags = {} as Record<Flag, boolean>;
  for (const flag of Object.keys(OPTIONS) as Flag[]) {
    flags[flag] = parsed.values[flag] === true || words.includes(flag) || env[`npm_config_${flag}`] === 'true';
  }
  const lesson = words.find((word) => !(word in OPTIONS));
  return { lesson, flags };
}

export function usage(): string {
  const rows = Object.entries(OPTIONS).map(([name, o]) => `  ${'short' in o ? `-${o.short}, ` : '    '}--${name.padEnd(10)} ${o.help}`);
  return [
    'Usage: npm run lesson [N | slug] [-- options]',
    '',
    '  npm run lesson            list every lesson with its status',
    '  npm run lesson 3          run lesson 3: the notebook, then check your exercises',
    '  npm run lesson 3 -- --watch',
    '',
    'Options:',
    ...rows,
  ].join('\n');
}
