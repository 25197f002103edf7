// The type check on a worker thread (see types.ts). Plain JavaScript: on Node 20 a worker does not
// inherit the parent's `--import tsx`, so it registers tsx itself before loading the TypeScript module.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { typeCheck } = await import('./types.ts');
parentPort?.postMessage(typeCheck(workerData));
