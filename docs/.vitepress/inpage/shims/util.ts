/**
 * `util` for the page: Node's own inspect (extracted for the web), so `show()` prints what the terminal
 * prints, and the few helpers the driver and readable-stream reach for.
 */
import { inspect, format } from 'node-inspect-extracted';

export { inspect, format };
export function styleText(_style: unknown, text: string): string {
  return text;
}
export function debuglog(): (...args: unknown[]) => void {
  return () => undefined;
}
export function deprecate<T>(fn: T): T {
  return fn;
}
export function inherits(child: { prototype: object; super_?: unknown }, parent: { prototype: object }): void {
  child.super_ = parent;
  Object.setPrototypeOf(child.prototype, parent.prototype);
}
export function promisify<T extends (...args: never[]) => void>(fn: T): (...args: unknown[]) => Promise<unknown> {
  return (...args) => new Promise((resolve, reject) => (fn as unknown as (...a: unknown[]) => void)(...args, (e: unknown, v: unknown) => (e ? reject(e) : resolve(v))));
}
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
export const types = {};
export default { inspect, format, styleText, debuglog, deprecate, inherits, promisify, TextEncoder, TextDecoder, types };
