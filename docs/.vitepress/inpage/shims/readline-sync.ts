/** `readline-sync` for the page: fengari's debug.debug() would read a line from a terminal; there is none. */
export function setDefaultOptions(): void {}
export function prompt(): string {
  throw new Error('Lua debug.debug() needs a terminal; the page has none.');
}
export default { setDefaultOptions, prompt };
