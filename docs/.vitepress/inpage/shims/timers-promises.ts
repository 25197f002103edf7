/** `timers/promises` for the page (no polyfill has it): the driver uses `setTimeout` from it. */
export function setTimeout<T = void>(ms?: number, value?: T, options?: { signal?: AbortSignal }): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = globalThis.setTimeout(() => resolve(value as T), ms ?? 0);
    options?.signal?.addEventListener('abort', () => {
      globalThis.clearTimeout(t);
      reject(options.signal?.reason ?? new Error('aborted'));
    });
  });
}
export function setImmediate<T = void>(value?: T): Promise<T> {
  return setTimeout(0, value);
}
export async function* setInterval<T = void>(ms?: number, value?: T): AsyncGenerator<T> {
  for (;;) yield await setTimeout(ms, value);
}
export const scheduler = { wait: (ms: number) => setTimeout(ms), yield: () => setTimeout(0) };
export default { setTimeout, setImmediate, setInterval, scheduler };
