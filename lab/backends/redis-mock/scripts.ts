/**
 * The script cache, server-wide as on Redis: SCRIPT LOAD/EXISTS/FLUSH, and EVAL/EVALSHA sharing one
 * cache across every connection on the keyspace (ioredis-mock keeps one per connection and has no SCRIPT).
 */
import { createHash } from 'node:crypto';
import type { MockContext, MockInternals } from './internals.ts';
import { replyError, upper, wrongArgs } from './internals.ts';

export function scriptsOf(context: MockContext): Record<string, string> {
  return (context.labScripts ??= {});
}

export const scriptCommands = {
  /** SCRIPT LOAD body → sha1 | EXISTS sha … → [1|0 …] | FLUSH → OK */
  script(this: MockInternals, subcommand: string, ...args: string[]): unknown {
    const sub = upper(subcommand);
    const scripts = scriptsOf(this.context);
    if (sub === 'LOAD') {
      if (args.length !== 1) throw wrongArgs('script|load');
      const sha = createHash('sha1').update(args[0]!).digest('hex');
      scripts[sha] = args[0]!;
      return sha;
    }
    if (sub === 'EXISTS') {
      if (args.length === 0) throw wrongArgs('script|exists');
      return args.map((sha) => (sha.toLowerCase() in scripts ? 1 : 0));
    }
    if (sub === 'FLUSH') {
      for (const sha of Object.keys(scripts)) delete scripts[sha];
      return 'OK';
    }
    throw replyError(`ERR unknown subcommand '${subcommand}'. Try SCRIPT HELP.`);
  },
};
