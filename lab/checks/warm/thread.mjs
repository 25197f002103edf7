// Entry of the warm runner's thread (see ../warm.ts). Plain JavaScript: on Node 20 a worker thread does
// not inherit the parent's `--import tsx`, so it registers tsx and the `vitest` hook itself.
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

registerHooks(new URL('./hooks.mjs', import.meta.url));
register();
await import('./thread.ts');
