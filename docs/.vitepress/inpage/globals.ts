/** Node's globals for the driver and the emulator in the worker; imported first by worker.ts. */
import { Buffer } from 'buffer';
import process from 'process';

const g = globalThis as Record<string, unknown>;
g.Buffer ??= Buffer;
g.process ??= process;
g.global ??= globalThis;
