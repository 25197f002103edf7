// Module hooks for the warm runner's thread: `vitest` resolves to the shim, so a lesson's test file runs
// on vitest's own runner and matchers without vitest's process.
const SHIM = new URL('./vitest-shim.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'vitest') return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}
