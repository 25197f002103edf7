// Loaded with --require into every grading worker. fengari (ioredis-mock's Lua engine) loads
// readline-sync for its interactive debugger, and readline-sync calls process.binding at load time,
// which Node's permission model forbids. Nothing in the course uses that debugger, so it gets a stub.
const Module = require('node:module');
const load = Module._load;
Module._load = function loadWithoutReadlineSync(request, ...rest) {
  if (request === 'readline-sync') return { setDefaultOptions() {}, prompt: () => '', question: () => '' };
  return load.call(this, request, ...rest);
};
