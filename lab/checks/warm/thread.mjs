// Entry of the warm runner's thread (see ../warm.ts). Plain JavaScript: on Node 20 a worker thread does
// not inherit the parent's `--import tsx`, so it registers tsx and the warm runner's hooks itself (ours
// last, so they see tsx's resolutions: a learner's `./helpers.js` is already `helpers.ts` by then).
import { register as registerHooks } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
registerHooks(new URL('./hooks.mjs', import.meta.url), { data: { dirs: workerData?.freshDirs ?? [] } });
await import('./thread.ts');
