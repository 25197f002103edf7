/** Node's globals for the driver and the emulator in the worker; imported first by worker.ts. */
import { Buffer } from 'buffer';
import process from 'process';

const g = globalThis as Record<string, unknown>;
g.Buffer ??= Buffer;
g.process ??= process;
g.global ??= globalThis;

// The browserify Buffer predates 'base64url' (lesson 09's session tokens use it).
const toString = Buffer.prototype.toString;
Buffer.prototype.toString = function (this: Buffer, encoding?: string, start?: number, end?: number): string {
  if (encoding !== 'base64url') return toString.call(this, encoding as BufferEncoding, start, end);
  return toString.call(this, 'base64', start, end).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
} as typeof Buffer.prototype.toString;
