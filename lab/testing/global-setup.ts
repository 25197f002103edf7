/**
 * Vitest globalSetup: resolves the MongoDB server ONCE per run (one mongod or emulator, reused by every
 * test file through `inject('mongoUri')`), prints the one backends line, and stops the server at the end.
 *
 * Wire it in vitest.config.ts:  test: { globalSetup: ['lab/testing/global-setup.ts'] }
 */
import type { TestProject } from 'vitest/node';
import { describeBackends } from '../backends/index.ts';
import { resolveMongoServer } from '../backends/mongo.ts';
import type { ResolveMongoOptions } from '../backends/mongo.ts';
import { redisLabel } from '../backends/redis.ts';
import { sqlLabel } from '../backends/sql.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the run's MongoDB (MONGODB_URI, mongodb-memory-server or the emulator). */
    mongoUri: string;
    /** `MongoDB: … · Redis: … · SQL: …` for this run. */
    backendsSummary: string;
  }
}

/** The part of TestProject this uses (so a test can call `setup` with a stand-in). */
export type Provider = Pick<TestProject, 'provide'>;

export interface GlobalSetupOptions {
  env?: NodeJS.ProcessEnv;
  mongo?: ResolveMongoOptions;
  /** Where the line goes; default stdout. */
  print?: (line: string) => void;
}

export default async function setup(project: Provider, options: GlobalSetupOptions = {}): Promise<() => Promise<void>> {
  const env = options.env ?? process.env;
  const server = await resolveMongoServer(env, options.mongo);
  const real = Boolean(env['MONGODB_URI'] || env['REDIS_URL'] || env['DATABASE_URL']);
  const own = real ? ' — each test file in its own schema, database and Redis key prefix (lab_<host>_<pid>_…), removed after it' : '';
  const summary = `${describeBackends({ mongo: server.label, redis: redisLabel(env), sql: sqlLabel(env) })}${own}`;
  project.provide('mongoUri', server.uri);
  project.provide('backendsSummary', summary);
  (options.print ?? ((line: string) => process.stdout.write(`${line}\n`)))(`Backends: ${summary}`);
  return async () => {
    await server.stop();
  };
}
