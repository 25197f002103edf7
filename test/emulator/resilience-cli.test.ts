/**
 * `npm run emulator` always stops on SIGTERM and SIGINT, even in the middle of a long aggregation
 * or an endless $where. Emulator-only: it starts the course's CLI in a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { isEmulator, type Doc } from './helpers.ts';

async function startCli(): Promise<{ child: ChildProcess; uri: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lab/emulator/cli.ts', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const uri = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`emulator exited early with ${String(code)}`)));
  });
  return { child, uri };
}

/** Resolves with the exit code, or 'still running' after `ms`. */
async function exitWithin(child: ChildProcess, ms: number): Promise<number | string | null> {
  const timer = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms).unref());
  const exited = once(child, 'exit').then(([code, signal]) => (code as number | null) ?? (signal as string));
  return Promise.race([exited, timer]);
}

describe.skipIf(!isEmulator)('Stopping npm run emulator', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits on ${signal} while a client runs an endless $where and a big aggregation`, async () => {
      const { child, uri } = await startCli();
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      try {
        const coll = client.db('cli').collection<Doc>('c');
        await coll.insertMany(Array.from({ length: 50_000 }, (_, i) => ({ _id: i, v: i })));
        const endless = coll.find({ $where: 'function () { while (true) {} }' }).toArray().catch(() => undefined);
        const heavy = coll.aggregate([{ $group: { _id: { $mod: ['$v', 7] }, n: { $sum: 1 } } }]).toArray().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        child.kill(signal);
        const expected = 0;
        expect(await exitWithin(child, 5000)).toEqual(expected);
        await Promise.all([endless, heavy]);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await client.close(true).catch(() => undefined);
      }
    }, 30_000);
  }
});
