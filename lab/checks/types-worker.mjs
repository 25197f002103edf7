// The type check on a worker thread (see types.ts). Plain JavaScript: on Node 20 a worker does not
// inherit the parent's `--import tsx`, so it registers tsx itself before loading the TypeScript module.
// One-shot: checks workerData.files once. Kept (workerData.keep): answers every message with a fresh check,
// reusing its program, so --watch never blocks the thread that serves the databases.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { typeCheck, TypeChecker } = await import('./types.ts');
if (workerData.keep) {
  const checker = new TypeChecker(workerData.files);
  parentPort?.on('message', () => parentPort?.postMessage(checker.check()));
} else {
  parentPort?.postMessage(typeCheck(workerData.files));
}
