/** What the page needs of `fs`, `os`, `zlib`, `crypto`, `http`…: nothing (no auth, TLS or compression in the page). */
const empty: Record<string, unknown> = {};
export default empty;
export const promises = {};
// `tmp` (a dependency of ioredis-mock's Lua VM) reads os.constants.errno while it loads.
export const constants = { errno: {}, signals: {} };
export function platform(): string { return 'browser'; }
export function release(): string { return ''; }
export function type(): string { return 'Browser'; }
export function hostname(): string { return 'page'; }
export function arch(): string { return 'wasm'; }
export function cpus(): unknown[] { return []; }
export const EOL = '\n';
export function randomBytes(n: number): Uint8Array { return crypto.getRandomValues(new Uint8Array(n)); }
export function createHash(): never { throw new Error('No hashing in the page.'); }
export function readFileSync(): never { throw new Error('No files in the page.'); }
export function existsSync(): boolean { return false; }
export function tmpdir(): string { return '/tmp'; }
export function homedir(): string { return '/'; }
export function endianness(): string { return 'LE'; }
