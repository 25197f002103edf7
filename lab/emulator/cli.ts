/**
 * `npm run emulator [-- --port N]`: serve the emulator until Ctrl-C / SIGTERM.
 * The connection string is the first line on stdout so scripts can read it.
 */
import { startMongoEmulator } from './index.ts';

function parsePort(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  if (i < 0) return 27017;
  const arg = argv[i] as string;
  const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  const port = Number(raw);
  if (raw === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`Invalid --port ${String(raw)}: expected a number from 0 to 65535\n`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const port = parsePort(process.argv.slice(2));
  let emu;
  try {
    emu = await startMongoEmulator({ port });
  } catch (err) {
    process.stderr.write(`Could not start the MongoDB emulator on port ${port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${emu.uri}\n`);
  process.stderr.write('NoSQL Lab MongoDB emulator (in memory; data is lost on exit). Press Ctrl-C to stop.\n');
  // Ctrl-C and SIGTERM always stop it: a clean stop first, a forced exit if that takes longer than
  // 2 s, and a second signal exits at once. Long commands yield to the event loop (guard.ts), so the
  // handler runs within a few milliseconds even while a big aggregation is running.
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) process.exit(0);
    stopping = true;
    setTimeout(() => process.exit(0), 2000).unref();
    void emu.stop().then(() => process.exit(0), () => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

void main();
