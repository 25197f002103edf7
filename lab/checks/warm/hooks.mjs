// Module hooks for the warm runner's thread.
// - `vitest` resolves to the shim, so a lesson's test file runs on vitest's own runner and matchers
//   without vitest's process.
// - A learner's module imported from a fresh import (`?run=N`, the test file and the exercise each run)
//   is itself imported fresh, with the same query: an edit to a helper the exercise imports is seen on
//   the next save. Only files in the learner's folder (`data.dirs`, given by register) are re-imported;
//   the course's modules, and the databases they keep open, stay loaded.
const SHIM = new URL('./vitest-shim.ts', import.meta.url).href;

/** `file:` URL prefixes of the folders whose modules are imported afresh each run. */
let fresh = [];

export function initialize(data) {
  fresh = (data?.dirs ?? []).map((dir) => new URL(`file://${dir.endsWith('/') ? dir : `${dir}/`}`).href);
}

function runOf(url) {
  const query = url?.indexOf('?') ?? -1;
  if (query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('run') ?? undefined;
}

export async function resolve(specifier, context, next) {
  // Resolved through tsx (the next hook), which then knows to compile the shim's TypeScript.
  if (specifier === 'vitest') return next(SHIM, context);
  const resolved = await next(specifier, context);
  const run = runOf(context.parentURL);
  const url = resolved.url;
  if (run === undefined || !url.startsWith('file:') || url.includes('?') || url.includes('/node_modules/')) return resolved;
  if (!fresh.some((dir) => url.startsWith(dir))) return resolved;
  return { ...resolved, url: `${url}?run=${run}` };
}
